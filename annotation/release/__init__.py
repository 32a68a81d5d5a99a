"""The release: aggregated and raw tables → a Hugging Face dataset folder with its card and datasheet.

One job per module, in the order of the build:

- ``changelog``: the released versions (``read_changelog``) and the entry of the one being built;
- ``splits``: the split of every article, hash-based when new, frozen in a committed manifest;
- ``texts``: the source-text columns (tokens cut from the texts, the sha256 of an article's text,
  text columns filled in or left null when the texts may not be redistributed);
- ``tables``: votes → the ``sentences``/``annotations``/``articles`` Arrow tables and their features;
- ``quality``: Dawid–Skene on the stance votes: per-annotator confusion and accuracy, the DS label;
- ``suggestions``: what annotators did with the pre-filled spans and stance, and the span suggestions' precision/recall;
- ``stats``: ``stats.json``, agreement included, and its Markdown section;
- ``card``: the dataset card through ``huggingface_hub``'s ``DatasetCard``/``DatasetCardData``;
- ``datasheet``: DATASHEET.md with the generated statistics block;
- ``build``: the writer and ``build_release``;
- ``rehydrate``: a text-less release's texts rebuilt from the user's copy of the articles;
- ``load``: ``load_release`` and ``load_release_tables``, the one decoder of a release into frames;
- ``errors``: ``ReleaseError`` and ``MissingFileError``.

The public names of the package are the ``__all__`` of each submodule, re-exported here; a name a
submodule leaves out of its ``__all__`` is shared between the submodules only.
"""

from __future__ import annotations

from annotation.release.build import build_release
from annotation.release.card import CARD_TEMPLATE
from annotation.release.changelog import ChangelogEntry, read_changelog
from annotation.release.datasheet import DATASHEET_TEMPLATE, STATS_BEGIN, STATS_END, update_datasheet
from annotation.release.errors import MissingFileError, ReleaseError
from annotation.release.load import ReleaseTables, check_release, load_release, load_release_tables, newest_release, texts_included
from annotation.release.quality import DS_REFERENCE
from annotation.release.rehydrate import Rehydration, rehydrate_release
from annotation.release.splits import SPLITS, assign_split, freeze_splits, read_split_manifest, write_split_manifest
from annotation.release.stats import MIN_ARTICLES
from annotation.release.suggestions import STANCE_SUGGESTION_DEFINITIONS, SUGGESTION_DEFINITIONS
from annotation.release.tables import SPAN_THRESHOLD, aggregate_votes, features_for
from annotation.release.texts import TEXT_COLUMNS

__all__ = [
    "SPLITS",
    "MIN_ARTICLES",
    "DS_REFERENCE",
    "SUGGESTION_DEFINITIONS",
    "STANCE_SUGGESTION_DEFINITIONS",
    "SPAN_THRESHOLD",
    "DATASHEET_TEMPLATE",
    "CARD_TEMPLATE",
    "TEXT_COLUMNS",
    "STATS_BEGIN",
    "STATS_END",
    "ReleaseError",
    "MissingFileError",
    "ChangelogEntry",
    "read_changelog",
    "assign_split",
    "read_split_manifest",
    "freeze_splits",
    "write_split_manifest",
    "aggregate_votes",
    "features_for",
    "build_release",
    "Rehydration",
    "rehydrate_release",
    "update_datasheet",
    "load_release",
    "check_release",
    "newest_release",
    "texts_included",
    "ReleaseTables",
    "load_release_tables",
]
