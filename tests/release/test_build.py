from __future__ import annotations

import hashlib
import shutil
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import datasets
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from annotation import pipeline
from annotation.release import tables as release_build
from annotation.aggregate import krippendorff_alpha
from annotation.ingest import PAGE_FURNITURE, load_articles
from annotation.campaign import Campaign
from annotation.cli import app
from annotation.release import (
    SPLITS,
    STATS_BEGIN,
    STATS_END,
    TEXT_COLUMNS,
    aggregate_votes,
    assign_split,
    build_release,
    freeze_splits,
    load_release,
    read_changelog,
    read_split_manifest,
    rehydrate_release,
    update_datasheet,
    write_split_manifest,
)
from annotation.exports import Votes, load_export, read_users, to_votes
from annotation.schema import load_schema
from annotation.spans import token_spans
from tests.fixtures.release import seed_articles, write_campaign
from tests.fixtures.studio import campaign_copy

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"


@pytest.fixture(autouse=True)
def _private_datasets_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test loads through the default cache mechanism, in a cache of its own (not the user's)."""
    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    return cache


def _card_header(release: Path) -> dict:
    return yaml.safe_load((release / "README.md").read_text().split("---\n")[1])


def _parquet(release: Path, config: str, split: str = "train") -> Path:
    """The one data file of a config's split (its name carries its sha256)."""
    (path,) = (release / config).glob(f"{split}-*.parquet")
    return path


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


def test_card_declares_configs_licence_tasks_and_the_empty_splits(demo_release: Path) -> None:
    header = _card_header(demo_release)
    assert [c["config_name"] for c in header["configs"]] == ["sentences", "annotations", "articles"]
    assert header["license"] and header["size_categories"] == ["n<1K"]
    # Stance is multi-class classification of a (sentence, target) pair; no Hub token-classification
    # subtask (named-entity-recognition, part-of-speech, ...) is loaded-language tagging.
    assert header["task_categories"] == ["text-classification", "token-classification"]
    assert header["task_ids"] == ["multi-class-classification"]
    split = assign_split("9ea230396c6002b4")
    card = (demo_release / "README.md").read_text()
    empty = [s for s in SPLITS if s != split]
    assert f"Empty splits in this build: {', '.join(empty)}" in card
    assert "All annotations in this release are synthetic" in card


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


def test_sentence_offsets_point_into_the_article(demo_votes: Votes) -> None:
    (text,) = seed_articles()["text"]
    sentences = aggregate_votes(demo_votes, load_schema())
    assert all(text[row.start : row.end] == row.text for row in sentences.itertuples())


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


# --- version and changelog -------------------------------------------------------------------------


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


def test_a_missing_changelog_or_datasheet_is_refused(demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    for key in ("changelog", "datasheet"):
        campaign = campaign_at(tmp_path / key, **{key: "ABSENT.md"})
        with pytest.raises(FileNotFoundError, match=rf"ABSENT.md does not exist; .*(remove '{key}'|'datasheet')"):
            build_release(demo_votes, seed_articles(), campaign, schema=load_schema())
        assert not campaign.dist.exists()


# --- what a release says about its campaign --------------------------------------------------------

# Prose that was true only of the demo (synthetic votes on the one seed article) or of one conflict.
DEMO_PROSE = (
    "every annotation is synthetic", "One English news article", "No human annotator has contributed yet",
    "All annotations in this release are synthetic", "Synthetic: yes", "Demo campaign", "one conflict",
    "Annotators now.** Simulated", "Idlib",
)


def _release_texts(release: Path) -> str:
    return "\n".join((release / name).read_text() for name in ("README.md", "DATASHEET.md", "stats.json", "CITATION.bib"))


def test_card_datasheet_stats_and_citation_describe_the_campaign(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    votes, articles = tiny_votes({"t1": ["against", "against"], "t2": ["favor", "favor"], "t3": ["neutral", "favor"]})
    campaign = campaign_at(
        tmp_path, name="gulf-stance", title="Stance toward Gulf actors", version="0.3.0", description="Regional news sentences.",
        licence={"annotations": "cc0-1.0", "texts": "cc-by-sa-4.0", "redistribute_texts": True},
        authors=[{"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097", "affiliation": "Analytical Society"}],
        homepage="https://example.org/gulf", language=["en", "ar"],
    )
    release = build_release(votes, articles, campaign, schema=load_schema())
    assert release == tmp_path / "dist" / "gulf-stance-0.3.0"
    header = _card_header(release)
    assert header["license"] == ["cc0-1.0", "cc-by-sa-4.0"] and header["pretty_name"] == "Stance toward Gulf actors"
    assert header["language"] == ["en", "ar"] and header["multilinguality"] == ["multilingual"]
    assert header["annotations_creators"] == ["other"] and header["tags"] == ["stance-detection", "loaded-language", "human-annotations"]
    card = (release / "README.md").read_text()
    for text in ("# Stance toward Gulf actors", "`gulf-stance` version 0.3.0. Regional news sentences.", "`cc0-1.0`",
                 "Ada Lovelace, Analytical Society (ORCID 0000-0002-1825-0097)", "https://example.org/gulf",
                 "3 sentence × target rows from 3 sentences of 1 article(s)", "by 2 annotator(s), 6 annotations in all",
                 "0 of 6 annotations are synthetic.", "The source texts are included"):
        assert text in card, text
    sheet = (release / "DATASHEET.md").read_text()
    assert sheet.startswith(release_build.DATASHEET_TEMPLATE.read_text().split(STATS_BEGIN)[0])  # the campaign names no datasheet
    for text in ("Stance toward Gulf actors (`gulf-stance` 0.3.0)", "annotations: `cc0-1.0`", "**Synthetic: 0 of 6 annotations**",
                 "| **all** | 1 | 3 | 3 | 6 | 2 |", "published 2026-11-27 to 2026-11-27", "`the government` (3)"):
        assert text in sheet and text in card, text
    stats = json.loads((release / "stats.json").read_text())
    assert (stats["title"], stats["licence"]["annotations"], stats["annotations"], stats["synthetic_annotations"]) == (
        "Stance toward Gulf actors", "cc0-1.0", 6, 0)
    assert stats["corpus"] == {"outlets": {}, "without_outlet": 1, "published": {"first": "2026-11-27", "last": "2026-11-27", "undated": 0},
                               "targets": {"the government": 3}}
    bibtex = ("@misc{gulf_stance_0_3_0,\n  title = {{Stance toward Gulf actors}},\n  author = {Ada Lovelace},\n  year = {2026},\n"
              "  note = {Version 0.3.0},\n  url = {https://example.org/gulf}\n}\n")
    assert (release / "CITATION.bib").read_text() == bibtex and bibtex in card
    assert not any(text in _release_texts(release) for text in DEMO_PROSE)

    given = build_release(votes, articles, replace(campaign, citation="@article{given, title = {Given}}"), schema=load_schema())
    assert (given / "CITATION.bib").read_text() == "@article{given, title = {Given}}\n"


def test_the_seed_campaigns_release_holds_no_demo_prose(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], tmp_path: Path) -> None:
    from annotation.campaign import load_campaign

    votes, articles = tiny_votes({"t1": ["against", "against"], "t2": ["favor", "favor"]})
    seed = replace(load_campaign(REPO), root=tmp_path)  # its own DATASHEET.md and CHANGELOG.md, human votes
    texts = _release_texts(build_release(votes, articles, seed, schema=load_schema()))
    assert [text for text in DEMO_PROSE if text in texts] == []
    demo = _release_texts(build_release(votes.__class__(votes.tasks, votes.annotations.assign(synthetic=True), votes.spans, votes.dropped),
                                        articles, replace(seed, root=tmp_path / "demo", demo=True), schema=load_schema()))
    assert "Demo campaign" in demo and "All annotations in this release are synthetic" in demo  # the checks can fail


def test_the_demo_release_says_it_is_a_demo(demo_release: Path) -> None:
    card = (demo_release / "README.md").read_text()
    assert "**Demo campaign.**" in card and "3 annotator(s) contributed 72 annotations; 3 of them are simulated" in card
    assert _card_header(demo_release)["annotations_creators"] == ["machine-generated"]


# --- source texts and rehydration ------------------------------------------------------------------


def _text_values(release: Path) -> dict[str, list[object]]:
    """Every value of every column of ``TEXT_COLUMNS``, by ``config.column``."""
    values: dict[str, list[object]] = {}
    for config, columns in TEXT_COLUMNS.items():
        rows = [row for path in sorted((release / config).glob("*.parquet")) for row in pq.read_table(path).to_pylist()]
        for column in columns:
            name, _, field = column.partition(".")
            values[f"{config}.{column}"] = [s[field] for row in rows for s in row[name]] if field else [row[name] for row in rows]
    return values


def _strings(release: Path) -> list[str]:
    """Every string in a release: each value of each parquet file (nested ones too; the files are
    compressed, so their bytes may not show a text they hold) and each other file's text."""
    def walk(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        return [s for item in items for s in walk(item)]

    tables = [pq.read_table(path).to_pylist() for path in sorted(release.glob("*/*.parquet"))]
    return walk(tables) + [p.read_text() for p in release.iterdir() if p.is_file()]


def _data_files(release: Path) -> dict[str, bytes]:
    return {p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.glob("*/*.parquet"))}


SHARED = {"annotations": "cc-by-4.0", "texts": "Copyright of the publishers.", "redistribute_texts": True}


def test_a_release_without_text_rights_holds_no_text_and_rehydrates_to_the_full_release(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    withheld = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "withheld"), schema=load_schema())
    full = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "shared", licence=SHARED), schema=load_schema())
    sentence = max(demo_votes.tasks["text"], key=len)
    title = seed_articles()["title"][0]
    for probe in (sentence, title, sentence[20:60]):
        assert any(probe in value for value in _strings(full))  # the check can fail
        assert not any(probe in value for value in _strings(withheld))
        assert not any(probe.encode() in p.read_bytes() for p in withheld.rglob("*") if p.is_file())
    assert all(value is None for values in _text_values(withheld).values() for value in values)
    assert all(values and None not in values for values in _text_values(full).values())
    card = (withheld / "README.md").read_text()
    assert "The source texts are **not included**" in card and "annotation rehydrate test-campaign-1.0.0 --corpus" in card
    assert _card_header(withheld)["license"] == ["cc-by-4.0"] and _card_header(full)["license"] == ["cc-by-4.0", "other"]
    (articles_row,) = pq.read_table(_parquet(withheld, "articles")).to_pylist()
    assert articles_row["text_sha256"] == hashlib.sha256(seed_articles()["text"][0].encode()).hexdigest()
    assert datasets.load_dataset(str(withheld), "sentences")["train"].features == datasets.load_dataset(str(full), "sentences")["train"].features

    result = rehydrate_release(withheld, [REPO / "seeds"], out=tmp_path / "rehydrated")
    assert result.matched == ("9ea230396c6002b4",) and result.missing == {} and result.skipped == ()
    assert _data_files(result.release) == _data_files(full)  # same names (content hashes), same bytes
    card = (result.release / "README.md").read_text()
    assert "This copy was rehydrated by `annotation rehydrate`" in card and "1 of 1 article(s) matched" in card
    assert (result.release / "DATASHEET.md").read_bytes() == (withheld / "DATASHEET.md").read_bytes()
    assert rehydrate_release(withheld, [REPO / "seeds"], out=tmp_path / "rehydrated").release == result.release  # replaces its copy
    with pytest.raises(ValueError, match="carries its texts already"):
        rehydrate_release(full, [REPO / "seeds"], out=tmp_path / "again")
    with pytest.raises(ValueError, match="exists and is not a release"):
        rehydrate_release(withheld, [REPO / "seeds"], out=REPO / "seeds")
    (withheld / "stats.json").write_text("{}")
    with pytest.raises(ValueError, match=r"stats.json: missing, or changed since the release was built"):
        rehydrate_release(withheld, [REPO / "seeds"], out=tmp_path / "again")


def test_rehydration_matches_any_copy_by_its_text_and_reports_the_rest(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    withheld = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "withheld"), schema=load_schema())
    full = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "shared", licence=SHARED), schema=load_schema())
    article = seed_articles().iloc[0]
    body = article["text"].split("\n\n", 1)[1]
    runner = CliRunner()

    edited = tmp_path / "edited"
    edited.mkdir()
    record = {"id": "my-own-id", "title": article["title"], "text": body.replace("regime", "government", 1)}
    (edited / "copy.jsonl").write_text(json.dumps(record) + "\n" + '{"text": 3}\n')
    result = runner.invoke(app, ["rehydrate", str(withheld), "--corpus", str(edited), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "not rehydrated: article 9ea230396c6002b4: no article in the corpus has its text" in result.output
    assert "copy.jsonl:2: field 'text' is int" in result.output and "rehydrated 0 of 1 article(s)" in result.output
    assert all(value is None for values in _text_values(tmp_path / "out").values() for value in values)

    # Another format, id and line ending: the same normalised text, so the same sha256.
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "copy.jsonl").write_text(json.dumps({**record, "text": body.replace("\n", "\r\n") + "  "}) + "\n")
    result = runner.invoke(app, ["rehydrate", str(withheld), "--corpus", str(copy), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "rehydrated 1 of 1 article(s)" in result.output
    assert _data_files(tmp_path / "out") == _data_files(full)


def test_rehydration_refuses_a_text_that_now_segments_differently(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    withheld = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "withheld"), schema=load_schema())
    (article,) = load_articles(REPO / "seeds")
    segment = release_build.split_sentences
    third = segment(article)[3]
    monkeypatch.setattr(release_build, "split_sentences", lambda article: [  # a segmenter that moved one boundary
        replace(s, start=s.start + 1, text=s.text[1:]) if s.index == 3 else s for s in segment(article)])
    result = rehydrate_release(withheld, [REPO / "seeds"], out=tmp_path / "out")
    version = json.loads((withheld / "stats.json").read_text())["library_versions"]["annotation"]
    assert result.matched == () and result.missing == {"9ea230396c6002b4": (
        f"its text matches, but sentence 9ea230396c6002b4-0003 ({third.start}:{third.end} in the release) is segmented "
        f"differently now; rehydrate with annotation {version}, which built the release")}
    assert all(value is None for values in _text_values(result.release).values() for value in values)


# --- loading a release -----------------------------------------------------------------------------


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


def test_fields_not_recorded_stay_null(demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    seed = seed_articles().assign(published=None, updated=None, url=None, outlet=None)
    other = seed.assign(article_id="wire-0042", source="wire.jsonl:1", published="2024-05-01T10:00", url="https://example.org/a",
                        outlet="Example Wire", text="Other\n\nAnother article.", title="Other")
    release = build_release(demo_votes, pd.concat([seed, other], ignore_index=True), campaign_at(tmp_path, licence=SHARED),
                            schema=load_schema())
    rows = {row["article_id"]: row for split in datasets.load_dataset(str(release), "articles").values() for row in split}
    assert [rows["9ea230396c6002b4"][key] for key in ("published", "updated", "url", "outlet")] == [None] * 4
    assert [rows["wire-0042"][key] for key in ("published", "updated", "url", "outlet")] == [
        "2024-05-01T10:00", None, "https://example.org/a", "Example Wire"]
    corpus = json.loads((release / "stats.json").read_text())["corpus"]
    assert corpus["outlets"] == {"Example Wire": 1} and corpus["without_outlet"] == 1
    assert corpus["published"] == {"first": "2024-05-01", "last": "2024-05-01", "undated": 1}
    assert "2 article(s) (1 outlet(s): Example Wire (1); 1 without a recorded outlet), published 2024-05-01 to 2024-05-01 (1 without a date)" in (
        release / "README.md").read_text()


# --- frozen splits ---------------------------------------------------------------------------------


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


def _raw_dir(root: Path, files: dict[str, bytes] | None = None, folder: str = "raw") -> None:
    """A pulled export in ``data/<folder>`` as `annotation pull` leaves it: the recorded demo export
    (or ``files``: export.json and users.json), checksummed in MANIFEST.json."""
    raw = root / "data" / folder
    raw.mkdir(parents=True)
    entry = {"project_id": 1, "maximum_annotations": 3}
    for key, name in (("file", "export.json"), ("users_file", "users.json")):
        data = (files or {}).get(name) or (DATA / "demo_export" / name).read_bytes()
        (raw / name).write_bytes(data)
        entry[key] = name
        entry[key.replace("file", "sha256")] = hashlib.sha256(data).hexdigest()
    (raw / "MANIFEST.json").write_text(json.dumps({"exports": [entry]}))


def test_a_review_annotation_that_cannot_be_read_is_reported_not_the_end_of_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATION_SALT", "test-salt")
    campaign = campaign_copy(tmp_path / "campaign", demo=True)  # the recorded export's annotators are synthetic
    _raw_dir(campaign.root)
    key = json.loads((DATA / "demo_export" / "export.json").read_bytes())[0]["data"]["task_key"]
    stance = [{"from_name": "stance", "value": {"choices": ["unrelated"]}}]
    review = [{"id": 7, "data": {"task_key": key}, "annotations": [
        {"id": 1, "updated_at": "2026-01-01T10:00:00Z", "result": stance},
        {"id": 2, "updated_at": "yesterday", "result": [{"from_name": "stance", "value": {"choices": ["against"]}}]},
    ]}]
    _raw_dir(campaign.root, {"export.json": json.dumps(review).encode(), "users.json": b"[]"}, folder="raw/review")
    campaign.interim.mkdir(parents=True)
    seed_articles().to_parquet(campaign.interim / "articles.parquet")
    release, votes = pipeline.build(campaign)
    assert votes.dropped["bad_adjudication"] == 1 and "1 review annotation(s) with a label outside" in votes.summary()
    (row,) = votes.integrity[votes.integrity["issue"] == "bad_adjudication"].to_dict("records")
    assert row["ls_annotation_id"] == 2 and "updated_at" in row["reason"]
    adjudicated = [r for r in pq.read_table(_parquet(release, "sentences")).to_pylist() if r["adjudicated"]]
    assert [(r["task_key"], r["stance"]) for r in adjudicated] == [(key, 3)]  # unrelated, from the readable one


def test_the_build_command_refuses_new_articles_until_they_are_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATION_SALT", "test-salt")
    paths = campaign_copy(tmp_path / "campaign", demo=True)  # the recorded export's annotators are synthetic
    _raw_dir(paths.root)
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


# --- statistics, card and datasheet ----------------------------------------------------------------


def test_stats_carry_agreement_with_intervals(demo_release: Path) -> None:
    stats = json.loads((demo_release / "stats.json").read_text())
    figures = {(f["measure"], f["level"]): f for f in stats["agreement"]["figures"]}
    schema = load_schema()
    expected = {("stance_alpha", "all"), *(("stance_alpha", n) for n in schema.stance_names), ("stance_alpha", "train"),
                ("token_alpha", "all"), ("span_f1_exact", "all"), ("span_f1_partial", "all")}
    assert set(figures) == expected
    for figure in figures.values():
        assert figure["low"] <= figure["value"] <= figure["high"] and figure["tasks"] == 24
        assert figure["resampled"] == "task"  # one article: fewer than MIN_ARTICLES
    stance = figures[("stance_alpha", "all")]
    assert stance["value"] == pytest.approx(krippendorff_alpha(_stance_votes()), abs=1e-4)
    assert (stats["annotators"], stats["synthetic"], stats["tasks"]) == (3, True, 24)
    assert set(stats["library_versions"]) == {"annotation", "datasets", "pyarrow", "pandas", "numpy"}
    card = (demo_release / "README.md").read_text()
    assert "| Krippendorff's α, stance | all | " in card and "| pairwise span F1, overlap | all |" in card
    assert f"pyarrow {stats['library_versions']['pyarrow']}" in card


def _stance_votes() -> pd.DataFrame:
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    return to_votes(export, users, schema=load_schema(), salt="s").annotations[["task", "worker", "label"]]


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


def test_row_groups_do_not_change_the_bytes(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release_build, "ROW_GROUP_SIZE", 5)
    first = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "a"), schema=load_schema())
    second = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "b"), schema=load_schema())
    assert pq.read_metadata(_parquet(first, "sentences")).num_row_groups == 5
    assert (first / "SHA256SUMS").read_text() == (second / "SHA256SUMS").read_text()


def test_the_tokens_column_survives_non_ascii_text(demo_release: Path) -> None:
    table = pq.read_table(_parquet(demo_release, "sentences")).to_pylist()
    for row in table:
        assert row["tokens"] == [row["text"][s:e] for s, e in token_spans(row["text"])]


# --- bad input -------------------------------------------------------------------------------------


def test_bad_votes_are_clear_errors(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]]) -> None:
    schema = load_schema()
    votes, _ = tiny_votes({"t1": ["against", "against"]})
    unknown = Votes(votes.tasks.iloc[1:], votes.annotations, votes.spans)
    with pytest.raises(ValueError, match=r"2 vote\(s\) on 1 task\(s\) missing from votes.tasks, e.g. \['t1'\]"):
        aggregate_votes(unknown, schema)
    nan_label, _ = tiny_votes({"t1": ["against", None], "t2": ["favor", "favor"]})
    nan_label.annotations.loc[0, "label"] = None
    with pytest.raises(ValueError, match=r"1 annotation\(s\) without a stance label \(NaN\), e.g. task 't1' by 'w1'"):
        aggregate_votes(nan_label, schema)
    twice = Votes(votes.tasks, pd.concat([votes.annotations, votes.annotations.assign(ls_annotation_id=[7, 8])]), votes.spans)
    with pytest.raises(ValueError, match=r"2 repeated \(task, worker\) pair\(s\)"):
        aggregate_votes(twice, schema)
    with pytest.raises(ValueError, match=r"label\'\] has value\(s\) \['pro'\] not in labels"):
        aggregate_votes(Votes(votes.tasks, votes.annotations.assign(label="pro"), votes.spans), schema)


def test_spans_without_a_stance_annotation_are_refused(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]]) -> None:
    schema = load_schema()
    # w3 marked "regime" on t1 but gave no stance there; on t3 nobody gave a stance at all
    for spans in ([("t1", "w3", "regime", "loaded-negative")], [("t3", "w1", "Officials", "loaded-negative")]):
        votes, _ = tiny_votes({"t1": ["against", "against", None], "t2": ["favor", "favor"]}, spans=tuple(spans))
        with pytest.raises(ValueError, match=r"votes.spans has 1 span\(s\) that belong to no stance annotation"):
            aggregate_votes(votes, schema)


def test_to_votes_drops_the_spans_of_annotations_without_a_stance() -> None:
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    task = next(t for t in export if any(r.get("from_name") == "loaded" for a in t["annotations"] for r in a["result"]))
    annotation = next(a for a in task["annotations"] if any(r.get("from_name") == "loaded" for r in a["result"]))
    annotation["result"] = [r for r in annotation["result"] if r.get("from_name") == "loaded"]  # spans, no stance
    votes = to_votes(export, users, schema=load_schema(), salt="s", source="edited")
    assert votes.dropped["without_stance"] == 1
    assert annotation["id"] not in set(votes.spans["ls_annotation_id"])
    row = aggregate_votes(votes, load_schema()).set_index("task_key").loc[task["data"]["task_key"]]
    assert row["n_annotators"] == 2 and sum(row["stance_votes"]) == 2


def test_one_label_workers_single_votes_and_all_ties(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    schema = load_schema()
    # w1 only ever says "favor"; t3 has a single vote; t1 and t2 are ties
    votes, articles = tiny_votes(
        {"t1": ["favor", "against"], "t2": ["favor", "neutral"], "t3": ["favor"]},
        spans=(("t1", "w1", "regime", "loaded-negative"), ("t2", "w2", "freed", "loaded-positive")),
    )
    rows = aggregate_votes(votes, schema).set_index("task_key")
    assert rows["tie"].tolist() == [True, True, False] and rows["stance"].tolist() == ["favor"] * 3
    assert rows.loc["t3", "n_annotators"] == 1 and rows.loc["t3", "stance_confidence"] == 1.0
    release = build_release(votes, articles, campaign_at(tmp_path), schema=schema)
    stats = json.loads((release / "stats.json").read_text())
    alpha = next(f for f in stats["agreement"]["figures"] if f["measure"] == "stance_alpha" and f["by"] == "all")
    assert alpha["tasks"] == 2 and alpha["value"] == pytest.approx(krippendorff_alpha(votes.annotations[["task", "worker", "label"]]), abs=1e-4)
    assert stats["stance_ties"] == 2


def test_undefined_agreement_is_shown_as_undefined(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    votes, articles = tiny_votes({"t1": ["against", "against"], "t2": ["against", "against"]})  # one category, no spans
    release = build_release(votes, articles, campaign_at(tmp_path), schema=load_schema())
    figures = json.loads((release / "stats.json").read_text())["agreement"]["figures"]
    assert all(f["value"] is None and f["low"] is None for f in figures if f["measure"] != "stance_alpha" or f["by"] == "all")
    assert "| Krippendorff's α, stance | all | undefined | – | 2 |" in (release / "README.md").read_text()


def test_an_empty_export_is_a_clear_error_and_writes_nothing(campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    campaign = campaign_at(tmp_path)
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    for tasks in ([], [{**task, "annotations": []} for task in export]):
        votes = to_votes(tasks, users, schema=load_schema(), salt="s")
        with pytest.raises(ValueError, match="no annotations to aggregate: the export has no submitted annotation with a stance"):
            build_release(votes, seed_articles(), campaign, schema=load_schema())
        assert not campaign.dist.exists()


def test_rehydration_drops_the_page_furniture_the_campaign_dropped(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    # The user's copy carries a line this campaign's own pattern dropped at ingest (the default patterns keep it).
    patterns = [*PAGE_FURNITURE, r"Read more: .*"]
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "seeds", copy)
    (seed_file,) = copy.glob("*.txt")
    headline, rest = seed_file.read_text(encoding="utf-8").split("\n", 1)
    seed_file.write_text(f"{headline}\n\nRead more: the full dossier\n{rest}", encoding="utf-8")
    (article,) = load_articles(copy, drop_lines=patterns)
    assert article.text == seed_articles()["text"][0] and "Read more: the full dossier" in article.dropped_lines
    assert load_articles(copy)[0].text != article.text  # the check can fail
    withheld = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "withheld", ingest={"drop_lines": patterns}),
                             schema=load_schema())
    assert json.loads((withheld / "stats.json").read_text())["ingest"]["drop_lines"] == patterns
    result = rehydrate_release(withheld, [copy], out=tmp_path / "rehydrated")
    assert result.matched == ("9ea230396c6002b4",) and result.missing == {}


def test_the_card_warns_that_tied_rows_lean_toward_the_earlier_labels(demo_release: Path) -> None:
    stats = json.loads((demo_release / "stats.json").read_text())
    card = (demo_release / "README.md").read_text()
    assert stats["stance_ties"] > 0  # the check can fail
    assert f"{stats['stance_ties']} of {stats['tasks']} rows tied (`tie`)" in card and "annotation review" in card
