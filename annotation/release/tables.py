"""Build the Hugging Face release of a campaign: aggregated, raw and article configs as parquet,
a dataset card, a datasheet, statistics and a citation, all generated from the campaign and the data.

Layout of ``dist/<name>-<version>/`` (``campaign.release_dir``)::

    README.md                      dataset card: YAML header (configs, features, licence, ...) + prose
    DATASHEET.md                   the campaign's datasheet (or the package template), statistics block filled
    sentences/<split>-<sha256>.parquet     one file per non-empty split; the name carries the
    annotations/<split>-<sha256>.parquet   first 16 hex digits of the file's sha256
    articles/<split>-<sha256>.parquet
    stats.json                     everything the card and the datasheet state: the campaign's metadata,
                                   counts, corpus facts, label distributions, agreement
    CITATION.bib                   the campaign's citation, or one generated from its metadata
    SHA256SUMS                     checksum of every other file

**What describes the release.** The campaign (``campaign.yml``): name, title, description,
version, licences, authors, citation, homepage, language; and the data in the release: counts,
synthetic share, outlets, publication dates, targets, annotators, agreement. The card is rendered
through the Hub's own API (``huggingface_hub.DatasetCardData`` and ``DatasetCard.from_template``)
with the prose in ``annotation/templates/card.md``; nothing in it is typed for one campaign. The
version is ``campaign.version``; when the campaign names a changelog, its entry for that version
(``## [X.Y.Z] - YYYY-MM-DD``, Keep a Changelog) becomes the card's "Changes" and gives the date.

**Source texts.** When ``campaign.licence.redistribute_texts`` is false the release carries no
text: article titles and texts, sentence text, headline and context, tokens and span texts are
null (the features stay the same), while metadata, offsets, sentence ids and the sha256 of each
article's text remain. ``rehydrate_release`` (``annotation rehydrate``) rebuilds the texts from the
user's own copy of the articles, re-ingested with ``annotation.ingest.articles`` and accepted only when
the sha256 matches, and writes a complete release whose parquet files equal those of a build that
shipped the texts.

**Splits** are per article, so the sentences of one article never straddle splits, and frozen in a
committed manifest (``article_id: split``). An article keeps its split forever: adding articles
never moves an existing one. A new article's split comes from the sha256 of its id (80/10/10,
``assign_split``), but only once it is frozen into the manifest: ``freeze_splits`` appends new
articles and never changes an entry, and ``build_release`` refuses articles that are not in the
manifest it is given (``annotation build --freeze-splits`` writes it). A split may be empty;
``datasets`` cannot load an empty parquet file, so the card lists only the non-empty splits and
names the empty ones.

**Statistics** (counts, label distributions, agreement with bootstrap intervals, annotators, the
synthetic share, the corpus) are computed by the build, written to ``stats.json`` and rendered into
the card and into the block between ``<!-- stats:begin -->`` and ``<!-- stats:end -->`` of the
release's DATASHEET.md; ``update_datasheet`` writes the same block into the campaign's datasheet.
Agreement intervals come from 1000 bootstrap resamples (``agreement.agreement_report``): of whole
articles when a scope has at least ``MIN_ARTICLES`` of them (sentences of one article are not
independent), else of sentence × target rows.

**Loading and caches.** ``datasets`` (5.2) keys its cache of a local folder by the card's
``configs`` as written (the data file *patterns*, not the files' contents or times), so a release
rebuilt in place under fixed file names loaded the old rows from the default cache; with
``download_mode="force_redownload"`` it reused the cached ``dataset_info.json`` of the old build as
the expected split sizes, hence ``NonMatchingSplitsSizesError`` when the row count changed. Data
file names carry the sha256 of their content, so any change of data is a new cache entry and
``datasets.load_dataset(release_dir, config)`` always returns the files on disk.

**Determinism.** The same votes, articles, campaign, manifest, changelog and datasheet give
byte-identical files with the same library versions (recorded in the card): rows in a fixed order
(split, article, sentence, target, annotator), each parquet file written from one contiguous Arrow
table with a fixed row-group size, JSON keys in a fixed order, a seeded bootstrap, no clock. The
release is written to a temp directory and renamed into place.

**Speed.** The tables are built as Arrow arrays from flat numpy arrays, not row by row, and
every sentence is tokenised once (``aggregate.index_tokens``) for span aggregation, BIO tags,
token alpha and the ``tokens`` column; ``bench/build.py`` builds 100k rows.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import json
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from huggingface_hub import DatasetCard, DatasetCardData

from annotation.aggregate import MajorityVote, TokenIndex, aggregate_spans, agreement_report, bio_tag_ids, encode_votes, index_tokens
from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.ingest import PAGE_FURNITURE, Article, Manifest, Problem, ingest_sources, split_sentences
from annotation.io import atomic_write_bytes
from annotation.schema import LABEL, SPAN_VOTE_COLUMNS, TASK, TASK_COLUMNS, WORKER, Schema, check_columns, load_schema, sentence_index
from annotation.tasks import make_tasks

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

SPLITS = ("train", "validation", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SPAN_THRESHOLD = 0.5
ROW_GROUP_SIZE = 10_000
"""Rows per parquet row group (a sentence row is 1-2 kB): fixed, so that the bytes do not depend on chunking."""
N_BOOT = 1000
_CUT_CHUNK = 8192  # sentences whose tokens are cut at once
MIN_ARTICLES = 30
"""Agreement intervals resample whole articles when a scope has this many, else sentence rows."""
# The seed campaign's datasheet (the repository root is the seed campaign), for `annotation stats`.
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# The datasheet of a campaign that names none; `annotation init` copies it for the curator to edit.
DATASHEET_TEMPLATE = TEMPLATES / "DATASHEET.md"
# The prose of the dataset card (Jinja, rendered by huggingface_hub.DatasetCard.from_template).
CARD_TEMPLATE = TEMPLATES / "card.md"
TEXT_COLUMNS = {
    "sentences": ("text", "headline", "context_before", "context_after", "tokens", "spans.text"),
    "annotations": ("spans.text",),
    "articles": ("title", "text"),
}
"""The columns that hold source text: null in a release whose texts may not be redistributed."""
STATS_BEGIN = "<!-- stats:begin -->"
STATS_END = "<!-- stats:end -->"

IntArray = npt.NDArray[np.intp]

# --- changelog ------------------------------------------------------------------------------------

_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?"
)
_HEADING = re.compile(r"^## (.*?)\s*$", re.MULTILINE)
_ENTRY = re.compile(r"\[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?")


@dataclass(frozen=True)
class ChangelogEntry:
    """One released version: ``## [<version>] - <date>`` and the notes under it."""

    version: str
    date: str
    notes: str


def _precedence(version: re.Match[str]) -> tuple[Any, ...]:
    """Semantic-version precedence: a pre-release sorts before its release; build metadata is ignored."""
    core = tuple(int(part) for part in version.group(1, 2, 3))
    pre = version.group(4)
    if pre is None:
        return (*core, 1, ())
    return (*core, 0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))


def read_changelog(path: str | Path) -> list[ChangelogEntry]:
    """The released versions listed in a changelog, newest first.

    Every second-level heading is a version, ``## [X.Y.Z] - YYYY-MM-DD`` (a semantic version and
    an ISO date), except ``## [Unreleased]``, which is skipped: notes there are not a release yet.

    Args:
        path: The changelog (``CHANGELOG.md``).

    Returns:
        The entries in file order, which must be newest first; empty when nothing is released yet.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: A heading is not a version entry, a version is not semantic or is listed twice,
            a date is not ISO, an entry has no notes, or the entries are not newest first.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "CHANGELOG.md"
        ...     _ = path.write_text("# Changelog\\n## [Unreleased]\\n## [0.2.0] - 2026-12-01\\n- More articles.\\n"
        ...                         "## [0.1.0] - 2026-11-27\\n- First release.\\n")
        ...     [(e.version, e.date, e.notes) for e in read_changelog(path)]
        [('0.2.0', '2026-12-01', '- More articles.'), ('0.1.0', '2026-11-27', '- First release.')]
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; write it, or remove 'changelog' from campaign.yml")
    text = path.read_text(encoding="utf-8")
    headings = list(_HEADING.finditer(text))
    entries: list[ChangelogEntry] = []
    precedence: list[tuple[Any, ...]] = []
    expected = "'## [X.Y.Z] - YYYY-MM-DD' (semantic version, ISO date)"
    for i, heading in enumerate(headings):
        title = heading.group(1)
        match = _ENTRY.fullmatch(title)
        if match and match["version"].lower() == "unreleased" and match["date"] is None:
            continue
        version = None if match is None else _SEMVER.fullmatch(match["version"])
        if match is None or match["date"] is None or version is None:
            raise ValueError(f"{path}: heading '## {title}' is not a release entry; write {expected}")
        try:
            datetime.date.fromisoformat(match["date"])
        except ValueError:
            raise ValueError(f"{path}: '## {title}' has date {match['date']!r}; write {expected}") from None
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        notes = text[heading.end() : end].strip()
        if not notes:
            raise ValueError(f"{path}: version {match['version']} has no notes; say what changed in it")
        entries.append(ChangelogEntry(match["version"], match["date"], notes))
        precedence.append(_precedence(version))
    for (newer, older), (high, low) in zip(zip(entries, entries[1:]), zip(precedence, precedence[1:])):
        if high <= low:
            raise ValueError(
                f"{path}: version {newer.version} is listed above {older.version}; list each version once, newest first"
            )
    return entries


# --- splits ---------------------------------------------------------------------------------------


def assign_split(article_id: str) -> str:
    """The hash-based split of a new article, from the sha256 of its id (80/10/10).

    Examples:
        >>> assign_split("9ea230396c6002b4") in SPLITS
        True
    """
    value = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8], 16) / 0x100000000
    cumulative = np.cumsum(SPLIT_FRACTIONS)
    return SPLITS[int(np.searchsorted(cumulative, value, side="right"))]


class _UniqueKeyLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A YAML loader that rejects a key given twice (a frozen split must not be overridden silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_MANIFEST_HEADER = """\
# Frozen split of every article: article_id: train | validation | test.
# Committed with the seeds and read by `annotation build`. An article keeps its split forever, so
# adding articles never moves an existing one. New articles get their split from the sha256 of
# their id (80/10/10) and are appended here by `annotation build --freeze-splits`; commit the result.
"""


def read_split_manifest(path: str | Path) -> dict[str, str]:
    """The frozen splits, ``article_id -> split``, in file order; empty when the file does not exist.

    Raises:
        ValueError: The file is not a YAML mapping of string ids to one of ``SPLITS``, or gives an
            id twice.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from None
    loaded = {} if loaded is None else loaded
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a mapping article_id: split, got {type(loaded).__name__}")
    for article_id, split in loaded.items():
        if not isinstance(article_id, str):
            raise ValueError(f"{path}: article id {article_id!r} is not a string; quote it")
        if split not in SPLITS:
            raise ValueError(f"{path}: article {article_id!r} has split {split!r}, not one of {', '.join(SPLITS)}")
    return dict(loaded)


def freeze_splits(manifest: Mapping[str, str], article_ids: Iterable[str]) -> dict[str, str]:
    """The manifest with every new article appended with its hash-based split.

    Existing entries are kept as they are, in their order, whatever ``assign_split`` would say;
    new ids follow in sorted order. Ids in the manifest but not in ``article_ids`` stay too (an
    article that comes back gets its old split).

    Examples:
        >>> frozen = freeze_splits({"a1": "test"}, ["b2", "a1"])
        >>> frozen["a1"], frozen["b2"] == assign_split("b2"), list(frozen)
        ('test', True, ['a1', 'b2'])
    """
    frozen = dict(manifest)
    for article_id in sorted(set(article_ids) - set(frozen)):
        frozen[article_id] = assign_split(article_id)
    return frozen


def write_split_manifest(path: str | Path, manifest: Mapping[str, str]) -> None:
    """Write the manifest atomically (temp file, then rename), entries in the given order."""
    body = yaml.safe_dump(dict(manifest), sort_keys=False, allow_unicode=True, default_flow_style=False) if manifest else ""
    atomic_write_bytes(Path(path), (_MANIFEST_HEADER + body).encode("utf-8"))


def _article_splits(articles: pd.DataFrame, tasks: pd.DataFrame, splits: Mapping[str, str] | None) -> pd.Series:
    """The split of every article, indexed by ``article_id``."""
    duplicated = articles["article_id"].duplicated()
    if duplicated.any():
        raise ValueError(f"articles lists article(s) {sorted(articles.loc[duplicated, 'article_id'])[:5]} more than once")
    ids = articles["article_id"].astype(str)
    unknown = sorted(set(pd.unique(tasks["article_id"])) - set(ids))
    if unknown:
        raise ValueError(
            f"votes.tasks has sentences of {len(unknown)} article(s) missing from the articles table, e.g. "
            f"{unknown[:5]}; ingest the seeds that contain them (`annotation ingest`)"
        )
    if splits is None:
        return pd.Series([assign_split(i) for i in ids], index=ids.to_numpy(), dtype=object)
    missing = [i for i in ids if i not in splits]
    if missing:
        raise ValueError(
            f"splits has no entry for {len(missing)} article(s), e.g. {missing[:5]}; freeze them first "
            "(freeze_splits, or `annotation build --freeze-splits`) so that they keep their split"
        )
    wrong = {i: splits[i] for i in ids if splits[i] not in SPLITS}
    if wrong:
        raise ValueError(f"splits gives {wrong} outside {', '.join(SPLITS)}")
    return pd.Series([splits[i] for i in ids], index=ids.to_numpy(), dtype=object)


# --- aggregation ----------------------------------------------------------------------------------


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
                "stance_votes": datasets.List(datasets.Value("int32")),
                "n_annotators": datasets.Value("int32"), "tie": datasets.Value("bool"),
                "adjudicated": datasets.Value("bool"),
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
                "source": string, "url": string, "outlet": string, "text": string, "text_sha256": string,
                "targets": datasets.List(string), "n_sentences": datasets.Value("int32"),
            }
        ),
    }


_TASK_COLUMNS = tuple(column for column in TASK_COLUMNS if not column.startswith("ls_"))  # Label Studio ids never reach a release
_ANNOTATION_COLUMNS = (TASK, WORKER, LABEL, "ls_annotation_id", "lead_time_s", "created_at", "synthetic")


@dataclass(frozen=True)
class _Keys:
    """Integer keys of validated long tables."""

    annotation_task: IntArray  # the row of votes.tasks of each annotation
    span_annotation: IntArray  # the row of votes.annotations of each span


def _check_votes(votes: Votes) -> _Keys:
    """Reject long tables that ``exports.to_votes`` would never produce, naming what is wrong."""
    check_columns(votes.tasks, _TASK_COLUMNS, "votes.tasks")
    check_columns(votes.annotations, _ANNOTATION_COLUMNS, "votes.annotations")
    check_columns(votes.spans, (*SPAN_VOTE_COLUMNS, "ls_annotation_id"), "votes.spans")
    tasks, annotations, spans = votes.tasks, votes.annotations, votes.spans
    if annotations.empty:
        raise ValueError(
            "no annotations to aggregate: the export has no submitted annotation with a stance "
            f"({len(tasks)} task(s); dropped by the export policies: {votes.dropped or 'nothing'})"
        )
    if tasks[TASK].duplicated().any():
        raise ValueError(f"votes.tasks lists task(s) {sorted(tasks.loc[tasks[TASK].duplicated(), TASK])[:5]} twice")
    no_label = annotations[LABEL].isna()
    if no_label.any():
        first = annotations.loc[no_label, [TASK, WORKER]].iloc[0].tolist()
        raise ValueError(
            f"votes.annotations has {int(no_label.sum())} annotation(s) without a stance label (NaN), e.g. "
            f"task {first[0]!r} by {first[1]!r}; exports.to_votes drops those and counts them in "
            "dropped['without_stance']: drop them, or rebuild the tables with to_votes"
        )
    missing = annotations[[TASK, WORKER, "ls_annotation_id"]].isna().any(axis=1)
    if missing.any():
        raise ValueError(
            f"votes.annotations has {int(missing.sum())} row(s) without a task, worker or ls_annotation_id, "
            f"first at index {annotations.index[missing.to_numpy()][0]!r}"
        )
    annotation_task = pd.Index(tasks[TASK]).get_indexer(annotations[TASK])
    if (annotation_task < 0).any():
        unknown = list(pd.unique(annotations[TASK][annotation_task < 0]))
        raise ValueError(
            f"votes.annotations has {int((annotation_task < 0).sum())} vote(s) on {len(unknown)} task(s) missing "
            f"from votes.tasks, e.g. {unknown[:5]}; the tables must come from one export: rebuild them with exports.to_votes"
        )
    worker = pd.factorize(pd.concat([annotations[WORKER], spans[WORKER]], ignore_index=True))[0]
    annotation_worker, span_worker = worker[: len(annotations)], worker[len(annotations) :]
    twice = pd.DataFrame({"task": annotation_task, "worker": annotation_worker}).duplicated().to_numpy()
    if twice.any():
        first = annotations.loc[twice, [TASK, WORKER]].iloc[0].tolist()
        raise ValueError(
            f"votes.annotations has {int(twice.sum())} repeated (task, worker) pair(s), e.g. {first}; "
            "exports.to_votes keeps each annotator's latest annotation of a task: keep one"
        )
    if annotations["ls_annotation_id"].duplicated().any():
        ids = annotations.loc[annotations["ls_annotation_id"].duplicated(), "ls_annotation_id"].tolist()
        raise ValueError(f"votes.annotations repeats ls_annotation_id {ids[:5]}; each annotation has its own id")
    span_annotation = pd.Index(annotations["ls_annotation_id"]).get_indexer(spans["ls_annotation_id"])
    owner = np.where(span_annotation >= 0, span_annotation, 0)
    orphan = (
        (span_annotation < 0)
        | (annotation_task[owner] != pd.Index(tasks[TASK]).get_indexer(spans[TASK]))
        | (annotation_worker[owner] != span_worker)
    )
    if orphan.any():
        first = spans.loc[orphan, [TASK, WORKER]].iloc[0].tolist()
        raise ValueError(
            f"votes.spans has {int(orphan.sum())} span(s) that belong to no stance annotation (none with the "
            f"same ls_annotation_id, task and worker), e.g. task {first[0]!r} by {first[1]!r}. A task's "
            "annotators are those who gave a stance, and exports.to_votes drops the spans of annotations "
            "without one: drop these spans, or rebuild the tables with to_votes"
        )
    return _Keys(annotation_task=annotation_task.astype(np.intp), span_annotation=span_annotation.astype(np.intp))


def _text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous ``string`` array (pandas gives ``large_string``)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return array.cast(pa.string())


def _lists(counts: IntArray, values: pa.Array) -> pa.Array:
    """A list array whose row ``i`` holds the next ``counts[i]`` items of ``values``."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _token_strings(text: pa.StringArray, tokens: TokenIndex) -> pa.Array:
    """Every token of ``tokens`` as one Arrow string array, cut from the UTF-8 bytes of ``text``.

    ``text`` holds the sentences of ``tokens`` in its order. Numpy gathers the bytes, a block of
    sentences at a time, instead of creating millions of Python strings.
    """
    pieces = [pa.array([], type=pa.string())]
    for begin in range(0, len(text), _CUT_CHUNK):
        stop = min(begin + _CUT_CHUNK, len(text))
        first, last = tokens.offsets[begin], tokens.offsets[stop]
        pieces.append(_cut(
            text.slice(begin, stop - begin), tokens.texts[begin:stop], tokens.offsets[begin : stop + 1] - first,
            tokens.starts[first:last], tokens.ends[first:last],
        ))
    return pa.concat_arrays(pieces)


def _cut(text: pa.StringArray, sentences: Sequence[str], offsets: IntArray, starts: IntArray, ends: IntArray) -> pa.Array:
    """``sentences[i][starts[j]:ends[j]]`` for the tokens ``j`` in ``offsets[i]:offsets[i + 1]``.

    Code point offsets become byte offsets by adding the extra UTF-8 bytes of the non-ASCII
    characters before them, counted in the non-ASCII sentences only.
    """
    byte_offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1].astype(np.int64)
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    row = np.repeat(np.arange(len(text)), np.diff(offsets))
    first, last = byte_offsets[row] + starts, byte_offsets[row] + ends
    wide = np.flatnonzero(~pc.string_is_ascii(text).to_numpy(zero_copy_only=False))  # type: ignore[attr-defined]
    if wide.size:
        non_ascii = [sentences[i] for i in wide.tolist()]
        points = np.frombuffer("".join(non_ascii).encode("utf-32-le"), dtype=np.uint32)
        extra = np.zeros(points.size + 1, dtype=np.int64)
        np.cumsum((points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000), out=extra[1:])
        lengths = np.fromiter(map(len, non_ascii), dtype=np.int64, count=len(non_ascii))
        base = np.full(len(text), -1, dtype=np.int64)
        base[wide] = np.cumsum(lengths) - lengths
        hit = base[row] >= 0
        start = base[row[hit]]
        first[hit] += extra[start + starts[hit]] - extra[start]
        last[hit] += extra[start + ends[hit]] - extra[start]
    length = last - first
    out = np.zeros(length.size + 1, dtype=np.int32)
    np.cumsum(length, out=out[1:])
    picked = np.repeat(first - out[:-1], length) + np.arange(out[-1])
    return pa.StringArray.from_buffers(length.size, pa.py_buffer(out), pa.py_buffer(data[picked]))


@dataclass(frozen=True)
class _Aggregated:
    """The ``sentences`` config as Arrow columns (labels as ClassLabel ids) in release row order."""

    columns: dict[str, pa.Array]
    rows: IntArray  # the row of votes.tasks of each sentence row
    tokens: TokenIndex  # the sentence rows' texts, tokenised
    spans: pd.DataFrame  # the consensus spans (aggregate.SPAN_COLUMNS)


def _aggregate(votes: Votes, keys: _Keys, schema: Schema, span_threshold: float, split_rank: pd.Series | None,
               adjudications: Mapping[str, str] | None = None) -> _Aggregated:
    """Aggregate; rows sorted by split (``split_rank``: article_id -> rank), article, sentence, target.

    An adjudicated label (task key -> stance, from the review queue) replaces the majority vote.
    """
    tasks = votes.tasks
    stance_votes = pd.DataFrame({
        TASK: pd.Categorical.from_codes(keys.annotation_task, categories=pd.Index(tasks[TASK])),
        WORKER: votes.annotations[WORKER].array,
        LABEL: votes.annotations[LABEL].array,
    })
    model = MajorityVote(tie_break="first", labels=schema.stance_names).fit(stance_votes)
    encoded = encode_votes(stance_votes, schema.stance_names)  # tasks in votes.tasks order, as model.labels_
    used = np.flatnonzero(np.bincount(keys.annotation_task, minlength=len(tasks)))
    info = pa.Table.from_pandas(tasks[list(_TASK_COLUMNS)].iloc[used], preserve_index=False)
    index = sentence_index(tasks["sentence_id"].iloc[used]).to_numpy()
    if np.isnan(index).any():
        bad = tasks["sentence_id"].iloc[used[np.isnan(index)]].tolist()
        raise ValueError(f"sentence_id(s) {bad[:5]} do not end in '-<index>' (as '<article_id>-0003')")
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
        raise ValueError(f"adjudications for task(s) {unknown[:5]} that have no annotations in this export")
    adjudicated = pd.Index(task_keys).isin(decided.index)
    majority = pd.Series(model.labels_.to_numpy()[order], index=task_keys)
    final = majority.where(~adjudicated, decided.reindex(task_keys).to_numpy())
    code = pd.Index(schema.stance_names).get_indexer(final.to_numpy())
    if (code < 0).any():
        raise ValueError(f"adjudicated label(s) {sorted(set(final[code < 0]))} are not in {schema.stance_names}")
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
    columns = {
        "task_key": _text(info[TASK]),
        "sentence_id": _text(info["sentence_id"]),
        "article_id": _text(info["article_id"]),
        "index": pa.array(index[order].astype(np.int32)),
        **{name: info[name].combine_chunks().cast(pa.int32()) for name in ("start", "end")},
        **{name: _text(info[name]) for name in ("target", "text", "headline", "context_before", "context_after")},
        "stance": pa.array(code.astype(np.int64)),
        "stance_confidence": pa.array((counts[np.arange(len(code)), code] / n_annotators).astype(np.float32)),
        "stance_votes": _lists(np.full(len(code), counts.shape[1]), pa.array(counts.ravel().astype(np.int32))),
        "n_annotators": pa.array(n_annotators.astype(np.int32)),
        "tie": pa.array(encoded.tasks.isin(model.ties_)[order]),
        "adjudicated": pa.array(adjudicated),
        "spans": _lists(np.bincount(row_of_span, minlength=len(code)), span_structs),
        "tokens": _lists(n_tokens, _token_strings(_text(info["text"]), tokens)),
        "bio_tags": _lists(n_tokens, pa.array(bio_tag_ids(spans, tokens, labels=schema.span_names).astype(np.int64))),
        "synthetic": pa.array(synthetic[order] > 0),
    }
    return _Aggregated(columns=columns, rows=used[order], tokens=tokens, spans=spans)


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
    """One row per annotated task: majority stance (ties broken by schema order), spans, BIO tags.

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
        ValueError: No annotation (an empty export); an annotation without a stance label, on a task
            missing from ``votes.tasks``, or repeated; a span that belongs to no stance annotation;
            a label outside the schema.
    """
    columns = _aggregate(votes, _check_votes(votes), schema, span_threshold, None).columns
    features = features_for(schema)["sentences"]
    return pa.table({name: _label_names(columns[name], feature) for name, feature in features.items()}).to_pandas(
        types_mapper=pd.ArrowDtype
    )


def _annotations(votes: Votes, keys: _Keys, schema: Schema, sentence_rows: IntArray) -> dict[str, pa.Array]:
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
        "spans": _lists(np.bincount(span_row, minlength=len(order)), span_structs),
        "lead_time_s": pa.array(lead_time, from_pandas=True),
        "created_at": _text(pa.array(annotations["created_at"], from_pandas=True)).take(pa.array(order)),
        "annotation_id": pa.array(annotations["ls_annotation_id"].to_numpy(np.int64)[order]),
        "synthetic": pa.array(annotations["synthetic"].to_numpy(bool)[order]),
    }


def _articles(articles: pd.DataFrame, tasks: pd.DataFrame, split_rank: pd.Series) -> dict[str, pa.Array]:
    """The ``articles`` config as Arrow columns, sorted by split, then article id; a field that was
    not recorded (None or NaN) stays null."""
    n_sentences = tasks.groupby("article_id")["sentence_id"].nunique()
    frame = articles.assign(_split=articles["article_id"].map(split_rank)).sort_values(["_split", "article_id"])
    columns = {
        name: pa.array(frame[name].to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        for name in ("article_id", "title", "published", "updated", "source", "url", "outlet", "text")
    }
    columns["text_sha256"] = pa.array([_sha256(text) for text in frame["text"]], type=pa.string())
    columns["targets"] = pa.array([list(targets) for targets in frame["targets"]], type=pa.list_(pa.string()))
    columns["n_sentences"] = pa.array(frame["article_id"].map(n_sentences).fillna(0).to_numpy(np.int32))
    return columns


def _sha256(text: str) -> str:
    """The sha256 of an article's stored text (UTF-8), as in ``articles.text_sha256``.

    Examples:
        >>> _sha256("Headline\\n\\nBody.")[:16]
        'cc814880f0c8439d'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _split_bounds(article_ids: pa.Array, split_of: pd.Series) -> IntArray:
    """Row boundaries of the splits in a table sorted by split: split ``i`` is rows ``[b[i], b[i + 1])``."""
    rank = pd.Series(article_ids.to_pandas(types_mapper=pd.ArrowDtype)).map(split_of).map(SPLITS.index).to_numpy()
    return np.searchsorted(rank, np.arange(len(SPLITS) + 1)).astype(np.intp)


def _table(columns: Mapping[str, pa.Array], features: datasets.Features) -> pa.Table:
    """One config as a table with the features' Arrow schema, one chunk per column (so that the
    bytes written do not depend on how Arrow chunked)."""
    return pa.Table.from_arrays([columns[name] for name in features], schema=features.arrow_schema).combine_chunks()


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


# --- source texts ---------------------------------------------------------------------------------


def _replace_column(table: pa.Table, name: str, column: pa.Array) -> pa.Table:
    """``table`` with the column ``name`` replaced, its field (type, nullability) kept."""
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), column)


def _strings_at(n: int, rows: IntArray, values: Sequence[str]) -> pa.Array:
    """A string array of length ``n`` holding ``values`` at ``rows`` and null elsewhere."""
    filled = np.full(n, None, dtype=object)
    filled[rows] = np.asarray(values, dtype=object)
    return pa.array(filled, type=pa.string())


def _with_span_texts(table: pa.Table, texts: npt.NDArray[np.object_]) -> pa.Table:
    """``table`` with the ``text`` of each span in ``spans`` cut from its row's text (null for a row without)."""
    spans = table["spans"].combine_chunks()
    items = spans.flatten()
    fields = list(items.type)
    children = items.flatten()
    rows = pc.list_parent_indices(spans).to_numpy()
    cut = np.flatnonzero(pd.notna(texts)[rows])
    starts, ends = (children[[f.name for f in fields].index(name)].to_numpy()[cut].tolist() for name in ("start", "end"))
    text = _strings_at(len(rows), cut, [texts[row][a:b] for row, a, b in zip(rows[cut].tolist(), starts, ends)])
    children = [text if f.name == "text" else child for f, child in zip(fields, children)]
    offsets = pc.subtract(spans.offsets, spans.offsets[0])
    return _replace_column(
        table, "spans", pa.ListArray.from_arrays(offsets, pa.StructArray.from_arrays(children, fields=fields), type=spans.type)
    )


def _token_column(n: int, rows: IntArray, keys: Sequence[str], texts: Sequence[str]) -> pa.Array:
    """The ``tokens`` column of ``n`` rows: the word tokens (``aggregate.index_tokens``) of ``texts``
    (whose task keys are ``keys``) at ``rows``, null elsewhere."""
    tokens = index_tokens(dict(zip(keys, texts)))
    counts = np.zeros(n, dtype=np.intp)
    counts[rows] = np.diff(tokens.offsets)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = _token_strings(pa.array(texts, type=pa.string()), tokens)
    missing = np.ones(n, dtype=bool)
    missing[rows] = False
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(missing) if missing.any() else None)


def _set_texts(
    tables: Mapping[str, pa.Table], articles: Mapping[str, Article], contexts: Mapping[str, Mapping[str, Any]]
) -> dict[str, pa.Table]:
    """The tables with every column of ``TEXT_COLUMNS`` filled from ``articles`` (article id ->
    article, whose ``text`` the offsets refer to) and null for the rows of other articles.

    ``contexts`` gives, by sentence id, the ``headline``, ``context_before`` and ``context_after``
    of the sentences of ``articles`` (as ``tasks.make_tasks`` shows them to annotators). With no
    articles, every text column is null: the release of a campaign whose texts may not be shared.
    """
    known = pa.array(list(articles), type=pa.string())

    def rows_of(table: pa.Table) -> IntArray:
        return np.flatnonzero(pc.is_in(table["article_id"], value_set=known).to_numpy(zero_copy_only=False))

    table = tables["articles"]
    rows = rows_of(table)
    ids = table["article_id"].take(rows).to_pylist()
    for name in ("title", "text"):
        table = _replace_column(table, name, _strings_at(table.num_rows, rows, [getattr(articles[i], name) for i in ids]))
    out = {"articles": table}

    table = tables["sentences"]
    n, rows = table.num_rows, rows_of(table)
    picked = table.select(["article_id", "sentence_id", "task_key", "start", "end"]).take(rows).to_pydict()
    texts = [articles[a].text[start:end] for a, start, end in zip(picked["article_id"], picked["start"], picked["end"])]
    table = _replace_column(table, "text", _strings_at(n, rows, texts))
    for name in ("headline", "context_before", "context_after"):
        table = _replace_column(table, name, _strings_at(n, rows, [contexts[i][name] for i in picked["sentence_id"]]))
    table = _replace_column(table, "tokens", _token_column(n, rows, picked["task_key"], texts))
    sentence_texts = np.full(n, None, dtype=object)
    sentence_texts[rows] = np.asarray(texts, dtype=object)
    out["sentences"] = _with_span_texts(table, sentence_texts)

    table = tables["annotations"]
    row_of = pc.index_in(table["task_key"], value_set=tables["sentences"]["task_key"].combine_chunks()).to_numpy(zero_copy_only=False)
    out["annotations"] = _with_span_texts(table, sentence_texts[row_of])
    return {name: out[name] for name in tables}


# --- statistics, card and datasheet ---------------------------------------------------------------


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


def _changes(campaign: Campaign) -> ChangelogEntry | None:
    """The entry for ``campaign.version`` in the changelog the campaign names, if both exist."""
    if campaign.changelog is None:
        return None
    return next((entry for entry in read_changelog(campaign.changelog) if entry.version == campaign.version), None)


def _bibtex_text(value: str, *, braces: bool = False) -> str:
    """``value`` with BibTeX's special characters escaped; with ``braces``, ``{…}`` is kept as grouping."""
    return re.sub(r"([&%$#_])" if braces else r"([&%$#_{}])", r"\\\1", value)


def _citation(campaign: Campaign, year: str | None) -> str:
    """The campaign's citation (BibTeX), or one generated from its name, title, authors, version and homepage.

    Examples:
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


def _corpus(stats: dict[str, Any]) -> str:
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


def _stats_markdown(stats: dict[str, Any]) -> str:
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

Corpus: {_corpus(stats)}.

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
pairs of annotators.

| measure | scope | value | {agreement['confidence']:.0%} interval | rows | resampled |
|---|---|---:|---|---:|---|
{figures}
"""


def _fill_stats(template: str, block: str, where: str) -> str:
    """``template`` with the text between the stats markers replaced by ``block``."""
    if template.count(STATS_BEGIN) != 1 or template.count(STATS_END) != 1 or template.index(STATS_BEGIN) > template.index(STATS_END):
        raise ValueError(
            f"{where} must contain the line {STATS_BEGIN} once, followed by {STATS_END} once; put the two "
            "marker lines where the generated statistics go"
        )
    head, rest = template.split(STATS_BEGIN)
    tail = rest.split(STATS_END)[1]
    return f"{head}{STATS_BEGIN}\n{block.strip()}\n{STATS_END}{tail}"


def _datasheet(campaign: Campaign) -> tuple[str, str]:
    """The text of the datasheet the release's DATASHEET.md is rendered from, and where it is."""
    path = campaign.datasheet or DATASHEET_TEMPLATE
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist; campaign.yml ({campaign.config_path}) names it as the datasheet: write it "
            f"(start from {DATASHEET_TEMPLATE}), or remove 'datasheet' to use that template"
        )
    text = path.read_text(encoding="utf-8")
    _fill_stats(text, "", str(path))
    return text, str(path)


def update_datasheet(datasheet: str | Path, release: str | Path) -> bool:
    """Rewrite the generated statistics block of a DATASHEET.md from a release's ``stats.json``.

    Only the text between ``<!-- stats:begin -->`` and ``<!-- stats:end -->`` changes; the file is
    replaced atomically, and not touched when the block is already up to date.

    Args:
        datasheet: The datasheet to update (the campaign's ``DATASHEET.md``).
        release: A built release directory (``dist/<name>-<version>``).

    Returns:
        Whether the file changed.

    Raises:
        FileNotFoundError: The datasheet or the release's ``stats.json`` does not exist.
        ValueError: The markers are missing, repeated or out of order.
    """
    datasheet, stats_path = Path(datasheet), Path(release) / "stats.json"
    for path in (datasheet, stats_path):
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist" + ("; run `annotation build` first" if path == stats_path else ""))
    text = datasheet.read_text(encoding="utf-8")
    updated = _fill_stats(text, _stats_markdown(json.loads(stats_path.read_text(encoding="utf-8"))), str(datasheet))
    if updated == text:
        return False
    atomic_write_bytes(datasheet, updated.encode("utf-8"))
    return True


_LICENCE_ID = re.compile(r"[a-z0-9][a-z0-9.+-]*")


def _licences(stats: dict[str, Any]) -> list[str]:
    """The card's ``license``: the annotations' licence id, and the texts' terms when the release holds
    texts (their id when they are given as one, else ``other``)."""
    licence = stats["licence"]
    ids = [licence["annotations"]]
    if stats["texts"]["included"]:
        texts = licence["texts"] if _LICENCE_ID.fullmatch(licence["texts"]) else "other"
        ids += [texts] if texts not in ids else []
    return ids


def _card(stats: dict[str, Any], features: Mapping[str, datasets.Features], files: Mapping[str, Mapping[str, str]]) -> str:
    """The dataset card: YAML through ``huggingface_hub.DatasetCardData``, prose from ``CARD_TEMPLATE``."""
    n = stats["tasks"]
    size = "n<1K" if n < 1000 else "1K<n<10K" if n < 10_000 else "10K<n<100K" if n < 100_000 else "100K<n<1M"
    synthetic, annotations = stats["synthetic_annotations"], stats["annotations"]
    card_data = DatasetCardData(
        license=_licences(stats),
        language=stats["language"],
        pretty_name=stats["title"],
        annotations_creators=(["machine-generated"] if synthetic else []) + (["other"] if synthetic < annotations else []),
        language_creators=["found"],
        multilinguality=["monolingual" if len(stats["language"]) == 1 else "multilingual"],
        source_datasets=["original"],
        size_categories=[size],
        # Stance: one of several labels for a (sentence, target) pair; spans: token tags. No Hub
        # token-classification subtask (named-entity-recognition, part-of-speech, ...) is loaded language.
        task_categories=["text-classification", "token-classification"],
        task_ids=["multi-class-classification"],
        tags=["stance-detection", "loaded-language"]
        + (["synthetic-annotations"] if synthetic else []) + (["human-annotations"] if synthetic < annotations else []),
        configs=[
            {
                "config_name": name,
                **({"default": True} if name == "sentences" else {}),
                "data_files": [{"split": split, "path": path} for split, path in files[name].items()],
            }
            for name in features
        ],
        dataset_info=[
            {"config_name": name, "features": datasets.DatasetInfo(features=feats)._to_yaml_dict()["features"]}
            for name, feats in features.items()
        ],
    )
    sentences = features["sentences"]
    authors = [
        author["name"] + (f", {author['affiliation']}" if "affiliation" in author else "")
        + (f" (ORCID {author['orcid']})" if "orcid" in author else "")
        for author in stats["authors"]
    ]
    card = DatasetCard.from_template(
        card_data,
        template_path=str(CARD_TEMPLATE),
        s=stats,
        labels=", ".join(f"`{name}`" for name in sentences["stance"].names),
        span_labels=", ".join(f"`{name}`" for name in sentences["spans"].feature["label"].names),
        threshold=f"{100 * stats['span_threshold']:g}",
        authors="; ".join(authors) or "not named in the campaign",
        text_columns="; ".join(f"`{config}`: {', '.join(columns)}" for config, columns in TEXT_COLUMNS.items()),
        corpus=_corpus(stats),
        statistics=_stats_markdown(stats).strip(),
        versions=", ".join(f"{name} {version}" for name, version in stats["library_versions"].items()),
    )
    return str(card) + "\n"


# --- the release ----------------------------------------------------------------------------------


def _write_release(
    final: Path, tables: Mapping[str, pa.Table], bounds: Mapping[str, IntArray], stats: dict[str, Any], datasheet: str
) -> Path:
    """Write a release to ``final``: parquet per config and split, card, datasheet, stats, citation,
    checksums; into a temp directory first, which then replaces ``final`` whole."""
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
            "README.md": _card(stats, features, files),
            "DATASHEET.md": datasheet,
            "CITATION.bib": stats["citation"] + "\n",
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
        FileNotFoundError: The campaign names a changelog or a datasheet that does not exist.
        KeyError: A table lacks a column.
        ValueError: As for ``aggregate_votes``; the changelog is malformed; the datasheet has no
            statistics markers; an article is missing from ``splits``, or a task's article from
            ``articles``. Nothing is written then.
    """
    datasheet, where = _datasheet(campaign)
    changes = _changes(campaign)
    keys = _check_votes(votes)
    check_columns(articles, ("article_id", "title", "published", "updated", "source", "url", "outlet", "text", "targets"), "articles")
    split_of = _article_splits(articles, votes.tasks, splits)
    split_rank = split_of.map(SPLITS.index)
    aggregated = _aggregate(votes, keys, schema, span_threshold, split_rank, adjudications)
    columns = {
        "sentences": aggregated.columns,
        "annotations": _annotations(votes, keys, schema, aggregated.rows),
        "articles": _articles(articles, votes.tasks, split_rank),
    }
    bounds = {name: _split_bounds(config["article_id"], split_of) for name, config in columns.items()}
    row_split = {name: np.repeat(np.array(SPLITS, dtype=object), np.diff(b)) for name, b in bounds.items()}
    keys_of_rows = aggregated.tokens.tasks
    article_of_row = columns["sentences"]["article_id"].to_numpy(zero_copy_only=False)
    report = agreement_report(
        votes.annotations[[TASK, WORKER, LABEL]], votes.spans[list(SPAN_VOTE_COLUMNS)], aggregated.tokens,
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
    features = features_for(schema)
    tables = {name: _table(config, features[name]) for name, config in columns.items()}
    if not campaign.licence.redistribute_texts:
        tables = _set_texts(tables, {}, {})
    return _write_release(campaign.release_dir, tables, bounds, stats, _fill_stats(datasheet, _stats_markdown(stats), where))


# --- rehydration ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rehydration:
    """What ``rehydrate_release`` did.

    Attributes:
        release: The complete release it wrote.
        articles: Articles in the release.
        matched: Ids of the articles whose texts were filled in.
        missing: Article id -> why its texts were not (no text with its sha256 in the corpus, or it
            segments differently); their rows keep null texts.
        skipped: Corpus inputs that could not be read as articles (``articles.Problem``).
    """

    release: Path
    articles: int
    matched: tuple[str, ...]
    missing: dict[str, str] = field(default_factory=dict)
    skipped: tuple[Problem, ...] = ()

    def summary(self) -> str:
        """One line: how many articles were rehydrated, into where."""
        missing = f"; {len(self.missing)} not found in the corpus or not matching" if self.missing else ""
        return f"rehydrated {len(self.matched)} of {self.articles} article(s) into {self.release}{missing}"


def _verified_release(release: Path) -> dict[str, Any]:
    """The ``stats.json`` of a release whose files all match its SHA256SUMS."""
    sums = release / "SHA256SUMS"
    if not sums.exists():
        raise FileNotFoundError(f"{release} is not a release (no SHA256SUMS); pass a folder written by `annotation build`")
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = release / name
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ValueError(f"{path}: missing, or changed since the release was built (sha256 differs from {sums})")
    stats: dict[str, Any] = json.loads((release / "stats.json").read_text(encoding="utf-8"))
    return stats


def _read_tables(release: Path) -> tuple[dict[str, pa.Table], dict[str, IntArray]]:
    """Each config of a release as one table in split order, with its split boundaries."""
    tables, bounds = {}, {}
    for config in DatasetCard.load(release / "README.md").data["configs"]:
        files = {item["split"]: release / item["path"] for item in config["data_files"]}
        parts = {split: pq.read_table(files[split]) for split in SPLITS if split in files}  # type: ignore[no-untyped-call]
        counts = [parts[split].num_rows if split in parts else 0 for split in SPLITS]
        table = pa.concat_tables(parts.values()).combine_chunks()
        # Parquet names list items "element"; the features' schema (what the build writes) names them "item".
        tables[config["config_name"]] = table.cast(datasets.Features.from_arrow_schema(table.schema).arrow_schema)
        bounds[config["config_name"]] = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
    return tables, bounds


def rehydrate_release(release: str | Path, corpus: str | Path | Iterable[str | Path], *, out: str | Path) -> Rehydration:
    """Rebuild the texts of a release built without them, from the user's own copy of the articles.

    The corpus is ingested with ``annotation.ingest.articles`` (the same normalisation as the build, so
    offsets match); each article of the release takes the corpus article whose normalised text has
    the sha256 recorded in ``articles.text_sha256``, whatever its file, id or manifest; its
    sentences are segmented again (``segment.split_sentences``) and must fall at the release's
    offsets, and the headline and context are those ``tasks.make_tasks`` shows annotators. The
    result is a complete release in ``out`` with the same features and, for every matched
    article, the same parquet bytes as a build that shipped the texts; rows of unmatched articles
    keep null texts. The card says the copy was rehydrated and must not be redistributed.

    Args:
        release: A release folder whose texts were withheld (``dist/<name>-<version>``).
        corpus: Files or folders of ``.txt``, ``.jsonl`` or ``.csv`` articles (see ``articles``).
        out: The folder to write; replaced if it holds a release, refused if it holds anything else.

    Returns:
        What was matched, what was not and why, and which corpus inputs were skipped.

    Raises:
        FileNotFoundError: ``release`` is not a release.
        ValueError: A file of ``release`` no longer matches its SHA256SUMS; the release carries
            its texts already; ``out`` is the release itself, or an existing folder that is not a release.
    """
    release, out = Path(release), Path(out)
    stats = _verified_release(release)
    if stats["texts"]["included"]:
        raise ValueError(
            f"{release} carries its texts already (its campaign may share them, or it is a rehydrated copy); nothing to rehydrate"
        )
    if out.resolve() == release.resolve():
        raise ValueError(f"--out {out} is the release itself; write the rehydrated copy to another folder")
    if out.exists() and not (out / "SHA256SUMS").exists():
        raise ValueError(f"{out} exists and is not a release; pass a new folder to --out")
    tables, bounds = _read_tables(release)
    # Every record needs stance targets to be ingested; here they play no part (the release has them).
    report = ingest_sources(corpus, Manifest(default_targets=("(rehydration)",)), drop_lines=stats["ingest"]["drop_lines"])
    by_digest = {_sha256(article.text): article for article in report.articles}
    released: dict[str, list[tuple[str, int, int]]] = {}
    sentences = tables["sentences"]
    for article_id, *sentence in zip(*(sentences[name].to_pylist() for name in ("article_id", "sentence_id", "start", "end"))):
        released.setdefault(article_id, []).append((sentence[0], sentence[1], sentence[2]))
    scheme = load_schema()  # make_tasks names the prediction control with it; no predictions are made here
    found: dict[str, Article] = {}
    contexts: dict[str, dict[str, Any]] = {}
    missing: dict[str, str] = {}
    table = tables["articles"]
    for article_id, digest, targets in zip(*(table[name].to_pylist() for name in ("article_id", "text_sha256", "targets"))):
        own = by_digest.get(digest)
        if own is None:
            missing[article_id] = f"no article in the corpus has its text (sha256 {digest[:16]}…)"
            continue
        article = replace(own, article_id=article_id, targets=tuple(targets))
        shown = {t["data"]["sentence_id"]: t["data"] for t in make_tasks([article], split_sentences(article), schema=scheme)}
        offsets = {i: (data["start"], data["end"]) for i, data in shown.items()}
        moved = [(i, start, end) for i, start, end in released.get(article_id, []) if offsets.get(i) != (start, end)]
        if moved:
            missing[article_id] = (
                f"its text matches, but sentence {moved[0][0]} ({moved[0][1]}:{moved[0][2]} in the release) is segmented "
                f"differently now; rehydrate with annotation {stats['library_versions']['annotation']}, which built the release"
            )
            continue
        found[article_id] = article
        contexts.update(shown)
    stats["texts"] = {"included": bool(found), "rehydrated": len(found)}
    datasheet = (release / "DATASHEET.md").read_text(encoding="utf-8")
    written = _write_release(out, _set_texts(tables, found, contexts), bounds, stats, datasheet)
    return Rehydration(written, len(table), tuple(found), missing, tuple(report.skipped))


def load_release(path: str | Path, config: str = "sentences") -> datasets.DatasetDict:
    """Load a built release config with ``datasets.load_dataset`` (all non-empty splits).

    The default cache is safe: data file names carry their content's sha256, so a release rebuilt
    in place is a new cache entry (see the module docstring).
    """
    datasets.disable_progress_bars()
    return datasets.load_dataset(str(path), config)
