"""Span work is linear in the text: a whole article with a thousand marked words (the propaganda
corpora's unit) costs ten times a hundredth of it, not a hundred times. CPU-time ratios on
inputs 10× apart (``tests.fixtures.timing``); never seconds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from annotation.lexicon import load_lexicon
from annotation.models import char_prf, span_prf, token_features
from annotation.models.tagging import token_labels
from tests.fixtures.timing import RATIO_BOUND, time_ratio

NEG = "loaded-negative"


def _article(n: int) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """``n`` sentences "The regime terrorized the town." and gold spans on every loaded word, plus
    predictions shifted by one character (so none match exactly and each overlaps one)."""
    text = "The regime terrorized the town. " * n
    gold = [(32 * i + s, 32 * i + e, NEG) for i in range(n) for s, e in ((4, 10), (11, 21))]
    return text, gold, [(s + 1, e, NEG) for s, e, _ in gold]


CASES: dict[str, Callable[[Any], object]] = {
    "token_labels": lambda article: token_labels(article[0], article[1]),
    "token_labels, nested spans": lambda article: token_labels(article[0], [(0, len(article[0]), NEG), *article[1]]),
    "span_prf partial": lambda article: span_prf([article[1]], [article[2]], [NEG], partial=True),
    "char_prf": lambda article: char_prf([article[1]], [article[2]], [NEG]),
    "token_features": lambda article: token_features(article[0], LEXICON),
}
LEXICON = load_lexicon()


@pytest.mark.parametrize("case", CASES)
def test_span_work_is_linear_in_the_text(case: str) -> None:
    assert time_ratio(CASES[case], _article(200), _article(2000)) < RATIO_BOUND
