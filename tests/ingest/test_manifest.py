"""Tests for ``annotation.ingest.manifest``: targets and ids from articles.yaml, manifest errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotation.ingest import (
    IngestError,
    ingest_sources,
    iter_articles,
    load_articles,
    load_manifest,
)
from tests.ingest.inputs import GOOD_JSONL, SEEDS, write_file


def test_manifest_targets_and_id_attach_to_seed() -> None:
    [article] = load_articles(SEEDS)
    assert article.article_id == "9ea230396c6002b4"
    assert article.targets == ("Syrian government (Assad regime)", "Syrian opposition forces")


def test_txt_without_entry_or_default_targets_is_reported(tmp_path: Path) -> None:
    manifest = write_file(tmp_path / "articles.yaml", "articles:\n  - file: listed.txt\n    targets: [Russia]\n")
    write_file(tmp_path / "listed.txt", "Listed\n\nBody.\n")
    unlisted = write_file(tmp_path / "unlisted.txt", "Unlisted\n\nBody.\n")
    report = ingest_sources(tmp_path, manifest)
    assert [a.source for a in report.articles] == ["listed.txt"]
    [problem] = report.skipped
    assert (problem.path, problem.line, problem.kind) == (str(unlisted), None, "no-targets")
    assert "file: unlisted.txt" in problem.reason


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
    write_file(tmp_path / "a.txt", "Headline\n\nBody.\n")
    write_file(tmp_path / "news.jsonl", GOOD_JSONL)
    manifest = write_file(tmp_path / "articles.yaml", yaml_text)
    with pytest.raises(IngestError, match=re.escape(str(manifest))) as error:
        iter_articles(tmp_path, manifest)  # raised at the call, before any file is read
    assert words in str(error.value)
    with pytest.raises(IngestError):
        load_manifest(manifest)
