"""Span agreement and the agreement report: token alpha, pairwise span F1, every figure with its interval.

Token alpha (``token_alpha``) is Krippendorff's alpha (``annotation.aggregate.alpha``) with the
word tokens of ``annotation.spans`` as units and each annotator's span label (or "none") as the
value. Pairwise span F1 (``span_f1``) compares the character spans of every pair of annotators of
a task, matched exactly or by overlap.

Every statistic here is a ratio of sums over tasks, so one bootstrap (``alpha._bootstrap``)
serves them all: a replicate draws as many tasks as there are pairable ones (or, in
``agreement_report``, whole clusters of tasks such as articles), with replacement, and
recomputes each ratio from the drawn sums (a task's tokens and spans travel with it).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from annotation.aggregate.alpha import (  # the ratio-of-sums machinery that the figures here share
    CountArray,
    FloatArray,
    Statistic,
    _alpha_from_sums,
    _bootstrap,
    _check_bootstrap,
    _encoded_votes,
    _per_label_alpha,
    _per_label_sums,
    _unit_sums,
)
from annotation.aggregate.base import AggregateError
from annotation.records import LABEL, TASK, WORKER
from annotation.spans import TokenIndex, check_annotator_counts, check_span_votes, index_tokens

__all__ = ["REPORT_COLUMNS", "token_alpha", "span_f1", "agreement_report"]

REPORT_COLUMNS = ("measure", "by", "level", "value", "low", "high", "tasks", "unit")
"""Columns of ``agreement_report``."""

Match = Literal["exact", "partial"]


def _token_sums(
    span_votes: pd.DataFrame, index: TokenIndex, positions: npt.NDArray[np.intp], tasks: pd.Index,
    submitted: CountArray, labels: Sequence[str],
) -> FloatArray:
    """``_unit_sums`` columns of the token units of each task, summed per task.

    The categories are ``labels`` plus "none". ``span_votes`` must be validated against ``index``
    (``positions`` from ``check_span_votes``) and its tasks must be in ``tasks``. Only marked tokens
    are visited: an unmarked token of a task with ``k`` annotators is ``k`` times "none".
    """
    n_labels = len(labels)
    unit_position = index.tasks.get_indexer(tasks)
    n_tokens = np.diff(index.offsets)[unit_position]
    row_of_position = np.full(len(index), -1)
    row_of_position[unit_position] = np.arange(len(tasks))
    first, stop = index.locate(positions, span_votes["start"].to_numpy(), span_votes["end"].to_numpy())
    n_marked = np.maximum(stop - first, 0)
    span = np.repeat(np.arange(len(span_votes)), n_marked)
    token = np.repeat(first, n_marked) + np.arange(span.size) - np.repeat(np.cumsum(n_marked) - n_marked, n_marked)
    marks = pd.DataFrame({
        "token": token,
        "worker": pd.factorize(span_votes[WORKER])[0][span],
        "label": pd.Index(labels).get_indexer(span_votes[LABEL])[span],
    }).sort_values(["token", "worker", "label"], kind="stable")
    marks = marks[~marks.duplicated(["token", "worker"]).to_numpy()]  # one value per annotator: the earliest label
    marked, unit = np.unique(marks["token"].to_numpy(), return_inverse=True)
    label_counts = np.bincount(unit * n_labels + marks["label"].to_numpy(), minlength=len(marked) * n_labels)
    label_counts = label_counts.reshape(len(marked), n_labels)
    task = row_of_position[np.searchsorted(index.offsets, marked, side="right") - 1]
    k = submitted[task]
    none = k - label_counts.sum(axis=1)  # >= 0: checked by check_annotator_counts or the report's stance votes
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = ((label_counts * (label_counts - 1)).sum(axis=1) + none * (none - 1)) / np.maximum(k - 1, 1)
    pairable = submitted >= 2
    n_tasks = len(tasks)
    sums = np.zeros((n_tasks, 3 + n_labels))
    sums[:, 0] = n_tokens * submitted
    marked_per_task = np.bincount(task, minlength=n_tasks)
    sums[:, 1] = (n_tokens - marked_per_task) * submitted + np.bincount(task, weights=observed, minlength=n_tasks)
    for c in range(n_labels):
        sums[:, 2 + c] = np.bincount(task, weights=label_counts[:, c], minlength=n_tasks)
    sums[:, 2 + n_labels] = n_tokens * submitted - sums[:, 2 : 2 + n_labels].sum(axis=1)
    return sums * pairable[:, None]


def token_alpha(
    span_votes: pd.DataFrame,
    texts: Mapping[Hashable, str],
    n_annotators: Mapping[Hashable, int],
    *,
    labels: Sequence[str],
) -> float:
    """Krippendorff's alpha (nominal) of the span annotations, tokens as units.

    Every token of every task in ``n_annotators`` is a unit. Each of the task's annotators gives
    it a value: the label of a span of theirs that overlaps it (see ``annotation.spans.token_votes``),
    or "none" when they marked nothing there, so annotators who marked no span count too. An
    annotator who gave one token two labels counts once, with the earlier label in ``labels``.
    Tokens of tasks with one annotator are not pairable.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label``.
        texts: The sentence text of every task in ``n_annotators`` (a mapping, or an
            ``annotation.spans.TokenIndex``).
        n_annotators: The number of annotators who submitted each task, including tasks where
            nobody marked a span; these are the units.
        labels: The span label names in schema order.

    Returns:
        Alpha over labels plus "none"; ``nan`` when undefined. Unmarked tokens dominate, so this
        alpha mostly measures agreement on *where* loaded language is.

    Raises:
        KeyError: A column is missing; a task of ``span_votes`` is not in ``n_annotators``, or a
            task of ``n_annotators`` not in ``texts``.
        SpanError: As for ``annotation.spans.check_span_votes`` and
            ``annotation.spans.check_annotator_counts``.

    Examples:
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> span_votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w1", "w2", "w3"],
        ...     "start": [4, 4, 0, 0, 9],
        ...     "end": [10, 10, 8, 18, 18],
        ...     "text": ["regime", "regime", "Radicals", "Radicals terrorize", "terrorize"],
        ...     "label": ["loaded-negative"] * 5,
        ... })
        >>> round(token_alpha(span_votes, texts, {"t1": 3, "t2": 3},
        ...                   labels=["loaded-negative", "loaded-positive"]), 4)
        0.381
    """
    no_text = [task for task in n_annotators if task not in texts]
    if no_text:
        raise KeyError(f"texts has no sentence for {len(no_text)} task(s) of n_annotators, e.g. {no_text[:5]}")
    check_annotator_counts(span_votes, n_annotators)
    index = index_tokens(texts if isinstance(texts, TokenIndex) else {task: texts[task] for task in n_annotators})
    _, positions = check_span_votes(span_votes, index, labels=labels)
    tasks = pd.Index(list(n_annotators), dtype=object, name=TASK)
    submitted = np.array([n_annotators[task] for task in tasks], dtype=np.int64)
    sums = _token_sums(span_votes, index, positions, tasks, submitted, labels)
    return float(_alpha_from_sums(sums.sum(axis=0, keepdims=True))[0])


def _match_sums(span_votes: pd.DataFrame, task: npt.NDArray[np.intp], submitted: CountArray) -> FloatArray:
    """Per task (``task`` is each span's task code, ``submitted[code]`` its annotators, never fewer
    than those who marked spans there): spans matched exactly, spans matched partially (each
    summed over ordered pairs of annotators) and ``(annotators - 1) * spans``."""
    codes = pd.DataFrame({
        "task": task,
        "worker": pd.factorize(span_votes[WORKER])[0],
        "label": pd.factorize(span_votes[LABEL])[0],
        "start": span_votes["start"].to_numpy(np.int64),
        "end": span_votes["end"].to_numpy(np.int64),
    })
    codes = codes[~codes.duplicated().to_numpy()]
    task, worker, label = (codes[c].to_numpy() for c in ("task", "worker", "label"))
    start, end = codes["start"].to_numpy(), codes["end"].to_numpy()
    n_tasks = len(submitted)
    # Every pair of spans on the same task with the same label (a few per task).
    order = np.lexsort((label, task))
    same_group = np.r_[False, (task[order][1:] == task[order][:-1]) & (label[order][1:] == label[order][:-1])]
    group_start = np.flatnonzero(~same_group)
    size = np.diff(np.r_[group_start, order.size])
    group_of = np.repeat(np.arange(group_start.size), size)
    n_pairs = size[group_of]
    left = np.repeat(np.arange(order.size), n_pairs)
    offset = np.arange(left.size) - np.repeat(np.cumsum(n_pairs) - n_pairs, n_pairs)
    a, b = order[left], order[np.repeat(group_start[group_of], n_pairs) + offset]
    other = worker[a] != worker[b]
    a, b = a[other], b[other]
    n_workers = max(int(worker.max(initial=0)) + 1, 1)
    sums = np.zeros((n_tasks, 3))
    for column, matched in enumerate(((start[a] == start[b]) & (end[a] == end[b]), (start[a] < end[b]) & (start[b] < end[a]))):
        # a span matches annotator b when it matches any of b's spans: count each (span, annotator) once
        hits = np.unique(a[matched] * n_workers + worker[b[matched]]) // n_workers
        sums[:, column] = np.bincount(task[hits], minlength=n_tasks)
    sums[:, 2] = np.bincount(task, minlength=n_tasks) * np.maximum(submitted - 1, 0)
    return sums


def _f1_from_sums(sums: FloatArray, column: int) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums[:, 2] > 0, sums[:, column] / sums[:, 2], np.nan)


def span_f1(
    span_votes: pd.DataFrame,
    texts: Mapping[Hashable, str],
    n_annotators: Mapping[Hashable, int],
    *,
    labels: Sequence[str],
    match: Match = "exact",
) -> float:
    """Pairwise F1 between annotators' spans, micro-averaged over tasks and pairs of annotators.

    For two annotators :math:`a, b` of a task with span sets :math:`A, B`, a span of :math:`A`
    is matched when :math:`B` has a span with the same label and, for ``match="exact"``, the same
    offsets, or, for ``"partial"``, at least one character in common. Precision of :math:`a`
    against :math:`b` is the matched share of :math:`A`; summed over both orders of every pair,
    precision equals recall, and F1 is

    .. math::

        F_1 = \\frac{\\sum_{(a, b)} |\\{s \\in A : s \\text{ matched in } B\\}|}{\\sum_{(a, b)} |A|}

    over ordered pairs of distinct annotators of the same task. Annotators who submitted a task
    without marking a span count (their pairs add the other's spans to the denominator); pairs
    where neither marked anything add nothing. Reference: G. Hripcsak and A. S. Rothschild
    (2005), *Agreement, the F-measure, and reliability in information retrieval*, JAMIA 12(3),
    https://doi.org/10.1197/jamia.M1733.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text, label``;
            repeated rows count once.
        texts: The sentence of every task of ``span_votes``, to check the offsets.
        n_annotators: The number of annotators who submitted each task of ``span_votes``.
        labels: The span label names.
        match: ``"exact"`` or ``"partial"`` (overlap).

    Returns:
        F1 in [0, 1]; ``nan`` when no task has a span and a second annotator.

    Raises:
        KeyError: A column is missing, or ``texts`` or ``n_annotators`` lacks a task.
        SpanError: As for ``annotation.spans.check_span_votes`` and
            ``annotation.spans.check_annotator_counts``.
        ValueError: ``match`` is not ``"exact"`` or ``"partial"``.

    Examples:
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> span_votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w1", "w2", "w3"],
        ...     "start": [4, 4, 0, 0, 9],
        ...     "end": [10, 10, 8, 18, 18],
        ...     "text": ["regime", "regime", "Radicals", "Radicals terrorize", "terrorize"],
        ...     "label": ["loaded-negative"] * 5,
        ... })
        >>> labels = ["loaded-negative", "loaded-positive"]
        >>> span_f1(span_votes, texts, {"t1": 2, "t2": 3}, labels=labels)  # t1: 2 of 2; t2: 0 of 6
        0.25
        >>> span_f1(span_votes, texts, {"t1": 2, "t2": 3}, labels=labels, match="partial")  # t2: 4 of 6
        0.75
    """
    if match not in ("exact", "partial"):
        raise ValueError(f"match={match!r} is not one of 'exact', 'partial'")
    check_span_votes(span_votes, texts, labels=labels)
    submitted = check_annotator_counts(span_votes, n_annotators)  # tasks in pd.factorize order
    sums = _match_sums(span_votes, pd.factorize(span_votes[TASK])[0], submitted.to_numpy())
    return float(_f1_from_sums(sums.sum(axis=0, keepdims=True), 0 if match == "exact" else 1)[0])


def _per_task(series: pd.Series | None, tasks: pd.Index, name: str) -> npt.NDArray[Any] | None:
    """The value of ``series`` for every task, in ``tasks`` order."""
    if series is None:
        return None
    if not isinstance(series, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by task, got {type(series).__name__}")
    values = series.reindex(tasks)
    if values.isna().any():
        missing = list(tasks[values.isna().to_numpy()][:5])
        raise KeyError(f"{name} has no value for {int(values.isna().sum())} task(s) of votes, e.g. {missing}")
    array: npt.NDArray[Any] = values.to_numpy()
    return array


def agreement_report(
    votes: pd.DataFrame,
    span_votes: pd.DataFrame,
    texts: Mapping[Hashable, str],
    *,
    labels: Sequence[Hashable],
    span_labels: Sequence[str],
    groups: pd.Series | None = None,
    clusters: pd.Series | None = None,
    min_clusters: int = 30,
    n_boot: int = 1000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Every agreement figure of a release, each with a bootstrap interval.

    The annotators of a task are those with a stance vote on it, and the tasks with two or more
    of them are pairable. Rows (column ``measure``, then ``by``/``level``):

    - ``stance_alpha``: ``krippendorff_alpha`` of the stance votes, ``all``; then one-vs-rest per
      label (``by="label"``, as ``alpha_per_label``); then per group (``by=groups.name``, or
      ``"group"``), each group resampled on its own.
    - ``token_alpha``: ``token_alpha`` of the spans.
    - ``span_f1_exact``, ``span_f1_partial``: ``span_f1`` of the spans.

    The ``all`` figures share their resamples. A resample draws pairable tasks with replacement,
    or, with ``clusters``, whole clusters (e.g. articles, whose sentences are not independent)
    when the scope has at least ``min_clusters`` of them; fewer clusters give too few distinct
    resamples, so tasks are drawn then. Column ``unit`` says which.

    Args:
        votes: Stance votes, columns ``task, worker, label``.
        span_votes: Span votes, columns ``task, worker, start, end, text, label``; every span's
            annotator must have a stance vote on its task.
        texts: The sentence of every task of ``votes`` (a mapping or an ``annotation.spans.TokenIndex``).
        labels: The stance labels in schema order.
        span_labels: The span labels in schema order.
        groups: The group (e.g. split) of every task of ``votes``, indexed by task.
        clusters: The cluster (e.g. article) of every task of ``votes``, indexed by task.
        min_clusters: The fewest clusters in a scope for resampling clusters.
        n_boot: Bootstrap replicates.
        confidence: Coverage of the intervals.
        random_state: Seed or ``numpy.random.Generator``. With the same seed and tasks resampled,
            the ``all`` stance interval equals ``bootstrap_alpha``'s.

    Returns:
        One row per figure with columns ``measure, by, level, value, low, high, tasks`` (the
        pairable tasks in the scope) and ``unit`` (``"task"``, or ``clusters.name`` or
        ``"cluster"``); ``nan`` where undefined.

    Raises:
        KeyError: A column is missing, ``texts`` lacks a task, or ``groups``/``clusters`` lack a task.
        TypeError: ``groups`` or ``clusters`` is not a Series.
        AggregateError: As for ``krippendorff_alpha``; a span by an annotator without a stance
            vote on its task.
        SpanError: As for ``annotation.spans.check_span_votes``.
        ValueError: ``min_clusters`` is not an integer >= 2, ``n_boot`` or ``confidence`` is invalid.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...                       "worker": ["w1", "w2", "w3"] * 2,
        ...                       "label": ["favor", "favor", "favor", "against", "against", "favor"]})
        >>> span_votes = pd.DataFrame({"task": ["t1", "t1"], "worker": ["w1", "w2"], "start": [4, 4],
        ...                            "end": [10, 10], "text": ["regime"] * 2, "label": ["loaded-negative"] * 2})
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> report = agreement_report(votes, span_votes, texts, labels=["favor", "against"],
        ...                           span_labels=["loaded-negative"], n_boot=100)
        >>> report[["measure", "by", "level", "value", "tasks", "unit"]].round(3)
                   measure     by    level  value  tasks  unit
        0     stance_alpha    all      all  0.375      2  task
        1     stance_alpha  label    favor  0.375      2  task
        2     stance_alpha  label  against  0.375      2  task
        3      token_alpha    all      all  0.480      2  task
        4    span_f1_exact    all      all  0.500      2  task
        5  span_f1_partial    all      all  0.500      2  task
    """
    _check_bootstrap(n_boot, confidence)
    if isinstance(min_clusters, bool) or not isinstance(min_clusters, (int, np.integer)) or min_clusters < 2:
        raise ValueError(f"min_clusters={min_clusters!r} must be an integer >= 2")
    encoded = _encoded_votes(votes, labels)
    counts = encoded.counts()
    tasks = pd.Index(encoded.tasks, dtype=object, name=TASK)
    group_of = _per_task(groups, tasks, "groups")
    cluster_of = _per_task(clusters, tasks, "clusters")
    submitted = counts.sum(axis=1)
    index = index_tokens(texts if isinstance(texts, TokenIndex) else {task: texts[task] for task in tasks if task in texts})
    no_text = tasks[index.tasks.get_indexer(tasks) < 0]
    if len(no_text):
        raise KeyError(f"texts has no sentence for {len(no_text)} task(s) of votes, e.g. {list(no_text[:5])}")
    _, positions = check_span_votes(span_votes, index, labels=span_labels)
    span_task = tasks.get_indexer(span_votes[TASK])
    workers = pd.Index(pd.unique(votes[WORKER]), dtype=object)
    voted = np.unique(encoded.task_codes * len(workers) + workers.get_indexer(votes[WORKER]))
    span_worker = workers.get_indexer(span_votes[WORKER])
    unvoted = (span_task < 0) | (span_worker < 0) | ~np.isin(span_task * len(workers) + span_worker, voted)
    if unvoted.any():
        first = span_votes.loc[unvoted, [TASK, WORKER]].iloc[0].tolist()
        raise AggregateError(
            f"span_votes has {int(unvoted.sum())} span(s) by annotators without a stance vote on the task, "
            f"e.g. {first}; the annotators of a task are those who gave a stance: drop those spans"
        )
    n_labels = len(encoded.labels)
    stance = _unit_sums(counts)
    columns = np.hstack([
        stance, _per_label_sums(counts),
        _token_sums(span_votes, index, positions, tasks, submitted, span_labels),
        _match_sums(span_votes, span_task, submitted),
    ])

    def statistic(sums: FloatArray) -> FloatArray:
        spans = sums[:, 2 + 2 * n_labels :]  # token sums, then the three span-match sums
        return np.column_stack([
            _alpha_from_sums(sums[:, : 2 + n_labels]),
            _per_label_alpha(sums[:, 0], sums[:, 2 + n_labels : 2 + 2 * n_labels], sums[:, 2 : 2 + n_labels]),
            _alpha_from_sums(spans[:, :-3]),
            _f1_from_sums(spans[:, -3:], 0),
            _f1_from_sums(spans[:, -3:], 1),
        ])

    def stance_alpha(sums: FloatArray) -> FloatArray:
        return _alpha_from_sums(sums[:, : 2 + n_labels])[:, None]

    cluster_name = "cluster" if clusters is None or clusters.name is None else str(clusters.name)
    rng = np.random.default_rng(random_state)

    def estimate(scope: npt.NDArray[np.bool_], measure: Statistic) -> tuple[FloatArray, FloatArray, FloatArray, str]:
        rows = columns[scope]
        value = measure(rows.sum(axis=0, keepdims=True))[0]
        unit = "task"
        if cluster_of is not None:
            code, uniques = pd.factorize(cluster_of[scope])
            if len(uniques) >= min_clusters:
                rows = np.stack([np.bincount(code, weights=column, minlength=len(uniques)) for column in rows.T], axis=1)
                unit = cluster_name
        low, high = _bootstrap(rows, measure, n_boot, confidence, rng)
        return value, low, high, unit

    pairable = submitted >= 2
    value, low, high, unit = estimate(pairable, statistic)
    n_units = int(pairable.sum())
    keys = [("stance_alpha", "all", "all")] + [("stance_alpha", "label", label) for label in encoded.labels]
    keys += [("token_alpha", "all", "all"), ("span_f1_exact", "all", "all"), ("span_f1_partial", "all", "all")]
    rows = [(*key, value[i], low[i], high[i], n_units, unit) for i, key in enumerate(keys)]
    if group_of is not None:
        by = "group" if groups is None or groups.name is None else str(groups.name)
        for level in pd.unique(group_of[pairable]):
            scope = pairable & (group_of == level)
            value, low, high, unit = estimate(scope, stance_alpha)
            rows.append(("stance_alpha", by, level, value[0], low[0], high[0], int(scope.sum()), unit))
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
