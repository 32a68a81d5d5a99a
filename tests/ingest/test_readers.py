"""Tests for ``annotation.ingest.readers``: the seed page, JSONL and CSV, directories, bad input, streaming."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from annotation.ingest import (
    Article,
    Problem,
    Record,
    ingest_sources,
    iter_articles,
    iter_records,
    load_articles,
)
from tests.ingest.inputs import DEFAULT, GOOD_JSONL, INGEST, MANIFEST, SEEDS, write_file


def test_seed_parses_headers_body_and_drops_boilerplate() -> None:
    [article] = load_articles(SEEDS)
    assert article.title == "Opposition forces clash with regime in Idlib de-escalation zone"
    assert (article.published, article.updated) == ("2019-11-03T17:48", "2019-12-20T01:25")
    assert article.source == "000_9ea230396c6002b4.txt"
    title, body = article.text.split("\n\n", 1)
    assert title == article.title
    assert body.startswith("Opposition forces responded to attacks")
    assert body.endswith("continue to terrorize the region.")
    assert "Share on" not in article.text and "Published" not in article.text


def test_csv_records_ingest_with_quoted_newlines() -> None:
    report = ingest_sources(INGEST / "feeds" / "news.csv", MANIFEST)
    assert report.skipped == []
    aid, statement = report.articles
    assert aid.source == "news.csv:2" and statement.source == "news.csv:5"
    assert aid.title == "Aid convoy arrives"
    assert aid.text == "Aid convoy arrives\n\nThe convoy, with 40 trucks, arrived.\n\nIt was the first in weeks."
    assert (aid.published, aid.url, aid.outlet) == ("2019-11-03T17:48", "https://example.org/news/aid", "Example Daily")
    assert (statement.title, statement.text) == ("", "A statement without a headline.")
    assert (statement.published, statement.url) == ("03/11/2019", None)


def test_directory_recurses_in_sorted_order() -> None:
    report = ingest_sources(INGEST, MANIFEST)
    assert report.skipped == []
    assert [a.source for a in report.articles] == [
        "feeds/news.csv:2", "feeds/news.csv:5", "news.jsonl:1", "news.jsonl:2", "news.jsonl:4", "wire/clash.txt",
    ]  # fmt: skip
    clash = report.articles[-1]
    assert (clash.article_id, clash.outlet, clash.targets) == ("clash-2019", "Example Wire", ("Syrian opposition forces",))
    assert (clash.published, clash.updated) == ("2019-11-04T08:15", "2019-11-05T10:00")


def test_directory_skips_hidden_and_other_files(tmp_path: Path) -> None:
    write_file(tmp_path / "a.txt", "Headline\n\nBody.\n")
    write_file(tmp_path / ".hidden.txt", "Hidden\n\nBody.\n")
    write_file(tmp_path / ".git" / "b.txt", "Hidden too\n\nBody.\n")
    write_file(tmp_path / "notes.md", "# not an article\n")
    write_file(tmp_path / "B.JSONL", '{"text": "Upper-case suffix."}\n')
    report = ingest_sources(tmp_path, DEFAULT)
    assert [a.source for a in report.articles] == ["B.JSONL:1", "a.txt"]
    assert report.skipped == []


def test_iter_records_yields_records_and_problems_in_line_order(tmp_path: Path) -> None:
    path = write_file(tmp_path / "a.jsonl", '{"text": "One."}\n\n[1]\n{"text": "Two.", "x": 1}\n')
    assert list(iter_records(path)) == [
        Record(1, {"text": "One."}),
        Problem(str(path), 3, "invalid-record", "expected a JSON object with 'text', got list"),
        Record(4, {"text": "Two.", "x": 1}),
    ]


# (file name, content, max_bytes, expected line, kind, words in the reason); each bad file sits
# next to good.jsonl, which must still be ingested.
BAD_INPUTS = {
    "empty-file": ("bad.txt", b"", None, None, "empty", "empty file"),
    "whitespace-only-txt": ("bad.txt", b" \n\n \n", None, None, "empty", "empty file"),
    "headline-only-txt": ("bad.txt", b"Headline only\n", None, None, "invalid-record", "no body"),
    "blank-jsonl": ("bad.jsonl", b"\n\n", None, None, "empty", "no records"),
    "binary": ("bad.txt", b"Head\n\n\x89PNG\x00\x01", None, 3, "binary", "NUL byte at byte 10"),
    "latin-1": ("bad.txt", "Headline\n\nCaf\u00e9 cr\u00e8me.\n".encode("latin-1"), None, 3, "encoding", "byte 0xe9 at byte 13"),
    "truncated-utf-8": ("bad.txt", b"Headline\n\nCaf\xc3", None, 3, "encoding", "ends inside a character at byte 13"),
    "utf-16": ("bad.csv", "text\nHello\n".encode("utf-16"), None, None, "encoding", "UTF-16"),
    "too-large": ("bad.txt", b"Headline\n\nBody.\n" * 10, 100, None, "too-large", "160 bytes is over max_bytes=100"),
    "unsupported": ("bad.json", b"{}", None, None, "unsupported", "'.json'"),
    "jsonl-invalid-json": ("bad.jsonl", b'{"text": "Also good."}\n{"text": \n', None, 2, "invalid-json", "invalid JSON"),
    "jsonl-missing-text": ("bad.jsonl", b'{"text": "Also good."}\n{"title": "No body"}\n', None, 2, "missing-text", "'text'"),
    "jsonl-not-object": ("bad.jsonl", b'{"text": "Also good."}\n["a list"]\n', None, 2, "invalid-record", "JSON object"),
    "jsonl-text-not-string": ("bad.jsonl", b'{"text": "Also good."}\n{"text": 42}\n', None, 2, "invalid-record", "'text' is int"),
    "csv-missing-text": ("bad.csv", b"title,text\n,Also good.\nNo body,\n", None, 3, "missing-text", "'text'"),
    "csv-no-text-column": ("bad.csv", b"title,body\nT,B\n", None, 1, "invalid-csv", "no 'text' column"),
    "csv-field-count": ("bad.csv", b"title,text\n,Also good.\nT,a,b\n", None, 3, "invalid-csv", "3 fields, the header has 2"),
    "csv-header-only": ("bad.csv", b"title,text\n", None, None, "empty", "no records"),
}


@pytest.mark.parametrize(("name", "content", "max_bytes", "line", "kind", "words"), BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_bad_input_gives_one_problem_and_the_rest_is_ingested(
    tmp_path: Path, name: str, content: bytes, max_bytes: int | None, line: int | None, kind: str, words: str
) -> None:
    write_file(tmp_path / "good.jsonl", GOOD_JSONL)
    bad = write_file(tmp_path / name, content)
    sources = [tmp_path, bad] if name.endswith(".json") else [tmp_path]  # directories skip .json
    report = ingest_sources(sources, DEFAULT, max_bytes=max_bytes or 10_000)
    [problem] = report.skipped
    assert (problem.path, problem.line, problem.kind) == (str(bad), line, kind)
    assert words in problem.reason
    assert str(problem).startswith(f"{bad}:{line}: " if line else f"{bad}: ")
    also_good = ["Also good."] if b"Also good." in content else []  # good records in the bad file
    assert sorted(a.text for a in report.articles) == sorted(["A good record.", *also_good])


def test_missing_source_is_reported(tmp_path: Path) -> None:
    report = ingest_sources([tmp_path / "nowhere", INGEST / "news.jsonl"], MANIFEST)
    assert report.skipped == [Problem(str(tmp_path / "nowhere"), None, "unreadable", "no such file or directory")]
    assert len(report.articles) == 3


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    bom = "\ufeff".encode()
    write_file(tmp_path / "a.txt", bom + b"Headline A\n\nBody A.\n")
    write_file(tmp_path / "b.jsonl", bom + b'{"text": "Body B."}\n')
    write_file(tmp_path / "c.csv", bom + b"text\nBody C.\n")
    report = ingest_sources(tmp_path, DEFAULT)
    assert report.skipped == []
    assert [a.text for a in report.articles] == ["Headline A\n\nBody A.", "Body B.", "Body C."]


def test_jsonl_is_streamed_with_flat_memory(tmp_path: Path) -> None:
    body = " ".join(["The regime shelled the village again."] * 250)  # ~10 KB per record
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(400):
            out.write(json.dumps({"id": f"r{i}", "text": f"Report {i}. {body}"}) + "\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        assert sum(1 for item in iter_articles(path, DEFAULT) if isinstance(item, Article)) == 400
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 3_500_000
    assert peak < size / 8, f"peak {peak:,} bytes for a {size:,}-byte file"
