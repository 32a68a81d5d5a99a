"""Articles: the ``Article`` record, ingestion of sources into articles, and its report.

``iter_articles``, ``ingest_sources`` and ``load_articles`` read seed text, JSONL and CSV files
and directories (``annotation.ingest.readers``), normalise each text
(``annotation.ingest.normalise``) and attach the manifest's targets and metadata
(``annotation.ingest.manifest``). In JSONL and CSV records the id field is the first of
``id_columns`` present (by default ``ID_COLUMNS``: ``article_id`` then ``id``);
``published``/``updated`` become ISO 8601 when ``normalise_date`` recognises the date.

The stored ``Article.text`` is the title, a blank line, then the body (for a record without a
title, the body alone); every offset downstream refers to this stored text. Each article records
what normalisation changed (``Article.normalisation``) and which lines it dropped as page
furniture (``Article.dropped_lines``).

Article ids are stable: the manifest's ``article_id``, else the record's id field, else the
first 16 hex digits of the sha256 of the stored text. Sentence ids follow from them
(``annotation.ingest.segment``).

Input problems do not stop ingestion: each gives one ``Problem`` (``annotation.ingest.problems``)
and everything else is still ingested; ``IngestReport`` holds both, and ``IngestReport.empty``
tells a caller that nothing was ingested, so that it keeps its earlier outputs. Records are
streamed, so memory grows only with the number of articles, through the duplicate check (about
400 bytes per article).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotation.ingest.manifest import Manifest, ManifestEntry, load_manifest
from annotation.ingest.normalise import NORMALISATION_STEPS, drop_furniture, furniture_pattern, normalise_date, normalise_text
from annotation.ingest.problems import IngestError, Problem, Skip, where
from annotation.ingest.readers import MAX_BYTES, Record, SourceFile, as_text, find_sources, iter_records, parse_seed_page

__all__ = [
    "Article",
    "ID_COLUMNS",
    "IngestReport",
    "articles_table",
    "ingest_sources",
    "iter_articles",
    "load_articles",
]


ID_COLUMNS = ("article_id", "id")


@dataclass(frozen=True)
class Article:
    """One source article.

    Attributes:
        article_id: Stable id: the manifest's, else the record's id field, else the first 16
            hex digits of the sha256 of ``text``.
        title: The headline ("" for a record without one).
        text: Title + blank line + body (the body alone without a title), normalised.
        source: The file, relative to the folder it was found in; ``:line`` is added for a
            JSONL/CSV record.
        published: ISO 8601 when recognised (``normalise_date``), else as given; or None.
        updated: Likewise.
        url: The manifest's, else the record's.
        outlet: The manifest's, else the record's.
        targets: Stance targets from the manifest entry, else ``default_targets``.
        normalisation: ``(step, count)`` for each ``NORMALISATION_STEPS`` step that changed the
            title or text (for ``invisible-kept``: found characters to keep), in step order.
        dropped_lines: The lines dropped as page furniture (stripped), in text order.
    """

    article_id: str
    title: str
    text: str
    source: str
    published: str | None = None
    updated: str | None = None
    url: str | None = None
    outlet: str | None = None
    targets: tuple[str, ...] = field(default_factory=tuple)
    normalisation: tuple[tuple[str, int], ...] = ()
    dropped_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestReport:
    """What ``ingest_sources`` ingested and what it skipped.

    Attributes:
        articles: The ingested articles, in source order (sorted paths, then line).
        skipped: One ``Problem`` per skipped file or record, in the same order.
        unmatched: The manifest entries that no ingested article took (``file …``,
            ``article_id '…'``, ``url '…'``): a typo there would otherwise send an article to the
            default targets without a word.
    """

    articles: list[Article]
    skipped: list[Problem]
    unmatched: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether no article was ingested (every input skipped, or none given).

        A caller that writes the articles must then keep its earlier output rather than
        overwrite it with nothing.
        """
        return not self.articles

    def summary(self) -> str:
        """One line: how many articles were ingested, how many inputs skipped and why.

        Examples:
            >>> IngestReport([], [Problem("a.txt", None, "empty", "empty file")] * 2).summary()
            '0 article(s) ingested, 2 skipped (2 empty)'
            >>> IngestReport([], []).summary()
            '0 article(s) ingested, 0 skipped'
        """
        counts = Counter(p.kind for p in self.skipped)
        why = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        return f"{len(self.articles)} article(s) ingested, {len(self.skipped)} skipped" + (f" ({why})" if why else "")

    def changes_summary(self) -> str:
        """One line: how many articles ingest changed, with the totals per step ("" for none).

        Examples:
            >>> article = Article("a1", "", "AT&T.", "a.txt", normalisation=(("html-entities", 1),), dropped_lines=("1",))
            >>> IngestReport([article, article], []).changes_summary()
            '2 article(s) normalised (html-entities 2; 2 line(s) dropped)'
        """
        changed = [a for a in self.articles if a.normalisation or a.dropped_lines]
        if not changed:
            return ""
        steps: Counter[str] = Counter()
        for article in changed:
            steps.update(dict(article.normalisation))
        return f"{len(changed)} article(s) normalised ({_changes(list(steps.items()), sum(len(a.dropped_lines) for a in changed))})"

    def changes(self) -> list[str]:
        """One line per article that ingest changed: ``source (article_id): steps; dropped lines``.

        Steps are ``NORMALISATION_STEPS`` names with their counts; the dropped lines are quoted.

        Examples:
            >>> article = Article("a1", "", "AT&T.", "a.jsonl:3", normalisation=(("html-entities", 1),), dropped_lines=("1",))
            >>> IngestReport([article], []).changes()
            ["a.jsonl:3 (a1): html-entities 1; 1 line(s) dropped: '1'"]
        """
        return [
            f"{a.source} ({a.article_id}): " + _changes(list(a.normalisation), len(a.dropped_lines), a.dropped_lines)
            for a in self.articles
            if a.normalisation or a.dropped_lines
        ]


def _changes(steps: list[tuple[str, int]], dropped: int, lines: Sequence[str] = ()) -> str:
    """``html-entities 2, nfc 1; 2 line(s) dropped: '1', 'SPONSORED'`` (steps in step order)."""
    order = list(NORMALISATION_STEPS)
    text = ", ".join(f"{step} {n}" for step, n in sorted(steps, key=lambda item: order.index(item[0])))
    if dropped:
        text += ("; " if text else "") + f"{dropped} line(s) dropped" + (f": {_quoted(lines)}" if lines else "")
    return text


def _quoted(lines: Sequence[str]) -> str:
    return ", ".join(map(repr, lines))


def _field(fields: Mapping[str, Any], name: str) -> str | None:
    try:
        return as_text(fields.get(name), name)
    except TypeError as err:
        raise Skip("invalid-record", f"field {err}") from None


def _to_article(
    record: Record,
    file: SourceFile,
    manifest: Manifest,
    id_columns: Sequence[str],
    txt_entry: ManifestEntry | None,
    furniture: re.Pattern[str] | None,
) -> tuple[Article, bytes]:
    body = record.fields.get("text")
    if not isinstance(body, str | None):
        raise Skip("invalid-record", f"field 'text' is {type(body).__name__}, expected a string")
    if body is None or not body.strip():
        raise Skip("missing-text", "no 'text' (or only whitespace); every record needs the article body in 'text'")
    counts: Counter[str] = Counter()
    dropped: list[str] = []
    try:
        body = drop_furniture(normalise_text(body, counts), furniture, dropped).strip()
        title = normalise_text(_field(record.fields, "title") or "", counts).strip()
    except ValueError as err:
        raise Skip("invalid-record", f"'text' or 'title': {err}") from None
    after_dropping = f" after dropping page furniture ({_quoted(dropped)}); check the drop_lines patterns" if dropped else ""
    if record.line is None:  # a seed page: headline, Published/Updated lines, body
        try:
            page = parse_seed_page(body)
        except Skip as skip:
            raise Skip(skip.kind, skip.reason + after_dropping) from None
        title, body = page["title"], page["body"]
        published, updated = page["published"], page["updated"]
    else:
        if not body:
            raise Skip("missing-text", "no 'text' left" + (after_dropping or " after normalisation (NORMALISATION)"))
        published, updated = (_field(record.fields, name) for name in ("published", "updated"))
    text = f"{title}\n\n{body}" if title else body
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    url = _field(record.fields, "url")
    own_id = next(filter(None, (_field(record.fields, column) for column in id_columns)), None)
    if record.line is None:
        entry = txt_entry
        hint = f"add an entry with 'file: {file.name}'"
    else:
        entry = (manifest.ids.get(own_id) if own_id else None) or (manifest.urls.get(url) if url else None)
        hint = "add an entry with its 'url' or 'article_id'"
    targets = entry.targets if entry else manifest.default_targets
    if not targets:
        manifest_name = f" in {manifest.path}" if manifest.path else ""
        raise Skip("no-targets", f"no manifest entry{manifest_name} and no default_targets; {hint} and 'targets'")
    article = Article(
        article_id=(entry and entry.article_id) or own_id or digest.hex()[:16],
        title=title,
        text=text,
        source=where(file.name, record.line),
        published=published and normalise_date(published),
        updated=updated and normalise_date(updated),
        url=(entry and entry.url) or url,
        outlet=(entry and entry.outlet) or _field(record.fields, "outlet"),
        targets=targets,
        normalisation=tuple((step, counts[step]) for step in NORMALISATION_STEPS if counts[step]),
        dropped_lines=tuple(dropped),
    )
    return article, digest


def _stream(
    files: list[SourceFile],
    missing: list[Problem],
    manifest: Manifest,
    max_bytes: int | None,
    id_columns: Sequence[str],
    furniture: re.Pattern[str] | None,
) -> Iterator[Article | Problem]:
    yield from missing
    first_text: dict[bytes, str] = {}
    first_id: dict[str, str] = {}
    for file in files:
        txt_entry = manifest.files.get(file.path.resolve())
        for item in iter_records(file.path, max_bytes=max_bytes):
            if isinstance(item, Problem):
                yield item
                continue
            location = where(str(file.path), item.line)
            try:
                article, digest = _to_article(item, file, manifest, id_columns, txt_entry, furniture)
                if digest in first_text:
                    raise Skip("duplicate", f"same text as {first_text[digest]}, which is kept")
                if article.article_id in first_id:
                    used = first_id[article.article_id]
                    raise Skip("duplicate-id", f"article_id {article.article_id!r} is already used by {used} (a different text)")
            except Skip as skip:
                yield Problem(str(file.path), item.line, skip.kind, skip.reason)
                continue
            first_text[digest] = first_id[article.article_id] = location
            yield article


def iter_articles(
    sources: str | Path | Iterable[str | Path],
    manifest: str | Path | Manifest,
    *,
    max_bytes: int | None = MAX_BYTES,
    id_columns: Sequence[str] = ID_COLUMNS,
    drop_lines: Sequence[str] | None = None,
) -> Iterator[Article | Problem]:
    """Stream articles from files and directories, with a ``Problem`` for each input skipped.

    Files are read in sorted path order (directories recursively), records in line order; of
    two articles with the same stored text, or the same id, the first is kept and the second
    is reported. A ``.txt`` article takes its manifest entry by ``file``; a JSONL/CSV record by
    its id field (the first of ``id_columns`` present) or its ``url``. The entry's
    ``article_id``, ``url`` and ``outlet`` win over the record's. An article without an entry
    takes ``default_targets``, and without those it is reported (``no-targets``).

    Each text is normalised (``NORMALISATION``) and its page-furniture lines dropped; the
    article records both (``Article.normalisation``, ``Article.dropped_lines``). An article left
    without a body is reported (``missing-text``, or ``invalid-record`` for a seed page).

    Args:
        sources: A file or directory, or several.
        manifest: ``articles.yaml`` (see ``load_manifest``) or a ``Manifest``.
        max_bytes: Larger files are skipped; ``None`` for no limit.
        id_columns: Record fields that may hold the article id, in order of preference.
        drop_lines: Page-furniture patterns (Python regular expressions): a line of a seed page
            or of a record's ``text`` is dropped when, stripped, it fully matches one. None for
            ``PAGE_FURNITURE``; an empty list drops nothing.

    Returns:
        An iterator of ``Article`` and ``Problem`` in source order.

    Raises:
        IngestError: The manifest or a ``drop_lines`` pattern is invalid (raised at the call,
            before any file is read).
    """
    furniture = furniture_pattern(drop_lines)
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    files, missing = find_sources([sources] if isinstance(sources, str | Path) else sources)
    return _stream(files, missing, manifest, max_bytes, id_columns, furniture)


def ingest_sources(
    sources: str | Path | Iterable[str | Path],
    manifest: str | Path | Manifest,
    *,
    max_bytes: int | None = MAX_BYTES,
    id_columns: Sequence[str] = ID_COLUMNS,
    drop_lines: Sequence[str] | None = None,
) -> IngestReport:
    """Ingest files and directories into an ``IngestReport`` (arguments as in ``iter_articles``).

    Raises:
        IngestError: The manifest or a ``drop_lines`` pattern is invalid.
    """
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    articles: list[Article] = []
    skipped: list[Problem] = []
    for item in iter_articles(sources, manifest, max_bytes=max_bytes, id_columns=id_columns, drop_lines=drop_lines):
        if isinstance(item, Problem):
            skipped.append(item)
        else:
            articles.append(item)
    return IngestReport(articles, skipped, _unmatched(manifest, articles))


def _unmatched(manifest: Manifest, articles: Sequence[Article]) -> list[str]:
    """The manifest's entries that no article took (an entry's id and url are the article's)."""
    ids = {a.article_id for a in articles}
    urls = {a.url for a in articles if a.url}
    names = {Path(a.source).name for a in articles}  # a .txt article's source is its file, without a line
    unmatched = [f"file {path.name}" for path in manifest.files if path.name not in names]
    unmatched += [f"article_id {key!r}" for key in manifest.ids if key not in ids]
    unmatched += [f"url {url!r}" for url, entry in manifest.urls.items() if entry.article_id is None and url not in urls]
    return unmatched


def load_articles(
    seed_dir: str | Path,
    manifest: str | Path | None = None,
    *,
    max_bytes: int | None = MAX_BYTES,
    drop_lines: Sequence[str] | None = None,
) -> list[Article]:
    """Load every article under ``seed_dir``, or fail listing every input problem.

    Args:
        seed_dir: A directory (searched recursively) or a file.
        manifest: Manifest path; defaults to ``articles.yaml`` in ``seed_dir`` (or beside the file).
        max_bytes: Larger files are problems; ``None`` for no limit.
        drop_lines: Page-furniture patterns, as in ``iter_articles``; None for ``PAGE_FURNITURE``.

    Returns:
        Articles sorted by ``article_id``.

    Raises:
        IngestError: The manifest or a ``drop_lines`` pattern is invalid, or any input was
            skipped (see ``ingest_sources`` for a report that keeps the good articles).
    """
    seed_dir = Path(seed_dir)
    folder = seed_dir if seed_dir.is_dir() else seed_dir.parent
    report = ingest_sources(seed_dir, manifest or folder / "articles.yaml", max_bytes=max_bytes, drop_lines=drop_lines)
    if report.skipped:
        lines = "\n".join(f"  {problem}" for problem in report.skipped)
        raise IngestError(f"{seed_dir}: {report.summary()}:\n{lines}")
    return sorted(report.articles, key=lambda a: a.article_id)


def articles_table(articles: Iterable[Article]) -> list[dict[str, Any]]:
    """Articles as plain records (one dict per article) for a DataFrame.

    Columns: the ``Article`` fields, with ``targets`` and ``dropped_lines`` as lists of strings
    and ``normalisation`` as a list of ``{"step": str, "count": int}``. Missing metadata
    (``published``, ``updated``, ``url``, ``outlet``) stays None.
    """
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
            "normalisation": [{"step": step, "count": count} for step, count in a.normalisation],
            "dropped_lines": list(a.dropped_lines),
        }
        for a in articles
    ]
