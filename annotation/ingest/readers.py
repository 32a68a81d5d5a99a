"""Readers: corpus files → ``Record`` (fields as read) or ``Problem``, one format per reader.

- **Seed text** (``.txt``, one article per file): headline, ``Published``/``Updated`` lines,
  body paragraphs. The whole page is one record; it is parsed after normalisation
  (``parse_seed_text``).
- **JSONL** (``.jsonl``, one JSON object per line) and **CSV** (``.csv``, comma-separated
  with a header row and RFC 4180 quoting): one record per article, with the fields ``text``
  (required), ``title``, ``published``, ``updated``, ``url``, ``outlet`` and an id field. Other
  fields are kept in the record and ignored downstream.
- **Directories**, searched recursively for those three suffixes (case-insensitive) in sorted
  path order; hidden files and folders (names starting with ``.``) and other suffixes are skipped.

A file is first checked in chunks (size against ``MAX_BYTES``, NUL bytes, UTF-8); JSONL and CSV
are then streamed record by record, so memory does not grow with the file size.

Package-internal (not in ``__all__``): ``SourceFile`` and ``find_sources`` (the files under the
given sources), ``parse_seed_page`` (the seed page of a normalised text) and ``as_text`` (a field
value as trimmed text).
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.ingest.normalise import drop_furniture, furniture_pattern, normalise_date, normalise_text
from annotation.ingest.problems import IngestError, Problem, Skip

__all__ = ["MAX_BYTES", "Record", "iter_records", "parse_seed_text"]

MAX_BYTES = 50_000_000
_SUFFIXES = (".txt", ".jsonl", ".csv")
_CHUNK = 1 << 16
_HEADER = re.compile(r"^(Published|Updated)\s+(\d{2}\.\d{2}\.\d{4}\s+\d{2}:\d{2})\s*$")
_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Record:
    """One article as read from a file, before normalisation.

    Attributes:
        line: The record's first line (JSONL, CSV); ``None`` for a seed ``.txt`` file.
        fields: Field name → value as read (for ``.txt``: ``text``, the whole page, whose headline,
            ``Published``/``Updated`` lines and body are parsed after normalisation).
    """

    line: int | None
    fields: dict[str, Any]


def as_text(value: Any, name: str) -> str | None:
    """A scalar as trimmed text, None when absent or blank; ``TypeError`` for a list, mapping or bool."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | None):
        raise TypeError(f"{name!r} is {type(value).__name__}, expected a string")
    return None if value is None else str(value).strip() or None


def _check_file(path: Path, max_bytes: int | None) -> Problem | None:
    """Size, NUL bytes and UTF-8 validity, read in chunks."""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        return Problem(str(path), None, "too-large", f"{size:,} bytes is over max_bytes={max_bytes:,}; split the file or raise max_bytes")
    if size == 0:
        return Problem(str(path), None, "empty", "empty file")
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if offset == 0 and chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return Problem(str(path), None, "encoding", "UTF-16 text (byte order mark); re-save the file as UTF-8")
            nul = chunk.find(b"\0")
            if nul >= 0:
                line = newlines + chunk.count(b"\n", 0, nul) + 1
                return Problem(str(path), line, "binary", f"binary file (NUL byte at byte {offset + nul}); expected UTF-8 text")
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                position = offset - pending + err.start
                line = newlines + chunk.count(b"\n", 0, max(position - offset, 0)) + 1
                return Problem(
                    str(path), line, "encoding",
                    f"not UTF-8: byte 0x{err.object[err.start]:02x} at byte {position} cannot be decoded; re-save the file as UTF-8",
                )  # fmt: skip
            newlines += chunk.count(b"\n")
            offset += len(chunk)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            return Problem(
                str(path), newlines + 1, "encoding",
                f"not UTF-8: the file ends inside a character at byte {offset - pending + err.start}; re-save the file as UTF-8",
            )  # fmt: skip
    return None


def _read_txt(path: Path) -> Iterator[Record | Problem]:
    page = path.read_bytes().decode("utf-8-sig")
    if not page.strip():
        yield Problem(str(path), None, "empty", "empty file, expected a headline and a body")
        return
    yield Record(None, {"text": page})


def _read_jsonl(path: Path) -> Iterator[Record | Problem]:
    found = False
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            line = raw.decode("utf-8").removeprefix("\ufeff") if number == 1 else raw.decode("utf-8")
            if not line.strip():
                continue
            found = True
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                yield Problem(str(path), number, "invalid-json", f"invalid JSON: {err.msg.removesuffix(' at')} at column {err.colno}")
                continue
            if isinstance(value, dict):
                yield Record(number, value)
            else:
                yield Problem(str(path), number, "invalid-record", f"expected a JSON object with 'text', got {type(value).__name__}")
    if not found:
        yield Problem(str(path), None, "empty", "no records, only blank lines")


def _read_csv(path: Path) -> Iterator[Record | Problem]:
    # The csv module's default limit (128 KiB per field) is shorter than a long article;
    # max_bytes bounds the file instead. The limit is process-wide, so it is only ever raised.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader, [])]
            if "text" not in header:
                yield Problem(str(path), 1, "invalid-csv", f"the header has no 'text' column (columns: {', '.join(header) or 'none'})")
                return
            found = False
            previous = reader.line_num
            for row in reader:
                line, previous = previous + 1, reader.line_num
                if not row:
                    continue
                found = True
                if len(row) == len(header):
                    yield Record(line, dict(zip(header, row, strict=True)))
                else:
                    reason = f"{len(row)} fields, the header has {len(header)}; quote fields that contain commas"
                    yield Problem(str(path), line, "invalid-csv", reason)
        except csv.Error as err:
            yield Problem(str(path), reader.line_num, "invalid-csv", f"unreadable CSV: {err}")
            return
    if not found:
        yield Problem(str(path), None, "empty", "a header but no records")


_READERS: dict[str, Callable[[Path], Iterator[Record | Problem]]] = {
    ".txt": _read_txt,
    ".jsonl": _read_jsonl,
    ".csv": _read_csv,
}


def iter_records(path: str | Path, *, max_bytes: int | None = MAX_BYTES) -> Iterator[Record | Problem]:
    """Stream the records of one ``.txt``, ``.jsonl`` or ``.csv`` file, and its problems.

    The file is first checked in chunks (size, NUL bytes, UTF-8 with or without a byte order
    mark); a file that fails yields one ``Problem`` and no record. JSONL is then read line by
    line and CSV row by row, so memory stays flat; a bad line or row yields a ``Problem`` and
    reading goes on.

    Args:
        path: The file; its suffix picks the format.
        max_bytes: Larger files are skipped; ``None`` for no limit.

    Yields:
        A ``Record`` per article (a ``.txt`` file is one record whose ``text`` is the whole
        page), or a ``Problem``.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        reason = f"unsupported file type {path.suffix or '(no suffix)'!r}; expected .txt, .jsonl or .csv"
        yield Problem(str(path), None, "unsupported", reason)
        return
    try:
        problem = _check_file(path, max_bytes)
        if problem is not None:
            yield problem
            return
        yield from reader(path)
    except OSError as err:
        yield Problem(str(path), None, "unreadable", f"cannot read: {err.strerror or err}")


def parse_seed_page(page: str) -> dict[str, Any]:
    """Headline, Published/Updated stamps and body of a normalised seed page.

    Returns the dict of ``parse_seed_text``; raises ``Skip`` for a page without a headline or body.
    """
    paragraphs = [p.strip() for p in _BLANK_LINES.split(page.strip())]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise Skip("empty", "no text left, expected a headline and a body")
    title, rest = paragraphs[0], paragraphs[1:]
    stamps: dict[str, str] = {}
    body: list[str] = []
    for paragraph in rest:
        headers = [_HEADER.match(line) for line in paragraph.split("\n")]
        if all(headers):
            for match in filter(None, headers):
                stamps[match.group(1).lower()] = normalise_date(match.group(2))
        else:
            body.append(paragraph)
    if not body:
        raise Skip("invalid-record", "no body text after the headline")
    return {
        "title": title,
        "published": stamps.get("published"),
        "updated": stamps.get("updated"),
        "body": "\n\n".join(body),
    }


def parse_seed_text(raw: str, source: str, *, drop_lines: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse the seed ``.txt`` format: headline, Published/Updated lines, body.

    The text is normalised (``normalise_text``) and its page-furniture lines dropped first.

    Args:
        raw: The file's text.
        source: The file's name, for messages.
        drop_lines: Page-furniture patterns (regular expressions; a stripped line that fully
            matches one is dropped); None for ``PAGE_FURNITURE``.

    Returns:
        A dict with ``title``, ``published``, ``updated`` (ISO 8601 or None) and ``body``
        (paragraphs joined by one blank line).

    Raises:
        IngestError: The file has no headline or no body or a run of more than
            ``MAX_COMBINING`` combining marks, or a ``drop_lines`` pattern is invalid.

    Examples:
        >>> doc = parse_seed_text("Head\\n\\nPublished 03.11.2019 17:48\\n\\nBody one.\\n\\nShare on Facebook Share on Twitter\\n", "x.txt")
        >>> doc["title"], doc["published"], doc["body"]
        ('Head', '2019-11-03T17:48', 'Body one.')
    """
    furniture = furniture_pattern(drop_lines)
    try:
        return parse_seed_page(drop_furniture(normalise_text(raw), furniture, []))
    except Skip as skip:
        raise IngestError(f"{source}: {skip.reason}") from None
    except ValueError as err:
        raise IngestError(f"{source}: {err}") from None


@dataclass(frozen=True)
class SourceFile:
    """One input file and the name it is known by in sources and messages."""

    path: Path  # as reached from the given source
    name: str  # relative to the source folder (posix), or the file name


def find_sources(sources: Iterable[str | Path]) -> tuple[list[SourceFile], list[Problem]]:
    """The readable files under ``sources`` (directories recursively), each once, in sorted path
    order; and an ``unreadable`` ``Problem`` per source that does not exist."""
    files: list[SourceFile] = []
    missing: list[Problem] = []
    for source in map(Path, sources):
        if source.is_dir():
            for path in source.rglob("*"):
                relative = path.relative_to(source)
                hidden = any(part.startswith(".") for part in relative.parts)
                if path.suffix.lower() in _SUFFIXES and not hidden and path.is_file():
                    files.append(SourceFile(path, relative.as_posix()))
        elif source.exists():
            files.append(SourceFile(source, source.name))
        else:
            missing.append(Problem(str(source), None, "unreadable", "no such file or directory"))
    unique: dict[Path, SourceFile] = {}
    for file in sorted(files, key=lambda f: f.path.parts):
        unique.setdefault(file.path.resolve(), file)
    return list(unique.values()), missing

