"""Build the Hugging Face release: aggregated, raw and article configs as parquet plus a dataset card.

Layout of ``dist/<name>-<version>/``::

    README.md                      dataset card (YAML: configs, features, licence, ...)
    sentences/{train,validation,test}.parquet     (only the non-empty splits)
    annotations/{train,validation,test}.parquet
    articles/{train,validation,test}.parquet
    stats.json                     generated statistics (counts, label distribution, agreement)
    SHA256SUMS                     checksum of every other file

Splits are assigned per article from a hash of its id, so the sentences of one article never
straddle splits. A split may be empty (the one-article demo puts everything in one split); the
card says so. The release is written to a temp directory and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pandas as pd
import yaml

from annotation.aggregate import MajorityVote, aggregate_spans, bio_tags
from annotation.agreement import bootstrap_alpha, krippendorff_alpha
from annotation.exports import Votes
from annotation.schema import LABEL, TASK, WORKER, Schema

__all__ = [
    "DATASET_NAME",
    "DATASET_VERSION",
    "SPLITS",
    "assign_split",
    "aggregate_votes",
    "features_for",
    "build_release",
    "load_release",
]

DATASET_NAME = "loaded-stance-news"
DATASET_VERSION = "0.1.0"
SPLITS = ("train", "validation", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SPAN_THRESHOLD = 0.5


def assign_split(article_id: str) -> str:
    """Deterministic split of an article from the sha256 of its id (80/10/10).

    Examples:
        >>> assign_split("9ea230396c6002b4") in SPLITS
        True
    """
    value = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8], 16) / 0x100000000
    cumulative = np.cumsum(SPLIT_FRACTIONS)
    return SPLITS[int(np.searchsorted(cumulative, value, side="right"))]


def features_for(schema: Schema) -> dict[str, datasets.Features]:
    """The typed ``datasets.Features`` of each config, with label names from the schema."""
    stance = datasets.ClassLabel(names=schema.stance_names)
    span_label = datasets.ClassLabel(names=schema.span_names)
    span = {"start": datasets.Value("int32"), "end": datasets.Value("int32"), "text": datasets.Value("string"), "label": span_label}
    string = datasets.Value("string")
    return {
        "sentences": datasets.Features(
            {
                "task_key": string, "sentence_id": string, "article_id": string, "index": datasets.Value("int32"),
                "target": string, "text": string, "headline": string, "context_before": string, "context_after": string,
                "stance": stance, "stance_confidence": datasets.Value("float32"),
                "stance_votes": datasets.List(datasets.Value("int32")),
                "n_annotators": datasets.Value("int32"), "tie": datasets.Value("bool"),
                "spans": datasets.List({**span, "support": datasets.Value("float32"), "n_annotators": datasets.Value("int32")}),
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
                "source": string, "url": string, "outlet": string, "text": string,
                "targets": datasets.List(string), "n_sentences": datasets.Value("int32"),
            }
        ),
    }


def _sentence_index(sentence_id: str) -> int:
    return int(sentence_id.rsplit("-", 1)[1])


def aggregate_votes(votes: Votes, schema: Schema, *, span_threshold: float = SPAN_THRESHOLD) -> pd.DataFrame:
    """One row per annotated task: majority stance (ties broken by schema order), spans, BIO tags.

    Tasks without any annotation are left out; ``tie`` marks tasks whose stance was a tie.
    """
    annotations = votes.annotations
    if annotations.empty:
        raise ValueError("no annotations to aggregate: the export has no submitted annotation with a stance")
    model = MajorityVote(tie_break="first", labels=schema.stance_names).fit(annotations[[TASK, WORKER, LABEL]])
    counts = (
        annotations.groupby([TASK, LABEL]).size().unstack(fill_value=0)
        .reindex(columns=schema.stance_names, fill_value=0)
    )
    n_annotators = annotations.groupby(TASK)[WORKER].nunique()
    tasks = votes.tasks.set_index(TASK).loc[model.labels_.index]
    texts = tasks["text"].to_dict()
    spans = aggregate_spans(
        votes.spans[[TASK, WORKER, "start", "end", "text", LABEL]],
        texts,
        n_annotators.to_dict(),
        labels=schema.span_names,
        threshold=span_threshold,
    )
    spans_by_task: dict[str, list[dict[str, Any]]] = {}
    for row in spans.itertuples(index=False):
        spans_by_task.setdefault(row.task, []).append(
            {"start": int(row.start), "end": int(row.end), "text": row.text, "label": row.label,
             "support": float(row.support), "n_annotators": int(row.n_annotators)}
        )
    synthetic = annotations.groupby(TASK)["synthetic"].any()
    ties = set(getattr(model, "ties_", []))
    rows = []
    for task, label in model.labels_.items():
        info = tasks.loc[task]
        task_spans = spans_by_task.get(task, [])
        tokens, tags = bio_tags(info["text"], [(s["start"], s["end"], s["label"]) for s in task_spans], schema.span_names)
        rows.append(
            {
                "task_key": task, "sentence_id": info["sentence_id"], "article_id": info["article_id"],
                "index": _sentence_index(info["sentence_id"]), "target": info["target"], "text": info["text"],
                "headline": info["headline"], "context_before": info["context_before"],
                "context_after": info["context_after"], "stance": label,
                "stance_confidence": float(model.probas_.loc[task, label]),
                "stance_votes": [int(c) for c in counts.loc[task]], "n_annotators": int(n_annotators[task]),
                "tie": task in ties, "spans": task_spans, "tokens": tokens, "bio_tags": tags,
                "synthetic": bool(synthetic[task]),
            }
        )
    return pd.DataFrame(rows).sort_values(["article_id", "index", "target"], ignore_index=True)


def _annotation_rows(votes: Votes) -> pd.DataFrame:
    tasks = votes.tasks.set_index(TASK)
    spans = {
        key: [{"start": int(r.start), "end": int(r.end), "text": r.text, "label": r.label} for r in group.itertuples(index=False)]
        for key, group in votes.spans.groupby("ls_annotation_id")
    }
    frame = pd.DataFrame(
        {
            "task_key": votes.annotations[TASK],
            "sentence_id": votes.annotations[TASK].map(tasks["sentence_id"]),
            "article_id": votes.annotations[TASK].map(tasks["article_id"]),
            "target": votes.annotations[TASK].map(tasks["target"]),
            "annotator": votes.annotations[WORKER],
            "stance": votes.annotations[LABEL],
            "spans": [spans.get(i, []) for i in votes.annotations["ls_annotation_id"]],
            "lead_time_s": votes.annotations["lead_time_s"].astype("float64"),
            "created_at": votes.annotations["created_at"].astype("string"),
            "annotation_id": votes.annotations["ls_annotation_id"].astype("int64"),
            "synthetic": votes.annotations["synthetic"].astype(bool),
        }
    )
    return frame.sort_values(["article_id", "sentence_id", "target", "annotator"], ignore_index=True)


def _label_counts(frame: pd.DataFrame, names: Sequence[str]) -> dict[str, int]:
    counts = frame["stance"].value_counts() if len(frame) else pd.Series(dtype=int)
    return {name: int(counts.get(name, 0)) for name in names}


def _stats(sentences: pd.DataFrame, annotations: pd.DataFrame, articles: pd.DataFrame, votes: Votes, schema: Schema) -> dict[str, Any]:
    stance_votes = votes.annotations[[TASK, WORKER, LABEL]]
    alpha = krippendorff_alpha(stance_votes, labels=schema.stance_names)
    low, high = bootstrap_alpha(stance_votes, labels=schema.stance_names, n_boot=1000, random_state=0)
    per_split = {
        split: {
            "articles": int((articles["split"] == split).sum()),
            "sentences": int(sentences.loc[sentences["split"] == split, "sentence_id"].nunique()),
            "tasks": int((sentences["split"] == split).sum()),
            "annotations": int((annotations["split"] == split).sum()),
        }
        for split in SPLITS
    }
    span_counts = pd.Series([s["label"] for spans in sentences["spans"] for s in spans], dtype="object").value_counts()
    return {
        "name": DATASET_NAME,
        "version": DATASET_VERSION,
        "schema": {"name": schema.name, "version": schema.version},
        "articles": len(articles),
        "sentences": int(sentences["sentence_id"].nunique()),
        "tasks": len(sentences),
        "annotations": len(annotations),
        "annotators": int(annotations["annotator"].nunique()),
        "synthetic": bool(annotations["synthetic"].all()) if len(annotations) else False,
        "synthetic_annotations": int(annotations["synthetic"].sum()),
        "dropped": votes.dropped,
        "splits": per_split,
        "empty_splits": [split for split, counts in per_split.items() if counts["tasks"] == 0],
        "stance_distribution": _label_counts(sentences, schema.stance_names),
        "stance_ties": int(sentences["tie"].sum()),
        "span_distribution": {name: int(span_counts.get(name, 0)) for name in schema.span_names},
        "agreement": {
            "stance_krippendorff_alpha_nominal": None if np.isnan(alpha) else round(float(alpha), 4),
            "stance_alpha_95ci_bootstrap": [None if np.isnan(v) else round(float(v), 4) for v in (low, high)],
        },
        "library_versions": {"datasets": datasets.__version__, "pandas": pd.__version__},
    }


def _card(stats: dict[str, Any], features: dict[str, datasets.Features], written: dict[str, list[str]], schema: Schema) -> str:
    configs = [
        {
            "config_name": name,
            **({"default": True} if name == "sentences" else {}),
            "data_files": [{"split": split, "path": f"{name}/{split}.parquet"} for split in written[name]],
        }
        for name in features
    ]
    dataset_info = [
        {"config_name": name, "features": datasets.DatasetInfo(features=feats)._to_yaml_dict()["features"]}
        for name, feats in features.items()
    ]
    n = stats["tasks"]
    size = "n<1K" if n < 1000 else "1K<n<10K" if n < 10_000 else "10K<n<100K" if n < 100_000 else "100K<n<1M"
    header = {
        "license": "cc-by-4.0",
        "language": ["en"],
        "pretty_name": "Stance and loaded language in news sentences",
        "annotations_creators": ["machine-generated"] if stats["synthetic"] else ["crowdsourced", "expert-generated"],
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "size_categories": [size],
        "task_categories": ["text-classification", "token-classification"],
        "task_ids": ["sentiment-classification", "named-entity-recognition"],
        "tags": ["stance-detection", "loaded-language", "media-bias", "synthetic-annotations" if stats["synthetic"] else "human-annotations"],
        "configs": configs,
        "dataset_info": dataset_info,
    }
    agreement = stats["agreement"]
    alpha, ci = agreement["stance_krippendorff_alpha_nominal"], agreement["stance_alpha_95ci_bootstrap"]
    synthetic_note = (
        "**All annotations in this build are synthetic**: they were made by simulated annotators "
        "(`annotation.simulate`, a documented noise model around a keyword/lexicon reference label) to "
        "demonstrate and test the pipeline. They say nothing about the articles. Do not train or "
        "evaluate models on them as if they were human judgments.\n"
        if stats["synthetic"]
        else f"{stats['synthetic_annotations']} of {stats['annotations']} annotations are synthetic (column `synthetic`).\n"
    )
    split_lines = "\n".join(
        f"| {split} | {c['articles']} | {c['sentences']} | {c['tasks']} | {c['annotations']} |" for split, c in stats["splits"].items()
    )
    empty = (
        f"Empty splits in this build: {', '.join(stats['empty_splits'])} (splits are assigned per article, "
        "and there are too few articles to fill every split).\n" if stats["empty_splits"] else ""
    )
    stance_lines = "\n".join(f"| {k} | {v} |" for k, v in stats["stance_distribution"].items())
    labels = ", ".join(f"`{n}`" for n in schema.stance_names)
    span_labels = ", ".join(f"`{n}`" for n in schema.span_names)
    body = f"""
# {header['pretty_name']} ({DATASET_NAME} {DATASET_VERSION})

## Summary
News sentences annotated for their **stance** toward a named target ({labels}) and for
**loaded language** spans ({span_labels}). Built by `annotation build` from raw Label Studio exports.

{synthetic_note}
## Configs and splits
- `sentences` (default): one row per sentence × target, aggregated.
- `annotations`: one row per annotator × sentence × target, raw labels; annotator ids are salted pseudonyms.
- `articles`: article metadata and full text.

| split | articles | sentences | sentence × target rows | annotations |
|---|---|---|---|---|
{split_lines}

{empty}Splits are assigned per article (sha256 of `article_id`, 80/10/10), so no article straddles splits.

## Data Fields (`sentences`)
- `task_key`: `sentence_id|target`, the unit that was annotated.
- `sentence_id`, `article_id`, `index`: the sentence and its position (0 is the headline).
- `target`: the entity the stance is judged toward.
- `text`, `headline`, `context_before`, `context_after`: the sentence and the context annotators saw.
- `stance`: aggregated label (ClassLabel {labels}); `stance_confidence`: share of annotators who chose it;
  `stance_votes`: votes per label in ClassLabel order; `n_annotators`; `tie`: the top labels tied.
- `spans`: aggregated loaded-language spans with character offsets into `text`, `label`, `support`
  (mean share of annotators marking the span's tokens) and `n_annotators` who marked it.
- `tokens`, `bio_tags`: word tokens and BIO tags derived from `spans`.
- `synthetic`: the row's annotations came from simulated annotators.

## Annotation process
Annotators label in Label Studio, one task per sentence × target, with the headline and the
neighbouring sentences as context; lexicon matches are shown as editable pre-annotations
(predictions, never counted as votes). Stance is aggregated by majority vote with ties broken
by label order ({labels}); spans by token-level vote (a token is kept when at least
{int(SPAN_THRESHOLD * 100)}% of the task's annotators marked it with the winning label).

| stance | rows |
|---|---|
{stance_lines}

Ties: {stats['stance_ties']}. Krippendorff's α (nominal, stance): {alpha}
(95% bootstrap interval over tasks: {ci[0]} to {ci[1]}).

## Who are the annotators
{stats['annotators']} annotators contributed {stats['annotations']} annotations.
{"They are simulated (see Summary)." if stats['synthetic'] else "See DATASHEET.md for recruitment and pay."}

## Personal and Sensitive Information
Annotator e-mails are replaced by salted pseudonyms before anything is written; the salt is not released.
The articles are public news text and name public figures.

## Biases
The source articles come from a small set of outlets and one conflict; stance targets are chosen
per article. The lexicon pre-annotations may anchor annotators toward the listed words.

## Limitations
{"Synthetic labels only; the numbers show that the pipeline works, not what the articles say. " if stats['synthetic'] else ""}Sentence segmentation is rule-based; offsets are Python code points into `text`.

## Versions
Built with datasets {stats['library_versions']['datasets']} and pandas {stats['library_versions']['pandas']}.
Statistics in `stats.json`; checksums in `SHA256SUMS`.

## Citation
```bibtex
@misc{{{DATASET_NAME.replace('-', '_')}_{DATASET_VERSION.replace('.', '_')},
  title = {{{header['pretty_name']}}},
  year = {{2026}},
  note = {{Version {DATASET_VERSION}}}
}}
```
"""
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n" + body.lstrip("\n")


def _write_config(frame: pd.DataFrame, features: datasets.Features, directory: Path) -> list[str]:
    """Write one parquet file per non-empty split (``datasets`` cannot load an empty file)."""
    directory.mkdir(parents=True)
    written = []
    for split in SPLITS:
        part = frame.loc[frame["split"] == split, list(features)].reset_index(drop=True)
        if part.empty:
            continue
        # Rows with fixed order and one row group per file keep the bytes stable between builds.
        dataset = datasets.Dataset.from_pandas(part, features=features, preserve_index=False)
        dataset.to_parquet(str(directory / f"{split}.parquet"), batch_size=len(part))
        written.append(split)
    return written


def build_release(
    votes: Votes,
    articles: pd.DataFrame,
    out_root: str | Path,
    *,
    schema: Schema,
    span_threshold: float = SPAN_THRESHOLD,
) -> Path:
    """Aggregate ``votes`` and write the release to ``out_root/<name>-<version>/``.

    Args:
        votes: Long tables from ``exports.to_votes``.
        articles: The ingested articles table (``articles.articles_table``).
        out_root: Parent directory of the release (``dist/``).
        schema: The annotation scheme (label names and ids).
        span_threshold: Minimum token support for aggregated spans.

    Returns:
        The release directory.
    """
    sentences = aggregate_votes(votes, schema, span_threshold=span_threshold)
    annotations = _annotation_rows(votes)
    articles = articles.copy()
    articles["split"] = articles["article_id"].map(assign_split)
    n_sentences = votes.tasks.groupby("article_id")["sentence_id"].nunique()
    articles["n_sentences"] = articles["article_id"].map(n_sentences).fillna(0).astype("int32")
    for column in ("published", "updated", "url", "outlet"):
        articles[column] = articles[column].astype("object").where(articles[column].notna(), "")
    sentences["split"] = sentences["article_id"].map(assign_split)
    annotations["split"] = annotations["article_id"].map(assign_split)
    features = features_for(schema)
    stats = _stats(sentences, annotations, articles, votes, schema)

    out_root = Path(out_root)
    final = out_root / f"{DATASET_NAME}-{DATASET_VERSION}"
    tmp = out_root / f".{final.name}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    datasets.disable_progress_bars()
    try:
        written = {
            name: _write_config(frame, features[name], tmp / name)
            for name, frame in (("sentences", sentences), ("annotations", annotations), ("articles", articles))
        }
        (tmp / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (tmp / "README.md").write_text(_card(stats, features, written, schema), encoding="utf-8")
        sums = [
            f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(tmp).as_posix()}"
            for path in sorted(tmp.rglob("*")) if path.is_file()
        ]
        (tmp / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return final


def load_release(path: str | Path, config: str = "sentences") -> datasets.DatasetDict:
    """Load a built release config with ``datasets.load_dataset`` (all non-empty splits)."""
    datasets.disable_progress_bars()
    return datasets.load_dataset(str(path), config)
