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
# How well do simple models do on the release? Two stance classifiers (the majority label, and
# TF-IDF + logistic regression with target-aware features) and one loaded-language tagger (the
# lexicon used for pre-annotation). `annotation.baselines.evaluate_baselines` chooses the protocol:
# train on `train` and score on `test` when both splits have rows, else grouped cross-validation
# so that no sentence (or article) is in both the training and the scored part.
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
from annotation.schema import load_schema

SCHEMA = load_schema()
LEXICON = load_lexicon(labels=SCHEMA.span_names)
SEED = 0
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").is_file())
RELEASES = sorted(
    (p for p in (ROOT / "dist").glob("*") if p.is_dir() and not p.name.startswith(".")),
    key=lambda p: p.stat().st_mtime,
)
if not (os.environ.get("ANNOTATION_DATASET") or RELEASES):
    raise FileNotFoundError(
        f"no release under {ROOT / 'dist'}; run `make demo` or set ANNOTATION_DATASET"
    )
DATASET = Path(os.environ.get("ANNOTATION_DATASET") or RELEASES[-1])
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
splits = datasets.load_dataset(str(DATASET), "sentences")
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

# %% [markdown]
# Per-label F1 of the stance models
# ---------------------------------
#
# A bar without a number is an undefined F1: the label is neither in the gold labels nor predicted.

# %%
per_label = pd.DataFrame(
    {kind: scores["per_label_f1"] for kind, scores in metrics["stance"].items()}
).astype(float)
ax = per_label.plot.bar(rot=0, ylim=(0, 1.1), figsize=(7, 4), width=0.8)
for bars in ax.containers:
    ax.bar_label(bars, fmt=lambda value: "" if np.isnan(value) else f"{value:.2f}", fontsize=8)
ax.set_xlabel("gold stance")
ax.set_ylabel("F1")
ax.set_title("Stance: per-label F1")
ax.figure.tight_layout()
ax.figure.savefig(OUT / "stance_per_label_f1.png", dpi=120)
plt.close(ax.figure)
per_label

# %% [markdown]
# Confusion matrix of tfidf-lr
# ----------------------------

# %%
confusion = metrics["stance"]["tfidf-lr"]["confusion_matrix"]
matrix = np.array(confusion["matrix"])
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.imshow(matrix, cmap="Blues")
ax.set_xticks(range(len(confusion["labels"])), confusion["labels"], rotation=30)
ax.set_yticks(range(len(confusion["labels"])), confusion["labels"])
ax.set_xlabel("predicted")
ax.set_ylabel("gold")
ax.set_title("tfidf-lr confusion matrix")
for (row, column), count in np.ndenumerate(matrix):
    color = "white" if count > matrix.max() / 2 else "black"
    ax.text(column, row, str(count), ha="center", va="center", color=color)
fig.tight_layout()
fig.savefig(OUT / "stance_confusion_tfidf-lr.png", dpi=120)
plt.close(fig)
pd.DataFrame(matrix, index=confusion["labels"], columns=confusion["labels"])

# %% [markdown]
# Conclusion
# ----------

# %%
scores = {
    "tfidf-lr": metrics["stance"]["tfidf-lr"]["macro_f1"],
    "majority": metrics["stance"]["majority"]["macro_f1"],
    "exact": metrics["loaded_language"]["lexicon"]["exact"]["f1"],
    "partial": metrics["loaded_language"]["lexicon"]["partial"]["f1"],
}
shown = {name: "n/a" if value is None else f"{value:.2f}" for name, value in scores.items()}
source = (
    "**These numbers come from synthetic demo annotations** (simulated annotators, see the "
    "dataset card), so they test the pipeline, not the models."
    if sentences["synthetic"].all()
    else "These numbers come from human annotations."
)
display(
    Markdown(
        f"tfidf-lr reaches macro-F1 {shown['tfidf-lr']} against {shown['majority']} for the "
        f"majority label. The lexicon tagger finds loaded language with exact-match F1 "
        f"{shown['exact']} and partial-overlap F1 {shown['partial']}. {source} "
        f"Protocol: {metrics['protocol']}. Scores on a few dozen rows have wide uncertainty; "
        "they are a floor for stronger models, not a finding."
    )
)
