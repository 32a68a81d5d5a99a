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
# fitted with the protocol of `annotation.models.plan_evaluation` (the one `evaluate_baselines`
# scores with), so every scored row gets an out-of-fold prediction from a model that never saw its
# sentence. A row is hard for the models when many of them miss its aggregated label, and hard
# for the annotators when their votes split (low `stance_confidence`, the share of votes for the
# aggregated label). When the stance models cannot be scored (too few rows, a single stance
# label, or no texts), the cells below say why instead.
#
# `annotation notebooks --release DIR --out DIR` runs it against a chosen release. Opened in
# Jupyter, it reads `$ANNOTATION_DATASET` (default: the newest release of the campaign it sits
# in) and writes its figures to `$ANNOTATION_NOTEBOOK_OUT` (default: the campaign's
# `notebooks/output/`).

# %%
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from annotation.models import (
    EMBEDDING_KINDS,
    STANCE_KINDS,
    embedding_available,
    plan_evaluation,
    predict_stance,
)
from annotation.notebooks import release_paths
from annotation.release import load_release_tables

SEED = 0
TOP = 10
DATASET, OUT = release_paths()
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
release = load_release_tables(DATASET)
sentences = release.sentences
if release.missing_texts:
    display(Markdown(f"**No texts.** {release.missing_texts}"))
plan = plan_evaluation(sentences)
refusal = plan.refused.get("stance")
kinds = [] if refusal else KINDS
predictions = pd.DataFrame(
    {kind: predict_stance(sentences, kind, plan.folds, random_state=SEED) for kind in kinds},
    index=sentences.index,
).iloc[plan.scored if kinds else []]
rows = sentences.loc[predictions.index].copy()
print(plan.protocol)
if refusal:
    display(Markdown(f"**No predictions:** {refusal}"))

# %% [markdown]
# Disagreement per row
# --------------------
#
# `models_wrong` is the share of models whose prediction differs from the aggregated label;
# `votes` lists the annotators' stance votes (a mapping label → votes in `stance_votes`).

# %%
rows["models_wrong"] = predictions.ne(rows["stance"], axis=0).mean(axis=1)
rows["votes"] = [
    ", ".join(f"{name} {n}" for name, n in counts.items() if n) for counts in rows["stance_votes"]
]
rows["disagreement"] = rows["models_wrong"] + (1 - rows["stance_confidence"])
hardest = rows.sort_values(["disagreement", "models_wrong"], ascending=False).head(TOP)
if refusal:
    display(Markdown(f"**Skipped:** {refusal}"))
else:
    table = hardest[["sentence_id", "target", "text", "stance", "votes", "models_wrong"]].join(
        predictions.loc[hardest.index]
    )
    display(table.style.format({"models_wrong": "{:.2f}"}))

# %% [markdown]
# Model errors against annotator agreement
# ----------------------------------------
#
# Each point is a row; a little jitter separates rows with the same values.

# %%
if refusal:
    display(Markdown(f"**Skipped:** {refusal}"))
else:
    jitter = np.random.default_rng(SEED).uniform(-0.02, 0.02, size=(len(rows), 2))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(
        rows["stance_confidence"] + jitter[:, 0], rows["models_wrong"] + jitter[:, 1], alpha=0.6
    )
    ax.set_xlabel("annotator agreement (share of votes for the aggregated label)")
    ax.set_ylabel("share of models that miss the label")
    ax.set_title("Where models and annotators disagree")
    fig.tight_layout()
    fig.savefig(OUT / "disagreement.png", dpi=120)
    plt.close(fig)
    display(
        rows.groupby(rows["stance_confidence"].round(2))["models_wrong"].agg(["mean", "size"])
    )

# %% [markdown]
# Conclusion
# ----------
#
# Rows with one annotator have no agreement to speak of; they are counted apart.

# %%
pairable = rows["n_annotators"] >= 2
groups = {
    "where the annotators were unanimous": rows[pairable & (rows["stance_confidence"] == 1)],
    "where their votes split": rows[pairable & (rows["stance_confidence"] < 1)],
    "with a single annotator": rows[~pairable],
}
by_group = "; ".join(
    f"{group['models_wrong'].mean():.0%} on the {len(group)} rows {where}"
    for where, group in groups.items()
    if len(group)
)
source = (
    "**These are synthetic demo annotations** (simulated annotators, see the dataset card), so "
    "the rows above test the pipeline; they say nothing about the guidelines."
    if release.synthetic
    else "These are human annotations: read the top rows against the guidelines."
)
display(
    Markdown(
        f"No row could be analysed: {refusal}."
        if refusal
        else f"On average {rows['models_wrong'].mean():.0%} of the {len(KINDS)} models miss a "
        f"row's label: {by_group}. The {len(hardest)} rows above, where both disagree most, are "
        f"the first to re-read when revising the guidelines. {source}"
    )
)
