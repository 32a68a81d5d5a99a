"""``annotation.release.splits``: per-article splits, frozen in the committed manifest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from annotation import pipeline
from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.release import SPLITS, assign_split, build_release, freeze_splits, read_split_manifest, write_split_manifest
from annotation.schema import load_schema
from tests.fixtures.release import REPO, seed_articles, write_raw_export
from tests.fixtures.studio import campaign_copy


def test_splits_are_per_article_and_deterministic() -> None:
    ids = [f"article-{i}" for i in range(2000)]
    splits = [assign_split(i) for i in ids]
    assert splits == [assign_split(i) for i in ids]
    shares = pd.Series(splits).value_counts(normalize=True)
    assert shares["train"] == pytest.approx(0.8, abs=0.03) and shares["test"] == pytest.approx(0.1, abs=0.03)


def test_the_committed_manifest_freezes_the_seed() -> None:
    manifest = read_split_manifest(REPO / "seeds" / "splits.yaml")
    ids = set(seed_articles()["article_id"])
    assert ids <= set(manifest) and all(manifest[i] in SPLITS for i in ids)


def test_freezing_appends_new_articles_and_keeps_every_split(tmp_path: Path) -> None:
    # "9ea2…" hashes to train; a manifest that froze it in test must keep it there.
    frozen = {"9ea230396c6002b4": "test", "gone-article": "validation"}
    grown = freeze_splits(frozen, ["zz-new", "9ea230396c6002b4", "aa-new", "aa-new"])
    assert list(grown) == ["9ea230396c6002b4", "gone-article", "aa-new", "zz-new"]
    assert grown["9ea230396c6002b4"] == "test" and grown["gone-article"] == "validation"
    assert grown["aa-new"] == assign_split("aa-new") and grown["zz-new"] == assign_split("zz-new")
    path = tmp_path / "splits.yaml"
    write_split_manifest(path, grown)
    assert read_split_manifest(path) == grown
    assert path.read_text().startswith("# Frozen split of every article")
    assert read_split_manifest(tmp_path / "absent.yaml") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: train\na: test\n", "key 'a' is given twice"),
        ("a: holdout\n", "article 'a' has split 'holdout', not one of train, validation, test"),
        ("123: train\n", "article id 123 is not a string; quote it"),
        ("- a\n", "expected a mapping article_id: split, got list"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_a_broken_manifest_is_a_clear_error(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "splits.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_split_manifest(path)


def _split_files(release: Path, config: str) -> dict[str, int]:
    return {p.stem.rsplit("-", 1)[0]: pq.read_metadata(p).num_rows for p in sorted((release / config).glob("*.parquet"))}


def test_adding_an_article_never_moves_an_existing_one(demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    seed = "9ea230396c6002b4"
    assert assign_split(seed) == "train"
    manifest = {seed: "test"}  # frozen earlier, against the hash
    first = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "one"), schema=load_schema(), splits=manifest)
    assert _split_files(first, "sentences") == {"test": 24} and _split_files(first, "articles") == {"test": 1}

    new = seed_articles().assign(article_id="an-article-added-later", title="Later")
    articles = pd.concat([seed_articles(), new], ignore_index=True)
    two = campaign_at(tmp_path / "two")
    with pytest.raises(ValueError, match=r"splits has no entry for 1 article\(s\), e.g. \['an-article-added-later'\]"):
        build_release(demo_votes, articles, two, schema=load_schema(), splits=manifest)
    assert not two.dist.exists()
    grown = freeze_splits(manifest, articles["article_id"])
    second = build_release(demo_votes, articles, two, schema=load_schema(), splits=grown)
    assert _split_files(second, "sentences") == {"test": 24}
    added = assign_split("an-article-added-later")
    assert _split_files(second, "articles") == ({"test": 2} if added == "test" else {added: 1, "test": 1})


def test_the_build_command_refuses_new_articles_until_they_are_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATION_SALT", "test-salt")
    paths = campaign_copy(tmp_path / "campaign", demo=True)  # the recorded export's annotators are synthetic
    write_raw_export(paths.root)
    paths.interim.mkdir(parents=True)
    new = seed_articles().assign(article_id="an-article-added-later")
    pd.concat([seed_articles(), new], ignore_index=True).to_parquet(paths.interim / "articles.parquet")
    manifest = paths.splits
    write_split_manifest(manifest, {"9ea230396c6002b4": "validation"})
    before = manifest.read_bytes()

    with pytest.raises(ValueError, match=r"has no split for 1 article\(s\), e.g. \['an-article-added-later'\]; run `annotation build --freeze-splits`"):
        pipeline.build(paths)
    assert manifest.read_bytes() == before and not paths.dist.exists() and not (paths.interim / "tasks.parquet").exists()

    release, _ = pipeline.build(paths, freeze_splits=True)
    frozen = read_split_manifest(manifest)
    assert frozen == {"9ea230396c6002b4": "validation", "an-article-added-later": assign_split("an-article-added-later")}
    assert _split_files(release, "sentences") == {"validation": 24}
    sums = (release / "SHA256SUMS").read_text()
    again, _ = pipeline.build(paths)  # nothing new: no flag needed, nothing rewritten, same bytes
    assert read_split_manifest(manifest) == frozen and (again / "SHA256SUMS").read_text() == sums
