"""What can go wrong with an input: the fatal ``IngestError`` and the per-input ``Problem``.

Input problems do not stop ingestion: an unreadable, empty, binary, non-UTF-8 or oversized file,
an invalid record, an article without targets or a duplicate each give one ``Problem`` naming
the file and line (``ProblemKind`` lists the categories), and everything else is still ingested.
Manifest errors and invalid ``drop_lines`` patterns raise ``IngestError``.

Package-internal (not in ``__all__``): ``Skip``, raised inside the package where one record
cannot be ingested and turned into a ``Problem`` by the caller, and ``where``, the ``path:line``
form of a location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from annotation.errors import AnnotationError

__all__ = ["IngestError", "Problem", "ProblemKind"]

ProblemKind = Literal[
    "unreadable", "unsupported", "too-large", "empty", "binary", "encoding",
    "invalid-json", "invalid-csv", "invalid-record", "missing-text", "no-targets",
    "duplicate", "duplicate-id",
]  # fmt: skip


class IngestError(AnnotationError, ValueError):
    """A manifest (or, from ``load_articles``, an input file) cannot be ingested; the message names it."""


class Skip(Exception):
    """One record cannot be ingested; becomes a ``Problem``."""

    def __init__(self, kind: ProblemKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: ProblemKind = kind
        self.reason = reason


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
        return f"{where(self.path, self.line)}: {self.reason}"


def where(path: str, line: int | None) -> str:
    """``path``, or ``path:line`` when the line is known."""
    return path if line is None else f"{path}:{line}"
