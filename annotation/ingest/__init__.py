"""Ingest: corpus files → `Article` records (readers, manifest, normalisation) → `Sentence` records.

Modules: ``problems`` (IngestError, Problem), ``normalise`` (text and dates, page furniture),
``readers`` (files → records), ``manifest`` (articles.yaml), ``articles`` (the record, ingestion,
the report and table), ``segment`` (sentence splitting) with its ``word_lists``.

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.ingest.articles import (
    ID_COLUMNS,
    Article,
    IngestReport,
    articles_table,
    ingest_sources,
    iter_articles,
    load_articles,
)
from annotation.ingest.manifest import Manifest, ManifestEntry, load_manifest
from annotation.ingest.normalise import (
    INVISIBLE_KEPT,
    INVISIBLE_REMOVED,
    MAX_COMBINING,
    NORMALISATION,
    NORMALISATION_STEPS,
    PAGE_FURNITURE,
    normalise_date,
    normalise_text,
)
from annotation.ingest.problems import IngestError, Problem, ProblemKind
from annotation.ingest.readers import MAX_BYTES, Record, iter_records, parse_seed_text
from annotation.ingest.segment import (
    HasText,
    Sentence,
    sentence_spans,
    split_sentences,
)

__all__ = [
    "Article",
    "INVISIBLE_KEPT",
    "INVISIBLE_REMOVED",
    "IngestError",
    "IngestReport",
    "ID_COLUMNS",
    "MAX_BYTES",
    "MAX_COMBINING",
    "Manifest",
    "ManifestEntry",
    "NORMALISATION",
    "NORMALISATION_STEPS",
    "Problem",
    "ProblemKind",
    "Record",
    "normalise_text",
    "normalise_date",
    "parse_seed_text",
    "load_manifest",
    "iter_records",
    "iter_articles",
    "ingest_sources",
    "load_articles",
    "articles_table",
    "PAGE_FURNITURE",
    "HasText",
    "Sentence",
    "sentence_spans",
    "split_sentences",
]
