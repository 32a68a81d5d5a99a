"""What the aggregators share: the checks on a ``votes`` frame, its integer encoding, the base class.

``votes`` is crowd-kit's long frame: one row per vote with columns ``task, worker, label``.
``encode_votes`` is the one front door that validates it (for the estimators in
``annotation.aggregate.majority_vote`` and ``.dawid_skene`` and the agreement figures in
``.alpha`` and ``.agreement``); ``BaseAggregator`` is the scikit-learn ``BaseEstimator`` skeleton
with crowd-kit's ``fit_predict``/``fit_predict_proba``, so ``get_params``, ``clone`` and ``repr``
work on every estimator. Errors in the votes themselves (an empty frame, a missing value, a label
outside the schema) raise ``AggregateError``; a wrong argument type stays a ``TypeError``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator

from annotation.errors import AnnotationError
from annotation.records import LABEL, TASK, VOTE_COLUMNS, WORKER, check_columns, check_labels

__all__ = ["AGG_LABEL", "AggregateError", "EncodedVotes", "encode_votes", "encode_column", "BaseAggregator"]

AGG_LABEL = "agg_label"
"""Name of the aggregated label Series."""

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


class AggregateError(AnnotationError, ValueError):
    """The votes cannot be aggregated: empty, a missing value, a label outside the schema, or
    counts that contradict them. A ``ValueError`` too, for callers that catch that."""


@dataclass(frozen=True)
class EncodedVotes:
    """Votes as integer codes, from ``encode_votes``: vote ``i`` is for task ``tasks[task_codes[i]]``
    with label ``labels[label_codes[i]]``."""

    tasks: pd.Index
    labels: pd.Index
    task_codes: IntArray
    label_codes: IntArray

    def counts(self) -> npt.NDArray[np.int64]:
        """Votes per task and label, shape ``(n_tasks, n_labels)``."""
        n_tasks, n_labels = len(self.tasks), len(self.labels)
        flat = np.bincount(self.task_codes * n_labels + self.label_codes, minlength=n_tasks * n_labels)
        return flat.reshape(n_tasks, n_labels)

    def probas_frame(self, probas: FloatArray) -> pd.DataFrame:
        """``probas`` (shape ``(n_tasks, n_labels)``) as a frame: index ``task``, one column per label."""
        return pd.DataFrame(probas, index=self.tasks, columns=self.labels)


def _missing_values(frame: pd.DataFrame, column: str, name: str, rows: IntArray) -> AggregateError:
    """The error for missing values at positions ``rows`` of ``frame[column]``."""
    first = frame.index[rows[:1]].tolist()[0]
    return AggregateError(
        f"{name}[{column!r}] has {rows.size} missing value(s), first at index {first!r}; "
        f"every row needs a {column}: drop or fill those rows"
    )


def encode_column(frame: pd.DataFrame, column: str, name: str) -> tuple[IntArray, pd.Index]:
    """Integer codes and distinct values of ``frame[column]``, as ``pandas.factorize`` gives them.

    Args:
        frame: Any frame with ``column``.
        column: The column to encode.
        name: What to call ``frame`` in error messages.

    Returns:
        ``codes`` (one per row, shape ``(len(frame),)``) and the distinct values (an Index named
        ``column``) in order of first appearance, or in category order without unused
        categories when the column is categorical; ``values[codes[i]]`` is row ``i``'s value.

    Raises:
        AggregateError: The column has a missing value.

    Examples:
        >>> codes, values = encode_column(pd.DataFrame({"worker": ["w2", "w1", "w2"]}), "worker", "votes")
        >>> codes.tolist(), values.tolist()
        ([0, 1, 0], ['w2', 'w1'])
    """
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.intp)
        uniques = values.cat.categories
    else:
        raw_codes, uniques = pd.factorize(values)
        codes = raw_codes.astype(np.intp, copy=False)
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise _missing_values(frame, column, name, missing)
    used = np.bincount(codes, minlength=len(uniques)) > 0
    if not used.all():  # unused categories
        codes = (np.cumsum(used) - 1)[codes]
        uniques = uniques[used]
    return codes, pd.Index(uniques, name=column)


def encode_votes(
    votes: pd.DataFrame, labels: Sequence[Hashable] | None = None, *, name: str = "votes"
) -> EncodedVotes:
    """Validate a ``votes`` frame and encode its tasks and labels as integer codes.

    The shared front door of the aggregators and of the agreement figures: every check on
    ``votes`` (type, columns, emptiness, missing values, labels outside ``labels``) lives here.

    Args:
        votes: One row per vote with columns ``task, worker, label``.
        labels: The label names in schema order; ``None`` uses the sorted labels in ``votes``.
        name: What to call ``votes`` in error messages.

    Returns:
        The codes, with tasks in order of first appearance (category order when ``task`` is
        categorical) and labels in schema order.

    Raises:
        KeyError: A column is missing.
        TypeError: ``votes`` is not a DataFrame, ``labels`` is not a list of names, or labels of
            mixed types cannot be sorted.
        AggregateError: ``votes`` is empty, a task, worker or label is missing, or a label is not
            in ``labels``.
        ValueError: ``labels`` is empty or repeats a label.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...                       "worker": ["w1", "w2", "w3"] * 2,
        ...                       "label": ["favor", "favor", "against", "neutral", "against", "against"]})
        >>> encoded = encode_votes(votes, ["favor", "against", "neutral"])
        >>> encoded.tasks.tolist(), encoded.counts().tolist()
        (['t1', 't2'], [[2, 1, 0], [0, 2, 1]])
    """
    if not isinstance(votes, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(votes).__name__}")
    check_columns(votes, VOTE_COLUMNS, name)
    if votes.empty:
        raise AggregateError(f"{name} is empty (0 rows); expected at least one vote with columns {', '.join(VOTE_COLUMNS)}")
    schema_labels = None if labels is None else check_labels(labels)
    task_codes, tasks = encode_column(votes, TASK, name)
    label_codes, found = encode_column(votes, LABEL, name)
    if schema_labels is None:
        try:
            schema_labels = found.sort_values()
        except TypeError as err:
            raise TypeError(
                f"{name}[{LABEL!r}] mixes label types that cannot be sorted ({list(found[:5])}); "
                "pass labels= in schema order"
            ) from err
    remap = schema_labels.get_indexer(found)
    if (remap < 0).any():
        unknown = list(found[remap < 0][:10])
        raise AggregateError(
            f"{name}[{LABEL!r}] has value(s) {unknown} not in labels={list(schema_labels)}; "
            "add them to labels or drop those votes"
        )
    no_worker = np.flatnonzero(votes[WORKER].isna().to_numpy())
    if no_worker.size:
        raise _missing_values(votes, WORKER, name, no_worker)
    return EncodedVotes(
        tasks=tasks,
        labels=schema_labels,
        task_codes=task_codes,
        label_codes=remap.astype(np.intp)[label_codes],
    )


class BaseAggregator(BaseEstimator):  # type: ignore[misc]
    """What every aggregator shares: crowd-kit's ``fit_predict`` and ``fit_predict_proba`` over its ``fit``.

    A subclass sets ``labels_`` and ``probas_`` in ``fit`` and returns itself."""

    def fit(self, votes: pd.DataFrame) -> BaseAggregator:
        raise NotImplementedError

    def fit_predict(self, votes: pd.DataFrame) -> pd.Series:
        """Fit on ``votes`` and return ``labels_`` (index ``task``, name ``agg_label``).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2,
            ...                       "label": ["favor", "favor", "against", "against", "against", "favor"]})
            >>> from annotation.aggregate import MajorityVote
            >>> MajorityVote().fit_predict(votes).to_dict()
            {'t1': 'favor', 't2': 'against'}
        """
        return self.fit(votes).labels_  # type: ignore[attr-defined,no-any-return]

    def fit_predict_proba(self, votes: pd.DataFrame) -> pd.DataFrame:
        """Fit on ``votes`` and return ``probas_`` (index ``task``, one column per label).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2,
            ...                       "label": ["favor", "favor", "against", "against", "against", "favor"]})
            >>> from annotation.aggregate import MajorityVote
            >>> MajorityVote(labels=["favor", "against"]).fit_predict_proba(votes).round(2)  # doctest: +NORMALIZE_WHITESPACE
            label  favor  against
            task
            t1      0.67     0.33
            t2      0.33     0.67
        """
        return self.fit(votes).probas_  # type: ignore[attr-defined,no-any-return]
