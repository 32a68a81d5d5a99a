"""Parse raw Label Studio exports into long tables, verifying every span and label on the way in.

Tables (pandas, one row per …):
- ``tasks``: task — our ``task_key`` plus the task data (sentence, target, context) and ``ls_task_id``;
- ``annotations``: worker × task — the primary question's ``label`` (stance), one column per further
  choice question, and annotation metadata;
- ``spans``: marked span — ``task, worker, start, end, text, label``.

Worker ids are salted pseudonyms; e-mails never leave this module. Drafts and predictions are
ignored; the other policies (skips, duplicates, over-assignment, edits by other users) are listed
in ``to_votes``. One bad record (a task, an annotation, a span) is dropped, counted in
``Votes.dropped`` and listed in ``Votes.integrity``; it never stops the others from being read.

Span offsets are the truth, and the ``text`` Label Studio stores beside them is a rendering of
them, made by the browser: measured on Label Studio 1.23.2 with Chromium (recorded in
``tests/data/rendering_export``), and read in its editor source (``captureSelection`` in
``utils/selection-tools.js``, ``DomData.findProjectionOnDisplayedText`` in
``tags/object/RichText/domManager.ts``), the stored text is the selection as displayed:

- a run of spaces and tabs shows as one space, and none at the start or end of a line;
- every line break (``\\n``, ``\\r``, so ``\\r\\n`` twice) is drawn as ``<br>`` and written as the
  two characters backslash and ``n``, with the whitespace around it gone;
- other characters, markup-like text included, come back as they are; the text is missing when
  the Text tag has ``saveTextResult="no"``.

So a span's text is taken from the sentence, ``sentence[start:end]``, after checking that the
exported text is a rendering of it: both sides equal once each ``\\n`` escape is read as a line
break, every run of Unicode whitespace as one space, and whitespace at either end is dropped. Text
that differs in anything else (offsets in UTF-16 units after an emoji; the text Label Studio's
resize handles write, which drops characters) drops the span.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from annotation.errors import AnnotationError
from annotation.records import ANNOTATION_COLUMNS, INTEGRITY_COLUMNS, LABEL, SPAN_RECORD_COLUMNS, TASK, TASK_COLUMNS, WORKER
from annotation.schema import Schema, load_schema
from annotation.spans import fits_text

__all__ = [
    "ExportError",
    "Votes",
    "DROP_REASONS",
    "SYNTHETIC_DOMAIN",
    "pseudonymize",
    "load_export",
    "read_users",
    "user_id_of",
    "parse_timestamp",
    "vote_problem",
    "to_votes",
    "progress",
    "edited_by_other",
]

SYNTHETIC_DOMAIN = "synthetic.invalid"


DROP_REASONS: dict[str, tuple[str, str]] = {
    "bad_task": ("task", "without task_key or text"),
    "cancelled": ("annotation", "cancelled (skipped)"),
    "without_stance": ("annotation", "without a stance"),
    "bad_stance": ("annotation", "with a stance outside the schema"),
    "unknown_user": ("annotation", "by a user missing from the users map"),
    "synthetic": ("annotation", "by a simulated (synthetic) account in a campaign that is not a demo"),
    "bad_annotation": ("annotation", "malformed"),
    "edited_by_other": ("annotation", "edited by another user, with no version by its author pulled"),
    "superseded": ("annotation", "superseded by the same annotator's later one"),
    "over_assigned": ("annotation", "beyond the overlap"),
    "bad_span": ("span", "malformed, outside the schema or not matching the sentence"),
    "bad_region": ("result region", "from an unknown control, malformed or outside the schema"),
    "bad_adjudication": ("review annotation", "with a label outside the schema or an unreadable time"),
}
"""What ``to_votes`` drops, the keys of ``Votes.dropped``: key -> (unit counted, what was wrong)."""
FLAG_REASONS: dict[str, str] = {
    "edited_by_other": "restored to their author's last pulled version",
    "changed_since_last_pull": "changed since the last pull",
}
"""What ``to_votes`` keeps but lists in ``Votes.integrity``: issue -> what happened."""

_LINE_BREAK_ESCAPE = "\\n"  # how Label Studio writes a line break into a span's text
_WHITESPACE_RUN = re.compile(r"\s+")


class ExportError(AnnotationError, ValueError):
    """A raw export is malformed or disagrees with the schema; the message names the record."""


@dataclass
class Votes:
    """The long tables parsed from one export, what the policies dropped, and the integrity report."""

    tasks: pd.DataFrame
    annotations: pd.DataFrame
    spans: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    integrity: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(INTEGRITY_COLUMNS)))

    def summary(self) -> str:
        """One line for the build's output: what was kept, dropped (per reason) and flagged.

        Examples:
            >>> frame = pd.DataFrame({"task": ["t1", "t2"]})
            >>> Votes(frame, frame, frame.iloc[:0], dropped={"cancelled": 1, "bad_span": 0}).summary()
            '2 annotation(s) and 0 span(s) kept from 2 task(s); dropped 1 annotation(s) cancelled (skipped)'
        """
        parts = [f"{len(self.annotations)} annotation(s) and {len(self.spans)} span(s) kept from {len(self.tasks)} task(s)"]
        dropped = [(count, *DROP_REASONS.get(key, ("record", key))) for key, count in self.dropped.items() if count]
        if dropped:
            parts.append("dropped " + ", ".join(f"{count} {unit}(s) {what}" for count, unit, what in dropped))
        flags = self.integrity.loc[self.integrity["action"].astype(str).str.startswith("kept"), "issue"]
        if len(flags):
            parts.append("flagged " + ", ".join(f"{count} annotation(s) {FLAG_REASONS.get(issue, issue)}"
                                                for issue, count in flags.value_counts(sort=False).items()))
        if len(parts) == 1:
            parts.append("nothing dropped or flagged")
        elif len(self.integrity):
            parts.append("see the integrity report")
        return "; ".join(parts)


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


def parse_timestamp(stamp: str | None) -> datetime:
    """A Label Studio timestamp as an aware ``datetime``, to order by time and never by text.

    Label Studio (Django REST framework) writes ``2026-01-01T10:00:00Z`` when the microseconds are
    zero and ``2026-01-01T10:00:00.400000Z`` otherwise, and the first sorts after the second as
    text. Any ISO 8601 form is read: with or without a fraction, ``Z`` or a ``+hh:mm`` offset; one
    without an offset is taken as UTC, the time zone Label Studio stores.

    Args:
        stamp: The value of ``created_at``/``updated_at``.

    Returns:
        The moment; for a missing stamp (None or empty), the earliest moment there is, so that it
        sorts first.

    Raises:
        ValueError: ``stamp`` is not an ISO 8601 time; the message quotes it.

    Examples:
        >>> parse_timestamp("2026-01-01T10:00:00Z") < parse_timestamp("2026-01-01T10:00:00.400000Z")
        True
        >>> parse_timestamp("2026-01-01T12:00:00+02:00") == parse_timestamp("2026-01-01T10:00:00Z")
        True
    """
    if stamp is None or stamp == "":
        return datetime.min.replace(tzinfo=timezone.utc)
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        raise ValueError(f"{stamp!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _squeezed(text: str) -> str:
    """``text`` with each ``\\n`` escape and each whitespace run as one space, stripped."""
    return _WHITESPACE_RUN.sub(" ", text.replace(_LINE_BREAK_ESCAPE, " ")).strip()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_span(value: Any, text: str, schema: Schema) -> tuple[tuple[int, int, str, str] | None, str]:
    """``(start, end, sentence[start:end], label)`` of a span region's value, or None and what is wrong."""
    value = value if isinstance(value, dict) else {}
    labels = value.get("labels") or []
    if not (isinstance(labels, list) and len(labels) == 1 and labels[0] in schema.span_names):
        return None, f"span label {labels} is not one of {schema.span_names}"
    start, end, exported = value.get("start"), value.get("end"), value.get("text")
    if not (_is_int(start) and _is_int(end) and fits_text(start, end, len(text))):
        return None, f"span offsets {start}..{end} are not a range inside the sentence (length {len(text)})"
    piece = text[start:end]
    if exported is not None and not isinstance(exported, str):
        return None, f"span text {exported!r} is not a string"
    if exported is not None and _squeezed(exported) != _squeezed(piece):
        return None, f"span {start}..{end} is {piece!r} in the sentence but {exported!r} in the export, which is not a rendering of it"
    return (start, end, piece, labels[0]), ""


def _read_stance(annotation: Mapping[str, Any], schema: Schema) -> tuple[str | None, tuple[str, str] | None]:
    """The annotation's stance, or None and ``(DROP_REASONS key, what is wrong)``."""
    if annotation.get("was_cancelled"):
        return None, ("cancelled", "cancelled (skipped)")
    result = annotation.get("result")
    if not isinstance(result, list):
        return None, ("without_stance", f"result is {result!r}")
    regions = [r for r in result if isinstance(r, dict) and r.get("from_name") == schema.stance_name]
    if not regions:
        return None, ("without_stance", f"result has no {schema.stance_name}")
    if len(regions) > 1:
        return None, ("bad_stance", f"{len(regions)} {schema.stance_name} regions, expected one")
    value = regions[0].get("value")
    choices = value.get("choices") if isinstance(value, dict) else None
    if not (isinstance(choices, list) and len(choices) == 1 and choices[0] in schema.stance_names):
        return None, ("bad_stance", f"{schema.stance_name} {choices} is not one of {schema.stance_names}")
    return choices[0], None


def vote_problem(annotation: Mapping[str, Any], schema: Schema) -> tuple[str, str] | None:
    """Why an exported annotation is not a stance vote, or None when it is one.

    The one predicate behind ``to_votes`` (which keeps only votes) and ``progress`` (which counts
    them), so the two cannot disagree about what was submitted.

    Args:
        annotation: One annotation of an exported task.
        schema: The scheme whose primary question is the stance.

    Returns:
        None, or a ``DROP_REASONS`` key and what is wrong: ``"cancelled"`` (skipped),
        ``"without_stance"`` (``result`` null, not a list, empty, or without the stance question)
        or ``"bad_stance"`` (two stance regions, or a stance that is not exactly one of the
        schema's labels).

    Examples:
        >>> from annotation.schema import load_schema
        >>> stance = {"from_name": "stance", "value": {"choices": ["favor"]}}
        >>> vote_problem({"result": [stance]}, load_schema()) is None
        True
        >>> vote_problem({"result": None}, load_schema())
        ('without_stance', 'result is None')
        >>> vote_problem({"result": [stance], "was_cancelled": True}, load_schema())[0]
        'cancelled'
    """
    return _read_stance(annotation, schema)[1]


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
                if isinstance(annotation, dict) and _is_int(annotation.get("id")) and not edited_by_other(annotation):
                    versions[annotation["id"]] = annotation
    return versions


@dataclass
class _Report:
    """What ``to_votes`` dropped (counts per ``DROP_REASONS`` key) and the integrity rows."""

    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    rows: list[dict[str, Any]] = field(default_factory=list)

    def flag(self, record: Mapping[str, Any], issue: str, reason: str, action: str) -> None:
        self.rows.append({TASK: record.get(TASK), WORKER: record.get(WORKER), "ls_task_id": record.get("ls_task_id"),
                          "ls_annotation_id": record.get("ls_annotation_id"), "issue": issue, "reason": reason, "action": action})

    def drop(self, record: Mapping[str, Any], issue: str, reason: str, action: str) -> None:
        self.dropped[issue] += 1
        self.flag(record, issue, reason, action)


def _task_row(task: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The task's row of the ``tasks`` table, or None and what is wrong."""
    data = task["data"]
    missing = [k for k in ("task_key", "text") if not isinstance(data.get(k), str)]
    if missing:
        return None, f"task data lacks {missing}"
    if not _is_int(task["id"]):
        return None, f"task id {task['id']!r} is not an integer"
    row = {key: data.get(key, "") for key in TASK_COLUMNS if key not in (TASK, "ls_task_id")}
    row.update({TASK: data["task_key"], "ls_task_id": task["id"]})
    return row, ""


def _times(annotation: Mapping[str, Any]) -> tuple[tuple[datetime, datetime] | None, str]:
    """``(created_at, updated_at)`` to order by, or None and what is wrong."""
    times = []
    for name in ("created_at", "updated_at"):
        try:
            times.append(parse_timestamp(annotation.get(name)))
        except ValueError as err:
            return None, f"{name} {err}"
    return (times[0], times[1]), ""


def _votes_of_task(
    task: dict[str, Any], row: dict[str, Any], where: str, users: Mapping[int, str], salt: str, schema: Schema,
    authored: Mapping[int, dict[str, Any]], previous_results: Mapping[int, Any], report: _Report, allow_synthetic: bool,
) -> list[dict[str, Any]]:
    """The task's stance votes, one record per annotation, before the policies that compare
    annotations (latest per annotator, overlap); private keys (``_result``, ``_at``, ``_created``,
    ``_updated``, ``_flag``: an integrity row for when the vote is kept) carry what those need."""
    records = []
    for annotation in task.get("annotations") or []:
        at = f"{where}, annotation {annotation.get('id') if isinstance(annotation, dict) else annotation!r}"
        record: dict[str, Any] = {TASK: row[TASK], "ls_task_id": row["ls_task_id"]}
        if not isinstance(annotation, dict) or not _is_int(annotation.get("id")):
            report.drop(record, "bad_annotation", f"{at}: no integer id", "dropped the annotation")
            continue
        record["ls_annotation_id"] = annotation_id = annotation["id"]
        if annotation.get("was_cancelled"):
            report.dropped["cancelled"] += 1
            continue
        user_id = user_id_of(annotation.get("completed_by"))
        if user_id not in users:
            report.drop(record, "unknown_user", f"{at}: completed by user {user_id}, who is not in the users map",
                        "dropped the annotation")
            continue
        email = users[user_id]
        record[WORKER] = pseudonymize(email, salt)
        synthetic = email.lower().endswith("@" + SYNTHETIC_DOMAIN)
        if synthetic and not allow_synthetic:
            report.drop(record, "synthetic", f"{at}: by the simulated account {record[WORKER]}",
                        "dropped: simulated annotators label demo campaigns only")
            continue
        edited, flag = edited_by_other(annotation), None
        if edited:
            reason = f"{at}: edited by user {user_id_of(annotation.get('updated_by'))}, not by its author"
            if annotation_id not in authored:
                report.drop(record, "edited_by_other", reason, "dropped: no version by its author was pulled")
                continue
            annotation = authored[annotation_id]
            flag = ("edited_by_other", reason, "kept the author's last pulled version")
        elif annotation_id in previous_results and previous_results[annotation_id] != annotation.get("result"):
            flag = ("changed_since_last_pull", f"{at}: its result differs from the previous pull", "kept the current version")
        times, what = _times(annotation)
        if times is None:
            report.drop(record, "bad_annotation", f"{at}: {what}", "dropped the annotation")
            continue
        stance, problem = _read_stance(annotation, schema)
        if problem is not None:
            key, what = problem
            if key == "bad_stance":
                report.drop(record, key, f"{at}: {what}", "dropped the annotation")
            else:
                report.dropped[key] += 1
            continue
        records.append({
            **record,
            LABEL: stance,
            "created_at": annotation.get("created_at"),
            "updated_at": annotation.get("updated_at"),
            "lead_time_s": annotation.get("lead_time"),
            "ground_truth": bool(annotation.get("ground_truth")),
            "synthetic": synthetic,
            "edited_by_other": edited,
            "_result": annotation["result"],
            "_at": at,
            "_created": times[0],
            "_updated": times[1],
            "_flag": flag,
        })
    return records


def _kept_votes(records: list[dict[str, Any]], max_annotations: int | None, report: _Report) -> list[dict[str, Any]]:
    """Each annotator's latest vote, then the earliest ``max_annotations`` of them, by creation."""
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        previous = latest.get(record[WORKER])
        if previous is not None:
            report.dropped["superseded"] += 1
            if (previous["_updated"], previous["ls_annotation_id"]) > (record["_updated"], record["ls_annotation_id"]):
                continue
        latest[record[WORKER]] = record
    kept = sorted(latest.values(), key=lambda r: (r["_created"], r["ls_annotation_id"]))
    if max_annotations is not None:
        for record in kept[max_annotations:]:
            report.drop(record, "over_assigned", f"{record['_at']}: the task already had {max_annotations} earlier annotations",
                        "dropped the annotation")
        kept = kept[:max_annotations]
    return kept


def _read_regions(record: dict[str, Any], text: str, schema: Schema, report: _Report) -> list[tuple[int, int, str, str, str]]:
    """Set the answers to the further choice questions on ``record``; return its spans
    ``(start, end, text, label, origin)``. Bad regions are dropped and reported."""
    questions = {q.name: q for q in schema.choices}
    record.update(dict.fromkeys(list(questions)[1:]))
    spans = []
    for region in record.pop("_result"):
        if not isinstance(region, dict):
            report.drop(record, "bad_region", f"{record['_at']}: result region {region!r} is not an object", "dropped the region")
            continue
        name, value = region.get("from_name"), region.get("value")
        if name == schema.stance_name:
            continue
        if name == schema.span_name:
            span, problem = _read_span(value, text, schema)
            if span is None:
                report.drop(record, "bad_span", f"{record['_at']}: {problem}", "dropped the span")
            else:
                spans.append((*span, str(region.get("origin") or "manual")))
        elif name in questions:
            choices = value.get("choices") if isinstance(value, dict) else None
            if isinstance(choices, list) and len(choices) == 1 and choices[0] in questions[name].names:
                record[name] = choices[0]
            else:
                report.drop(record, "bad_region", f"{record['_at']}: {name} {choices} is not one of {questions[name].names}",
                            "dropped the region")
        else:
            report.drop(record, "bad_region", f"{record['_at']}: result from unknown control {name!r}; the schema has "
                        f"{[*questions, schema.span_name]}", "dropped the region")
    return spans


def to_votes(
    export: list[dict[str, Any]],
    users: Mapping[int, str],
    *,
    schema: Schema,
    salt: str,
    source: str = "export",
    max_annotations: int | None = None,
    history: Sequence[list[dict[str, Any]]] = (),
    allow_synthetic: bool = True,
) -> Votes:
    """Turn a raw export into the long tables, applying the documented policies.

    Policies (each counted in ``Votes.dropped``, see ``DROP_REASONS``, or listed in
    ``Votes.integrity``; ``Votes.summary()`` says it all in one line):
    - an annotation that is no vote (``vote_problem``: cancelled, without a stance, or with a
      stance outside the schema) is dropped;
    - one annotator with several annotations on a task: the most recently updated is kept (times
      are compared as moments, ``parse_timestamp``; ties go to the higher annotation id);
    - a task with more annotators than ``max_annotations`` (Label Studio's SQLite backend can
      over-assign under concurrent load): the earliest ``max_annotations`` by creation time are kept;
    - an annotation last saved by someone other than its author (the open-source edition lets any
      user edit any annotation): the author's newest version in ``history`` is used instead, or the
      annotation is dropped when no such version was ever pulled;
    - an annotation whose result differs from the previous pull is kept and listed;
    - without ``allow_synthetic`` (a campaign that is not a demo), an annotation by a simulated
      account (e-mail domain ``SYNTHETIC_DOMAIN``) is dropped and listed, before the overlap is
      counted, so no synthetic vote reaches a real campaign's release;
    - one bad record is dropped and listed with its reason, and the others are read as usual: a
      task without ``task_key``/``text``; an annotation without an id, with a timestamp that is
      not ISO 8601, or by a user missing from ``users``; a span with a label outside the schema, offsets that are not a range inside the
      sentence, or a ``text`` that is not a rendering of its offsets (see the module docstring);
      a result region of an unknown control or with a choice outside the schema.

    A span's ``start``/``end`` are code points into the sentence, end exclusive, and its ``text`` is
    ``sentence[start:end]``.

    Args:
        export: Tasks as loaded by ``load_export``.
        users: Label Studio user id → e-mail (pulled alongside the export).
        schema: The annotation scheme the labels must belong to.
        salt: Salt for the worker pseudonyms.
        source: Name of the export, used in the reasons and error messages.
        max_annotations: The project's overlap; None keeps every annotator.
        history: Earlier raw exports of the same project, oldest first.
        allow_synthetic: Keep annotations by simulated accounts (the demo and tests).

    Raises:
        ExportError: Two tasks share a task key (a whole-file problem: the push prevents it).
    """
    report = _Report()
    authored = _author_versions(history)
    previous_results = {a["id"]: a.get("result") for t in (history[-1] if history else [])
                        for a in t.get("annotations") or [] if isinstance(a, dict) and "id" in a}
    task_rows, annotation_rows, span_rows = [], [], []
    for task in export:
        where = f"{source}: task {task['id']}"
        row, problem = _task_row(task)
        if row is None:
            report.drop({"ls_task_id": task["id"] if _is_int(task["id"]) else None}, "bad_task", f"{where}: {problem}",
                        "dropped the task and its annotations")
            continue
        task_rows.append(row)
        records = _votes_of_task(task, row, where, users, salt, schema, authored, previous_results, report, allow_synthetic)
        for record in _kept_votes(records, max_annotations, report):
            if record["_flag"] is not None:
                report.flag(record, *record["_flag"])
            for start, end, text, label, origin in _read_regions(record, row["text"], schema, report):
                span_rows.append({TASK: record[TASK], WORKER: record[WORKER], "start": start, "end": end, "text": text,
                                  LABEL: label, "ls_annotation_id": record["ls_annotation_id"], "origin": origin})
            annotation_rows.append({key: value for key, value in record.items() if not key.startswith("_")})
    tasks = pd.DataFrame(task_rows, columns=list(TASK_COLUMNS))
    if tasks[TASK].duplicated().any():
        dupes = sorted(tasks.loc[tasks[TASK].duplicated(), TASK])[:5]
        raise ExportError(f"{source}: task key(s) {dupes} occur in more than one task; the push should prevent this")
    # The primary question's answer is `label`; any further choice question gets its own column.
    annotations = pd.DataFrame(annotation_rows, columns=[*ANNOTATION_COLUMNS, *(q.name for q in schema.choices[1:])])
    spans_frame = pd.DataFrame(span_rows, columns=list(SPAN_RECORD_COLUMNS))
    return Votes(
        tasks=tasks.sort_values(TASK, ignore_index=True),
        annotations=annotations.sort_values([TASK, WORKER], ignore_index=True),
        spans=spans_frame.sort_values([TASK, WORKER, "start", "end"], ignore_index=True),
        dropped=report.dropped,
        integrity=pd.DataFrame(report.rows, columns=list(INTEGRITY_COLUMNS)),
    )


def progress(
    export: list[dict[str, Any]], users: Mapping[int, str], *, overlap: int, schema: Schema | None = None
) -> tuple[pd.DataFrame, int]:
    """Per-annotator progress for the curator, and the number of tasks short of ``overlap``.

    An annotation counts when it is a vote by ``vote_problem``, the predicate ``to_votes`` keeps
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
        their annotations (shown to the curator only, never written); and the count of tasks
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
    return table.sort_index(), short
