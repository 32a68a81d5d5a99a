"""Word tokens with character offsets, shared by span aggregation and the token tagger.

A token is either a word, or one single character that is neither a word character nor
whitespace (punctuation, a symbol, one code point of an emoji). A word is a run of word
characters (``\\w``: letters, digits, underscore, in any script) that may be joined to further
runs by a hyphen (``al-Shamali``, ``cease-fire``), an apostrophe (``Syria’s``, ``don't``) or a
period optionally followed by a hyphen (``U.N``, ``4.5``, ``U.N.-sponsored``). Choices and their
consequences:

- A period ends a word unless a word character follows it, so the final period of an
  abbreviation is its own token (``U.N.`` → ``U.N``, ``.``); this keeps sentence-final periods
  apart from the last word.
- A comma always splits (``1,000`` → ``1``, ``,``, ``000``), as does a doubled hyphen (``--``).
- Offsets are Python ``str`` indices (code points), end exclusive, like every offset in the
  project, so ``text[start:end]`` is the token.
"""

from __future__ import annotations

import re

__all__ = ["TOKEN_PATTERN", "token_spans"]

TOKEN_PATTERN: re.Pattern[str] = re.compile(
    r"""
    \w+                    # a run of word characters,
    (?:                    # joined to further runs by
        (?:[-'’]|\.-?)     #   a hyphen, an apostrophe, or a period (".-" as in "U.N.-sponsored")
        \w+
    )*
    | [^\w\s]              # or one character that is neither a word character nor whitespace
    """,
    re.VERBOSE,
)


def token_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into word tokens and return their character offsets.

    Args:
        text: The sentence.

    Returns:
        ``(start, end)`` per token, in text order; ``text[start:end]`` is the token. Whitespace
        belongs to no token.

    Raises:
        TypeError: ``text`` is not a ``str``.

    Examples:
        >>> text = "U.N.-sponsored talks on al-Shamali’s fate, Nov. 2."
        >>> [text[start:end] for start, end in token_spans(text)]
        ['U.N.-sponsored', 'talks', 'on', 'al-Shamali’s', 'fate', ',', 'Nov', '.', '2', '.']
        >>> token_spans("Freed 🙂!")
        [(0, 5), (6, 7), (7, 8)]
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}: {text!r}")
    return [match.span() for match in TOKEN_PATTERN.finditer(text)]
