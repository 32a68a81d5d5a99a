"""Simulated annotation on BABE SG2: active (margin) order against random order, by sentence and by article.

Run with ``python bench/active.py [--babe DIR] [--seeds 5] [--initial 50] [--batch 50]
[--per-article 1] [--max-labels N]`` (needs the ``embedding`` extra and the ``bench`` extra's
``small-text``; not part of the tests).

What is measured. BABE SG2 (``final_labels_SG2.csv`` read with ``annotation.external.load_babe``,
the one ``No agreement`` row left out, as in ``bench/baselines.py``) is split once into a fixed
test part (``GroupShuffleSplit``, 20 % of the articles, seed 0, grouped by ``article_id`` so no
article is on both sides) and a pool. Annotation is simulated from the real ``Biased`` /
``Non-biased`` labels: each seed draws an initial labelled set of ``--initial`` pool sentences at
random, then adds batches of ``--batch`` sentences until the pool is exhausted, in one of two
orders:

- random: a seeded random order of the rest of the pool;
- articles: the order the toolkit's stream can serve, whole blocks (here BABE's articles, its one
  target): each step takes whole articles until the batch is full, ranked by
  ``annotation.assignment.rank_blocks`` over the margins ``annotation.suggest.uncertainty_margins``
  gives (small-text's ``BreakingTies``), the least sure article first;
- random-articles: whole articles in a seeded random order (what push order amounts to);
- active: margin sampling ("breaking ties", Luo et al. 2005: the smallest gap between the two
  class probabilities of the model fitted on the labels so far), with a diversity guard: a batch
  takes the lowest-margin sentences but at most ``--per-article`` from one article, so one article
  does not fill a batch (the next-best sentences of other articles fill the slots).

After each batch the model is refitted on the labels so far and scored by macro-F1 on the fixed
test part. The model is the project's best CPU bias model of ``bench/baselines.py``,
``make_stance_classifier("embedding-layers-lr")`` (logistic regression, balanced, ``C=0.003``,
on the standardised means of the 6 frozen MiniLM layers, plus the target features, which with
BABE's constant target are only a copy of the word unigrams). MiniLM is frozen, so the layer
vectors of all 3,673 sentences are computed once, up front, and kept in memory (the cache of
``annotation.models.embeddings``); every step refits only the scaler and the logistic regression
(and the target features' TF-IDF) on the labelled rows, and the active order scores the unlabelled
pool with ``predict_proba``: linear in the pool size per step. The full-data score is the same model
fitted on the whole pool; for each seed and order the script reports the number of labels at the
first step whose test macro-F1 reaches 95 % of it, and the ratio active / random (below 1: active
learning needs fewer labels), per seed and for the means, with a compact table of the mean curves.

Why small-text. The query strategy is small-text's ``BreakingTies`` (small-text 1.4.1, Schröder
et al. 2023, doi:10.18653/v1/2023.eacl-demo.11), whose ``score`` gives the margin of every pool
sentence; the per-article cap is applied to that ranking here. small-text installs into this
venv without touching anything (it needs only numpy, scipy, scikit-learn, already present; its
torch integration is optional) and is maintained; modAL-python (0.4.2.1, last release 2023) would
also pull skorch 0.9 (2020) into a venv whose torch is pinned to 2.13, and its batch mode needs
numeric feature matrices rather than this model's DataFrame input.

Results (``python bench/active.py``, the defaults: 5 seeds, initial 50, batches of 50, at most 1
sentence per article per batch, the whole pool; 2 cores, wall time 469 s, of which 25 s the
embeddings and about 90 s per seed). Pool 2,917 sentences of 1,701 articles, test 756 of 426.
Full-data macro-F1 0.776 (95 %: 0.738). Labels to reach it:

    seed   random   active  active/random
       0      300      250           0.83
       1      150      200           1.33
       2      450      250           0.56
       3      200      200           1.00
       4      350      150           0.43
    mean      290      210           0.72   (mean of per-seed ratios 0.83 ± 0.36)

    labels   random  active   (mean test macro-F1)
        50    0.700   0.700
       100    0.717   0.711
       150    0.722   0.734
       200    0.730   0.741
       300    0.741   0.748
       400    0.744   0.755
       500    0.755   0.761
       750    0.756   0.770
      1000    0.765   0.776
      1500    0.770   0.770
      2000    0.776   0.767
      2500    0.776   0.775
      2917    0.776   0.776

The articles added in this session (``python bench/active.py``, the defaults; stopped by a
one-hour ``timeout`` after 3 seeds on 2 cores with a load average of 6-7; 700 to 1,400 s a seed):

    seed   random   active   random-articles   articles   active/random   articles/random-articles
       0      300      250               201        200            0.83                       1.00
       1      150      200               100        150            1.33                       1.50
       2      450      250               252        350            0.56                       1.39
    mean      300      233               184        233            0.78                       1.27

Ranked whole articles need 1.27 × the labels of a random article order on these seeds: the
stream's active order does not win on BABE, so ``queue.active`` is off by default. BABE's
articles hold 1.7 pool sentences on average, so an article step is almost a sentence step; why the
ranking by an article's mean margin loses where sentence margins (with one sentence per article
per batch) win was not examined.

The first run's two orders (below) were measured before the article orders existed.

Active order needs about 0.72 × the labels of random order to reach 95 % of the full-data score,
but the spread over seeds is wide (0.43 to 1.33): the curve is flat, so the 95 % point falls
early (150 to 450 labels) and a single batch moves it. Beyond that point active order keeps a lead
of about 0.01 macro-F1 and reaches the full-data score at 1,000 labels (random: about 2,000).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from small_text.query_strategies import BreakingTies  # noqa: E402

from annotation.assignment import rank_blocks  # noqa: E402
from annotation.external import load_babe  # noqa: E402
from annotation.models import macro_f1, make_stance_classifier  # noqa: E402
from annotation.models.embeddings import SentenceEmbedding  # noqa: E402
from annotation.suggest import uncertainty_margins  # noqa: E402
from tests.fixtures.studio import SHARED  # noqa: E402

BABE_DIR = SHARED / "external" / "babe"
KIND = "embedding-layers-lr"
BIAS_LABELS = ["Biased", "Non-biased"]
TARGET_SHARE = 0.95
TABLE_LABELS = (50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 2500)


def fit_score(train: pd.DataFrame, test: pd.DataFrame, seed: int):
    """The model fitted on ``train`` and its macro-F1 on ``test``."""
    model = make_stance_classifier(KIND, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train, train["stance"].to_numpy())
        predicted = model.predict(test).astype(str)
    return model, macro_f1(test["stance"].astype(str).to_numpy(), predicted, BIAS_LABELS)


def diverse_batch(
    order: np.ndarray, articles: np.ndarray, size: int, per_article: int
) -> list[int]:
    """The first ``size`` of ``order`` (pool positions, best first), at most ``per_article`` from
    one article; when too few articles remain, the rest is filled in ``order``."""
    taken: list[int] = []
    count: dict[str, int] = {}
    for i in order:
        if count.get(articles[i], 0) < per_article:
            taken.append(int(i))
            count[articles[i]] = count.get(articles[i], 0) + 1
            if len(taken) == size:
                return taken
    chosen = set(taken)
    taken += [int(i) for i in order if i not in chosen][: size - len(taken)]
    return taken


def whole_articles(order: list[str], by_article: dict[str, list[int]], open_rows: set[int], size: int) -> list[int]:
    """The open pool rows of the articles of ``order``, whole articles at a time, until at least
    ``size`` rows (the stream serves a block whole: an annotator reads an article to its end)."""
    batch: list[int] = []
    for article in order:
        batch += [i for i in by_article[article] if i in open_rows]
        if len(batch) >= size:
            break
    return batch


def simulate(
    pool: pd.DataFrame, test: pd.DataFrame, seed: int, strategy: str, args: argparse.Namespace
) -> list[tuple[int, float]]:
    """The learning curve ``[(labels, test macro-F1), ...]`` of one seed and order."""
    rng = np.random.default_rng(seed)
    n = min(len(pool), args.max_labels or len(pool))
    while True:  # an initial set with both labels
        labelled = list(rng.choice(len(pool), size=args.initial, replace=False))
        if pool["stance"].iloc[labelled].nunique() == len(BIAS_LABELS):
            break
    unlabelled = np.setdiff1d(np.arange(len(pool)), labelled)
    random_order = list(rng.permutation(unlabelled))
    articles = pool["article_id"].to_numpy()
    by_article = pd.Series(np.arange(len(pool))).groupby(articles).apply(list).to_dict()
    article_order = list(rng.permutation(sorted({articles[i] for i in unlabelled})))
    query = BreakingTies()
    curve = []
    while True:
        model, score = fit_score(pool.iloc[labelled], test, seed)
        curve.append((len(labelled), score))
        if len(labelled) >= n:
            return curve
        size = min(args.batch, n - len(labelled))
        rest = np.setdiff1d(np.arange(len(pool)), labelled)
        if strategy == "random":
            batch, random_order = random_order[:size], random_order[size:]
        elif strategy == "active":
            # small-text's margin of every pool sentence (lower: closer to the boundary)
            margin = query.score(model, pool.iloc[rest], rest, np.array(labelled), None)
            batch = diverse_batch(rest[np.argsort(margin, kind="stable")], articles, size,
                                  args.per_article)
        else:  # whole articles (the stream's blocks), by rank or in a random order
            if strategy == "articles":
                margins = uncertainty_margins(model.predict_proba(pool.iloc[rest]))
                order = [block[0] for block in rank_blocks(((articles[i],), m) for i, m in zip(rest, margins))]
            else:
                still = set(articles[rest])
                order = [a for a in article_order if a in still]
            batch = whole_articles(order, by_article, set(rest.tolist()), size)
        labelled += batch


def labels_to_reach(curve: list[tuple[int, float]], goal: float) -> int | None:
    return next((labels for labels, score in curve if score >= goal), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--babe", type=Path, default=BABE_DIR, help="directory of the BABE files")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--initial", type=int, default=50, help="initial random labelled set")
    parser.add_argument("--batch", type=int, default=50, help="labels added per step")
    parser.add_argument("--per-article", type=int, default=1, help="cap per article per batch")
    parser.add_argument("--max-labels", type=int, default=None,
                        help="stop the curves at this many labels (default: the whole pool)")
    args = parser.parse_args()
    start = time.perf_counter()

    babe = load_babe(args.babe / "final_labels_SG2.csv")
    babe = babe[babe["stance"].isin(BIAS_LABELS)].reset_index(drop=True)
    split = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=0)
    pool_rows, test_rows = next(split.split(babe, groups=babe["article_id"]))
    pool = babe.iloc[pool_rows].reset_index(drop=True)
    test = babe.iloc[test_rows].reset_index(drop=True)
    SentenceEmbedding(pooling="layers").fit(babe["text"]).transform(babe["text"])  # cache once
    print(f"BABE SG2: pool {len(pool)} sentences ({pool['article_id'].nunique()} articles), "
          f"test {len(test)} ({test['article_id'].nunique()} articles); "
          f"embeddings {time.perf_counter() - start:.0f} s", flush=True)

    _, full = fit_score(pool, test, 0)
    goal = TARGET_SHARE * full
    print(f"full-data macro-F1 ({KIND}, {len(pool)} labels): {full:.3f}; "
          f"95 % = {goal:.3f}", flush=True)

    strategies = ("random", "active", "random-articles", "articles")
    pairs = (("active", "random"), ("articles", "random-articles"))
    curves: dict[str, list[list[tuple[int, float]]]] = {s: [] for s in strategies}
    needed: dict[str, list[int | None]] = {s: [] for s in strategies}
    print(f"{'seed':>4s} " + " ".join(f"{s:>15s}" for s in strategies) + " " + " ".join(f"{a + '/' + r:>26s}" for a, r in pairs)
          + f" {'seconds':>8s}")
    for seed in range(args.seeds):
        began = time.perf_counter()
        for strategy in strategies:
            curve = simulate(pool, test, seed, strategy, args)
            curves[strategy].append(curve)
            needed[strategy].append(labels_to_reach(curve, goal))
        ratios = [f"{needed[a][-1] / needed[r][-1]:26.2f}" if needed[a][-1] and needed[r][-1] else f"{'n/a':>26s}" for a, r in pairs]
        print(f"{seed:4d} " + " ".join(f"{needed[s][-1] or 'never'!s:>15s}" for s in strategies) + " " + " ".join(ratios)
              + f" {time.perf_counter() - began:8.0f}", flush=True)

    if all(v is not None for s in strategies for v in needed[s]):
        means = {s: float(np.mean(needed[s])) for s in strategies}
        parts = []
        for a, r in pairs:
            per_seed = [x / y for x, y in zip(needed[a], needed[r], strict=True)]
            spread = np.std(per_seed, ddof=1) if args.seeds > 1 else 0.0
            parts.append(f"{means[a] / means[r]:26.2f}")
            print(f"ratio {a}/{r}: {means[a]:.0f} / {means[r]:.0f} labels = {means[a] / means[r]:.2f} "
                  f"(mean of per-seed ratios {np.mean(per_seed):.2f} ± {spread:.2f})")
        print("mean " + " ".join(f"{means[s]:15.0f}" for s in strategies) + " " + " ".join(parts))
    else:
        print("mean: some curve never reached 95 % of the full-data score")

    print(f"\nmean test macro-F1 over {args.seeds} seeds")
    mean_curve = {s: np.mean([[score for _, score in c] for c in curves[s]], axis=0) for s in ("random", "active")}
    print(f"{'labels':>7s} {'random':>7s} {'active':>7s}   (sentence batches; the article strategies step by whole articles)")
    steps = [labels for labels, _ in curves["random"][0]]
    for i, labels in enumerate(steps):
        if labels in TABLE_LABELS or i == len(steps) - 1:
            print(f"{labels:7d} {mean_curve['random'][i]:7.3f} {mean_curve['active'][i]:7.3f}")
    print(f"wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
