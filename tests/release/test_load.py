"""``annotation.release.load``: a release loads through ``datasets`` and decodes into named frames."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import datasets

from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.release import build_release, load_release, load_release_tables
from annotation.schema import load_schema
from tests.fixtures.release import seed_articles


def test_all_three_configs_load_with_typed_features(demo_release: Path) -> None:
    schema = load_schema()
    sentences = datasets.load_dataset(str(demo_release), "sentences")
    features = next(iter(sentences.values())).features
    assert features["stance"].names == schema.stance_names
    assert features["bio_tags"].feature.names == schema.bio_names
    assert features["spans"].feature["label"].names == schema.span_names
    for config, rows in (("annotations", 72), ("articles", 1)):
        loaded = datasets.load_dataset(str(demo_release), config)
        assert sum(len(split) for split in loaded.values()) == rows


def test_a_release_rebuilt_in_place_loads_its_new_rows_through_the_default_cache(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path, _private_datasets_cache: Path
) -> None:
    campaign = campaign_at(tmp_path / "campaign")
    names = load_schema().stance_names

    def rebuild(label: str, n_tasks: int = 24) -> Path:
        tasks = set(demo_votes.tasks["task"].iloc[:n_tasks])
        annotations = demo_votes.annotations[demo_votes.annotations["task"].isin(tasks)].assign(label=label)
        spans = demo_votes.spans[demo_votes.spans["task"].isin(tasks)]
        return build_release(Votes(demo_votes.tasks, annotations, spans, demo_votes.dropped), seed_articles(), campaign, schema=load_schema())

    def stances(release: Path, **options: object) -> tuple[int, set[str]]:
        rows = datasets.load_dataset(str(release), "sentences", **options)["train"]
        return len(rows), {names[i] for i in rows["stance"]}

    release = rebuild("favor")
    assert stances(release) == (24, {"favor"})
    assert rebuild("against") == release
    assert stances(release) == (24, {"against"})  # datasets 5.2 returned the cached "favor" rows under fixed file names
    assert rebuild("neutral", n_tasks=10) == release
    assert stances(release, download_mode="force_redownload") == (10, {"neutral"})  # was NonMatchingSplitsSizesError
    assert stances(release) == (10, {"neutral"})
    assert {names[i] for i in load_release(release)["train"]["stance"]} == {"neutral"}
    assert any(_private_datasets_cache.iterdir())  # the loads went through this test's cache


def test_release_tables_carry_label_names_and_say_when_texts_are_missing(
    demo_release: Path, textless_release: Path
) -> None:
    tables = load_release_tables(demo_release)
    assert tables.stance_names == ["favor", "against", "neutral", "unrelated"]
    assert tables.span_names == ["loaded-negative", "loaded-positive"]
    assert set(tables.sentences["stance"]) <= set(tables.stance_names)
    assert set(tables.annotations["stance"]) <= set(tables.stance_names)
    for votes, n in zip(tables.sentences["stance_votes"], tables.sentences["n_annotators"], strict=True):
        assert list(votes) == tables.stance_names and sum(votes.values()) == n
    labels = {s["label"] for cell in tables.sentences["spans"] for s in cell}
    assert labels and labels <= set(tables.span_names)
    assert set(tables.sentences["split"]) == {"train"} and len(tables.articles) == 1
    assert tables.missing_texts is None and tables.synthetic
    assert load_release_tables(textless_release).missing_texts is not None


def test_loading_and_building_leave_the_callers_progress_bars_as_they_were(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    was = datasets.is_progress_bar_enabled()
    try:
        for enabled in (True, False):
            (datasets.enable_progress_bars if enabled else datasets.disable_progress_bars)()
            release = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / str(enabled)), schema=load_schema())
            assert datasets.is_progress_bar_enabled() is enabled
            load_release_tables(release)
            assert datasets.is_progress_bar_enabled() is enabled
    finally:
        (datasets.enable_progress_bars if was else datasets.disable_progress_bars)()
