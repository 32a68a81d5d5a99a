"""The root of the project's own errors.

Every error that means "the input, the campaign or the environment is not as it must be" derives
from ``AnnotationError`` (each stage has its own subclass: ``IngestError``, ``SchemaError``,
``ExportError``, ``StudioError``, …). The CLI shows these as one line and exits 1; any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["AnnotationError"]


class AnnotationError(Exception):
    """A user-facing error: its message names the file or record and what is wrong with it."""
