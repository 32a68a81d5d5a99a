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
   number prefix (``No. 10``, ``Sept. 17``) or an ellipsis that does not end a sentence,
   or a quoted question or exclamation is followed by its speech tag: a speaker of up to
   ten words (titles, names, an apposition between commas) and a reporting verb that ends
   the clause, alone or with an addressee and short phrases (``“Why now?” Foreign Minister
   Sergei Lavrov asked reporters in Moscow.``).
4. **Inline lists.** A run that starts with an enumerator (``1.``, ``2.)``, ``a.``, a
   bullet) is cut before the next enumerator of the same list (``2.`` after ``1.``).

Invisible format characters (zero-width space, soft hyphen, word joiner, byte order mark,
joiners and direction marks: ``normalise.INVISIBLE_REMOVED`` and ``INVISIBLE_KEPT``) count as
whitespace: they separate sentences like a space, a line of them is blank, and no sentence
starts or ends with one. Inside a word they stay where they are.

Every step is linear in the length of the text.

The word lists the rules read (abbreviations, sentence openers, marked names, the speech-tag
vocabulary) live in ``annotation.ingest.word_lists``. The rules themselves stay in this one module
(about 530 lines, over the project's ~450): the boundary decision (``_cut``), the speech tags,
lists and headings share one set of private patterns (blanks, candidates, tokens) and call one
another, so apart they would import each other's internals.

Known limits: an abbreviation that may end a sentence (``U.S.``, ``a.m.``, ``Co.``, an
initial) is treated as final only when the next word is a common sentence opener
(``U.S. How`` breaks, ``U.S. Government`` does not), so ``10 a.m. Officials will`` stays
one sentence. Names spelled with ``!`` or ``?`` (``Yahoo!``, ``Yum!``, ``E!``, ``Guess?``; a
closed list) follow the same rule, so ``Mamma Mia! Here We Go Again`` breaks before ``Here``.
A speech tag's verb comes from a list of reporting verbs, its speaker may not contain a
lowercase word ending in ``-ed`` or an auxiliary (``An armed man asked.`` breaks after the
quotation), and a verb such as ``asked`` takes as addressee only capitalised words and
common ones (``asked reporters``, not ``asked the minister``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from annotation.ingest.normalise import INVISIBLE_KEPT, INVISIBLE_REMOVED
from annotation.ingest.word_lists import (
    ADDRESSEES,
    ADDRESSING_VERBS,
    BEFORE_NUMBER,
    CLAUSE_WORDS,
    MARKED_NAMES,
    MAYBE_FINAL,
    MINOR_WORDS,
    NEVER_FINAL,
    REPORTING_VERBS,
    SENTENCE_STARTERS,
    TAG_ADJUNCTS,
)
from annotation.records import sentence_id

__all__ = ["HasText", "Sentence", "sentence_spans", "split_sentences"]


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
# character) or the end of the run. A run of marks is matched from its first mark only (the
# lookbehind follows that mark, so the scan still jumps from mark to mark) and possessively: a run
# glued to the next word is given up in one step, not retried from each of its marks (which
# made the scan quadratic in the length of the run).
_CANDIDATE = re.compile(
    r"(?P<punct>[.!?…‼⁇⁈⁉‽](?<![.!?…‼⁇⁈⁉‽]{2})(?:(?<=\.)(?:[ \u00a0]\.){2,}|[.!?…‼⁇⁈⁉‽]*+))"
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

_MAX_TOKEN = 40  # longest word looked at before a period

# A marked name ending just before its mark, as a whole word ("E!" but not "VE!").
_MARKED_NAME = {
    mark: re.compile(rf"(?<![\w’'&.-])(?:{'|'.join(map(re.escape, names))})\Z")
    for mark, names in MARKED_NAMES.items()
}

# --- Speech tags ----------------------------------------------------------------------
# A quoted question or exclamation keeps its speech tag: "“Why now?” Foreign Minister Sergei
# Lavrov asked." A tag is a speaker (up to _MAX_SPEAKER words) and a reporting verb that closes
# the clause, or opens only an addressee and short phrases that close it ("asked reporters in
# Ankara.", "wrote on Twitter.", "asked rhetorically."). Verb-first tags ("asked Lavrov") start
# lowercase and never break anyway.

_MAX_SPEAKER = 10  # words before the reporting verb
_MAX_PHRASE = 4  # words of one addressee or phrase after it
_TAG_WINDOW = 300  # characters of a run looked at for a speech tag

# A word of a speech tag, its final period and the punctuation after it ("U.N.", "Lavrov,").
_TAG_TOKEN = re.compile(r"(?P<word>\w(?:[\w’'&-]|\.(?=\w))*+)(?P<period>\.?)(?P<trail>.*)", re.DOTALL)
_SOLID_RUN = re.compile(rf"{_SOLID}++")


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
            ``annotation.ingest.articles.Article``).

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
                f"text length {len(text)}); this is a bug in annotation.ingest.segment, please report it"
            )
        sentences.append(
            Sentence(sentence_id(article_id, index), article_id, index, start, end, sentence_text)
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
        not word[0].isalpha() or word[0].isupper() or word in MINOR_WORDS for word in words
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
        cut = _cut(text, candidate, start, end)
        if cut != -1:
            _emit(text, current, cut, out)
            current = cut
    _emit(text, current, end, out)


def _cut(text: str, candidate: re.Match[str], start: int, end: int) -> int:
    """Offset where the sentence ends at ``candidate`` in the run ``text[start:end]``, or -1."""
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
    if punct in _MARKED_NAME and not candidate["close"]:
        name = _MARKED_NAME[punct].search(text, max(start, position - _MAX_TOKEN), position)
        if name is not None:  # "Yahoo! News" goes on, "Yahoo! The company" breaks
            return candidate.end() if _opens_sentence(text, candidate.start("next")) else -1
    if punct[0] not in ".…":
        # "!", "?", "?!": a quoted question keeps its speech tag ("“Why?” Putin asked.").
        if candidate["close"] and _speech_tag(text, candidate.start("next"), end):
            return -1
        return candidate.end()
    if not attached:
        return candidate.end()
    token = text[max(start, position - _MAX_TOKEN) : position].rsplit(None, 1)[-1]
    token = token.lstrip(_OPENERS)
    lower = token.lower()
    if lower in NEVER_FINAL:
        return -1
    if following.isdigit():
        return -1 if lower in BEFORE_NUMBER else candidate.end()
    # A single capital is an initial ("Jonas E. Smith"), unless it follows a number, where
    # it is a unit or compass point ("-5.5 C.", "36.63 E.").
    initial = (
        len(token) == 1
        and token.isupper()
        and not text[max(start, position - 3) : position - 2].isdigit()
    )
    if initial or lower in MAYBE_FINAL or _DOTTED.fullmatch(lower) is not None:
        return candidate.end() if _opens_sentence(text, candidate.start("next")) else -1
    return candidate.end()


def _speech_tag(text: str, position: int, end: int) -> bool:
    """Whether ``text[position:end]`` opens with a speech tag (see ``REPORTING_VERBS``).

    Reads words lazily and no more than ``_TAG_WINDOW`` characters, so that the cost per
    candidate is bounded.
    """
    window_end = min(end, position + _TAG_WINDOW)
    matches = _SOLID_RUN.finditer(text, position, window_end)
    commas = 0
    for index, match in enumerate(matches):
        parsed = _TAG_TOKEN.match(match.group())
        if index > _MAX_SPEAKER or match.end() == window_end < end or parsed is None:
            return False  # too long, cut by the window, or an opening quote (a new quotation)
        word, period, trail = parsed.group("word", "period", "trail")
        if index and word in REPORTING_VERBS:
            rest = [m.group() for m in matches if not m.end() == window_end < end]
            closed = bool(period or trail) or (not rest and window_end == end)
            # An odd comma makes the speaker a clause: "Nobody knows, analysts say."
            return commas % 2 == 0 and (closed or _tag_closes(word, rest, window_end == end))
        abbreviation = bool(period) and _is_abbreviation(word)
        clause = word.islower() and (word in CLAUSE_WORDS or word.endswith("ed"))
        if (period and not abbreviation) or trail not in ("", ",") or clause:
            return False
        commas += trail == ","
    return False


def _tag_closes(verb: str, tokens: list[str], run_ends: bool) -> bool:
    """Whether the words after a reporting verb close its tag: an addressee (for verbs such as
    "asked" and "told"), then short phrases ("in a statement", "rhetorically"), then the end of
    the clause (a period, comma or other mark) or of the run."""
    words = [_TAG_TOKEN.match(token) for token in tokens]
    index = 0
    if verb in ADDRESSING_VERBS:
        while index < min(len(words), _MAX_PHRASE) and _is_addressee(words[index]):
            if _closes(words[index]):
                return True
            index += 1
    while index < len(words):
        opener = words[index]
        if opener is None or not (opener["word"] in TAG_ADJUNCTS or opener["word"].endswith("ly") and opener["word"].islower()):
            return False
        if _closes(opener):
            return True
        index += 1
        for _ in range(_MAX_PHRASE):
            if index == len(words):
                return run_ends
            word = words[index]
            if word is None or word["word"] in TAG_ADJUNCTS or word["word"] in CLAUSE_WORDS:
                break
            if _closes(word):
                return True
            index += 1
        else:
            return False
    return run_ends


def _is_addressee(word: re.Match[str] | None) -> bool:
    """Whether a token may belong to the person addressed: a capitalised word or an ``ADDRESSEES``."""
    return word is not None and (word["word"][0].isupper() or word["word"] in ADDRESSEES)


def _closes(word: re.Match[str] | None) -> bool:
    """Whether a speech-tag token ends the clause: a final period (not an abbreviation's) or mark."""
    return word is not None and bool(word["trail"] or word["period"] and not _is_abbreviation(word["word"]))


def _is_abbreviation(word: str) -> bool:
    """Whether ``word`` followed by a period is an abbreviation or initial ("Gen.", "U.N.", "J.")."""
    lower = word.lower()
    return (
        lower in NEVER_FINAL
        or lower in MAYBE_FINAL
        or (len(word) == 1 and word.isupper())
        or _DOTTED.fullmatch(lower) is not None
    )


def _opens_sentence(text: str, position: int) -> bool:
    """Whether the word at ``position`` is a common sentence opener (not an initial)."""
    word = _NEXT_WORD.match(text, position)
    if word is None:
        return False
    return word[1] in SENTENCE_STARTERS and not (word[2] and len(word[1]) == 1)


def _emit(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Append ``(start, end)`` without surrounding blanks, unless it is empty."""
    while start < end and text[start] in _BLANKS:
        start += 1
    while end > start and text[end - 1] in _BLANKS:
        end -= 1
    if start < end:
        out.append((start, end))
