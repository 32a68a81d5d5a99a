"""The root of the project's own errors.

Every error that means "the input, the campaign or the environment is not as it must be" derives
from ``AnnotationError`` (each stage has its own subclass: ``IngestError``, ``SchemaError``,
``ExportError``, ``StudioError``, …). The CLI shows these as one line and exits 1; any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["AnnotationError", "AnnotationKeyError"]


class AnnotationError(Exception):
    """A user-facing error: its message names the file or record and what is wrong with it."""


class AnnotationKeyError(AnnotationError, KeyError):
    """A user-facing error about a missing key or column; a ``KeyError`` too, for callers that catch
    that, but its message prints as written (``KeyError`` would print the repr of it)."""

    __str__ = Exception.__str__
