"""Tests for ``annotation.ingest.articles``: formats, manifest, ids, duplicates, bad input, streaming."""

from __future__ import annotations

import hashlib
import json
import re
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from annotation.ingest import (
    NORMALISATION,
    NORMALISATION_STEPS,
    PAGE_FURNITURE,
    Article,
    IngestError,
    IngestReport,
    Manifest,
    Problem,
    Record,
    articles_table,
    ingest_sources,
    iter_articles,
    iter_records,
    load_articles,
    load_manifest,
    normalise_date,
)
from annotation.ingest import split_sentences
from tests.fixtures.timing import RATIO_BOUND, time_ratio

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
INGEST = REPO / "tests" / "data" / "ingest"
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


def test_seed_text_is_unchanged_by_the_furniture_filter() -> None:
    [article] = load_articles(SEEDS)
    # The stored text (and so every offset) as ingested before page furniture became configurable.
    assert hashlib.sha256(article.text.encode()).hexdigest() == "42f6d8337f2ab2aca8540e8d92adcc2a322346d15ba4599e0a4a0591ee3a10f0"
    assert article.dropped_lines == ("Share on Facebook Share on Twitter",)
    assert article.normalisation == ()


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


# --- Normalisation, recorded per article (issue items 7 and 9) -------------------------------


def _one_article(tmp_path: Path, suffix: str, title: str, body: str, **kwargs: object) -> IngestReport:
    """Write one article as .txt, .jsonl or .csv and ingest it."""
    if suffix == ".txt":
        _write(tmp_path / "a.txt", f"{title}\n\n{body}\n")
    elif suffix == ".jsonl":
        _write(tmp_path / "a.jsonl", json.dumps({"title": title, "text": body}) + "\n")
    else:
        quoted = [field.replace('"', '""') for field in (title, body)]
        _write(tmp_path / "a.csv", 'title,text\n"{}","{}"\n'.format(*quoted))
    return ingest_sources(tmp_path / f"a{suffix}", DEFAULT, **kwargs)  # type: ignore[arg-type]


FORMATS = [".txt", ".jsonl", ".csv"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_html_entities_are_decoded_and_recorded(tmp_path: Path, suffix: str) -> None:
    body = "He called AT&amp;T&#8217;s offer &quot;fair&quot;. R&D, Tom&notes and &bogus; stay as written."
    report = _one_article(tmp_path, suffix, "AT&amp;T deal &#x2014; talks", body)
    [article] = report.articles
    assert article.title == "AT&T deal — talks"
    assert article.text == "AT&T deal — talks\n\nHe called AT&T’s offer \"fair\". R&D, Tom&notes and &bogus; stay as written."
    assert article.normalisation == (("html-entities", 6),)
    sentences = split_sentences(article)  # offsets refer to the stored (decoded) text
    assert [article.text[s.start : s.end] for s in sentences] == [s.text for s in sentences]
    assert sentences[1].text == "He called AT&T’s offer \"fair\"."


@pytest.mark.parametrize("suffix", FORMATS)
def test_invisible_characters_are_removed_or_kept_and_recorded(tmp_path: Path, suffix: str) -> None:
    body = "The regime fell.\u200b The re\u00adbels ad\u2060vanced.\ufeff A family 👨\u200d👩\u200d👧 fled.\u200f"
    report = _one_article(tmp_path, suffix, "Head\u200bline", body)
    [article] = report.articles
    assert article.text == "Headline\n\nThe regime fell. The rebels advanced. A family 👨\u200d👩\u200d👧 fled.\u200f"
    assert article.normalisation == (("invisible-removed", 5), ("invisible-kept", 3))


def test_line_endings_nfc_and_trailing_whitespace_are_recorded(tmp_path: Path) -> None:
    _write(tmp_path / "a.txt", "Cafe\u0301 talks\r\n\r\nTalks in the cafe\u0301 \r\nended.\u00a0Officials left.  \rNo deal.")
    [article] = ingest_sources(tmp_path, DEFAULT).articles
    assert article.normalisation == (("line-endings", 4), ("nfc", 2), ("trailing-whitespace", 3))


def test_normalisation_documents_every_recorded_step() -> None:
    assert list(NORMALISATION_STEPS) == [
        "html-entities", "line-endings", "invisible-removed", "invisible-kept", "nfc", "trailing-whitespace",
    ]  # fmt: skip
    for step, description in NORMALISATION_STEPS.items():
        assert f"{step}: {description}" in NORMALISATION


def test_report_lists_what_ingest_changed_per_article(tmp_path: Path) -> None:
    _write(tmp_path / "a.jsonl", json.dumps({"id": "r1", "text": "AT&amp;T left.\n\n12\n\nSPONSORED\n\nThe end."}) + "\n")
    _write(tmp_path / "b.jsonl", json.dumps({"id": "r2", "text": "Plain text."}) + "\n")
    report = ingest_sources(tmp_path, DEFAULT)
    assert report.changes() == ["a.jsonl:1 (r1): html-entities 1; 2 line(s) dropped: '12', 'SPONSORED'"]
    assert report.changes_summary() == "1 article(s) normalised (html-entities 1; 2 line(s) dropped)"
    assert ingest_sources(tmp_path / "b.jsonl", DEFAULT).changes_summary() == ""


# --- Page furniture (drop_lines) --------------------------------------------------------------

FURNITURE_BODY = """The regime shelled two villages.

1

SPONSORED

Page 2 of 5

- 3 -

Share on Facebook Share on Twitter

Facebook Twitter WhatsApp Email

Share this article

Advertisement
Residents fled
toward the border.

Story continues below advertisement

2 of 12

Sponsored by the UN, talks resumed on 2 fronts."""


@pytest.mark.parametrize("suffix", FORMATS)
def test_page_furniture_is_dropped_and_reported_in_every_format(tmp_path: Path, suffix: str) -> None:
    [article] = _one_article(tmp_path, suffix, "Villages shelled", FURNITURE_BODY).articles
    assert article.text == (
        "Villages shelled\n\nThe regime shelled two villages.\n\nResidents fled\ntoward the border.\n\n"
        "Sponsored by the UN, talks resumed on 2 fronts."
    )
    assert article.dropped_lines == (
        "1", "SPONSORED", "Page 2 of 5", "- 3 -", "Share on Facebook Share on Twitter",
        "Facebook Twitter WhatsApp Email", "Share this article", "Advertisement",
        "Story continues below advertisement", "2 of 12",
    )  # fmt: skip


def test_drop_lines_replace_the_default_patterns(tmp_path: Path) -> None:
    body = "Fighting resumed.\n\n1\n\nRead more: Idlib explained\n\nCivilians fled."
    [article] = _one_article(tmp_path, ".jsonl", "", body, drop_lines=[r"Read more:.*"]).articles
    assert article.text == "Fighting resumed.\n\n1\n\nCivilians fled."
    assert article.dropped_lines == ("Read more: Idlib explained",)
    [kept] = _one_article(tmp_path, ".jsonl", "", body, drop_lines=[]).articles
    assert kept.text == body and kept.dropped_lines == ()


def test_drop_lines_patterns_keep_their_own_flags(tmp_path: Path) -> None:
    body = "Fighting resumed.\n\nREAD MORE: Idlib explained\n\n12\n\nread more about it later, officials said."
    [article] = _one_article(tmp_path, ".jsonl", "", body, drop_lines=["(?i)read more:.*", r"\d+"]).articles
    assert article.dropped_lines == ("READ MORE: Idlib explained", "12")


def test_load_articles_passes_drop_lines() -> None:
    [article] = load_articles(SEEDS, drop_lines=())
    assert article.text.endswith("continue to terrorize the region.\n\nShare on Facebook Share on Twitter")
    assert article.dropped_lines == ()


def test_default_furniture_patterns_are_the_documented_default(tmp_path: Path) -> None:
    body = "Fighting resumed.\n\n1\n\nCivilians fled."
    default = _one_article(tmp_path, ".jsonl", "", body).articles
    explicit = _one_article(tmp_path, ".jsonl", "", body, drop_lines=PAGE_FURNITURE).articles
    assert default == explicit and default[0].dropped_lines == ("1",)


def test_invalid_drop_lines_pattern_is_reported_before_reading(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"drop_lines pattern '\(unclosed' is not a regular expression"):
        iter_articles(tmp_path / "nowhere", DEFAULT, drop_lines=["(unclosed"])


@pytest.mark.parametrize(("suffix", "kind"), [(".txt", "invalid-record"), (".jsonl", "missing-text"), (".csv", "missing-text")])
def test_article_of_only_furniture_is_skipped_with_the_lines_named(tmp_path: Path, suffix: str, kind: str) -> None:
    report = _one_article(tmp_path, suffix, "Gallery", "1\n\nSPONSORED")
    assert report.articles == []
    [problem] = report.skipped
    assert problem.kind == kind
    assert "page furniture" in problem.reason and "'1', 'SPONSORED'" in problem.reason


# --- Metadata and empty runs ----------------------------------------------------------------


def test_missing_metadata_stays_none_in_articles_and_table(tmp_path: Path) -> None:
    record = {"text": "Body.", "title": None, "published": None, "updated": "", "url": "  ", "outlet": None}
    _write(tmp_path / "a.jsonl", json.dumps(record) + "\n")
    _write(tmp_path / "b.csv", "text,published,updated,url,outlet\nOther body.,,,,\n")
    articles = ingest_sources(tmp_path, DEFAULT).articles
    for article in articles:
        assert (article.published, article.updated, article.url, article.outlet) == (None, None, None, None)
    path = tmp_path / "articles.parquet"
    pd.DataFrame(articles_table(articles)).to_parquet(path)
    for row in pd.read_parquet(path).to_dict("records"):
        assert [row[name] for name in ("published", "updated", "url", "outlet")] == [None] * 4


def test_report_says_when_nothing_was_ingested(tmp_path: Path) -> None:
    _write(tmp_path / "a.jsonl", "{oops\n")
    report = ingest_sources(tmp_path, DEFAULT)
    assert report.empty
    assert report.summary() == "0 article(s) ingested, 1 skipped (1 invalid-json)"
    assert not ingest_sources(INGEST, MANIFEST).empty


def test_long_run_of_combining_marks_is_skipped_in_linear_time(tmp_path: Path) -> None:
    # CPython's NFC reorders a long run of alternating combining marks in quadratic time; such a
    # run is not stream-safe Unicode (UAX #15: at most 30 marks in a row), so the record is skipped.
    paths = []
    for marks in (2_000, 20_000):
        path = _write(tmp_path / str(marks) / "a.jsonl", json.dumps({"text": "Zalgo a" + "\u0316\u0301" * marks}) + "\n")
        _write(tmp_path / str(marks) / "b.jsonl", GOOD_JSONL)
        paths.append(path.parent)
    report = ingest_sources(paths[0], DEFAULT)
    assert [a.text for a in report.articles] == ["A good record."]
    [problem] = report.skipped
    assert (problem.kind, problem.line) == ("invalid-record", 1)
    assert "more than 30 combining marks in a row from offset 7 (code points)" in problem.reason
    ratio = time_ratio(lambda path: ingest_sources(path, DEFAULT), paths[0], paths[1])
    assert ratio < RATIO_BOUND, f"10x the input took {ratio:.0f}x the time"
