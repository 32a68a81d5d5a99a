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
# What is in the built release: how the stance labels and loaded-language spans are distributed,
# how well annotators agree on each label, how much each annotator did, and how long the marked
# spans are. It reads only the release (`sentences` and `annotations` configs).
#
# Inputs come from the environment: `ANNOTATION_DATASET` is the release directory (default: the
# newest `dist/*/`), `ANNOTATION_NOTEBOOK_OUT` the directory for the figures (default
# `notebooks/output/`).

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import datasets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from annotation.agreement import alpha_per_label, krippendorff_alpha
from annotation.pipeline import newest_release
from annotation.schema import load_schema

SCHEMA = load_schema()
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").is_file())
DATASET = newest_release(ROOT / "dist")  # or $ANNOTATION_DATASET
OUT = Path(os.environ.get("ANNOTATION_NOTEBOOK_OUT") or ROOT / "notebooks" / "output")
OUT.mkdir(parents=True, exist_ok=True)
print(f"dataset: {DATASET}\nfigures: {OUT}")

# %% [markdown]
# Load the `sentences` and `annotations` configs
# ----------------------------------------------
#
# `sentences` has one aggregated row per sentence × target, `annotations` one row per annotator ×
# sentence × target. Label ids become names and the split becomes a column.

# %%
sentence_splits = datasets.load_dataset(str(DATASET), "sentences", download_mode="force_redownload")
annotation_splits = datasets.load_dataset(str(DATASET), "annotations", download_mode="force_redownload")
features = next(iter(sentence_splits.values())).features
span_label = features["spans"].feature["label"]
sentences = pd.concat(
    [d.to_pandas().assign(split=name) for name, d in sentence_splits.items()], ignore_index=True
)
annotations = pd.concat(
    [d.to_pandas().assign(split=name) for name, d in annotation_splits.items()], ignore_index=True
)
for frame in (sentences, annotations):
    frame["stance"] = frame["stance"].map(features["stance"].int2str)
spans = pd.DataFrame(
    [
        {**span, "label": span_label.int2str(int(span["label"])), "split": row.split}
        for row in sentences.itertuples()
        for span in row.spans
    ],
    columns=["start", "end", "text", "label", "support", "n_annotators", "split"],
)
print(
    f"{sentences['sentence_id'].nunique()} sentences, {len(sentences)} sentence × target rows, "
    f"{len(annotations)} annotations by {annotations['annotator'].nunique()} annotators, "
    f"{len(spans)} aggregated spans"
)

# %% [markdown]
# Label distributions
# -------------------
#
# Aggregated stance per target and split, and aggregated loaded-language spans per label.

# %%
stance_counts = (
    sentences.groupby(["target", "stance"]).size().unstack(fill_value=0)
    .reindex(columns=SCHEMA.stance_names, fill_value=0)
)
span_counts = spans["label"].value_counts().reindex(SCHEMA.span_names, fill_value=0)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[2, 1])
stance_counts.T.plot.bar(ax=left, rot=0)
left.set_title("Aggregated stance per target")
left.set_xlabel("stance")
left.set_ylabel("rows")
span_counts.plot.bar(ax=right, rot=0, color="tab:red")
right.set_title("Aggregated loaded-language spans")
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
# the rest. NaN means a label no pairable vote used.

# %%
votes = annotations.rename(columns={"task_key": "task", "annotator": "worker", "stance": "label"})
overall_alpha = krippendorff_alpha(votes[["task", "worker", "label"]], labels=SCHEMA.stance_names)
per_label_alpha = alpha_per_label(votes[["task", "worker", "label"]], SCHEMA.stance_names)
ax = per_label_alpha.plot.bar(rot=0, figsize=(6, 3.5), ylim=(-0.2, 1))
ax.axhline(overall_alpha, color="black", linestyle="--", label=f"overall {overall_alpha:.2f}")
ax.set_ylabel("Krippendorff's alpha")
ax.set_title("Stance agreement per label (one vs rest)")
ax.legend()
ax.figure.tight_layout()
ax.figure.savefig(OUT / "agreement_per_label.png", dpi=120)
plt.close(ax.figure)
per_label_alpha.to_frame().assign(votes=votes["label"].value_counts())

# %% [markdown]
# Annotator activity
# ------------------
#
# Annotations per annotator, their stance mix, and the median time they spent on a task.

# %%
activity = (
    annotations.groupby(["annotator", "stance"]).size().unstack(fill_value=0)
    .reindex(columns=SCHEMA.stance_names, fill_value=0)
)
activity["total"] = activity.sum(axis=1)
activity["median_lead_time_s"] = annotations.groupby("annotator")["lead_time_s"].median()
activity["spans_marked"] = annotations["spans"].map(len).groupby(annotations["annotator"]).sum()
ax = activity[SCHEMA.stance_names].plot.barh(stacked=True, figsize=(7, 3.5))
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
# Length in words of the aggregated spans and of every annotator's raw spans.

# %%
raw_spans = pd.DataFrame([span for cell in annotations["spans"] for span in cell],
                         columns=["start", "end", "text", "label"])
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
lengths

# %% [markdown]
# Conclusion
# ----------

# %%
top_label = stance_counts.sum().idxmax()
short_share = lengths["raw"].loc[lengths.index <= 2].sum() / max(1, lengths["raw"].sum())
source = (
    "**These are synthetic demo annotations** (simulated annotators, see the dataset card): the "
    "figures check the pipeline, not the annotation."
    if sentences["synthetic"].all()
    else "These are human annotations."
)
display(
    Markdown(
        f"The release has {len(sentences)} sentence × target rows; the most frequent stance is "
        f"`{top_label}` ({stance_counts[top_label].sum()} rows). Overall stance alpha is "
        f"{overall_alpha:.2f}; the label annotators agree on least is "
        f"`{per_label_alpha.idxmin()}` (alpha {per_label_alpha.min():.2f}). Loaded-language "
        f"spans are short: {short_share:.0%} of the raw spans have one or two words. {source}"
    )
)
