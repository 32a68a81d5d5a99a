"""Fitting and scoring the baselines, and the summary table: ``annotation.models.evaluation``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from annotation.lexicon import Lexicon, load_lexicon
from annotation.models import (
    EMBEDDING_KINDS,
    MIN_SCORED_ROWS,
    STANCE_KINDS,
    TAGGER_KINDS,
    EvaluationError,
    embeddings,
    evaluate_baselines,
    make_stance_classifier,
    plan_evaluation,
    predict_stance,
    summary_table,
)
from annotation.models.evaluation import _stance_inputs
from tests.models.toy import CLASSICAL_STANCE, CLASSICAL_TAGGERS, STANCE, make_sentences


def test_unknown_kinds_are_rejected_before_any_fit() -> None:
    with pytest.raises(ValueError, match=r"kind='svm' is not one of"):
        evaluate_baselines(make_sentences(4), stance_labels=STANCE, lexicon=load_lexicon(),
                           stance_kinds=["svm"])  # type: ignore[list-item]


def test_evaluate_baselines_report_is_json_and_complete(lexicon: Lexicon) -> None:
    frame = make_sentences(24, splits=("train", "test"))
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    json.dumps(metrics, allow_nan=False)
    assert metrics["protocol"].startswith("train/test split")
    assert (metrics["n_rows"], metrics["n_folds"], metrics["refused"]) == (48, 1, {})
    assert list(metrics["stance"]) == list(STANCE_KINDS) and list(metrics["loaded_language"]) == list(TAGGER_KINDS)
    assert metrics["skipped"] == {}
    for scores in metrics["stance"].values():
        assert scores["n"] == 24
        assert list(scores["per_label_f1"]) == STANCE
        assert scores["confusion_matrix"]["labels"] == STANCE
        assert sum(map(sum, scores["confusion_matrix"]["matrix"])) == 24
    loaded = metrics["loaded_language"]["lexicon"]
    assert loaded["n"] == 24
    for match in ("exact", "partial", "token"):
        assert (loaded[match]["precision"], loaded[match]["recall"]) == (1.0, 1.0)
    # No loaded-positive anywhere: its scores are undefined and reported as None.
    assert loaded["exact"]["per_label"]["loaded-positive"]["f1"] is None


def test_evaluate_baselines_rejects_bad_tables(lexicon: Lexicon) -> None:
    frame = make_sentences(4)
    with pytest.raises(KeyError, match=r"missing column\(s\) \['split'\]"):
        evaluate_baselines(frame.drop(columns="split"), stance_labels=STANCE, lexicon=lexicon)
    with pytest.raises(ValueError, match="min_rows=0 must be an integer >= 1"):
        evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon, min_rows=0)
    frame["stance"] = [0, 1, 2, 3] * 2
    with pytest.raises(EvaluationError, match="int2str"):
        evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)


@pytest.mark.parametrize("n_rows", [0, 5, MIN_SCORED_ROWS - 1])
def test_baselines_refuse_to_score_fewer_rows_than_the_minimum(
    lexicon: Lexicon, n_rows: int
) -> None:
    frame = make_sentences(MIN_SCORED_ROWS).iloc[:n_rows]
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    json.dumps(metrics, allow_nan=False)
    assert (metrics["stance"], metrics["loaded_language"], metrics["n_folds"]) == ({}, {}, 0)
    assert metrics["protocol"] == "not evaluated"
    for reason in metrics["refused"].values():
        assert reason == (
            f"only {n_rows} rows: the baselines are scored on at least {MIN_SCORED_ROWS} "
            "(MIN_SCORED_ROWS), since on fewer a score says nothing about a model; annotate more "
            "sentences"
        )
    table = summary_table(metrics)
    assert f"stance not scored: only {n_rows} rows" in table
    assert f"loaded language not scored: only {n_rows} rows" in table
    assert "0.000" not in table and "macro-F1" not in table


def test_baselines_score_from_the_minimum_and_min_rows_is_a_parameter(
    lexicon: Lexicon,
) -> None:
    frame = make_sentences(MIN_SCORED_ROWS).iloc[:MIN_SCORED_ROWS]
    kinds: dict[str, Any] = {"stance_kinds": ["tfidf-lr"], "tagger_kinds": ["lexicon"]}
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon, **kinds)
    assert metrics["refused"] == {} and metrics["stance"]["tfidf-lr"]["n"] == MIN_SCORED_ROWS
    few = evaluate_baselines(frame.iloc[:6], stance_labels=STANCE, lexicon=lexicon, min_rows=6,
                             **kinds)
    assert few["refused"] == {} and few["min_rows"] == 6
    assert few["loaded_language"]["lexicon"]["n"] == 6


def test_baselines_refuse_one_task_per_class_problem(lexicon: Lexicon) -> None:
    one_label = make_sentences(MIN_SCORED_ROWS).assign(stance="neutral")
    metrics = evaluate_baselines(one_label, stance_labels=STANCE, lexicon=lexicon,
                                 tagger_kinds=["lexicon"])
    assert metrics["stance"] == {} and list(metrics["loaded_language"]) == ["lexicon"]
    assert metrics["refused"] == {
        "stance": "the training rows of fold 0 all have stance 'neutral'; the classifiers need "
        "at least two stance labels to learn from: annotate more sentences"
    }
    assert "stance not scored: the training rows of fold 0" in summary_table(metrics)

    no_spans = make_sentences(MIN_SCORED_ROWS).assign(spans=[[]] * 2 * MIN_SCORED_ROWS)
    metrics = evaluate_baselines(no_spans, stance_labels=STANCE, lexicon=lexicon,
                                 stance_kinds=["majority"])
    assert list(metrics["stance"]) == ["majority"] and metrics["loaded_language"] == {}
    assert metrics["refused"]["loaded_language"].startswith(
        f"none of the {2 * MIN_SCORED_ROWS} scored rows has a gold loaded-language span"
    )


def test_baselines_refuse_rows_without_text(lexicon: Lexicon) -> None:
    frame = make_sentences(MIN_SCORED_ROWS)
    frame.loc[3, "text"] = None
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    assert (metrics["stance"], metrics["loaded_language"]) == ({}, {})
    assert metrics["refused"]["stance"].startswith(
        f"1 of {2 * MIN_SCORED_ROWS} rows have no text: this release does not carry the sentence "
        "texts; rebuild them from your own copy of the articles (annotation rehydrate)"
    )


def test_predict_stance_predicts_the_test_rows_only() -> None:
    frame = make_sentences(3 * MIN_SCORED_ROWS // 2, splits=("train", "test", "validation"))
    plan = plan_evaluation(frame)
    assert plan.protocol.startswith("train/test split")
    predicted = predict_stance(frame, "tfidf-lr", plan.folds)
    test = (frame["split"] == "test").to_numpy()
    assert predicted[~test].tolist() == [None] * int((~test).sum())
    assert predicted[test].tolist() == frame.loc[test, "stance"].tolist()


def test_stance_votes_reach_the_classifier_except_on_adjudicated_rows() -> None:
    frame = make_sentences(3 * MIN_SCORED_ROWS // 2, splits=("train", "test", "validation"))
    frame["stance_votes"] = [{stance: 2} for stance in frame["stance"]]
    frame["adjudicated"] = frame.index == 0
    X = _stance_inputs(frame)
    assert X["stance_votes"].tolist() == [None] + frame["stance_votes"].tolist()[1:]
    assert frame.loc[0, "stance_votes"] is not None  # the caller's frame is left as it was
    assert _stance_inputs(frame.drop(columns="adjudicated"))["stance_votes"].tolist() == frame["stance_votes"].tolist()
    test = (frame["split"] == "test").to_numpy()
    predicted = predict_stance(frame, "tfidf-lr", plan_evaluation(frame).folds)  # models without votes ignore them
    assert predicted[test].tolist() == frame.loc[test, "stance"].tolist()


def test_summary_table_lists_every_model(lexicon: Lexicon) -> None:
    metrics = evaluate_baselines(
        make_sentences(10), stance_labels=STANCE, lexicon=lexicon,
        stance_kinds=CLASSICAL_STANCE, tagger_kinds=["lexicon"],
    )
    table = summary_table(metrics)
    assert table.startswith("protocol: grouped 5-fold cross-validation")
    lines = table.splitlines()
    assert any(line.startswith("tfidf-lr ") and line.endswith("1.000") for line in lines)
    for row in ("majority ", "lexicon (exact) ", "lexicon (partial) ", "lexicon (token) "):
        assert any(line.startswith(row) for line in lines), row


def test_missing_embedding_extra_skips_those_kinds_with_a_note(
    lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "embedding_available", lambda: False)
    metrics = evaluate_baselines(make_sentences(10), stance_labels=STANCE, lexicon=lexicon)
    assert list(metrics["stance"]) == CLASSICAL_STANCE
    assert list(metrics["loaded_language"]) == CLASSICAL_TAGGERS
    assert sorted(metrics["skipped"]) == sorted(EMBEDDING_KINDS & {*STANCE_KINDS, *TAGGER_KINDS})
    assert "skipped embedding-lr: the embedding kinds need the optional 'embedding' extra" in (
        summary_table(metrics)
    )
    with pytest.raises(ImportError, match=r"pip install 'annotation\[embedding\]'"):
        make_stance_classifier("embedding-lr")
