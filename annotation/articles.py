"""Ingest source articles: parse the seed text format, normalise the text, attach manifest metadata.

The stored ``Article.text`` is the headline, a blank line, then the body paragraphs separated by
blank lines. Normalisation is explicit (see ``normalise_text``) and every offset downstream refers
to this stored text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "Article",
    "IngestError",
    "NORMALISATION",
    "normalise_text",
    "parse_seed_text",
    "load_manifest",
    "load_articles",
    "articles_table",
]

NORMALISATION = "CRLF/CR to LF; Unicode NFC; trailing spaces stripped per line; non-breaking spaces kept"

_HEADER = re.compile(r"^(Published|Updated)\s+(\d{2})\.(\d{2})\.(\d{4})\s+(\d{2}):(\d{2})\s*$")
_BOILERPLATE = re.compile(r"^\s*Share on Facebook\s+Share on Twitter\s*$")
_BLANK_LINES = re.compile(r"\n\s*\n")


class IngestError(ValueError):
    """A source file or manifest entry cannot be ingested; the message names it."""


@dataclass(frozen=True)
class Article:
    """One source article. ``text`` = headline + blank line + body paragraphs."""

    article_id: str
    title: str
    text: str
    source: str
    published: str | None = None
    updated: str | None = None
    url: str | None = None
    outlet: str | None = None
    targets: tuple[str, ...] = field(default_factory=tuple)


def normalise_text(text: str) -> str:
    """Apply the recorded normalisation (``NORMALISATION``).

    Examples:
        >>> normalise_text("Cafe\\u0301 \\r\\nnext")
        'Café\\nnext'
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip(" \t") for line in text.split("\n"))


def _iso(match: re.Match[str]) -> str:
    _, day, month, year, hour, minute = match.groups()
    # The seed gives local wall-clock time without a zone, so the ISO string carries none.
    return datetime(int(year), int(month), int(day), int(hour), int(minute)).isoformat(timespec="minutes")


def parse_seed_text(raw: str, source: str) -> dict[str, Any]:
    """Parse the seed ``.txt`` format: headline, Published/Updated lines, body, share boilerplate.

    Returns:
        A dict with ``title``, ``published``, ``updated`` (ISO 8601 or None) and ``body``
        (paragraphs joined by one blank line).

    Raises:
        IngestError: The file has no headline or no body.

    Examples:
        >>> doc = parse_seed_text("Head\\n\\nPublished 03.11.2019 17:48\\n\\nBody one.\\n\\nShare on Facebook Share on Twitter\\n", "x.txt")
        >>> doc["title"], doc["published"], doc["body"]
        ('Head', '2019-11-03T17:48', 'Body one.')
    """
    paragraphs = [p.strip() for p in _BLANK_LINES.split(normalise_text(raw).strip())]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise IngestError(f"{source}: empty file, expected a headline and a body")
    title, rest = paragraphs[0], paragraphs[1:]
    stamps: dict[str, str] = {}
    body: list[str] = []
    for paragraph in rest:
        lines = paragraph.split("\n")
        headers = [_HEADER.match(line) for line in lines]
        if all(headers):
            for m in headers:
                assert m is not None  # narrowed by all()
                stamps[m.group(1).lower()] = _iso(m)
        elif _BOILERPLATE.match(paragraph):
            continue
        else:
            body.append(paragraph)
    if not body:
        raise IngestError(f"{source}: no body text after the headline")
    return {
        "title": title,
        "published": stamps.get("published"),
        "updated": stamps.get("updated"),
        "body": "\n\n".join(body),
    }


def load_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Read ``articles.yaml``: a list of entries keyed by ``file``, each with ``targets``.

    Raises:
        IngestError: The manifest is unreadable, an entry lacks ``file`` or ``targets``, or a
            file is listed twice.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise IngestError(f"{path}: cannot read manifest: {err}") from err
    entries: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(raw.get("articles") or []):
        if not isinstance(entry, dict) or "file" not in entry:
            raise IngestError(f"{path}: articles[{i}] has no 'file'")
        targets = entry.get("targets")
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) and t.strip() for t in targets):
            raise IngestError(f"{path}: articles[{i}] ({entry['file']}) needs a non-empty list of 'targets'")
        if entry["file"] in entries:
            raise IngestError(f"{path}: {entry['file']} is listed twice")
        entries[entry["file"]] = entry
    return entries


def _read_utf8(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(f"{path}: empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(f"{path}: not UTF-8 (invalid byte at position {err.start})") from err


def load_articles(seed_dir: str | Path, manifest: str | Path | None = None) -> list[Article]:
    """Load every ``*.txt`` article in ``seed_dir`` listed in the manifest.

    Args:
        seed_dir: Directory holding the articles and, by default, ``articles.yaml``.
        manifest: Manifest path; defaults to ``seed_dir/articles.yaml``.

    Returns:
        Articles sorted by ``article_id``; ids come from the manifest, else from a hash of the text.

    Raises:
        IngestError: A file is unreadable or malformed, a listed file is missing, a ``.txt`` file
            is not in the manifest, or two files have the same normalised text.
    """
    seed_dir = Path(seed_dir)
    manifest_path = Path(manifest) if manifest else seed_dir / "articles.yaml"
    entries = load_manifest(manifest_path)
    files = sorted(seed_dir.glob("*.txt"))
    unlisted = [f.name for f in files if f.name not in entries]
    if unlisted:
        raise IngestError(f"{manifest_path}: no entry (with targets) for {unlisted}")
    missing = sorted(set(entries) - {f.name for f in files})
    if missing:
        raise IngestError(f"{manifest_path}: listed file(s) not found in {seed_dir}: {missing}")
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for path in files:
        entry = entries[path.name]
        doc = parse_seed_text(_read_utf8(path), str(path))
        text = f"{doc['title']}\n\n{doc['body']}"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in seen:
            raise IngestError(f"{path}: same text as {seen[digest]}; remove one of them")
        seen[digest] = str(path)
        articles.append(
            Article(
                article_id=str(entry.get("article_id") or digest[:16]),
                title=doc["title"],
                text=text,
                source=path.name,
                published=doc["published"],
                updated=doc["updated"],
                url=entry.get("url"),
                outlet=entry.get("outlet"),
                targets=tuple(entry["targets"]),
            )
        )
    return sorted(articles, key=lambda a: a.article_id)


def articles_table(articles: Iterable[Article]) -> list[dict[str, Any]]:
    """Articles as plain records (one dict per article) for a DataFrame."""
    return [
        {
            "article_id": a.article_id,
            "source": a.source,
            "url": a.url,
            "outlet": a.outlet,
            "published": a.published,
            "updated": a.updated,
            "title": a.title,
            "text": a.text,
            "targets": list(a.targets),
        }
        for a in articles
    ]
