"""The release: aggregated and raw tables → a Hugging Face dataset folder with its card and datasheet.

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.release.tables import (
    CARD_TEMPLATE,
    DATASHEET_TEMPLATE,
    MIN_ARTICLES,
    SPLITS,
    STATS_BEGIN,
    STATS_END,
    TEXT_COLUMNS,
    ChangelogEntry,
    Rehydration,
    aggregate_votes,
    assign_split,
    build_release,
    features_for,
    freeze_splits,
    load_release,
    read_changelog,
    read_split_manifest,
    rehydrate_release,
    update_datasheet,
    write_split_manifest,
)

__all__ = [
    "SPLITS",
    "MIN_ARTICLES",
    "DATASHEET_TEMPLATE",
    "CARD_TEMPLATE",
    "TEXT_COLUMNS",
    "STATS_BEGIN",
    "STATS_END",
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
]
