"""The evaluation protocol: folds and whether to score (``annotation.models.protocol``)."""

from __future__ import annotations

import pytest

from annotation.errors import AnnotationError
from annotation.models import MIN_SCORED_ROWS, EvaluationError, evaluation_folds, plan_evaluation
from tests.models.toy import make_sentences


def test_folds_use_train_and_test_when_both_have_rows() -> None:
    frame = make_sentences(12, splits=("train", "train", "validation", "test"))
    protocol, folds = evaluation_folds(frame)
    assert protocol.startswith("train/test split: fit on the 12 'train' rows")
    [(train, test)] = folds
    assert set(frame["split"].iloc[train]) == {"train"}
    assert set(frame["split"].iloc[test]) == {"test"}


def test_folds_fall_back_to_cv_grouped_by_sentence_for_one_article() -> None:
    frame = make_sentences(12, splits=("train",))
    protocol, folds = evaluation_folds(frame)
    assert protocol.startswith("grouped 5-fold cross-validation over all 24 rows")
    assert "grouped by sentence_id (12 groups)" in protocol
    assert len(folds) == 5
    ids = frame["sentence_id"]
    for train, test in folds:
        assert not set(ids.iloc[train]) & set(ids.iloc[test])
    tested = sorted(i for _, test in folds for i in test)
    assert tested == list(range(len(frame)))


def test_folds_group_by_article_when_there_are_several() -> None:
    frame = make_sentences(12, splits=("train", "train", "validation"))
    protocol, folds = evaluation_folds(frame)
    assert "grouped 3-fold cross-validation" in protocol and "grouped by article_id" in protocol
    for train, test in folds:
        assert frame["article_id"].iloc[test].nunique() == 1
        assert not set(frame["article_id"].iloc[train]) & set(frame["article_id"].iloc[test])


def test_folds_reject_too_few_sentences_and_leaky_splits() -> None:
    with pytest.raises(ValueError, match="at least 2 sentences, got 1"):
        evaluation_folds(make_sentences(1))
    frame = make_sentences(2)
    frame["split"] = ["train", "test", "train", "test"]
    with pytest.raises(ValueError, match="2 sentence_id.* in both train and test"):
        evaluation_folds(frame)


def test_tables_that_cannot_be_split_raise_the_projects_error() -> None:
    frame = make_sentences(2)
    frame["split"] = ["train", "test", "train", "test"]
    with pytest.raises(EvaluationError, match="in both train and test") as caught:
        plan_evaluation(frame, min_rows=2)
    assert isinstance(caught.value, AnnotationError)
    with pytest.raises(EvaluationError, match="at least 2 sentences"):
        evaluation_folds(make_sentences(1))
    with pytest.raises(ValueError, match="n_folds=1 must be an integer >= 2") as bad_argument:
        plan_evaluation(make_sentences(MIN_SCORED_ROWS), n_folds=1)
    assert not isinstance(bad_argument.value, AnnotationError)


def test_a_small_test_split_falls_back_to_cross_validation() -> None:
    # 24 train rows and 4 test rows: the test split alone is too small to score.
    frame = make_sentences(14, splits=("train",) * 5 + ("test",))
    counts = frame["split"].value_counts()
    assert counts["train"] >= MIN_SCORED_ROWS > counts["test"] > 0
    assert evaluation_folds(frame)[0].startswith("train/test split")
    plan = plan_evaluation(frame)
    assert plan.protocol.startswith("grouped 5-fold cross-validation over all 28 rows")
    assert f"the train or test split has fewer than {MIN_SCORED_ROWS} rows" in plan.protocol
    assert plan.scored.tolist() == list(range(len(frame)))
    assert plan_evaluation(frame, min_rows=counts["test"]).protocol.startswith("train/test split")


def test_evaluation_folds_take_n_folds() -> None:
    frame = make_sentences(12, splits=("train",) * 12)
    protocol, folds = evaluation_folds(frame, n_folds=10)
    assert len(folds) == 10 and protocol.startswith("grouped 10-fold")
    with pytest.raises(ValueError, match="n_folds=1 must be an integer >= 2"):
        evaluation_folds(frame, n_folds=1)
