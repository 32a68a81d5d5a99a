"""Parse raw Label Studio exports into long tables, verifying every span and label on the way in.

Tables (pandas, one row per …):
- ``tasks``: task — our ``task_key`` plus the task data (sentence, target, context) and ``ls_task_id``;
- ``annotations``: worker × task — the primary question's ``label`` (stance), one column per further
  choice question, and annotation metadata;
- ``spans``: marked span — ``task, worker, start, end, text, label``.

Worker ids are salted pseudonyms; e-mails never leave this module. Drafts and predictions are
ignored; the other policies (skips, duplicates, over-assignment, edits by other users) are listed
in ``to_votes``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from annotation.schema import LABEL, TASK, WORKER, Schema

__all__ = [
    "ExportError",
    "Votes",
    "SYNTHETIC_DOMAIN",
    "load_salt",
    "pseudonymize",
    "load_export",
    "read_users",
    "user_id_of",
    "to_votes",
    "progress",
    "edited_by_other",
]

SYNTHETIC_DOMAIN = "synthetic.invalid"

TASK_COLUMNS = [TASK, "ls_task_id", "sentence_id", "article_id", "target", "text", "headline",
                "context_before", "context_after", "start", "end"]
ANNOTATION_COLUMNS = [TASK, WORKER, LABEL, "ls_task_id", "ls_annotation_id", "created_at",
                      "updated_at", "lead_time_s", "ground_truth", "synthetic", "edited_by_other"]
INTEGRITY_COLUMNS = [TASK, WORKER, "ls_annotation_id", "issue", "action"]
# `origin` is Label Studio's: "prediction" (a kept pre-annotation), "manual", or "prediction-changed".
SPAN_COLUMNS = [TASK, WORKER, "start", "end", "text", LABEL, "ls_annotation_id", "origin"]


class ExportError(ValueError):
    """A raw export is malformed or disagrees with the schema; the message names the record."""


@dataclass
class Votes:
    """The long tables parsed from one export, what the policies dropped, and the integrity report."""

    tasks: pd.DataFrame
    annotations: pd.DataFrame
    spans: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    integrity: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INTEGRITY_COLUMNS))


def load_salt(studio_dir: str | Path) -> str:
    """The pseudonymisation salt: ``$ANNOTATION_SALT``, else a 0600 file created once in ``studio_dir``."""
    if os.environ.get("ANNOTATION_SALT"):
        return os.environ["ANNOTATION_SALT"]
    path = Path(studio_dir) / "salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(16))
    return path.read_text(encoding="utf-8").strip()


def pseudonymize(email: str, salt: str) -> str:
    """A stable salted pseudonym for an annotator's e-mail.

    Examples:
        >>> pseudonymize("Ann@example.org", "s") == pseudonymize("ann@example.org", "s")
        True
        >>> pseudonymize("ann@example.org", "s")[:4]
        'ann-'
    """
    return "ann-" + hashlib.sha256(f"{salt}:{email.strip().lower()}".encode("utf-8")).hexdigest()[:12]


def read_users(path: str | Path) -> dict[int, str]:
    """The users map pulled beside an export (``[{"id", "email"}]``): user id -> e-mail.

    Raises:
        ExportError: The file is unreadable or not such a list.
    """
    try:
        return {int(u["id"]): str(u["email"]) for u in json.loads(Path(path).read_bytes())}
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise ExportError(f"{path}: not a users map [{{'id', 'email'}}] ({type(err).__name__})") from None


def load_export(path: str | Path) -> list[dict[str, Any]]:
    """Read a raw JSON export (a list of tasks).

    Raises:
        ExportError: The file is unreadable, not JSON, or not a list of tasks with ``data``.
    """
    path = Path(path)
    try:
        tasks = json.loads(path.read_bytes())
    except OSError as err:
        raise ExportError(f"{path}: cannot read export: {err.strerror}") from None
    except ValueError as err:
        raise ExportError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(tasks, list):
        raise ExportError(f"{path}: expected a JSON list of tasks, got {type(tasks).__name__}")
    for i, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict) or "id" not in task:
            raise ExportError(f"{path}: record {i} is not a task with 'id' and 'data'")
    return tasks


def _task_row(task: dict[str, Any], where: str) -> dict[str, Any]:
    data = task["data"]
    missing = [k for k in ("task_key", "text") if k not in data]
    if missing:
        raise ExportError(f"{where}: task data lacks {missing}")
    row = {key: data.get(key, "") for key in TASK_COLUMNS if key not in (TASK, "ls_task_id")}
    row.update({TASK: data["task_key"], "ls_task_id": int(task["id"])})
    return row


def _parse_result(
    result: list[dict[str, Any]], text: str, schema: Schema, where: str
) -> tuple[dict[str, str], list[tuple[int, int, str, str, str]]]:
    """The chosen label per choice question, and the spans, each checked against the schema."""
    questions = {q.name: q for q in schema.choices}
    chosen: dict[str, str] = {}
    spans: list[tuple[int, int, str, str, str]] = []
    for region in result:
        name, value = region.get("from_name"), region.get("value") or {}
        if name in questions:
            choices = value.get("choices") or []
            if len(choices) != 1 or choices[0] not in questions[name].names:
                raise ExportError(f"{where}: {name} {choices} is not one of {questions[name].names}")
            chosen[name] = choices[0]
        elif name == schema.span_name:
            labels = value.get("labels") or []
            if len(labels) != 1 or labels[0] not in schema.span_names:
                raise ExportError(f"{where}: span label {labels} is not one of {schema.span_names}")
            start, end, span_text = value.get("start"), value.get("end"), value.get("text")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                raise ExportError(f"{where}: span offsets {start}..{end} outside the sentence (length {len(text)})")
            if text[start:end] != span_text:
                # Offsets are Python code points; a mismatch means the units drifted (e.g. UTF-16).
                raise ExportError(f"{where}: span {start}..{end} is {text[start:end]!r} in the sentence but {span_text!r} in the export")
            spans.append((start, end, span_text, labels[0], str(region.get("origin") or "manual")))
        else:
            raise ExportError(f"{where}: result from unknown control {name!r}; the schema has {[*questions, schema.span_name]}")
    return chosen, spans


def user_id_of(user: Any) -> Any:
    """The user id in an export's ``completed_by``/``updated_by``, which is an id or a user dict."""
    return user.get("id") if isinstance(user, dict) else user


def edited_by_other(annotation: dict[str, Any]) -> bool:
    """True when an annotation was last saved by someone other than its author."""
    editor = user_id_of(annotation.get("updated_by"))
    return editor is not None and editor != user_id_of(annotation.get("completed_by"))


def _author_versions(history: Sequence[list[dict[str, Any]]]) -> dict[int, dict[str, Any]]:
    """Annotation id → its newest version in ``history`` (oldest export first) saved by its author."""
    versions: dict[int, dict[str, Any]] = {}
    for export in history:
        for task in export:
            for annotation in task.get("annotations") or []:
                if "id" in annotation and not edited_by_other(annotation):
                    versions[int(annotation["id"])] = annotation
    return versions


def to_votes(
    export: list[dict[str, Any]],
    users: Mapping[int, str],
    *,
    schema: Schema,
    salt: str,
    source: str = "export",
    max_annotations: int | None = None,
    history: Sequence[list[dict[str, Any]]] = (),
) -> Votes:
    """Turn a raw export into the long tables, applying the documented policies.

    Policies (each counted in ``Votes.dropped`` or listed in ``Votes.integrity``):
    - cancelled (skipped) annotations and annotations without a stance are dropped;
    - one annotator with several annotations on a task: the most recently updated is kept;
    - a task with more annotators than ``max_annotations`` (Label Studio's SQLite backend can
      over-assign under concurrent load): the earliest ``max_annotations`` by creation time are kept;
    - an annotation last saved by someone other than its author (the open-source edition lets any
      user edit any annotation): the author's newest version in ``history`` is used instead, or the
      annotation is dropped when no such version was ever pulled;
    - an annotation whose result differs from the previous pull is kept and listed.

    Args:
        export: Tasks as loaded by ``load_export``.
        users: Label Studio user id → e-mail (pulled alongside the export).
        schema: The annotation scheme the labels must belong to.
        salt: Salt for the worker pseudonyms.
        source: Name of the export, used in error messages.
        max_annotations: The project's overlap; None keeps every annotator.
        history: Earlier raw exports of the same project, oldest first.

    Raises:
        ExportError: A label outside the schema, a span whose text does not match the sentence,
            an annotation by an unknown user, or a task without the project's data keys.
    """
    task_rows, annotation_rows, span_rows, integrity = [], [], [], []
    dropped = {"cancelled": 0, "superseded": 0, "without_stance": 0, "over_assigned": 0, "edited_by_other": 0}
    authored = _author_versions(history)
    previous_results = {int(a["id"]): a.get("result") for t in (history[-1] if history else []) for a in t.get("annotations") or []}
    for task in export:
        where = f"{source}: task {task['id']}"
        row = _task_row(task, where)
        task_rows.append(row)
        latest: dict[str, dict[str, Any]] = {}
        for annotation in task.get("annotations") or []:
            at = f"{where}, annotation {annotation.get('id')}"
            if annotation.get("was_cancelled"):
                dropped["cancelled"] += 1
                continue
            user_id = user_id_of(annotation.get("completed_by"))
            if user_id not in users:
                raise ExportError(f"{at}: completed by unknown user {user_id}")
            email = users[user_id]
            annotation_id = int(annotation["id"])
            issue = None
            if edited_by_other(annotation):
                issue = f"edited by user {user_id_of(annotation.get('updated_by'))}, not by its author"
                if annotation_id not in authored:
                    dropped["edited_by_other"] += 1
                    integrity.append({TASK: row[TASK], WORKER: pseudonymize(email, salt), "ls_annotation_id": annotation_id,
                                      "issue": "edited_by_other", "action": "dropped: no version by its author was pulled"})
                    continue
                annotation = authored[annotation_id]
                integrity.append({TASK: row[TASK], WORKER: pseudonymize(email, salt), "ls_annotation_id": annotation_id,
                                  "issue": "edited_by_other", "action": "kept the author's last pulled version"})
            elif annotation_id in previous_results and previous_results[annotation_id] != annotation.get("result"):
                integrity.append({TASK: row[TASK], WORKER: pseudonymize(email, salt), "ls_annotation_id": annotation_id,
                                  "issue": "changed_since_last_pull", "action": "kept the current version"})
            chosen, spans = _parse_result(annotation.get("result") or [], row["text"], schema, at)
            if schema.stance_name not in chosen:
                dropped["without_stance"] += 1
                continue
            record = {
                TASK: row[TASK],
                WORKER: pseudonymize(email, salt),
                LABEL: chosen[schema.stance_name],
                **{q.name: chosen.get(q.name) for q in schema.choices[1:]},
                "ls_task_id": row["ls_task_id"],
                "ls_annotation_id": annotation_id,
                "created_at": annotation.get("created_at"),
                "updated_at": annotation.get("updated_at"),
                "lead_time_s": annotation.get("lead_time"),
                "ground_truth": bool(annotation.get("ground_truth")),
                "synthetic": email.lower().endswith("@" + SYNTHETIC_DOMAIN),
                "edited_by_other": issue is not None,
                "_spans": spans,
            }
            previous = latest.get(record[WORKER])
            if previous is not None:
                dropped["superseded"] += 1
                if (previous["updated_at"] or "", previous["ls_annotation_id"]) > (record["updated_at"] or "", record["ls_annotation_id"]):
                    continue
            latest[record[WORKER]] = record
        kept = sorted(latest.values(), key=lambda r: (r["created_at"] or "", r["ls_annotation_id"]))
        if max_annotations is not None and len(kept) > max_annotations:
            for record in kept[max_annotations:]:
                integrity.append({TASK: row[TASK], WORKER: record[WORKER], "ls_annotation_id": record["ls_annotation_id"],
                                  "issue": "over_assigned", "action": f"dropped: task already had {max_annotations} earlier annotations"})
            dropped["over_assigned"] += len(kept) - max_annotations
            kept = kept[:max_annotations]
        for record in kept:
            for start, end, text, label, origin in record.pop("_spans"):
                span_rows.append({TASK: record[TASK], WORKER: record[WORKER], "start": start, "end": end, "text": text,
                                  LABEL: label, "ls_annotation_id": record["ls_annotation_id"], "origin": origin})
            annotation_rows.append(record)
    tasks = pd.DataFrame(task_rows, columns=TASK_COLUMNS)
    if tasks[TASK].duplicated().any():
        dupes = sorted(tasks.loc[tasks[TASK].duplicated(), TASK])[:5]
        raise ExportError(f"{source}: task key(s) {dupes} occur in more than one task; the push should prevent this")
    # The primary question's answer is `label`; any further choice question gets its own column.
    annotations = pd.DataFrame(annotation_rows, columns=ANNOTATION_COLUMNS + [q.name for q in schema.choices[1:]])
    spans_frame = pd.DataFrame(span_rows, columns=SPAN_COLUMNS)
    return Votes(
        tasks=tasks.sort_values(TASK, ignore_index=True),
        annotations=annotations.sort_values([TASK, WORKER], ignore_index=True),
        spans=spans_frame.sort_values([TASK, WORKER, "start", "end"], ignore_index=True),
        dropped=dropped,
        integrity=pd.DataFrame(integrity, columns=INTEGRITY_COLUMNS),
    )


def progress(export: list[dict[str, Any]], users: Mapping[int, str], *, overlap: int) -> tuple[pd.DataFrame, int]:
    """Per-annotator progress for the curator, and the number of tasks short of ``overlap``.

    Returns:
        A frame indexed by annotator e-mail with ``submitted``, ``skipped`` and
        ``median_lead_time_s`` (shown to the curator only, never written), and the count of tasks
        with fewer than ``overlap`` submitted annotations.

    Examples:
        >>> tasks = [{"id": 1, "data": {}, "annotations": [{"completed_by": 2, "lead_time": 4.0}]},
        ...          {"id": 2, "data": {}, "annotations": []}]
        >>> table, short = progress(tasks, {2: "a@x.org"}, overlap=1)
        >>> table.loc["a@x.org", "submitted"], short
        (np.int64(1), 1)
    """
    rows = []
    short = 0
    for task in export:
        submitted = 0
        for annotation in task.get("annotations") or []:
            user_id = user_id_of(annotation.get("completed_by"))
            cancelled = bool(annotation.get("was_cancelled"))
            submitted += not cancelled
            rows.append({"annotator": users.get(user_id, f"user {user_id}"), "cancelled": cancelled,
                         "lead_time_s": annotation.get("lead_time")})
        short += submitted < overlap
    frame = pd.DataFrame(rows, columns=["annotator", "cancelled", "lead_time_s"])
    table = frame.groupby("annotator").agg(
        submitted=("cancelled", lambda c: int((~c.astype(bool)).sum())),
        skipped=("cancelled", lambda c: int(c.astype(bool).sum())),
        median_lead_time_s=("lead_time_s", "median"),
    )
    return table.sort_index(), short
