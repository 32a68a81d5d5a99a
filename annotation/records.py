"""The records every stage passes on: the names of their columns and keys, and their validators.

One owner for each contract: the long tables' column names (crowd-kit's ``task``/``worker``/
``label``), the columns of each table an export becomes (``exports.Votes``), of the consensus spans
and token votes, of the articles a release reads and the sentences the baselines read; the keys of
a Label Studio task's ``data``; the task key and the sentence id. Other modules import these names
and never retype them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

from annotation.errors import AnnotationKeyError

__all__ = [
    "TASK",
    "WORKER",
    "LABEL",
    "VOTE_COLUMNS",
    "SPAN_VOTE_COLUMNS",
    "TASK_COLUMNS",
    "ANNOTATION_COLUMNS",
    "SPAN_RECORD_COLUMNS",
    "INTEGRITY_COLUMNS",
    "SUGGESTION_COLUMNS",
    "STANCE_SUGGESTION_COLUMNS",
    "GOLD_COLUMNS",
    "GOLD_SPAN_COLUMNS",
    "GOLD_ACCURACY_COLUMNS",
    "OUTCOME_COLUMNS",
    "STANCE_OUTCOME_COLUMNS",
    "OUTCOMES",
    "SPAN_COLUMNS",
    "TOKEN_VOTE_COLUMNS",
    "ARTICLE_COLUMNS",
    "SENTENCE_COLUMNS",
    "CONTEXT_FIELDS",
    "TASK_DATA_KEYS",
    "MissingColumnsError",
    "check_columns",
    "check_labels",
    "task_key",
    "sentence_id",
    "sentence_index",
]

# Long-table column names (crowd-kit's convention); `task` holds our task key, never an LS id.
TASK = "task"
WORKER = "worker"
LABEL = "label"
VOTE_COLUMNS = (TASK, WORKER, LABEL)
SPAN_VOTE_COLUMNS = (TASK, WORKER, "start", "end", "text", LABEL)

# The tables of an export (`exports.Votes`): one row per task, per annotation, per span vote, and
# per record dropped or flagged. Label Studio's own ids carry the `ls_` prefix; they never become keys
# and never reach a release.
TASK_COLUMNS = (TASK, "ls_task_id", "sentence_id", "article_id", "target", "text", "headline",
                "context_before", "context_after", "start", "end")
ANNOTATION_COLUMNS = (TASK, WORKER, LABEL, "ls_task_id", "ls_annotation_id", "created_at",
                      "updated_at", "lead_time_s", "ground_truth", "synthetic", "edited_by_other")
# `origin` is Label Studio's: "prediction" (a kept pre-annotation), "manual", or "prediction-changed".
SPAN_RECORD_COLUMNS = (*SPAN_VOTE_COLUMNS, "ls_annotation_id", "origin")
# `issue` is a key of exports.DROP_REASONS or FLAG_REASONS, `reason` names the record and what is
# wrong with it, `action` starts with "dropped" or "kept".
INTEGRITY_COLUMNS = (TASK, WORKER, "ls_task_id", "ls_annotation_id", "issue", "reason", "action")
# Suggestions (pre-annotations, Label Studio "predictions") shown to each kept annotation: one row
# per (task, annotator, suggested span); `model_version` names the prediction that made it (e.g.
# lexicon-v1). A suggested stance has a table of its own, one row per (task, annotator, prediction
# with a stance): `label` is the stance suggested, `score` the model's (NaN when it gave none).
SUGGESTION_COLUMNS = (TASK, WORKER, "start", "end", "text", LABEL, "ls_annotation_id", "model_version")
STANCE_SUGGESTION_COLUMNS = (TASK, WORKER, LABEL, "score", "ls_annotation_id", "model_version")
# Gold tasks: a task with a ground-truth annotation (Label Studio's `ground_truth` flag, set by the
# curator in the UI or by `annotation gold import`). Its labels are the gold, never a vote: one row
# per gold task, one per gold span.
GOLD_COLUMNS = (TASK, LABEL, "ls_task_id", "ls_annotation_id", "updated_at")
GOLD_SPAN_COLUMNS = (TASK, "start", "end", "text", LABEL, "ls_annotation_id")
# Each annotator's accuracy on the gold tasks they answered (`exports.gold_accuracy`): stance
# accuracy, and span precision/recall counts with exact-match F1 (start, end, label) and token F1.
GOLD_ACCURACY_COLUMNS = ("gold_tasks", "stance_correct", "stance_accuracy", "span_tp", "span_fp", "span_fn", "span_f1",
                         "token_f1")
# What the annotator did with each suggestion (`exports.suggestions`): `outcome` is one of OUTCOMES;
# beside a suggested stance, `submitted` is the annotator's own (a stance is never `rejected`).
OUTCOME_COLUMNS = (*SUGGESTION_COLUMNS, "outcome")
STANCE_OUTCOME_COLUMNS = (*STANCE_SUGGESTION_COLUMNS, "submitted", "outcome")
OUTCOMES = ("accepted", "changed", "rejected")

# Aggregated spans (one row per consensus span) and token-level span votes.
SPAN_COLUMNS = (TASK, "start", "end", "text", LABEL, "support", "n_annotators")
TOKEN_VOTE_COLUMNS = (TASK, WORKER, "token", "start", "end", LABEL, "tag")

# The columns of the interim articles table (`ingest.articles_table`) that a release reads.
ARTICLE_COLUMNS = ("article_id", "title", "published", "updated", "source", "url", "outlet", "text", "targets")

# The columns of a `sentences` table that the baselines read (a release's `sentences` config, or an
# external corpus through `annotation.external`).
SENTENCE_COLUMNS = ("sentence_id", "article_id", "target", "text", "stance", "spans", "split")

# Fields a task may show around the sentence; a schema's `context` picks some, in this order.
CONTEXT_FIELDS = ("headline", "target", "context_before", "context_after")

# Keys of a Label Studio task's `data`; the labeling config refers to the first five.
TASK_DATA_KEYS = (
    "text",
    "target",
    "headline",
    "context_before",
    "context_after",
    "task_key",
    "sentence_id",
    "article_id",
    "start",
    "end",
)


class MissingColumnsError(AnnotationKeyError):
    """A table lacks columns its record type requires (see ``check_columns``)."""


def check_columns(frame: Any, columns: tuple[str, ...], name: str) -> None:
    """Raise ``MissingColumnsError`` naming the missing columns of ``frame``.

    Raises:
        MissingColumnsError: A ``SchemaError`` and a ``KeyError``, so callers that catch either keep working.

    Examples:
        >>> import pandas as pd
        >>> check_columns(pd.DataFrame(columns=["task", "label"]), VOTE_COLUMNS, "votes")
        Traceback (most recent call last):
        ...
        annotation.records.MissingColumnsError: votes is missing column(s) ['worker']; expected task, worker, label
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnsError(f"{name} is missing column(s) {missing}; expected {', '.join(columns)}")


def check_labels(labels: Sequence[Hashable]) -> pd.Index:
    """Validate a ``labels=`` argument (label names in schema order).

    Args:
        labels: The label names, each once, in schema order.

    Returns:
        ``labels`` as an Index named ``label``.

    Raises:
        TypeError: ``labels`` is a string or not list-like.
        ValueError: ``labels`` is empty, has a missing value or repeats a label.

    Examples:
        >>> check_labels(["favor", "against"]).tolist()
        ['favor', 'against']
    """
    if isinstance(labels, (str, bytes)) or not pd.api.types.is_list_like(labels):
        raise TypeError(f"labels must be a sequence of label names in schema order, got {labels!r}")
    index = pd.Index(list(labels), name=LABEL)
    if index.empty:
        raise ValueError("labels is empty; pass the schema's label names in order")
    if index.hasnans:
        raise ValueError(f"labels={list(index)} contains a missing value; remove it")
    if index.has_duplicates:
        dups = list(index[index.duplicated()].unique())
        raise ValueError(f"labels has duplicate value(s) {dups}; list each label once")
    return index


def task_key(sentence_id: str, target: str) -> str:
    """The stable key of one annotation task: a sentence judged toward one target.

    Examples:
        >>> task_key("a1-0003", "Syrian opposition forces")
        'a1-0003|Syrian opposition forces'
    """
    return f"{sentence_id}|{target}"


def sentence_id(article_id: str, index: int) -> str:
    """The id of an article's ``index``-th sentence (0-based): ``f"{article_id}-{index:04d}"``.

    Examples:
        >>> sentence_id("9ea230396c6002b4", 3)
        '9ea230396c6002b4-0003'
    """
    return f"{article_id}-{index:04d}"


def sentence_index(sentence_ids: pd.Series) -> pd.Series:
    """The sentence indices packed into ``sentence_ids`` by ``sentence_id``; NaN where none is.

    Args:
        sentence_ids: Ids as ``sentence_id`` makes them (``"<article_id>-0003"``).

    Returns:
        A float Series aligned with ``sentence_ids``: the index, or NaN for an id that does not end
        in ``-<digits>``.

    Examples:
        >>> sentence_index(pd.Series(["a1-0003", "b-x-0012", "broken"])).tolist()
        [3.0, 12.0, nan]
    """
    return pd.to_numeric(sentence_ids.str.extract(r"-(\d+)$", expand=False), errors="coerce")
