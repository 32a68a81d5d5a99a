"""Gold tasks: the curator's own labels for some tasks, against which each annotator is checked.

A task is **gold** when it has an annotation with Label Studio's ``ground_truth`` flag; that
annotation holds the gold stance and spans, in the result format of any annotation. The curator
makes one either in Label Studio (labelling the task as the project's admin and marking the
annotation as ground truth), or from a file with ``annotation gold import FILE``, which this module
reads and checks. Gold tasks are otherwise ordinary tasks: annotators are served them like any
other (the server's queue mixes them in), never see the gold annotation (the guard hides other
users' annotations), and their votes on them are kept; ``exports.votes`` splits the gold out
(``Votes.gold``), ``exports.accuracy`` scores each annotator on it, and the release leaves gold
tasks out of its agreement figures.

The gold file is CSV (a header line) or JSON Lines, one gold task per row:

- ``task_key``, or ``sentence_id`` and ``target`` (the task key is ``sentence_id|target``,
  ``records.task_key``);
- ``stance``: one of the scheme's stance labels;
- ``spans``: a list of ``{"start", "end", "label"}`` (and optionally ``"text"``, checked against
  the sentence), offsets in Python code points into the sentence, end exclusive; in CSV a JSON
  string; empty or missing means no loaded language.

Reading is pure (``read_gold``); each bad row is reported as ``file:line: what is wrong`` and
skipped, never stopping the others.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation.errors import AnnotationError
from annotation.exports.reader import is_int
from annotation.records import task_key
from annotation.schema import Schema
from annotation.spans import fits_text

__all__ = ["GoldError", "GoldRow", "GoldReport", "read_gold", "gold_result"]


class GoldError(AnnotationError, ValueError):
    """The gold file cannot be read at all (missing, an unknown format, no header)."""


@dataclass(frozen=True)
class GoldRow:
    """One gold task read from the file: its task key, stance and spans ``(start, end, label)``."""

    task_key: str
    stance: str
    spans: tuple[tuple[int, int, str], ...]
    where: str  # file:line


@dataclass
class GoldReport:
    """What ``annotation gold import`` did: ground-truth annotations created, updated, already
    equal, and the rows skipped (``file:line: what is wrong``)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line, record)`` of a CSV or JSONL file; a JSONL line that is not JSON gives a str (the error)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise GoldError(f"{path}: no header line; expected task_key (or sentence_id and target), stance, spans")
            for record in reader:
                yield reader.line_num, record
    elif suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as handle:
            for line, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                try:
                    yield line, json.loads(text)
                except ValueError as err:
                    yield line, f"not JSON ({err})"
    else:
        raise GoldError(f"{path}: a gold file is .csv or .jsonl, not {suffix or 'without a suffix'!r}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _key(record: Mapping[str, Any]) -> tuple[str | None, str]:
    """The record's task key, or None and what is wrong."""
    key, sentence, target = record.get("task_key"), record.get("sentence_id"), record.get("target")
    from_parts = None if _blank(sentence) or _blank(target) else task_key(str(sentence).strip(), str(target).strip())
    if not _blank(key):
        if from_parts is not None and from_parts != str(key).strip():
            return None, f"task_key {key!r} is not sentence_id|target ({from_parts!r})"
        return str(key).strip(), ""
    if from_parts is None:
        return None, "no task_key, and no sentence_id and target to make it"
    return from_parts, ""


def _spans(value: Any, text: str, schema: Schema) -> tuple[tuple[tuple[int, int, str], ...] | None, str]:
    """The spans of a record, or None and what is wrong."""
    if _blank(value):
        return (), ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            return None, f"spans is not JSON ({err})"
    if not isinstance(value, list):
        return None, f"spans is {type(value).__name__}, not a list of {{start, end, label}}"
    spans = []
    for i, span in enumerate(value):
        if not isinstance(span, dict):
            return None, f"span {i} is not an object with start, end and label"
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if label not in schema.span_names:
            return None, f"span {i}: label {label!r} is not one of {schema.span_names}"
        if not (is_int(start) and is_int(end) and fits_text(start, end, len(text))):
            return None, f"span {i}: offsets {start!r}..{end!r} are not a range inside the sentence (length {len(text)})"
        if "text" in span and span["text"] != text[start:end]:
            return None, f"span {i}: text {span['text']!r} is not the sentence's {text[start:end]!r} at {start}..{end}"
        spans.append((start, end, label))
    return tuple(sorted(set(spans))), ""


def read_gold(path: str | Path, *, schema: Schema, texts: Mapping[str, str]) -> tuple[list[GoldRow], list[str]]:
    """The gold rows of a CSV or JSONL file, checked against the scheme and the pushed tasks.

    Args:
        path: The gold file (see the module docstring for its columns).
        schema: The scheme the stance and span labels must belong to.
        texts: Task key → sentence of every task pushed to the project.

    Returns:
        The good rows, and one ``file:line: what is wrong`` per row skipped: not an object, no task
        key, a task the project does not have, a stance or span label outside the scheme, span
        offsets outside the sentence, a span text that is not the sentence's, a task given twice
        (the first row is kept).

    Raises:
        GoldError: The file is missing, neither .csv nor .jsonl, or a CSV without a header.

    Examples:
        >>> import tempfile
        >>> from annotation.schema import load_schema
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "gold.jsonl").write_text(
        ...     '{"sentence_id": "a-0001", "target": "T", "stance": "against", "spans": [{"start": 4, "end": 10, "label": "loaded-negative"}]}\\n'
        ...     '{"task_key": "a-0002|T", "stance": "sceptical"}\\n')
        >>> rows, problems = read_gold(folder / "gold.jsonl", schema=load_schema(), texts={"a-0001|T": "The regime fell.", "a-0002|T": "Talks ended."})
        >>> rows[0].task_key, rows[0].stance, rows[0].spans
        ('a-0001|T', 'against', ((4, 10, 'loaded-negative'),))
        >>> [p.split(": ", 1)[1] for p in problems]
        ["stance 'sceptical' is not one of ['favor', 'against', 'neutral', 'unrelated']"]
    """
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"{path}: no such file")
    rows: list[GoldRow] = []
    problems: list[str] = []
    first: dict[str, str] = {}
    for line, record in _records(path):
        where = f"{path}:{line}"
        if isinstance(record, str):
            problems.append(f"{where}: {record}")
            continue
        if not isinstance(record, dict):
            problems.append(f"{where}: a row is an object with task_key (or sentence_id and target), stance and spans")
            continue
        key, what = _key(record)
        stance = record.get("stance")
        stance = stance.strip() if isinstance(stance, str) else stance
        if key is None:
            problems.append(f"{where}: {what}")
        elif key not in texts:
            problems.append(f"{where}: task {key!r} is not in the project (push the corpus first, or check sentence_id and target)")
        elif stance not in schema.stance_names:
            problems.append(f"{where}: stance {stance!r} is not one of {schema.stance_names}")
        else:
            spans, what = _spans(record.get("spans"), texts[key], schema)
            if spans is None:
                problems.append(f"{where}: {what}")
            elif key in first:
                problems.append(f"{where}: task {key!r} is already gold at {first[key]}; this row is skipped")
            else:
                first[key] = where
                rows.append(GoldRow(task_key=key, stance=stance, spans=spans, where=where))
    return rows, problems


def gold_result(row: GoldRow, text: str, schema: Schema) -> list[dict[str, Any]]:
    """The Label Studio result of a gold row (the format of any annotation: one stance choice and
    one labels region per span), for the ground-truth annotation of its task.

    Examples:
        >>> from annotation.schema import load_schema
        >>> row = GoldRow("a-0001|T", "against", ((4, 10, "loaded-negative"),), "gold.csv:2")
        >>> [(r["from_name"], r["value"]) for r in gold_result(row, "The regime fell.", load_schema())]  # doctest: +NORMALIZE_WHITESPACE
        [('stance', {'choices': ['against']}),
         ('loaded', {'start': 4, 'end': 10, 'text': 'regime', 'labels': ['loaded-negative']})]
    """
    result: list[dict[str, Any]] = [{"id": "gold-stance", "from_name": schema.stance_name, "to_name": "text", "type": "choices",
                                     "value": {"choices": [row.stance]}}]
    result += [{"id": f"gold-{i}", "from_name": schema.span_name, "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}
               for i, (start, end, label) in enumerate(row.spans)]
    return result
