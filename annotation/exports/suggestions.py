"""Suggestions measured: what each annotator did with the spans Label Studio pre-filled for them.

A *suggestion* is one span region of a pre-annotation (a Label Studio "prediction", e.g. the
lexicon's, ``model_version`` ``lexicon-v1``) that Label Studio showed an annotator. Which ones were
shown is read from the raw export, which is the record (``annotation.raw``; nothing else is stored):

- ``annotation["prediction"]``: Label Studio (1.23) stores on every submitted annotation the
  prediction of the project's model version at submission time, the one its editor pre-fills. When
  it holds a ``result``, its span regions are the suggestions of that annotation;
- otherwise (an annotation without it, e.g. from another tool), the span regions of every task
  prediction exported inline with its ``result``, one region per ``(start, end, label)``. (Label
  Studio's own snapshot export lists a task's predictions by id only.)

Suggestions are read for the annotations ``to_votes`` keeps (submitted, not cancelled; one per
annotator and task, the most recently updated; the same policies as the votes), checked like the
spans (``reader.read_span``), and land in ``Votes.suggestions`` (``records.SUGGESTION_COLUMNS``).

A deleted suggestion leaves no trace in the annotation, so each outcome compares a suggestion
``(start, end, label)`` with the spans the same annotator submitted on the same task
(``Votes.spans``; offsets are code points, end exclusive; two spans overlap when they share a
character, ``start < other_end and other_start < end``):

- ``accepted``: a submitted span has the same start, end and label (whether the annotator kept the
  pre-filled region or drew the same one again: the export cannot tell them apart);
- ``changed``: no such span, but one overlaps it (other bounds, or the same bounds with another label);
- ``rejected``: no submitted span overlaps it.

An annotator's acceptance rate is accepted / suggestions. The lexicon's precision and recall
against the release's aggregated spans (``suggestion_scores``) use the distinct suggestions of each
task, ``(task, start, end, label)`` over its annotators.

Cost: outcomes sort each annotation's spans once and look each suggestion up with one binary
search in the prefix maxima of their ends: O((S + P) log k) for S suggestions and P spans, k the
largest number of spans of one annotation on one task; nothing is compared pairwise.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import accumulate
from typing import Any

import pandas as pd

from annotation.exports.reader import read_span
from annotation.records import LABEL, OUTCOME_COLUMNS, OUTCOMES, SUGGESTION_COLUMNS, TASK, WORKER, check_columns
from annotation.schema import Schema

__all__ = ["suggested_regions", "suggestion_outcomes", "outcome_summary", "suggestion_scores"]

_Region = tuple[int, int, str, str]  # start, end, sentence[start:end], label


def _predictions_shown(prediction: Any, task_predictions: Any) -> list[Mapping[str, Any]]:
    """The predictions whose span regions an annotation was shown (see the module docstring)."""
    if isinstance(prediction, Mapping) and isinstance(prediction.get("result"), list):
        return [prediction]
    return [p for p in task_predictions or [] if isinstance(p, Mapping) and isinstance(p.get("result"), list)]


def suggested_regions(
    prediction: Any, task_predictions: Any, text: str, schema: Schema
) -> tuple[list[_Region], str | None, list[str]]:
    """The span suggestions an annotation was shown, what made them, and the regions that could not be read.

    Args:
        prediction: The annotation's ``prediction`` field as exported (a dict, ``{}`` or missing).
        task_predictions: The task's ``predictions`` as exported (dicts with ``result``, or ids).
        text: The task's sentence.
        schema: The scheme; only regions of its span control are suggestions.

    Returns:
        ``(regions, model_version, problems)``: the regions ``(start, end, sentence[start:end],
        label)`` once per ``(start, end, label)`` in the order given; the ``model_version`` of the
        predictions read (joined with ``,`` when several differ; None when there are none); and what
        is wrong with each region that is malformed, outside the schema or off the sentence.

    Examples:
        >>> from annotation.schema import load_schema
        >>> region = {"from_name": "loaded", "value": {"start": 4, "end": 10, "text": "regime", "labels": ["loaded-negative"]}}
        >>> suggested_regions({"model_version": "lexicon-v1", "result": [region, region]}, [7], "The regime fell.", load_schema())
        ([(4, 10, 'regime', 'loaded-negative')], 'lexicon-v1', [])
        >>> suggested_regions({}, [{"model_version": "m", "result": [region]}], "The regime fell.", load_schema())[0]
        [(4, 10, 'regime', 'loaded-negative')]
    """
    predictions = _predictions_shown(prediction, task_predictions)
    regions: dict[tuple[int, int, str], _Region] = {}
    problems = []
    for shown in predictions:
        for region in shown["result"]:
            if not isinstance(region, Mapping) or region.get("from_name") != schema.span_name:
                continue
            span, problem = read_span(region.get("value"), text, schema)
            if span is None:
                problems.append(problem)
            else:
                regions.setdefault((span[0], span[1], span[3]), span)
    versions = list(dict.fromkeys(str(p["model_version"]) for p in predictions if p.get("model_version") is not None))
    return list(regions.values()), ",".join(versions) or None, problems


def _reach(spans: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Starts in order and the running maximum of the ends: what ``_overlaps`` searches."""
    ordered = sorted(spans)
    return [s for s, _ in ordered], list(accumulate((e for _, e in ordered), max))


def _overlaps(reach: tuple[list[int], list[int]] | None, start: int, end: int) -> bool:
    """Whether a span of ``reach`` shares a character with ``start..end``: among the spans that
    start before ``end``, the furthest end passes ``start``. One binary search."""
    if reach is None:
        return False
    i = bisect_left(reach[0], end)
    return i > 0 and reach[1][i - 1] > start


def suggestion_outcomes(suggestions: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """What each annotator did with each suggestion: ``accepted``, ``changed`` or ``rejected``.

    Args:
        suggestions: ``Votes.suggestions`` (``records.SUGGESTION_COLUMNS``): the suggestions shown
            to each kept annotation.
        spans: ``Votes.spans``: the spans each annotator submitted (one annotation per annotator and task).

    Returns:
        ``suggestions`` with an ``outcome`` column (``records.OUTCOME_COLUMNS``), same rows and order.

    Raises:
        MissingColumnsError: A frame lacks a column.

    Examples:
        >>> suggested = pd.DataFrame({"task": "t", "worker": ["w1", "w1", "w1", "w2"], "start": [0, 10, 20, 0],
        ...     "end": [5, 15, 25, 5], "text": "", "label": "x", "ls_annotation_id": 1, "model_version": "m"})
        >>> marked = pd.DataFrame({"task": "t", "worker": ["w1", "w1"], "start": [0, 12], "end": [5, 18], "label": "x"})
        >>> suggestion_outcomes(suggested, marked)["outcome"].tolist()
        ['accepted', 'changed', 'rejected', 'rejected']
    """
    check_columns(suggestions, SUGGESTION_COLUMNS, "suggestions")
    check_columns(spans, (TASK, WORKER, "start", "end", LABEL), "spans")
    exact: set[tuple[Hashable, ...]] = set()
    bounds: dict[tuple[Hashable, Hashable], list[tuple[int, int]]] = {}
    for task, worker, start, end, label in spans[[TASK, WORKER, "start", "end", LABEL]].itertuples(index=False):
        exact.add((task, worker, int(start), int(end), label))
        bounds.setdefault((task, worker), []).append((int(start), int(end)))
    reach = {key: _reach(pairs) for key, pairs in bounds.items()}
    outcomes = []
    for task, worker, start, end, label in suggestions[[TASK, WORKER, "start", "end", LABEL]].itertuples(index=False):
        if (task, worker, int(start), int(end), label) in exact:
            outcomes.append(OUTCOMES[0])
        elif _overlaps(reach.get((task, worker)), int(start), int(end)):
            outcomes.append(OUTCOMES[1])
        else:
            outcomes.append(OUTCOMES[2])
    return suggestions.assign(outcome=pd.Series(outcomes, index=suggestions.index, dtype=object))[list(OUTCOME_COLUMNS)]


def outcome_summary(outcomes: pd.DataFrame, by: Sequence[str] = (WORKER,), annotations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts of each outcome and the acceptance rate, per ``by`` (annotator, label, or both).

    Args:
        outcomes: From ``suggestion_outcomes``.
        by: The columns to group by, e.g. ``["worker"]``, ``["label"]`` or ``["worker", "label"]``.
        annotations: ``Votes.annotations``; when given and ``by`` holds ``worker``, a ``synthetic``
            column flags simulated annotators (as ``to_votes`` does: an ``@synthetic.invalid`` account).

    Returns:
        A frame indexed by ``by`` (sorted) with ``suggestions``, ``accepted``, ``changed``,
        ``rejected`` and ``acceptance_rate`` (accepted / suggestions).

    Examples:
        >>> outcomes = pd.DataFrame({"worker": ["w1", "w1", "w2"], "label": ["x", "y", "x"],
        ...                          "outcome": ["accepted", "rejected", "changed"]})
        >>> table = outcome_summary(outcomes)
        >>> table.loc["w1", ["suggestions", "accepted", "changed", "rejected"]].tolist(), float(table.loc["w1", "acceptance_rate"])
        ([2, 1, 0, 1], 0.5)
        >>> float(outcome_summary(outcomes, by=["label"]).loc["x", "acceptance_rate"])
        0.5
    """
    by = list(by)
    check_columns(outcomes, (*by, "outcome"), "outcomes")
    counts = pd.crosstab([outcomes[c] for c in by], outcomes["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
    counts.columns.name = None
    table = counts.astype(int)
    table.insert(0, "suggestions", table.sum(axis=1))
    table["acceptance_rate"] = table["accepted"] / table["suggestions"]
    if annotations is not None and WORKER in by:
        synthetic = annotations.groupby(WORKER)["synthetic"].any()
        table["synthetic"] = table.index.get_level_values(WORKER).map(synthetic).fillna(False).astype(bool)
    return table.sort_index()


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _scores(suggested: pd.DataFrame, aggregated: pd.DataFrame) -> dict[str, Any]:
    """Exact and overlap precision/recall of distinct ``suggested`` against ``aggregated`` spans (task, start, end, label)."""
    keys = [TASK, "start", "end", LABEL]
    s_keys = set(suggested[keys].itertuples(index=False, name=None))
    a_keys = set(aggregated[keys].itertuples(index=False, name=None))
    both = len(s_keys & a_keys)

    def reach_of(keys_: set[tuple[Any, ...]]) -> dict[tuple[Any, Any], tuple[list[int], list[int]]]:
        grouped: dict[tuple[Any, Any], list[tuple[int, int]]] = {}
        for task, start, end, label in keys_:
            grouped.setdefault((task, label), []).append((int(start), int(end)))
        return {key: _reach(pairs) for key, pairs in grouped.items()}

    s_reach, a_reach = reach_of(s_keys), reach_of(a_keys)
    s_hit = sum(_overlaps(a_reach.get((t, lab)), int(s), int(e)) for t, s, e, lab in s_keys)
    a_hit = sum(_overlaps(s_reach.get((t, lab)), int(s), int(e)) for t, s, e, lab in a_keys)
    return {
        "suggested": len(s_keys), "aggregated": len(a_keys),
        "exact": {"matched": both, "precision": _ratio(both, len(s_keys)), "recall": _ratio(both, len(a_keys))},
        "overlap": {"matched_suggestions": s_hit, "matched_aggregated": a_hit,
                    "precision": _ratio(s_hit, len(s_keys)), "recall": _ratio(a_hit, len(a_keys))},
    }


def suggestion_scores(suggestions: pd.DataFrame, aggregated: pd.DataFrame, labels: Sequence[str]) -> dict[str, Any]:
    """Precision and recall of the suggestions against the aggregated spans, overall and per label.

    The suggestions of a task are its distinct ``(task, start, end, label)`` over its annotators.
    ``exact``: a suggestion matches an aggregated span with the same task, start, end and label;
    precision = matched / suggested, recall = matched / aggregated. ``overlap``: a suggestion counts
    for precision when it shares a character with an aggregated span of the same task and label,
    and an aggregated span counts for recall when it shares one with such a suggestion. A ratio
    over nothing is None.

    Args:
        suggestions: ``Votes.suggestions``.
        aggregated: The consensus spans (``records.SPAN_COLUMNS``), e.g. ``Aggregated.spans``.
        labels: The span labels in schema order (the keys of ``labels`` in the result).

    Examples:
        >>> suggested = pd.DataFrame({"task": "t", "worker": ["w1", "w2", "w1"], "start": [0, 0, 10], "end": [5, 5, 15],
        ...                           "label": "x"})
        >>> agreed = pd.DataFrame({"task": "t", "start": [0, 12, 30], "end": [5, 18, 35], "label": "x"})
        >>> scores = suggestion_scores(suggested, agreed, ["x"])
        >>> scores["exact"], scores["overlap"]["precision"], scores["overlap"]["recall"]
        ({'matched': 1, 'precision': 0.5, 'recall': 0.3333}, 1.0, 0.6667)
    """
    check_columns(suggestions, (TASK, "start", "end", LABEL), "suggestions")
    check_columns(aggregated, (TASK, "start", "end", LABEL), "aggregated spans")
    overall = _scores(suggestions, aggregated)
    overall["labels"] = {label: _scores(suggestions[suggestions[LABEL] == label], aggregated[aggregated[LABEL] == label])
                         for label in labels}
    return overall
