"""The root of the project's own errors.

Every error that means "the input, the campaign or the environment is not as it must be" derives
from ``AnnotationError`` (each stage has its own subclass: ``IngestError``, ``SchemaError``,
``ExportError``, ``StudioError``, …). The CLI shows these as one line and exits 1; any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["AnnotationError", "AnnotationKeyError", "yaml_problem"]


class AnnotationError(Exception):
    """A user-facing error: its message names the file or record and what is wrong with it."""


class AnnotationKeyError(AnnotationError, KeyError):
    """A user-facing error about a missing key or column; a ``KeyError`` too, for callers that catch
    that, but its message prints as written (``KeyError`` would print the repr of it)."""

    __str__ = Exception.__str__


def yaml_problem(err: Exception) -> str:
    """What is wrong with a YAML file (or why it could not be read), on one line, with the line
    and column (1-based) where PyYAML found it; PyYAML's own message spans several lines.

    Examples:
        >>> import yaml
        >>> try:
        ...     yaml.safe_load("title: x\\nlabels: [\\n")
        ... except yaml.YAMLError as err:
        ...     yaml_problem(err)
        "line 3, column 1: expected the node content, but found '<stream end>' (while parsing a flow node)"
    """
    mark, problem = getattr(err, "problem_mark", None), getattr(err, "problem", None)
    if mark is None or problem is None:
        return " ".join(str(err).split())
    context = getattr(err, "context", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" + (f" ({context})" if context else "")
