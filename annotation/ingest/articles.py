"""Ingest source articles: read seed text, JSONL and CSV files, normalise the text, attach the manifest.

Inputs (``iter_articles``, ``ingest_sources``, ``load_articles``):

- **Seed text** (``.txt``, one article per file): headline, ``Published``/``Updated`` lines,
  body paragraphs (``parse_seed_text``).
- **JSONL** (``.jsonl``, one JSON object per line) and **CSV** (``.csv``, comma-separated
  with a header row and RFC 4180 quoting): one article per record, with the fields
  ``text`` (required), ``title``, ``published``, ``updated``, ``url``, ``outlet`` and an id
  field (the first of ``id_columns`` present, by default ``article_id`` then ``id``). Other
  fields are ignored. ``published``/``updated`` become ISO 8601 when ``normalise_date``
  recognises the date and are kept as given otherwise.
- **Directories**, searched recursively for those three suffixes (case-insensitive) in sorted
  path order; hidden files and folders (names starting with ``.``) and other suffixes are skipped.

The stored ``Article.text`` is the title, a blank line, then the body (for a record without a
title, the body alone). Normalisation is explicit (``NORMALISATION``, ``normalise_text``) and
every offset downstream refers to this stored text. Each article records what it changed
(``Article.normalisation``: HTML entities decoded, invisible characters removed or kept, line
endings, NFC, trailing whitespace, with counts) and which lines it dropped as page furniture
(``Article.dropped_lines``: lone page numbers, advertising labels, share-button rows; the
patterns are ``PAGE_FURNITURE`` unless the caller passes its own ``drop_lines``).

The manifest (``articles.yaml``, ``load_manifest``) gives the stance targets and metadata::

    default_targets: [Syrian government]     # optional: for articles without an entry
    articles:
      - file: 000_9ea230396c6002b4.txt       # a .txt article, relative to the manifest
        article_id: "9ea230396c6002b4"        # optional
        targets: [Syrian government, Syrian opposition forces]
      - url: https://example.org/a            # a JSONL/CSV record, matched by its url ...
        targets: [Russia]
      - article_id: wire-0042                 # ... or by its id field
        outlet: Example Wire
        targets: [Turkey]

Article ids are stable: the manifest's ``article_id``, else the record's id field, else the
first 16 hex digits of the sha256 of the stored text. Sentence ids follow from them
(``annotation.ingest.segment``).

Input problems do not stop ingestion: an unreadable, empty, binary, non-UTF-8 or oversized file,
an invalid record, an article without targets or a duplicate each give one ``Problem`` naming
the file and line, and everything else is still ingested. Manifest errors and invalid
``drop_lines`` patterns raise ``IngestError``. ``IngestReport.empty`` tells a caller that nothing
was ingested, so that it keeps its earlier outputs.
JSONL and CSV are streamed record by record, so memory does not grow with the file size, only
with the number of articles through the duplicate check (about 400 bytes per article).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from annotation.errors import AnnotationError

__all__ = [
    "Article",
    "INVISIBLE_KEPT",
    "INVISIBLE_REMOVED",
    "IngestError",
    "IngestReport",
    "ID_COLUMNS",
    "MAX_BYTES",
    "MAX_COMBINING",
    "Manifest",
    "ManifestEntry",
    "NORMALISATION",
    "NORMALISATION_STEPS",
    "Problem",
    "ProblemKind",
    "Record",
    "normalise_text",
    "normalise_date",
    "parse_seed_text",
    "load_manifest",
    "iter_records",
    "iter_articles",
    "ingest_sources",
    "load_articles",
    "articles_table",
    "PAGE_FURNITURE",
]

# Invisible format characters that only hint at hyphenation or line breaking, or are a byte
# order mark left inside the text: soft hyphen, zero-width space, word joiner, U+FEFF.
INVISIBLE_REMOVED = "\u00ad\u200b\u2060\ufeff"
# Invisible format characters that change how text is shaped or ordered, so they are kept:
# zero-width non-joiner and joiner (Persian words, emoji sequences), the Arabic letter mark, and
# the direction marks, embeddings, overrides and isolates.
INVISIBLE_KEPT = "\u061c\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# The text normalisation steps, in the order applied, as recorded per article
# (``Article.normalisation``): step name -> what it does and what its count counts.
NORMALISATION_STEPS: Mapping[str, str] = {
    "html-entities": "HTML character references such as &amp;, &quot; and &#8217; decoded (count: references)",
    "line-endings": "CRLF and CR line breaks made LF (count: line breaks)",
    "invisible-removed": "soft hyphens, zero-width spaces, word joiners and byte order marks removed (count: characters)",
    "invisible-kept": "zero-width joiners and non-joiners and direction marks kept (count: characters)",
    "nfc": "Unicode NFC (count: characters recomposed, a base character with its combining marks once)",
    "trailing-whitespace": "trailing spaces and tabs stripped per line (count: characters)",
}
NORMALISATION = (
    "; ".join(f"{step}: {what}" for step, what in NORMALISATION_STEPS.items())
    + "; then lines that fully match a page-furniture pattern dropped (Article.dropped_lines); "
    "title and body trimmed; non-breaking spaces kept"
)
MAX_BYTES = 50_000_000
# Longest run of combining marks accepted: the Unicode stream-safe limit (UAX #15). CPython's NFC
# reorders a longer run of alternating marks in time quadratic in its length.
MAX_COMBINING = 30

_SHARE_BUTTON = (
    r"(?:share(?:\s+(?:on|via|to))?\s+)?"
    r"(?:facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|messenger|e-?mail|print|tweet|copy\s+link"
    r"|share(?:\s+this(?:\s+(?:article|story|page|post))?)?:?)"
)
# Lines dropped as page furniture unless the caller passes its own patterns (a campaign's
# `ingest.drop_lines` in campaign.yml). A line is dropped when, stripped, it fully matches one.
PAGE_FURNITURE = (
    # Page and gallery numbers: "7", "Page 7", "Page 7 of 12", "7 of 12", "- 7 -".
    r"(?i:(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—])",
    # Advertising labels and the reading prompts around advertisements.
    r"(?i:sponsored(?:\s+(?:content|post|story))?|advertisement|advertising|ad|promoted(?:\s+content)?"
    r"|paid\s+(?:content|post|partnership)|partner\s+content|skip\s+advertisement"
    r"|story\s+continues\s+below(?:\s+this)?\s+advertisement|continue\s+reading(?:\s+the\s+main\s+story|\s+below)?)",
    # Share-button rows: "Share on Facebook Share on Twitter", "Facebook | Twitter | Email", "Share this article".
    rf"(?i:{_SHARE_BUTTON}(?:[\s|·•/,]+{_SHARE_BUTTON})*)",
)
ID_COLUMNS = ("article_id", "id")

ProblemKind = Literal[
    "unreadable", "unsupported", "too-large", "empty", "binary", "encoding",
    "invalid-json", "invalid-csv", "invalid-record", "missing-text", "no-targets",
    "duplicate", "duplicate-id",
]  # fmt: skip

_SUFFIXES = (".txt", ".jsonl", ".csv")
_CHUNK = 1 << 16
_HEADER = re.compile(r"^(Published|Updated)\s+(\d{2}\.\d{2}\.\d{4}\s+\d{2}:\d{2})\s*$")
_BLANK_LINES = re.compile(r"\n\s*\n")
_PARAGRAPH_BREAK = re.compile(r"(\n(?:[^\S\n]*+\n)+)")
# A character reference with its semicolon (a bare "&amp" or "&notes" is left alone).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = re.compile(f"[{INVISIBLE_REMOVED}{INVISIBLE_KEPT}]")
_REMOVED = re.compile(f"[{INVISIBLE_REMOVED}]")
_KEPT = re.compile(f"[{INVISIBLE_KEPT}]")
# Global inline flags at the start of a pattern, such as "(?i)".
_GLOBAL_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:(?:\s+|T)(\d{1,2}):(\d{2}))?")


class IngestError(AnnotationError, ValueError):
    """A manifest (or, from ``load_articles``, an input file) cannot be ingested; the message names it."""


class _Skip(Exception):
    """One record cannot be ingested; becomes a ``Problem``."""

    def __init__(self, kind: ProblemKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: ProblemKind = kind
        self.reason = reason


@dataclass(frozen=True)
class Article:
    """One source article.

    Attributes:
        article_id: Stable id: the manifest's, else the record's id field, else the first 16
            hex digits of the sha256 of ``text``.
        title: The headline ("" for a record without one).
        text: Title + blank line + body (the body alone without a title), normalised.
        source: The file, relative to the folder it was found in; ``:line`` is added for a
            JSONL/CSV record.
        published: ISO 8601 when recognised (``normalise_date``), else as given; or None.
        updated: Likewise.
        url: The manifest's, else the record's.
        outlet: The manifest's, else the record's.
        targets: Stance targets from the manifest entry, else ``default_targets``.
        normalisation: ``(step, count)`` for each ``NORMALISATION_STEPS`` step that changed the
            title or text (for ``invisible-kept``: found characters to keep), in step order.
        dropped_lines: The lines dropped as page furniture (stripped), in text order.
    """

    article_id: str
    title: str
    text: str
    source: str
    published: str | None = None
    updated: str | None = None
    url: str | None = None
    outlet: str | None = None
    targets: tuple[str, ...] = field(default_factory=tuple)
    normalisation: tuple[tuple[str, int], ...] = ()
    dropped_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """An input that was skipped, with where it is and why.

    Attributes:
        path: The file, as reached from the given sources.
        line: The 1-based line of the record or byte at fault; ``None`` for the whole file.
        kind: A short category, for counting.
        reason: What is wrong and how to fix it.

    Examples:
        >>> print(Problem("news.jsonl", 7, "invalid-json", "invalid JSON: Expecting value at column 1"))
        news.jsonl:7: invalid JSON: Expecting value at column 1
    """

    path: str
    line: int | None
    kind: ProblemKind
    reason: str

    def __str__(self) -> str:
        return f"{_where(self.path, self.line)}: {self.reason}"


@dataclass(frozen=True)
class IngestReport:
    """What ``ingest_sources`` ingested and what it skipped.

    Attributes:
        articles: The ingested articles, in source order (sorted paths, then line).
        skipped: One ``Problem`` per skipped file or record, in the same order.
        unmatched: The manifest entries that no ingested article took (``file …``,
            ``article_id '…'``, ``url '…'``): a typo there would otherwise send an article to the
            default targets without a word.
    """

    articles: list[Article]
    skipped: list[Problem]
    unmatched: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether no article was ingested (every input skipped, or none given).

        A caller that writes the articles must then keep its earlier output rather than
        overwrite it with nothing.
        """
        return not self.articles

    def summary(self) -> str:
        """One line: how many articles were ingested, how many inputs skipped and why.

        Examples:
            >>> IngestReport([], [Problem("a.txt", None, "empty", "empty file")] * 2).summary()
            '0 article(s) ingested, 2 skipped (2 empty)'
            >>> IngestReport([], []).summary()
            '0 article(s) ingested, 0 skipped'
        """
        counts = Counter(p.kind for p in self.skipped)
        why = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        return f"{len(self.articles)} article(s) ingested, {len(self.skipped)} skipped" + (f" ({why})" if why else "")

    def changes_summary(self) -> str:
        """One line: how many articles ingest changed, with the totals per step ("" for none).

        Examples:
            >>> article = Article("a1", "", "AT&T.", "a.txt", normalisation=(("html-entities", 1),), dropped_lines=("1",))
            >>> IngestReport([article, article], []).changes_summary()
            '2 article(s) normalised (html-entities 2; 2 line(s) dropped)'
        """
        changed = [a for a in self.articles if a.normalisation or a.dropped_lines]
        if not changed:
            return ""
        steps: Counter[str] = Counter()
        for article in changed:
            steps.update(dict(article.normalisation))
        return f"{len(changed)} article(s) normalised ({_changes(list(steps.items()), sum(len(a.dropped_lines) for a in changed))})"

    def changes(self) -> list[str]:
        """One line per article that ingest changed: ``source (article_id): steps; dropped lines``.

        Steps are ``NORMALISATION_STEPS`` names with their counts; the dropped lines are quoted.

        Examples:
            >>> article = Article("a1", "", "AT&T.", "a.jsonl:3", normalisation=(("html-entities", 1),), dropped_lines=("1",))
            >>> IngestReport([article], []).changes()
            ["a.jsonl:3 (a1): html-entities 1; 1 line(s) dropped: '1'"]
        """
        return [
            f"{a.source} ({a.article_id}): " + _changes(list(a.normalisation), len(a.dropped_lines), a.dropped_lines)
            for a in self.articles
            if a.normalisation or a.dropped_lines
        ]


def _changes(steps: list[tuple[str, int]], dropped: int, lines: Sequence[str] = ()) -> str:
    """``html-entities 2, nfc 1; 2 line(s) dropped: '1', 'SPONSORED'`` (steps in step order)."""
    order = list(NORMALISATION_STEPS)
    text = ", ".join(f"{step} {n}" for step, n in sorted(steps, key=lambda item: order.index(item[0])))
    if dropped:
        text += ("; " if text else "") + f"{dropped} line(s) dropped" + (f": {_quoted(lines)}" if lines else "")
    return text


def _quoted(lines: Sequence[str]) -> str:
    return ", ".join(map(repr, lines))


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


@dataclass(frozen=True)
class ManifestEntry:
    """The manifest's targets and metadata for one article."""

    targets: tuple[str, ...]
    article_id: str | None = None
    url: str | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Targets and metadata per article (see ``load_manifest``).

    Attributes:
        files: Entries of ``.txt`` articles, by resolved path.
        ids: Entries of JSONL/CSV records (entries without ``file``), by ``article_id``.
        urls: Entries of JSONL/CSV records (entries without ``file``), by ``url``.
        default_targets: Targets of articles without an entry; empty for none.
        path: Where the manifest was read from, for messages.
    """

    files: Mapping[Path, ManifestEntry] = field(default_factory=dict)
    ids: Mapping[str, ManifestEntry] = field(default_factory=dict)
    urls: Mapping[str, ManifestEntry] = field(default_factory=dict)
    default_targets: tuple[str, ...] = ()
    path: Path | None = None


def _where(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


def _as_text(value: Any, name: str) -> str | None:
    """A scalar as trimmed text, None when absent or blank; ``TypeError`` for a list, mapping or bool."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | None):
        raise TypeError(f"{name!r} is {type(value).__name__}, expected a string")
    return None if value is None else str(value).strip() or None


def normalise_text(text: str) -> str:
    """Apply the ``NORMALISATION_STEPS`` (not page furniture or trimming) to ``text``.

    Args:
        text: Any text.

    Returns:
        The text with HTML entities decoded, line endings LF, ``INVISIBLE_REMOVED`` characters
        removed, NFC, and trailing spaces and tabs stripped from each line. Offsets (code points)
        downstream refer to this text. Time is linear in ``len(text)``.

    Raises:
        ValueError: The text has more than ``MAX_COMBINING`` combining marks in a row (not
            stream-safe Unicode); the message gives the offset of the run.

    Examples:
        >>> normalise_text("Cafe\\u0301 \\r\\nAT&amp;T\\u200b\\u00a0")
        'Café\\nAT&T\\xa0'
    """
    return _normalise(text, Counter())


def _normalise(text: str, counts: Counter[str]) -> str:
    """``normalise_text``, adding to ``counts`` what each step changed (see ``NORMALISATION_STEPS``)."""
    if "&" in text:
        decoded = 0

        def decode(match: re.Match[str]) -> str:
            nonlocal decoded
            value = html.unescape(match.group())
            decoded += value != match.group()
            return value

        text = _ENTITY.sub(decode, text)
        counts["html-entities"] += decoded
    counts["line-endings"] += text.count("\r")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():  # ASCII has no invisible characters and is NFC
        if _INVISIBLE.search(text):
            text, removed = _REMOVED.subn("", text)
            counts["invisible-removed"] += removed
            counts["invisible-kept"] += len(_KEPT.findall(text))
        if not unicodedata.is_normalized("NFC", text):
            counts["nfc"] += _recomposed(text)
            text = unicodedata.normalize("NFC", text)
    stripped = "\n".join([line.rstrip(" \t") for line in text.split("\n")])
    counts["trailing-whitespace"] += len(text) - len(stripped)
    return stripped


def _recomposed(text: str) -> int:
    """Characters that NFC changes in ``text``: a base character with the combining marks after it
    counts once; a line whose change spans base characters (Hangul jamo, some Indic vowel signs)
    counts at least once. ``ValueError`` for more than ``MAX_COMBINING`` marks in a row."""
    count = offset = 0
    for line in text.split("\n"):
        if not unicodedata.is_normalized("NFC", line):
            changed = start = 0
            for end in range(1, len(line) + 1):
                if end == len(line) or not unicodedata.combining(line[end]):
                    if end - start > MAX_COMBINING + 1:
                        raise ValueError(
                            f"more than {MAX_COMBINING} combining marks in a row from offset {offset + start + 1} (code points): "
                            "not stream-safe Unicode (UAX #15); remove the stacked marks"
                        )
                    cluster = line[start:end]
                    changed += unicodedata.normalize("NFC", cluster) != cluster
                    start = end
            count += max(changed, 1)
        offset += len(line) + 1
    return count


def _furniture(drop_lines: Sequence[str] | None) -> re.Pattern[str] | None:
    """One pattern that fully matches any page-furniture line (``PAGE_FURNITURE`` for None; None
    for no patterns). A pattern's leading global flags (``(?i)``) are scoped to it.

    Raises:
        IngestError: ``drop_lines`` is a single string, or a pattern is not a regular expression.
    """
    if isinstance(drop_lines, str):
        raise IngestError(f"drop_lines={drop_lines!r} is one string; pass a list of regular expressions")
    scoped = []
    for pattern in PAGE_FURNITURE if drop_lines is None else drop_lines:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as err:
            raise IngestError(f"drop_lines pattern {pattern!r} is not a regular expression ({err}); fix or remove it") from None
        flags = _GLOBAL_FLAGS.match(pattern)
        scoped.append(f"(?{flags[1]}:{pattern[flags.end():]})" if flags else f"(?:{pattern})")
    return re.compile("|".join(scoped)) if scoped else None


def _drop_furniture(text: str, furniture: re.Pattern[str] | None, dropped: list[str]) -> str:
    """``text`` without its page-furniture lines, which are appended (stripped) to ``dropped``.

    A line is furniture when, stripped, it is not empty and fully matches ``furniture``. A
    paragraph left without lines goes with the blank line before it, so paragraphs stay one
    break apart.
    """
    if furniture is None:
        return text
    pieces = _PARAGRAPH_BREAK.split(text)  # paragraph, break, paragraph, ...
    kept: list[str] = []
    for i in range(0, len(pieces), 2):
        lines = []
        for line in pieces[i].split("\n"):
            stripped = line.strip()
            if stripped and furniture.fullmatch(stripped):
                dropped.append(stripped)
            else:
                lines.append(line)
        if lines:
            if kept:
                kept.append(pieces[i - 1])
            kept.append("\n".join(lines))
    return "".join(kept)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="auto" if moment.second or moment.microsecond else "minutes")


def _day_month_year(text: str) -> str:
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        raise ValueError(text)
    day, month, year, hour, minute = match.groups()
    if hour is None:
        return date(int(year), int(month), int(day)).isoformat()
    return _iso(datetime(int(year), int(month), int(day), int(hour), int(minute)))


# Tried in order; each raises ValueError on a string it does not recognise.
_DATE_PARSERS: tuple[Callable[[str], str], ...] = (
    lambda s: date.fromisoformat(s).isoformat(),
    lambda s: _iso(datetime.fromisoformat(s)),
    _day_month_year,
    lambda s: _iso(parsedate_to_datetime(s)),
)


def normalise_date(value: str) -> str:
    """Write a date as ISO 8601 when it is recognisable; otherwise return it as given (trimmed).

    Recognised: ISO 8601 as ``datetime.fromisoformat`` reads it (``2019-11-03``,
    ``2019-11-03T17:48:05Z``), the seed's day-first ``03.11.2019 17:48`` and RFC 2822
    (``Sun, 03 Nov 2019 17:48:00 +0000``). A time zone is kept as an offset; a time without one
    stays local; seconds are dropped when zero. Ambiguous forms such as ``03/11/2019`` (day or
    month first?) and epoch numbers are kept as given.

    Examples:
        >>> normalise_date("03.11.2019 17:48"), normalise_date("2019-11-03T17:48:05Z")
        ('2019-11-03T17:48', '2019-11-03T17:48:05+00:00')
        >>> normalise_date("Sun, 03 Nov 2019 17:48:00 +0100"), normalise_date("20191103")
        ('2019-11-03T17:48+01:00', '2019-11-03')
        >>> normalise_date(" 03/11/2019 ")
        '03/11/2019'
    """
    text = value.strip()
    for parse in _DATE_PARSERS:
        try:
            return parse(text)
        except ValueError:
            continue
    return text


def _parse_seed(page: str) -> dict[str, Any]:
    """Headline, Published/Updated stamps and body of a normalised seed page."""
    paragraphs = [p.strip() for p in _BLANK_LINES.split(page.strip())]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise _Skip("empty", "no text left, expected a headline and a body")
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
        raise _Skip("invalid-record", "no body text after the headline")
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
    furniture = _furniture(drop_lines)
    try:
        return _parse_seed(_drop_furniture(normalise_text(raw), furniture, []))
    except _Skip as skip:
        raise IngestError(f"{source}: {skip.reason}") from None
    except ValueError as err:
        raise IngestError(f"{source}: {err}") from None


# --- Manifest -----------------------------------------------------------------------------


def _scalar(item: Mapping[str, Any], key: str, where: str) -> str | None:
    try:
        return _as_text(item.get(key), key)
    except TypeError as err:
        raise IngestError(f"{where}: {err}") from None


def _targets(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(t, str) and t.strip() for t in value):
        raise IngestError(f"{where} needs a non-empty list of 'targets' (strings), got {value!r}")
    return tuple(value)


def load_manifest(path: str | Path) -> Manifest:
    """Read ``articles.yaml``: ``articles`` entries with ``targets``, and optional ``default_targets``.

    Each entry names its article by ``file`` (a ``.txt`` file, relative to the manifest's
    folder) or, for a JSONL/CSV record, by ``url`` and/or ``article_id``. Optional fields:
    ``article_id`` (the id to use), ``url``, ``outlet``; others (``language``) are ignored.
    ``default_targets`` are the targets of any article without an entry.

    Raises:
        IngestError: The manifest is unreadable or not a mapping; an entry names no article, has
            no targets, names a missing or non-``.txt`` file; or a file, url or article_id is
            listed twice.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise IngestError(f"{path}: cannot read manifest: {err}") from err
    raw = {} if raw is None else raw
    items = raw.get("articles") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(items, list | None):
        raise IngestError(f"{path}: expected a mapping with a list 'articles' and optional 'default_targets'")
    default = raw.get("default_targets")
    default_targets = () if default is None else _targets(default, f"{path}: default_targets")
    files: dict[Path, ManifestEntry] = {}
    ids: dict[str, ManifestEntry] = {}
    urls: dict[str, ManifestEntry] = {}
    seen_ids: set[str] = set()
    for i, item in enumerate(items or []):
        where = f"{path}: articles[{i}]"
        if not isinstance(item, dict):
            raise IngestError(f"{where} is {type(item).__name__}, expected a mapping with 'file' or 'url' and 'targets'")
        name, article_id, url = (_scalar(item, key, where) for key in ("file", "article_id", "url"))
        if not (name or article_id or url):
            raise IngestError(f"{where} names no article: give 'file' (a .txt article) or 'url'/'article_id' (a JSONL/CSV record)")
        entry = ManifestEntry(
            targets=_targets(item.get("targets"), f"{where} ({name or article_id or url})"),
            article_id=article_id,
            url=url,
            outlet=_scalar(item, "outlet", where),
        )
        if article_id in seen_ids:
            raise IngestError(f"{path}: article_id {article_id!r} is listed twice")
        if article_id:
            seen_ids.add(article_id)
        if name:
            file = (path.parent / name).resolve()
            if file.suffix.lower() != ".txt":
                raise IngestError(f"{where}: file {name!r} is not a .txt article; match JSONL/CSV records by 'url' or 'article_id'")
            if not file.is_file():
                raise IngestError(f"{where}: file {name!r} not found in {path.parent}")
            if file in files:
                raise IngestError(f"{path}: {name} is listed twice")
            files[file] = entry
            continue
        if article_id:
            ids[article_id] = entry
        if url:
            if url in urls:
                raise IngestError(f"{path}: url {url!r} is listed twice")
            urls[url] = entry
    return Manifest(files=files, ids=ids, urls=urls, default_targets=default_targets, path=path)


# --- Reading files ------------------------------------------------------------------------


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


# --- Articles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    path: Path  # as reached from the given source
    name: str  # relative to the source folder (posix), or the file name


def _expand(sources: Iterable[str | Path]) -> tuple[list[_File], list[Problem]]:
    files: list[_File] = []
    missing: list[Problem] = []
    for source in map(Path, sources):
        if source.is_dir():
            for path in source.rglob("*"):
                relative = path.relative_to(source)
                hidden = any(part.startswith(".") for part in relative.parts)
                if path.suffix.lower() in _SUFFIXES and not hidden and path.is_file():
                    files.append(_File(path, relative.as_posix()))
        elif source.exists():
            files.append(_File(source, source.name))
        else:
            missing.append(Problem(str(source), None, "unreadable", "no such file or directory"))
    unique: dict[Path, _File] = {}
    for file in sorted(files, key=lambda f: f.path.parts):
        unique.setdefault(file.path.resolve(), file)
    return list(unique.values()), missing


def _field(fields: Mapping[str, Any], name: str) -> str | None:
    try:
        return _as_text(fields.get(name), name)
    except TypeError as err:
        raise _Skip("invalid-record", f"field {err}") from None


def _to_article(
    record: Record,
    file: _File,
    manifest: Manifest,
    id_columns: Sequence[str],
    txt_entry: ManifestEntry | None,
    furniture: re.Pattern[str] | None,
) -> tuple[Article, bytes]:
    body = record.fields.get("text")
    if not isinstance(body, str | None):
        raise _Skip("invalid-record", f"field 'text' is {type(body).__name__}, expected a string")
    if body is None or not body.strip():
        raise _Skip("missing-text", "no 'text' (or only whitespace); every record needs the article body in 'text'")
    counts: Counter[str] = Counter()
    dropped: list[str] = []
    try:
        body = _drop_furniture(_normalise(body, counts), furniture, dropped).strip()
        title = _normalise(_field(record.fields, "title") or "", counts).strip()
    except ValueError as err:
        raise _Skip("invalid-record", f"'text' or 'title': {err}") from None
    after_dropping = f" after dropping page furniture ({_quoted(dropped)}); check the drop_lines patterns" if dropped else ""
    if record.line is None:  # a seed page: headline, Published/Updated lines, body
        try:
            page = _parse_seed(body)
        except _Skip as skip:
            raise _Skip(skip.kind, skip.reason + after_dropping) from None
        title, body = page["title"], page["body"]
        published, updated = page["published"], page["updated"]
    else:
        if not body:
            raise _Skip("missing-text", "no 'text' left" + (after_dropping or " after normalisation (NORMALISATION)"))
        published, updated = (_field(record.fields, name) for name in ("published", "updated"))
    text = f"{title}\n\n{body}" if title else body
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    url = _field(record.fields, "url")
    own_id = next(filter(None, (_field(record.fields, column) for column in id_columns)), None)
    if record.line is None:
        entry = txt_entry
        hint = f"add an entry with 'file: {file.name}'"
    else:
        entry = (manifest.ids.get(own_id) if own_id else None) or (manifest.urls.get(url) if url else None)
        hint = "add an entry with its 'url' or 'article_id'"
    targets = entry.targets if entry else manifest.default_targets
    if not targets:
        manifest_name = f" in {manifest.path}" if manifest.path else ""
        raise _Skip("no-targets", f"no manifest entry{manifest_name} and no default_targets; {hint} and 'targets'")
    article = Article(
        article_id=(entry and entry.article_id) or own_id or digest.hex()[:16],
        title=title,
        text=text,
        source=_where(file.name, record.line),
        published=published and normalise_date(published),
        updated=updated and normalise_date(updated),
        url=(entry and entry.url) or url,
        outlet=(entry and entry.outlet) or _field(record.fields, "outlet"),
        targets=targets,
        normalisation=tuple((step, counts[step]) for step in NORMALISATION_STEPS if counts[step]),
        dropped_lines=tuple(dropped),
    )
    return article, digest


def _stream(
    files: list[_File],
    missing: list[Problem],
    manifest: Manifest,
    max_bytes: int | None,
    id_columns: Sequence[str],
    furniture: re.Pattern[str] | None,
) -> Iterator[Article | Problem]:
    yield from missing
    first_text: dict[bytes, str] = {}
    first_id: dict[str, str] = {}
    for file in files:
        txt_entry = manifest.files.get(file.path.resolve())
        for item in iter_records(file.path, max_bytes=max_bytes):
            if isinstance(item, Problem):
                yield item
                continue
            where = _where(str(file.path), item.line)
            try:
                article, digest = _to_article(item, file, manifest, id_columns, txt_entry, furniture)
                if digest in first_text:
                    raise _Skip("duplicate", f"same text as {first_text[digest]}, which is kept")
                if article.article_id in first_id:
                    used = first_id[article.article_id]
                    raise _Skip("duplicate-id", f"article_id {article.article_id!r} is already used by {used} (a different text)")
            except _Skip as skip:
                yield Problem(str(file.path), item.line, skip.kind, skip.reason)
                continue
            first_text[digest] = first_id[article.article_id] = where
            yield article


def iter_articles(
    sources: str | Path | Iterable[str | Path],
    manifest: str | Path | Manifest,
    *,
    max_bytes: int | None = MAX_BYTES,
    id_columns: Sequence[str] = ID_COLUMNS,
    drop_lines: Sequence[str] | None = None,
) -> Iterator[Article | Problem]:
    """Stream articles from files and directories, with a ``Problem`` for each input skipped.

    Files are read in sorted path order (directories recursively), records in line order; of
    two articles with the same stored text, or the same id, the first is kept and the second
    is reported. A ``.txt`` article takes its manifest entry by ``file``; a JSONL/CSV record by
    its id field (the first of ``id_columns`` present) or its ``url``. The entry's
    ``article_id``, ``url`` and ``outlet`` win over the record's. An article without an entry
    takes ``default_targets``, and without those it is reported (``no-targets``).

    Each text is normalised (``NORMALISATION``) and its page-furniture lines dropped; the
    article records both (``Article.normalisation``, ``Article.dropped_lines``). An article left
    without a body is reported (``missing-text``, or ``invalid-record`` for a seed page).

    Args:
        sources: A file or directory, or several.
        manifest: ``articles.yaml`` (see ``load_manifest``) or a ``Manifest``.
        max_bytes: Larger files are skipped; ``None`` for no limit.
        id_columns: Record fields that may hold the article id, in order of preference.
        drop_lines: Page-furniture patterns (Python regular expressions): a line of a seed page
            or of a record's ``text`` is dropped when, stripped, it fully matches one. None for
            ``PAGE_FURNITURE``; an empty list drops nothing.

    Returns:
        An iterator of ``Article`` and ``Problem`` in source order.

    Raises:
        IngestError: The manifest or a ``drop_lines`` pattern is invalid (raised at the call,
            before any file is read).
    """
    furniture = _furniture(drop_lines)
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    files, missing = _expand([sources] if isinstance(sources, str | Path) else sources)
    return _stream(files, missing, manifest, max_bytes, id_columns, furniture)


def ingest_sources(
    sources: str | Path | Iterable[str | Path],
    manifest: str | Path | Manifest,
    *,
    max_bytes: int | None = MAX_BYTES,
    id_columns: Sequence[str] = ID_COLUMNS,
    drop_lines: Sequence[str] | None = None,
) -> IngestReport:
    """Ingest files and directories into an ``IngestReport`` (arguments as in ``iter_articles``).

    Raises:
        IngestError: The manifest or a ``drop_lines`` pattern is invalid.
    """
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    articles: list[Article] = []
    skipped: list[Problem] = []
    for item in iter_articles(sources, manifest, max_bytes=max_bytes, id_columns=id_columns, drop_lines=drop_lines):
        if isinstance(item, Problem):
            skipped.append(item)
        else:
            articles.append(item)
    return IngestReport(articles, skipped, _unmatched(manifest, articles))


def _unmatched(manifest: Manifest, articles: Sequence[Article]) -> list[str]:
    """The manifest's entries that no article took (an entry's id and url are the article's)."""
    ids = {a.article_id for a in articles}
    urls = {a.url for a in articles if a.url}
    names = {Path(a.source).name for a in articles}  # a .txt article's source is its file, without a line
    unmatched = [f"file {path.name}" for path in manifest.files if path.name not in names]
    unmatched += [f"article_id {key!r}" for key in manifest.ids if key not in ids]
    unmatched += [f"url {url!r}" for url, entry in manifest.urls.items() if entry.article_id is None and url not in urls]
    return unmatched


def load_articles(
    seed_dir: str | Path,
    manifest: str | Path | None = None,
    *,
    max_bytes: int | None = MAX_BYTES,
    drop_lines: Sequence[str] | None = None,
) -> list[Article]:
    """Load every article under ``seed_dir``, or fail listing every input problem.

    Args:
        seed_dir: A directory (searched recursively) or a file.
        manifest: Manifest path; defaults to ``articles.yaml`` in ``seed_dir`` (or beside the file).
        max_bytes: Larger files are problems; ``None`` for no limit.
        drop_lines: Page-furniture patterns, as in ``iter_articles``; None for ``PAGE_FURNITURE``.

    Returns:
        Articles sorted by ``article_id``.

    Raises:
        IngestError: The manifest or a ``drop_lines`` pattern is invalid, or any input was
            skipped (see ``ingest_sources`` for a report that keeps the good articles).
    """
    seed_dir = Path(seed_dir)
    folder = seed_dir if seed_dir.is_dir() else seed_dir.parent
    report = ingest_sources(seed_dir, manifest or folder / "articles.yaml", max_bytes=max_bytes, drop_lines=drop_lines)
    if report.skipped:
        lines = "\n".join(f"  {problem}" for problem in report.skipped)
        raise IngestError(f"{seed_dir}: {report.summary()}:\n{lines}")
    return sorted(report.articles, key=lambda a: a.article_id)


def articles_table(articles: Iterable[Article]) -> list[dict[str, Any]]:
    """Articles as plain records (one dict per article) for a DataFrame.

    Columns: the ``Article`` fields, with ``targets`` and ``dropped_lines`` as lists of strings
    and ``normalisation`` as a list of ``{"step": str, "count": int}``. Missing metadata
    (``published``, ``updated``, ``url``, ``outlet``) stays None.
    """
    return [
        {
            "article_id": a.article_id,
            "source": a.source,
            "url": a.url,
            "outlet": a.outlet,
            "published": a.published,
            "updated": a.updated,
            "title": a.title,
            "text": a.text,
            "targets": list(a.targets),
            "normalisation": [{"step": step, "count": count} for step, count in a.normalisation],
            "dropped_lines": list(a.dropped_lines),
        }
        for a in articles
    ]
