"""campaign.yml: what a campaign owns, how it is checked, and how the demo stays apart from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation import pipeline
from annotation.campaign import (
    CAMPAIGN_FILE,
    DEFAULT_OVERLAP,
    CampaignError,
    copy_campaign,
    init_campaign,
    load_campaign,
    record_studio,
)
from tests.fixtures.studio import REPO


def test_the_repository_root_is_the_seed_campaign() -> None:
    seed = load_campaign(REPO)
    assert (seed.name, seed.version, seed.overlap, seed.demo) == ("loaded-stance-news", "0.1.0", DEFAULT_OVERLAP, False)
    assert seed.corpus == REPO / "seeds" and seed.splits == REPO / "seeds" / "splits.yaml"
    assert not seed.licence.redistribute_texts  # third-party news text
    assert seed.release_dir == REPO / "dist" / "loaded-stance-news-0.1.0"


def test_init_writes_a_campaign_that_loads_with_safe_defaults(tmp_path: Path) -> None:
    campaign = init_campaign(tmp_path / "gulf", title="Stance toward Gulf actors: 2026")
    assert (campaign.name, campaign.title, campaign.overlap, campaign.demo) == ("gulf", "Stance toward Gulf actors: 2026", 3, False)
    assert campaign.licence.redistribute_texts is False
    assert campaign.scheme == tmp_path / "gulf" / "schemas" / "stance_loaded.yml" and campaign.scheme.exists()
    assert campaign.corpus.is_dir() and campaign.manifest.exists() and campaign.datasheet and campaign.datasheet.exists()
    assert campaign.drop_lines is None  # the toolkit's page-furniture patterns, until the curator sets some


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("name: gulf", "name: Gulf Stance"), "name 'Gulf Stance' must be lowercase"),
        (("version: 0.1.0", "version: one"), "version 'one' is not MAJOR.MINOR.PATCH"),
        (("overlap: 3", "overlap: 0"), "'overlap' must be an integer >= 1, got 0"),
        (("overlap: 3", "overlpa: 3"), "unknown key(s) ['overlpa']"),
        (("redistribute_texts: false", "redistribute_texts: maybe"), "'licence.redistribute_texts' must be true or false"),
    ],
)
def test_a_bad_value_is_one_error_naming_the_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    campaign = init_campaign(tmp_path / "gulf")
    text = campaign.config_path.read_text()
    assert change[0] in text
    campaign.config_path.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(CampaignError) as raised:
        load_campaign(campaign.root)
    assert message in str(raised.value) and str(campaign.config_path) in str(raised.value)


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


def test_the_demo_is_a_scratch_copy_that_never_replaces_a_real_campaign(tmp_path: Path) -> None:
    seed = load_campaign(REPO)
    demo = copy_campaign(seed, tmp_path / "demo", demo=True)
    assert (demo.name, demo.demo, demo.studio.project_id) == ("loaded-stance-news-demo", True, None)
    assert demo.corpus == tmp_path / "demo" / "corpus" and (demo.corpus / "000_9ea230396c6002b4.txt").exists()
    assert demo.changelog is None  # the seed campaign's release notes stay with the seed campaign
    again = copy_campaign(seed, tmp_path / "demo", demo=True)  # an earlier demo is replaced
    assert again.root == demo.root
    real = init_campaign(tmp_path / "real")
    with pytest.raises(CampaignError, match="is not an earlier demo campaign; refusing to replace it"):
        copy_campaign(seed, real.root, demo=True)
    assert (real.root / CAMPAIGN_FILE).exists()


def test_simulated_annotators_never_label_a_real_campaign(tmp_path: Path) -> None:
    real = init_campaign(tmp_path / "real")
    with pytest.raises(CampaignError, match="simulated annotators label demo campaigns only"):
        pipeline.simulate_annotation(real)
