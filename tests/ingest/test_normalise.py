"""Tests for ``annotation.ingest.normalise``: the normalisation steps recorded per article, page furniture, dates."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotation.ingest import (
    NORMALISATION,
    NORMALISATION_STEPS,
    PAGE_FURNITURE,
    IngestError,
    ingest_sources,
    iter_articles,
    load_articles,
    normalise_date,
    split_sentences,
)
from tests.fixtures.timing import RATIO_BOUND, time_ratio
from tests.ingest.inputs import DEFAULT, FORMATS, GOOD_JSONL, SEEDS, one_article, write_file


def test_seed_text_is_unchanged_by_the_furniture_filter() -> None:
    [article] = load_articles(SEEDS)
    # The stored text (and so every offset) as ingested before page furniture became configurable.
    assert hashlib.sha256(article.text.encode()).hexdigest() == "42f6d8337f2ab2aca8540e8d92adcc2a322346d15ba4599e0a4a0591ee3a10f0"
    assert article.dropped_lines == ("Share on Facebook Share on Twitter",)
    assert article.normalisation == ()


def test_crlf_and_nfc_are_normalised_and_offsets_refer_to_stored_text(tmp_path: Path) -> None:
    decomposed = "Cafe\u0301 talks\r\n\r\nTalks in the cafe\u0301 \r\nended.\u00a0Officials left.  \rNo deal."
    write_file(tmp_path / "a.txt", decomposed)
    [article] = ingest_sources(tmp_path, DEFAULT).articles
    assert article.title == "Café talks"
    assert article.text == "Café talks\n\nTalks in the café\nended.\u00a0Officials left.\nNo deal."
    sentences = split_sentences(article)
    assert all(article.text[s.start : s.end] == s.text for s in sentences)
    assert sentences[1].text == "Talks in the café\nended."


@pytest.mark.parametrize("suffix", FORMATS)
def test_html_entities_are_decoded_and_recorded(tmp_path: Path, suffix: str) -> None:
    body = "He called AT&amp;T&#8217;s offer &quot;fair&quot;. R&D, Tom&notes and &bogus; stay as written."
    report = one_article(tmp_path, suffix, "AT&amp;T deal &#x2014; talks", body)
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
    report = one_article(tmp_path, suffix, "Head\u200bline", body)
    [article] = report.articles
    assert article.text == "Headline\n\nThe regime fell. The rebels advanced. A family 👨\u200d👩\u200d👧 fled.\u200f"
    assert article.normalisation == (("invisible-removed", 5), ("invisible-kept", 3))


def test_line_endings_nfc_and_trailing_whitespace_are_recorded(tmp_path: Path) -> None:
    write_file(tmp_path / "a.txt", "Cafe\u0301 talks\r\n\r\nTalks in the cafe\u0301 \r\nended.\u00a0Officials left.  \rNo deal.")
    [article] = ingest_sources(tmp_path, DEFAULT).articles
    assert article.normalisation == (("line-endings", 4), ("nfc", 2), ("trailing-whitespace", 3))


def test_normalisation_documents_every_recorded_step() -> None:
    assert list(NORMALISATION_STEPS) == [
        "html-entities", "line-endings", "invisible-removed", "invisible-kept", "nfc", "trailing-whitespace",
    ]  # fmt: skip
    for step, description in NORMALISATION_STEPS.items():
        assert f"{step}: {description}" in NORMALISATION


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
    [article] = one_article(tmp_path, suffix, "Villages shelled", FURNITURE_BODY).articles
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
    [article] = one_article(tmp_path, ".jsonl", "", body, drop_lines=[r"Read more:.*"]).articles
    assert article.text == "Fighting resumed.\n\n1\n\nCivilians fled."
    assert article.dropped_lines == ("Read more: Idlib explained",)
    [kept] = one_article(tmp_path, ".jsonl", "", body, drop_lines=[]).articles
    assert kept.text == body and kept.dropped_lines == ()


def test_drop_lines_patterns_keep_their_own_flags(tmp_path: Path) -> None:
    body = "Fighting resumed.\n\nREAD MORE: Idlib explained\n\n12\n\nread more about it later, officials said."
    [article] = one_article(tmp_path, ".jsonl", "", body, drop_lines=["(?i)read more:.*", r"\d+"]).articles
    assert article.dropped_lines == ("READ MORE: Idlib explained", "12")


def test_default_furniture_patterns_are_the_documented_default(tmp_path: Path) -> None:
    body = "Fighting resumed.\n\n1\n\nCivilians fled."
    default = one_article(tmp_path, ".jsonl", "", body).articles
    explicit = one_article(tmp_path, ".jsonl", "", body, drop_lines=PAGE_FURNITURE).articles
    assert default == explicit and default[0].dropped_lines == ("1",)


def test_invalid_drop_lines_pattern_is_reported_before_reading(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"drop_lines pattern '\(unclosed' is not a regular expression"):
        iter_articles(tmp_path / "nowhere", DEFAULT, drop_lines=["(unclosed"])


@pytest.mark.parametrize(("suffix", "kind"), [(".txt", "invalid-record"), (".jsonl", "missing-text"), (".csv", "missing-text")])
def test_article_of_only_furniture_is_skipped_with_the_lines_named(tmp_path: Path, suffix: str, kind: str) -> None:
    report = one_article(tmp_path, suffix, "Gallery", "1\n\nSPONSORED")
    assert report.articles == []
    [problem] = report.skipped
    assert problem.kind == kind
    assert "page furniture" in problem.reason and "'1', 'SPONSORED'" in problem.reason


def test_long_run_of_combining_marks_is_skipped_in_linear_time(tmp_path: Path) -> None:
    # CPython's NFC reorders a long run of alternating combining marks in quadratic time; such a
    # run is not stream-safe Unicode (UAX #15: at most 30 marks in a row), so the record is skipped.
    paths = []
    for marks in (2_000, 20_000):
        path = write_file(tmp_path / str(marks) / "a.jsonl", json.dumps({"text": "Zalgo a" + "\u0316\u0301" * marks}) + "\n")
        write_file(tmp_path / str(marks) / "b.jsonl", GOOD_JSONL)
        paths.append(path.parent)
    report = ingest_sources(paths[0], DEFAULT)
    assert [a.text for a in report.articles] == ["A good record."]
    [problem] = report.skipped
    assert (problem.kind, problem.line) == ("invalid-record", 1)
    assert "more than 30 combining marks in a row from offset 7 (code points)" in problem.reason
    ratio = time_ratio(lambda path: ingest_sources(path, DEFAULT), paths[0], paths[1])
    assert ratio < RATIO_BOUND, f"10x the input took {ratio:.0f}x the time"


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
