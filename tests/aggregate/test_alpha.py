"""Tests for annotation.aggregate.alpha, checked against the ``krippendorff`` package and plain loops."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from annotation.aggregate import AggregateError, alpha_per_label, bootstrap_alpha, krippendorff_alpha
from tests.fixtures.votes import random_reliability, to_votes

NAN = math.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12
# units with missing values; nominal alpha = 0.743.
TEXTBOOK = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


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
    with pytest.raises(AggregateError, match=r"duplicate \(task, worker\)"):
        krippendorff_alpha(pd.concat([votes, votes.iloc[:1]]))
