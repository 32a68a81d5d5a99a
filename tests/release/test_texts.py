"""``annotation.release.texts``: the source-text columns."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from annotation.spans import token_spans
from tests.fixtures.release import parquet_file


def test_the_tokens_column_survives_non_ascii_text(demo_release: Path) -> None:
    table = pq.read_table(parquet_file(demo_release, "sentences")).to_pylist()
    for row in table:
        assert row["tokens"] == [row["text"][s:e] for s, e in token_spans(row["text"])]
