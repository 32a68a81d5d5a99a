"""Parse raw Label Studio exports into long tables, verifying every span and label on the way in.

Tables (pandas, one row per …):
- ``tasks``: task — our ``task_key`` plus the task data (sentence, target, context) and ``ls_task_id``;
- ``annotations``: worker × task — the primary question's ``label`` (stance), one column per further
  choice question, and annotation metadata;
- ``spans``: marked span — ``task, worker, start, end, text, label``;
- ``suggestions``: suggested span shown to a kept annotation — ``task, worker, start, end, text,
  label``; ``stance_suggestions``: suggested stance shown to one — ``task, worker, label, score``
  (``exports.suggestions`` says which predictions were shown and measures their outcomes);
- ``gold`` and ``gold_spans``: the gold tasks' labels — ``task, label`` and ``task, start, end, text,
  label``. A task is gold when it has an annotation with Label Studio's ``ground_truth`` flag (the
  curator's, made in the UI or by ``annotation gold import``); that annotation holds the gold labels
  and is never a vote: not an annotator's, not in agreement, not counted against the overlap.

Worker ids are salted pseudonyms; e-mails never leave this module. Drafts are ignored, and
predictions are read only as the suggestions of the annotations kept; the other policies (skips, duplicates, over-assignment, edits by other users) are listed
in ``to_votes``. One bad record (a task, an annotation, a span) is dropped, counted in
``Votes.dropped`` and listed in ``Votes.integrity``; it never stops the others from being read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from annotation.exports.reader import ExportError, edited_by_other, is_int, parse_timestamp, read_span, read_stance, user_id_of
from annotation.exports.suggestions import suggested_regions
from annotation.records import (
    ANNOTATION_COLUMNS,
    GOLD_COLUMNS,
    GOLD_SPAN_COLUMNS,
    INTEGRITY_COLUMNS,
    LABEL,
    SPAN_RECORD_COLUMNS,
    STANCE_SUGGESTION_COLUMNS,
    SUGGESTION_COLUMNS,
    TASK,
    TASK_COLUMNS,
    WORKER,
)
from annotation.schema import Schema

__all__ = ["Votes", "DROP_REASONS", "FLAG_REASONS", "SYNTHETIC_DOMAIN", "pseudonymize", "to_votes"]

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
    "bad_suggestion": ("suggested span", "malformed, outside the schema or not matching the sentence"),
    "bad_stance_suggestion": ("suggested stance", "malformed or outside the schema"),
    "bad_adjudication": ("review annotation", "with a label outside the schema or an unreadable time"),
    "bad_gold": ("ground-truth annotation", "cancelled, without a stance or with one outside the schema"),
    "superseded_gold": ("ground-truth annotation", "superseded by a later ground-truth annotation of the same task"),
}
"""What ``to_votes`` drops, the keys of ``Votes.dropped``: key -> (unit counted, what was wrong)."""
FLAG_REASONS: dict[str, str] = {
    "edited_by_other": "restored to their author's last pulled version",
    "changed_since_last_pull": "changed since the last pull",
}
"""What ``to_votes`` keeps but lists in ``Votes.integrity``: issue -> what happened."""

@dataclass
class Votes:
    """The long tables parsed from one export, what the policies dropped, and the integrity report."""

    tasks: pd.DataFrame
    annotations: pd.DataFrame
    spans: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    integrity: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(INTEGRITY_COLUMNS)))
    suggestions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(SUGGESTION_COLUMNS)))
    stance_suggestions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(STANCE_SUGGESTION_COLUMNS)))
    gold: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(GOLD_COLUMNS)))
    gold_spans: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(GOLD_SPAN_COLUMNS)))

    def summary(self) -> str:
        """One line for the build's output: what was kept, dropped (per reason) and flagged.

        Examples:
            >>> frame = pd.DataFrame({"task": ["t1", "t2"]})
            >>> Votes(frame, frame, frame.iloc[:0], dropped={"cancelled": 1, "bad_span": 0}).summary()
            '2 annotation(s) and 0 span(s) kept from 2 task(s); dropped 1 annotation(s) cancelled (skipped)'
        """
        parts = [f"{len(self.annotations)} annotation(s) and {len(self.spans)} span(s) kept from {len(self.tasks)} task(s)"
                 + (f" ({len(self.gold)} of them gold)" if len(self.gold) else "")]
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


def _author_versions(history: Sequence[list[dict[str, Any]]]) -> dict[int, dict[str, Any]]:
    """Annotation id → its newest version in ``history`` (oldest export first) saved by its author."""
    versions: dict[int, dict[str, Any]] = {}
    for export in history:
        for task in export:
            for annotation in task.get("annotations") or []:
                if isinstance(annotation, dict) and is_int(annotation.get("id")) and not edited_by_other(annotation):
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
    if not is_int(task["id"]):
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
    gold: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The task's stance votes, one record per annotation, before the policies that compare
    annotations (latest per annotator, overlap); private keys (``_result``, ``_at``, ``_created``,
    ``_updated``, ``_flag``: an integrity row for when the vote is kept) carry what those need.
    A ground-truth annotation is no vote: it goes to ``gold`` (same keys), whoever made it."""
    records = []
    for annotation in task.get("annotations") or []:
        at = f"{where}, annotation {annotation.get('id') if isinstance(annotation, dict) else annotation!r}"
        record: dict[str, Any] = {TASK: row[TASK], "ls_task_id": row["ls_task_id"]}
        if not isinstance(annotation, dict) or not is_int(annotation.get("id")):
            report.drop(record, "bad_annotation", f"{at}: no integer id", "dropped the annotation")
            continue
        record["ls_annotation_id"] = annotation_id = annotation["id"]
        if annotation.get("ground_truth"):
            _gold_record(annotation, record, at, schema, report, gold)
            continue
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
        stance, problem = read_stance(annotation, schema)
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
            "_prediction": annotation.get("prediction"),
            "_at": at,
            "_created": times[0],
            "_updated": times[1],
            "_flag": flag,
        })
    return records


def _gold_record(annotation: dict[str, Any], record: dict[str, Any], at: str, schema: Schema, report: _Report,
                 gold: list[dict[str, Any]]) -> None:
    """Append the ground-truth ``annotation``'s record to ``gold``, or drop it (``bad_gold``)."""
    times, what = _times(annotation)
    stance, problem = read_stance(annotation, schema)
    if problem is not None:
        what = problem[1]
    if times is None or problem is not None:
        report.drop(record, "bad_gold", f"{at}: ground truth: {what}",
                    "dropped the ground-truth annotation; the task is not gold unless another one is")
        return
    gold.append({**record, LABEL: stance, "updated_at": annotation.get("updated_at") or annotation.get("created_at"),
                 "_result": annotation["result"], "_at": at, "_updated": times[1]})


def _kept_gold(records: list[dict[str, Any]], report: _Report) -> dict[str, Any] | None:
    """The task's latest ground-truth annotation (by update time, then id); the others are dropped."""
    if not records:
        return None
    records = sorted(records, key=lambda r: (r["_updated"], r["ls_annotation_id"]))
    for record in records[:-1]:
        report.drop(record, "superseded_gold", f"{record['_at']}: a later ground-truth annotation of the task is kept",
                    "dropped the ground-truth annotation")
    return records[-1]


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
            span, problem = read_span(value, text, schema)
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
      except on a gold task, which every annotator is served: all its annotators are kept;
    - an annotation with ``ground_truth`` set is the task's gold, not a vote (``Votes.gold``,
      ``Votes.gold_spans``), whoever made it; its spans are checked as a vote's are; a task with
      several keeps the latest (by update time) and drops the others (``superseded_gold``); one
      without a readable stance is dropped (``bad_gold``);
    - an annotation last saved by someone other than its author (the open-source edition lets any
      user edit any annotation): the author's newest version in ``history`` is used instead, or the
      annotation is dropped when no such version was ever pulled;
    - an annotation whose result differs from the previous pull is kept and listed;
    - without ``allow_synthetic`` (a campaign that is not a demo), an annotation by a simulated
      account (e-mail domain ``SYNTHETIC_DOMAIN``) is dropped and listed, before the overlap is
      counted, so no synthetic vote reaches a real campaign's release;
    - the suggestions (pre-filled spans, stance) shown to each annotation kept are read into ``Votes.suggestions``
      and ``Votes.stance_suggestions`` (``exports.suggestions``); a bad one is dropped and listed
      (``bad_suggestion``, ``bad_stance_suggestion``);
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
    task_rows, annotation_rows, span_rows, suggestion_rows, stance_rows, gold_rows, gold_span_rows = [], [], [], [], [], [], []
    for task in export:
        where = f"{source}: task {task['id']}"
        row, problem = _task_row(task)
        if row is None:
            report.drop({"ls_task_id": task["id"] if is_int(task["id"]) else None}, "bad_task", f"{where}: {problem}",
                        "dropped the task and its annotations")
            continue
        task_rows.append(row)
        gold: list[dict[str, Any]] = []
        records = _votes_of_task(task, row, where, users, salt, schema, authored, previous_results, report, allow_synthetic, gold)
        truth = _kept_gold(gold, report)
        if truth is not None:
            for start, end, text, label, _ in _read_regions(truth, row["text"], schema, report):
                gold_span_rows.append({TASK: truth[TASK], "start": start, "end": end, "text": text, LABEL: label,
                                       "ls_annotation_id": truth["ls_annotation_id"]})
            gold_rows.append({key: truth[key] for key in GOLD_COLUMNS})
        # Every annotator is served a gold task: the overlap does not cap its votes.
        for record in _kept_votes(records, None if truth is not None else max_annotations, report):
            if record["_flag"] is not None:
                report.flag(record, *record["_flag"])
            for start, end, text, label, origin in _read_regions(record, row["text"], schema, report):
                span_rows.append({TASK: record[TASK], WORKER: record[WORKER], "start": start, "end": end, "text": text,
                                  LABEL: label, "ls_annotation_id": record["ls_annotation_id"], "origin": origin})
            shown, stances, problems = suggested_regions(record["_prediction"], task.get("predictions"), row["text"], schema)
            for key, problem in problems:
                report.drop(record, key, f"{record['_at']}: suggestion {problem}", "dropped the suggestion")
            keys = {TASK: record[TASK], WORKER: record[WORKER], "ls_annotation_id": record["ls_annotation_id"]}
            suggestion_rows.extend({**keys, **suggestion._asdict()} for suggestion in shown)
            stance_rows.extend({**keys, **suggestion._asdict()} for suggestion in stances)
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
        suggestions=pd.DataFrame(suggestion_rows, columns=list(SUGGESTION_COLUMNS)).sort_values(
            [TASK, WORKER, "start", "end", LABEL], ignore_index=True),
        stance_suggestions=pd.DataFrame(stance_rows, columns=list(STANCE_SUGGESTION_COLUMNS)).sort_values(
            [TASK, WORKER, "model_version"], ignore_index=True),
        gold=pd.DataFrame(gold_rows, columns=list(GOLD_COLUMNS)).sort_values(TASK, ignore_index=True),
        gold_spans=pd.DataFrame(gold_span_rows, columns=list(GOLD_SPAN_COLUMNS)).sort_values(
            [TASK, "start", "end", LABEL], ignore_index=True),
    )
