"""Tests for ``annotation.articles``: formats, manifest, ids, duplicates, bad input, streaming."""

from __future__ import annotations

import hashlib
import json
import re
import tracemalloc
from pathlib import Path

import pytest

from annotation.articles import (
    Article,
    IngestError,
    Manifest,
    Problem,
    Record,
    ingest_sources,
    iter_articles,
    iter_records,
    load_articles,
    load_manifest,
    normalise_date,
)
from annotation.segment import split_sentences

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
INGEST = Path(__file__).parent / "data" / "ingest"
MANIFEST = INGEST / "articles.yaml"
DEFAULT = Manifest(default_targets=("Syrian government",))


def _by_source(articles: list[Article]) -> dict[str, Article]:
    return {a.source: a for a in articles}


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


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


def test_manifest_targets_and_id_attach_to_seed() -> None:
    [article] = load_articles(SEEDS)
    assert article.article_id == "9ea230396c6002b4"
    assert article.targets == ("Syrian government (Assad regime)", "Syrian opposition forces")


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
    _write(tmp_path / "a.txt", "Headline\n\nBody.\n")
    _write(tmp_path / ".hidden.txt", "Hidden\n\nBody.\n")
    _write(tmp_path / ".git" / "b.txt", "Hidden too\n\nBody.\n")
    _write(tmp_path / "notes.md", "# not an article\n")
    _write(tmp_path / "B.JSONL", '{"text": "Upper-case suffix."}\n')
    report = ingest_sources(tmp_path, DEFAULT)
    assert [a.source for a in report.articles] == ["B.JSONL:1", "a.txt"]
    assert report.skipped == []


def test_ids_are_stable_across_runs(tmp_path: Path) -> None:
    first = ingest_sources(INGEST, MANIFEST).articles
    second = ingest_sources(INGEST, MANIFEST).articles
    assert first == second
    assert [s.sentence_id for a in first for s in split_sentences(a)] == [
        s.sentence_id for a in second for s in split_sentences(a)
    ]
    copy = _write(tmp_path / "copy.jsonl", json.dumps({"text": "Same text, same id."}) + "\n")
    [article] = ingest_sources(copy, DEFAULT).articles
    assert article.article_id == hashlib.sha256(b"Same text, same id.").hexdigest()[:16]


def test_txt_without_entry_or_default_targets_is_reported(tmp_path: Path) -> None:
    manifest = _write(tmp_path / "articles.yaml", "articles:\n  - file: listed.txt\n    targets: [Russia]\n")
    _write(tmp_path / "listed.txt", "Listed\n\nBody.\n")
    unlisted = _write(tmp_path / "unlisted.txt", "Unlisted\n\nBody.\n")
    report = ingest_sources(tmp_path, manifest)
    assert [a.source for a in report.articles] == ["listed.txt"]
    [problem] = report.skipped
    assert (problem.path, problem.line, problem.kind) == (str(unlisted), None, "no-targets")
    assert "file: unlisted.txt" in problem.reason


def test_duplicate_text_is_reported_once_and_the_first_kept(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.txt", "Headline\r\n\r\nSame body.\r\n")
    second = _write(tmp_path / "b.jsonl", json.dumps({"title": "Headline", "text": "Same body."}) + "\n")
    report = ingest_sources([second, tmp_path], DEFAULT)  # b.jsonl given twice: read once
    assert [a.source for a in report.articles] == ["a.txt"]
    assert report.skipped == [Problem(str(second), 1, "duplicate", f"same text as {first}, which is kept")]


def test_duplicate_id_with_another_text_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", '{"id": "x1", "text": "One."}\n{"id": "x1", "text": "Two."}\n')
    report = ingest_sources(path, DEFAULT)
    assert [a.text for a in report.articles] == ["One."]
    [problem] = report.skipped
    assert (problem.line, problem.kind) == (2, "duplicate-id")
    assert f"{path}:1" in problem.reason


def test_iter_records_yields_records_and_problems_in_line_order(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", '{"text": "One."}\n\n[1]\n{"text": "Two.", "x": 1}\n')
    assert list(iter_records(path)) == [
        Record(1, {"text": "One."}),
        Problem(str(path), 3, "invalid-record", "expected a JSON object with 'text', got list"),
        Record(4, {"text": "Two.", "x": 1}),
    ]


GOOD_JSONL = '{"text": "A good record."}\n'

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
    _write(tmp_path / "good.jsonl", GOOD_JSONL)
    bad = _write(tmp_path / name, content)
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
    _write(tmp_path / "a.txt", bom + b"Headline A\n\nBody A.\n")
    _write(tmp_path / "b.jsonl", bom + b'{"text": "Body B."}\n')
    _write(tmp_path / "c.csv", bom + b"text\nBody C.\n")
    report = ingest_sources(tmp_path, DEFAULT)
    assert report.skipped == []
    assert [a.text for a in report.articles] == ["Headline A\n\nBody A.", "Body B.", "Body C."]


def test_crlf_and_nfc_are_normalised_and_offsets_refer_to_stored_text(tmp_path: Path) -> None:
    decomposed = "Cafe\u0301 talks\r\n\r\nTalks in the cafe\u0301 \r\nended.\u00a0Officials left.  \rNo deal."
    _write(tmp_path / "a.txt", decomposed)
    [article] = ingest_sources(tmp_path, DEFAULT).articles
    assert article.title == "Café talks"
    assert article.text == "Café talks\n\nTalks in the café\nended.\u00a0Officials left.\nNo deal."
    sentences = split_sentences(article)
    assert all(article.text[s.start : s.end] == s.text for s in sentences)
    assert sentences[1].text == "Talks in the café\nended."


MANIFEST_ERRORS = {
    "unreadable-yaml": ("articles: [\n", "cannot read manifest"),
    "not-a-mapping": ("- file: a.txt\n", "expected a mapping"),
    "entry-without-targets": ("articles:\n  - file: a.txt\n", "needs a non-empty list of 'targets'"),
    "empty-default-targets": ("default_targets: []\n", "default_targets needs a non-empty list"),
    "entry-without-article": ("articles:\n  - targets: [X]\n", "names no article"),
    "file-listed-twice": ("articles:\n  - {file: a.txt, targets: [X]}\n  - {file: ./a.txt, targets: [Y]}\n", "listed twice"),
    "id-listed-twice": ("articles:\n  - {file: a.txt, article_id: a, targets: [X]}\n  - {article_id: a, targets: [Y]}\n", "'a' is listed twice"),
    "url-listed-twice": ("articles:\n  - {url: u, targets: [X]}\n  - {url: u, targets: [Y]}\n", "'u' is listed twice"),
    "missing-file": ("articles:\n  - {file: gone.txt, targets: [X]}\n", "'gone.txt' not found"),
    "file-not-txt": ("articles:\n  - {file: news.jsonl, targets: [X]}\n", "match JSONL/CSV records by 'url' or 'article_id'"),
}


@pytest.mark.parametrize(("yaml_text", "words"), MANIFEST_ERRORS.values(), ids=MANIFEST_ERRORS)
def test_manifest_errors_are_fatal(tmp_path: Path, yaml_text: str, words: str) -> None:
    _write(tmp_path / "a.txt", "Headline\n\nBody.\n")
    _write(tmp_path / "news.jsonl", GOOD_JSONL)
    manifest = _write(tmp_path / "articles.yaml", yaml_text)
    with pytest.raises(IngestError, match=re.escape(str(manifest))) as error:
        iter_articles(tmp_path, manifest)  # raised at the call, before any file is read
    assert words in str(error.value)
    with pytest.raises(IngestError):
        load_manifest(manifest)


def test_load_articles_raises_listing_every_problem(tmp_path: Path) -> None:
    _write(tmp_path / "articles.yaml", "default_targets: [X]\n")
    _write(tmp_path / "a.txt", "Headline\n\nBody.\n")
    _write(tmp_path / "b.txt", "Headline\n\nBody.\n")
    _write(tmp_path / "c.jsonl", "{oops\n")
    with pytest.raises(IngestError) as error:
        load_articles(tmp_path)
    assert str(error.value).splitlines() == [
        f"{tmp_path}: 1 article(s) ingested, 2 skipped (1 duplicate, 1 invalid-json):",
        f"  {tmp_path / 'b.txt'}: same text as {tmp_path / 'a.txt'}, which is kept",
        f"  {tmp_path / 'c.jsonl'}:1: invalid JSON: Expecting property name enclosed in double quotes at column 2",
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("03.11.2019 17:48", "2019-11-03T17:48"),
        ("3.11.2019", "2019-11-03"),
        ("2019-11-03", "2019-11-03"),
        ("2019-11-03T17:48:05Z", "2019-11-03T17:48:05+00:00"),
        ("2019-11-03 17:48:00+03:00", "2019-11-03T17:48+03:00"),
        ("Sun, 03 Nov 2019 17:48:00 GMT", "2019-11-03T17:48+00:00"),
        ("03/11/2019", "03/11/2019"),
        ("1572803280", "1572803280"),
        ("32.13.2019 17:48", "32.13.2019 17:48"),
        (" last week ", "last week"),
    ],
)
def test_normalise_date(given: str, expected: str) -> None:
    assert normalise_date(given) == expected


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
