"""Stance classifiers: ``annotation.models.stance``."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV

from annotation.lexicon import Lexicon
from annotation.models import (
    TUNED_STANCE_KINDS,
    evaluate_baselines,
    evaluation_folds,
    make_stance_classifier,
)
from tests.models.toy import CLASSICAL_STANCE, STANCE, make_sentences


@pytest.mark.parametrize("kind", [*CLASSICAL_STANCE, *TUNED_STANCE_KINDS])
def test_stance_classifier_fits_and_predicts_labels(kind: str) -> None:
    frame = make_sentences(8)
    model = make_stance_classifier(kind).fit(frame[["text", "target"]], frame["stance"])
    assert is_classifier(model)
    predicted = model.predict(frame[["target", "text"]])
    assert len(predicted) == len(frame)
    assert set(predicted) <= set(STANCE)


def test_tfidf_models_beat_majority_on_separable_toy(lexicon: Lexicon) -> None:
    metrics = evaluate_baselines(
        make_sentences(), stance_labels=STANCE, lexicon=lexicon, stance_kinds=CLASSICAL_STANCE,
        tagger_kinds=[],
    )
    for kind in ("tfidf-lr", "tfidf-svm", "tfidf-svm-per-target"):
        assert metrics["stance"][kind]["macro_f1"] == 1.0, kind
    majority = metrics["stance"]["majority"]
    assert majority["macro_f1"] < 0.5 and majority["accuracy"] < 0.5


def test_unknown_kinds_are_rejected_with_the_allowed_kinds() -> None:
    with pytest.raises(ValueError, match=r"kind='svm' is not one of 'majority', 'tfidf-lr', "):
        make_stance_classifier("svm")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [*CLASSICAL_STANCE, *TUNED_STANCE_KINDS])
def test_stance_classifier_clones(kind: str) -> None:
    model = make_stance_classifier(kind, random_state=3)
    copy = clone(model)
    assert copy is not model
    assert repr(copy.get_params()) == repr(model.get_params())


def test_stance_hyper_parameters_are_factory_arguments_with_todays_defaults() -> None:
    svm = make_stance_classifier("tfidf-svm").get_params()
    assert (svm["classifier__C"], svm["features__text__ngram_range"]) == (0.1, (1, 2))
    assert svm["features__chars__ngram_range"] == (2, 5)
    assert make_stance_classifier("tfidf-lr").get_params()["classifier__C"] == 1.0
    assert make_stance_classifier("embedding-layers-lr").get_params()["classifier__C"] == 0.003
    tuned = make_stance_classifier("tfidf-svm", C=2.0, ngram_range=(1, 1), char_ngram_range=(3, 4))
    params = tuned.get_params()
    assert (params["classifier__C"], params["features__text__ngram_range"]) == (2.0, (1, 1))
    assert params["features__chars__ngram_range"] == (3, 4)
    with pytest.raises(TypeError, match="kind='tfidf-lr' has no parameter gamma; its parameters: "
                       "C, ngram_range"):
        make_stance_classifier("tfidf-lr", gamma=1.0)
    with pytest.raises(TypeError, match="kind='majority' has no parameter C; its parameters: none"):
        make_stance_classifier("majority", C=1.0)


def test_grid_search_over_c_runs_and_changes_the_fitted_model() -> None:
    frame = make_sentences(16)
    X, y = frame[["target", "text"]], frame["stance"]
    search = GridSearchCV(
        make_stance_classifier("tfidf-lr"), {"classifier__C": [0.001, 10.0]},
        cv=evaluation_folds(frame)[1], scoring="accuracy",
    ).fit(X, y)
    assert list(search.cv_results_["param_classifier__C"]) == [0.001, 10.0]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_params_["classifier__C"]
    assert search.best_estimator_.named_steps["classifier"].C == best
    weak = clone(search.estimator).set_params(classifier__C=0.001).fit(X, y)
    strong = clone(search.estimator).set_params(classifier__C=10.0).fit(X, y)
    weak_coef = weak.named_steps["classifier"].coef_
    strong_coef = strong.named_steps["classifier"].coef_
    assert np.abs(strong_coef).max() > 10 * np.abs(weak_coef).max()
    assert strong.predict_proba(X).max() > weak.predict_proba(X).max() + 0.2
