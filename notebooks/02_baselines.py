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
# Baselines
# ---------
#
# How well do simple models do on the release? Every stance classifier of
# `annotation.baselines.STANCE_KINDS` (majority label; TF-IDF + logistic regression; word and
# character TF-IDF + linear SVM; logistic regression on frozen MiniLM sentence embeddings, and on
# the means of all MiniLM layers) and every loaded-language tagger of `TAGGER_KINDS` (the
# pre-annotation lexicon; a lexicon learnt from the marked rate of each word; logistic regression
# on token features, with and without MiniLM token vectors). The MiniLM models need the
# `embedding` extra; without it they are skipped with a note. `evaluate_baselines` chooses the
# protocol: train on `train` and score on `test` when both splits have rows, else grouped
# cross-validation so that no sentence (or article) is in both the training and the scored part.
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
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from annotation.baselines import evaluate_baselines, summary_table
from annotation.lexicon import load_lexicon
from annotation.pipeline import newest_release
from annotation.schema import load_schema

SCHEMA = load_schema()
LEXICON = load_lexicon(labels=SCHEMA.span_names)
SEED = 0
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").is_file())
DATASET = newest_release(ROOT / "dist")  # or $ANNOTATION_DATASET
OUT = Path(os.environ.get("ANNOTATION_NOTEBOOK_OUT") or ROOT / "notebooks" / "output")
OUT.mkdir(parents=True, exist_ok=True)
print(f"dataset: {DATASET}\nfigures: {OUT}")

# %% [markdown]
# Load the `sentences` config
# ---------------------------
#
# One row per sentence × target, from every split the card lists (the one-article demo puts all
# rows in one split). Label ids become names, and the split becomes a column.

# %%
splits = datasets.load_dataset(str(DATASET), "sentences", download_mode="force_redownload")
features = next(iter(splits.values())).features
span_label = features["spans"].feature["label"]
sentences = pd.concat(
    [dataset.to_pandas().assign(split=name) for name, dataset in splits.items()],
    ignore_index=True,
)
sentences["stance"] = sentences["stance"].map(features["stance"].int2str)
sentences["spans"] = [
    [{**span, "label": span_label.int2str(int(span["label"]))} for span in spans]
    for spans in sentences["spans"]
]
sentences.groupby(["split", "stance"]).size().unstack(fill_value=0)

# %% [markdown]
# Fit and score
# -------------

# %%
metrics = evaluate_baselines(
    sentences, stance_labels=SCHEMA.stance_names, lexicon=LEXICON, random_state=SEED
)
print(summary_table(metrics))
if metrics["skipped"]:
    print(f"\nnot run (extra missing): {', '.join(metrics['skipped'])}")

# %% [markdown]
# Per-label F1 of the stance models
# ---------------------------------
#
# A bar without a number is an undefined F1: the label is neither in the gold labels nor predicted.

# %%
per_label = pd.DataFrame(
    {kind: scores["per_label_f1"] for kind, scores in metrics["stance"].items()}
).astype(float)
ax = per_label.plot.bar(rot=0, ylim=(0, 1.1), figsize=(9, 4), width=0.85)
for bars in ax.containers:
    ax.bar_label(bars, fmt=lambda value: "" if np.isnan(value) else f"{value:.2f}", fontsize=7)
ax.set_xlabel("gold stance")
ax.set_ylabel("F1")
ax.set_title("Stance: per-label F1")
ax.legend(fontsize=8)
ax.figure.tight_layout()
ax.figure.savefig(OUT / "stance_per_label_f1.png", dpi=120)
plt.close(ax.figure)
per_label

# %% [markdown]
# Confusion matrices
# ------------------
#
# One per stance model, gold labels as rows; the count is written in each cell.

# %%
kinds = list(metrics["stance"])
fig, axes = plt.subplots(1, len(kinds), figsize=(3.4 * len(kinds), 3.6), squeeze=False)
for ax, kind in zip(axes[0], kinds, strict=True):
    confusion = metrics["stance"][kind]["confusion_matrix"]
    matrix = np.array(confusion["matrix"])
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(confusion["labels"])), confusion["labels"], rotation=45, fontsize=8)
    ax.set_yticks(range(len(confusion["labels"])), confusion["labels"], fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_title(kind, fontsize=9)
    for (row, column), count in np.ndenumerate(matrix):
        color = "white" if count > matrix.max() / 2 else "black"
        ax.text(column, row, str(count), ha="center", va="center", color=color, fontsize=8)
axes[0][0].set_ylabel("gold")
fig.tight_layout()
fig.savefig(OUT / "stance_confusion_matrices.png", dpi=120)
plt.close(fig)
pd.DataFrame(
    metrics["stance"]["tfidf-lr"]["confusion_matrix"]["matrix"],
    index=SCHEMA.stance_names,
    columns=SCHEMA.stance_names,
)

# %% [markdown]
# Loaded-language taggers
# -----------------------
#
# Token F1 and span F1 (exact and partial overlap) of each tagger, per label.

# %%
tagger_scores = pd.DataFrame(
    {
        (kind, match): {
            label: scores[match]["per_label"][label]["f1"] for label in SCHEMA.span_names
        }
        | {"all": scores[match]["f1"]}
        for kind, scores in metrics["loaded_language"].items()
        for match in ("token", "exact", "partial")
    }
).T.astype(float)
ax = tagger_scores["all"].unstack().plot.bar(rot=0, ylim=(0, 1.05), figsize=(8, 3.6))
ax.set_ylabel("F1")
ax.set_title("Loaded language: F1 over all labels")
ax.figure.tight_layout()
ax.figure.savefig(OUT / "loaded_language_f1.png", dpi=120)
plt.close(ax.figure)
tagger_scores

# %% [markdown]
# Conclusion
# ----------

# %%
stance_f1 = {kind: scores["macro_f1"] for kind, scores in metrics["stance"].items()}
tagger_f1 = {kind: scores["token"]["f1"] for kind, scores in metrics["loaded_language"].items()}
best_stance = max((k for k in stance_f1 if stance_f1[k] is not None), key=stance_f1.__getitem__)
best_tagger = max((k for k in tagger_f1 if tagger_f1[k] is not None), key=tagger_f1.__getitem__)
source = (
    "**These numbers come from synthetic demo annotations** (simulated annotators, see the "
    "dataset card), so they test the pipeline, not the models."
    if sentences["synthetic"].all()
    else "These numbers come from human annotations."
)
skipped = (
    f" Not run for want of the `embedding` extra: {', '.join(metrics['skipped'])}."
    if metrics["skipped"]
    else ""
)
display(
    Markdown(
        f"The best stance model is `{best_stance}` with macro-F1 {stance_f1[best_stance]:.2f}, "
        f"against {stance_f1['majority']:.2f} for the majority label. The best loaded-language "
        f"tagger is `{best_tagger}` with token F1 {tagger_f1[best_tagger]:.2f} (the lexicon: "
        f"{tagger_f1['lexicon']:.2f}).{skipped} {source} Protocol: {metrics['protocol']}. "
        "Scores on a few dozen rows have wide uncertainty; they are a floor for stronger "
        "models, not a finding."
    )
)
