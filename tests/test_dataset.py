from __future__ import annotations

from pathlib import Path

import datasets
import pandas as pd
import pytest
import yaml

from annotation.articles import articles_table, load_articles
from annotation.dataset import SPLITS, aggregate_votes, assign_split, build_release
from annotation.exports import Votes
from annotation.schema import load_schema

REPO = Path(__file__).resolve().parents[1]


def _card_header(release: Path) -> dict:
    return yaml.safe_load((release / "README.md").read_text().split("---\n")[1])


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


def test_card_declares_configs_licence_and_the_empty_splits(demo_release: Path) -> None:
    header = _card_header(demo_release)
    assert [c["config_name"] for c in header["configs"]] == ["sentences", "annotations", "articles"]
    assert header["license"] and header["task_categories"] and header["size_categories"] == ["n<1K"]
    split = assign_split("9ea230396c6002b4")
    card = (demo_release / "README.md").read_text()
    empty = [s for s in SPLITS if s != split]
    assert f"Empty splits in this build: {', '.join(empty)}" in card
    assert "All annotations in this build are synthetic" in card


def test_building_twice_gives_identical_bytes(demo_votes: Votes, tmp_path: Path) -> None:
    articles = pd.DataFrame(articles_table(load_articles(REPO / "seeds")))
    first = build_release(demo_votes, articles, tmp_path / "a", schema=load_schema())
    second = build_release(demo_votes, articles, tmp_path / "b", schema=load_schema())
    assert (first / "SHA256SUMS").read_text() == (second / "SHA256SUMS").read_text()
    listed = {line.split("  ")[1] for line in (first / "SHA256SUMS").read_text().splitlines()}
    assert listed == {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}


def test_majority_stance_and_vote_counts(demo_votes: Votes) -> None:
    schema = load_schema()
    sentences = aggregate_votes(demo_votes, schema)
    assert len(sentences) == 24
    for row in sentences.itertuples():
        votes = dict(zip(schema.stance_names, row.stance_votes))
        top = max(votes.values())
        assert votes[row.stance] == top
        assert row.tie == (list(votes.values()).count(top) > 1)
        if row.tie:  # ties go to the earliest label in schema order
            assert row.stance == next(n for n in schema.stance_names if votes[n] == top)
        assert row.stance_confidence == pytest.approx(top / 3)


def test_spans_need_support_from_half_the_annotators(demo_votes: Votes) -> None:
    sentences = aggregate_votes(demo_votes, load_schema()).set_index("task_key")
    spans = demo_votes.spans
    for task, row in sentences.iterrows():
        for span in row["spans"]:
            marked = spans[(spans.task == task) & (spans.start <= span["start"]) & (spans.end >= span["end"])]
            assert marked["worker"].nunique() >= 2 and span["support"] >= 0.5


def test_splits_are_per_article_and_deterministic() -> None:
    ids = [f"article-{i}" for i in range(2000)]
    splits = [assign_split(i) for i in ids]
    assert splits == [assign_split(i) for i in ids]
    shares = pd.Series(splits).value_counts(normalize=True)
    assert shares["train"] == pytest.approx(0.8, abs=0.03) and shares["test"] == pytest.approx(0.1, abs=0.03)


def test_no_annotations_is_a_clear_error(demo_votes: Votes) -> None:
    empty = Votes(demo_votes.tasks, demo_votes.annotations.iloc[0:0], demo_votes.spans.iloc[0:0])
    with pytest.raises(ValueError, match="no annotations to aggregate"):
        aggregate_votes(empty, load_schema())
