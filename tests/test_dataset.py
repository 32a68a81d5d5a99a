from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import datasets
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from annotation import dataset, pipeline
from annotation.agreement import krippendorff_alpha
from annotation.articles import articles_table, load_articles
from annotation.dataset import (
    DATASET_NAME,
    SPLITS,
    STATS_BEGIN,
    STATS_END,
    aggregate_votes,
    assign_split,
    build_release,
    freeze_splits,
    read_changelog,
    read_split_manifest,
    update_datasheet,
    write_split_manifest,
)
from annotation.exports import Votes, load_export, read_users, to_votes
from annotation.schema import load_schema
from annotation.tokens import token_spans
from tests.fixtures.studio import campaign_copy

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


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


# --- version and changelog -------------------------------------------------------------------------


def _changelog(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_version_is_the_newest_changelog_entry(demo_release: Path) -> None:
    newest = read_changelog(REPO / "CHANGELOG.md")[0]
    assert demo_release.name == f"{DATASET_NAME}-{newest.version}"
    stats = json.loads((demo_release / "stats.json").read_text())
    assert (stats["version"], stats["release_date"]) == (newest.version, newest.date)
    card = (demo_release / "README.md").read_text()
    assert f"## Changes in {newest.version}\n{newest.notes}" in card


def test_changelog_entries(tmp_path: Path) -> None:
    path = _changelog(tmp_path, "# Changelog\n\n## [Unreleased]\n- soon\n\n## [1.0.0-rc.2] - 2026-12-02\n- rc\n\n"
                                "## [0.10.0] - 2026-12-01\n### Added\n- more\n\n## [0.9.1] - 2026-11-30\n- fix\n\n[0.9.1]: https://x\n")
    entries = read_changelog(path)
    assert [(e.version, e.date) for e in entries] == [("1.0.0-rc.2", "2026-12-02"), ("0.10.0", "2026-12-01"), ("0.9.1", "2026-11-30")]
    assert entries[1].notes == "### Added\n- more"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Changelog\n\n## [Unreleased]\n- soon\n", "has no release entry"),
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
def test_a_build_without_a_valid_changelog_entry_is_refused(
    text: str, message: str, demo_votes: Votes, tmp_path: Path
) -> None:
    path = _changelog(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        build_release(demo_votes, _articles(), tmp_path / "dist", schema=load_schema(), changelog=path)
    assert not (tmp_path / "dist").exists()


def test_a_missing_changelog_is_refused(demo_votes: Votes, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="release version comes from its newest entry"):
        build_release(demo_votes, _articles(), tmp_path, schema=load_schema(), changelog=tmp_path / "CHANGELOG.md")


# --- frozen splits ---------------------------------------------------------------------------------


def _articles() -> pd.DataFrame:
    return pd.DataFrame(articles_table(load_articles(REPO / "seeds")))


def test_the_committed_manifest_freezes_the_seed() -> None:
    manifest = read_split_manifest(REPO / "seeds" / "splits.yaml")
    ids = set(_articles()["article_id"])
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
    return {p.stem: pq.read_metadata(p).num_rows for p in sorted((release / config).glob("*.parquet"))}


def test_adding_an_article_never_moves_an_existing_one(demo_votes: Votes, tmp_path: Path) -> None:
    seed = "9ea230396c6002b4"
    assert assign_split(seed) == "train"
    manifest = {seed: "test"}  # frozen earlier, against the hash
    first = build_release(demo_votes, _articles(), tmp_path / "one", schema=load_schema(), splits=manifest)
    assert _split_files(first, "sentences") == {"test": 24} and _split_files(first, "articles") == {"test": 1}

    new = _articles().assign(article_id="an-article-added-later", title="Later")
    articles = pd.concat([_articles(), new], ignore_index=True)
    with pytest.raises(ValueError, match=r"splits has no entry for 1 article\(s\), e.g. \['an-article-added-later'\]"):
        build_release(demo_votes, articles, tmp_path / "two", schema=load_schema(), splits=manifest)
    assert not (tmp_path / "two").exists()
    grown = freeze_splits(manifest, articles["article_id"])
    second = build_release(demo_votes, articles, tmp_path / "two", schema=load_schema(), splits=grown)
    assert _split_files(second, "sentences") == {"test": 24}
    added = assign_split("an-article-added-later")
    assert _split_files(second, "articles") == ({"test": 2} if added == "test" else {added: 1, "test": 1})


def _raw_dir(root: Path) -> None:
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    entry = {"project_id": 1, "maximum_annotations": 3}
    for key, name in (("file", "export.json"), ("users_file", "users.json")):
        data = (DATA / "demo_export" / name).read_bytes()
        (raw / name).write_bytes(data)
        entry[key] = name
        entry[key.replace("file", "sha256")] = hashlib.sha256(data).hexdigest()
    (raw / "MANIFEST.json").write_text(json.dumps({"exports": [entry]}))


def test_the_build_command_refuses_new_articles_until_they_are_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATION_SALT", "test-salt")
    paths = campaign_copy(tmp_path / "campaign", demo=True)  # the recorded export's annotators are synthetic
    _raw_dir(paths.root)
    paths.interim.mkdir(parents=True)
    new = _articles().assign(article_id="an-article-added-later")
    pd.concat([_articles(), new], ignore_index=True).to_parquet(paths.interim / "articles.parquet")
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
    assert set(stats["library_versions"]) == {"datasets", "pyarrow", "pandas", "numpy"}
    card = (demo_release / "README.md").read_text()
    assert "| Krippendorff's α, stance | all | " in card and "| pairwise span F1, overlap | all |" in card
    assert f"pyarrow {stats['library_versions']['pyarrow']}" in card


def _stance_votes() -> pd.DataFrame:
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    return to_votes(export, users, schema=load_schema(), salt="s").annotations[["task", "worker", "label"]]


def test_the_release_datasheet_is_the_template_with_the_stats_filled_in(demo_release: Path, tmp_path: Path) -> None:
    template = (REPO / "DATASHEET.md").read_text()
    released = (demo_release / "DATASHEET.md").read_text()
    head, tail = template.split(STATS_BEGIN)[0], template.split(STATS_END)[1]
    assert released.startswith(head + STATS_BEGIN + "\n## Statistics") and released.endswith(STATS_END + tail)
    block = released.split(STATS_BEGIN)[1].split(STATS_END)[0]
    assert block.strip() in (demo_release / "README.md").read_text()
    copy = tmp_path / "DATASHEET.md"
    copy.write_text(template)
    update_datasheet(copy, demo_release)  # what `annotation stats` writes from stats.json
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


def test_a_datasheet_template_without_markers_is_refused(demo_votes: Votes, tmp_path: Path) -> None:
    sheet = tmp_path / "DATASHEET.md"
    sheet.write_text("# no markers\n")
    with pytest.raises(ValueError, match="put the two marker lines where the generated statistics go"):
        build_release(demo_votes, _articles(), tmp_path / "dist", schema=load_schema(), datasheet=sheet)


def test_row_groups_do_not_change_the_bytes(demo_votes: Votes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataset, "ROW_GROUP_SIZE", 5)
    first = build_release(demo_votes, _articles(), tmp_path / "a", schema=load_schema())
    second = build_release(demo_votes, _articles(), tmp_path / "b", schema=load_schema())
    assert pq.read_metadata(first / "sentences" / "train.parquet").num_row_groups == 5
    assert (first / "SHA256SUMS").read_text() == (second / "SHA256SUMS").read_text()


def test_the_tokens_column_survives_non_ascii_text(demo_release: Path) -> None:
    table = pq.read_table(demo_release / "sentences" / "train.parquet").to_pylist()
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


def test_one_label_workers_single_votes_and_all_ties(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], tmp_path: Path) -> None:
    schema = load_schema()
    # w1 only ever says "favor"; t3 has a single vote; t1 and t2 are ties
    votes, articles = tiny_votes(
        {"t1": ["favor", "against"], "t2": ["favor", "neutral"], "t3": ["favor"]},
        spans=(("t1", "w1", "regime", "loaded-negative"), ("t2", "w2", "freed", "loaded-positive")),
    )
    rows = aggregate_votes(votes, schema).set_index("task_key")
    assert rows["tie"].tolist() == [True, True, False] and rows["stance"].tolist() == ["favor"] * 3
    assert rows.loc["t3", "n_annotators"] == 1 and rows.loc["t3", "stance_confidence"] == 1.0
    release = build_release(votes, articles, tmp_path, schema=schema)
    stats = json.loads((release / "stats.json").read_text())
    alpha = next(f for f in stats["agreement"]["figures"] if f["measure"] == "stance_alpha" and f["by"] == "all")
    assert alpha["tasks"] == 2 and alpha["value"] == pytest.approx(krippendorff_alpha(votes.annotations[["task", "worker", "label"]]), abs=1e-4)
    assert stats["stance_ties"] == 2


def test_undefined_agreement_is_shown_as_undefined(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], tmp_path: Path) -> None:
    votes, articles = tiny_votes({"t1": ["against", "against"], "t2": ["against", "against"]})  # one category, no spans
    release = build_release(votes, articles, tmp_path, schema=load_schema())
    figures = json.loads((release / "stats.json").read_text())["agreement"]["figures"]
    assert all(f["value"] is None and f["low"] is None for f in figures if f["measure"] != "stance_alpha" or f["by"] == "all")
    assert "| Krippendorff's α, stance | all | undefined | – | 2 |" in (release / "README.md").read_text()


def test_an_empty_export_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    for tasks in ([], [{**task, "annotations": []} for task in export]):
        votes = to_votes(tasks, users, schema=load_schema(), salt="s")
        with pytest.raises(ValueError, match="no annotations to aggregate: the export has no submitted annotation with a stance"):
            build_release(votes, _articles(), tmp_path / "dist", schema=load_schema())
        assert not (tmp_path / "dist").exists()
