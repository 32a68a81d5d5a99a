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
# Error analysis
# --------------
#
# Which sentences do the models and the annotators disagree on most? Each stance classifier is
# fitted with the protocol of `annotation.baselines.evaluation_folds`, so every row gets an
# out-of-fold prediction from a model that never saw its sentence. A row is hard for the models
# when many of them miss its aggregated label, and hard for the annotators when their votes split
# (low `stance_confidence`, the share of votes for the aggregated label).
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

from annotation.baselines import (
    EMBEDDING_KINDS,
    STANCE_KINDS,
    embedding_available,
    evaluation_folds,
    make_stance_classifier,
)
from annotation.pipeline import newest_release
from annotation.schema import load_schema

SCHEMA = load_schema()
SEED = 0
TOP = 10
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").is_file())
DATASET = newest_release(ROOT / "dist")  # or $ANNOTATION_DATASET
OUT = Path(os.environ.get("ANNOTATION_NOTEBOOK_OUT") or ROOT / "notebooks" / "output")
OUT.mkdir(parents=True, exist_ok=True)
KINDS = [
    kind for kind in STANCE_KINDS
    if kind != "majority" and (embedding_available() or kind not in EMBEDDING_KINDS)
]
print(f"dataset: {DATASET}\nfigures: {OUT}\nmodels: {', '.join(KINDS)}")
if not embedding_available():
    print("the embedding extra is missing: the embedding-* models are left out")

# %% [markdown]
# Out-of-fold predictions
# -----------------------

# %%
splits = datasets.load_dataset(str(DATASET), "sentences", download_mode="force_redownload")
features = next(iter(splits.values())).features
sentences = pd.concat(
    [dataset.to_pandas().assign(split=name) for name, dataset in splits.items()],
    ignore_index=True,
)
sentences["stance"] = sentences["stance"].map(features["stance"].int2str)
protocol, folds = evaluation_folds(sentences)
X, y = sentences[["target", "text"]], sentences["stance"].to_numpy()
evaluated = np.sort(np.concatenate([test for _, test in folds]))
predictions = pd.DataFrame(index=sentences.index, columns=KINDS, dtype=object)
for kind in KINDS:
    for train, test in folds:
        model = make_stance_classifier(kind, random_state=SEED).fit(X.iloc[train], y[train])
        predictions.loc[test, kind] = model.predict(X.iloc[test])
print(protocol)

# %% [markdown]
# Disagreement per row
# --------------------
#
# `models_wrong` is the share of models whose prediction differs from the aggregated label;
# `votes` lists the annotators' stance votes in schema order.

# %%
rows = sentences.loc[evaluated].copy()
rows["models_wrong"] = predictions.loc[evaluated].ne(rows["stance"], axis=0).mean(axis=1)
rows["votes"] = [
    ", ".join(f"{name} {n}" for name, n in zip(SCHEMA.stance_names, counts, strict=True) if n)
    for counts in rows["stance_votes"]
]
rows["disagreement"] = rows["models_wrong"] + (1 - rows["stance_confidence"])
hardest = rows.sort_values(["disagreement", "models_wrong"], ascending=False).head(TOP)
table = hardest[["sentence_id", "target", "text", "stance", "votes", "models_wrong"]].join(
    predictions.loc[hardest.index]
)
table.style.format({"models_wrong": "{:.2f}"})

# %% [markdown]
# Model errors against annotator agreement
# ----------------------------------------
#
# Each point is a row; a little jitter separates rows with the same values.

# %%
jitter = np.random.default_rng(SEED).uniform(-0.02, 0.02, size=(len(rows), 2))
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(rows["stance_confidence"] + jitter[:, 0], rows["models_wrong"] + jitter[:, 1], alpha=0.6)
ax.set_xlabel("annotator agreement (share of votes for the aggregated label)")
ax.set_ylabel("share of models that miss the label")
ax.set_title("Where models and annotators disagree")
fig.tight_layout()
fig.savefig(OUT / "disagreement.png", dpi=120)
plt.close(fig)
by_agreement = rows.groupby(rows["stance_confidence"].round(2))["models_wrong"].agg(
    ["mean", "size"]
)
by_agreement

# %% [markdown]
# Conclusion
# ----------

# %%
unanimous = rows[rows["stance_confidence"] == 1]
split_votes = rows[rows["stance_confidence"] < 1]
source = (
    "**These are synthetic demo annotations** (simulated annotators, see the dataset card), so "
    "the rows above test the pipeline; they say nothing about the guidelines."
    if sentences["synthetic"].all()
    else "These are human annotations: read the top rows against the guidelines."
)
display(
    Markdown(
        f"On average {rows['models_wrong'].mean():.0%} of the {len(KINDS)} models miss a row's "
        f"label: {unanimous['models_wrong'].mean():.0%} on the {len(unanimous)} rows where the "
        f"annotators were unanimous and {split_votes['models_wrong'].mean():.0%} on the "
        f"{len(split_votes)} rows where their votes split. The {TOP} rows above, where both "
        f"disagree most, are the first to re-read when revising the guidelines. {source}"
    )
)
