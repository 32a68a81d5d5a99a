"""One classifier per target: ``annotation.models.per_target`` and the ``tfidf-svm-per-target`` kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from annotation.models import PerTargetClassifier, make_stance_classifier
from tests.models.toy import API_CHECKS


def flipped(rows_per_target: dict[str, int]) -> tuple[pd.DataFrame, np.ndarray]:
    """"up" means ``yes`` for target ``a`` and ``no`` for every other target: only a model per
    target can get both right from the text alone."""
    rows, labels = [], []
    for target, n in rows_per_target.items():
        for i in range(n):
            word = ("up", "down")[i % 2]
            rows.append({"target": target, "text": f"prices went {word} on day {i}"})
            labels.append(("yes" if word == "up" else "no") if target == "a" else
                          ("no" if word == "up" else "yes"))
    return pd.DataFrame(rows), np.asarray(labels)


def on_text(classifier: Any) -> Any:
    """A text-only pipeline: word counts of ``text``, then ``classifier``."""
    return make_pipeline(make_column_transformer((CountVectorizer(), "text")), classifier)


@parametrize_with_checks(
    [
        PerTargetClassifier(LogisticRegression(), target_column=0, min_rows=1),
        PerTargetClassifier(LinearSVC(), target_column=0, min_rows=1),
    ]
)
def test_per_target_passes_every_sklearn_check_on_numeric_input(
    estimator: Any, check: Callable[[Any], None]
) -> None:
    # Numeric X with column 0 as the target: every value is its own target, so the checks
    # exercise fit, the fallback, validation, pickling and the tags (array API is skipped).
    check(estimator)


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("kind", ["tfidf-svm-per-target", "tfidf-svm-per-target-tuned"])
def test_per_target_kinds_pass_sklearn_api_checks(
    check: Callable[[str, Any], None], kind: str
) -> None:
    check(kind, make_stance_classifier(kind))  # type: ignore[arg-type]


def test_each_target_gets_its_own_model_and_the_others_the_fallback() -> None:
    X, y = flipped({"a": 20, "b": 20, "small": 4})
    model = PerTargetClassifier(on_text(LogisticRegression(C=100.0)), min_rows=10).fit(X, y)
    assert sorted(model.estimators_) == ["a", "b"]
    assert all(m is not model.fallback_ for m in model.estimators_.values())
    assert (model.predict(X[X.target != "small"]) == y[X.target != "small"]).all()
    one_model = clone(model.estimator).fit(X, y)
    assert (one_model.predict(X) == y).mean() < 0.7
    unseen = pd.DataFrame({"target": ["new", "small"], "text": ["prices went up"] * 2})
    assert model.predict(unseen).tolist() == model.fallback_.predict(unseen).tolist()


def test_a_target_without_every_label_falls_back() -> None:
    X, y = flipped({"a": 20, "b": 20})
    y[(X.target == "b").to_numpy()] = "yes"
    model = PerTargetClassifier(on_text(LogisticRegression()), min_rows=10).fit(X, y)
    assert list(model.estimators_) == ["a"]


def test_a_target_with_all_rows_shares_the_fallback() -> None:
    X, y = flipped({"a": 12})
    model = PerTargetClassifier(on_text(LinearSVC()), min_rows=10).fit(X, y)
    assert model.estimators_["a"] is model.fallback_


def test_scores_line_up_with_classes_across_the_models() -> None:
    X, y = flipped({"a": 20, "b": 20, "c": 3})
    y[::5] = "maybe"
    model = PerTargetClassifier(on_text(LogisticRegression(C=10.0)), min_rows=10).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert (model.classes_[proba.argmax(axis=1)] == model.predict(X)).all()
    svm = PerTargetClassifier(on_text(LinearSVC()), min_rows=10).fit(X, y)
    assert not hasattr(svm, "predict_proba")
    scores = svm.decision_function(X)
    assert scores.shape == (len(X), 3)
    assert (svm.classes_[scores.argmax(axis=1)] == svm.predict(X)).all()
    binary = PerTargetClassifier(on_text(LinearSVC()), min_rows=10).fit(*flipped({"a": 20}))
    assert binary.decision_function(X).shape == (len(X),)


def test_the_recipe_is_the_semeval_baseline_and_tunes_through_set_params() -> None:
    model = make_stance_classifier("tfidf-svm-per-target")
    params = model.get_params()
    assert params["min_rows"] == 100
    assert params["estimator__features__text__ngram_range"] == (1, 3)
    assert params["estimator__features__chars__ngram_range"] == (2, 5)
    assert isinstance(params["estimator__classifier"], LinearSVC)
    assert make_stance_classifier("tfidf-svm-per-target", min_rows=5, C=1.0).get_params()[
        "estimator__classifier__C"] == 1.0
    X, y = flipped({"a": 20, "b": 20})
    search = GridSearchCV(
        model.set_params(min_rows=10), {"estimator__classifier__C": [0.01, 1.0]}, cv=2
    ).fit(X, y)
    assert list(search.cv_results_["param_estimator__classifier__C"]) == [0.01, 1.0]
    best = search.best_estimator_
    assert sorted(best.estimators_) == ["a", "b"]
    assert {m.named_steps["classifier"].C
            for m in best.estimators_.values()} == {search.best_params_["estimator__classifier__C"]}
    assert best.predict(X).tolist() == y.tolist()
