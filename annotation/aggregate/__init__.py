"""Aggregation and agreement: per-annotator votes → one label per task, agreement figures.

One estimator per module on a shared base, as in crowd-kit: ``base`` (the checks on a votes
frame, its encoding, the scikit-learn skeleton), ``majority_vote``, ``dawid_skene``; then
``alpha`` (Krippendorff's alpha over votes) and ``agreement`` (token alpha, span F1, the
report). Spans, tokens and span voting live in ``annotation.spans``.

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.aggregate.agreement import REPORT_COLUMNS, agreement_report, span_f1, token_alpha
from annotation.aggregate.alpha import alpha_per_label, bootstrap_alpha, krippendorff_alpha
from annotation.aggregate.base import AGG_LABEL, AggregateError, BaseAggregator, EncodedVotes, encode_column, encode_votes
from annotation.aggregate.dawid_skene import DawidSkene
from annotation.aggregate.majority_vote import MajorityVote, TieBreak

__all__ = [
    "AGG_LABEL",
    "AggregateError",
    "EncodedVotes",
    "encode_votes",
    "encode_column",
    "BaseAggregator",
    "TieBreak",
    "MajorityVote",
    "DawidSkene",
    "krippendorff_alpha",
    "alpha_per_label",
    "bootstrap_alpha",
    "REPORT_COLUMNS",
    "token_alpha",
    "span_f1",
    "agreement_report",
]
