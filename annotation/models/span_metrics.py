"""Evaluation metrics for loaded-language spans: exact and partial span, character and token P/R/F1.

Spans are ``(start, end, label)`` with offsets in code points, end exclusive (``Span``); the
conventions (labels, NaN for an empty denominator, F1 of a label on one side only) are those of
``annotation.models.metrics``.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator, Sequence
from numbers import Integral

from annotation.models.metrics import Span, SpanScores, _check_labels, _Tally

__all__ = ["span_prf", "char_prf", "token_f1"]


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


def _by_text_and_label(
    gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], labels: Sequence[str]
) -> Iterator[tuple[str, list[tuple[int, int]], list[tuple[int, int]]]]:
    """Per text and label: the label and the distinct gold and predicted ``(start, end)`` of it,
    after checking that ``gold`` and ``pred`` are aligned and their spans well formed."""
    if len(gold) != len(pred):
        raise ValueError(
            f"gold and pred differ in length ({len(gold)} != {len(pred)}); "
            "pass one list of spans per text for each"
        )
    for i, (gold_spans, pred_spans) in enumerate(zip(gold, pred, strict=True)):
        gold_set = _check_spans(gold_spans, labels, f"gold[{i}]")
        pred_set = _check_spans(pred_spans, labels, f"pred[{i}]")
        for label in labels:
            yield (label, [(s, e) for s, e, lab in gold_set if lab == label],
                   [(s, e) for s, e, lab in pred_set if lab == label])


class _Cover:
    """The union of intervals: merged, sorted, with their running lengths, so that how much of
    ``[start, end)`` it covers takes O(log n) (two bisections), not a pass over every interval."""

    def __init__(self, intervals: list[tuple[int, int]]) -> None:
        self.merged: list[tuple[int, int]] = []
        for start, end in sorted(intervals):
            if self.merged and start <= self.merged[-1][1]:
                self.merged[-1] = (self.merged[-1][0], max(end, self.merged[-1][1]))
            else:
                self.merged.append((start, end))
        self.starts = [start for start, _ in self.merged]
        self.before = [0, *itertools.accumulate(end - start for start, end in self.merged)]
        self.length = self.before[-1]

    def _below(self, x: int) -> int:
        """Code points of the union before ``x``."""
        i = bisect.bisect_right(self.starts, x)
        return 0 if i == 0 else self.before[i - 1] + min(x, self.merged[i - 1][1]) - self.starts[i - 1]

    def covered(self, start: int, end: int) -> int:
        """Code points of ``[start, end)`` inside the union."""
        return self._below(end) - self._below(start)


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
    tallies = {label: _Tally() for label in labels}
    for label, g, p in _by_text_and_label(gold, pred, labels):
        if partial:
            gold_cover, pred_cover = _Cover(g), _Cover(p)
            credit_pred = sum(gold_cover.covered(s, e) / (e - s) for s, e in p)
            credit_gold = sum(pred_cover.covered(s, e) / (e - s) for s, e in g)
        else:
            credit_pred = credit_gold = float(len(set(g) & set(p)))
        tallies[label].add(credit_pred, credit_gold, n_pred=len(p), n_gold=len(g))
    return _scores(tallies)


def char_prf(
    gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], labels: Sequence[str]
) -> SpanScores:
    """Character-level precision, recall and F1 of labelled spans, pooled over all texts.

    Every character of a text counts once per label: ``precision`` is the share of the characters
    predicted as label ``l`` that a gold span labelled ``l`` covers, ``recall`` the share of the
    characters gold labels ``l`` that a predicted span labelled ``l`` covers, both summed over
    texts and labels. This is the character overlap of SemEval-2020 Task 11's span identification
    (Da San Martino et al., 2020, doi:10.18653/v1/2020.semeval-1.186) pooled over characters
    instead of averaged per span as ``span_prf(partial=True)`` does, so a long span weighs by its
    length and a split or merged span is not penalised for its boundaries between words.

    Args:
        gold: Gold spans, one list of ``(start, end, label)`` per text.
        pred: Predicted spans, one list per text, aligned with ``gold``.
        labels: The span label set, in output order.

    Returns:
        ``precision``, ``recall``, ``f1``, ``n_gold`` and ``n_pred`` (character counts),
        micro-averaged over all labels, and the same per label under ``per_label``; NaN
        conventions as in ``span_prf``.

    Raises:
        ValueError: As ``span_prf``.

    Examples:
        >>> gold = [[(4, 10, "loaded-negative")]]
        >>> pred = [[(0, 10, "loaded-negative"), (11, 16, "loaded-positive")]]
        >>> scores = char_prf(gold, pred, ["loaded-negative", "loaded-positive"])
        >>> scores["precision"], scores["recall"], round(scores["f1"], 4)  # 6/15, 6/6
        (0.4, 1.0, 0.5714)
        >>> char_prf([[(0, 4, "x"), (2, 6, "x")]], [[(0, 2, "x"), (2, 4, "x")]], ["x"])["recall"]
        0.6666666666666666
    """
    tallies = {label: _Tally() for label in labels}
    for label, g, p in _by_text_and_label(gold, pred, labels):
        gold_cover, pred_cover = _Cover(g), _Cover(p)
        hits = sum(gold_cover.covered(s, e) for s, e in pred_cover.merged)
        tallies[label].add(hits, hits, n_pred=pred_cover.length, n_gold=gold_cover.length)
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
