"""``annotation.release.rehydrate``: a text-less release and its rehydration from the user's copy."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from annotation.campaign import Campaign
from annotation.cli import app
from annotation.exports import Votes
from annotation.ingest import PAGE_FURNITURE, load_articles
from annotation.release import TEXT_COLUMNS, build_release
from annotation.release import rehydrate as release_rehydrate
from annotation.release import rehydrate_release
from annotation.schema import load_schema
from tests.fixtures.release import REPO, SHARED_TEXTS, card_header, parquet_file, seed_articles
from tests.fixtures.votes import with_gold


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


def test_a_release_without_text_rights_holds_no_text_and_rehydrates_to_the_full_release(
    demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    task, text = demo_votes.tasks[["task", "text"]].iloc[0]
    demo_votes = with_gold(demo_votes, {task: ("neutral", ((text.split()[0], "loaded-negative"),))})  # gold_spans.text too
    withheld = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "withheld"), schema=load_schema())
    full = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "shared", licence=SHARED_TEXTS), schema=load_schema())
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
    assert card_header(withheld)["license"] == ["cc-by-4.0"] and card_header(full)["license"] == ["cc-by-4.0", "other"]
    (articles_row,) = pq.read_table(parquet_file(withheld, "articles")).to_pylist()
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
    full = build_release(demo_votes, seed_articles(), campaign_at(tmp_path / "shared", licence=SHARED_TEXTS), schema=load_schema())
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
    segment = release_rehydrate.split_sentences
    third = segment(article)[3]
    monkeypatch.setattr(release_rehydrate, "split_sentences", lambda article: [  # a segmenter that moved one boundary
        replace(s, start=s.start + 1, text=s.text[1:]) if s.index == 3 else s for s in segment(article)])
    result = rehydrate_release(withheld, [REPO / "seeds"], out=tmp_path / "out")
    version = json.loads((withheld / "stats.json").read_text())["library_versions"]["annotation"]
    assert result.matched == () and result.missing == {"9ea230396c6002b4": (
        f"its text matches, but sentence 9ea230396c6002b4-0003 ({third.start}:{third.end} in the release) is segmented "
        f"differently now; rehydrate with annotation {version}, which built the release")}
    assert all(value is None for values in _text_values(result.release).values() for value in values)


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
