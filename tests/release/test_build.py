"""``annotation.release.build``: the writer: identical bytes, checksums, nothing written on a refused build."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from annotation import pipeline
from annotation.campaign import Campaign
from annotation.exports import Votes, load_export, read_users, to_votes
from annotation.release import build as release_build
from annotation.release import build_release
from annotation.schema import load_schema
from tests.fixtures.release import DATA, parquet_file, seed_articles, write_raw_export
from tests.fixtures.studio import campaign_copy


def test_building_twice_gives_identical_bytes(demo_votes: Votes, demo_campaign: Campaign, tmp_path: Path) -> None:
    first = build_release(demo_votes, seed_articles(), replace(demo_campaign, root=tmp_path / "a"), schema=load_schema())
    second = build_release(demo_votes, seed_articles(), replace(demo_campaign, root=tmp_path / "b"), schema=load_schema())
    assert (first / "SHA256SUMS").read_text() == (second / "SHA256SUMS").read_text()
    listed = {line.split("  ")[1] for line in (first / "SHA256SUMS").read_text().splitlines()}
    assert listed == {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}
    for line in (first / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((first / name).read_bytes()).hexdigest() == digest
        if name.endswith(".parquet"):  # content-addressed: the name carries the digest
            assert name.rsplit("-", 1)[1] == f"{digest[:16]}.parquet"
    assert not list(tmp_path.glob("*/dist/.*"))  # no temp or old folder left beside the release


def test_the_release_carries_the_campaign_report_and_its_card_links_it(demo_votes: Votes, demo_campaign: Campaign,
                                                                        tmp_path: Path) -> None:
    release = build_release(demo_votes, seed_articles(), replace(demo_campaign, root=tmp_path / "a"), schema=load_schema())
    report = (release / "report.html").read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>") and "Most disputed tasks" in report and "<script" not in report
    assert "[`report.html`](report.html)" in (release / "README.md").read_text(encoding="utf-8")


def test_a_missing_changelog_or_datasheet_is_refused(demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    for key in ("changelog", "datasheet"):
        campaign = campaign_at(tmp_path / key, **{key: "ABSENT.md"})
        with pytest.raises(FileNotFoundError, match=rf"ABSENT.md does not exist; .*(remove '{key}'|'datasheet')"):
            build_release(demo_votes, seed_articles(), campaign, schema=load_schema())
        assert not campaign.dist.exists()


# --- what a release says about its campaign --------------------------------------------------------

# Prose that was true only of the demo (synthetic votes on the one seed article) or of one conflict.


def test_a_review_annotation_that_cannot_be_read_is_reported_not_the_end_of_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATION_SALT", "test-salt")
    campaign = campaign_copy(tmp_path / "campaign", demo=True)  # the recorded export's annotators are synthetic
    write_raw_export(campaign.root)
    key = json.loads((DATA / "demo_export" / "export.json").read_bytes())[0]["data"]["task_key"]
    stance = [{"from_name": "stance", "value": {"choices": ["unrelated"]}}]
    review = [{"id": 7, "data": {"task_key": key}, "annotations": [
        {"id": 1, "updated_at": "2026-01-01T10:00:00Z", "result": stance},
        {"id": 2, "updated_at": "yesterday", "result": [{"from_name": "stance", "value": {"choices": ["against"]}}]},
    ]}]
    write_raw_export(campaign.root, {"export.json": json.dumps(review).encode(), "users.json": b"[]"}, folder="raw/review")
    campaign.interim.mkdir(parents=True)
    seed_articles().to_parquet(campaign.interim / "articles.parquet")
    release, votes = pipeline.build(campaign)
    assert votes.dropped["bad_adjudication"] == 1 and "1 review annotation(s) with a label outside" in votes.summary()
    (row,) = votes.integrity[votes.integrity["issue"] == "bad_adjudication"].to_dict("records")
    assert row["ls_annotation_id"] == 2 and "updated_at" in row["reason"]
    adjudicated = [r for r in pq.read_table(parquet_file(release, "sentences")).to_pylist() if r["adjudicated"]]
    assert [(r["task_key"], r["stance"]) for r in adjudicated] == [(key, 3)]  # unrelated, from the readable one


def test_row_groups_do_not_change_the_bytes(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release_build, "ROW_GROUP_SIZE", 5)
    first = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "a"), schema=load_schema())
    second = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "b"), schema=load_schema())
    assert pq.read_metadata(parquet_file(first, "sentences")).num_row_groups == 5
    assert (first / "SHA256SUMS").read_text() == (second / "SHA256SUMS").read_text()


def test_an_empty_export_is_a_clear_error_and_writes_nothing(campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    campaign = campaign_at(tmp_path)
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    for tasks in ([], [{**task, "annotations": []} for task in export]):
        votes = to_votes(tasks, users, schema=load_schema(), salt="s")
        with pytest.raises(ValueError, match="no annotations to aggregate: the export has no submitted annotation with a stance"):
            build_release(votes, seed_articles(), campaign, schema=load_schema())
        assert not campaign.dist.exists()
