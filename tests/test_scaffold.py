"""Campaign folders: `annotation init` from the templates, and the demo's scratch copy of the seed campaign."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation.campaign import CAMPAIGN_FILE, CampaignError, load_campaign
from annotation.scaffold import copy_campaign, init_campaign
from tests.fixtures.studio import REPO


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
