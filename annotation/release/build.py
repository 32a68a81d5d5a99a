"""Build the Hugging Face release of a campaign: aggregated, raw and article configs as parquet,
a dataset card, a datasheet, statistics and a citation, all generated from the campaign and the data.

Layout of ``dist/<name>-<version>/`` (``campaign.release_dir``)::

    README.md                      dataset card: YAML header (configs, features, licence, ...) + prose
    DATASHEET.md                   the campaign's datasheet (or the package template), statistics block filled
    sentences/<split>-<sha256>.parquet     one file per non-empty split; the name carries the
    annotations/<split>-<sha256>.parquet   first 16 hex digits of the file's sha256
    articles/<split>-<sha256>.parquet
    stats.json                     everything the card and the datasheet state: the campaign's metadata,
                                   counts, corpus facts, label distributions, agreement,
                                   each annotator's Dawid–Skene confusion matrix and accuracy
    report.html                    the campaign report (``annotation.report``): self-contained, linked from the card
    CITATION.bib                   the campaign's citation, or one generated from its metadata
    SHA256SUMS                     checksum of every other file

**What describes the release.** The campaign (``campaign.yml``): name, title, description,
version, licences, authors, citation, homepage, language; and the data in the release: counts,
synthetic share, outlets, publication dates, targets, annotators, agreement (``stats``). The card
(``card``) and the datasheet (``datasheet``) state them; nothing in either is typed for one campaign.

**Determinism.** The same votes, articles, campaign, manifest, changelog and datasheet give
byte-identical files with the same library versions (recorded in the card): rows in a fixed order
(split, article, sentence, target, annotator), each parquet file written from one contiguous Arrow
table with a fixed row-group size, JSON keys in a fixed order, a seeded bootstrap, no clock. The
release is written to a temp directory and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import datasets
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.records import ARTICLE_COLUMNS, check_columns
from annotation.release.card import render_card
from annotation.release.changelog import changelog_entry
from annotation.release.datasheet import fill_stats, read_datasheet
from annotation.release.splits import SPLITS, article_splits, split_bounds
from annotation.release.stats import release_stats, stats_markdown
from annotation.release.tables import (
    SPAN_THRESHOLD,
    aggregate_sentences,
    annotation_columns,
    article_columns,
    check_votes,
    features_for,
    to_table,
)
from annotation.release.texts import IntArray, set_texts
from annotation.report import REPORT_FILE, render_report
from annotation.schema import Schema

__all__ = ["build_release"]

ROW_GROUP_SIZE = 10_000
"""Rows per parquet row group (a sentence row is 1-2 kB): fixed, so that the bytes do not depend on chunking."""


def _write_config(table: pa.Table, bounds: IntArray, directory: Path) -> dict[str, str]:
    """Write one parquet file per non-empty split (``datasets`` cannot load an empty file), named
    ``<split>-<first 16 hex digits of its sha256>.parquet``; returns ``split -> sha256``."""
    directory.mkdir(parents=True)
    written = {}
    for i, split in enumerate(SPLITS):
        if bounds[i + 1] > bounds[i]:
            sink = pa.BufferOutputStream()
            part = table.slice(bounds[i], bounds[i + 1] - bounds[i])
            pq.write_table(part, sink, row_group_size=ROW_GROUP_SIZE)  # type: ignore[no-untyped-call]
            data = sink.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            (directory / f"{split}-{digest[:16]}.parquet").write_bytes(data)
            written[split] = digest
    return written


def write_release(
    final: Path, tables: Mapping[str, pa.Table], bounds: Mapping[str, IntArray], stats: dict[str, Any], datasheet: str,
    report: str | None
) -> Path:
    """Write a release to ``final``: parquet per config and split, card, datasheet, stats, citation,
    report (when given), checksums; into a temp directory first, which then replaces ``final`` whole."""
    tmp = final.parent / f".{final.name}.tmp"
    old = final.parent / f".{final.name}.old"
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    tmp.mkdir(parents=True)
    try:
        sums: dict[str, str] = {}
        files: dict[str, dict[str, str]] = {}
        for name, table in tables.items():
            written = _write_config(table, bounds[name], tmp / name)
            files[name] = {split: f"{name}/{split}-{digest[:16]}.parquet" for split, digest in written.items()}
            sums.update({files[name][split]: digest for split, digest in written.items()})
        features = {name: datasets.Features.from_arrow_schema(table.schema) for name, table in tables.items()}
        # Keys in the order built (splits, labels in schema order), which the rendering follows.
        texts = {
            "stats.json": json.dumps(stats, indent=2, ensure_ascii=False) + "\n",
            "README.md": render_card(stats, features, files),
            "DATASHEET.md": datasheet,
            "CITATION.bib": stats["citation"] + "\n",
            **({REPORT_FILE: report} if report is not None else {}),
        }
        for name, text in texts.items():
            data = text.encode("utf-8")
            (tmp / name).write_bytes(data)
            sums[name] = hashlib.sha256(data).hexdigest()
        (tmp / "SHA256SUMS").write_text("".join(f"{sums[path]}  {path}\n" for path in sorted(sums)), encoding="utf-8")
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return final


def build_release(
    votes: Votes,
    articles: pd.DataFrame,
    campaign: Campaign,
    *,
    schema: Schema,
    splits: Mapping[str, str] | None = None,
    adjudications: Mapping[str, str] | None = None,
    span_threshold: float = SPAN_THRESHOLD,
) -> Path:
    """Aggregate ``votes`` and write the campaign's release to ``campaign.release_dir``.

    The card, the datasheet, ``stats.json`` and ``CITATION.bib`` are generated from ``campaign``
    (name, title, description, version, licences, authors, citation, homepage, language, and the
    changelog entry for its version when it names a changelog) and from the data in the release.
    When ``campaign.licence.redistribute_texts`` is false, the columns of ``TEXT_COLUMNS`` are null.

    Args:
        votes: Long tables from ``exports.to_votes``.
        articles: The ingested articles table (``articles.articles_table``).
        campaign: The campaign (``campaign.load_campaign``).
        schema: The annotation scheme (label names and ids).
        splits: The frozen split of every article (``read_split_manifest``, after
            ``freeze_splits``); ``None`` gives every article its hash-based split (``assign_split``).
        adjudications: Task key -> stance decided in the review queue; replaces the majority vote
            and sets ``adjudicated``.
        span_threshold: Minimum token support for aggregated spans.

    Returns:
        The release directory, ``campaign.release_dir``.

    Raises:
        MissingFileError: The campaign names a changelog or a datasheet that does not exist.
        KeyError: A table lacks a column.
        ReleaseError: As for ``aggregate_votes``; the changelog is malformed; the datasheet has no
            statistics markers; an article is missing from ``splits``, or a task's article from
            ``articles``. Nothing is written then.
    """
    datasheet, where = read_datasheet(campaign)
    changes = changelog_entry(campaign)
    keys = check_votes(votes)
    check_columns(articles, ARTICLE_COLUMNS, "articles")
    split_of = article_splits(articles, votes.tasks, splits)
    split_rank = split_of.map(SPLITS.index)
    aggregated = aggregate_sentences(votes, keys, schema, span_threshold, split_rank, adjudications)
    columns = {
        "sentences": aggregated.columns,
        "annotations": annotation_columns(votes, keys, schema, aggregated.rows),
        "articles": article_columns(articles, votes.tasks, split_rank),
    }
    bounds = {name: split_bounds(config["article_id"], split_of) for name, config in columns.items()}
    stats = release_stats(campaign, changes, schema, votes, columns, bounds, aggregated, span_threshold)
    features = features_for(schema)
    tables = {name: to_table(config, features[name]) for name, config in columns.items()}
    if not campaign.licence.redistribute_texts:
        tables = set_texts(tables, {}, {})
    report = render_report(stats, votes.annotations, votes.tasks, articles=articles[["article_id", "outlet"]], overlap=campaign.overlap,
                           gold=votes.gold)
    return write_release(campaign.release_dir, tables, bounds, stats, fill_stats(datasheet, stats_markdown(stats), where), report)

