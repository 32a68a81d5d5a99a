"""One classifier per target: ``PerTargetClassifier``, the SemEval-2016 Task 6 baseline's recipe.

The stance baseline of SemEval-2016 Task 6 (Mohammad et al. 2016, "SemEval-2016 Task 6:
Detecting Stance in Tweets", doi:10.18653/v1/S16-1003) trains one linear SVM per target on word
1–3-gram and character 2–5-gram features. ``PerTargetClassifier`` is that "one model per target"
part for any scikit-learn classifier: it fits a clone of its ``estimator`` on each target's
training rows, and a clone on all rows that predicts the targets which had no model of their own
(unseen in training, or too few rows). ``make_stance_classifier("tfidf-svm-per-target")`` builds
the whole recipe. On numeric input (``target_column=0``) it passes every scikit-learn estimator
check (``tests/models/test_per_target.py``); on texts only the API checks apply, as for the other
text estimators, since the data checks feed numeric arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import Tags, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

__all__ = ["PerTargetClassifier"]


def _base_has(method: str) -> Any:
    """``available_if`` condition: the wrapped estimator has ``method``."""
    return lambda self: hasattr(self.estimator, method)


def _rows(X: Any, rows: npt.NDArray[np.intp]) -> Any:
    """The rows ``rows`` of a DataFrame, an array-like or a sparse matrix, of the same kind."""
    if isinstance(X, pd.DataFrame):
        return X.iloc[rows]
    if sp.issparse(X):
        return X.tocsr()[rows]
    return np.asarray(X)[rows]


class PerTargetClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A clone of ``estimator`` per target, and one fitted on all rows for the other targets.

    ``fit(X, y)`` fits ``fallback_``, a clone of ``estimator`` on all rows, then, for each
    target (value of the ``target_column`` column of ``X``) with at least ``min_rows`` training
    rows that include every label of ``y``, a clone on that target's rows alone. A target whose
    rows are all the training rows shares ``fallback_`` (the same model, not refitted). Each row
    is then predicted by its target's model, or by ``fallback_`` when its target has none. Since
    every model has seen every label, their ``classes_`` are all ``np.unique(y)`` and their
    ``decision_function`` / ``predict_proba`` columns line up.

    Args:
        estimator: The classifier to clone per target (e.g. a ``Pipeline``); it receives the
            whole ``X``, ``target_column`` included.
        min_rows: The fewest training rows a target needs for a model of its own.
        target_column: The column of ``X`` holding the target: a name for a DataFrame, or a
            position (``int``) for any 2-D input.

    Attributes:
        classes_: The labels, ``np.unique(y)``, shape ``(n_classes,)``.
        fallback_: The clone fitted on all training rows.
        estimators_: ``{target: fitted clone}`` for the targets with a model of their own.
        n_features_in_: The number of columns of ``X`` seen in ``fit`` (as ``fallback_``'s).

    Examples:
        >>> import pandas as pd
        >>> from sklearn.compose import make_column_transformer
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.pipeline import make_pipeline
        >>> X = pd.DataFrame({"target": ["a", "a", "a", "a", "b", "b"],
        ...                   "x": [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]})
        >>> y = ["no", "yes", "no", "yes", "yes", "no"]
        >>> on_x = make_pipeline(make_column_transformer(("passthrough", ["x"])),
        ...                      LogisticRegression(C=100.0))
        >>> model = PerTargetClassifier(on_x, min_rows=3).fit(X, y)
        >>> sorted(model.estimators_)
        ['a']
        >>> model.predict(pd.DataFrame({"target": ["a", "a", "c"], "x": [0.0, 1.0, 1.0]})).tolist()
        ['no', 'yes', 'yes']
    """

    def __init__(
        self, estimator: Any, *, min_rows: int = 100, target_column: str | int = "target"
    ) -> None:
        self.estimator = estimator
        self.min_rows = min_rows
        self.target_column = target_column

    def _targets(self, X: Any) -> npt.NDArray[Any]:
        """The target of each row of ``X``, shape ``(n_rows,)``."""
        column = self.target_column
        if isinstance(X, pd.DataFrame):
            values = X.iloc[:, column] if isinstance(column, int) else X[column]
            return np.asarray(values)
        X = check_array(X, accept_sparse="csc", dtype=None, ensure_all_finite=False)
        return X[:, [column]].toarray().ravel() if sp.issparse(X) else X[:, column]

    def __sklearn_tags__(self) -> Tags:
        """The classifier tags, with ``estimator``'s input tags (sparse, string, NaN)."""
        tags = super().__sklearn_tags__()
        tags.input_tags = get_tags(self.estimator).input_tags
        return tags

    def fit(self, X: Any, y: Any) -> PerTargetClassifier:
        """Fit ``fallback_`` on all rows and a clone per target that has enough rows.

        Args:
            X: ``(n_rows, n_columns)`` input that ``estimator`` takes, with the target column.
            y: ``(n_rows,)`` labels.

        Returns:
            ``self``.
        """
        self.fallback_ = clone(self.estimator).fit(X, y)
        labels = column_or_1d(y, warn=True)
        self.classes_ = np.unique(labels)
        targets = self._targets(X)
        self.estimators_: dict[Any, Any] = {}
        for target in pd.unique(pd.Series(targets)):
            rows = np.flatnonzero(targets == target)
            if len(rows) < self.min_rows or len(np.unique(labels[rows])) < len(self.classes_):
                continue
            if len(rows) == len(targets):
                self.estimators_[target] = self.fallback_
            else:
                self.estimators_[target] = clone(self.estimator).fit(_rows(X, rows), labels[rows])
        return self

    @property
    def n_features_in_(self) -> int:
        """The number of columns of ``X`` seen in ``fit``."""
        return int(self.fallback_.n_features_in_)

    def _route(self, method: str, X: Any) -> npt.NDArray[Any]:
        """``method``'s output for each row by its target's model: shape ``(n_rows, ...)``."""
        check_is_fitted(self)
        targets = self._targets(X)
        parts = [(m, np.flatnonzero(targets == t)) for t, m in self.estimators_.items()]
        covered = np.zeros(len(targets), dtype=bool)
        for _, rows in parts:
            covered[rows] = True
        parts.append((self.fallback_, np.flatnonzero(~covered)))
        output: npt.NDArray[Any] | None = None
        for model, rows in parts:
            if not len(rows):
                continue
            values = np.asarray(getattr(model, method)(_rows(X, rows)))
            if output is None:
                dtype = self.classes_.dtype if method == "predict" else values.dtype
                output = np.empty((len(targets), *values.shape[1:]), dtype=dtype)
            output[rows] = values
        return getattr(self.fallback_, method)(X) if output is None else output

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """The predicted label of each row, shape ``(n_rows,)``."""
        return self._route("predict", X)

    @available_if(_base_has("decision_function"))
    def decision_function(self, X: Any) -> npt.NDArray[np.float64]:
        """The estimator's decision values: ``(n_rows,)`` for two labels, else
        ``(n_rows, n_classes)`` in ``classes_`` order."""
        return self._route("decision_function", X)

    @available_if(_base_has("predict_proba"))
    def predict_proba(self, X: Any) -> npt.NDArray[np.float64]:
        """The label probabilities, shape ``(n_rows, n_classes)`` in ``classes_`` order."""
        return self._route("predict_proba", X)
