"""The datasheet: the campaign's DATASHEET.md (or the package template) with the generated statistics block.

The release's DATASHEET.md is the campaign's datasheet with the block between ``STATS_BEGIN`` and
``STATS_END`` filled from the release's statistics; ``update_datasheet`` writes the same block into
the campaign's own datasheet (``annotation stats``).
"""

from __future__ import annotations

import json
from pathlib import Path

from annotation.campaign import Campaign
from annotation.io import atomic_write_bytes
from annotation.release.errors import MissingFileError, ReleaseError
from annotation.release.stats import stats_markdown
from annotation.resources import TEMPLATES_DIR

__all__ = ["DATASHEET_TEMPLATE", "STATS_BEGIN", "STATS_END", "update_datasheet"]

DATASHEET_TEMPLATE = TEMPLATES_DIR / "DATASHEET.md"
"""The datasheet of a campaign that names none; ``annotation init`` copies it for the curator to edit."""
STATS_BEGIN = "<!-- stats:begin -->"
STATS_END = "<!-- stats:end -->"


def fill_stats(template: str, block: str, where: str) -> str:
    """``template`` with the text between the stats markers replaced by ``block``."""
    if template.count(STATS_BEGIN) != 1 or template.count(STATS_END) != 1 or template.index(STATS_BEGIN) > template.index(STATS_END):
        raise ReleaseError(
            f"{where} must contain the line {STATS_BEGIN} once, followed by {STATS_END} once; put the two "
            "marker lines where the generated statistics go"
        )
    head, rest = template.split(STATS_BEGIN)
    tail = rest.split(STATS_END)[1]
    return f"{head}{STATS_BEGIN}\n{block.strip()}\n{STATS_END}{tail}"


def read_datasheet(campaign: Campaign) -> tuple[str, str]:
    """The text of the datasheet the release's DATASHEET.md is rendered from, and where it is."""
    path = campaign.datasheet or DATASHEET_TEMPLATE
    if not path.exists():
        raise MissingFileError(
            f"{path} does not exist; campaign.yml ({campaign.config_path}) names it as the datasheet: write it "
            f"(start from {DATASHEET_TEMPLATE}), or remove 'datasheet' to use that template"
        )
    text = path.read_text(encoding="utf-8")
    fill_stats(text, "", str(path))
    return text, str(path)


def update_datasheet(datasheet: str | Path, release: str | Path) -> bool:
    """Rewrite the generated statistics block of a DATASHEET.md from a release's ``stats.json``.

    Only the text between ``<!-- stats:begin -->`` and ``<!-- stats:end -->`` changes; the file is
    replaced atomically, and not touched when the block is already up to date.

    Args:
        datasheet: The datasheet to update (the campaign's ``DATASHEET.md``).
        release: A built release directory (``dist/<name>-<version>``).

    Returns:
        Whether the file changed.

    Raises:
        MissingFileError: The datasheet or the release's ``stats.json`` does not exist.
        ReleaseError: The markers are missing, repeated or out of order.
    """
    datasheet, stats_path = Path(datasheet), Path(release) / "stats.json"
    for path in (datasheet, stats_path):
        if not path.exists():
            raise MissingFileError(f"{path} does not exist" + ("; run `annotation build` first" if path == stats_path else ""))
    text = datasheet.read_text(encoding="utf-8")
    updated = fill_stats(text, stats_markdown(json.loads(stats_path.read_text(encoding="utf-8"))), str(datasheet))
    if updated == text:
        return False
    atomic_write_bytes(datasheet, updated.encode("utf-8"))
    return True

