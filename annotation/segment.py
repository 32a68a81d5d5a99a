"""Split article text into sentences with exact character offsets.

A compact rule-based segmenter for English news. Offsets are Python code points, end
exclusive, and every span excludes surrounding whitespace, so ``text[start:end]`` is
exactly the sentence.

Boundaries, strongest first:

1. **Blank lines.** Two or more newlines (spaces, tabs or ``\\r`` allowed between them)
   always end a sentence: paragraphs, and the headline above the body.
2. **Single newlines** are treated as spaces (hard-wrapped prose) *except* when a line is
   clearly its own unit: the line before or after is a list item (a bullet such as
   ``•``/``-``/``*``, or an enumerator such as ``1.``, ``2)``, ``a.``, ``(3)``), or the
   line before is a heading (Markdown ``#``, or a Title Case / ALL CAPS line with no final
   punctuation that is followed by a line starting with a capital, digit or quote).
   Sentence-case headlines need a blank line, which is how articles are stored.
3. **Terminal punctuation** (``.``, ``!``, ``?``, ``…``, runs like ``?!`` or ``....``, and
   closing quotes or brackets after them) followed by whitespace, unless the next word
   starts with a lowercase letter, or the period belongs to an abbreviation, an initial, a
   number prefix (``No. 10``, ``Sept. 17``) or an ellipsis that does not end a sentence.
4. **Inline lists.** A run that starts with an enumerator (``1.``, ``2.)``, ``a.``, a
   bullet) is cut before the next enumerator of the same list (``2.`` after ``1.``).

Invisible format characters (zero-width space, soft hyphen, word joiner, byte order mark,
joiners and direction marks: ``articles.INVISIBLE_REMOVED`` and ``INVISIBLE_KEPT``) count as
whitespace: they separate sentences like a space, a line of them is blank, and no sentence
starts or ends with one. Inside a word they stay where they are.

Every step is linear in the length of the text.

Known limits: an abbreviation that may end a sentence (``U.S.``, ``a.m.``, ``Co.``, an
initial) is treated as final only when the next word is a common sentence opener
(``U.S. How`` breaks, ``U.S. Government`` does not), so ``10 a.m. Officials will`` stays
one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from annotation.articles import INVISIBLE_KEPT, INVISIBLE_REMOVED

__all__ = ["HasText", "Sentence", "sentence_spans", "split_sentences"]

# --- Abbreviations (lowercase, without the final period) -----------------------------

# Titles and connectives that always stand before the word they qualify, so their period
# never ends a sentence: "Gen. Mazloum", "Lt. Col. Smith", "Mr. and Mrs.", "e.g. tanks".
_NEVER_FINAL = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "prof", "gen", "lt", "col", "capt", "cpt", "cmdr",
        "cdr", "maj", "sgt", "cpl", "pvt", "adm", "brig", "gov", "sen", "rep", "rev", "hon",
        "pres", "supt", "insp", "det", "amb", "atty", "messrs", "mme", "mlle", "msgr", "fr",
        "e.g", "i.e", "vs", "cf", "viz", "approx",
    }
)  # fmt: skip

# Abbreviations written before a number: no break when the next token starts with a
# digit ("No. 10", "p. 55", "N°. 1026", "Nov. 2", "Sept. 17"), a break otherwise
# ("He said no. 10 people ..." is the accepted error).
_BEFORE_NUMBER = frozenset(
    {
        "no", "nos", "nr", "n°", "nº", "p", "pp", "vol", "vols", "art", "arts", "fig",
        "figs", "ch", "chap", "sec", "para", "op", "tel", "ca", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip

# Abbreviations that may also end a sentence ("... & Co. It closed", "Main St. The"):
# break only when the next word is a typical sentence opener (_SENTENCE_STARTERS). Dotted
# acronyms ("U.S.", "a.m.", "Ph.D.") and single capital initials ("E.", "I.") behave alike.
_MAYBE_FINAL = frozenset(
    {
        "co", "corp", "inc", "ltd", "llc", "plc", "bros", "jr", "sr", "esq", "etc", "al",
        "st", "mt", "ft", "ave", "blvd", "rd", "dept", "univ", "assn", "govt", "intl",
    }
)  # fmt: skip

# Words that commonly open an English sentence; see _MAYBE_FINAL ("U.S. How" breaks,
# "U.S. Government" does not).
_SENTENCE_STARTERS = frozenset(
    {
        "A", "An", "The", "This", "That", "These", "Those", "It", "Its", "He", "She",
        "They", "We", "I", "You", "His", "Her", "Their", "Our", "My", "Your", "There",
        "Here", "What", "When", "Where", "Why", "How", "Who", "Which", "But", "And", "So",
        "Yet", "However", "Meanwhile", "Moreover", "Still", "Then", "Now", "Thus", "In",
        "On", "At", "For", "If", "As", "After", "Before", "Since", "While", "Although",
        "Though", "Despite", "During", "According", "Did", "Does", "Do", "Is", "Are",
        "Was", "Were", "Can", "Could", "Will", "Would", "Should", "Has", "Have", "Had",
        "Many", "Some", "Most", "All", "Both", "Several", "Each", "Every", "No", "Other",
        "Others", "Today", "Yesterday", "Earlier", "Later", "Also", "One", "Two",
        "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    }
)  # fmt: skip

# Lowercase words allowed inside a Title Case heading line ("Clash With Regime in Idlib").
_MINOR_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for",
        "by", "with", "from", "as", "vs", "via", "per", "into", "over", "amid", "than",
        "de", "al", "el", "la", "le", "van", "von", "bin", "ibn",
    }
)  # fmt: skip

# --- Patterns -----------------------------------------------------------------------

_INVISIBLE = INVISIBLE_REMOVED + INVISIBLE_KEPT
# The characters that count as blank: whitespace (every str.isspace() character lies below
# U+3001) and the invisible format characters.
_BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + _INVISIBLE
_BLANK = rf"[\s{_INVISIBLE}]"
_SOLID = rf"[^\s{_INVISIBLE}]"

_BULLETS = "•◦▪▫‣⁃∙●○■□►▸▶➢➤✓✔"
_OPENERS = "\"'“‘«‹([{"
_CLOSERS = "\"'”’»›)]}"

# Two or more newlines, possibly with blanks between them: a paragraph break.
_PARAGRAPH_BREAK = re.compile(rf"\n(?:(?:[^\S\n]|[{_INVISIBLE}])*+\n)+")

# A candidate boundary: a spaced ellipsis (". . .", ". . . .") or a run of terminal
# marks, then closing quotes/brackets, then whitespace (``next`` = the next visible
# character) or the end of the run. A run of marks is matched from its first mark only and
# possessively: a run glued to the next word is given up in one step, not retried from each of
# its marks (which made the scan quadratic in the length of the run).
_CANDIDATE = re.compile(
    r"(?<![.!?…‼⁇⁈⁉‽])(?P<punct>\.(?:[ \u00a0]\.){2,}|[.!?…‼⁇⁈⁉‽]++)"
    rf"(?P<close>[{re.escape(_CLOSERS)}]*+)"
    rf"(?:(?={_BLANK}++(?P<next>{_SOLID}))|(?={_BLANK}*+\Z))"
)

# A list marker at the start of a line or run: a bullet, an enumerator, or both.
_LIST_ITEM = re.compile(
    rf"[^\S\n]*(?:(?P<bullet>[{_BULLETS}]|[-*–—](?=\s))[^\S\n]*)?"
    r"(?:\(?(?P<enum>[0-9]{1,3}|[A-Za-z])(?P<style>\.\)|[.)]))?"
    r"(?=\s|\Z)"
)

# A later item of an inline list ("... 2.) The second item", "... • 10. The second"). The
# item starts right after whitespace, so a long run of spaces is not rescanned from each space.
_INLINE_ITEM = re.compile(
    rf"(?<=\s)(?:(?P<bullet>[{_BULLETS}])[^\S\n]*+)?"
    r"(?P<enum>[0-9]{1,3}|[a-z])(?P<style>\.\)|[.)])(?=\s)"
)
_INLINE_BULLET = re.compile(rf"(?<=\s)[{_BULLETS}]")

# The first visible character, and a Markdown heading ("## Background").
_VISIBLE = re.compile(_SOLID)
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s")

# A dotted acronym or abbreviation: "u.s", "u.s.a", "a.m", "ph.d", "d.c".
_DOTTED = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")

# The word after a boundary candidate; a trailing "." marks an initial ("A. Smith").
_NEXT_WORD = re.compile(rf"[{re.escape(_OPENERS)}]*(\w+)(\.?)")

# A quoted question or exclamation followed by its attribution keeps the sentence
# together: "“Why now?” Putin asked."
_ATTRIBUTION = re.compile(
    rf"{_BLANK}+(?:\w[\w’'.-]*\s+){{1,3}}"
    r"(?:said|says|asked|asks|added|adds|told|wrote|replied|shouted|tweeted)\b"
)

_MAX_TOKEN = 40  # longest word looked at before a period


# --- Records --------------------------------------------------------------------------


class HasText(Protocol):
    """Anything with an ``article_id`` and a ``text``, such as ``articles.Article``."""

    @property
    def article_id(self) -> str:
        """Stable id of the article."""
        ...

    @property
    def text(self) -> str:
        """Full article text: headline, blank line, body paragraphs."""
        ...


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article.

    Attributes:
        sentence_id: ``f"{article_id}-{index:04d}"``.
        article_id: Id of the article the sentence comes from.
        index: Position of the sentence in the article, from 0.
        start: Offset of the first character in ``article.text`` (code points).
        end: Offset one past the last character (exclusive).
        text: ``article.text[start:end]``.

    Examples:
        >>> Sentence("a1-0000", "a1", 0, 0, 3, "Hi.").sentence_id
        'a1-0000'
    """

    sentence_id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


# --- Public API -----------------------------------------------------------------------


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Find the sentences of ``text`` as character offsets.

    Args:
        text: Any text; paragraphs separated by blank lines.

    Returns:
        ``(start, end)`` pairs (code points) in text order, end exclusive, each without
        leading or trailing whitespace or invisible characters, so ``text[start:end]`` is
        exactly one sentence. Empty or blank text gives ``[]``. Time and memory are linear in
        ``len(text)``.

    Examples:
        >>> text = "Gen. Smith arrived at 17:48. The U.N.-sponsored talks began."
        >>> [text[s:e] for s, e in sentence_spans(text)]
        ['Gen. Smith arrived at 17:48.', 'The U.N.-sponsored talks began.']
        >>> sentence_spans("Headline\\n\\n  Body 3.5 km long. ")
        [(0, 8), (12, 29)]
        >>> sentence_spans("The regime fell.\\u200b The rebels advanced.")
        [(0, 16), (18, 38)]
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        _split_block(text, start, brk.start(), spans)
        start = brk.end()
    _split_block(text, start, len(text), spans)
    return spans


def split_sentences(article: HasText) -> list[Sentence]:
    """Split an article into ``Sentence`` records.

    Args:
        article: Object with ``article_id: str`` and ``text: str`` (for example
            ``annotation.articles.Article``).

    Returns:
        The sentences in order, ``sentence_id = f"{article_id}-{index:04d}"`` with
        ``index`` from 0, and ``article.text[s.start:s.end] == s.text`` for each.

    Raises:
        TypeError: If ``article.text`` is not a ``str``.
        ValueError: If ``article.article_id`` is empty, or a span breaks the offset
            invariant (a bug in this module, reported rather than written out).

    Examples:
        >>> from types import SimpleNamespace
        >>> article = SimpleNamespace(article_id="a1", text="Headline\\n\\nNo. 10 said no. Why?")
        >>> for s in split_sentences(article):
        ...     print(s.sentence_id, s.start, s.end, repr(s.text))
        a1-0000 0 8 'Headline'
        a1-0001 10 25 'No. 10 said no.'
        a1-0002 26 30 'Why?'
    """
    article_id = article.article_id
    text = article.text
    if not isinstance(article_id, str) or not article_id:
        raise ValueError(
            f"article_id={article_id!r} is not a non-empty string; give every article an id"
        )
    if not isinstance(text, str):
        raise TypeError(
            f"article {article_id!r}: text is {type(text).__name__}, expected str; "
            "load the article text as a string"
        )
    sentences: list[Sentence] = []
    previous_end = 0
    for index, (start, end) in enumerate(sentence_spans(text)):
        sentence_text = text[start:end]
        # Guard the invariant text[start:end] == sentence.text with exact, ordered,
        # non-empty and stripped spans, so a segmenter bug can never write bad offsets.
        if not previous_end <= start < end <= len(text) or sentence_text != sentence_text.strip(_BLANKS):
            raise ValueError(
                f"article {article_id!r}: sentence {index} span ({start}, {end}) is not an "
                f"ordered, stripped slice of article.text (previous end {previous_end}, "
                f"text length {len(text)}); this is a bug in annotation.segment, please report it"
            )
        sentences.append(
            Sentence(f"{article_id}-{index:04d}", article_id, index, start, end, sentence_text)
        )
        previous_end = end
    return sentences


# --- Internals ------------------------------------------------------------------------


def _split_block(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Split a paragraph, cutting single newlines only at list items and headings."""
    newline = text.find("\n", start, end)
    if newline == -1:
        _split_run(text, start, end, out)
        return
    run_start = line_start = start
    line_is_item = _is_item(text, line_start, newline)
    while newline != -1:
        next_start = newline + 1
        next_newline = text.find("\n", next_start, end)
        next_is_item = _is_item(text, next_start, end if next_newline == -1 else next_newline)
        if line_is_item or next_is_item or _is_heading(text, line_start, newline, end):
            _split_run(text, run_start, newline, out)
            run_start = next_start
        line_start, line_is_item, newline = next_start, next_is_item, next_newline
    _split_run(text, run_start, end, out)


def _is_item(text: str, start: int, end: int) -> bool:
    """Whether the line ``text[start:end]`` starts with a bullet or an enumerator."""
    match = _LIST_ITEM.match(text, start, end)
    return match is not None and bool(match["bullet"] or match["enum"])


def _is_heading(text: str, start: int, end: int, block_end: int) -> bool:
    """Whether the line ``text[start:end]`` is a heading above the next line."""
    line = text[start:end].strip(_BLANKS)
    following = _VISIBLE.search(text, end + 1, block_end)
    if not line or following is None or following.group().islower():
        return False
    if _MARKDOWN_HEADING.match(line):
        return True
    if line[-1] in ".!?…,;:-–—([/&" or line[-1] in _CLOSERS:
        return False
    words = line.split()
    return any(word[0].isupper() for word in words) and all(
        not word[0].isalpha() or word[0].isupper() or word in _MINOR_WORDS for word in words
    )


def _split_run(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Split a run of text, first into inline list items if it starts with a marker."""
    marker = _LIST_ITEM.match(text, start, end)
    if marker is None or not (marker["bullet"] or marker["enum"]):
        _split_sentences(text, start, end, start, out)
        return
    cuts = [start, *_inline_items(text, marker, end), end]
    for piece_start, piece_end in pairwise(cuts):
        piece_marker = _LIST_ITEM.match(text, piece_start, piece_end)
        scan_from = piece_marker.end() if piece_marker else piece_start
        _split_sentences(text, piece_start, piece_end, scan_from, out)


def _inline_items(text: str, marker: re.Match[str], end: int) -> list[int]:
    """Start offsets of the later items of a list whose first item is ``marker``."""
    bullet, enum, style = marker["bullet"], marker["enum"], marker["style"]
    if enum is None:
        if bullet in "-*–—":  # dashes also occur inside sentences
            return []
        found = _INLINE_BULLET.finditer(text, marker.end(), end)
        return [m.start() for m in found if m.group() == bullet]
    if enum.isupper():  # "A. Smith and B. Jones" is more likely than an inline A/B list
        return []
    starts = []
    expected = _next_enum(enum)
    for item in _INLINE_ITEM.finditer(text, marker.end(), end):
        if item["enum"] == expected and item["style"] == style and item["bullet"] == bullet:
            starts.append(item.start())
            expected = _next_enum(expected)
    return starts


def _next_enum(enum: str) -> str:
    """The enumerator after ``enum``: ``"9"`` -> ``"10"``, ``"a"`` -> ``"b"``."""
    return str(int(enum) + 1) if enum.isdigit() else chr(ord(enum) + 1)


def _split_sentences(
    text: str, start: int, end: int, scan_from: int, out: list[tuple[int, int]]
) -> None:
    """Cut ``text[start:end]`` at sentence-final punctuation found from ``scan_from``."""
    current = start
    for candidate in _CANDIDATE.finditer(text, scan_from, end):
        cut = _cut(text, candidate, start)
        if cut != -1:
            _emit(text, current, cut, out)
            current = cut
    _emit(text, current, end, out)


def _cut(text: str, candidate: re.Match[str], start: int) -> int:
    """Offset where the sentence ends at ``candidate``, or -1 if it does not end there."""
    following = candidate["next"]
    if following is None:  # only whitespace follows: the run ends here anyway
        return -1
    punct = candidate["punct"]
    position = candidate.start()
    attached = position > start and not (
        text[position - 1] in _BLANKS or text[position - 1] in _OPENERS
    )
    if " " in punct or "\u00a0" in punct:
        # ". . ." marks an omission inside a sentence. With a fourth dot the sentence ends:
        # after the dots ("a period . . . . Next"), or, when the first dot is attached to
        # the word, after that dot ("compounds. . . . The practice").
        if punct.count(".") < 4 or following.islower():
            return -1
        return position + 1 if attached else candidate.end()
    if following.islower():
        return -1
    if punct[0] in ".…" and punct != ".":
        # "..." / "…": ends a sentence after a word ("that.... She"), not when it stands
        # alone as an omission ("really ... well", "[...]").
        return candidate.end() if attached else -1
    if punct[0] not in ".…":
        # "!", "?", "?!": a quoted question keeps its attribution ("“Why?” Putin asked.").
        if candidate["close"] and _ATTRIBUTION.match(text, candidate.end()):
            return -1
        return candidate.end()
    if not attached:
        return candidate.end()
    token = text[max(start, position - _MAX_TOKEN) : position].rsplit(None, 1)[-1]
    token = token.lstrip(_OPENERS)
    lower = token.lower()
    if lower in _NEVER_FINAL:
        return -1
    if following.isdigit():
        return -1 if lower in _BEFORE_NUMBER else candidate.end()
    # A single capital is an initial ("Jonas E. Smith"), unless it follows a number, where
    # it is a unit or compass point ("-5.5 C.", "36.63 E.").
    initial = (
        len(token) == 1
        and token.isupper()
        and not text[max(start, position - 3) : position - 2].isdigit()
    )
    if initial or lower in _MAYBE_FINAL or _DOTTED.fullmatch(lower) is not None:
        return candidate.end() if _opens_sentence(text, candidate.start("next")) else -1
    return candidate.end()


def _opens_sentence(text: str, position: int) -> bool:
    """Whether the word at ``position`` is a common sentence opener (not an initial)."""
    word = _NEXT_WORD.match(text, position)
    if word is None:
        return False
    return word[1] in _SENTENCE_STARTERS and not (word[2] and len(word[1]) == 1)


def _emit(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Append ``(start, end)`` without surrounding blanks, unless it is empty."""
    while start < end and text[start] in _BLANKS:
        start += 1
    while end > start and text[end - 1] in _BLANKS:
        end -= 1
    if start < end:
        out.append((start, end))
