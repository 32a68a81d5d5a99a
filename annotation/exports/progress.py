"""Per-annotator progress of a campaign from its live export, for the curator (``annotation studio progress``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from annotation.exports.accuracy import gold_accuracy
from annotation.exports.reader import ExportError, user_id_of, vote_problem
from annotation.exports.suggestions import outcome_summary, stance_outcomes, suggestion_outcomes
from annotation.exports.votes import pseudonymize, to_votes
from annotation.schema import Schema, load_schema

__all__ = ["progress", "SUGGESTION_PROGRESS", "STANCE_PROGRESS", "GOLD_PROGRESS"]

SUGGESTION_PROGRESS = ("suggested", "accepted", "changed", "rejected", "acceptance_rate")
"""The columns ``progress`` adds about the suggestions (pre-filled spans) each annotator was shown."""
STANCE_PROGRESS = ("stance_suggested", "stance_accepted", "stance_changed", "stance_acceptance_rate")
"""The columns ``progress`` adds about the pre-filled stance each annotator was shown (never rejected:
a vote has a stance; ``exports.suggestions``)."""
GOLD_PROGRESS = ("gold_tasks", "gold_stance_accuracy", "gold_span_f1", "gold_token_f1")
"""The columns ``progress`` adds about the gold tasks (``exports.accuracy``): how many each annotator
answered, their stance accuracy, and their span F1 (exact match, and per token) on them."""
_SALT = "progress"  # pseudonyms made and mapped back to e-mails here; they never leave this function


def _vote_columns(export: list[dict[str, Any]], users: Mapping[int, str], schema: Schema) -> pd.DataFrame:
    """Per annotator e-mail: the span and stance suggestions of their kept annotations and their
    outcomes (``exports.suggestions``), and their accuracy on the gold tasks (``exports.accuracy``), the
    annotations picked as the build picks them (``to_votes``; every annotator kept, none dropped
    for the overlap)."""
    try:
        votes = to_votes(export, users, schema=schema, salt=_SALT, source="live export")
    except ExportError:  # two tasks share a key: the build will say so; the counts above still stand
        return pd.DataFrame(columns=[*SUGGESTION_PROGRESS, *STANCE_PROGRESS, *GOLD_PROGRESS])
    summary = outcome_summary(suggestion_outcomes(votes.suggestions, votes.spans))
    summary = summary.rename(columns={"suggestions": "suggested"})[list(SUGGESTION_PROGRESS)]
    stance = outcome_summary(stance_outcomes(votes.stance_suggestions, votes.annotations)).rename(columns={"suggestions": "suggested"})
    summary = summary.join(stance.add_prefix("stance_")[list(STANCE_PROGRESS)], how="outer")
    gold = gold_accuracy(votes, span_labels=schema.span_names).rename(columns=lambda c: c if c.startswith("gold_") else f"gold_{c}")
    email_of = {pseudonymize(email, _SALT): email for email in users.values()}
    return summary.join(gold[list(GOLD_PROGRESS)], how="outer").rename(index=email_of)


def progress(
    export: list[dict[str, Any]], users: Mapping[int, str], *, overlap: int, schema: Schema | None = None
) -> tuple[pd.DataFrame, int]:
    """Per-annotator progress for the curator, and the number of tasks short of ``overlap``.

    A ground-truth annotation (the gold of a gold task, ``exports.votes``) is nobody's work and no
    vote: it is not counted, and a gold task is short like any other. An annotation counts when it is a vote by ``vote_problem``, the predicate ``to_votes`` keeps
    annotations by, and once per annotator and task, as the build keeps one per annotator; so a
    task is short here exactly when the build will have fewer than ``overlap`` annotators on it
    (before its integrity checks: unknown users, edits by other users).

    Args:
        export: Tasks as exported (with annotations).
        users: Label Studio user id → e-mail.
        overlap: The annotators each task should get.
        schema: The scheme whose stance makes a vote; None reads the default scheme.

    Returns:
        A frame indexed by annotator e-mail with ``submitted`` (tasks with a vote of theirs),
        ``skipped`` (cancelled annotations), ``not_votes`` (other annotations that are no vote:
        without a stance or with one outside the schema) and ``median_lead_time_s`` over all
        their annotations (shown to the curator only, never written), then ``suggested`` (the
        pre-filled spans shown to their submitted annotations, one per annotator and task as the
        build keeps them), how many they ``accepted``, ``changed`` and ``rejected``
        (``exports.suggestions``) and their ``acceptance_rate`` (NaN with no suggestions); the same
        for the pre-filled stance (``stance_suggested``, ``stance_accepted``: they submitted it,
        ``stance_changed``: another, ``stance_acceptance_rate``); then
        ``gold_tasks`` (gold tasks they answered), ``gold_stance_accuracy``, ``gold_span_f1`` and
        ``gold_token_f1`` (``exports.accuracy``; NaN without gold tasks); and the count of tasks
        with votes by fewer than ``overlap`` annotators.

    Examples:
        >>> vote = {"completed_by": 2, "lead_time": 4.0, "result": [{"from_name": "stance", "value": {"choices": ["favor"]}}]}
        >>> tasks = [{"id": 1, "data": {}, "annotations": [vote, {"completed_by": 2, "result": None}]},
        ...          {"id": 2, "data": {}, "annotations": []}]
        >>> table, short = progress(tasks, {2: "a@x.org"}, overlap=1)
        >>> table.loc["a@x.org", ["submitted", "not_votes"]].tolist(), short
        ([1, 1], 1)
    """
    schema = load_schema() if schema is None else schema
    rows = []
    short = 0
    for task in export:
        voters = set()
        for annotation in task.get("annotations") or []:
            if annotation.get("ground_truth"):
                continue
            user_id = user_id_of(annotation.get("completed_by"))
            problem = vote_problem(annotation, schema)
            if problem is None:
                voters.add(user_id)
            rows.append({"annotator": users.get(user_id, f"user {user_id}"), "task": task["id"],
                         "kind": "vote" if problem is None else "skipped" if problem[0] == "cancelled" else "not_vote",
                         "lead_time_s": annotation.get("lead_time")})
        short += len(voters) < overlap
    frame = pd.DataFrame(rows, columns=["annotator", "task", "kind", "lead_time_s"])
    frame["submitted"] = (frame["kind"] == "vote") & ~frame.duplicated(["annotator", "task", "kind"])
    frame["skipped"], frame["not_votes"] = frame["kind"] == "skipped", frame["kind"] == "not_vote"
    table = frame.groupby("annotator").agg(
        submitted=("submitted", "sum"), skipped=("skipped", "sum"), not_votes=("not_votes", "sum"),
        median_lead_time_s=("lead_time_s", "median"),
    )
    table = table.join(_vote_columns(export, users, schema), how="left")
    counts = [*SUGGESTION_PROGRESS[:-1], *STANCE_PROGRESS[:-1], "gold_tasks"]
    table[counts] = table[counts].fillna(0).astype(int)
    return table.sort_index(), short
