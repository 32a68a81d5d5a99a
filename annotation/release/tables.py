"""Votes → the release's Arrow tables: the ``sentences``, ``annotations`` and ``articles`` configs
and their typed ``datasets.Features``.

The tables are built as Arrow arrays from flat numpy arrays, not row by row, and every sentence is
tokenised once (``spans.index_tokens``) for span aggregation, BIO tags, token alpha and the
``tokens`` column; ``bench/build.py`` builds 100k rows. Rows come in a fixed order (split, article,
sentence, target, annotator), so that the same votes give the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import datasets
import numpy as np
import pandas as pd
import pyarrow as pa

from annotation.aggregate import DawidSkene, MajorityVote, encode_votes
from annotation.exports import Votes
from annotation.records import ANNOTATION_COLUMNS, LABEL, SPAN_VOTE_COLUMNS, TASK, TASK_COLUMNS, WORKER, check_columns, sentence_index
from annotation.release.errors import ReleaseError
from annotation.release.quality import fit_dawid_skene
from annotation.release.texts import IntArray, list_array, text_sha256, token_strings
from annotation.schema import Schema
from annotation.spans import TokenIndex, aggregate_spans, bio_tag_ids, index_tokens

__all__ = ["SPAN_THRESHOLD", "features_for", "aggregate_votes"]

SPAN_THRESHOLD = 0.5
"""Minimum token support (share of a task's annotators) for an aggregated span."""


def features_for(schema: Schema) -> dict[str, datasets.Features]:
    """The typed ``datasets.Features`` of each config, with label names from the schema.

    The same whether or not the release carries its texts: the columns of ``TEXT_COLUMNS`` are
    null in a release without them.
    """
    stance = datasets.ClassLabel(names=schema.stance_names)
    span_label = datasets.ClassLabel(names=schema.span_names)
    span = {"start": datasets.Value("int32"), "end": datasets.Value("int32"), "text": datasets.Value("string"), "label": span_label}
    string = datasets.Value("string")
    return {
        "sentences": datasets.Features(
            {
                "task_key": string, "sentence_id": string, "article_id": string, "index": datasets.Value("int32"),
                "start": datasets.Value("int32"), "end": datasets.Value("int32"),
                "target": string, "text": string, "headline": string, "context_before": string, "context_after": string,
                "stance": stance, "stance_confidence": datasets.Value("float32"),
                "stance_dawid_skene": stance, "stance_dawid_skene_posterior": datasets.Value("float32"),
                "stance_votes": datasets.List(datasets.Value("int32")),
                "n_annotators": datasets.Value("int32"), "tie": datasets.Value("bool"),
                "adjudicated": datasets.Value("bool"),
                "spans": datasets.List({**span, "support": datasets.Value("float32"), "n_annotators": datasets.Value("int32")}),
                "gold": datasets.Value("bool"), "gold_stance": stance, "gold_spans": datasets.List(span),
                "tokens": datasets.List(string),
                "bio_tags": datasets.List(datasets.ClassLabel(names=schema.bio_names)),
                "synthetic": datasets.Value("bool"),
            }
        ),
        "annotations": datasets.Features(
            {
                "task_key": string, "sentence_id": string, "article_id": string, "target": string,
                "annotator": string, "stance": stance, "spans": datasets.List(span),
                "lead_time_s": datasets.Value("float32"), "created_at": string,
                "annotation_id": datasets.Value("int64"), "synthetic": datasets.Value("bool"),
            }
        ),
        "articles": datasets.Features(
            {
                "article_id": string, "title": string, "published": string, "updated": string,
                "source": string, "url": string, "outlet": string, "text": string, "text_sha256": string,
                "targets": datasets.List(string), "n_sentences": datasets.Value("int32"),
            }
        ),
    }


_TASK_COLUMNS = tuple(column for column in TASK_COLUMNS if not column.startswith("ls_"))  # Label Studio ids never reach a release


@dataclass(frozen=True)
class VoteKeys:
    """Integer keys of validated long tables."""

    annotation_task: IntArray  # the row of votes.tasks of each annotation
    span_annotation: IntArray  # the row of votes.annotations of each span


def check_votes(votes: Votes) -> VoteKeys:
    """Reject long tables that ``exports.to_votes`` would never produce, naming what is wrong."""
    check_columns(votes.tasks, _TASK_COLUMNS, "votes.tasks")
    check_columns(votes.annotations, ANNOTATION_COLUMNS, "votes.annotations")
    check_columns(votes.spans, (*SPAN_VOTE_COLUMNS, "ls_annotation_id"), "votes.spans")
    tasks, annotations, spans = votes.tasks, votes.annotations, votes.spans
    if annotations.empty:
        raise ReleaseError(
            "no annotations to aggregate: the export has no submitted annotation with a stance "
            f"({len(tasks)} task(s); dropped by the export policies: {votes.dropped or 'nothing'})"
        )
    if tasks[TASK].duplicated().any():
        raise ReleaseError(f"votes.tasks lists task(s) {sorted(tasks.loc[tasks[TASK].duplicated(), TASK])[:5]} twice")
    no_label = annotations[LABEL].isna()
    if no_label.any():
        first = annotations.loc[no_label, [TASK, WORKER]].iloc[0].tolist()
        raise ReleaseError(
            f"votes.annotations has {int(no_label.sum())} annotation(s) without a stance label (NaN), e.g. "
            f"task {first[0]!r} by {first[1]!r}; exports.to_votes drops those and counts them in "
            "dropped['without_stance']: drop them, or rebuild the tables with to_votes"
        )
    missing = annotations[[TASK, WORKER, "ls_annotation_id"]].isna().any(axis=1)
    if missing.any():
        raise ReleaseError(
            f"votes.annotations has {int(missing.sum())} row(s) without a task, worker or ls_annotation_id, "
            f"first at index {annotations.index[missing.to_numpy()][0]!r}"
        )
    annotation_task = pd.Index(tasks[TASK]).get_indexer(annotations[TASK])
    if (annotation_task < 0).any():
        unknown = list(pd.unique(annotations[TASK][annotation_task < 0]))
        raise ReleaseError(
            f"votes.annotations has {int((annotation_task < 0).sum())} vote(s) on {len(unknown)} task(s) missing "
            f"from votes.tasks, e.g. {unknown[:5]}; the tables must come from one export: rebuild them with exports.to_votes"
        )
    worker = pd.factorize(pd.concat([annotations[WORKER], spans[WORKER]], ignore_index=True))[0]
    annotation_worker, span_worker = worker[: len(annotations)], worker[len(annotations) :]
    twice = pd.DataFrame({"task": annotation_task, "worker": annotation_worker}).duplicated().to_numpy()
    if twice.any():
        first = annotations.loc[twice, [TASK, WORKER]].iloc[0].tolist()
        raise ReleaseError(
            f"votes.annotations has {int(twice.sum())} repeated (task, worker) pair(s), e.g. {first}; "
            "exports.to_votes keeps each annotator's latest annotation of a task: keep one"
        )
    if annotations["ls_annotation_id"].duplicated().any():
        ids = annotations.loc[annotations["ls_annotation_id"].duplicated(), "ls_annotation_id"].tolist()
        raise ReleaseError(f"votes.annotations repeats ls_annotation_id {ids[:5]}; each annotation has its own id")
    span_annotation = pd.Index(annotations["ls_annotation_id"]).get_indexer(spans["ls_annotation_id"])
    owner = np.where(span_annotation >= 0, span_annotation, 0)
    orphan = (
        (span_annotation < 0)
        | (annotation_task[owner] != pd.Index(tasks[TASK]).get_indexer(spans[TASK]))
        | (annotation_worker[owner] != span_worker)
    )
    if orphan.any():
        first = spans.loc[orphan, [TASK, WORKER]].iloc[0].tolist()
        raise ReleaseError(
            f"votes.spans has {int(orphan.sum())} span(s) that belong to no stance annotation (none with the "
            f"same ls_annotation_id, task and worker), e.g. task {first[0]!r} by {first[1]!r}. A task's "
            "annotators are those who gave a stance, and exports.to_votes drops the spans of annotations "
            "without one: drop these spans, or rebuild the tables with to_votes"
        )
    return VoteKeys(annotation_task=annotation_task.astype(np.intp), span_annotation=span_annotation.astype(np.intp))


def _text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous ``string`` array (pandas gives ``large_string``)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return array.cast(pa.string())


@dataclass(frozen=True)
class Aggregated:
    """The ``sentences`` config as Arrow columns (labels as ClassLabel ids) in release row order."""

    columns: dict[str, pa.Array]
    rows: IntArray  # the row of votes.tasks of each sentence row
    stance_votes: pd.DataFrame  # task, worker, label: the votes both aggregations read
    dawid_skene: DawidSkene  # fitted on stance_votes
    tokens: TokenIndex  # the sentence rows' texts, tokenised
    spans: pd.DataFrame  # the consensus spans (schema.SPAN_COLUMNS)


def aggregate_sentences(votes: Votes, keys: VoteKeys, schema: Schema, span_threshold: float, split_rank: pd.Series | None,
               adjudications: Mapping[str, str] | None = None) -> Aggregated:
    """Aggregate; rows sorted by split (``split_rank``: article_id -> rank), article, sentence, target.

    An adjudicated label (task key -> stance, from the review queue) replaces the majority vote.
    Dawid–Skene (``stance_dawid_skene`` and its posterior) is fitted on the same votes and comes
    from the votes alone: an adjudication does not change it. A gold task's row keeps its votes and
    their aggregate, and carries the curator's gold (``gold``, ``gold_stance``, ``gold_spans``;
    null and empty on the other rows).
    """
    tasks = votes.tasks
    stance_votes = pd.DataFrame({
        TASK: pd.Categorical.from_codes(keys.annotation_task, categories=pd.Index(tasks[TASK])),
        WORKER: votes.annotations[WORKER].array,
        LABEL: votes.annotations[LABEL].array,
    })
    model = MajorityVote(tie_break="first", labels=schema.stance_names).fit(stance_votes)
    dawid_skene = fit_dawid_skene(stance_votes, schema)
    encoded = encode_votes(stance_votes, schema.stance_names)  # tasks in votes.tasks order, as model.labels_
    used = np.flatnonzero(np.bincount(keys.annotation_task, minlength=len(tasks)))
    info = pa.Table.from_pandas(tasks[list(_TASK_COLUMNS)].iloc[used], preserve_index=False)
    index = sentence_index(tasks["sentence_id"].iloc[used]).to_numpy()
    if np.isnan(index).any():
        bad = tasks["sentence_id"].iloc[used[np.isnan(index)]].tolist()
        raise ReleaseError(f"sentence_id(s) {bad[:5]} do not end in '-<index>' (as '<article_id>-0003')")
    article = tasks["article_id"].iloc[used].reset_index(drop=True)
    order = pd.DataFrame({
        "split": 0 if split_rank is None else article.map(split_rank),
        "article_id": article, "index": index, "target": tasks["target"].iloc[used].reset_index(drop=True),
    }).sort_values(["split", "article_id", "index", "target"]).index.to_numpy()
    info = info.take(pa.array(order))
    task_keys = info[TASK].to_pylist()
    tokens = index_tokens(dict(zip(task_keys, info["text"].to_pylist())))

    counts = encoded.counts()[order]
    n_annotators = counts.sum(axis=1)
    decided = pd.Series(adjudications or {}, dtype=object)
    unknown = sorted(set(decided.index) - set(task_keys))
    if unknown:
        raise ReleaseError(f"adjudications for task(s) {unknown[:5]} that have no annotations in this export")
    adjudicated = pd.Index(task_keys).isin(decided.index)
    majority = pd.Series(model.labels_.to_numpy()[order], index=task_keys)
    final = majority.where(~adjudicated, decided.reindex(task_keys).to_numpy())
    code = pd.Index(schema.stance_names).get_indexer(final.to_numpy())
    if (code < 0).any():
        raise ReleaseError(f"adjudicated label(s) {sorted(set(final[code < 0]))} are not in {schema.stance_names}")
    ds_probas = dawid_skene.probas_.to_numpy()[dawid_skene.probas_.index.get_indexer(task_keys)]
    ds_code = ds_probas.argmax(axis=1)  # the earlier label in schema order on a tie, as labels_
    synthetic = np.bincount(encoded.task_codes, weights=votes.annotations["synthetic"].to_numpy(dtype=float), minlength=len(used))
    spans = aggregate_spans(
        votes.spans[list(SPAN_VOTE_COLUMNS)], tokens, dict(zip(task_keys, n_annotators.tolist())),
        labels=schema.span_names, threshold=span_threshold,
    )
    row_of_span = tokens.tasks.get_indexer(spans[TASK])
    span_order = np.lexsort((spans["start"].to_numpy(), row_of_span))
    spans, row_of_span = spans.iloc[span_order].reset_index(drop=True), row_of_span[span_order]
    span_structs = pa.StructArray.from_arrays(
        [
            pa.array(spans["start"].to_numpy(np.int32)), pa.array(spans["end"].to_numpy(np.int32)),
            pa.array(spans["text"].to_numpy(), type=pa.string()),
            pa.array(pd.Index(schema.span_names).get_indexer(spans[LABEL]).astype(np.int64)),
            pa.array(spans["support"].to_numpy(np.float32)), pa.array(spans["n_annotators"].to_numpy(np.int32)),
        ],
        names=["start", "end", "text", "label", "support", "n_annotators"],
    )
    n_tokens = np.diff(tokens.offsets)
    gold, gold_spans = _gold_columns(votes, task_keys, schema)
    gold_code = pd.Index(schema.stance_names).get_indexer(gold.fillna(""))  # -1: no gold task
    columns = {
        "task_key": _text(info[TASK]),
        "sentence_id": _text(info["sentence_id"]),
        "article_id": _text(info["article_id"]),
        "index": pa.array(index[order].astype(np.int32)),
        **{name: info[name].combine_chunks().cast(pa.int32()) for name in ("start", "end")},
        **{name: _text(info[name]) for name in ("target", "text", "headline", "context_before", "context_after")},
        "stance": pa.array(code.astype(np.int64)),
        "stance_confidence": pa.array((counts[np.arange(len(code)), code] / n_annotators).astype(np.float32)),
        "stance_dawid_skene": pa.array(ds_code.astype(np.int64)),
        "stance_dawid_skene_posterior": pa.array(ds_probas[np.arange(len(ds_code)), ds_code].astype(np.float32)),
        "stance_votes": list_array(np.full(len(code), counts.shape[1]), pa.array(counts.ravel().astype(np.int32))),
        "n_annotators": pa.array(n_annotators.astype(np.int32)),
        "tie": pa.array(encoded.tasks.isin(model.ties_)[order]),
        "adjudicated": pa.array(adjudicated),
        "spans": list_array(np.bincount(row_of_span, minlength=len(code)), span_structs),
        "gold": pa.array(gold.notna().to_numpy()),
        "gold_stance": pa.array(gold_code.astype(np.int64), mask=gold_code < 0),
        "gold_spans": gold_spans,
        "tokens": list_array(n_tokens, token_strings(_text(info["text"]), tokens)),
        "bio_tags": list_array(n_tokens, pa.array(bio_tag_ids(spans, tokens, labels=schema.span_names).astype(np.int64))),
        "synthetic": pa.array(synthetic[order] > 0),
    }
    return Aggregated(columns=columns, rows=used[order], stance_votes=stance_votes, dawid_skene=dawid_skene,
                      tokens=tokens, spans=spans)


def _gold_columns(votes: Votes, task_keys: list[str], schema: Schema) -> tuple[pd.Series, pa.Array]:
    """The gold stance of each row (None when the row is no gold task) and its gold spans."""
    gold = votes.gold.drop_duplicates(TASK).set_index(TASK)[LABEL].reindex(task_keys)
    spans = votes.gold_spans
    row = pd.Index(task_keys).get_indexer(spans[TASK])
    spans, row = spans[row >= 0], row[row >= 0]
    order = np.lexsort((spans["end"].to_numpy(), spans["start"].to_numpy(), row))
    spans, row = spans.iloc[order], row[order]
    structs = pa.StructArray.from_arrays(
        [
            pa.array(spans["start"].to_numpy(np.int32)), pa.array(spans["end"].to_numpy(np.int32)),
            pa.array(spans["text"].to_numpy(dtype=object), type=pa.string()),
            pa.array(pd.Index(schema.span_names).get_indexer(spans[LABEL]).astype(np.int64)),
        ],
        names=["start", "end", "text", "label"],
    )
    return gold, list_array(np.bincount(row, minlength=len(task_keys)), structs)


def _label_names(array: pa.Array, feature: Any) -> pa.Array:
    """``array`` with every ClassLabel id of ``feature`` replaced by its name."""
    if isinstance(feature, datasets.ClassLabel):
        return pa.array(feature.names).take(array)
    if isinstance(feature, datasets.List):
        return pa.ListArray.from_arrays(array.offsets, _label_names(array.values, feature.feature))
    if isinstance(feature, dict):
        return pa.StructArray.from_arrays([_label_names(array.field(name), sub) for name, sub in feature.items()], names=list(feature))
    return array


def aggregate_votes(votes: Votes, schema: Schema, *, span_threshold: float = SPAN_THRESHOLD) -> pd.DataFrame:
    """One row per annotated task: majority stance (ties broken by schema order), the Dawid–Skene
    stance and its posterior, spans, BIO tags.

    Tasks without any annotation are left out; ``tie`` marks tasks whose stance was a tie. The
    annotators of a task are those who gave it a stance: ``n_annotators`` counts them, and span
    support is a share of them.

    Args:
        votes: Long tables from ``exports.to_votes``.
        schema: The annotation scheme (label names in id order).
        span_threshold: Minimum token support for aggregated spans.

    Returns:
        The ``sentences`` config's columns (labels as names, nested columns Arrow-backed), rows
        sorted by article, sentence index and target.

    Raises:
        KeyError: A table lacks a column.
        ReleaseError: No annotation (an empty export); an annotation without a stance label, on a
            task missing from ``votes.tasks``, or repeated; a span that belongs to no stance annotation.
        ValueError: A label outside the schema (``aggregate.encode_votes``).
    """
    columns = aggregate_sentences(votes, check_votes(votes), schema, span_threshold, None).columns
    features = features_for(schema)["sentences"]
    return pa.table({name: _label_names(columns[name], feature) for name, feature in features.items()}).to_pandas(
        types_mapper=pd.ArrowDtype
    )


def annotation_columns(votes: Votes, keys: VoteKeys, schema: Schema, sentence_rows: IntArray) -> dict[str, pa.Array]:
    """The ``annotations`` config as Arrow columns (labels as ClassLabel ids), in the order of the
    sentence rows, then by annotator."""
    annotations, spans = votes.annotations, votes.spans
    rank = np.full(len(votes.tasks), -1)
    rank[sentence_rows] = np.arange(len(sentence_rows))
    order = np.lexsort((pd.factorize(annotations[WORKER], sort=True)[0], rank[keys.annotation_task]))
    info = pa.Table.from_pandas(votes.tasks[[TASK, "sentence_id", "article_id", "target"]], preserve_index=False)
    info = info.take(pa.array(keys.annotation_task[order]))
    position = np.empty(len(order), dtype=np.intp)
    position[order] = np.arange(len(order))
    span_row = position[keys.span_annotation]
    span_order = np.lexsort((spans["end"].to_numpy(), spans["start"].to_numpy(), span_row))
    picked = spans.iloc[span_order]
    span_structs = pa.StructArray.from_arrays(
        [
            pa.array(picked["start"].to_numpy(np.int32)), pa.array(picked["end"].to_numpy(np.int32)),
            _text(pa.array(picked["text"], from_pandas=True)),
            pa.array(pd.Index(schema.span_names).get_indexer(picked[LABEL]).astype(np.int64)),
        ],
        names=["start", "end", "text", "label"],
    )
    lead_time = pd.to_numeric(annotations["lead_time_s"], errors="coerce").to_numpy(dtype=np.float32)[order]
    return {
        "task_key": _text(info[TASK]),
        **{name: _text(info[name]) for name in ("sentence_id", "article_id", "target")},
        "annotator": _text(pa.array(annotations[WORKER], from_pandas=True)).take(pa.array(order)),
        "stance": pa.array(pd.Index(schema.stance_names).get_indexer(annotations[LABEL])[order].astype(np.int64)),
        "spans": list_array(np.bincount(span_row, minlength=len(order)), span_structs),
        "lead_time_s": pa.array(lead_time, from_pandas=True),
        "created_at": _text(pa.array(annotations["created_at"], from_pandas=True)).take(pa.array(order)),
        "annotation_id": pa.array(annotations["ls_annotation_id"].to_numpy(np.int64)[order]),
        "synthetic": pa.array(annotations["synthetic"].to_numpy(bool)[order]),
    }


def article_columns(articles: pd.DataFrame, tasks: pd.DataFrame, split_rank: pd.Series) -> dict[str, pa.Array]:
    """The ``articles`` config as Arrow columns, sorted by split, then article id; a field that was
    not recorded (None or NaN) stays null."""
    n_sentences = tasks.groupby("article_id")["sentence_id"].nunique()
    frame = articles.assign(_split=articles["article_id"].map(split_rank)).sort_values(["_split", "article_id"])
    columns = {
        name: pa.array(frame[name].to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        for name in ("article_id", "title", "published", "updated", "source", "url", "outlet", "text")
    }
    columns["text_sha256"] = pa.array([text_sha256(text) for text in frame["text"]], type=pa.string())
    columns["targets"] = pa.array([list(targets) for targets in frame["targets"]], type=pa.list_(pa.string()))
    columns["n_sentences"] = pa.array(frame["article_id"].map(n_sentences).fillna(0).to_numpy(np.int32))
    return columns


def to_table(columns: Mapping[str, pa.Array], features: datasets.Features) -> pa.Table:
    """One config as a table with the features' Arrow schema, one chunk per column (so that the
    bytes written do not depend on how Arrow chunked)."""
    return pa.Table.from_arrays([columns[name] for name in features], schema=features.arrow_schema).combine_chunks()
