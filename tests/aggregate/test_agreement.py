"""Tests for annotation.aggregate.agreement: token alpha, span F1 and the report, checked against the
``krippendorff`` package and plain loops."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from annotation.aggregate import (
    agreement_report,
    alpha_per_label,
    bootstrap_alpha,
    krippendorff_alpha,
    span_f1,
    token_alpha,
)
from annotation.spans import index_tokens, token_spans
from tests.fixtures.votes import random_reliability, to_votes

NAN = math.nan


# --- token_alpha ---------------------------------------------------------------------------------

TEXTS = {
    "s1": "The regime and its backers continue to terrorize the region.",
    "s2": "The villages were freed from the regime.",
    "s3": "🙂 Radicals fled the liberated areas.",
}
LABELS = ["loaded-negative", "loaded-positive"]


def random_spans(seed: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Each of 3-4 annotators per sentence marks 0-2 non-overlapping token runs."""
    rng = np.random.default_rng(seed)
    rows, annotators = [], {}
    for task, text in TEXTS.items():
        tokens = token_spans(text)
        annotators[task] = [f"w{i}" for i in range(int(rng.integers(3, 5)))]
        for worker in annotators[task]:
            starts = sorted(rng.choice(len(tokens), size=int(rng.integers(0, 3)), replace=False))
            for i, first in enumerate(starts):
                stop = min(first + int(rng.integers(1, 3)), starts[i + 1] if i + 1 < len(starts) else len(tokens))
                start, end = tokens[first][0], tokens[stop - 1][1]
                rows.append((task, worker, start, end, text[start:end], LABELS[int(rng.integers(0, 2))]))
    return pd.DataFrame(rows, columns=["task", "worker", "start", "end", "text", "label"]), annotators


@pytest.mark.parametrize("seed", range(4))
def test_token_alpha_matches_krippendorff_package(seed: int) -> None:
    span_votes, annotators = random_spans(seed)
    coders = sorted({w for workers in annotators.values() for w in workers})
    columns = []
    for task, text in TEXTS.items():
        for start, end in token_spans(text):
            column = []
            for coder in coders:
                mine = span_votes[(span_votes["task"] == task) & (span_votes["worker"] == coder)]
                hit = mine[(mine["start"] < end) & (start < mine["end"])]
                value = NAN if coder not in annotators[task] else (LABELS.index(hit["label"].iloc[0]) if len(hit) else 2)
                column.append(value)
            columns.append(column)
    expected = krippendorff.alpha(reliability_data=np.array(columns).T, level_of_measurement="nominal")
    n_annotators = {task: len(workers) for task, workers in annotators.items()}
    assert token_alpha(span_votes, TEXTS, n_annotators, labels=LABELS) == pytest.approx(expected, abs=1e-12)


def test_token_alpha_errors() -> None:
    span_votes, annotators = random_spans(0)
    counts = {task: len(workers) for task, workers in annotators.items()}
    with pytest.raises(KeyError, match=r"n_annotators has no count for 1 task\(s\)"):
        token_alpha(span_votes, TEXTS, {"s1": counts["s1"], "s2": counts["s2"]}, labels=LABELS)
    with pytest.raises(KeyError, match=r"texts has no sentence for 1 task\(s\) of n_annotators"):
        token_alpha(span_votes, TEXTS, {**counts, "s9": 2}, labels=LABELS)
    with pytest.raises(ValueError, match=r"n_annotators\['s\d'\] = 1, but \d annotators marked spans there"):
        token_alpha(span_votes, TEXTS, {task: 1 for task in counts}, labels=LABELS)


def test_token_alpha_takes_a_token_index() -> None:
    span_votes, annotators = random_spans(1)
    counts = {task: len(workers) for task, workers in annotators.items()}
    index = index_tokens({"other": "Not a unit.", **TEXTS})
    assert token_alpha(span_votes, index, counts, labels=LABELS) == token_alpha(span_votes, TEXTS, counts, labels=LABELS)


# --- span_f1 -------------------------------------------------------------------------------------


def brute_force_f1(span_votes: pd.DataFrame, annotators: dict[str, list[str]], partial: bool) -> float:
    """Pairwise F1 by looping over ordered pairs of annotators (see span_f1)."""
    matched = total = 0
    for task, workers in annotators.items():
        mine = span_votes[span_votes["task"] == task].drop_duplicates(["worker", "start", "end", "label"])
        for a in workers:
            for b in workers:
                if a == b:
                    continue
                theirs = mine[mine["worker"] == b]
                for span in mine[mine["worker"] == a].itertuples():
                    same = theirs[theirs["label"] == span.label]
                    hit = (same["start"] < span.end) & (span.start < same["end"]) if partial else \
                        (same["start"] == span.start) & (same["end"] == span.end)
                    matched += bool(hit.any())
                    total += 1
    return matched / total


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("match", ["exact", "partial"])
def test_span_f1_matches_a_loop_over_pairs(seed: int, match: str) -> None:
    span_votes, annotators = random_spans(seed)
    counts = {task: len(workers) for task, workers in annotators.items()}
    expected = brute_force_f1(span_votes, annotators, partial=match == "partial")
    assert span_f1(span_votes, TEXTS, counts, labels=LABELS, match=match) == pytest.approx(expected, abs=1e-12)


def test_span_f1_edge_cases() -> None:
    text = TEXTS["s2"]
    start = text.index("freed")
    one = pd.DataFrame([("s2", "w1", start, start + 5, "freed", LABELS[1])], columns=["task", "worker", "start", "end", "text", "label"])
    assert span_f1(one, TEXTS, {"s2": 2}, labels=LABELS) == 0.0  # w2 submitted and marked nothing
    assert math.isnan(span_f1(one, TEXTS, {"s2": 1}, labels=LABELS))  # nobody to compare with
    twice = pd.concat([one, one.assign(worker="w2"), one.assign(worker="w2")])  # a repeated row counts once
    assert span_f1(twice, TEXTS, {"s2": 2}, labels=LABELS) == 1.0
    assert span_f1(twice.assign(label=[LABELS[1], LABELS[0], LABELS[0]]), TEXTS, {"s2": 2}, labels=LABELS) == 0.0
    with pytest.raises(ValueError, match="match='loose' is not one of 'exact', 'partial'"):
        span_f1(one, TEXTS, {"s2": 2}, labels=LABELS, match="loose")  # type: ignore[arg-type]
    with pytest.raises(KeyError, match=r"n_annotators has no count for 1 task\(s\)"):
        span_f1(one, TEXTS, {"s1": 2}, labels=LABELS)
    with pytest.raises(ValueError, match=r"n_annotators\['s2'\] = 1, but 2 annotators marked spans there"):
        span_f1(twice, TEXTS, {"s2": 1}, labels=LABELS)


# --- agreement_report ------------------------------------------------------------------------------


def report_inputs(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stance votes by the annotators of random_spans(seed), and their spans."""
    span_votes, annotators = random_spans(seed)
    rng = np.random.default_rng(seed)
    votes = pd.DataFrame(
        [(task, worker, ["favor", "against", "neutral"][int(rng.integers(0, 3))]) for task, workers in annotators.items() for worker in workers],
        columns=["task", "worker", "label"],
    )
    return votes, span_votes


@pytest.mark.parametrize("seed", range(3))
def test_report_values_are_those_of_the_single_functions(seed: int) -> None:
    votes, span_votes = report_inputs(seed)
    labels = ["favor", "against", "neutral"]
    counts = votes.groupby("task").size().to_dict()
    report = agreement_report(votes, span_votes, TEXTS, labels=labels, span_labels=LABELS, n_boot=200).set_index(["measure", "level"])
    assert report.loc[("stance_alpha", "all"), "value"] == pytest.approx(krippendorff_alpha(votes), abs=1e-12)
    per_label = alpha_per_label(votes, labels)
    for label in labels:
        assert report.loc[("stance_alpha", label), "value"] == pytest.approx(per_label[label], abs=1e-12, nan_ok=True)
    assert report.loc[("token_alpha", "all"), "value"] == pytest.approx(token_alpha(span_votes, TEXTS, counts, labels=LABELS), abs=1e-12)
    for match in ("exact", "partial"):
        expected = span_f1(span_votes, TEXTS, counts, labels=LABELS, match=match)  # type: ignore[arg-type]
        assert report.loc[(f"span_f1_{match}", "all"), "value"] == pytest.approx(expected, abs=1e-12)
    # the stance interval uses the same draws as bootstrap_alpha
    assert tuple(report.loc[("stance_alpha", "all"), ["low", "high"]]) == pytest.approx(bootstrap_alpha(votes, n_boot=200))
    assert set(report["unit"]) == {"task"} and set(report["tasks"]) == {3}


def test_report_groups_and_clusters() -> None:
    votes = to_votes(random_reliability(7, n_units=120))
    tasks = pd.Index(votes["task"].unique())
    texts = {task: "The regime fell." for task in tasks}
    no_spans = pd.DataFrame(columns=["task", "worker", "start", "end", "text", "label"]).astype({"start": "int64", "end": "int64"})
    groups = pd.Series(np.where(np.arange(len(tasks)) < 80, "train", "test"), index=tasks, name="split")
    clusters = pd.Series([f"a{i // 2}" for i in range(len(tasks))], index=tasks, name="article")  # 60 articles, 40 in train
    report = agreement_report(votes, no_spans, texts, labels=[0, 1, 2, 3], span_labels=LABELS, groups=groups,
                              clusters=clusters, min_clusters=30, n_boot=300)
    by_group = report[report["by"] == "split"].set_index("level")
    for split in ("train", "test"):
        part = votes[votes["task"].isin(groups.index[groups == split])]
        assert by_group.loc[split, "value"] == pytest.approx(krippendorff_alpha(part), abs=1e-12)
        assert by_group.loc[split, "low"] < by_group.loc[split, "value"] < by_group.loc[split, "high"]
    assert by_group["unit"].to_dict() == {"train": "article", "test": "task"}  # test has 20 articles < 30
    overall = report.iloc[0]
    assert (overall["measure"], overall["unit"]) == ("stance_alpha", "article")
    assert overall["low"] < overall["value"] < overall["high"]
    assert report[report["measure"] != "stance_alpha"]["value"].isna().all()  # no spans: token alpha, F1 undefined
    again = agreement_report(votes, no_spans, texts, labels=[0, 1, 2, 3], span_labels=LABELS, groups=groups,
                             clusters=clusters, min_clusters=30, n_boot=300)
    assert_frame_equal(report, again)


def test_report_errors() -> None:
    votes, span_votes = report_inputs(0)
    kwargs = {"labels": ["favor", "against", "neutral"], "span_labels": LABELS, "n_boot": 10}
    stranger = span_votes.iloc[:1].assign(worker="w99")
    with pytest.raises(ValueError, match=r"span_votes has 1 span\(s\) by annotators without a stance vote on the task"):
        agreement_report(votes, pd.concat([span_votes, stranger]), TEXTS, **kwargs)
    with pytest.raises(KeyError, match=r"groups has no value for 1 task\(s\)"):
        agreement_report(votes, span_votes, TEXTS, groups=pd.Series({"s1": "a", "s2": "b"}), **kwargs)
    with pytest.raises(KeyError, match=r"texts has no sentence for 1 task\(s\) of votes"):
        agreement_report(votes, span_votes, {"s1": TEXTS["s1"], "s2": TEXTS["s2"]}, **kwargs)
    with pytest.raises(ValueError, match="min_clusters=1 must be an integer >= 2"):
        agreement_report(votes, span_votes, TEXTS, min_clusters=1, **kwargs)
