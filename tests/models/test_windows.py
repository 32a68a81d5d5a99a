"""Which word pieces cover which words, and long texts cut into runs: ``annotation.models.windows``."""

from __future__ import annotations

from annotation.models.windows import piece_words, word_runs
from annotation.spans import token_spans


def test_a_piece_covers_every_word_it_overlaps_and_empty_pieces_cover_none() -> None:
    words = [(0, 1), (1, 2), (3, 8)]  # "€5 freed": two tokens under one [UNK] piece, then a word
    pieces = [(0, 0), (0, 2), (3, 6), (6, 8), (0, 0)]
    assert list(piece_words(words, pieces)) == [(1, 0), (1, 1), (2, 2), (3, 2)]
    assert list(piece_words([], [(0, 0)])) == [] and list(piece_words(words, [])) == []


def test_runs_cover_every_word_in_order_within_the_limit() -> None:
    text = "The regime terrorized the freed city again. " * 40
    words = token_spans(text)
    pieces = [piece for start, end in words for piece in ((start, start + 2), (start + 2, end)) if piece[1] > piece[0]]
    runs = word_runs(words, pieces, limit=30)
    assert runs[0][0] == 0 and runs[-1][1] == len(words)
    assert all(a[1] == b[0] for a, b in zip(runs, runs[1:]))  # contiguous: no word dropped or repeated
    per_word = [sum(1 for _, w in piece_words(words, pieces) if w == i) for i in range(len(words))]
    assert all(sum(per_word[a:b]) <= 30 for a, b in runs)
    assert all(sum(per_word[a : b + 1]) > 30 for a, b in runs[:-1])  # each run as long as it can be


def test_a_text_that_fits_is_one_run_and_a_word_over_the_limit_is_a_run_of_its_own() -> None:
    assert word_runs([(0, 3), (4, 9)], [(0, 3), (4, 9)], limit=2) == [(0, 2)]
    assert word_runs([], [], limit=2) == [(0, 0)]
    words, pieces = [(0, 2), (3, 9), (10, 12)], [(0, 2), (3, 5), (5, 7), (7, 9), (10, 12)]
    assert word_runs(words, pieces, limit=2) == [(0, 1), (1, 2), (2, 3)]
