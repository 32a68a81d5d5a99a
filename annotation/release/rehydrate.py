"""Rehydration: rebuild the texts of a release built without them, from the user's own copy of the articles.

``rehydrate_release`` (``annotation rehydrate``) re-ingests the user's corpus with
``annotation.ingest.articles``, accepts an article only when the sha256 of its normalised text
matches the release's, and writes a complete release whose parquet files equal those of a build
that shipped the texts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from huggingface_hub import DatasetCard

from annotation.ingest import Article, Manifest, Problem, ingest_sources, split_sentences
from annotation.release.build import write_release
from annotation.release.errors import MissingFileError, ReleaseError
from annotation.release.load import texts_included
from annotation.release.splits import SPLITS
from annotation.release.texts import IntArray, set_texts, text_sha256
from annotation.report import REPORT_FILE
from annotation.schema import load_schema
from annotation.tasks import make_tasks

__all__ = ["Rehydration", "rehydrate_release"]


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
        raise MissingFileError(f"{release} is not a release (no SHA256SUMS); pass a folder written by `annotation build`")
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = release / name
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ReleaseError(f"{path}: missing, or changed since the release was built (sha256 differs from {sums})")
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
        MissingFileError: ``release`` is not a release.
        ReleaseError: A file of ``release`` no longer matches its SHA256SUMS; the release carries
            its texts already; ``out`` is the release itself, or an existing folder that is not a release.
    """
    release, out = Path(release), Path(out)
    stats = _verified_release(release)
    if texts_included(stats, release):
        raise ReleaseError(
            f"{release} carries its texts already (its campaign may share them, or it is a rehydrated copy); nothing to rehydrate"
        )
    if out.resolve() == release.resolve():
        raise ReleaseError(f"--out {out} is the release itself; write the rehydrated copy to another folder")
    if out.exists() and not (out / "SHA256SUMS").exists():
        raise ReleaseError(f"{out} exists and is not a release; pass a new folder to --out")
    tables, bounds = _read_tables(release)
    # Every record needs stance targets to be ingested; here they play no part (the release has them).
    report = ingest_sources(corpus, Manifest(default_targets=("(rehydration)",)), drop_lines=stats["ingest"]["drop_lines"])
    by_digest = {text_sha256(article.text): article for article in report.articles}
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
    page = release / REPORT_FILE  # the campaign report, as built (texts by task key when the release had none)
    written = write_release(out, set_texts(tables, found, contexts), bounds, stats, datasheet,
                            page.read_text(encoding="utf-8") if page.exists() else None)
    return Rehydration(written, len(table), tuple(found), missing, tuple(report.skipped))

