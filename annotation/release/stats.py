"""The release's statistics (``stats.json``) and their Markdown section, shared by the card and the datasheet.

Counts, label distributions, agreement with bootstrap intervals, annotators, the synthetic share
and the corpus are computed by the build, written to ``stats.json`` and rendered into the card and
into the block between ``<!-- stats:begin -->`` and ``<!-- stats:end -->`` of the release's
DATASHEET.md. Agreement intervals come from ``N_BOOT`` bootstrap resamples
(``agreement.agreement_report``): of whole articles when a scope has at least ``MIN_ARTICLES`` of
them (sentences of one article are not independent), else of sentence × target rows. The citation
(``CITATION.bib``) is the campaign's, or one generated from its metadata. ``annotator_quality``
(each annotator's Dawid–Skene confusion matrix and accuracy, ``quality``) and ``suggestions`` (what
annotators did with the pre-filled spans and stance, per annotator, model version and label, and the
span suggestions' precision and recall against the aggregated spans, ``suggestions``) are shown in
the card only.

Gold tasks (``exports.votes``: a task with the curator's ground-truth annotation) are left out of
every agreement figure: every annotator is served them, so they would weigh in far beyond their
share, and they are a check on the annotators, not a sample of the corpus; ``agreement.gold_tasks_excluded``
says how many rows that is. ``gold`` has each annotator's accuracy on them (``exports.gold_accuracy``:
stance accuracy, span F1 exact and per token, with counts), shown in the card.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Mapping
from typing import Any

import datasets
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from annotation.aggregate import agreement_report
from annotation.campaign import Campaign
from annotation.exports import Votes, gold_accuracy
from annotation.ingest import PAGE_FURNITURE
from annotation.records import LABEL, SPAN_VOTE_COLUMNS, TASK, WORKER
from annotation.release.changelog import ChangelogEntry
from annotation.release.quality import annotator_quality
from annotation.release.splits import SPLITS
from annotation.release.suggestions import suggestion_stats
from annotation.release.tables import Aggregated
from annotation.schema import Schema

__all__ = ["MIN_ARTICLES"]

N_BOOT = 1000
"""Bootstrap resamples behind every agreement interval."""
MIN_ARTICLES = 30
"""Agreement intervals resample whole articles when a scope has this many, else sentence rows."""


def _number(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _counts(values: pd.Series) -> dict[str, int]:
    """Value counts, most frequent first, ties by value: a deterministic order."""
    counts = values.dropna().astype(str).value_counts()
    return {key: int(n) for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))}


def _published(values: pd.Series) -> dict[str, Any]:
    """The first and last publication day among the ISO 8601 dates, and how many articles have none."""
    days = values.dropna().astype(str).str.extract(r"^(\d{4}-\d{2}-\d{2})", expand=False).dropna()
    return {
        "first": days.min() if len(days) else None,
        "last": days.max() if len(days) else None,
        "undated": int(len(values) - len(days)),
    }


def _bibtex_text(value: str, *, braces: bool = False) -> str:
    """``value`` with BibTeX's special characters escaped; with ``braces``, ``{…}`` is kept as grouping."""
    return re.sub(r"([&%$#_])" if braces else r"([&%$#_{}])", r"\\\1", value)


def _citation(campaign: Campaign, year: str | None) -> str:
    """The campaign's citation (BibTeX), or one generated from its name, title, authors, version and homepage.

    Examples:
        >>> from pathlib import Path
        >>> from annotation.campaign import Author
        >>> campaign = Campaign(root=Path("."), name="gulf-stance", title="Stance & loaded language", version="1.2.0",
        ...                     authors=(Author("Ada Lovelace"), Author("{The Lab}")))
        >>> print(_citation(campaign, "2026"))
        @misc{gulf_stance_1_2_0,
          title = {{Stance \\& loaded language}},
          author = {Ada Lovelace and {The Lab}},
          year = {2026},
          note = {Version 1.2.0}
        }
    """
    if campaign.citation:
        return campaign.citation.strip()
    fields = [("title", f"{{{_bibtex_text(campaign.title)}}}")]
    if campaign.authors:
        # Plain "First Last" names, which BibTeX splits into given and family names; an author the
        # curator wants kept whole (an organisation) can be written "{The Lab}" in campaign.yml.
        fields.append(("author", " and ".join(_bibtex_text(a.name, braces=True) for a in campaign.authors)))
    if year:
        fields.append(("year", year))
    fields.append(("note", f"Version {campaign.version}"))
    if campaign.homepage:
        fields.append(("url", campaign.homepage))
    key = re.sub(r"[^0-9A-Za-z]+", "_", f"{campaign.name}_{campaign.version}")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def _stats(
    campaign: Campaign,
    changes: ChangelogEntry | None,
    schema: Schema,
    sentences: pd.DataFrame,
    annotations: pd.DataFrame,
    articles: pd.DataFrame,
    spans: pd.DataFrame,
    report: pd.DataFrame,
    votes: Votes,
    span_threshold: float,
) -> dict[str, Any]:
    """Everything the card and the datasheet state: the campaign's metadata (with ``changes``, the
    changelog entry for its version) and the data's numbers.

    The frames carry a ``split`` column; ``sentences`` also ``target``, ``annotations`` also
    ``created_at``, ``articles`` also ``outlet`` and ``published``.
    """
    per_split = {
        split: {
            "articles": int((articles["split"] == split).sum()),
            "sentences": int(sentences.loc[sentences["split"] == split, "sentence_id"].nunique()),
            "tasks": int((sentences["split"] == split).sum()),
            "annotations": int((annotations["split"] == split).sum()),
            "annotators": int(annotations.loc[annotations["split"] == split, WORKER].nunique()),
        }
        for split in SPLITS
    }
    stance = sentences["stance"].value_counts()
    span_labels = spans[LABEL].value_counts()
    rank = {("all", "all"): 0, **{("label", name): 1 + i for i, name in enumerate(schema.stance_names)},
            **{("split", split): 10 + i for i, split in enumerate(SPLITS)}}
    measures = {"stance_alpha": 0, "token_alpha": 1, "span_f1_exact": 2, "span_f1_partial": 3}
    report = report.assign(
        _order=[(measures[m], rank[(b, lv)]) for m, b, lv in zip(report["measure"], report["by"], report["level"])]
    ).sort_values("_order", kind="stable")
    figures = [
        {"measure": r.measure, "by": r.by, "level": r.level, "value": _number(r.value),
         "low": _number(r.low), "high": _number(r.high), "tasks": int(r.tasks), "resampled": r.unit}
        for r in report.itertuples(index=False)
    ]
    n_annotators = sentences["n_annotators"]
    created = annotations["created_at"].dropna().astype(str)
    year = changes.date[:4] if changes else (created.max()[:4] if len(created) else None)
    synthetic = annotations["synthetic"].astype(bool)
    return {
        "name": campaign.name,
        "title": campaign.title,
        "version": campaign.version,
        "release_date": changes.date if changes else None,
        "description": campaign.description,
        "demo": campaign.demo,
        "licence": {
            "annotations": campaign.licence.annotations, "texts": campaign.licence.texts,
            "redistribute_texts": campaign.licence.redistribute_texts,
        },
        "texts": {"included": campaign.licence.redistribute_texts, "rehydrated": None},
        # How the texts were read, so that a rehydration reads the user's copy the same way.
        "ingest": {"drop_lines": list(PAGE_FURNITURE if campaign.drop_lines is None else campaign.drop_lines)},
        "authors": [{k: v for k, v in vars(author).items() if v is not None} for author in campaign.authors],
        "homepage": campaign.homepage,
        "language": list(campaign.language),
        "citation": _citation(campaign, year),
        "changes": changes.notes if changes else None,
        "schema": {"name": schema.name, "version": schema.version},
        # The order annotators were served in (campaign.yml `queue:`, as of this build).
        "queue": {"order": campaign.queue.order, "gold_rate": campaign.queue.gold_rate, "active": campaign.queue.active},
        "articles": len(articles),
        "sentences": int(sentences["sentence_id"].nunique()),
        "tasks": len(sentences),
        "annotations": len(annotations),
        "annotators": int(annotations[WORKER].nunique()),
        "annotators_per_task": {"min": int(n_annotators.min()), "mean": round(float(n_annotators.mean()), 4), "max": int(n_annotators.max())},
        "synthetic": bool(synthetic.all()),
        "synthetic_annotations": int(synthetic.sum()),
        "synthetic_annotators": int(annotations.loc[synthetic, WORKER].nunique()),
        "corpus": {
            "outlets": _counts(articles["outlet"]),
            "without_outlet": int(articles["outlet"].isna().sum()),
            "published": _published(articles["published"]),
            "targets": _counts(sentences["target"]),
        },
        "dropped": {key: int(value) for key, value in votes.dropped.items()},
        "splits": per_split,
        "empty_splits": [split for split, counts in per_split.items() if counts["tasks"] == 0],
        "stance_distribution": {name: int(stance.get(name, 0)) for name in schema.stance_names},
        "stance_ties": int(sentences["tie"].sum()),
        "span_distribution": {name: int(span_labels.get(name, 0)) for name in schema.span_names},
        "span_threshold": span_threshold,
        "agreement": {"n_boot": N_BOOT, "confidence": 0.95, "min_articles": MIN_ARTICLES, "figures": figures},
        "library_versions": {
            "annotation": importlib.metadata.version("annotation"), "datasets": datasets.__version__,
            "pyarrow": pa.__version__, "pandas": pd.__version__, "numpy": np.__version__,
        },
    }


def release_stats(
    campaign: Campaign,
    changes: ChangelogEntry | None,
    schema: Schema,
    votes: Votes,
    columns: Mapping[str, Mapping[str, pa.Array]],
    bounds: Mapping[str, npt.NDArray[np.intp]],
    aggregated: Aggregated,
    span_threshold: float,
) -> dict[str, Any]:
    """The statistics of a release about to be written (see ``_stats``), agreement included.

    Args:
        campaign: The campaign; ``changes`` its changelog entry for ``campaign.version``, if any.
        schema: The annotation scheme.
        votes: The long tables the release is built from.
        columns: Each config's Arrow columns, rows sorted by split.
        bounds: Each config's split boundaries (``splits.split_bounds``).
        aggregated: The aggregated ``sentences`` (its tokens and consensus spans).
        span_threshold: The span support threshold used.
    """
    row_split = {name: np.repeat(np.array(SPLITS, dtype=object), np.diff(b)) for name, b in bounds.items()}
    keys_of_rows = aggregated.tokens.tasks
    article_of_row = columns["sentences"]["article_id"].to_numpy(zero_copy_only=False)
    gold_rows = columns["sentences"]["gold"].to_numpy(zero_copy_only=False)
    gold_keys = keys_of_rows[gold_rows]
    report = agreement_report(  # gold tasks are left out of agreement
        votes.annotations.loc[~votes.annotations[TASK].isin(gold_keys), [TASK, WORKER, LABEL]],
        votes.spans.loc[~votes.spans[TASK].isin(gold_keys), list(SPAN_VOTE_COLUMNS)], aggregated.tokens,
        labels=schema.stance_names, span_labels=schema.span_names,
        groups=pd.Series(row_split["sentences"], index=keys_of_rows, name="split"),
        clusters=pd.Series(article_of_row, index=keys_of_rows, name="article"), min_clusters=MIN_ARTICLES,
        n_boot=N_BOOT, random_state=0,
    )
    frames = {
        name: pd.DataFrame({
            **{column: columns[name][column].to_numpy(zero_copy_only=False) for column in names},
            "split": row_split[name],
        })
        for name, names in (("sentences", ("sentence_id", "target", "tie", "n_annotators")),
                            ("annotations", ("annotator", "synthetic", "created_at")),
                            ("articles", ("outlet", "published")))
    }
    frames["sentences"]["stance"] = np.asarray(schema.stance_names)[columns["sentences"]["stance"].to_numpy()]
    frames["annotations"] = frames["annotations"].rename(columns={"annotator": WORKER})
    stats = _stats(campaign, changes, schema, frames["sentences"], frames["annotations"], frames["articles"], aggregated.spans,
                   report, votes, span_threshold)
    quality = annotator_quality(aggregated.dawid_skene, aggregated.stance_votes, schema)
    # Beside the agreement figures, before the library versions (the JSON keys keep a fixed order).
    suggestions = suggestion_stats(votes, aggregated.spans, schema)
    stats["agreement"]["gold_tasks_excluded"] = int(gold_rows.sum())
    return {**{k: v for k, v in stats.items() if k != "library_versions"}, "annotator_quality": quality,
            "suggestions": suggestions, "gold": _gold_stats(votes, schema, int(gold_rows.sum())),
            "library_versions": stats["library_versions"]}


def _gold_stats(votes: Votes, schema: Schema, n_tasks: int) -> dict[str, Any]:
    """The gold rows and each (pseudonymised) annotator's accuracy on them, sorted by pseudonym."""
    table = gold_accuracy(votes, span_labels=schema.span_names)
    annotators = {
        str(worker): {column: (int(value) if column in ("gold_tasks", "stance_correct", "span_tp", "span_fp", "span_fn")
                               else _number(value)) for column, value in row.items()}
        for worker, row in table.iterrows()
    }
    return {"tasks": n_tasks, "annotators": annotators}


_MEASURES = {
    "stance_alpha": "Krippendorff's α, stance",
    "token_alpha": "Krippendorff's α, span label per token",
    "span_f1_exact": "pairwise span F1, exact match",
    "span_f1_partial": "pairwise span F1, overlap",
}
_LISTED = 10  # outlets and targets named in prose; stats.json has them all


def _fmt(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _scope(figure: dict[str, Any]) -> str:
    return "all" if figure["by"] == "all" else f"{figure['by']} `{figure['level']}`"


def _interval(figure: dict[str, Any]) -> str:
    return "–" if figure["low"] is None else f"[{figure['low']:.3f}, {figure['high']:.3f}]"


def _listing(counts: Mapping[str, int], quote: bool = False) -> str:
    """``a (3), b (1)``, the first ``_LISTED``, then how many more."""
    items = [f"`{k}` ({v})" if quote else f"{k} ({v})" for k, v in list(counts.items())[:_LISTED]]
    more = len(counts) - _LISTED
    return ", ".join(items) + (f" and {more} more" if more > 0 else "")


def corpus_sentence(stats: dict[str, Any]) -> str:
    """One sentence on where the rows come from: outlets, publication dates, languages, targets."""
    corpus = stats["corpus"]
    outlets = corpus["outlets"]
    sources = [f"{len(outlets)} outlet(s): {_listing(outlets)}"] if outlets else []
    if corpus["without_outlet"]:
        sources.append(f"{corpus['without_outlet']} without a recorded outlet")
    published = corpus["published"]
    dates = f"published {published['first']} to {published['last']}" if published["first"] else "no publication date recorded"
    if published["first"] and published["undated"]:
        dates += f" ({published['undated']} without a date)"
    return (
        f"{stats['articles']} article(s) ({'; '.join(sources)}), {dates}, in {', '.join(stats['language'])}; "
        f"stance targets (sentence × target rows): {_listing(corpus['targets'], quote=True)}"
    )


def stats_markdown(stats: dict[str, Any]) -> str:
    """The generated statistics section, shared by the card and DATASHEET.md."""
    total = {key: sum(c[key] for c in stats["splits"].values()) for key in ("articles", "sentences", "tasks", "annotations")}
    split_rows = "\n".join(
        f"| {split} | {c['articles']} | {c['sentences']} | {c['tasks']} | {c['annotations']} | {c['annotators']} |"
        for split, c in stats["splits"].items()
    )
    tasks = max(stats["tasks"], 1)
    stance = ", ".join(f"`{k}` {v} ({100 * v / tasks:.1f}%)" for k, v in stats["stance_distribution"].items())
    spans = ", ".join(f"`{k}` {v}" for k, v in stats["span_distribution"].items())
    if stats["synthetic"]:
        synthetic = f"**Synthetic: yes.** All {stats['annotations']} annotations come from simulated annotators."
    else:
        synthetic = f"**Synthetic: {stats['synthetic_annotations']} of {stats['annotations']} annotations** (column `synthetic`)."
    agreement = stats["agreement"]
    figures = "\n".join(
        f"| {_MEASURES[f['measure']]} | {_scope(f)} | {_fmt(f['value'])} | {_interval(f)} | {f['tasks']} | {f['resampled']}s |"
        for f in agreement["figures"]
    )
    per_task = stats["annotators_per_task"]
    dropped = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in stats["dropped"].items()) or "none"
    date = f", {stats['release_date']}" if stats["release_date"] else ""
    return f"""## Statistics

_Generated by `annotation build` for {stats['title']} (`{stats['name']}` {stats['version']}{date}); do not edit by hand._

Licence of the annotations: `{stats['licence']['annotations']}`. Terms of the source texts: {stats['licence']['texts']}

{synthetic} Annotators: {stats['annotators']}, of whom {stats['synthetic_annotators']} simulated.

Corpus: {corpus_sentence(stats)}.

| split | articles | sentences | sentence × target rows | annotations | annotators |
|---|---:|---:|---:|---:|---:|
{split_rows}
| **all** | {total['articles']} | {total['sentences']} | {total['tasks']} | {total['annotations']} | {stats['annotators']} |

Annotators per row: {per_task['min']} to {per_task['max']} (mean {per_task['mean']:.2f}). Dropped by the export
policies: {dropped}.

Aggregated stance: {stance}; ties broken by label order: {stats['stance_ties']}.
Aggregated loaded-language spans: {spans}.

Agreement over the rows with two or more annotators, with {agreement['confidence']:.0%} percentile bootstrap intervals
({agreement['n_boot']} resamples; per split, within the split). A resample draws whole articles when the scope has
at least {agreement['min_articles']} (sentences of one article are not independent), else rows. Per-label α is one
label against the rest; the token α counts "none" for unmarked tokens; span F1 is micro-averaged over
pairs of annotators. Gold tasks are left out: {agreement.get('gold_tasks_excluded', 0)} row(s).

| measure | scope | value | {agreement['confidence']:.0%} interval | rows | resampled |
|---|---|---:|---|---:|---|
{figures}
"""

