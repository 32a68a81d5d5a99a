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
from annotation.exports import ExportError, parse_timestamp
from annotation.schema import LABEL, TASK, WORKER, Schema

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


def adjudications(export: list[dict[str, Any]], schema: Schema, *, source: str = "review export") -> dict[str, str]:
    """Task key → adjudicated stance: the most recently updated non-cancelled review annotation.

    Raises:
        ExportError: A review annotation's label is not in the schema, or its ``updated_at`` is
            not an ISO 8601 time.
    """
    decided: dict[str, tuple[datetime, str]] = {}
    for task in export:
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                continue
            where = f"{source}: task {task['id']}, annotation {annotation.get('id')}"
            for region in annotation.get("result") or []:
                if region.get("from_name") != schema.stance_name:
                    continue
                choice = (region.get("value") or {}).get("choices") or []
                if len(choice) != 1 or choice[0] not in schema.stance_names:
                    raise ExportError(f"{where}: {choice} is not one of {schema.stance_names}")
                try:
                    stamp = parse_timestamp(annotation.get("updated_at"))
                except ValueError as err:
                    raise ExportError(f"{where}: updated_at {err}") from None
                key = task["data"]["task_key"]
                if key not in decided or stamp >= decided[key][0]:
                    decided[key] = (stamp, choice[0])
    return {key: label for key, (_, label) in decided.items()}

