"""Aggregation and agreement: per-annotator votes → one label per task, agreement figures.

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.aggregate.agreement import (
    REPORT_COLUMNS,
    agreement_report,
    alpha_per_label,
    bootstrap_alpha,
    krippendorff_alpha,
    span_f1,
    token_alpha,
)
from annotation.aggregate.dawid_skene import (
    AGG_LABEL,
    DawidSkene,
    EncodedVotes,
    MajorityVote,
    TokenIndex,
    aggregate_spans,
    bio_tag_ids,
    bio_tags,
    check_span_votes,
    encode_votes,
    index_tokens,
    token_votes,
)

__all__ = [
    "AGG_LABEL",
    "EncodedVotes",
    "TokenIndex",
    "encode_votes",
    "MajorityVote",
    "DawidSkene",
    "index_tokens",
    "check_span_votes",
    "token_votes",
    "aggregate_spans",
    "bio_tags",
    "bio_tag_ids",
    "REPORT_COLUMNS",
    "krippendorff_alpha",
    "alpha_per_label",
    "bootstrap_alpha",
    "token_alpha",
    "span_f1",
    "agreement_report",
]
