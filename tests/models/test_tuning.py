"""Hyper-parameters chosen inside the training rows: ``annotation.models.tuning`` and the
``*-tuned`` stance kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from annotation.lexicon import Lexicon
from annotation.models import (
    STANCE_GRIDS,
    TUNED_STANCE_KINDS,
    GroupedGridSearch,
    evaluate_baselines,
    make_stance_classifier,
)
from tests.models.toy import API_CHECKS, STANCE, make_sentences

SEEN: list[tuple[str, set[str]]] = []


class ArticleSpy(ClassifierMixin, BaseEstimator):
    """Records the articles of the rows it is fitted on and asked to predict, in ``SEEN``."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: pd.DataFrame, y: Any) -> ArticleSpy:
        SEEN.append(("fit", set(X["article_id"])))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: pd.DataFrame) -> npt.NDArray[Any]:
        SEEN.append(("predict", set(X["article_id"])))
        return np.resize(self.classes_, len(X))


def weak_cues(seed: int = 0) -> pd.DataFrame:
    """Each sentence is 60 random filler words and one of three cue words of its label: the cues
    are drowned in noise, so light regularisation (large ``C``) validates best."""
    rng = np.random.default_rng(seed)
    rows = []
    for article in range(8):
        for s in range(10):
            label = ("yes", "no")[s % 2]
            words = [f"w{i}" for i in rng.integers(100, size=60)] + [f"{label}{rng.integers(3)}"]
            rows.append({"article_id": f"a{article}", "target": "t", "text": " ".join(words),
                         "stance": label})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("kind", TUNED_STANCE_KINDS)
def test_tuned_kinds_pass_sklearn_api_checks(check: Callable[[str, Any], None], kind: str) -> None:
    check(kind, make_stance_classifier(kind))  # type: ignore[arg-type]


def test_no_article_is_on_both_sides_of_an_inner_split() -> None:
    frame = make_sentences(24, splits=("train",) * 6)
    X, y = frame[["target", "text", "article_id"]], frame["stance"]
    SEEN.clear()
    search = GroupedGridSearch(ArticleSpy(), {"C": [0.1, 1.0]}, n_splits=3).fit(X, y)
    articles = frame["article_id"].to_numpy()
    assert len(search.folds_) == 3
    for train, validation in search.folds_:
        assert not set(articles[train]) & set(articles[validation])
    # What the estimators saw: 2 candidates × 3 folds of (fit, predict), then the refit on all.
    assert [event for event, _ in SEEN] == ["fit", "predict"] * 6 + ["fit"]
    for (_, fitted), (_, predicted) in zip(SEEN[:-1:2], SEEN[1::2], strict=True):
        assert fitted and predicted and not fitted & predicted
    assert SEEN[-1][1] == set(articles)


def test_without_article_ids_the_rows_of_one_sentence_stay_together() -> None:
    frame = make_sentences(24)
    X, y = frame[["target", "text"]], frame["stance"]
    search = make_stance_classifier("tfidf-lr-tuned", n_splits=4).fit(X, y)
    texts = frame["text"].to_numpy()
    assert len(search.folds_) == 4
    for train, validation in search.folds_:
        assert not set(texts[train]) & set(texts[validation])


def test_folds_missing_a_label_are_not_searched_and_none_left_means_no_search() -> None:
    frame = make_sentences(8, splits=("train", "train"))  # article a0 favor/neutral, a1 the rest
    X, y = frame[["target", "text", "article_id"]], frame["stance"]
    search = make_stance_classifier("tfidf-svm-tuned").fit(X, y)
    assert search.folds_ == [] and search.best_params_ == {} and search.cv_results_ == {}
    assert search.best_estimator_.named_steps["classifier"].C == 0.1
    assert (search.predict(X) == y).all()


def test_the_chosen_c_differs_from_the_default_on_data_made_so() -> None:
    frame = weak_cues()
    X, y = frame[["target", "text", "article_id"]], frame["stance"]
    search = make_stance_classifier("tfidf-svm-tuned").fit(X, y)
    assert make_stance_classifier("tfidf-svm").get_params()["classifier__C"] == 0.1
    assert search.best_params_ == {"classifier__C": 1.0}
    scores = dict(zip(search.cv_results_["param_classifier__C"],
                      search.cv_results_["mean_test_score"], strict=True))
    assert scores[1.0] > scores[0.1]
    assert search.best_estimator_.named_steps["classifier"].C == 1.0
    assert len(search.cv_results_["params"]) == len(STANCE_GRIDS["tfidf-svm-tuned"]["classifier__C"])


def test_the_grid_is_a_parameter_and_the_wrapper_clones() -> None:
    grid = {"classifier__C": [1.0], "features__text__ngram_range": [(1, 1), (1, 3)]}
    model = make_stance_classifier("tfidf-svm-tuned", grid=grid, n_splits=2, C=5.0)
    params = model.get_params()
    assert params["param_grid"] == grid and params["n_splits"] == 2
    assert params["estimator__classifier__C"] == 5.0
    copy = clone(model).set_params(n_splits=3)
    assert copy.n_splits == 3 and model.n_splits == 2
    frame = weak_cues()
    search = copy.fit(frame[["target", "text", "article_id"]], frame["stance"])
    assert len(search.folds_) == 3 and len(search.cv_results_["params"]) == 2
    assert search.decision_function(frame[:5]).shape == (5,)
    with pytest.raises(TypeError, match="its parameters: C, ngram_range, grid, n_splits"):
        make_stance_classifier("tfidf-lr-tuned", min_rows=3)


def test_tuned_kinds_are_evaluated_by_name_only(lexicon: Lexicon) -> None:
    frame = make_sentences(16, splits=("train", "train", "test"))
    metrics = evaluate_baselines(
        frame, stance_labels=STANCE, lexicon=lexicon, tagger_kinds=[], min_rows=4,
        stance_kinds=["tfidf-svm", "tfidf-svm-tuned"],
    )
    assert metrics["stance"]["tfidf-svm-tuned"]["macro_f1"] == 1.0
    default = evaluate_baselines(frame, stance_labels=STANCE, lexicon=lexicon, tagger_kinds=[],
                                 min_rows=4)
    assert not set(default["stance"]) & set(TUNED_STANCE_KINDS)
