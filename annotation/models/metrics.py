"""Evaluation metrics for stance labels and loaded-language spans, in plain Python.

Conventions shared by every function here:

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
from numbers import Integral
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
    "span_prf",
    "token_f1",
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


def _check_spans(spans: Sequence[Span], labels: Sequence[str], where: str) -> set[Span]:
    checked: set[Span] = set()
    for span in spans:
        if len(span) != 3:
            raise ValueError(f"{where}: expected (start, end, label), got {span!r}")
        start, end, label = span
        if not (isinstance(start, Integral) and isinstance(end, Integral) and 0 <= start < end):
            raise ValueError(f"{where}: span {span!r} needs integer offsets 0 <= start < end")
        if label not in labels:
            raise ValueError(f"{where}: span {span!r} has a label outside labels={list(labels)}")
        checked.add((int(start), int(end), label))
    return checked


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _covered(start: int, end: int, merged: list[tuple[int, int]]) -> int:
    return sum(max(0, min(end, e) - max(start, s)) for s, e in merged)


def _scores(tallies: dict[str, _Tally]) -> SpanScores:
    total = _Tally()
    for tally in tallies.values():
        total.add(tally.credit_pred, tally.credit_gold, n_pred=tally.n_pred, n_gold=tally.n_gold)
    per_label = {label: tally.prf() for label, tally in tallies.items()}
    return SpanScores(**total.prf(), per_label=per_label)


def span_prf(
    gold: Sequence[Sequence[Span]],
    pred: Sequence[Sequence[Span]],
    labels: Sequence[str],
    *,
    partial: bool = False,
) -> SpanScores:
    """Precision, recall and F1 of labelled character spans, exact or with partial-overlap credit.

    With ``partial=False`` a predicted span counts only if the same ``(start, end, label)`` is in
    the gold spans of the same text. With ``partial=True`` the scores follow the span
    identification measure of SemEval-2020 Task 11 (Da San Martino et al., 2020,
    doi:10.18653/v1/2020.semeval-1.186), restricted to same-label pairs: over all texts,

    - ``precision = sum over predicted spans s of |s ∩ gold(label(s))| / |s|``, divided by the
      number of predicted spans,
    - ``recall = sum over gold spans t of |t ∩ pred(label(t))| / |t|``, divided by the number of
      gold spans,

    where ``gold(l)`` is the set of characters of the text covered by gold spans labelled ``l``.
    Taking the union (instead of summing over gold spans, as the task's formula writes it) gives
    the same result when same-label gold spans do not overlap, as in that task's data, and keeps
    each span's credit at most 1 otherwise. Duplicate spans in one text count once.

    Args:
        gold: Gold spans, one list of ``(start, end, label)`` per text.
        pred: Predicted spans, one list per text, aligned with ``gold``.
        labels: The span label set, in output order.
        partial: Give credit for partial overlap instead of requiring an exact match.

    Returns:
        ``precision``, ``recall``, ``f1``, ``n_gold`` and ``n_pred`` micro-averaged over all labels,
        and the same per label under ``per_label``. Precision is NaN without predicted spans,
        recall NaN without gold spans; see the module docstring for F1.

    Raises:
        ValueError: ``gold`` and ``pred`` differ in length, or a span is malformed (not three
            items, offsets not ``0 <= start < end``, label outside ``labels``).

    Examples:
        >>> gold = [[(4, 10, "loaded-negative")]]
        >>> pred = [[(0, 10, "loaded-negative"), (11, 16, "loaded-positive")]]
        >>> labels = ["loaded-negative", "loaded-positive"]
        >>> span_prf(gold, pred, labels)["f1"]
        0.0
        >>> scores = span_prf(gold, pred, labels, partial=True)
        >>> scores["precision"], scores["recall"]  # (6/10 + 0/5) / 2, (6/6) / 1
        (0.3, 1.0)
        >>> round(scores["per_label"]["loaded-negative"]["f1"], 4)  # 2 * 0.6 * 1 / 1.6
        0.75
        >>> span_prf([], [], labels)["f1"]
        nan
    """
    if len(gold) != len(pred):
        raise ValueError(
            f"gold and pred differ in length ({len(gold)} != {len(pred)}); "
            "pass one list of spans per text for each"
        )
    tallies = {label: _Tally() for label in labels}
    for i, (gold_spans, pred_spans) in enumerate(zip(gold, pred, strict=True)):
        gold_set = _check_spans(gold_spans, labels, f"gold[{i}]")
        pred_set = _check_spans(pred_spans, labels, f"pred[{i}]")
        for label in labels:
            g = [(s, e) for s, e, lab in gold_set if lab == label]
            p = [(s, e) for s, e, lab in pred_set if lab == label]
            if partial:
                gold_cover, pred_cover = _merge(g), _merge(p)
                credit_pred = sum(_covered(s, e, gold_cover) / (e - s) for s, e in p)
                credit_gold = sum(_covered(s, e, pred_cover) / (e - s) for s, e in g)
            else:
                credit_pred = credit_gold = float(len(set(g) & set(p)))
            tallies[label].add(credit_pred, credit_gold, n_pred=len(p), n_gold=len(g))
    return _scores(tallies)


def token_f1(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    outside: str = "O",
) -> SpanScores:
    """Token-level precision, recall and F1 of span labels (no B-/I- prefixes).

    Each token carries one label from ``labels`` or ``outside``. A token counts as correct for
    label ``l`` when gold and prediction both say ``l``; ``outside`` tokens are never scored.

    Args:
        gold: Gold token labels, one sequence per text.
        pred: Predicted token labels, one sequence per text, aligned token by token with ``gold``.
        labels: The span label set, in output order.
        outside: The label of tokens outside every span.

    Returns:
        Micro-averaged ``precision``, ``recall``, ``f1``, ``n_gold`` and ``n_pred`` (token counts)
        and the same per label under ``per_label``; NaN conventions as in ``span_prf``.

    Raises:
        ValueError: ``gold`` and ``pred`` differ in the number of texts or of tokens in a text,
            or use a label outside ``labels`` and ``outside``.

    Examples:
        >>> gold = [["O", "loaded-negative", "loaded-negative", "O"]]
        >>> pred = [["O", "loaded-negative", "O", "loaded-positive"]]
        >>> scores = token_f1(gold, pred, ["loaded-negative", "loaded-positive"])
        >>> scores["precision"], scores["recall"], scores["f1"]  # 1/2, 1/2
        (0.5, 0.5, 0.5)
        >>> round(scores["per_label"]["loaded-negative"]["f1"], 4)  # P = 1, R = 1/2
        0.6667
    """
    if len(gold) != len(pred):
        raise ValueError(
            f"gold and pred differ in length ({len(gold)} != {len(pred)}); "
            "pass one sequence of token labels per text for each"
        )
    allowed = [*labels, outside]
    tallies = {label: _Tally() for label in labels}
    for i, (gold_tags, pred_tags) in enumerate(zip(gold, pred, strict=True)):
        if len(gold_tags) != len(pred_tags):
            raise ValueError(
                f"text {i}: gold has {len(gold_tags)} tokens but pred has {len(pred_tags)}"
            )
        _check_labels(gold_tags, allowed, f"gold[{i}]")
        _check_labels(pred_tags, allowed, f"pred[{i}]")
        for label in labels:
            hits = sum(g == p == label for g, p in zip(gold_tags, pred_tags, strict=True))
            tallies[label].add(
                hits,
                hits,
                n_pred=sum(p == label for p in pred_tags),
                n_gold=sum(g == label for g in gold_tags),
            )
    return _scores(tallies)
