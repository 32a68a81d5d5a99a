"""Baselines on small synthetic ``sentences`` frames: factories, protocol, evaluation and report."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import estimator_checks

from annotation.baselines import (
    STANCE_KINDS,
    LexiconTagger,
    evaluate_baselines,
    evaluation_folds,
    make_loaded_language_tagger,
    make_stance_classifier,
    summary_table,
)
from annotation.lexicon import Lexicon, find_loaded_spans, load_lexicon

STANCE = ["favor", "against", "neutral", "unrelated"]
CUES = {"favor": "applauded", "against": "condemned", "neutral": "reported", "unrelated": "rain"}
TARGETS = ("rebels", "regime")
NEG = "loaded-negative"


def make_sentences(n_sentences: int = 16, splits: tuple[str, ...] = ("train",)) -> pd.DataFrame:
    """Sentence ``s`` of article ``s % len(splits)`` (split ``splits[article]``), once per target.

    The stance is given away by one cue word, and "regime" is a gold loaded-negative span.
    """
    rows = []
    for s in range(n_sentences):
        stance = STANCE[s % len(STANCE)]
        article = s % len(splits)
        text = f"Item {s}: the regime was {CUES[stance]} today."
        start = text.index("regime")
        for target in TARGETS:
            rows.append(
                {
                    "sentence_id": f"a{article}-{s:04d}",
                    "article_id": f"a{article}",
                    "target": target,
                    "text": text,
                    "stance": stance,
                    "spans": [
                        {"start": start, "end": start + 6, "text": "regime", "label": NEG},
                    ],
                    "split": splits[article],
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


@pytest.mark.parametrize("kind", STANCE_KINDS)
def test_stance_classifier_fits_and_predicts_labels(kind: str) -> None:
    frame = make_sentences(8)
    model = make_stance_classifier(kind).fit(frame[["text", "target"]], frame["stance"])
    assert isinstance(model, Pipeline)
    predicted = model.predict(frame[["target", "text"]])
    assert len(predicted) == len(frame)
    assert set(predicted) <= set(STANCE)


def test_tfidf_lr_beats_majority_on_separable_toy(lexicon: Lexicon) -> None:
    metrics = evaluate_baselines(make_sentences(), stance_labels=STANCE, lexicon=lexicon)
    tfidf, majority = metrics["stance"]["tfidf-lr"], metrics["stance"]["majority"]
    assert tfidf["macro_f1"] == 1.0 and tfidf["accuracy"] == 1.0
    assert majority["macro_f1"] < 0.5 and majority["accuracy"] < 0.5


def test_unknown_kinds_are_rejected_with_the_allowed_kinds() -> None:
    with pytest.raises(ValueError, match=r"kind='tfidf-svm' is not one of 'majority', 'tfidf-lr'"):
        make_stance_classifier("tfidf-svm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"kind='crf' is not one of 'lexicon'"):
        make_loaded_language_tagger("crf")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", STANCE_KINDS)
def test_stance_classifier_clones(kind: str) -> None:
    model = make_stance_classifier(kind, random_state=3)
    copy = clone(model)
    assert copy is not model
    assert repr(copy.get_params()) == repr(model.get_params())


def test_tagger_clones_unfitted_and_keeps_params(lexicon: Lexicon) -> None:
    tagger = make_loaded_language_tagger(lexicon=lexicon).fit(["x"], [[]])
    copy = clone(tagger)
    assert copy.get_params() == {"lexicon": lexicon}
    assert not hasattr(copy, "lexicon_")
    with pytest.raises(NotFittedError):
        copy.predict(["The regime fell."])


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_estimator_cloneable,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_set_params,
        estimator_checks.check_parameters_default_constructible,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
    ],
    ids=lambda check: check.__name__,
)
def test_tagger_passes_sklearn_api_checks(check: Callable[[str, Any], None]) -> None:
    # The data checks need 2-D numeric input; the tagger declares string input, so only the
    # API checks apply.
    check("LexiconTagger", LexiconTagger())


def test_lexicon_tagger_predicts_lexicon_matches(lexicon: Lexicon) -> None:
    texts = ["The regime freed nobody.", "Nothing here.", "Heroes 🙂 liberated it."]
    tagger = make_loaded_language_tagger(lexicon=lexicon).fit(texts, [[], [], []])
    assert tagger.predict(texts) == [find_loaded_spans(t, lexicon) for t in texts]
    assert tagger.predict(texts)[2] == [(0, 6, "loaded-positive"), (9, 18, "loaded-positive")]
    assert tagger.labels_ == ["loaded-negative", "loaded-positive"]


@pytest.mark.parametrize(
    ("texts", "spans", "error", "message"),
    [
        ("The regime.", [[]], TypeError, "not a single str"),
        (["ok", 3], [[], []], TypeError, r"texts\[1\] must be a str"),
        (["ok"], [[], []], ValueError, "spans has 2 entries but texts has 1"),
        (["ok"], [[(0, 5, NEG)]], ValueError, r"spans\[0\].*end <= 2"),
        (["ok"], [[(0, 1)]], ValueError, r"expected \(start, end, label\)"),
    ],
)
def test_tagger_fit_validates_inputs(
    texts: Any, spans: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        LexiconTagger().fit(texts, spans)


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


def test_evaluate_baselines_report_is_json_and_complete(lexicon: Lexicon) -> None:
    frame = make_sentences(12, splits=("train", "test"))
    metrics = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    json.dumps(metrics, allow_nan=False)
    assert metrics["protocol"].startswith("train/test split")
    assert (metrics["n_rows"], metrics["n_folds"]) == (24, 1)
    assert list(metrics["stance"]) == ["majority", "tfidf-lr"]
    for scores in metrics["stance"].values():
        assert scores["n"] == 12
        assert list(scores["per_label_f1"]) == STANCE
        assert scores["confusion_matrix"]["labels"] == STANCE
        assert sum(map(sum, scores["confusion_matrix"]["matrix"])) == 12
    loaded = metrics["loaded_language"]["lexicon"]
    assert loaded["n"] == 12
    for match in ("exact", "partial", "token"):
        assert (loaded[match]["precision"], loaded[match]["recall"]) == (1.0, 1.0)
    # No loaded-positive anywhere: its scores are undefined and reported as None.
    assert loaded["exact"]["per_label"]["loaded-positive"]["f1"] is None


def test_evaluate_baselines_rejects_bad_tables(lexicon: Lexicon) -> None:
    frame = make_sentences(4)
    with pytest.raises(KeyError, match=r"missing column\(s\) \['split'\]"):
        evaluate_baselines(frame.drop(columns="split"), stance_labels=STANCE, lexicon=lexicon)
    frame["stance"] = [0, 1, 2, 3] * 2
    with pytest.raises(ValueError, match="int2str"):
        evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)
    with pytest.raises(ValueError, match="no rows"):
        evaluate_baselines(frame.iloc[:0], stance_labels=STANCE, lexicon=lexicon)
    frame["stance"] = "neutral"
    with pytest.raises(ValueError, match="fold 0 all have stance 'neutral'"):
        evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon)


def test_summary_table_lists_every_model(lexicon: Lexicon) -> None:
    metrics = evaluate_baselines(make_sentences(8), stance_labels=STANCE, lexicon=lexicon)
    table = summary_table(metrics)
    assert table.startswith("protocol: grouped 5-fold cross-validation")
    lines = table.splitlines()
    assert any(line.startswith("tfidf-lr ") and line.endswith("1.000") for line in lines)
    for row in ("majority ", "lexicon (exact) ", "lexicon (partial) ", "lexicon (token) "):
        assert any(line.startswith(row) for line in lines), row
