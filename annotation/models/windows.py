"""Words and word pieces: which pieces cover which words, and long texts cut into runs of whole
words that fit an encoder's limit, so that no word past the limit goes unseen.

Words are ``annotation.spans.token_spans`` tokens and pieces a tokenizer's
``offset_mapping``, both as ``(start, end)`` code-point offsets in text order; a special or
padding piece is ``(0, 0)`` (empty) and covers no word. Both functions are one sweep over words
and pieces, linear in their number (and in the number of overlaps, at most a few per piece).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

__all__ = ["piece_words", "word_runs", "word_windows"]

_Offsets = Sequence[Sequence[int]]


def piece_words(words: _Offsets, pieces: _Offsets) -> Iterator[tuple[int, int]]:
    """``(piece position, word index)`` for every non-empty piece and every word it overlaps, in
    piece order; a piece that straddles two words (an ``[UNK]`` over "€5", say) yields both.

    Examples:
        >>> list(piece_words([(0, 3), (4, 9)], [(0, 0), (0, 3), (4, 6), (6, 9), (0, 0)]))
        [(1, 0), (2, 1), (3, 1)]
    """
    word = 0
    for position, (start, end) in enumerate(pieces):
        if end <= start:
            continue
        while word < len(words) and words[word][1] <= start:
            word += 1
        covered = word
        while covered < len(words) and words[covered][0] < end:
            yield position, covered
            covered += 1


def word_runs(words: _Offsets, pieces: _Offsets, limit: int) -> list[tuple[int, int]]:
    """Runs ``(first word, end word)`` (end exclusive) of consecutive words, each with at most
    ``limit`` word pieces, covering every word in order; ``[(0, len(words))]`` when all the
    pieces fit. A word with more than ``limit`` pieces is a run of its own (the encoder truncates
    it). ``pieces`` are the text's pieces without special tokens (``add_special_tokens=False``);
    ``limit`` is the encoder's maximum length less its special tokens.

    Examples:
        >>> word_runs([(0, 3), (4, 9), (10, 12)], [(0, 3), (4, 6), (6, 9), (10, 12)], limit=2)
        [(0, 1), (1, 2), (2, 3)]
        >>> word_runs([(0, 3), (4, 9), (10, 12)], [(0, 3), (4, 6), (6, 9), (10, 12)], limit=4)
        [(0, 3)]
    """
    if len(pieces) <= limit:
        return [(0, len(words))]
    counts = [0] * len(words)
    for _, word in piece_words(words, pieces):
        counts[word] += 1
    cuts, used = [0], 0
    for word, count in enumerate(counts):
        if used + count > limit and word > cuts[-1]:
            cuts.append(word)
            used = 0
        used += count
    cuts.append(len(words))
    return list(zip(cuts, cuts[1:]))


def word_windows(words: _Offsets, pieces: _Offsets, limit: int, length: int) -> list[tuple[int, int, int, int]]:
    """``word_runs`` with the code points each run spans: ``(first word, end word, start, end)``;
    the whole text (``0`` to ``length``) when it fits in one run, else from the run's first word
    to its last.

    Examples:
        >>> word_windows([(0, 3), (4, 9)], [(0, 3), (4, 9)], limit=1, length=10)
        [(0, 1, 0, 3), (1, 2, 4, 9)]
        >>> word_windows([(0, 3), (4, 9)], [(0, 3), (4, 9)], limit=2, length=10)
        [(0, 2, 0, 10)]
    """
    runs = word_runs(words, pieces, limit)
    if len(runs) == 1:
        return [(0, len(words), 0, length)]
    return [(first, end, words[first][0], words[end - 1][1]) for first, end in runs]
