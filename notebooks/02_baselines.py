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
# `annotation.models.STANCE_KINDS` (majority label; TF-IDF + logistic regression; word and
# character TF-IDF + linear SVM, also one SVM per target as in SemEval-2016 Task 6's baseline;
# logistic regression on frozen MiniLM sentence embeddings, and on the means of all MiniLM layers) and every loaded-language tagger of `TAGGER_KINDS` (the
# pre-annotation lexicon; a lexicon learnt from the marked rate of each word; logistic regression
# on token features, with and without MiniLM token vectors). The MiniLM models need the
# `embedding` extra; without it they are skipped with a note. `evaluate_baselines` chooses the
# protocol: train on `train` and score on `test` when both splits have `MIN_SCORED_ROWS` rows,
# else grouped cross-validation so that no sentence (or article) is in both the training and the
# scored part. It scores nothing on fewer rows, or on rows without text, and says why; a task is
# also left unscored when a training fold has a single stance label (stance) or no scored row
# has a span (loaded language). The cells below then show that reason instead of a figure.
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

from annotation.lexicon import load_lexicon
from annotation.models import MIN_SCORED_ROWS, evaluate_baselines, summary_table
from annotation.notebooks import release_paths
from annotation.release import load_release_tables

LEXICON = load_lexicon()
SEED = 0
DATASET, OUT = release_paths()
print(f"dataset: {DATASET}\nfigures: {OUT}\nfewest rows scored: {MIN_SCORED_ROWS}")

# %% [markdown]
# Load the `sentences` config
# ---------------------------
#
# One row per sentence × target, from every non-empty split (the one-article demo puts all rows
# in one split), with label names and the split as a column.

# %%
release = load_release_tables(DATASET)
sentences = release.sentences
if release.missing_texts:
    display(Markdown(f"**No texts.** {release.missing_texts}"))
sentences.groupby(["split", "stance"]).size().unstack(fill_value=0).reindex(
    columns=release.stance_names, fill_value=0
)

# %% [markdown]
# Fit and score
# -------------

# %%
metrics = evaluate_baselines(
    sentences, stance_labels=release.stance_names, lexicon=LEXICON, random_state=SEED
)
refused = metrics["refused"]
print(summary_table(metrics))

# %% [markdown]
# Per-label F1 of the stance models
# ---------------------------------
#
# A bar without a number is an undefined F1: the label is neither in the gold labels nor predicted.

# %%
if "stance" in refused:
    display(Markdown(f"**Stance not scored:** {refused['stance']}"))
else:
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
    display(per_label)

# %% [markdown]
# Confusion matrices
# ------------------
#
# One per stance model, gold labels as rows; the count is written in each cell.

# %%
if "stance" in refused:
    display(Markdown(f"**Stance not scored:** {refused['stance']}"))
else:
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
    display(pd.DataFrame(
        metrics["stance"]["tfidf-lr"]["confusion_matrix"]["matrix"],
        index=release.stance_names,
        columns=release.stance_names,
    ))

# %% [markdown]
# Loaded-language taggers
# -----------------------
#
# Token F1 and span F1 (exact and partial overlap) of each tagger, per label.

# %%
if "loaded_language" in refused:
    display(Markdown(f"**Loaded language not scored:** {refused['loaded_language']}"))
else:
    tagger_scores = pd.DataFrame(
        {
            (kind, match): {
                label: label_scores["f1"]
                for label, label_scores in scores[match]["per_label"].items()
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
    display(tagger_scores)

# %% [markdown]
# Conclusion
# ----------

# %%
if "stance" in refused and refused["stance"] == refused.get("loaded_language"):
    stance_text = f"No baseline was scored: {refused['stance']}."
elif "stance" in refused:
    stance_text = f"The stance models were not scored: {refused['stance']}."
else:
    stance_f1 = {kind: scores["macro_f1"] for kind, scores in metrics["stance"].items()}
    best_stance = max(stance_f1, key=stance_f1.__getitem__)
    stance_text = (
        f"The best stance model is `{best_stance}` with macro-F1 {stance_f1[best_stance]:.2f}, "
        f"against {stance_f1['majority']:.2f} for the majority label."
    )
if "loaded_language" in refused:
    tagger_text = (
        ""
        if refused["loaded_language"] == refused.get("stance")
        else f" The loaded-language taggers were not scored: {refused['loaded_language']}."
    )
else:
    tagger_f1 = {kind: scores["token"]["f1"] for kind, scores in metrics["loaded_language"].items()}
    best_tagger = max(tagger_f1, key=tagger_f1.__getitem__)
    tagger_text = (
        f" The best loaded-language tagger is `{best_tagger}` with token F1 "
        f"{tagger_f1[best_tagger]:.2f} (the lexicon: {tagger_f1['lexicon']:.2f})."
    )
source = (
    "**The annotations are synthetic demo annotations** (simulated annotators, see the dataset "
    "card), so any score here tests the pipeline, not the models."
    if release.synthetic
    else "The annotations are human."
)
skipped = (
    f" Not run for want of the `embedding` extra: {', '.join(metrics['skipped'])}."
    if metrics["skipped"]
    else ""
)
display(
    Markdown(
        f"{stance_text}{tagger_text}{skipped} {source} Protocol: {metrics['protocol']}. "
        f"Scores on a few dozen rows have wide uncertainty (and none are given on fewer than "
        f"{MIN_SCORED_ROWS}); they are a floor for stronger models, not a finding."
    )
)
