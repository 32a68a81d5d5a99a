"""Move a campaign from one Label Studio server to another (e.g. SQLite → PostgreSQL), verified equal.

Steps: export the project from the source; give every annotator an account on the target (same
e-mail; the password from the curator's logins file when there is one, else a new one written to
the target's logins file); create the project from the current schema; import every task with its
annotations attributed by e-mail; export again from the target and compare the parsed long tables
(labels, spans, annotators, skips) with the source's. Nothing on the source is changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pandas as pd

from annotation.exports import to_votes, user_id_of
from annotation.schema import Schema, to_instructions, to_label_config
from annotation.studio.client import Studio, StudioError

__all__ = ["MigrationReport", "migrate_project"]

_ANNOTATION_FIELDS = ("result", "was_cancelled", "ground_truth", "lead_time")


@dataclass(frozen=True)
class MigrationReport:
    """What moved, and whether the target's parsed tables equal the source's."""

    project_id: int
    tasks: int
    annotations: int
    annotators: int
    new_logins: int
    equal: bool
    difference: str


def _comparable(export: list[dict[str, Any]], users: dict[int, str], schema: Schema) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    votes = to_votes(export, users, schema=schema, salt="migration-check")
    keep = [c for c in votes.annotations.columns if c not in ("ls_task_id", "ls_annotation_id", "created_at", "updated_at")]
    spans = votes.spans.drop(columns=["ls_annotation_id"])
    return votes.annotations[keep].reset_index(drop=True), spans.reset_index(drop=True), votes.dropped


def migrate_project(
    source: Studio,
    target: Studio,
    source_id: int,
    title: str,
    *,
    schema: Schema,
    logins: dict[str, str],
    overlap: int,
    batch_size: int = 1000,
) -> tuple[MigrationReport, dict[str, str]]:
    """Copy project ``source_id`` with all its tasks and annotations from source to a new project on target.

    Args:
        source: Admin client of the server that holds the campaign.
        target: Admin client of the new (empty) server.
        source_id: The campaign's project on the source.
        title: Title of the new project on the target.
        schema: The scheme both projects use.
        logins: Known annotator passwords (e-mail → password); new ones are added to it.
        overlap: The target project's annotations per task: the campaign's (``campaign.overlap``).
        batch_size: Tasks per import request.

    Returns:
        The report and the updated logins.

    Raises:
        StudioError: Either server fails or the project is missing on the source.
    """
    if source.get_project(source_id) is None:
        raise StudioError(f"migrate: the source has no project {source_id}")
    export = source.export_tasks(source_id)
    source_users = source.users()
    authors = {int(user_id_of(a.get("completed_by"))) for t in export for a in t.get("annotations") or []}
    logins = dict(logins)
    new_logins = 0
    for user_id in sorted(authors):
        email = source_users[user_id]
        if email not in logins:
            logins[email] = secrets.token_urlsafe(12)
            new_logins += 1
        target.add_annotator(email, logins[email])
    project_id = target.create_project(title, to_label_config(schema), to_instructions(schema), overlap=overlap)
    tasks = [
        {
            "data": task["data"],
            "annotations": [
                {**{k: a[k] for k in _ANNOTATION_FIELDS if k in a}, "completed_by": {"email": source_users[int(user_id_of(a.get("completed_by")))]}}
                for a in task.get("annotations") or []
            ],
        }
        for task in export
    ]
    target.push_tasks(project_id, tasks, batch_size=batch_size)

    before = _comparable(export, source_users, schema)
    after = _comparable(target.export_tasks(project_id), target.users(), schema)
    difference = ""
    for name, left, right in (("annotations", before[0], after[0]), ("spans", before[1], after[1])):
        try:
            pd.testing.assert_frame_equal(left, right, check_dtype=False)
        except AssertionError as err:
            difference = f"{name} differ: {str(err).splitlines()[0]}"
            break
    if not difference and before[2] != after[2]:
        difference = f"dropped counts differ: {before[2]} vs {after[2]}"
    report = MigrationReport(project_id, len(export), sum(len(t.get("annotations") or []) for t in export),
                             len(authors), new_logins, not difference, difference)
    return report, logins

