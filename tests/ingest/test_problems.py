"""Tests for ``annotation.ingest.problems``: the package's error type and the per-input ``Problem``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from annotation.errors import AnnotationError
from annotation.ingest import IngestError, Problem, normalise_text, parse_seed_text


def test_problem_names_the_file_and_the_line_when_known() -> None:
    assert str(Problem("news.jsonl", 7, "invalid-json", "invalid JSON")) == "news.jsonl:7: invalid JSON"
    assert str(Problem("a.txt", None, "empty", "empty file")) == "a.txt: empty file"


def test_ingest_error_is_a_project_error_and_a_value_error() -> None:
    assert issubclass(IngestError, AnnotationError) and issubclass(IngestError, ValueError)


@pytest.mark.parametrize(
    "call",
    [
        lambda: normalise_text("a" + "\u0316\u0301" * 40),  # not stream-safe Unicode
        lambda: parse_seed_text("Headline only\n", "x.txt"),  # no body
        lambda: parse_seed_text("Head\n\nBody.\n", "x.txt", drop_lines=["(unclosed"]),  # bad pattern
    ],
    ids=["combining-marks", "seed-without-body", "bad-drop-lines"],
)
def test_bad_input_outside_ingestion_raises_ingest_error(call: Callable[[], object]) -> None:
    with pytest.raises(IngestError):
        call()
