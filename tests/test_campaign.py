"""campaign.yml: what a campaign owns, how it is checked, and how the demo stays apart from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation import pipeline
from annotation.campaign import DEFAULT_OVERLAP, CampaignError, load_campaign, record_studio
from annotation.scaffold import init_campaign
from tests.fixtures.studio import REPO


def test_the_repository_root_is_the_seed_campaign() -> None:
    seed = load_campaign(REPO)
    assert (seed.name, seed.version, seed.overlap, seed.demo) == ("loaded-stance-news", "0.1.0", DEFAULT_OVERLAP, False)
    assert seed.corpus == REPO / "seeds" and seed.splits == REPO / "seeds" / "splits.yaml"
    assert not seed.licence.redistribute_texts  # third-party news text
    assert seed.release_dir == REPO / "dist" / "loaded-stance-news-0.1.0"


def test_no_campaign_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="no campaign.yml here; run `annotation init DIR`"):
        load_campaign(tmp_path)


def test_the_remembered_port_and_project_keep_the_curators_comments(tmp_path: Path) -> None:
    campaign = init_campaign(tmp_path / "gulf")
    before = campaign.config_path.read_text()
    updated = record_studio(record_studio(campaign, port=8093), project_id=4)
    after = campaign.config_path.read_text()
    assert load_campaign(campaign.root).studio == updated.studio
    assert (updated.studio.port, updated.studio.project_id, updated.studio.review_project_id) == (8093, 4, None)
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(changed) == 1 and changed[0].startswith("studio: {port: 8093, project_id: 4")


def test_a_long_title_fits_label_studios_project_title(tmp_path: Path) -> None:
    campaign = init_campaign(tmp_path / "gulf", title="x" * 80)
    assert len(campaign.project_title) == 50 and campaign.project_title.endswith("…")
    assert len(campaign.review_project_title) == 50 and campaign.review_project_title.endswith("… (review)")


def test_simulated_annotators_never_label_a_real_campaign(tmp_path: Path) -> None:
    real = init_campaign(tmp_path / "real")
    with pytest.raises(CampaignError, match="simulated annotators label demo campaigns only"):
        pipeline.simulate_annotation(real)
