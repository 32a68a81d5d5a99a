"""Text and date normalisation: what ingest changes in a text before any offset is taken.

Normalisation is explicit (``NORMALISATION``, ``normalise_text``) and every offset downstream
(code points) refers to the normalised text. The steps (``NORMALISATION_STEPS``) decode HTML
entities, make line endings LF, remove the invisible characters that only hint at hyphenation or
line breaking (``INVISIBLE_REMOVED``) while keeping those that change shaping or order
(``INVISIBLE_KEPT``), apply NFC and strip trailing whitespace; each article records what changed,
with counts (``Article.normalisation``). Lines that fully match a page-furniture pattern (lone
page numbers, advertising labels, share-button rows: ``PAGE_FURNITURE`` unless the caller passes
its own ``drop_lines``) are then dropped and recorded (``Article.dropped_lines``).

Dates become ISO 8601 when ``normalise_date`` recognises them and are kept as given otherwise.

Package-internal (not in ``__all__``): ``furniture_pattern`` compiles ``drop_lines`` once per
ingest, ``drop_furniture`` applies it to one text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from email.utils import parsedate_to_datetime

from annotation.ingest.problems import IngestError

__all__ = [
    "INVISIBLE_KEPT",
    "INVISIBLE_REMOVED",
    "MAX_COMBINING",
    "NORMALISATION",
    "NORMALISATION_STEPS",
    "PAGE_FURNITURE",
    "normalise_date",
    "normalise_text",
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

_PARAGRAPH_BREAK = re.compile(r"(\n(?:[^\S\n]*+\n)+)")
# A character reference with its semicolon (a bare "&amp" or "&notes" is left alone).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = re.compile(f"[{INVISIBLE_REMOVED}{INVISIBLE_KEPT}]")
_REMOVED = re.compile(f"[{INVISIBLE_REMOVED}]")
_KEPT = re.compile(f"[{INVISIBLE_KEPT}]")
# Global inline flags at the start of a pattern, such as "(?i)".
_GLOBAL_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:(?:\s+|T)(\d{1,2}):(\d{2}))?")


def normalise_text(text: str, counts: Counter[str] | None = None) -> str:
    """Apply the ``NORMALISATION_STEPS`` (not page furniture or trimming) to ``text``.

    Args:
        text: Any text.
        counts: When given, what each step changed is added to it (step name → count, as in
            ``NORMALISATION_STEPS``).

    Returns:
        The text with HTML entities decoded, line endings LF, ``INVISIBLE_REMOVED`` characters
        removed, NFC, and trailing spaces and tabs stripped from each line. Offsets (code points)
        downstream refer to this text. Time is linear in ``len(text)``.

    Raises:
        IngestError: The text has more than ``MAX_COMBINING`` combining marks in a row (not
            stream-safe Unicode); the message gives the offset of the run.

    Examples:
        >>> normalise_text("Cafe\\u0301 \\r\\nAT&amp;T\\u200b\\u00a0")
        'Café\\nAT&T\\xa0'
        >>> counts = Counter()
        >>> normalise_text("AT&amp;T \\r\\n", counts)
        'AT&T\\n'
        >>> +counts
        Counter({'html-entities': 1, 'line-endings': 1, 'trailing-whitespace': 1})
    """
    counts = Counter() if counts is None else counts
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
    counts at least once. ``IngestError`` for more than ``MAX_COMBINING`` marks in a row."""
    count = offset = 0
    for line in text.split("\n"):
        if not unicodedata.is_normalized("NFC", line):
            changed = start = 0
            for end in range(1, len(line) + 1):
                if end == len(line) or not unicodedata.combining(line[end]):
                    if end - start > MAX_COMBINING + 1:
                        raise IngestError(
                            f"more than {MAX_COMBINING} combining marks in a row from offset {offset + start + 1} (code points): "
                            "not stream-safe Unicode (UAX #15); remove the stacked marks"
                        )
                    cluster = line[start:end]
                    changed += unicodedata.normalize("NFC", cluster) != cluster
                    start = end
            count += max(changed, 1)
        offset += len(line) + 1
    return count


def furniture_pattern(drop_lines: Sequence[str] | None) -> re.Pattern[str] | None:
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


def drop_furniture(text: str, furniture: re.Pattern[str] | None, dropped: list[str]) -> str:
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
