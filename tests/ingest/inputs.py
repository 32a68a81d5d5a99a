"""Inputs shared by the ingest tests: the test corpus, the default manifest and small writers."""

from __future__ import annotations

import json
from pathlib import Path

from annotation.ingest import IngestReport, Manifest, ingest_sources

__all__ = ["DEFAULT", "FORMATS", "GOOD_JSONL", "INGEST", "MANIFEST", "SEEDS", "one_article", "write_file"]

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
INGEST = REPO / "tests" / "data" / "ingest"
MANIFEST = INGEST / "articles.yaml"
DEFAULT = Manifest(default_targets=("Syrian government",))
GOOD_JSONL = '{"text": "A good record."}\n'
FORMATS = [".txt", ".jsonl", ".csv"]


def write_file(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` (text as UTF-8 with its line endings kept), creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def one_article(tmp_path: Path, suffix: str, title: str, body: str, **kwargs: object) -> IngestReport:
    """Write one article as .txt, .jsonl or .csv and ingest it."""
    if suffix == ".txt":
        write_file(tmp_path / "a.txt", f"{title}\n\n{body}\n")
    elif suffix == ".jsonl":
        write_file(tmp_path / "a.jsonl", json.dumps({"title": title, "text": body}) + "\n")
    else:
        quoted = [field.replace('"', '""') for field in (title, body)]
        write_file(tmp_path / "a.csv", 'title,text\n"{}","{}"\n'.format(*quoted))
    return ingest_sources(tmp_path / f"a{suffix}", DEFAULT, **kwargs)  # type: ignore[arg-type]
