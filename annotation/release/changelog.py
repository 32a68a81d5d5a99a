"""The changelog (Keep a Changelog): the released versions, and the entry of the version being built.

The version of a release is ``campaign.version``; when the campaign names a changelog, its entry
for that version (``## [X.Y.Z] - YYYY-MM-DD``) becomes the card's "Changes" and gives the date.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.campaign import Campaign
from annotation.release.errors import MissingFileError, ReleaseError

__all__ = ["ChangelogEntry", "read_changelog"]

_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?"
)
_HEADING = re.compile(r"^## (.*?)\s*$", re.MULTILINE)
_ENTRY = re.compile(r"\[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?")


@dataclass(frozen=True)
class ChangelogEntry:
    """One released version: ``## [<version>] - <date>`` and the notes under it."""

    version: str
    date: str
    notes: str


def _precedence(version: re.Match[str]) -> tuple[Any, ...]:
    """Semantic-version precedence: a pre-release sorts before its release; build metadata is ignored."""
    core = tuple(int(part) for part in version.group(1, 2, 3))
    pre = version.group(4)
    if pre is None:
        return (*core, 1, ())
    return (*core, 0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))


def read_changelog(path: str | Path) -> list[ChangelogEntry]:
    """The released versions listed in a changelog, newest first.

    Every second-level heading is a version, ``## [X.Y.Z] - YYYY-MM-DD`` (a semantic version and
    an ISO date), except ``## [Unreleased]``, which is skipped: notes there are not a release yet.

    Args:
        path: The changelog (``CHANGELOG.md``).

    Returns:
        The entries in file order, which must be newest first; empty when nothing is released yet.

    Raises:
        MissingFileError: ``path`` does not exist.
        ReleaseError: A heading is not a version entry, a version is not semantic or is listed twice,
            a date is not ISO, an entry has no notes, or the entries are not newest first.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "CHANGELOG.md"
        ...     _ = path.write_text("# Changelog\\n## [Unreleased]\\n## [0.2.0] - 2026-12-01\\n- More articles.\\n"
        ...                         "## [0.1.0] - 2026-11-27\\n- First release.\\n")
        ...     [(e.version, e.date, e.notes) for e in read_changelog(path)]
        [('0.2.0', '2026-12-01', '- More articles.'), ('0.1.0', '2026-11-27', '- First release.')]
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path} does not exist; write it, or remove 'changelog' from campaign.yml")
    text = path.read_text(encoding="utf-8")
    headings = list(_HEADING.finditer(text))
    entries: list[ChangelogEntry] = []
    precedence: list[tuple[Any, ...]] = []
    expected = "'## [X.Y.Z] - YYYY-MM-DD' (semantic version, ISO date)"
    for i, heading in enumerate(headings):
        title = heading.group(1)
        match = _ENTRY.fullmatch(title)
        if match and match["version"].lower() == "unreleased" and match["date"] is None:
            continue
        version = None if match is None else _SEMVER.fullmatch(match["version"])
        if match is None or match["date"] is None or version is None:
            raise ReleaseError(f"{path}: heading '## {title}' is not a release entry; write {expected}")
        try:
            datetime.date.fromisoformat(match["date"])
        except ValueError:
            raise ReleaseError(f"{path}: '## {title}' has date {match['date']!r}; write {expected}") from None
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        notes = text[heading.end() : end].strip()
        if not notes:
            raise ReleaseError(f"{path}: version {match['version']} has no notes; say what changed in it")
        entries.append(ChangelogEntry(match["version"], match["date"], notes))
        precedence.append(_precedence(version))
    for (newer, older), (high, low) in zip(zip(entries, entries[1:]), zip(precedence, precedence[1:])):
        if high <= low:
            raise ReleaseError(
                f"{path}: version {newer.version} is listed above {older.version}; list each version once, newest first"
            )
    return entries


def changelog_entry(campaign: Campaign) -> ChangelogEntry | None:
    """The entry for ``campaign.version`` in the changelog the campaign names, if both exist."""
    if campaign.changelog is None:
        return None
    return next((entry for entry in read_changelog(campaign.changelog) if entry.version == campaign.version), None)

