"""Tests for annotation.spans."""

from __future__ import annotations

import pytest

from annotation.spans import token_spans


def tokens(text: str) -> list[str]:
    return [text[start:end] for start, end in token_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U.N.-sponsored peace talks", ["U.N.-sponsored", "peace", "talks"]),
        ("the al-Shamali neighborhood", ["the", "al-Shamali", "neighborhood"]),
        ("Syria’s northwestern Idlib", ["Syria’s", "northwestern", "Idlib"]),
        ("the cease-fire in Idlib.", ["the", "cease-fire", "in", "Idlib", "."]),
        ("on Sept. 17, 2018.", ["on", "Sept", ".", "17", ",", "2018", "."]),
        ("around 4.5 million", ["around", "4.5", "million"]),
        ("“Russian forces killed civilians,” announced", ["“", "Russian", "forces", "killed", "civilians", ",", "”", "announced"]),
        ("fight--and lose", ["fight", "-", "-", "and", "lose"]),
        ("President Recep Tayyip Erdoğan", ["President", "Recep", "Tayyip", "Erdoğan"]),
    ],
)
def test_token_boundaries(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_offsets_are_code_points_with_emoji() -> None:
    text = "Freed 🙂 villages"
    assert token_spans(text) == [(0, 5), (6, 7), (8, 16)]
    assert text[8:16] == "villages"


def test_whitespace_belongs_to_no_token() -> None:
    assert token_spans("") == []
    assert token_spans("  \n\t ") == []
    assert token_spans("  regime  ") == [(2, 8)]


def test_rejects_non_string() -> None:
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        token_spans(b"regime")  # type: ignore[arg-type]
