"""``annotation.release.datasheet``: the datasheet's generated statistics block."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.release import STATS_BEGIN, STATS_END, build_release, update_datasheet
from annotation.schema import load_schema
from tests.fixtures.release import REPO, seed_articles


def test_the_release_datasheet_is_the_campaigns_with_the_stats_filled_in(demo_release: Path, demo_campaign: Campaign, tmp_path: Path) -> None:
    assert demo_campaign.datasheet is not None
    template = demo_campaign.datasheet.read_text()  # the demo's copy of the seed campaign's DATASHEET.md
    assert template == (REPO / "DATASHEET.md").read_text()
    released = (demo_release / "DATASHEET.md").read_text()
    head, tail = template.split(STATS_BEGIN)[0], template.split(STATS_END)[1]
    assert released.startswith(head + STATS_BEGIN + "\n## Statistics") and released.endswith(STATS_END + tail)
    block = released.split(STATS_BEGIN)[1].split(STATS_END)[0]
    assert block.strip() in (demo_release / "README.md").read_text()
    copy = tmp_path / "DATASHEET.md"
    copy.write_text(template)
    assert update_datasheet(copy, demo_release)  # what `annotation stats` writes from stats.json
    assert copy.read_text() == released


def test_update_datasheet_rewrites_only_the_block(demo_release: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "DATASHEET.md"
    sheet.write_text(f"# Sheet\nintro\n{STATS_BEGIN}\nstale numbers\n{STATS_END}\n## Uses\nrest\n")
    assert update_datasheet(sheet, demo_release) is True
    text = sheet.read_text()
    assert text.startswith(f"# Sheet\nintro\n{STATS_BEGIN}\n## Statistics") and text.endswith(f"{STATS_END}\n## Uses\nrest\n")
    assert "stale numbers" not in text and "| Krippendorff's α, stance | all |" in text
    assert update_datasheet(sheet, demo_release) is False
    sheet.write_text("# Sheet without markers\n")
    with pytest.raises(ValueError, match="must contain the line <!-- stats:begin --> once"):
        update_datasheet(sheet, demo_release)
    with pytest.raises(FileNotFoundError, match="stats.json does not exist; run `annotation build` first"):
        update_datasheet(sheet, tmp_path)


def test_a_datasheet_template_without_markers_is_refused(demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    sheet = tmp_path / "DATASHEET.md"
    sheet.write_text("# no markers\n")
    campaign = campaign_at(tmp_path / "campaign", datasheet=str(sheet))
    with pytest.raises(ValueError, match="DATASHEET.md must contain the line <!-- stats:begin --> once.*put the two marker lines"):
        build_release(demo_votes, seed_articles(), campaign, schema=load_schema())
    assert not campaign.dist.exists()
