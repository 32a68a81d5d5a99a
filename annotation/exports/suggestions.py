"""Suggestions measured: what each annotator did with the spans and the stance Label Studio pre-filled for them.

A *suggestion* is one region of a pre-annotation (a Label Studio "prediction", e.g. the lexicon's,
``model_version`` ``lexicon-v1``, or a model's from ``annotation suggest``) that Label Studio showed
an annotator: a *span suggestion* is a region of the scheme's span control, a *stance suggestion*
the region of its stance control (a ``choices`` region, one per prediction). Which ones were shown
is read from the raw export, which is the record (``annotation.raw``; nothing else is stored):

- ``annotation["prediction"]``: Label Studio (1.23) stores on every submitted annotation the
  prediction of the project's model version at submission time, the one its editor pre-fills. When
  it holds a ``result``, its regions are the suggestions of that annotation;
- otherwise (an annotation without it, e.g. from another tool), the regions of every task
  prediction exported inline with its ``result``: one span suggestion per ``(start, end, label)``,
  one stance suggestion per ``(stance, model_version)``. (Label Studio's own snapshot export lists a
  task's predictions by id only.)

Each suggestion carries the ``model_version`` of the prediction that made it (joined with ``,``
when several predictions suggested the same span), so every outcome is attributable to a model.
Suggestions are read for the annotations ``to_votes`` keeps (submitted, not cancelled; one per
annotator and task, the most recently updated; the same policies as the votes), checked like the
votes (``reader.read_span``, ``reader.stance_in``), and land in ``Votes.suggestions``
(``records.SUGGESTION_COLUMNS``) and ``Votes.stance_suggestions`` (``records.STANCE_SUGGESTION_COLUMNS``,
with the model's ``score``: the region's, else the prediction's). A malformed one is dropped and
listed (``bad_suggestion``, ``bad_stance_suggestion``); the vote stays.

A deleted span suggestion leaves no trace in the annotation, so each span outcome compares a
suggestion ``(start, end, label)`` with the spans the same annotator submitted on the same task
(``Votes.spans``; offsets are code points, end exclusive; two spans overlap when they share a
character, ``start < other_end and other_start < end``):

- ``accepted``: a submitted span has the same start, end and label (whether the annotator kept the
  pre-filled region or drew the same one again: the export cannot tell them apart);
- ``changed``: no such span, but one overlaps it (other bounds, or the same bounds with another label);
- ``rejected``: no submitted span overlaps it.

A stance outcome compares the suggested stance with the stance the annotator submitted
(``Votes.annotations``): ``accepted`` when they are equal, ``changed`` otherwise. A stance is
never ``rejected``: a vote always has one, and a skipped (cancelled) annotation is no vote and has
no outcomes.

An annotator's acceptance rate is accepted / suggestions, per kind, and per model version
(``outcome_summary``). The lexicon's precision and recall against the release's aggregated spans
(``suggestion_scores``) use the distinct span suggestions of each task, ``(task, start, end,
label)`` over its annotators.

Cost: span outcomes sort each annotation's spans once and look each suggestion up with one binary
search in the prefix maxima of their ends: O((S + P) log k) for S suggestions and P spans, k the
largest number of spans of one annotation on one task; nothing is compared pairwise. Stance
outcomes are one join on (task, annotator).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import accumulate
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from annotation.exports.reader import is_int, read_span, stance_in
from annotation.records import (
    LABEL,
    OUTCOME_COLUMNS,
    OUTCOMES,
    STANCE_OUTCOME_COLUMNS,
    STANCE_SUGGESTION_COLUMNS,
    SUGGESTION_COLUMNS,
    TASK,
    WORKER,
    check_columns,
)
from annotation.schema import Schema

__all__ = [
    "SpanSuggestion",
    "StanceSuggestion",
    "suggested_regions",
    "suggestion_outcomes",
    "stance_outcomes",
    "outcome_summary",
    "suggestion_scores",
]

_MISSING_KEY = "(none)"  # how outcome_summary groups a missing value, e.g. a prediction without a model_version


class SpanSuggestion(NamedTuple):
    """A suggested span as ``Votes.suggestions`` holds it (less the annotation's keys)."""

    start: int
    end: int
    text: str
    label: str
    model_version: str | None


class StanceSuggestion(NamedTuple):
    """A suggested stance as ``Votes.stance_suggestions`` holds it (less the annotation's keys)."""

    label: str
    score: float | None
    model_version: str | None


def _predictions_shown(prediction: Any, task_predictions: Any) -> list[Mapping[str, Any]]:
    """The predictions whose regions an annotation was shown (see the module docstring)."""
    if isinstance(prediction, Mapping) and isinstance(prediction.get("result"), list):
        return [prediction]
    return [p for p in task_predictions or [] if isinstance(p, Mapping) and isinstance(p.get("result"), list)]


def _score(shown: Mapping[str, Any], schema: Schema) -> float | None:
    """The score of the prediction's stance: its stance region's, else the prediction's; None without one."""
    region = next(r for r in shown["result"] if isinstance(r, Mapping) and r.get("from_name") == schema.stance_name)
    score = next((s for s in (region.get("score"), shown.get("score")) if is_int(s) or isinstance(s, float)), None)
    return None if score is None else float(score)


def suggested_regions(
    prediction: Any, task_predictions: Any, text: str, schema: Schema
) -> tuple[list[SpanSuggestion], list[StanceSuggestion], list[tuple[str, str]]]:
    """The span and stance suggestions an annotation was shown, and the regions that could not be read.

    Args:
        prediction: The annotation's ``prediction`` field as exported (a dict, ``{}`` or missing).
        task_predictions: The task's ``predictions`` as exported (dicts with ``result``, or ids).
        text: The task's sentence.
        schema: The scheme; only regions of its span and stance controls are suggestions.

    Returns:
        ``(spans, stances, problems)``: the span suggestions once per ``(start, end, label)`` in the
        order given, each with the ``model_version`` of the predictions that made it (joined with
        ``,`` when several differ; None when they have none); the stance suggestions, one per
        prediction with a stance region (once per ``(stance, model_version)``); and a
        ``(votes.DROP_REASONS key, what is wrong)`` for each region that is malformed, outside the
        schema or off the sentence.

    Examples:
        >>> from annotation.schema import load_schema
        >>> region = {"from_name": "loaded", "value": {"start": 4, "end": 10, "text": "regime", "labels": ["loaded-negative"]}}
        >>> stance = {"from_name": "stance", "type": "choices", "value": {"choices": ["favor"]}, "score": 0.61}
        >>> spans, stances, problems = suggested_regions({"model_version": "m-v1", "result": [stance, region, region]}, [7],
        ...                                              "The regime fell.", load_schema())
        >>> spans, stances, problems
        ([SpanSuggestion(start=4, end=10, text='regime', label='loaded-negative', model_version='m-v1')], [StanceSuggestion(label='favor', score=0.61, model_version='m-v1')], [])
        >>> suggested_regions({}, [{"model_version": "lexicon-v1", "result": [region]}], "The regime fell.", load_schema())[0]
        [SpanSuggestion(start=4, end=10, text='regime', label='loaded-negative', model_version='lexicon-v1')]
    """
    spans: dict[tuple[int, int, str], tuple[tuple[int, int, str, str], list[str]]] = {}
    stances: dict[tuple[str, str | None], StanceSuggestion] = {}
    problems = []
    for shown in _predictions_shown(prediction, task_predictions):
        version = None if shown.get("model_version") is None else str(shown["model_version"])
        for region in shown["result"]:
            if isinstance(region, Mapping) and region.get("from_name") == schema.span_name:
                span, problem = read_span(region.get("value"), text, schema)
                if span is None:
                    problems.append(("bad_suggestion", problem))
                else:
                    versions = spans.setdefault((span[0], span[1], span[3]), (span, []))[1]
                    if version is not None and version not in versions:
                        versions.append(version)
        stance, problem = stance_in(shown["result"], schema)
        if stance is not None:
            stances.setdefault((stance, version), StanceSuggestion(stance, _score(shown, schema), version))
        elif problem is not None and problem[0] == "bad_stance":
            problems.append(("bad_stance_suggestion", problem[1]))
    span_suggestions = [SpanSuggestion(*span, ",".join(versions) or None) for span, versions in spans.values()]
    return span_suggestions, list(stances.values()), problems


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


def stance_outcomes(stance_suggestions: pd.DataFrame, annotations: pd.DataFrame) -> pd.DataFrame:
    """What each annotator did with each suggested stance: ``accepted`` (they submitted it) or ``changed``.

    Args:
        stance_suggestions: ``Votes.stance_suggestions`` (``records.STANCE_SUGGESTION_COLUMNS``).
        annotations: ``Votes.annotations``: each annotator's stance (``label``), one per task.

    Returns:
        ``stance_suggestions`` in the same order with ``submitted`` (the annotator's stance) and
        ``outcome`` (``records.STANCE_OUTCOME_COLUMNS``).

    Raises:
        MissingColumnsError: A frame lacks a column.
        ValueError: A suggestion's annotator has no vote on its task in ``annotations`` (the two
            frames are not from the same ``Votes``).

    Examples:
        >>> suggested = pd.DataFrame({"task": "t", "worker": ["w1", "w2"], "label": "favor", "score": 0.6,
        ...                           "ls_annotation_id": [1, 2], "model_version": "m"})
        >>> voted = pd.DataFrame({"task": "t", "worker": ["w1", "w2"], "label": ["favor", "against"]})
        >>> stance_outcomes(suggested, voted)[["worker", "submitted", "outcome"]].values.tolist()
        [['w1', 'favor', 'accepted'], ['w2', 'against', 'changed']]
    """
    check_columns(stance_suggestions, STANCE_SUGGESTION_COLUMNS, "stance suggestions")
    check_columns(annotations, (TASK, WORKER, LABEL), "annotations")
    votes = annotations[[TASK, WORKER, LABEL]].rename(columns={LABEL: "submitted"})
    table = stance_suggestions.merge(votes, on=[TASK, WORKER], how="left", validate="many_to_one")
    missing = table.loc[table["submitted"].isna(), [TASK, WORKER]].drop_duplicates()
    if len(missing):
        raise ValueError(f"stance suggestions of {len(missing)} annotation(s) with no vote in annotations, "
                         f"e.g. {missing.iloc[0].tolist()}; pass the annotations of the same Votes")
    outcome = np.where(table["submitted"] == table[LABEL], OUTCOMES[0], OUTCOMES[1])
    return table.assign(outcome=pd.Series(outcome, index=table.index, dtype=object))[list(STANCE_OUTCOME_COLUMNS)]


def outcome_summary(outcomes: pd.DataFrame, by: Sequence[str] = (WORKER,), annotations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts of each outcome and the acceptance rate, per ``by`` (annotator, label, model version, or several).

    Spans and stance are summarised separately, each from its own outcomes.

    Args:
        outcomes: From ``suggestion_outcomes`` or ``stance_outcomes``.
        by: The columns to group by, e.g. ``["worker"]``, ``["label"]``, ``["model_version"]`` or
            ``["worker", "model_version"]``; a missing value (a prediction without a model version)
            is grouped as ``(none)``.
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
        >>> outcome_summary(outcomes.assign(model_version=["m1", None, "m1"]), by=["model_version"])["suggestions"].to_dict()
        {'(none)': 1, 'm1': 2}
    """
    by = list(by)
    check_columns(outcomes, (*by, "outcome"), "outcomes")
    keys = [outcomes[c].astype(object).where(outcomes[c].notna(), _MISSING_KEY) for c in by]
    counts = pd.crosstab(keys, outcomes["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
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
