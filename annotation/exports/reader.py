"""Reading Label Studio's JSON export, one record at a time: the files, timestamps, stances and spans.

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

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from annotation.errors import AnnotationError
from annotation.schema import Schema
from annotation.spans import fits_text

__all__ = ["ExportError", "load_export", "read_users", "parse_timestamp", "vote_problem", "user_id_of", "edited_by_other"]

_LINE_BREAK_ESCAPE = "\\n"  # how Label Studio writes a line break into a span's text
_WHITESPACE_RUN = re.compile(r"\s+")


class ExportError(AnnotationError, ValueError):
    """A raw export is malformed or disagrees with the schema; the message names the record."""


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


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_span(value: Any, text: str, schema: Schema) -> tuple[tuple[int, int, str, str] | None, str]:
    """``(start, end, sentence[start:end], label)`` of a span region's value, or None and what is wrong."""
    value = value if isinstance(value, dict) else {}
    labels = value.get("labels") or []
    if not (isinstance(labels, list) and len(labels) == 1 and labels[0] in schema.span_names):
        return None, f"span label {labels} is not one of {schema.span_names}"
    start, end, exported = value.get("start"), value.get("end"), value.get("text")
    if not (is_int(start) and is_int(end) and fits_text(start, end, len(text))):
        return None, f"span offsets {start}..{end} are not a range inside the sentence (length {len(text)})"
    piece = text[start:end]
    if exported is not None and not isinstance(exported, str):
        return None, f"span text {exported!r} is not a string"
    if exported is not None and _squeezed(exported) != _squeezed(piece):
        return None, f"span {start}..{end} is {piece!r} in the sentence but {exported!r} in the export, which is not a rendering of it"
    return (start, end, piece, labels[0]), ""


def read_stance(annotation: Mapping[str, Any], schema: Schema) -> tuple[str | None, tuple[str, str] | None]:
    """The annotation's stance, or None and ``(votes.DROP_REASONS key, what is wrong)``."""
    if annotation.get("was_cancelled"):
        return None, ("cancelled", "cancelled (skipped)")
    result = annotation.get("result")
    if not isinstance(result, list):
        return None, ("without_stance", f"result is {result!r}")
    return stance_in(result, schema)


def stance_in(result: list[Any], schema: Schema) -> tuple[str | None, tuple[str, str] | None]:
    """The stance of a ``result`` (an annotation's or a prediction's): its one region of the stance
    control with one choice of the schema; or None and ``("without_stance" | "bad_stance", what is wrong)``."""
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
    return read_stance(annotation, schema)[1]


def user_id_of(user: Any) -> Any:
    """The user id in an export's ``completed_by``/``updated_by``, which is an id or a user dict."""
    return user.get("id") if isinstance(user, dict) else user


def edited_by_other(annotation: dict[str, Any]) -> bool:
    """True when an annotation was last saved by someone other than its author."""
    editor = user_id_of(annotation.get("updated_by"))
    return editor is not None and editor != user_id_of(annotation.get("completed_by"))
