"""Benchmark the aggregators against crowd-kit, on simulated and on real crowd data.

Run with ``python bench/aggregate.py [--babe DIR]`` (needs ``crowd-kit``; not part of the tests).

1. Simulation (the Dawid-Skene target): 100k tasks x 3 votes, each task by 3 distinct workers
   drawn from a pool of 40 workers of mixed skill (good, mediocre, near-random, adversarial; known
   confusion matrices over 4 classes; seeded). ``DawidSkene`` against crowd-kit's, same
   ``n_iter``: median seconds of 3 runs each and their ratio, accuracy against the simulated
   truth, and the largest differences from crowd-kit's fit (posteriors, confusion matrices,
   priors, losses). Then ``MajorityVote`` against crowd-kit's on the same votes, and majority
   vote over 1M votes.
2. BABE (Spinde et al. 2021, "Neural Media Bias Detection Using Distant Supervision With BABE"):
   bias labels by 8 experts (SG2, 5 per sentence; SG1, all 8 on the MBIC sentences) and by ~800
   crowd workers (MBIC) aggregated by each estimator, compared with the released
   ``final_labels_*.csv`` (joined on the stripped sentence text), and Krippendorff's alpha of each
   beside the published figures (``PUBLISHED``; ``tests/test_babe.py`` pins the same numbers and
   explains the gaps). The data is read in place, never copied.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from crowdkit.aggregation import DawidSkene as CrowdKitDawidSkene
from crowdkit.aggregation import MajorityVote as CrowdKitMajorityVote

from annotation.aggregate import DawidSkene, MajorityVote, bootstrap_alpha, krippendorff_alpha

SEED = 2024
LABELS = ["favor", "against", "neutral", "unrelated"]
BABE_DIR = Path(__file__).resolve().parents[2] / "shared" / "external" / "babe"  # shared/ lies beside the repository
BIAS_LABELS = ["Biased", "Non-biased"]
PUBLISHED = (
    "published: alpha = 0.419 for expert labels and 0.144 for crowdsourced labels (Spinde, Krieger, Plank and Gipp,\n"
    "   JCDL 2021, arXiv:2112.07421, abstract); the BABE and MBIC abstracts give no figure, and neither the shared\n"
    "   README nor the annotation guidelines (6 Nov 2020) do. 0.419 lies outside the SG1 and SG2 intervals above, so it\n"
    "   was computed on other expert labels or another selection of them; 0.144 comes from that paper's comparison of\n"
    "   two crowdsourcing platforms, whose labels and subset cannot be checked here (MBIC's raw labels give 0.206)."
)


def simulate(
    n_tasks: int, votes_per_task: int, n_workers: int, seed: int, *, mixed: bool = False
) -> tuple[pd.DataFrame, pd.Series]:
    """Votes from workers with known confusion matrices, and the true labels.

    Class priors are 0.4/0.3/0.2/0.1; each task gets ``votes_per_task`` distinct workers drawn
    uniformly from the pool. Without ``mixed``, a worker's accuracy is uniform in [0.35, 0.9] and
    its errors follow a Dirichlet(1) draw per true class. With ``mixed`` (the Dawid-Skene
    benchmark), the pool is of mixed skill: 40% good workers (accuracy 0.8-0.95), 30% mediocre
    (0.5-0.7), 15% near-random (0.2-0.3, about chance for 4 classes) and 15% adversarial ones
    who give a fixed wrong label for each true class (accuracy 0.05-0.15, the rest mostly on
    that label); errors of the others follow Dirichlet(1).
    """
    rng = np.random.default_rng(seed)
    n_labels = len(LABELS)
    truth = rng.choice(n_labels, size=n_tasks, p=[0.4, 0.3, 0.2, 0.1])
    confusion = np.empty((n_workers, n_labels, n_labels))  # [worker, true, given]
    kinds = np.repeat(["good", "mediocre", "random", "adversarial"], np.diff(np.round(
        np.array([0, 0.4, 0.7, 0.85, 1.0]) * n_workers).astype(int))) if mixed else np.full(n_workers, "uniform")
    for w, kind in enumerate(kinds):
        low, high = {"uniform": (0.35, 0.9), "good": (0.8, 0.95), "mediocre": (0.5, 0.7),
                     "random": (0.2, 0.3), "adversarial": (0.05, 0.15)}[str(kind)]
        accuracy = rng.uniform(low, high)
        swap = rng.permutation(n_labels)
        for c in range(n_labels):
            errors = rng.dirichlet(np.ones(n_labels - 1)) * (1 - accuracy)
            if kind == "adversarial":  # most of the errors on one wrong label per true class
                wrong = swap[c] if swap[c] != c else (c + 1) % n_labels
                errors = 0.2 * errors + 0.8 * (1 - accuracy) * (np.delete(np.arange(n_labels), c) == wrong)
            confusion[w, c] = np.insert(errors, c, accuracy)
    workers = np.argsort(rng.random((n_tasks, n_workers)), axis=1)[:, :votes_per_task].ravel()
    tasks = np.repeat(np.arange(n_tasks), votes_per_task)
    given = (rng.random(len(tasks))[:, None] > confusion[workers, truth[tasks]].cumsum(axis=1)).sum(axis=1)
    given = np.minimum(given, n_labels - 1)  # a cumsum that rounds below 1
    task_names = np.char.add("t", np.arange(n_tasks).astype(str))
    votes = pd.DataFrame({
        "task": task_names[tasks],
        "worker": np.char.add("w", workers.astype(str)),
        "label": np.array(LABELS)[given],
    })
    return votes, pd.Series(np.array(LABELS)[truth], index=pd.Index(task_names, name="task"))


def timed(fit: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """The result of ``fit()`` and its best wall time over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - start)
    return result, best


def accuracy(labels: pd.Series, truth: pd.Series) -> float:
    return float((labels.reindex(truth.index) == truth).mean())


def compare(name: str, ours: pd.Series, ours_s: float, theirs: pd.Series, theirs_s: float, truth: pd.Series) -> None:
    print(
        f"{name:<13} ours      acc {accuracy(ours, truth):.5f}  {ours_s:8.3f} s\n"
        f"{'':<13} crowd-kit acc {accuracy(theirs, truth):.5f}  {theirs_s:8.3f} s"
        f"   -> {theirs_s / ours_s:.1f}x faster"
    )


def timed_median(fit: Callable[[], Any], repeat: int = 3) -> tuple[Any, float, list[float]]:
    """The result of ``fit()``, its median wall time over ``repeat`` runs, and every time."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fit()
        seconds.append(time.perf_counter() - start)
    return result, float(np.median(seconds)), seconds


def bench_dawid_skene(votes: pd.DataFrame, truth: pd.Series, repeat: int = 3) -> None:
    """Ours against crowd-kit's ``DawidSkene``, both ``n_iter=100`` and default ``tol``: median
    seconds of ``repeat`` runs each (interleaved, so both see the same load), the ratio, the
    accuracy against the simulated truth, and how far our fit is from crowd-kit's."""
    ours_times, theirs_times = [], []
    for _ in range(repeat):
        gc.collect()  # so that neither pays for the other's garbage
        ours, _, [seconds] = timed_median(lambda: DawidSkene(n_iter=100).fit(votes), repeat=1)
        ours_times.append(seconds)
        gc.collect()
        theirs, _, [seconds] = timed_median(lambda: CrowdKitDawidSkene(n_iter=100).fit(votes), repeat=1)
        theirs_times.append(seconds)
    ours_s, theirs_s = float(np.median(ours_times)), float(np.median(theirs_times))
    print(f"   seconds, ours {', '.join(f'{t:.3f}' for t in ours_times)}; crowd-kit {', '.join(f'{t:.2f}' for t in theirs_times)}")
    compare("DawidSkene", ours.labels_, ours_s, theirs.labels_, theirs_s, truth)
    tasks, labels = ours.probas_.index, ours.probas_.columns
    probas = np.abs(theirs.probas_.reindex(index=tasks, columns=labels).to_numpy() - ours.probas_.to_numpy()).max()
    errors = theirs.errors_.reindex(index=ours.errors_.index, columns=ours.errors_.columns, fill_value=0.0)
    rounds = len(theirs.loss_history_)
    losses = np.abs(np.array(ours.loss_history_) - theirs.loss_history_).max() if ours.n_iter_ == rounds else float("nan")
    print(
        f"{'':<13} rounds: ours {ours.n_iter_}, crowd-kit {rounds}; labels differ on "
        f"{int((theirs.labels_.reindex(tasks) != ours.labels_).sum())} of {len(tasks):,} tasks; max |difference|: "
        f"posteriors {probas:.1e}, confusion matrices {np.abs(errors.to_numpy() - ours.errors_.to_numpy()).max():.1e}, "
        f"priors {np.abs(theirs.priors_.reindex(labels).to_numpy() - ours.priors_.to_numpy()).max():.1e}, "
        f"losses {losses:.1e}"
    )


def bench_simulation() -> None:
    n_workers = 40
    votes, truth = simulate(100_000, 3, n_workers, SEED, mixed=True)
    print(
        f"== simulation: {len(truth):,} tasks x 3 votes ({len(votes):,}) from a pool of {n_workers} workers of mixed skill "
        f"(16 good, 12 mediocre, 6 near-random, 6 adversarial), 4 classes, seed {SEED}"
    )
    print("   DawidSkene: ours and crowd-kit's, n_iter=100, median of 3 runs each; MajorityVote: best of 3")
    bench_dawid_skene(votes, truth)

    ours_mv, ours_s = timed(lambda: MajorityVote().fit(votes), repeat=3)
    theirs_mv, theirs_s = timed(lambda: CrowdKitMajorityVote().fit(votes), repeat=3)
    compare("MajorityVote", ours_mv.labels_, ours_s, theirs_mv.labels_, theirs_s, truth)
    differ = ours_mv.labels_ != theirs_mv.labels_.reindex(ours_mv.labels_.index)
    print(
        f"{'':<13} labels differ on {int(differ.sum()):,} tasks, {int(differ[ours_mv.ties_].sum()):,} of them among "
        f"the {len(ours_mv.ties_):,} ties: ours breaks ties by sorted label order here (labels=None), crowd-kit "
        f"by its column order, which depends on the data ({theirs_mv.probas_.columns.tolist()})\n"
        f"{'':<13} ours with schema order ('favor', the commonest class, first) acc "
        f"{accuracy(MajorityVote(labels=LABELS).fit_predict(votes), truth):.5f}, tie_break='random' acc "
        f"{accuracy(MajorityVote(tie_break='random', random_state=0).fit_predict(votes), truth):.5f}"
    )

    big, _ = simulate(250_000, 4, 50, SEED + 1)
    _, ours_s = timed(lambda: MajorityVote(labels=LABELS).fit(big), repeat=5)
    categorical = big.astype({"task": "category"})
    _, categorical_s = timed(lambda: MajorityVote(labels=LABELS).fit(categorical), repeat=5)
    _, theirs_s = timed(lambda: CrowdKitMajorityVote().fit(big), repeat=3)
    print(
        f"MajorityVote over {len(big):,} votes ({big['task'].nunique():,} tasks, str columns): "
        f"{ours_s:.3f} s ({'<' if ours_s < 0.1 else '>='} 0.1 s target); "
        f"categorical task column {categorical_s:.3f} s; crowd-kit {theirs_s:.3f} s ({theirs_s / ours_s:.0f}x)"
    )


def load_babe(directory: Path, name: str) -> tuple[pd.DataFrame, pd.Series, str]:
    """Votes and released labels of one BABE file pair, keyed by the stripped sentence text."""
    raw = pd.read_csv(directory / f"raw_labels_{name}.csv")
    votes = pd.DataFrame({
        "task": raw["text"].str.strip(),
        "worker": raw["annotator_id"].astype(str),
        "label": raw["label_bias"],
    })
    no_text = votes["task"].isna()
    no_label = ~no_text & votes["label"].isna()
    other = ~no_text & ~no_label & ~votes["label"].isin(BIAS_LABELS)
    repeated = votes[~no_text & ~no_label & ~other].duplicated(["task", "worker"])
    votes = votes[~no_text & ~no_label & ~other][~repeated]
    final = pd.read_csv(directory / f"final_labels_{name}.csv")
    final = final.assign(task=final["text"].str.strip()).groupby("task")["label_bias"]
    released = final.first()[final.nunique() == 1]
    note = (
        f"dropped {int(no_text.sum())} vote(s) without text, {int(no_label.sum())} without a label, {int(other.sum())} with other labels "
        f"({', '.join(sorted(raw.loc[other, 'label_bias'].astype(str).unique())) or 'none'}) and "
        f"{int(repeated.sum())} repeated annotator x sentence vote(s); "
        f"{len(final.first()) - len(released)} released sentence(s) with conflicting labels left out"
    )
    return votes, released, note


def bench_babe(directory: Path) -> None:
    if not (directory / "raw_labels_MBIC.csv").exists():
        print(f"== BABE: skipped, no data in {directory}")
        return
    for name, who in [("SG2", "experts"), ("SG1", "experts"), ("MBIC", "crowd")]:
        votes, released, note = load_babe(directory, name)
        common = released.index.intersection(pd.Index(votes["task"].unique()))
        decided = released[common][released[common] != "No agreement"]
        per_task = votes.groupby("task").size()
        print(
            f"== BABE {name} ({who}): {len(votes):,} votes by {votes['worker'].nunique()} annotators on "
            f"{votes['task'].nunique():,} sentences ({per_task.mean():.1f} votes each, min {per_task.min()}, "
            f"max {per_task.max()}); {len(common):,} in final_labels_{name}.csv, {len(decided):,} of them "
            f"Biased/Non-biased\n   {note}"
        )
        low, high = bootstrap_alpha(votes, n_boot=1000)
        print(f"   Krippendorff's alpha (nominal) {krippendorff_alpha(votes):.3f}  95% CI [{low:.3f}, {high:.3f}]")
        mv = MajorityVote(labels=BIAS_LABELS).fit(votes)
        strict = MajorityVote(tie_break="none", labels=BIAS_LABELS).fit_predict(votes)
        ds = DawidSkene(labels=BIAS_LABELS).fit_predict(votes)
        ck_ds = CrowdKitDawidSkene(n_iter=100).fit_predict(votes)
        for label, result in [
            ("MajorityVote(tie_break='first')", mv.labels_),
            ("DawidSkene", ds),
            ("crowd-kit DawidSkene", ck_ds),
        ]:
            print(f"   {label:<32} agrees with the release on {accuracy(result, decided):.4f} of decided sentences")
        as_released = strict.astype(object).where(strict.notna(), "No agreement")
        print(
            f"   {'MajorityVote(tie_break=' + repr('none') + ')':<32} equals the release, ties as 'No agreement', "
            f"on {accuracy(as_released, released[common]):.4f} of {len(common):,} sentences "
            f"({len(mv.ties_)} ties; release has {int((released[common] == 'No agreement').sum())} 'No agreement')"
        )
    print(f"== BABE agreement {PUBLISHED}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--babe", type=Path, default=BABE_DIR, help="directory of the BABE csv files")
    args = parser.parse_args()
    bench_simulation()
    bench_babe(args.babe)


if __name__ == "__main__":
    main()
