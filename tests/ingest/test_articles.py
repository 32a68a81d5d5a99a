"""Tests for ``annotation.ingest.articles``: records matched to the manifest, ids, duplicates, load_articles, the report and table."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from annotation.ingest import (
    Article,
    IngestError,
    Problem,
    articles_table,
    ingest_sources,
    load_articles,
    split_sentences,
)
from tests.ingest.inputs import DEFAULT, INGEST, MANIFEST, SEEDS, write_file


def _by_source(articles: list[Article]) -> dict[str, Article]:
    return {a.source: a for a in articles}


def test_jsonl_records_ingest_with_manifest_by_id_url_and_default() -> None:
    report = ingest_sources(INGEST / "news.jsonl", MANIFEST)
    assert report.skipped == []
    articles = _by_source(report.articles)
    assert list(articles) == ["news.jsonl:1", "news.jsonl:2", "news.jsonl:4"]  # line 3 is blank
    talks, refugees, ceasefire = articles.values()
    assert talks == Article(
        article_id="rec-0001",
        title="Talks resume in Geneva",
        text="Talks resume in Geneva\n\nDelegations met on Monday.\n\nNo agreement was reached.",
        source="news.jsonl:1",
        published="2019-11-04T09:30+00:00",
        url="https://example.org/news/talks",
        outlet="Example Daily",
        targets=("Syrian government",),  # no entry: default_targets
    )
    assert (refugees.article_id, refugees.targets) == ("rec-0002", ("Refugees",))  # "id" field, entry by id
    assert refugees.published == "2019-11-04T10:00+01:00"
    assert ceasefire.targets == ("Russia", "Turkey")  # entry by url
    assert ceasefire.outlet == "Example Daily"  # the manifest wins over the record
    assert ceasefire.published == "early November"  # not a date: kept as given


def test_ids_are_stable_across_runs(tmp_path: Path) -> None:
    first = ingest_sources(INGEST, MANIFEST).articles
    second = ingest_sources(INGEST, MANIFEST).articles
    assert first == second
    assert [s.sentence_id for a in first for s in split_sentences(a)] == [
        s.sentence_id for a in second for s in split_sentences(a)
    ]
    copy = write_file(tmp_path / "copy.jsonl", json.dumps({"text": "Same text, same id."}) + "\n")
    [article] = ingest_sources(copy, DEFAULT).articles
    assert article.article_id == hashlib.sha256(b"Same text, same id.").hexdigest()[:16]


def test_duplicate_text_is_reported_once_and_the_first_kept(tmp_path: Path) -> None:
    first = write_file(tmp_path / "a.txt", "Headline\r\n\r\nSame body.\r\n")
    second = write_file(tmp_path / "b.jsonl", json.dumps({"title": "Headline", "text": "Same body."}) + "\n")
    report = ingest_sources([second, tmp_path], DEFAULT)  # b.jsonl given twice: read once
    assert [a.source for a in report.articles] == ["a.txt"]
    assert report.skipped == [Problem(str(second), 1, "duplicate", f"same text as {first}, which is kept")]


def test_duplicate_id_with_another_text_is_reported(tmp_path: Path) -> None:
    path = write_file(tmp_path / "a.jsonl", '{"id": "x1", "text": "One."}\n{"id": "x1", "text": "Two."}\n')
    report = ingest_sources(path, DEFAULT)
    assert [a.text for a in report.articles] == ["One."]
    [problem] = report.skipped
    assert (problem.line, problem.kind) == (2, "duplicate-id")
    assert f"{path}:1" in problem.reason


def test_load_articles_raises_listing_every_problem(tmp_path: Path) -> None:
    write_file(tmp_path / "articles.yaml", "default_targets: [X]\n")
    write_file(tmp_path / "a.txt", "Headline\n\nBody.\n")
    write_file(tmp_path / "b.txt", "Headline\n\nBody.\n")
    write_file(tmp_path / "c.jsonl", "{oops\n")
    with pytest.raises(IngestError) as error:
        load_articles(tmp_path)
    assert str(error.value).splitlines() == [
        f"{tmp_path}: 1 article(s) ingested, 2 skipped (1 duplicate, 1 invalid-json):",
        f"  {tmp_path / 'b.txt'}: same text as {tmp_path / 'a.txt'}, which is kept",
        f"  {tmp_path / 'c.jsonl'}:1: invalid JSON: Expecting property name enclosed in double quotes at column 2",
    ]


def test_report_lists_what_ingest_changed_per_article(tmp_path: Path) -> None:
    write_file(tmp_path / "a.jsonl", json.dumps({"id": "r1", "text": "AT&amp;T left.\n\n12\n\nSPONSORED\n\nThe end."}) + "\n")
    write_file(tmp_path / "b.jsonl", json.dumps({"id": "r2", "text": "Plain text."}) + "\n")
    report = ingest_sources(tmp_path, DEFAULT)
    assert report.changes() == ["a.jsonl:1 (r1): html-entities 1; 2 line(s) dropped: '12', 'SPONSORED'"]
    assert report.changes_summary() == "1 article(s) normalised (html-entities 1; 2 line(s) dropped)"
    assert ingest_sources(tmp_path / "b.jsonl", DEFAULT).changes_summary() == ""


def test_load_articles_passes_drop_lines() -> None:
    [article] = load_articles(SEEDS, drop_lines=())
    assert article.text.endswith("continue to terrorize the region.\n\nShare on Facebook Share on Twitter")
    assert article.dropped_lines == ()


def test_missing_metadata_stays_none_in_articles_and_table(tmp_path: Path) -> None:
    record = {"text": "Body.", "title": None, "published": None, "updated": "", "url": "  ", "outlet": None}
    write_file(tmp_path / "a.jsonl", json.dumps(record) + "\n")
    write_file(tmp_path / "b.csv", "text,published,updated,url,outlet\nOther body.,,,,\n")
    articles = ingest_sources(tmp_path, DEFAULT).articles
    for article in articles:
        assert (article.published, article.updated, article.url, article.outlet) == (None, None, None, None)
    path = tmp_path / "articles.parquet"
    pd.DataFrame(articles_table(articles)).to_parquet(path)
    for row in pd.read_parquet(path).to_dict("records"):
        assert [row[name] for name in ("published", "updated", "url", "outlet")] == [None] * 4


def test_report_says_when_nothing_was_ingested(tmp_path: Path) -> None:
    write_file(tmp_path / "a.jsonl", "{oops\n")
    report = ingest_sources(tmp_path, DEFAULT)
    assert report.empty
    assert report.summary() == "0 article(s) ingested, 1 skipped (1 invalid-json)"
    assert not ingest_sources(INGEST, MANIFEST).empty
