"""Tests for annotation.agreement, checked against the ``krippendorff`` package."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from annotation.agreement import alpha_per_label, bootstrap_alpha, krippendorff_alpha, token_alpha
from annotation.tokens import token_spans

NAN = math.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12
# units with missing values; nominal alpha = 0.743.
TEXTBOOK = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def to_votes(reliability: list[list[float]] | np.ndarray) -> pd.DataFrame:
    """Coders x units matrix (NaN = no value) to a votes frame with integer labels."""
    return pd.DataFrame(
        [(f"u{unit:03d}", f"c{coder}", int(value))
         for coder, row in enumerate(reliability) for unit, value in enumerate(row) if not math.isnan(value)],
        columns=["task", "worker", "label"],
    )


def random_reliability(seed: int, n_coders: int = 5, n_units: int = 40, n_labels: int = 4) -> np.ndarray:
    """Agreement above chance: coders copy a unit's true value with probability 0.6; 30% missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_labels, n_units)
    data = np.where(rng.random((n_coders, n_units)) < 0.6, truth, rng.integers(0, n_labels, (n_coders, n_units)))
    return np.where(rng.random((n_coders, n_units)) < 0.3, np.nan, data.astype(float))


def test_textbook_example() -> None:
    assert krippendorff.alpha(reliability_data=TEXTBOOK, level_of_measurement="nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(to_votes(TEXTBOOK)) == pytest.approx(0.743421052631579, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_matches_krippendorff_package(seed: int) -> None:
    data = random_reliability(seed)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha(to_votes(data)) == pytest.approx(expected, abs=1e-12)


def test_string_labels_and_schema_labels_do_not_change_alpha() -> None:
    votes = to_votes(random_reliability(11))
    named = votes.assign(label=votes["label"].map(["favor", "against", "neutral", "unrelated"].__getitem__))
    alpha = krippendorff_alpha(votes)
    assert krippendorff_alpha(named) == pytest.approx(alpha, abs=1e-12)
    schema = ["favor", "against", "neutral", "unrelated", "never-used"]
    assert krippendorff_alpha(named, labels=schema) == pytest.approx(alpha, abs=1e-12)


def test_perfect_and_undefined() -> None:
    perfect = pd.DataFrame({"task": ["t1", "t1", "t2", "t2"], "worker": ["w1", "w2"] * 2, "label": ["a", "a", "b", "b"]})
    assert krippendorff_alpha(perfect) == 1.0
    one_category = perfect.assign(label="a")
    assert math.isnan(krippendorff_alpha(one_category))
    single_votes = pd.DataFrame({"task": ["t1", "t2"], "worker": ["w1", "w2"], "label": ["a", "b"]})
    assert math.isnan(krippendorff_alpha(single_votes))


@pytest.mark.parametrize("seed", range(4))
def test_alpha_per_label_matches_binary_package(seed: int) -> None:
    data = random_reliability(seed + 20)
    result = alpha_per_label(to_votes(data), labels=[0, 1, 2, 3, 4])
    assert result.name == "alpha"
    assert result.index.name == "label"
    assert result.index.tolist() == [0, 1, 2, 3, 4]
    for label in range(4):
        binary = np.where(np.isnan(data), np.nan, (data == label).astype(float))
        expected = krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal")
        assert result[label] == pytest.approx(expected, abs=1e-12)
    assert math.isnan(result[4])


def test_two_labels_per_label_equals_overall() -> None:
    votes = to_votes(np.where(np.isnan(random_reliability(3)), np.nan, random_reliability(3) % 2))
    per_label = alpha_per_label(votes)
    assert per_label.tolist() == pytest.approx([krippendorff_alpha(votes)] * 2, abs=1e-12)


def test_bootstrap_matches_a_loop_over_the_same_draws() -> None:
    data = random_reliability(5, n_units=30)
    votes = to_votes(data)
    low, high = bootstrap_alpha(votes, n_boot=60, random_state=42)
    in_vote_order = [int(task[1:]) for task in dict.fromkeys(votes["task"])]  # tasks keep first-seen order
    units = [unit for unit in in_vote_order if (~np.isnan(data[:, unit])).sum() >= 2]
    draws = np.random.default_rng(42).integers(0, len(units), size=(60, len(units)))
    alphas = [krippendorff.alpha(reliability_data=data[:, [units[i] for i in row]], level_of_measurement="nominal")
              for row in draws]
    assert (low, high) == pytest.approx(tuple(np.quantile(alphas, [0.025, 0.975])), abs=1e-12)


def test_bootstrap_interval() -> None:
    votes = to_votes(random_reliability(6, n_units=200))
    alpha = krippendorff_alpha(votes)
    low, high = bootstrap_alpha(votes, n_boot=300)
    assert low < alpha < high
    assert (low, high) == bootstrap_alpha(votes, n_boot=300)
    narrow = bootstrap_alpha(votes, n_boot=300, confidence=0.5)
    assert low < narrow[0] < narrow[1] < high


def test_bootstrap_undefined_and_bad_arguments() -> None:
    constant = pd.DataFrame({"task": ["t1", "t1"], "worker": ["w1", "w2"], "label": ["a", "a"]})
    assert all(math.isnan(x) for x in bootstrap_alpha(constant, n_boot=10))
    votes = to_votes(TEXTBOOK)
    with pytest.raises(ValueError, match="n_boot=0 must be an integer >= 1"):
        bootstrap_alpha(votes, n_boot=0)
    with pytest.raises(ValueError, match=r"confidence=95 must be a number in \(0, 1\)"):
        bootstrap_alpha(votes, confidence=95)


def test_bad_votes() -> None:
    votes = to_votes(TEXTBOOK)
    with pytest.raises(KeyError, match=r"votes is missing column\(s\) \['worker'\]; expected task, worker, label"):
        krippendorff_alpha(votes.drop(columns="worker"))
    with pytest.raises(ValueError, match=r"votes is empty \(0 rows\)"):
        krippendorff_alpha(votes.iloc[:0])
    with pytest.raises(ValueError, match=r"votes has 1 duplicate \(task, worker\) row\(s\), e.g. \['u000', 'c0'\]"):
        alpha_per_label(pd.concat([votes, votes.iloc[:1]]))
    with pytest.raises(ValueError, match=r"votes\['label'\] has value\(s\) \[5\] not in labels=\[1, 2, 3, 4\]"):
        krippendorff_alpha(votes, labels=[1, 2, 3, 4])


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
    with pytest.raises(ValueError, match=r"n_annotators\['s\d'\] = 1 is smaller than"):
        token_alpha(span_votes, TEXTS, {task: 1 for task in counts}, labels=LABELS)
