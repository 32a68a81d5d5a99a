"""The disagreement queue: send the least-agreed tasks back to Label Studio for adjudication.

A task goes to review when its stance votes tie or when no label reaches ``below`` of the votes.
The review task shows the sentence as annotators saw it and every annotator's label (by pseudonym);
the reviewer's choice becomes the gold label, recorded as adjudicated in the release.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from annotation.aggregate import MajorityVote
from annotation.exports import parse_timestamp
from annotation.records import LABEL, TASK, WORKER
from annotation.schema import Schema

__all__ = ["select_for_review", "review_tasks", "adjudications"]


def select_for_review(votes: pd.DataFrame, *, labels: Sequence[str], below: float = 0.5) -> pd.Series:
    """Tasks to adjudicate, with the reason, ordered from least to most agreement.

    Args:
        votes: ``task, worker, label`` rows (the build's ``stance_votes``).
        labels: The stance labels in schema order.
        below: A task whose top label has less than this share of the votes is selected; ties
            always are.

    Returns:
        A Series indexed by task: ``"tie"`` or ``"top label has 40% of the votes"``.

    Examples:
        >>> votes = pd.DataFrame({"task": ["a"] * 3 + ["b"] * 3, "worker": ["w1", "w2", "w3"] * 2,
        ...                       "label": ["favor", "against", "neutral", "favor", "favor", "against"]})
        >>> select_for_review(votes, labels=["favor", "against", "neutral", "unrelated"]).to_dict()
        {'a': 'tie'}
    """
    model = MajorityVote(tie_break="first", labels=list(labels)).fit(votes[[TASK, WORKER, LABEL]])
    top = model.probas_.max(axis=1)
    reasons = pd.Series(
        [f"top label has {share:.0%} of the votes" for share in top], index=top.index, name="reason", dtype=object
    )
    reasons[reasons.index.isin(model.ties_)] = "tie"
    selected = reasons[reasons.index.isin(model.ties_) | (top < below).to_numpy()]
    return selected.loc[top.loc[selected.index].sort_values(kind="stable").index]


def review_tasks(tasks: pd.DataFrame, votes: pd.DataFrame, selected: pd.Series) -> list[dict[str, Any]]:
    """Label Studio tasks for the selected tasks: their data plus every annotator's label."""
    by_task = tasks.set_index(TASK)
    out = []
    for task, group in votes[votes[TASK].isin(selected.index)].groupby(TASK, sort=False):
        info = by_task.loc[task]
        summary = " · ".join(f"{w}: {label}" for w, label in sorted(zip(group[WORKER], group[LABEL])))
        data = {key: info[key] for key in ("text", "target", "headline", "sentence_id", "article_id") if key in info}
        out.append({"data": {**data, "task_key": task, "votes": f"{summary} ({selected[task]})"}})
    return out


def adjudications(
    export: list[dict[str, Any]], schema: Schema, *, source: str = "review export"
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Task key → adjudicated stance: the most recently updated non-cancelled review annotation.

    A review annotation that cannot be read (a label outside the schema, an ``updated_at`` that
    is not an ISO 8601 time, a task without its key) is skipped and reported, never the reason a
    build stops.

    Returns:
        The decisions, and one integrity row (``exports.INTEGRITY_COLUMNS``, issue
        ``bad_adjudication``) per review annotation skipped.

    Examples:
        >>> from annotation.schema import load_schema
        >>> task = {"id": 1, "data": {"task_key": "a-0001|T"}, "annotations": [
        ...     {"id": 1, "updated_at": "2026-01-01T10:00:00Z", "result": [{"from_name": "stance", "value": {"choices": ["favor"]}}]},
        ...     {"id": 2, "updated_at": "2026-01-01T11:00:00Z", "result": [{"from_name": "stance", "value": {"choices": ["maybe"]}}]}]}
        >>> decided, skipped = adjudications([task], load_schema())
        >>> decided, [row["reason"] for row in skipped]
        ({'a-0001|T': 'favor'}, ["review export: task 1, annotation 2: ['maybe'] is not one of ['favor', 'against', 'neutral', 'unrelated']"])
    """
    decided: dict[str, tuple[datetime, str]] = {}
    skipped: list[dict[str, Any]] = []
    for task in export:
        key = (task.get("data") or {}).get("task_key")
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                continue
            where = f"{source}: task {task['id']}, annotation {annotation.get('id')}"
            for region in annotation.get("result") or []:
                if region.get("from_name") != schema.stance_name:
                    continue
                choice = (region.get("value") or {}).get("choices") or []
                problem = None
                if key is None:
                    problem = "the review task has no task_key"
                elif len(choice) != 1 or choice[0] not in schema.stance_names:
                    problem = f"{choice} is not one of {schema.stance_names}"
                else:
                    try:
                        stamp = parse_timestamp(annotation.get("updated_at"))
                    except ValueError as err:
                        problem = f"updated_at {err}"
                if problem is not None:
                    skipped.append({TASK: key, WORKER: None, "ls_task_id": task["id"], "ls_annotation_id": annotation.get("id"),
                                    "issue": "bad_adjudication", "reason": f"{where}: {problem}",
                                    "action": "dropped the review annotation"})
                    continue
                if key not in decided or stamp >= decided[key][0]:
                    decided[key] = (stamp, choice[0])
    return {key: label for key, (_, label) in decided.items()}, skipped
