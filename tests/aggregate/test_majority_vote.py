"""Tests for annotation.aggregate.majority_vote."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from annotation.aggregate import MajorityVote


def test_mv_toy_probas(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    probas = MajorityVote(labels=toy_labels).fit_predict_proba(toy_votes)
    assert probas.loc["t4"].tolist() == [0.4, 0.4, 0.2, 0.0]
    assert probas.loc["t2"].tolist() == [0.4, 0.6, 0.0, 0.0]


def test_tie_first_uses_label_order(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    schema_order = MajorityVote(labels=toy_labels).fit(toy_votes)
    assert schema_order.labels_["t4"] == "favor"
    assert schema_order.ties_.tolist() == ["t4"]
    assert schema_order.ties_.name == "task"
    assert MajorityVote().fit_predict(toy_votes)["t4"] == "against"  # sorted order


def test_tie_none_gives_na(toy_votes: pd.DataFrame, toy_labels: list[str], toy_mv_labels: pd.Series) -> None:
    estimator = MajorityVote(tie_break="none", labels=toy_labels).fit(toy_votes)
    assert estimator.labels_.isna().tolist() == [False, False, False, True, False]
    assert estimator.labels_["t4"] is pd.NA
    assert estimator.labels_.drop("t4").astype(str).tolist() == toy_mv_labels.drop("t4").tolist()
    assert estimator.ties_.tolist() == ["t4"]


def test_tie_none_keeps_a_nullable_dtype_without_ties(toy_votes: pd.DataFrame) -> None:
    ids = toy_votes[toy_votes["task"] != "t4"].assign(label=1)
    labels = MajorityVote(tie_break="none").fit_predict(ids)
    assert labels.dtype == "Int64"
    assert labels.tolist() == [1, 1, 1, 1]


def test_tie_random_is_seeded_and_uniform() -> None:
    votes = pd.DataFrame({
        "task": np.repeat([f"t{i}" for i in range(400)], 2),
        "worker": ["w1", "w2"] * 400,
        "label": ["favor", "against"] * 400,
    })
    picks = MajorityVote(tie_break="random", random_state=0).fit(votes)
    assert len(picks.ties_) == 400
    assert_series_equal(MajorityVote(tie_break="random", random_state=0).fit_predict(votes), picks.labels_)
    assert 150 < (picks.labels_ == "favor").sum() < 250
    assert not MajorityVote(tie_break="random", random_state=1).fit_predict(votes).equals(picks.labels_)


def test_tie_random_picks_only_tied_labels() -> None:
    votes = pd.DataFrame({
        "task": ["t1"] * 5,
        "worker": [f"w{i}" for i in range(5)],
        "label": ["neutral", "favor", "neutral", "favor", "against"],
    })
    picked = {MajorityVote(tie_break="random", random_state=seed).fit_predict(votes)["t1"] for seed in range(30)}
    assert picked == {"favor", "neutral"}


def test_unknown_tie_break(toy_votes: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="tie_break='rand' is not one of 'first', 'random', 'none'"):
        MajorityVote(tie_break="rand").fit(toy_votes)  # type: ignore[arg-type]
