"""A lexicon of loaded words and the whole-word matcher used for pre-annotations and baselines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from annotation.errors import AnnotationError
from annotation.schema import DEFAULT_LEXICON

__all__ = ["Lexicon", "LexiconError", "load_lexicon", "find_loaded_spans"]


class LexiconError(AnnotationError, ValueError):
    """A lexicon file is malformed."""


@dataclass(frozen=True)
class Lexicon:
    """Loaded words grouped by span label; ``model_version`` tags the predictions it makes."""

    model_version: str
    entries: dict[str, tuple[str, ...]]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """One case-insensitive whole-word regex; longer entries first so phrases win."""
        words = sorted({w for ws in self.entries.values() for w in ws}, key=lambda w: (-len(w), w))
        return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE)

    @cached_property
    def label_of(self) -> dict[str, str]:
        """Lower-cased entry → label."""
        return {w.lower(): label for label, ws in self.entries.items() for w in ws}


def load_lexicon(path: str | Path = DEFAULT_LEXICON, labels: list[str] | None = None) -> Lexicon:
    """Read a lexicon YAML file (``entries: {label: [word, ...]}``).

    Args:
        path: The lexicon file, by default ``schemas/lexicon.yml``.
        labels: If given, every lexicon label must be one of these (the schema's span labels).

    Raises:
        LexiconError: The file is unreadable, empty, or uses a label outside ``labels``.

    Examples:
        >>> load_lexicon().label_of["regime"]
        'loaded-negative'
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise LexiconError(f"{path}: cannot read lexicon: {err}") from err
    entries = raw.get("entries") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise LexiconError(f"{path}: expected a non-empty mapping 'entries: {{label: [words]}}'")
    if labels is not None:
        unknown = sorted(set(entries) - set(labels))
        if unknown:
            raise LexiconError(f"{path}: labels {unknown} are not in the schema's {labels}")
    seen: dict[str, str] = {}
    for label, words in entries.items():
        for word in words:
            other = seen.setdefault(str(word).lower(), label)
            if other != label:
                raise LexiconError(f"{path}: {word!r} is listed under both {other!r} and {label!r}")
    return Lexicon(
        model_version=str(raw.get("model_version", f"lexicon-{raw.get('version', 0)}")),
        entries={str(k): tuple(str(w) for w in v) for k, v in entries.items()},
    )


def find_loaded_spans(text: str, lexicon: Lexicon) -> list[tuple[int, int, str]]:
    """Whole-word, case-insensitive lexicon matches as ``(start, end, label)``.

    Examples:
        >>> find_loaded_spans("The regime freed nobody.", load_lexicon())
        [(4, 10, 'loaded-negative'), (11, 16, 'loaded-positive')]
    """
    label_of = lexicon.label_of
    return [(m.start(), m.end(), label_of[m.group(0).lower()]) for m in lexicon.pattern.finditer(text)]
