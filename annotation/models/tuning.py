"""Hyper-parameters chosen inside the training rows: ``GroupedGridSearch``.

``GroupedGridSearch`` wraps ``sklearn.model_selection.GridSearchCV`` with ``GroupKFold`` folds
over the training rows' articles, so the rows of one article are never on both sides of an inner
split: a model tuned on an article's other sentences would look better than it is, the leak the
outer article-grouped folds of ``annotation.models.protocol`` exist to prevent. The groups come
from ``X`` itself (its ``article_id`` column, else the sentence text), so the wrapper is fitted
with ``fit(X, y)`` like any classifier and can stand inside ``evaluate_baselines``' folds or
``annotation.models.per_target.PerTargetClassifier``. Since it needs a DataFrame (its groups are a
column), of scikit-learn's estimator checks only the API checks apply (the data checks feed
numeric arrays; ``tests/models/test_tuning.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

__all__ = ["GroupedGridSearch"]

def _base_has(method: str) -> Any:
    """``available_if`` condition: the wrapped estimator has ``method``."""
    return lambda self: hasattr(self.estimator, method)


class GroupedGridSearch(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Grid search over ``param_grid`` with article-grouped inner folds, then a refit on all rows.

    ``fit(X, y)`` takes the groups from ``X``: the ``group_column`` column when ``X`` has it
    with at least two values (``evaluate_baselines`` passes ``article_id``), else
    ``text_column``, so that at least the rows of one sentence (one per target) stay together,
    as ``annotation.models.protocol.evaluation_folds`` does for the outer folds. With ``k =
    min(n_splits, number of groups)`` it runs ``GridSearchCV(estimator, param_grid,
    scoring=scoring, cv=folds_)`` on the ``GroupKFold(k)`` folds whose training rows have every
    label (a fold without some label cannot train a classifier of all of them) and keeps the
    refitted best model. With no such fold there is nothing to validate on: ``estimator`` is
    fitted as it is (``folds_`` is empty and ``best_params_`` is ``{}``).

    Args:
        estimator: The classifier to tune (e.g. a stance ``Pipeline``).
        param_grid: ``{parameter: candidate values}`` in ``estimator.set_params`` names (e.g.
            ``{"classifier__C": [0.1, 1.0]}``), or a list of such dicts, as ``GridSearchCV``.
        n_splits: The largest number of inner folds.
        scoring: The ``GridSearchCV`` score to maximise (default macro-F1, the score the
            baselines are reported with).
        group_column: The column of ``X`` whose values are the groups.
        text_column: The column grouped by when ``X`` has no ``group_column``.

    Attributes:
        best_estimator_: ``estimator`` with ``best_params_``, refitted on all training rows.
        best_params_: The chosen parameters.
        cv_results_: ``GridSearchCV.cv_results_`` (``{}`` when nothing was searched).
        folds_: The inner ``(train, validation)`` positional row indices, one pair per fold
            searched.
        classes_: The labels, ``best_estimator_.classes_``.

    Examples:
        >>> import pandas as pd
        >>> from annotation.models import make_stance_classifier
        >>> X = pd.DataFrame({"target": ["t"] * 8, "article_id": list("aabbccdd"),
        ...                   "text": ["good news", "good day", "bad news", "bad day"] * 2})
        >>> y = ["pos", "pos", "neg", "neg"] * 2
        >>> search = GroupedGridSearch(make_stance_classifier("tfidf-lr"),
        ...                            {"classifier__C": [0.1, 10.0]}, n_splits=4).fit(X, y)
        >>> len(search.folds_), sorted(search.best_params_)
        (4, ['classifier__C'])
        >>> search.predict(X[:2]).tolist()
        ['pos', 'pos']
    """

    def __init__(
        self,
        estimator: Any,
        param_grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
        *,
        n_splits: int = 5,
        scoring: str = "f1_macro",
        group_column: str = "article_id",
        text_column: str = "text",
    ) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.n_splits = n_splits
        self.scoring = scoring
        self.group_column = group_column
        self.text_column = text_column

    def _groups(self, X: pd.DataFrame) -> npt.NDArray[Any]:
        """The group of each row of ``X``, shape ``(n_rows,)``."""
        grouped = self.group_column in X.columns and X[self.group_column].nunique() >= 2
        return X[self.group_column if grouped else self.text_column].astype(str).to_numpy()

    def fit(self, X: pd.DataFrame, y: Any) -> GroupedGridSearch:
        """Choose the parameters by grouped cross-validation on ``X``, then refit on all of it.

        Args:
            X: ``(n_rows, n_columns)`` DataFrame that ``estimator`` takes, with
                ``group_column`` or ``text_column``.
            y: ``(n_rows,)`` labels.

        Returns:
            ``self``.
        """
        groups = self._groups(X)
        labels = np.asarray(y)
        n_labels = len(np.unique(labels))
        k = min(int(self.n_splits), len(set(groups)))
        folds = list(GroupKFold(n_splits=k).split(X, y, groups)) if k >= 2 else []
        self.folds_ = [(t, v) for t, v in folds if len(np.unique(labels[t])) == n_labels]
        if not self.folds_:
            self.best_params_: dict[str, Any] = {}
            self.cv_results_: dict[str, Any] = {}
            self.best_estimator_ = clone(self.estimator).fit(X, y)
        else:
            search = GridSearchCV(
                self.estimator, self.param_grid, scoring=self.scoring, cv=self.folds_,
                error_score="raise",
            ).fit(X, y)
            self.best_params_ = search.best_params_
            self.cv_results_ = search.cv_results_
            self.best_estimator_ = search.best_estimator_
        self.classes_ = self.best_estimator_.classes_
        return self

    def predict(self, X: pd.DataFrame) -> npt.NDArray[Any]:
        """The best model's label for each row, shape ``(n_rows,)``."""
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    @available_if(_base_has("decision_function"))
    def decision_function(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """The best model's decision values, ``(n_rows,)`` or ``(n_rows, n_classes)``."""
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)

    @available_if(_base_has("predict_proba"))
    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """The best model's label probabilities, shape ``(n_rows, n_classes)``."""
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)
