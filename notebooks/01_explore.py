# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# Explore the release
# -------------------
#
# What is in a built release: how the stance labels and loaded-language spans are distributed,
# how well annotators agree on each label, how much each annotator did, and how long the marked
# spans are. It reads only the release (`sentences` and `annotations` configs), with the labels
# the release itself names. On a campaign's first day some of this does not exist yet (no row
# with two annotators, no span, no texts in a release that does not redistribute them): the cell
# concerned says so and moves on.
#
# `annotation notebooks --release DIR --out DIR` runs it against a chosen release. Opened in
# Jupyter, it reads `$ANNOTATION_DATASET` (default: the newest release of the campaign it sits
# in) and writes its figures to `$ANNOTATION_NOTEBOOK_OUT` (default: the campaign's
# `notebooks/output/`).

# %%
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from annotation.aggregate import alpha_per_label, krippendorff_alpha
from annotation.notebooks import release_paths
from annotation.release import SPLITS, load_release_tables

DATASET, OUT = release_paths()
print(f"dataset: {DATASET}\nfigures: {OUT}")

# %% [markdown]
# Load the release
# ----------------
#
# `sentences` has one aggregated row per sentence × target, `annotations` one row per annotator ×
# sentence × target; stance and span labels are names, and the split is a column. A row is
# *pairable* when two or more annotators labelled it: only those say anything about agreement.

# %%
release = load_release_tables(DATASET)
sentences, annotations = release.sentences, release.annotations
STANCE, SPAN = release.stance_names, release.span_names
spans = pd.DataFrame(
    [
        {**span, "split": split}
        for cell, split in zip(sentences["spans"], sentences["split"], strict=True)
        for span in cell
    ],
    columns=["start", "end", "text", "label", "support", "n_annotators", "split"],
)
n_pairable = int((sentences["n_annotators"] >= 2).sum())
rows_per_split = sentences["split"].value_counts().reindex(SPLITS, fill_value=0)
print(
    f"{sentences['sentence_id'].nunique()} sentences of {sentences['article_id'].nunique()} "
    f"article(s), {len(sentences)} sentence × target rows ({n_pairable} pairable), "
    f"{len(annotations)} annotations by {annotations['annotator'].nunique()} annotator(s), "
    f"{len(spans)} aggregated spans; rows per split: "
    + ", ".join(f"{split} {n}" for split, n in rows_per_split.items())
)
if release.missing_texts:
    display(Markdown(f"**No texts.** {release.missing_texts}"))

# %% [markdown]
# Label distributions
# -------------------
#
# Aggregated stance per target, and aggregated loaded-language spans per label. Every label of
# the scheme is shown, used or not.

# %%
stance_counts = (
    sentences.groupby(["target", "stance"]).size().unstack(fill_value=0)
    .reindex(columns=STANCE, fill_value=0)
)
span_counts = spans["label"].value_counts().reindex(SPAN, fill_value=0)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[2, 1])
stance_counts.T.plot.bar(ax=left, rot=0)
left.set_title("Aggregated stance per target")
left.set_xlabel("stance")
left.set_ylabel("rows")
span_counts.plot.bar(ax=right, rot=0, color="tab:red")
right.set_title("Aggregated loaded-language spans" + ("" if len(spans) else " (none yet)"))
right.set_ylabel("spans")
fig.tight_layout()
fig.savefig(OUT / "label_distribution.png", dpi=120)
plt.close(fig)
stance_counts

# %% [markdown]
# Agreement per label
# -------------------
#
# Krippendorff's alpha over the raw stance votes (tasks as units), overall and one label against
# the rest. It is undefined (NaN) without pairable votes, and for a label no pairable vote used.

# %%
votes = annotations.rename(columns={"task_key": "task", "annotator": "worker", "stance": "label"})
votes = votes[["task", "worker", "label"]]
overall_alpha = krippendorff_alpha(votes, labels=STANCE)
per_label_alpha = alpha_per_label(votes, STANCE)
if per_label_alpha.isna().all():
    display(Markdown(
        f"**No agreement to show yet.** {n_pairable} of {len(sentences)} rows have two or more "
        "annotators, and alpha needs pairable votes that use at least two labels; it appears as "
        "rows get their second annotator (the campaign's `overlap`)."
    ))
else:
    ax = per_label_alpha.plot.bar(rot=0, figsize=(6, 3.5), ylim=(-0.2, 1))
    ax.axhline(overall_alpha, color="black", linestyle="--", label=f"overall {overall_alpha:.2f}")
    ax.set_ylabel("Krippendorff's alpha")
    ax.set_title("Stance agreement per label (one vs rest)")
    ax.legend()
    ax.figure.tight_layout()
    ax.figure.savefig(OUT / "agreement_per_label.png", dpi=120)
    plt.close(ax.figure)
per_label_alpha.to_frame().assign(votes=votes["label"].value_counts().reindex(STANCE, fill_value=0))

# %% [markdown]
# Annotator activity
# ------------------
#
# Annotations per annotator, their stance mix, and the median time they spent on a task.

# %%
activity = (
    annotations.groupby(["annotator", "stance"]).size().unstack(fill_value=0)
    .reindex(columns=STANCE, fill_value=0)
)
activity["total"] = activity.sum(axis=1)
activity["median_lead_time_s"] = annotations.groupby("annotator")["lead_time_s"].median()
activity["spans_marked"] = annotations["spans"].map(len).groupby(annotations["annotator"]).sum()
ax = activity[STANCE].plot.barh(stacked=True, figsize=(7, 3.5))
ax.set_xlabel("annotations")
ax.set_title("Annotations per annotator")
ax.figure.tight_layout()
ax.figure.savefig(OUT / "annotator_activity.png", dpi=120)
plt.close(ax.figure)
activity

# %% [markdown]
# Span lengths
# ------------
#
# Length in words of the aggregated spans and of every annotator's raw spans (words need the
# texts).

# %%
raw_spans = pd.DataFrame([span for cell in annotations["spans"] for span in cell],
                         columns=["start", "end", "text", "label"])
lengths = pd.DataFrame(columns=["aggregated", "raw"], dtype=int)
if release.missing_texts:
    display(Markdown("**Skipped:** span lengths in words need the texts (see above)."))
elif raw_spans.empty:
    display(Markdown("**Skipped:** no annotator has marked a loaded-language span yet."))
else:
    lengths = pd.DataFrame({
        "aggregated": spans["text"].str.split().str.len().value_counts(),
        "raw": raw_spans["text"].str.split().str.len().value_counts(),
    }).fillna(0).astype(int).sort_index()
    lengths.index.name = "words"
    ax = lengths.plot.bar(rot=0, figsize=(6, 3.5))
    ax.set_ylabel("spans")
    ax.set_title("Span length")
    ax.figure.tight_layout()
    ax.figure.savefig(OUT / "span_lengths.png", dpi=120)
    plt.close(ax.figure)
    display(lengths)

# %% [markdown]
# Conclusion
# ----------

# %%
top_label = stance_counts.sum().idxmax()
agreement = (
    f"Overall stance alpha is {overall_alpha:.2f}; the label annotators agree on least is "
    f"`{per_label_alpha.idxmin()}` (alpha {per_label_alpha.min():.2f})."
    if per_label_alpha.notna().any()
    else f"Agreement is undefined so far: {n_pairable} rows have two or more annotators."
)
if release.missing_texts:
    span_text = "Span lengths need the texts, which this release does not carry."
elif lengths.empty:
    span_text = "No loaded-language span has been marked yet."
else:
    short_share = lengths["raw"].loc[lengths.index <= 2].sum() / lengths["raw"].sum()
    span_text = (
        f"Loaded-language spans are short: {short_share:.0%} of the raw spans have one or two "
        "words."
    )
source = (
    "**These are synthetic demo annotations** (simulated annotators, see the dataset card): the "
    "figures check the pipeline, not the annotation."
    if release.synthetic
    else "These are human annotations."
)
display(
    Markdown(
        f"The release has {len(sentences)} sentence × target rows from "
        f"{annotations['annotator'].nunique()} annotator(s); the most frequent stance is "
        f"`{top_label}` ({stance_counts[top_label].sum()} rows). {agreement} {span_text} {source}"
    )
)
