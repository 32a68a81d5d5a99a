"""The stages as file-to-file steps: each reads the previous stage's files and writes its own.

The CLI calls one of these per command and the ``demo`` chains them, so any stage can be re-run
alone. The library modules stay free of file layout decisions; this module owns the layout::

    seeds/ ─ingest→ data/interim/articles.parquet ─segment→ data/interim/sentences.parquet
          ─push→ Label Studio ─pull→ data/raw/*.json ─build→ data/interim/*votes.parquet + dist/<name>-<version>/
          ─baselines→ data/baselines/metrics.json
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from annotation import studio
from annotation.articles import Article, IngestReport, articles_table, ingest_sources
from annotation.exports import ExportError, Votes, edited_by_other, load_export, load_salt, progress, read_users, to_votes
from annotation.lexicon import load_lexicon
from annotation.migrate import MigrationReport, migrate_project, read_logins, write_logins
from annotation.schema import DEFAULT_LEXICON, DEFAULT_SCHEMA, Schema, load_schema, to_instructions, to_label_config, to_review_config
from annotation.segment import Sentence, split_sentences
from annotation.tasks import make_tasks

__all__ = [
    "Paths",
    "PROJECT_TITLE",
    "ingest",
    "segment",
    "push",
    "pull",
    "latest_export",
    "PulledExports",
    "build",
    "run_baselines",
    "simulate_annotation",
    "add_annotators",
    "annotation_progress",
    "migrate",
    "review",
    "newest_release",
]

PROJECT_TITLE = "Stance and loaded language"
LOGINS_FILE = "annotator-logins.csv"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Paths:
    """Where each stage reads and writes, relative to the project root."""

    root: Path = Path(".")

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def interim(self) -> Path:
        return self.root / "data" / "interim"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def studio(self) -> Path:
        return self.root / ".studio"

    @property
    def metrics(self) -> Path:
        return self.root / "data" / "baselines" / "metrics.json"


def newest_release(dist: Path) -> Path:
    """The release to read: ``$ANNOTATION_DATASET`` if set, else the newest built one in ``dist``.

    Raises:
        FileNotFoundError: Neither exists (run ``make demo`` or ``annotation build``).
    """
    if os.environ.get("ANNOTATION_DATASET"):
        return Path(os.environ["ANNOTATION_DATASET"])
    releases = sorted((p for p in dist.glob("*-*") if (p / "README.md").exists()), key=lambda p: p.stat().st_mtime)
    if not releases:
        raise FileNotFoundError(f"no release in {dist}; run `make demo` or `annotation build`, or set ANNOTATION_DATASET")
    return releases[-1]


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    studio.atomic_write_bytes(path, buffer.getvalue())


def _read_parquet(path: Path, stage: str) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `annotation {stage}` first")
    return pd.read_parquet(path)


def ingest(paths: Paths, sources: Path | None = None, manifest: Path | None = None) -> IngestReport:
    """seeds/ (files or directories of .txt/.jsonl/.csv) → ``data/interim/articles.parquet``.

    Bad files and records are skipped and reported; the good ones are still written.
    """
    sources = sources or paths.seeds
    if manifest is None:
        manifest = (sources if sources.is_dir() else sources.parent) / "articles.yaml"
    report = ingest_sources(sources, manifest)
    _write_parquet(pd.DataFrame(articles_table(report.articles)), paths.interim / "articles.parquet")
    return report


def _articles(paths: Paths) -> list[Article]:
    frame = _read_parquet(paths.interim / "articles.parquet", "ingest")
    return [
        Article(
            article_id=r["article_id"], title=r["title"], text=r["text"], source=r["source"],
            published=r["published"], updated=r["updated"], url=r["url"], outlet=r["outlet"],
            targets=tuple(r["targets"]),
        )
        for r in frame.to_dict("records")
    ]


def segment(paths: Paths) -> list[Sentence]:
    """``articles.parquet`` → ``data/interim/sentences.parquet``."""
    sentences = [s for article in _articles(paths) for s in split_sentences(article)]
    _write_parquet(pd.DataFrame([vars(s) for s in sentences]), paths.interim / "sentences.parquet")
    return sentences


def _sentences(paths: Paths) -> list[Sentence]:
    frame = _read_parquet(paths.interim / "sentences.parquet", "segment")
    return [Sentence(**r) for r in frame.to_dict("records")]


def push(
    paths: Paths,
    *,
    schema_path: Path = DEFAULT_SCHEMA,
    lexicon_path: Path = DEFAULT_LEXICON,
    title: str = PROJECT_TITLE,
    overlap: int = 3,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, studio.PushReport, int]:
    """Create/update the project from the schema and push one task per sentence × target.

    Returns:
        ``(project_id, report, n_tasks)``.
    """
    schema = load_schema(schema_path)
    lexicon = load_lexicon(lexicon_path, labels=schema.span_names)
    tasks = make_tasks(_articles(paths), _sentences(paths), schema=schema, lexicon=lexicon)
    client = studio.connect(paths.studio)
    project_id, _ = client.ensure_project(title, to_label_config(schema), to_instructions(schema), overlap=overlap)
    report = client.push_tasks(project_id, tasks, progress=progress)
    return project_id, report, len(tasks)


def _project_id(client: studio.Studio, title: str) -> int:
    project_id = client.find_project(title)
    if project_id is not None:
        return project_id
    raise studio.StudioError(f"find project: no project titled {title!r}; run `annotation push` first")


def _review_title(title: str) -> str:
    return f"{title} (review)"


def pull(paths: Paths, *, title: str = PROJECT_TITLE) -> studio.RawExport:
    """Label Studio → ``data/raw/project-<id>-<time>.json`` (+ users map, manifest with sha256).

    The review project, if there is one, is pulled too, into ``data/raw/review/``.
    """
    client = studio.connect(paths.studio)
    review_id = client.find_project(_review_title(title))
    if review_id is not None:
        client.pull_export(review_id, paths.raw / "review")
    return client.pull_export(_project_id(client, title), paths.raw)


def review(paths: Paths, *, title: str = PROJECT_TITLE, below: float = 0.5, schema_path: Path = DEFAULT_SCHEMA) -> tuple[int, studio.PushReport, int]:
    """Send the tasks of the last build whose stance tied or had no label with ``below`` of the
    votes to a review project, showing every annotator's label; returns (project id, push report, n selected).
    """
    from annotation.review import review_tasks, select_for_review

    schema = load_schema(schema_path)
    votes = _read_parquet(paths.interim / "stance_votes.parquet", "build")
    selected = select_for_review(votes, labels=schema.stance_names, below=below)
    tasks = review_tasks(_read_parquet(paths.interim / "tasks.parquet", "build"), votes, selected)
    client = studio.connect(paths.studio)
    project_id, _ = client.ensure_project(_review_title(title), to_review_config(schema), to_instructions(schema), overlap=1)
    return project_id, client.push_tasks(project_id, tasks), len(selected)


def _adjudications(paths: Paths, schema: Schema) -> dict[str, str]:
    from annotation.review import adjudications

    if not (paths.raw / "review" / "MANIFEST.json").exists():
        return {}
    pulled = latest_export(paths.raw / "review")
    return adjudications(pulled.export, schema, source=pulled.source)


@dataclass(frozen=True)
class PulledExports:
    """The newest export of a project with its users map, overlap and the project's earlier exports."""

    export: list[dict[str, Any]]
    users: dict[int, str]
    source: str
    max_annotations: int | None
    history: list[list[dict[str, Any]]]


def _verified(raw_dir: Path, name: str, digest: str) -> Path:
    path = raw_dir / name
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        raise ExportError(f"{path}: missing or changed since it was pulled (sha256 differs from {raw_dir / 'MANIFEST.json'})")
    return path


def latest_export(raw_dir: Path) -> PulledExports:
    """The newest export in ``raw_dir`` and the same project's earlier ones, checksums verified.

    Raises:
        ExportError: No export yet, or a file no longer matches the sha256 in the manifest.
    """
    manifest_path = raw_dir / "MANIFEST.json"
    if not manifest_path.exists():
        raise ExportError(f"{raw_dir}: no exports yet; run `annotation pull` first")
    entries = json.loads(manifest_path.read_text(encoding="utf-8"))["exports"]
    newest = entries[-1]
    users_path = _verified(raw_dir, newest["users_file"], newest["users_sha256"])
    users = read_users(users_path)
    export = load_export(_verified(raw_dir, newest["file"], newest["sha256"]))
    earlier = [entry for entry in entries[:-1] if entry["project_id"] == newest["project_id"]]
    if not any(edited_by_other(a) for task in export for a in task.get("annotations") or []):
        earlier = earlier[-1:]  # only the previous pull is needed, to list what changed since
    history = [load_export(_verified(raw_dir, entry["file"], entry["sha256"])) for entry in earlier]
    return PulledExports(
        export=export,
        users=users,
        source=newest["file"],
        max_annotations=newest.get("maximum_annotations"),
        history=history,
    )


def build(paths: Paths, *, schema_path: Path = DEFAULT_SCHEMA, freeze_splits: bool = False) -> tuple[Path, Votes]:
    """Newest raw export → long tables in ``data/interim/`` → release in ``dist/``.

    Article splits come from the committed manifest ``seeds/splits.yaml`` (article_id: split). An
    ingested article missing from it stops the build before anything is written, unless
    ``freeze_splits``: then each new article gets its hash-based split and, once the release is
    built, is appended to the manifest (atomic rewrite; existing entries never change). The
    release version is the newest entry of CHANGELOG.md (see ``dataset.build_release``).
    """
    from annotation import dataset  # imports `datasets`, slow; only this stage needs it

    schema = load_schema(schema_path)
    pulled = latest_export(paths.raw)
    votes = to_votes(pulled.export, pulled.users, schema=schema, salt=load_salt(paths.studio), source=pulled.source,
                     max_annotations=pulled.max_annotations, history=pulled.history)
    articles = _read_parquet(paths.interim / "articles.parquet", "ingest")
    manifest_path = paths.seeds / "splits.yaml"
    manifest = dataset.read_split_manifest(manifest_path)
    splits = dataset.freeze_splits(manifest, articles["article_id"])
    new = [article_id for article_id in splits if article_id not in manifest]
    if new and not freeze_splits:
        raise ValueError(
            f"{manifest_path} has no split for {len(new)} article(s), e.g. {new[:5]}; run `annotation build "
            "--freeze-splits` to give new articles their hash-based split and add them to the manifest, then commit it"
        )
    for name, frame in (("tasks", votes.tasks), ("stance_votes", votes.annotations), ("span_votes", votes.spans),
                        ("integrity", votes.integrity)):
        _write_parquet(frame, paths.interim / f"{name}.parquet")
    # Bridge until build() takes the campaign: the seed campaign (repository root) placed at paths.root,
    # shipping the texts as this pipeline always has (the demo's baselines read them).
    from dataclasses import replace

    from annotation.campaign import load_campaign

    seed = load_campaign(Path(__file__).resolve().parent.parent)
    campaign = replace(seed, root=paths.root.resolve(), licence=replace(seed.licence, redistribute_texts=True))
    release = dataset.build_release(votes, articles, campaign, schema=schema, splits=splits,
                                    adjudications=_adjudications(paths, schema))
    if new:
        dataset.write_split_manifest(manifest_path, splits)
    return release, votes


def run_baselines(paths: Paths, release: Path, *, schema_path: Path = DEFAULT_SCHEMA, lexicon_path: Path = DEFAULT_LEXICON) -> dict[str, Any]:
    """Train and evaluate the baselines on a release; writes ``data/baselines/metrics.json``."""
    from annotation.baselines import evaluate_baselines
    from annotation.dataset import load_release

    schema = load_schema(schema_path)
    frames = []
    for split, part in load_release(release, "sentences").items():
        frame = part.to_pandas()
        frame["stance"] = [schema.stance_names[i] for i in frame["stance"]]
        frame["spans"] = [[{**s, "label": schema.span_names[s["label"]]} for s in spans] for spans in frame["spans"]]
        frame["split"] = split
        frames.append(frame)
    sentences = pd.concat(frames, ignore_index=True)
    metrics = evaluate_baselines(sentences, stance_labels=schema.stance_names, lexicon=load_lexicon(lexicon_path, labels=schema.span_names))
    metrics["release"] = release.name
    studio.atomic_write_bytes(paths.metrics, (json.dumps(metrics, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return metrics


def simulate_annotation(
    paths: Paths,
    *,
    schema_path: Path = DEFAULT_SCHEMA,
    lexicon_path: Path = DEFAULT_LEXICON,
    title: str = PROJECT_TITLE,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Demo only: the simulated annotators sign up and label every task they are served."""
    from annotation.simulate import DEMO_ANNOTATORS, run_simulated_annotators

    schema = load_schema(schema_path)
    admin = studio.connect(paths.studio)
    accounts_path = paths.studio / "simulated-annotators.json"
    accounts = json.loads(accounts_path.read_text(encoding="utf-8")) if accounts_path.exists() else {}
    for annotator in DEMO_ANNOTATORS:
        accounts.setdefault(annotator.email, secrets.token_urlsafe(18))
    studio.atomic_write_bytes(accounts_path, json.dumps(accounts, indent=1).encode("utf-8"), mode=0o600)
    clients = {
        a: admin.add_annotator(a.email, accounts[a.email], first_name="Synthetic", last_name=a.name)
        for a in DEMO_ANNOTATORS
    }
    return run_simulated_annotators(
        clients, _project_id(admin, title), schema=schema,
        lexicon=load_lexicon(lexicon_path, labels=schema.span_names), seed=seed, progress=progress,
    )


def _read_annotator_csv(path: Path) -> list[tuple[str, str]]:
    """``email, name`` rows; one clear error naming the line for a bad row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "email" not in reader.fieldnames:
                raise ValueError(f"{path}: expected a header with an 'email' column (and optionally 'name'), got {reader.fieldnames}")
            people = []
            for line, row in enumerate(reader, start=2):
                email = (row.get("email") or "").strip()
                if not _EMAIL.fullmatch(email):
                    raise ValueError(f"{path}:{line}: {email!r} is not an e-mail address")
                people.append((email.lower(), (row.get("name") or "").strip()))
    except OSError as err:
        raise FileNotFoundError(f"{path}: cannot read annotators file ({err.strerror})") from None
    return people


def add_annotators(paths: Paths, csv_path: Path) -> tuple[list[str], Path]:
    """Create a Label Studio login for each annotator in ``csv_path`` (``email, name``).

    Passwords are generated once and kept, with the login URL, in ``.studio/annotator-logins.csv``
    (0600) for the curator to hand out; re-running reuses them.

    Returns:
        The e-mails added (or already present) and the logins file.
    """
    people = _read_annotator_csv(csv_path)
    admin = studio.connect(paths.studio)
    logins_path = paths.studio / LOGINS_FILE
    logins = read_logins(logins_path)
    for email, name in people:
        logins.setdefault(email, secrets.token_urlsafe(12))
        first, _, last = name.partition(" ")
        admin.add_annotator(email, logins[email], first_name=first, last_name=last)
    write_logins(logins_path, logins, admin.url)
    return [email for email, _ in people], logins_path


def migrate(paths: Paths, target_root: Path, *, database: str | None, title: str = PROJECT_TITLE,
            schema_path: Path = DEFAULT_SCHEMA, overlap: int = 3) -> tuple[MigrationReport, studio.ServerInfo]:
    """Copy the campaign to a new server in ``target_root/.studio`` (e.g. on PostgreSQL), verified equal.

    The target server is started (and left running); annotator logins for it go to its
    ``annotator-logins.csv``, reusing the passwords the curator already handed out.
    """
    target_paths = Paths(target_root)
    info = studio.start_server(target_paths.studio, database=database)
    target = studio.connect(target_paths.studio)
    report, logins = migrate_project(
        studio.connect(paths.studio), target, title, schema=load_schema(schema_path),
        logins=read_logins(paths.studio / LOGINS_FILE), overlap=overlap,
    )
    write_logins(target_paths.studio / LOGINS_FILE, logins, target.url)
    return report, info


def annotation_progress(paths: Paths, *, title: str = PROJECT_TITLE, overlap: int = 3) -> tuple[pd.DataFrame, int, int]:
    """Per-annotator counts and median lead time, tasks short of ``overlap``, and the task count."""
    client = studio.connect(paths.studio)
    export = client.export_tasks(_project_id(client, title))
    table, short = progress(export, client.users(), overlap=overlap)
    return table, short, len(export)
