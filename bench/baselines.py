"""Benchmark the baselines on BABE against the published BABE results.

Run with ``python bench/baselines.py [--babe DIR] [--stance-folds 10] [--tagger-folds 5]``
(the ``embedding`` extra is needed for the ``embedding-*`` models; not part of the tests).

BABE (Spinde et al. 2021, "Neural Media Bias Detection Using Distant Supervision With BABE",
doi:10.18653/v1/2021.findings-emnlp.101) is ``final_labels_SG2.csv``: 3,674 news sentences, each
labelled ``Biased`` / ``Non-biased`` by 5 experts, with the words they marked as biased. The data
is AGPL-3.0 and read in place, never copied.

1. Bias classification: the stance classifiers on the sentence text alone (every row gets the same
   constant target, ``annotation.external.BABE_TARGET``, so the target-aware features add nothing),
   the one ``No agreement`` row left out. Macro-F1 over the pooled out-of-fold predictions of
   10-fold cross-validation grouped by article (the URL; rows without one are their own group),
   so no article is in both the training and the scored part. Beside them the paper's
   results, which are not re-run here: the classical XGBoost baseline and fine-tuned RoBERTa.
2. Biased-word tagging: the taggers on the ``biased`` spans that ``load_babe`` finds by
   whole-word matching of ``biased_words`` (the marked words it cannot find are counted), token
   P/R/F1 and exact and partial span F1 over 5 article-grouped folds. Every learnt tagger tunes
   its decision threshold by inner cross-validation on its training folds only. The ``lexicon``
   tagger and the lexicon feature of the ``*token-lr`` taggers use BABE's own bias-word
   lexicon (``bias_word_lexicon.csv``, 2,130 words, built by the BABE authors without the
   sentence labels): a naive lexicon, against which ``marked-rate`` is the tuned one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotation.external import BIASED, load_babe
from annotation.lexicon import Lexicon
from annotation.models import (
    STANCE_KINDS,
    TAGGER_KINDS,
    embedding_available,
    evaluate_baselines,
)
from tests.fixtures.studio import SHARED  # noqa: E402

BABE_DIR = SHARED / "external" / "babe"
SEED = 0
BIAS_LABELS = ["Biased", "Non-biased"]
PUBLISHED = {  # macro-F1 on BABE, Spinde et al. 2021, Table 3
    "XGBoost on linguistic features (published)": 0.517,
    "RoBERTa fine-tuned (published)": 0.804,
}
STANCE_AIM = 0.77
TAGGER_AIM = 0.50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--babe", type=Path, default=BABE_DIR, help="directory of the BABE files")
    parser.add_argument("--stance-folds", type=int, default=10)
    parser.add_argument("--tagger-folds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()

    babe = load_babe(args.babe / "final_labels_SG2.csv")
    babe = babe[babe["stance"].isin(BIAS_LABELS)].reset_index(drop=True)
    words = pd.read_csv(args.babe / "bias_word_lexicon.csv")["word"].dropna().astype(str)
    lexicon = Lexicon(
        model_version="babe-bias-word-lexicon",
        entries={BIASED: tuple(sorted({w.strip().lower() for w in words if w.strip()}))},
    )
    n_words = int(babe["biased_words"].map(len).sum())
    n_unmatched = int(babe["unmatched"].map(len).sum())
    labels = ", ".join(f"{k} {v}" for k, v in babe["stance"].value_counts().items())
    print(
        f"BABE SG2: {len(babe)} sentences ({labels}), "
        f"{babe['article_id'].nunique()} articles; biased_words: {n_words} marked, "
        f"{n_unmatched} not found in their sentence, {int(babe['spans'].map(len).sum())} spans"
    )
    kinds = [k for k in STANCE_KINDS if embedding_available() or not k.startswith("embedding")]
    taggers = [k for k in TAGGER_KINDS if embedding_available() or not k.startswith("embedding")]
    if not embedding_available():
        print("embedding extra not installed: the embedding-* models are left out")

    rows = []
    protocol = ""
    for kind in kinds:
        start = time.perf_counter()
        metrics = evaluate_baselines(
            babe, stance_labels=BIAS_LABELS, lexicon=lexicon, random_state=SEED,
            stance_kinds=[kind], tagger_kinds=[], n_folds=args.stance_folds,
        )
        protocol = metrics["protocol"]
        scores = metrics["stance"][kind]
        rows.append((kind, scores["macro_f1"], scores["accuracy"], time.perf_counter() - start))
    print(f"\n1. Bias classification; {protocol}")
    print(f"{'model':45s} {'macro-F1':>8s} {'accuracy':>8s} {'seconds':>8s}")
    for kind, f1, acc, seconds in rows:
        print(f"{kind:45s} {f1:8.3f} {acc:8.3f} {seconds:8.1f}")
    for name, f1 in PUBLISHED.items():
        print(f"{name:45s} {f1:8.3f} {'':>8s} {'':>8s}")
    best_kind, best_f1 = max(((k, f) for k, f, _, _ in rows), key=lambda item: item[1])
    print(f"best CPU baseline: {best_kind} {best_f1:.3f} (aim >= {STANCE_AIM}); "
          f"{best_f1 / PUBLISHED['RoBERTa fine-tuned (published)']:.2f} x fine-tuned RoBERTa")

    rows = []
    for kind in taggers:
        start = time.perf_counter()
        metrics = evaluate_baselines(
            babe, stance_labels=BIAS_LABELS, lexicon=lexicon, random_state=SEED,
            stance_kinds=[], tagger_kinds=[kind], n_folds=args.tagger_folds,
        )
        protocol = metrics["protocol"]
        scores = metrics["loaded_language"][kind]
        rows.append((kind, scores, time.perf_counter() - start))
    print(f"\n2. Biased-word tagging; {protocol}")
    header = ("token P", "token R", "token F1", "exact F1", "partial F1", "seconds")
    print(f"{'tagger':22s} " + " ".join(f"{h:>10s}" for h in header))
    for kind, scores, seconds in rows:
        values = [scores["token"]["precision"], scores["token"]["recall"], scores["token"]["f1"],
                  scores["exact"]["f1"], scores["partial"]["f1"]]
        print(f"{kind:22s} " + " ".join(f"{v:10.3f}" for v in values) + f" {seconds:10.1f}")
    learnt = [(kind, scores["token"]["f1"]) for kind, scores, _ in rows if kind != "lexicon"]
    best_kind, best_f1 = max(learnt, key=lambda item: item[1])
    tuned = next(scores["token"]["f1"] for kind, scores, _ in rows if kind == "marked-rate")
    print(f"best learnt tagger: {best_kind} token F1 {best_f1:.3f} (aim >= {TAGGER_AIM}); "
          f"{best_f1 / tuned:.2f} x the tuned marked-rate lexicon")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
