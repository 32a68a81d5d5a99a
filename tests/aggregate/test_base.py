"""Tests for annotation.aggregate.base: the contract every aggregator keeps, and the shared vote encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_index_equal, assert_series_equal
from sklearn.base import clone

from annotation.aggregate import AggregateError, DawidSkene, MajorityVote, encode_column, encode_votes
from tests.fixtures.votes import simulate_votes

Aggregator = type[MajorityVote] | type[DawidSkene]


@pytest.fixture(params=[MajorityVote, DawidSkene], ids=lambda cls: cls.__name__)
def aggregator(request: pytest.FixtureRequest) -> Aggregator:
    return request.param  # type: ignore[no-any-return]


# --- contract: every aggregator ---------------------------------------------------------------


def test_toy_labels(aggregator: Aggregator, toy_votes: pd.DataFrame, toy_labels: list[str],
                    toy_mv_labels: pd.Series, toy_ds_labels: pd.Series) -> None:
    expected = toy_mv_labels if aggregator is MajorityVote else toy_ds_labels
    assert_series_equal(aggregator(labels=toy_labels).fit_predict(toy_votes), expected)


def test_output_shape_and_names(aggregator: Aggregator, toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    estimator = aggregator(labels=toy_labels).fit(toy_votes)
    assert estimator.labels_.name == "agg_label"
    assert estimator.labels_.index.name == "task"
    assert_index_equal(estimator.probas_.index, estimator.labels_.index)
    assert_index_equal(estimator.probas_.columns, pd.Index(toy_labels, name="label"))
    np.testing.assert_allclose(estimator.probas_.sum(axis=1), 1.0)
    assert_frame_equal(estimator.fit_predict_proba(toy_votes), estimator.probas_)


def test_labels_default_to_sorted(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    probas = aggregator().fit_predict_proba(toy_votes)
    assert probas.columns.tolist() == ["against", "favor", "neutral", "unrelated"]


def test_unused_schema_label_gets_a_zero_column(aggregator: Aggregator, toy_votes: pd.DataFrame,
                                                 toy_labels: list[str]) -> None:
    probas = aggregator(labels=[*toy_labels, "other"]).fit_predict_proba(toy_votes)
    assert probas.columns[-1] == "other"
    np.testing.assert_allclose(probas["other"], 0.0, atol=1e-9)


def test_integer_labels(aggregator: Aggregator, toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    ids = toy_votes.assign(label=toy_votes["label"].map({name: i for i, name in enumerate(toy_labels)}))
    labels = aggregator(labels=[0, 1, 2, 3]).fit_predict(ids)
    assert labels.dtype == np.int64
    expected = aggregator(labels=toy_labels).fit_predict(toy_votes).map(toy_labels.index).astype(np.int64)
    assert_series_equal(labels, expected)


def test_task_order_is_first_appearance(aggregator: Aggregator, toy_votes: pd.DataFrame,
                                        toy_labels: list[str]) -> None:
    shuffled = toy_votes.sample(frac=1.0, random_state=3)
    labels = aggregator(labels=toy_labels).fit_predict(shuffled)
    assert labels.index.tolist() == list(dict.fromkeys(shuffled["task"]))


def test_categorical_columns_give_the_same_result(aggregator: Aggregator, toy_votes: pd.DataFrame,
                                                  toy_labels: list[str]) -> None:
    categorical = toy_votes.astype("category")
    categorical["task"] = categorical["task"].cat.add_categories(["unused"])
    expected = aggregator(labels=toy_labels).fit_predict_proba(toy_votes)
    result = aggregator(labels=toy_labels).fit_predict_proba(categorical)
    assert_frame_equal(result, expected, check_index_type=False)


def test_refit_equals_fresh_fit(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    other, _ = simulate_votes(20, [0.9, 0.7, 0.5], 3, seed=1)
    refitted = aggregator(random_state=0).fit(other).fit(toy_votes)
    fresh = aggregator(random_state=0).fit(toy_votes)
    assert_series_equal(refitted.labels_, fresh.labels_)
    assert_frame_equal(refitted.probas_, fresh.probas_)


def test_same_random_state_same_result(aggregator: Aggregator) -> None:
    votes, _ = simulate_votes(60, [0.6, 0.6], 3, seed=2)  # two workers: many ties
    params = {"tie_break": "random"} if aggregator is MajorityVote else {}
    first = aggregator(random_state=7, **params).fit_predict(votes)
    assert_series_equal(aggregator(random_state=7, **params).fit_predict(votes), first)


def test_sklearn_skeleton(aggregator: Aggregator, toy_labels: list[str]) -> None:
    estimator = aggregator(labels=toy_labels, random_state=3)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert repr(copy).startswith(aggregator.__name__)
    assert not hasattr(copy, "labels_")


def test_empty_votes(aggregator: Aggregator) -> None:
    empty = pd.DataFrame(columns=["task", "worker", "label"])
    with pytest.raises(ValueError, match=r"votes is empty \(0 rows\)"):
        aggregator().fit(empty)


def test_missing_column(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    message = r"votes is missing column\(s\) \['worker'\]; expected task, worker, label"
    with pytest.raises(KeyError, match=message):
        aggregator().fit(toy_votes.drop(columns="worker"))


def test_not_a_frame(aggregator: Aggregator) -> None:
    with pytest.raises(TypeError, match="votes must be a pandas DataFrame, got list"):
        aggregator().fit([("t1", "w1", "favor")])  # type: ignore[arg-type]


@pytest.mark.parametrize("column", ["task", "worker", "label"])
def test_missing_values(aggregator: Aggregator, toy_votes: pd.DataFrame, column: str) -> None:
    votes = toy_votes.copy()
    votes.loc[7, column] = None
    with pytest.raises(ValueError, match=rf"votes\['{column}'\] has (1 )?missing value"):
        aggregator().fit(votes)


def test_label_not_in_labels(aggregator: Aggregator, toy_votes: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"votes\['label'\] has value\(s\) \['unrelated'\] not in labels="):
        aggregator(labels=["favor", "against", "neutral"]).fit(toy_votes)


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        ("favor", TypeError, "labels must be a sequence of label names"),
        ([], ValueError, "labels is empty"),
        (["favor", "favor", "against"], ValueError, r"labels has duplicate value\(s\) \['favor'\]"),
    ],
)
def test_bad_labels_argument(aggregator: Aggregator, toy_votes: pd.DataFrame, labels: object,
                             error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        aggregator(labels=labels).fit(toy_votes)  # type: ignore[arg-type]


# --- encode_votes ----------------------------------------------------------------------------------


def test_encode_votes_is_the_shared_validator(toy_votes: pd.DataFrame, toy_labels: list[str]) -> None:
    encoded = encode_votes(toy_votes, toy_labels)
    assert encoded.tasks.tolist() == ["t1", "t2", "t3", "t4", "t5"]
    assert encoded.counts()[3].tolist() == [2, 2, 1, 0]
    with pytest.raises(ValueError, match=r"votes\['label'\] has value\(s\) \['favor'\] not in labels"):
        encode_votes(toy_votes, ["against", "neutral", "unrelated"])
    with pytest.raises(KeyError, match="ballots is missing column"):
        encode_votes(toy_votes.drop(columns="worker"), name="ballots")


def test_vote_errors_are_aggregate_errors(toy_votes: pd.DataFrame) -> None:
    with pytest.raises(AggregateError, match=r"votes is empty"):
        encode_votes(toy_votes.iloc[:0])
    with pytest.raises(AggregateError, match=r"votes\['worker'\] has 1 missing value"):
        encode_column(toy_votes.assign(worker=[None] + list(toy_votes["worker"][1:])), "worker", "votes")
