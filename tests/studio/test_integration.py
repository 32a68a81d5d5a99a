"""End to end against a real Label Studio server: push → simulated annotation → pull → build → load."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from annotation import pipeline, studio
from annotation.campaign import Campaign, load_campaign
from annotation.schema import load_schema

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def root(request: pytest.FixtureRequest) -> Path:
    """The same walk-through on the embedded SQLite server and on a PostgreSQL-backed one."""
    return request.getfixturevalue("studio_root" if request.param == "sqlite" else "pg_studio_root")


@pytest.fixture(scope="module")
def admin(root: Path) -> studio.Studio:
    return studio.connect(root / ".studio")


@pytest.fixture(scope="module")
def pushed(root: Path) -> tuple[Campaign, int, studio.PushReport, studio.PushReport]:
    campaign = load_campaign(root)
    pipeline.ingest(campaign)
    pipeline.segment(campaign)
    campaign, project_id, first, n_tasks = pipeline.push(campaign)
    assert load_campaign(root).studio.project_id == project_id  # remembered in campaign.yml
    campaign, _, second, _ = pipeline.push(campaign)
    assert n_tasks == 24
    return campaign, project_id, first, second


def test_second_push_adds_no_task(pushed, admin: studio.Studio) -> None:
    _, project_id, first, second = pushed
    assert (first.created, first.existing) == (24, 0)
    assert (second.created, second.existing, second.changed) == (0, 24, [])
    keys = [t["data"]["task_key"] for t in admin.iter_tasks(project_id)]
    assert len(keys) == len(set(keys)) == 24


def test_project_config_comes_from_schema(pushed, admin: studio.Studio) -> None:
    _, project_id, _, _ = pushed
    project = admin.get_project(project_id)
    assert 'name="stance"' in project["label_config"] and "loaded-positive" in project["label_config"]
    assert project["show_instruction"] and "terrorize" in project["expert_instruction"]
    assert project["maximum_annotations"] == 3


def test_lexicon_hits_are_predictions_not_annotations(pushed) -> None:
    campaign, _, _, _ = pushed
    export = json.loads(pipeline.pull(campaign).path.read_text())
    regime = [t for t in export if "terrorize" in t["data"]["text"]]
    assert regime and all(t["predictions"] and not t["annotations"] for t in regime)


def test_pipeline_builds_a_loadable_dataset(pushed) -> None:
    campaign, _, _, _ = pushed
    counts = pipeline.simulate_annotation(campaign, seed=0)
    assert sorted(counts.values()) == [24, 24, 24]  # overlap 3 with 3 annotators: each labels every task
    pipeline.pull(campaign)
    release, votes = pipeline.build(campaign)
    assert len(votes.annotations) == 72 and votes.annotations["synthetic"].all()

    schema = load_schema()
    sentences = datasets.load_dataset(str(release), "sentences")
    assert not any(row["text"] for split in sentences.values() for row in split)  # the seed's text is not ours to share
    local = pipeline.with_texts(campaign, release)  # rehydrated from the campaign's own corpus
    assert local != release and local.is_relative_to(campaign.root / "data")
    sentences = datasets.load_dataset(str(local), "sentences")
    rows = [row for split in sentences.values() for row in split]
    assert len(rows) == 24
    assert sentences["train"].features["stance"].names == schema.stance_names
    for row in rows:
        assert row["synthetic"] and row["n_annotators"] == 3 and sum(row["stance_votes"]) == 3
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["text"]
    annotations = datasets.load_dataset(str(release), "annotations")
    raw = [row for split in annotations.values() for row in split]
    assert len(raw) == 72 and all(row["annotator"].startswith("ann-") for row in raw)
    assert not any("@" in row["annotator"] for row in raw)
    articles = datasets.load_dataset(str(release), "articles")
    assert sum(len(split) for split in articles.values()) == 1
    assert studio.server_status(campaign.studio_dir).database.startswith("sqlite" if "pg" not in campaign.root.parent.name else "postgresql:")
    card = (release / "README.md").read_text()
    assert "synthetic" in card.lower() and "configs:" in card
