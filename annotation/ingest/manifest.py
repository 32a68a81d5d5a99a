"""The manifest: stance targets and metadata per article, read from ``articles.yaml``.

``load_manifest`` reads it into a ``Manifest`` of ``ManifestEntry`` records::

    default_targets: [Syrian government]     # optional: for articles without an entry
    articles:
      - file: 000_9ea230396c6002b4.txt       # a .txt article, relative to the manifest
        article_id: "9ea230396c6002b4"        # optional
        targets: [Syrian government, Syrian opposition forces]
      - url: https://example.org/a            # a JSONL/CSV record, matched by its url ...
        targets: [Russia]
      - article_id: wire-0042                 # ... or by its id field
        outlet: Example Wire
        targets: [Turkey]

Manifest errors raise ``IngestError`` (the whole ingest stops: a wrong manifest would send
articles to the wrong targets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from annotation.errors import yaml_problem
from annotation.ingest.problems import IngestError
from annotation.ingest.readers import as_text

__all__ = ["Manifest", "ManifestEntry", "load_manifest"]


@dataclass(frozen=True)
class ManifestEntry:
    """The manifest's targets and metadata for one article."""

    targets: tuple[str, ...]
    article_id: str | None = None
    url: str | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Targets and metadata per article (see ``load_manifest``).

    Attributes:
        files: Entries of ``.txt`` articles, by resolved path.
        ids: Entries of JSONL/CSV records (entries without ``file``), by ``article_id``.
        urls: Entries of JSONL/CSV records (entries without ``file``), by ``url``.
        default_targets: Targets of articles without an entry; empty for none.
        path: Where the manifest was read from, for messages.
    """

    files: Mapping[Path, ManifestEntry] = field(default_factory=dict)
    ids: Mapping[str, ManifestEntry] = field(default_factory=dict)
    urls: Mapping[str, ManifestEntry] = field(default_factory=dict)
    default_targets: tuple[str, ...] = ()
    path: Path | None = None


def _scalar(item: Mapping[str, Any], key: str, where: str) -> str | None:
    try:
        return as_text(item.get(key), key)
    except TypeError as err:
        raise IngestError(f"{where}: {err}") from None


def _targets(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(t, str) and t.strip() for t in value):
        raise IngestError(f"{where} needs a non-empty list of 'targets' (strings), got {value!r}")
    return tuple(value)


def load_manifest(path: str | Path) -> Manifest:
    """Read ``articles.yaml``: ``articles`` entries with ``targets``, and optional ``default_targets``.

    Each entry names its article by ``file`` (a ``.txt`` file, relative to the manifest's
    folder) or, for a JSONL/CSV record, by ``url`` and/or ``article_id``. Optional fields:
    ``article_id`` (the id to use), ``url``, ``outlet``; others (``language``) are ignored.
    ``default_targets`` are the targets of any article without an entry.

    Raises:
        IngestError: The manifest is unreadable or not a mapping; an entry names no article, has
            no targets, names a missing or non-``.txt`` file; or a file, url or article_id is
            listed twice.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise IngestError(f"{path}: cannot read manifest: {yaml_problem(err)}") from err
    raw = {} if raw is None else raw
    items = raw.get("articles") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(items, list | None):
        raise IngestError(f"{path}: expected a mapping with a list 'articles' and optional 'default_targets'")
    default = raw.get("default_targets")
    default_targets = () if default is None else _targets(default, f"{path}: default_targets")
    files: dict[Path, ManifestEntry] = {}
    ids: dict[str, ManifestEntry] = {}
    urls: dict[str, ManifestEntry] = {}
    seen_ids: set[str] = set()
    for i, item in enumerate(items or []):
        where = f"{path}: articles[{i}]"
        if not isinstance(item, dict):
            raise IngestError(f"{where} is {type(item).__name__}, expected a mapping with 'file' or 'url' and 'targets'")
        name, article_id, url = (_scalar(item, key, where) for key in ("file", "article_id", "url"))
        if not (name or article_id or url):
            raise IngestError(f"{where} names no article: give 'file' (a .txt article) or 'url'/'article_id' (a JSONL/CSV record)")
        entry = ManifestEntry(
            targets=_targets(item.get("targets"), f"{where} ({name or article_id or url})"),
            article_id=article_id,
            url=url,
            outlet=_scalar(item, "outlet", where),
        )
        if article_id in seen_ids:
            raise IngestError(f"{path}: article_id {article_id!r} is listed twice")
        if article_id:
            seen_ids.add(article_id)
        if name:
            file = (path.parent / name).resolve()
            if file.suffix.lower() != ".txt":
                raise IngestError(f"{where}: file {name!r} is not a .txt article; match JSONL/CSV records by 'url' or 'article_id'")
            if not file.is_file():
                raise IngestError(f"{where}: file {name!r} not found in {path.parent}")
            if file in files:
                raise IngestError(f"{path}: {name} is listed twice")
            files[file] = entry
            continue
        if article_id:
            ids[article_id] = entry
        if url:
            if url in urls:
                raise IngestError(f"{path}: url {url!r} is listed twice")
            urls[url] = entry
    return Manifest(files=files, ids=ids, urls=urls, default_targets=default_targets, path=path)
