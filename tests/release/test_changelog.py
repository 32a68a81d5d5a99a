"""``annotation.release.changelog``: the changelog's entries and the version's entry in the card."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.release import build_release, read_changelog
from annotation.schema import load_schema
from tests.fixtures.release import seed_articles


def _changelog(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_version_comes_from_the_campaign_and_its_changelog_entry_goes_into_the_card(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    changelog = _changelog(tmp_path, "# Changelog\n\n## [Unreleased]\n- soon\n\n## [2.1.0] - 2027-03-01\n- Two outlets added.\n\n"
                                     "## [2.0.0] - 2027-01-10\n- First release.\n")
    campaign = campaign_at(tmp_path / "campaign", version="2.0.0", changelog=str(changelog))
    release = build_release(demo_votes, seed_articles(), campaign, schema=load_schema())
    assert release == campaign.release_dir == tmp_path / "campaign" / "dist" / "test-campaign-2.0.0"
    stats = json.loads((release / "stats.json").read_text())
    assert (stats["name"], stats["version"], stats["release_date"]) == ("test-campaign", "2.0.0", "2027-01-10")
    card = (release / "README.md").read_text()
    assert "## Changes in 2.0.0\n- First release.\n" in card
    assert "Two outlets added" not in card and "soon" not in card
    assert "year = {2027}" in (release / "CITATION.bib").read_text()

    unlisted = build_release(demo_votes, seed_articles(), replace(campaign, version="2.2.0"), schema=load_schema())
    assert unlisted.name == "test-campaign-2.2.0" and "## Changes" not in (unlisted / "README.md").read_text()
    assert json.loads((unlisted / "stats.json").read_text())["release_date"] is None


def test_changelog_entries(tmp_path: Path) -> None:
    path = _changelog(tmp_path, "# Changelog\n\n## [Unreleased]\n- soon\n\n## [1.0.0-rc.2] - 2026-12-02\n- rc\n\n"
                                "## [0.10.0] - 2026-12-01\n### Added\n- more\n\n## [0.9.1] - 2026-11-30\n- fix\n\n[0.9.1]: https://x\n")
    entries = read_changelog(path)
    assert [(e.version, e.date) for e in entries] == [("1.0.0-rc.2", "2026-12-02"), ("0.10.0", "2026-12-01"), ("0.9.1", "2026-11-30")]
    assert entries[1].notes == "### Added\n- more"
    # Nothing released yet is an empty list, and a build for the campaign's version has no "Changes".
    assert read_changelog(_changelog(tmp_path, "# Changelog\n\n## [Unreleased]\n- soon\n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## [0.1] - 2026-11-27\n- x\n", r"heading '## \[0.1\] - 2026-11-27' is not a release entry"),
        ("## 0.1.0 - 2026-11-27\n- x\n", "is not a release entry"),
        ("## [0.1.0]\n- x\n", "is not a release entry"),
        ("## [0.1.0] - 27.11.2026\n- x\n", "has date '27.11.2026'"),
        ("## [0.1.0] - 2026-11-27\n\n## [0.0.9] - 2026-11-01\n- x\n", "version 0.1.0 has no notes"),
        ("## [0.1.0] - 2026-11-27\n- x\n## [0.2.0] - 2026-12-01\n- y\n", "0.1.0 is listed above 0.2.0; list each version once, newest first"),
        ("## [0.1.0] - 2026-11-27\n- x\n## [0.1.0] - 2026-11-27\n- y\n", "0.1.0 is listed above 0.1.0"),
        ("## [1.0.0] - 2026-11-27\n- x\n## [1.0.0-rc.1] - 2026-11-20\n- y\n## [1.0.0-rc.2] - 2026-11-21\n- z\n", "1.0.0-rc.1 is listed above 1.0.0-rc.2"),
    ],
)
def test_a_build_with_a_malformed_changelog_is_refused(
    text: str, message: str, demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    campaign = campaign_at(tmp_path / "campaign", changelog=str(_changelog(tmp_path, text)))
    with pytest.raises(ValueError, match=message):
        build_release(demo_votes, seed_articles(), campaign, schema=load_schema())
    assert not campaign.dist.exists()
