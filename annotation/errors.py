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
    and column (1-based) where PyYAML found it, or the end of the file (an unclosed bracket or
    quote is found there); PyYAML's own message spans several lines.

    Examples:
        >>> import yaml
        >>> try:
        ...     yaml.safe_load("title: x\\nlabels: [\\n")
        ... except yaml.YAMLError as err:
        ...     yaml_problem(err)
        "the end of the file, after line 2: expected the node content, but found '<stream end>' (while parsing a flow node)"
        >>> try:
        ...     yaml.safe_load("title: x\\n  labels: 1\\n")
        ... except yaml.YAMLError as err:
        ...     yaml_problem(err)
        'line 2, column 9: mapping values are not allowed here'
    """
    mark, problem = getattr(err, "problem_mark", None), getattr(err, "problem", None)
    if mark is None or problem is None:
        return " ".join(str(err).split())
    text = getattr(mark, "buffer", None) or ""
    if mark.line > 0 and mark.column == 0 and mark.pointer >= len(text.rstrip("\0")):  # past the last line
        where = f"the end of the file, after line {mark.line}: {problem}"
    else:
        where = f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    context = getattr(err, "context", None)
    return f"{where} ({context})" if context else where
