"""Evaluation metrics for stance labels, in plain Python, and the conventions of all metrics.

The span metrics of the loaded-language taggers are in ``annotation.models.span_metrics``.

Conventions shared by every function here and there:

- Labels are strings. ``labels`` fixes the label set and the order of per-label outputs; a gold or
  predicted label outside it is an error, never silently dropped.
- Precision, recall and F1 are computed from counts: ``P = credit / n_pred``,
  ``R = credit / n_gold`` and ``F1 = 2PR / (P + R)``. A ratio with a zero denominator is NaN, never
  a ``ZeroDivisionError``. F1 is NaN when a label occurs in neither gold nor predictions (nothing
  to score), and 0.0 when it occurs on one side only (all predictions wrong, or all gold missed).
- Averages over labels (``macro_f1``, ``semeval_favg``) leave NaN entries out, so a label that is
  absent from a test set does not pull the average down; the average is NaN if no entry is defined.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

__all__ = [
    "Span",
    "PRF",
    "SpanScores",
    "accuracy",
    "confusion_matrix",
    "per_label_f1",
    "macro_f1",
    "semeval_favg",
]

Span = tuple[int, int, str]
"""A labelled character span ``(start, end, label)``; offsets are ``str`` indices, end exclusive."""


class PRF(TypedDict):
    """Precision, recall and F1 with the counts they come from."""

    precision: float
    recall: float
    f1: float
    n_gold: int
    n_pred: int


class SpanScores(PRF):
    """Micro-averaged scores over all labels, plus the same scores per label."""

    per_label: dict[str, PRF]


def _check_labels(values: Sequence[str], labels: Sequence[str], name: str) -> None:
    unknown = sorted(set(values) - set(labels))
    if unknown:
        raise ValueError(f"{name} has label(s) {unknown} outside labels={list(labels)}")


def _check_pair(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None
) -> None:
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred differ in length ({len(y_true)} != {len(y_pred)}); "
            "pass one prediction per gold label"
        )
    if labels is not None:
        _check_labels(y_true, labels, "y_true")
        _check_labels(y_pred, labels, "y_pred")


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


@dataclass
class _Tally:
    """Credit earned by predicted and by gold items, and how many there are of each."""

    credit_pred: float = 0.0
    credit_gold: float = 0.0
    n_pred: int = 0
    n_gold: int = 0

    def add(self, credit_pred: float, credit_gold: float, *, n_pred: int, n_gold: int) -> None:
        self.credit_pred += credit_pred
        self.credit_gold += credit_gold
        self.n_pred += n_pred
        self.n_gold += n_gold

    def prf(self) -> PRF:
        precision = _ratio(self.credit_pred, self.n_pred)
        recall = _ratio(self.credit_gold, self.n_gold)
        if self.n_pred == 0 and self.n_gold == 0:
            f1 = math.nan
        elif self.n_pred == 0 or self.n_gold == 0 or precision + recall == 0:
            f1 = 0.0
        else:
            f1 = 2 * precision * recall / (precision + recall)
        return PRF(
            precision=precision, recall=recall, f1=f1, n_gold=self.n_gold, n_pred=self.n_pred
        )


def _label_f1(y_true: Sequence[str], y_pred: Sequence[str], label: str) -> float:
    hits = sum(t == p == label for t, p in zip(y_true, y_pred, strict=True))
    n_pred = sum(p == label for p in y_pred)
    n_gold = sum(t == label for t in y_true)
    return _Tally(hits, hits, n_pred, n_gold).prf()["f1"]


def _nanmean(values: Sequence[float]) -> float:
    defined = [v for v in values if not math.isnan(v)]
    return sum(defined) / len(defined) if defined else math.nan


def accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Share of predictions equal to the gold label.

    Args:
        y_true: Gold labels.
        y_pred: Predicted labels, one per gold label.

    Returns:
        The accuracy in [0, 1]; NaN for empty inputs.

    Raises:
        ValueError: The inputs differ in length.

    Examples:
        >>> accuracy(["favor", "against", "neutral"], ["favor", "against", "against"])
        0.6666666666666666
        >>> accuracy([], [])
        nan
    """
    _check_pair(y_true, y_pred)
    return _ratio(sum(t == p for t, p in zip(y_true, y_pred, strict=True)), len(y_true))


def confusion_matrix(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    """Counts of (gold, predicted) label pairs.

    Args:
        y_true: Gold labels.
        y_pred: Predicted labels, one per gold label.
        labels: The label set, in the order of the rows and columns (schema order).

    Returns:
        ``matrix[i][j]`` is the number of items with gold ``labels[i]`` predicted as ``labels[j]``;
        all zeros for empty inputs.

    Raises:
        ValueError: The inputs differ in length or use a label outside ``labels``.

    Examples:
        >>> confusion_matrix(["favor", "favor", "against"], ["favor", "against", "against"],
        ...                  ["favor", "against"])
        [[1, 1], [0, 1]]
    """
    _check_pair(y_true, y_pred, labels)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[index[t]][index[p]] += 1
    return matrix


def per_label_f1(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, float]:
    """F1 of each label, treating it as the positive class against all others.

    Args:
        y_true: Gold labels.
        y_pred: Predicted labels, one per gold label.
        labels: The label set, in output order.

    Returns:
        ``{label: F1}`` in ``labels`` order. A label in neither ``y_true`` nor ``y_pred`` gets NaN;
        a label on one side only gets 0.0.

    Raises:
        ValueError: The inputs differ in length or use a label outside ``labels``.

    Examples:
        >>> per_label_f1(["favor", "favor", "against"], ["favor", "against", "against"],
        ...              ["favor", "against", "neutral"])
        {'favor': 0.6666666666666666, 'against': 0.6666666666666666, 'neutral': nan}
    """
    _check_pair(y_true, y_pred, labels)
    return {label: _label_f1(y_true, y_pred, label) for label in labels}


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted mean of the per-label F1 over the labels that occur in gold or predictions.

    Labels absent from both sides are left out, as scikit-learn does when ``labels`` is not
    given; so the result equals ``f1_score(y_true, y_pred, average="macro")``.

    Args:
        y_true: Gold labels.
        y_pred: Predicted labels, one per gold label.
        labels: The label set (for example the schema's stance labels).

    Returns:
        The macro F1 in [0, 1]; NaN for empty inputs.

    Raises:
        ValueError: The inputs differ in length or use a label outside ``labels``.

    Examples:
        >>> labels = ["favor", "against", "neutral", "unrelated"]
        >>> round(macro_f1(["favor", "favor", "against", "neutral"],
        ...                ["favor", "against", "against", "against"], labels), 4)  # (2/3+1/2+0)/3
        0.3889
        >>> macro_f1([], [], labels)
        nan
    """
    return _nanmean(list(per_label_f1(y_true, y_pred, labels).values()))


def semeval_favg(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    favor: str = "favor",
    against: str = "against",
) -> float:
    """The SemEval-2016 Task 6 stance score ``F_avg = (F_favor + F_against) / 2``.

    Every other label (neutral, unrelated, ...) counts only through the errors it causes on the
    two polar labels (Mohammad et al., 2016, doi:10.18653/v1/S16-1003). Unlike the official
    script, which scores a polar label absent from both gold and predictions as 0, such a label is
    left out of the mean here (NaN if both are absent), following this module's convention.

    Args:
        y_true: Gold labels.
        y_pred: Predicted labels, one per gold label.
        favor: The name of the favourable label.
        against: The name of the opposing label.

    Returns:
        ``F_avg`` in [0, 1]; NaN for empty inputs.

    Raises:
        ValueError: The inputs differ in length.

    Examples:
        >>> round(semeval_favg(["favor", "favor", "against", "neutral"],
        ...                    ["favor", "against", "against", "against"]), 4)  # (2/3 + 1/2) / 2
        0.5833
    """
    _check_pair(y_true, y_pred)
    return _nanmean([_label_f1(y_true, y_pred, favor), _label_f1(y_true, y_pred, against)])
