"""The stages of a campaign as file-to-file steps: each reads the previous stage's files and writes its own.

The CLI calls one of these per command and ``demo`` chains them, so any stage can be re-run
alone. Every function takes the ``Campaign`` (``annotation/campaign.py``), which owns the layout
and the settings; the library modules stay free of file layout decisions::

    corpus ─ingest→ data/interim/articles.parquet ─segment→ data/interim/sentences.parquet
          ─push→ Label Studio ─pull→ data/raw/*.json ─build→ data/interim/*votes.parquet (+ [stance_]suggestion_outcomes, gold, gold_spans) + dist/<name>-<version>/
          ─baselines→ data/baselines/metrics.json
    gold file ─gold import→ Label Studio (ground-truth annotations)

It is over 450 lines because it holds one step per CLI command, each a few lines of glue over a
library module; split, the steps would share the private helpers (``_project_id``, parquet I/O) across files.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from annotation import studio
from annotation.annotators import LOGINS_FILE, overlap_warning, read_logins, write_logins
from annotation.assignment import write_queue_settings
from annotation.campaign import Campaign, CampaignError, load_campaign, record_studio
from annotation.exports import Votes, progress, stance_outcomes, suggestion_outcomes, to_votes
from annotation.gold import GoldReport, gold_result, read_gold
from annotation.ingest import Article, IngestReport, Manifest, Sentence, articles_table, ingest_sources, load_manifest, split_sentences
from annotation.io import atomic_write_bytes
from annotation.lexicon import Lexicon, load_lexicon
from annotation.raw import RawExport, copy_salt, latest_export, load_salt
from annotation.records import task_key
from annotation.resources import SEED_CAMPAIGN
from annotation.scaffold import copy_campaign
from annotation.schema import Schema, load_schema, to_instructions, to_label_config, to_review_config
from annotation.studio.migrate import MigrationReport, migrate_project
from annotation.suggest import SuggestReport
from annotation.tasks import make_tasks

__all__ = [
    "ingest",
    "segment",
    "start_studio",
    "push",
    "suggest",
    "pull",
    "build",
    "run_baselines",
    "with_texts",
    "unanswered_questions",
    "make_demo",
    "simulate_annotation",
    "migrate",
    "annotation_progress",
    "import_gold",
    "review",
    "clean",
]



def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    atomic_write_bytes(path, buffer.getvalue())


def _read_parquet(path: Path, stage: str) -> pd.DataFrame:
    if not path.exists():
        raise CampaignError(f"{path} does not exist; run `annotation {stage}` first")
    return pd.read_parquet(path)


def _manifest(campaign: Campaign, path: Path | None) -> Manifest:
    """The manifest to match articles with; the campaign's targets stand in for missing default targets."""
    path = path or campaign.manifest
    manifest = load_manifest(path) if path.exists() or path != campaign.manifest else Manifest()
    if not manifest.default_targets and campaign.targets:
        manifest = replace(manifest, default_targets=campaign.targets)
    return manifest


def ingest(campaign: Campaign, sources: list[Path] | None = None, manifest: Path | None = None) -> IngestReport:
    """Corpus files (.txt/.jsonl/.csv, or folders of them) → ``data/interim/articles.parquet``.

    Bad files and records are skipped and reported; the good ones are written. Page furniture
    is dropped with the campaign's ``ingest.drop_lines`` (``articles.PAGE_FURNITURE`` by default)
    and every change is recorded in the report. When nothing at all could be ingested the earlier
    ``articles.parquet`` is left as it was (``report.empty``), so a mistyped path never wipes a
    good corpus.

    Args:
        campaign: The campaign.
        sources: Files or folders; the campaign's ``corpus`` folder when None or empty.
        manifest: Targets and metadata per article; the campaign's ``manifest`` when None.

    Raises:
        IngestError: The manifest is invalid.
    """
    report = ingest_sources(sources or [campaign.corpus], _manifest(campaign, manifest), drop_lines=campaign.drop_lines)
    if not report.empty:
        _write_parquet(pd.DataFrame(articles_table(report.articles)), campaign.interim / "articles.parquet")
    return report


def _articles(campaign: Campaign) -> list[Article]:
    frame = _read_parquet(campaign.interim / "articles.parquet", "ingest")
    return [
        Article(
            article_id=r["article_id"], title=r["title"], text=r["text"], source=r["source"],
            published=r["published"], updated=r["updated"], url=r["url"], outlet=r["outlet"],
            targets=tuple(r["targets"]),
        )
        for r in frame.to_dict("records")
    ]


def segment(campaign: Campaign) -> list[Sentence]:
    """``articles.parquet`` → ``data/interim/sentences.parquet``."""
    sentences = [s for article in _articles(campaign) for s in split_sentences(article)]
    _write_parquet(pd.DataFrame([vars(s) for s in sentences]), campaign.interim / "sentences.parquet")
    return sentences


def _sentences(campaign: Campaign) -> list[Sentence]:
    frame = _read_parquet(campaign.interim / "sentences.parquet", "segment")
    return [Sentence(**r) for r in frame.to_dict("records")]


def start_studio(campaign: Campaign, *, host: str = "127.0.0.1", port: int | None = None,
                 database: str | None = None, stop_with_caller: bool = False) -> tuple[Campaign, studio.ServerInfo]:
    """Start the campaign's Label Studio (or report the running one) on its remembered port.

    The first start picks a free port (or ``port``) and records it in ``campaign.yml``, so the
    login URLs handed to annotators stay valid across restarts. With ``stop_with_caller`` the
    server dies with this process however it ends (the demo's own server); otherwise it stays up.

    Raises:
        StudioError: The remembered (or given) port is taken by another program, or the server
            does not come up (the message points to its log).
    """
    info = studio.start_server(campaign.studio_dir, host=host, port=port or campaign.studio.port, database=database,
                               stop_with_caller=stop_with_caller)
    if info.port != campaign.studio.port:
        campaign = record_studio(campaign, port=info.port)
    return campaign, info


def _project_id(client: studio.Studio, campaign: Campaign, *, review: bool = False) -> int:
    """The campaign's (or its review) project id, checked to exist on this server."""
    project_id = campaign.studio.review_project_id if review else campaign.studio.project_id
    what = "review project" if review else "project"
    if project_id is None:
        step = "annotation review" if review else "annotation push"
        raise studio.StudioError(f"{campaign.config_path}: no Label Studio {what} yet; run `{step}` first")
    if client.get_project(project_id) is None:
        raise studio.StudioError(
            f"{campaign.config_path} names {what} {project_id}, which the server at {client.url} does not have; "
            f"if this is a new server on purpose, set studio.{'review_' if review else ''}project_id to null and push again"
        )
    return project_id


def _tasks(campaign: Campaign) -> tuple[Schema, Lexicon, list[dict[str, Any]]]:
    """The campaign's scheme, lexicon and Label Studio tasks (one per sentence × target, with the lexicon's predictions)."""
    schema = load_schema(campaign.scheme)
    lexicon = load_lexicon(campaign.lexicon, labels=schema.span_names)
    return schema, lexicon, make_tasks(_articles(campaign), _sentences(campaign), schema=schema, lexicon=lexicon)


def push(campaign: Campaign, *, progress: Callable[[int], None] | None = None) -> tuple[Campaign, int, studio.PushReport, int]:
    """Create (first time) or update the campaign's project and push one task per sentence × target.

    The project is found by the id remembered in ``campaign.yml``, never by its title, so a
    rename in the UI changes nothing and two campaigns on one server never share a project.

    Returns:
        ``(campaign, project_id, report, n_tasks)``; the campaign carries the new project id.
    """
    schema, _, tasks = _tasks(campaign)
    client = studio.connect(campaign.studio_dir)
    config, instructions = to_label_config(schema), to_instructions(schema)
    if campaign.studio.project_id is None:
        project_id = client.create_project(campaign.project_title, config, instructions, overlap=campaign.overlap)
        campaign = record_studio(campaign, project_id=project_id)
    else:
        project_id = _project_id(client, campaign)
        client.ensure_project(campaign.project_title, config, instructions, overlap=campaign.overlap, project_id=project_id)
    write_queue_settings(studio.queue_dir(campaign.studio_dir), project_id, campaign.queue)
    report = client.push_tasks(project_id, tasks, progress=progress)
    return campaign, project_id, report, len(tasks)


def suggest(campaign: Campaign, *, kind: str = "tfidf-lr", tagger: str | None = None, release: Path | None = None,
            prefill: bool = True) -> tuple[int, SuggestReport]:
    """Train the stance classifier ``kind`` (and the loaded-language tagger ``tagger``) on the last
    build's labels and replace their predictions on the project's open tasks (``annotation.suggest``).

    The labels are the release's aggregated stance and spans per sentence × target (``release``,
    default the campaign's current version in ``dist/``, rehydrated when it ships no texts), less
    the rows of the open tasks (tasks short of their overlap, not gold), which get the predictions.
    Earlier predictions of the same models (``suggest.suggestion_name``, any version) on those tasks
    are deleted first, so a re-run never duplicates; other predictions (the lexicon's) stay. With
    ``prefill`` the new version becomes the one Label Studio pre-fills for annotators, and the
    tasks' uncertainty margins rank their blocks for the stream's active order
    (``assignment.block_ranking``, written beside the queue settings; a model without
    probabilities removes the ranking, so push order serves); without it, neither changes.

    Returns:
        ``(project_id, suggest.SuggestReport)``.

    Raises:
        SuggestError: An unknown model, too few labels (the message says how many there are and
            how many are needed), or no open task; nothing is pushed then.
        StudioError: No project yet, or the server fails.
    """
    from annotation.assignment import block_ranking, block_ranking_path, write_block_ranking
    from annotation.models import STANCE_KINDS, TAGGER_KINDS, TUNED_STANCE_KINDS
    from annotation.release import load_release_tables
    from annotation.suggest import (
        SuggestError,
        check_training_labels,
        check_training_spans,
        is_version_of,
        lexicon_spans,
        model_version,
        predictions,
        suggest_spans,
        suggest_stance,
        suggestion_name,
    )

    if kind not in (*STANCE_KINDS, *TUNED_STANCE_KINDS):
        raise SuggestError(f"--model {kind!r} is not a stance classifier; one of {', '.join((*STANCE_KINDS, *TUNED_STANCE_KINDS))}")
    taggers = [k for k in TAGGER_KINDS if k != "lexicon"]  # without --tagger, the lexicon's spans
    if tagger is not None and tagger not in taggers:
        raise SuggestError(f"--tagger {tagger!r} is not a learnt loaded-language tagger; one of {', '.join(taggers)}")
    schema = load_schema(campaign.scheme)
    tables = load_release_tables(with_texts(campaign, release or campaign.release_dir))
    labelled = tables.sentences.dropna(subset=["text", "stance"])
    check_training_labels(labelled["stance"].tolist())  # refused before the server is asked anything
    if tagger is not None:
        check_training_spans(list(labelled["spans"]))
    client = studio.connect(campaign.studio_dir)
    project_id = _project_id(client, campaign)
    open_tasks = [t for t in client.open_tasks(project_id) if isinstance(t["data"].get("text"), str)]
    if not open_tasks:
        raise SuggestError(f"project {project_id} has no open task (every task has its {campaign.overlap} annotation(s) or is gold): "
                           "nothing to suggest; push new tasks first")
    open_ids, open_keys = [t["id"] for t in open_tasks], {t["data"].get("task_key") for t in open_tasks}
    labelled = labelled[[task_key(s, t) not in open_keys for s, t in zip(labelled["sentence_id"], labelled["target"], strict=True)]]
    tasks = pd.DataFrame({"target": [str(t["data"].get("target", "")) for t in open_tasks], "text": [t["data"]["text"] for t in open_tasks]})
    lexicon = load_lexicon(campaign.lexicon, labels=schema.span_names)
    stance = suggest_stance(labelled, tasks, kind=kind)  # both models trained before anything is pushed
    spans = (suggest_spans(labelled, tasks["text"].tolist(), kind=tagger, lexicon=lexicon) if tagger is not None
             else lexicon_spans(tasks["text"].tolist(), lexicon))
    name = suggestion_name(kind, tagger)
    version = model_version(name, campaign.version, labelled[["target", "text", "stance"]].assign(spans=labelled["spans"].map(str)))
    payloads = predictions(open_ids, tasks["text"].tolist(), stance, spans, stance_name=schema.stance_name,
                           span_name=schema.span_name, version=version)
    deleted, created = client.replace_predictions(project_id, open_ids, payloads, lambda v: is_version_of(v, name),
                                                  prefill=version if prefill else None)
    ranking = []
    if prefill:  # the order follows the model annotators are shown; one without margins leaves push order
        path = block_ranking_path(studio.queue_dir(campaign.studio_dir), project_id)
        path.unlink(missing_ok=True)
        if stance.margins is not None:
            ranking = block_ranking([(t["id"], t["data"]) for t in open_tasks], stance.margins, campaign.queue.order)
            write_block_ranking(path.parent, project_id, ranking, order=campaign.queue.order, model_version=version)
    shown = version if prefill else str((client.get_project(project_id) or {}).get("model_version") or "")
    return project_id, SuggestReport(name, version, len(stance.trained), spans.trained, deleted, created, shown, len(ranking))


def pull(campaign: Campaign) -> RawExport:
    """Label Studio → the raw-export store ``data/raw/`` (``annotation.raw``: export, users map, manifest with sha256).

    The review project, if there is one, is pulled too, into ``data/raw/review/``. The export is
    the record of the suggestions too: each annotation carries the prediction Label Studio pre-filled
    for it, from which ``build`` and ``studio progress`` derive accepted/changed/rejected
    (``exports.suggestions``); nothing else needs storing.
    """
    client = studio.connect(campaign.studio_dir)
    if campaign.studio.review_project_id is not None:
        client.pull_export(_project_id(client, campaign, review=True), campaign.raw / "review")
    return client.pull_export(_project_id(client, campaign), campaign.raw)


def import_gold(campaign: Campaign, path: Path) -> GoldReport:
    """A gold file (``annotation.gold``: CSV or JSONL of task, stance, spans) → one ground-truth
    annotation per good row, made by the project's admin on the task with that task key.

    Idempotent: importing again updates the admin's ground-truth annotation of a task whose gold
    changed and leaves the others alone; nothing is duplicated. Bad rows are listed in the report's
    ``problems`` (``file:line: what is wrong``) and skipped.

    Raises:
        GoldError: The file cannot be read at all.
        StudioError: No project yet, or the server fails.
    """
    schema = load_schema(campaign.scheme)
    client = studio.connect(campaign.studio_dir)
    project_id = _project_id(client, campaign)
    pushed = {t["data"].get("task_key"): (t["id"], t["data"].get("text")) for t in client.iter_tasks(project_id)}
    rows, problems = read_gold(path, schema=schema, texts={key: text for key, (_, text) in pushed.items() if isinstance(text, str)})
    report = GoldReport(problems=problems)
    for row in rows:
        task_id, text = pushed[row.task_key]
        done = client.set_ground_truth(task_id, gold_result(row, text, schema))
        setattr(report, done, getattr(report, done) + 1)
    return report


def review(campaign: Campaign, *, below: float = 0.5) -> tuple[Campaign, int, studio.PushReport, int]:
    """Send the tasks of the last build whose stance tied or had no label with ``below`` of the
    votes to a review project, showing every annotator's label.

    Returns:
        ``(campaign, review project id, push report, n selected)``.
    """
    from annotation.review import review_tasks, select_for_review

    schema = load_schema(campaign.scheme)
    votes = _read_parquet(campaign.interim / "stance_votes.parquet", "build")
    selected = select_for_review(votes, labels=schema.stance_names, below=below)
    tasks = review_tasks(_read_parquet(campaign.interim / "tasks.parquet", "build"), votes, selected)
    client = studio.connect(campaign.studio_dir)
    if campaign.studio.review_project_id is None:
        project_id = client.create_project(campaign.review_project_title, to_review_config(schema), to_instructions(schema), overlap=1)
        campaign = record_studio(campaign, review_project_id=project_id)
    else:
        project_id = _project_id(client, campaign, review=True)
    return campaign, project_id, client.push_tasks(project_id, tasks), len(selected)


def _adjudicated(campaign: Campaign, schema: Schema, votes: Votes) -> tuple[dict[str, str], Votes]:
    """The review project's decisions, and ``votes`` with the review annotations it could not read
    counted and listed (``bad_adjudication``)."""
    from annotation.review import adjudications

    if not (campaign.raw / "review" / "MANIFEST.json").exists():
        return {}, votes
    pulled = latest_export(campaign.raw / "review")
    decided, skipped = adjudications(pulled.export, schema, source=pulled.source)
    if skipped:
        votes = replace(votes, dropped={**votes.dropped, "bad_adjudication": len(skipped)},
                        integrity=pd.concat([votes.integrity, pd.DataFrame(skipped, columns=votes.integrity.columns)], ignore_index=True))
    return decided, votes


def build(campaign: Campaign, *, freeze_splits: bool = False) -> tuple[Path, Votes]:
    """Newest raw export → long tables in ``data/interim/`` → release in ``dist/<name>-<version>/``.

    Article splits come from the campaign's frozen manifest (``splits``: article_id → split). An
    ingested article missing from it stops the build before anything is written, unless
    ``freeze_splits``: then each new article gets its hash-based split and, once the release is
    built, is appended to the manifest (atomic rewrite; existing entries never change). Outside a
    demo campaign, annotations by synthetic accounts are dropped and reported.
    """
    from annotation.release import build_release
    from annotation.release import freeze_splits as freeze  # imports `datasets`, slow
    from annotation.release import read_split_manifest, write_split_manifest
    from annotation.report import REPORT_FILE, report_path

    schema = load_schema(campaign.scheme)
    pulled = latest_export(campaign.raw)
    votes = to_votes(pulled.export, pulled.users, schema=schema, salt=load_salt(campaign.studio_dir), source=pulled.source,
                     max_annotations=pulled.max_annotations, history=pulled.history, allow_synthetic=campaign.demo)
    articles = _read_parquet(campaign.interim / "articles.parquet", "ingest")
    manifest = read_split_manifest(campaign.splits)
    splits = freeze(manifest, articles["article_id"])
    new = [article_id for article_id in splits if article_id not in manifest]
    if new and not freeze_splits:
        raise CampaignError(
            f"{campaign.splits} has no split for {len(new)} article(s), e.g. {new[:5]}; run `annotation build "
            "--freeze-splits` to give new articles their hash-based split and add them to the manifest, then commit it"
        )
    decided, votes = _adjudicated(campaign, schema, votes)
    # (stance_)suggestion_outcomes: every span (stance) suggestion shown to a kept annotation (read
    # from the raw export, the record), with what its annotator did with it (exports.suggestions).
    for name, frame in (("tasks", votes.tasks), ("stance_votes", votes.annotations), ("span_votes", votes.spans),
                        ("integrity", votes.integrity), ("gold", votes.gold), ("gold_spans", votes.gold_spans),
                        ("suggestion_outcomes", suggestion_outcomes(votes.suggestions, votes.spans)),
                        ("stance_suggestion_outcomes", stance_outcomes(votes.stance_suggestions, votes.annotations))):
        _write_parquet(frame, campaign.interim / f"{name}.parquet")
    release = build_release(votes, articles, campaign, schema=schema, splits=splits, adjudications=decided)
    if new:
        write_split_manifest(campaign.splits, splits)
    # data/report.html: the curator's copy of the release's report (annotation/report.py), kept where
    # `annotation report` regenerates it.
    atomic_write_bytes(report_path(campaign), (release / REPORT_FILE).read_bytes())
    return release, votes


_UNANSWERED = re.compile(r"\?\*\* _")  # a datasheet question whose answer is still the template's italics


def unanswered_questions(datasheet: str) -> int:
    """How many of a datasheet's questions are still answered by the template's italic prompt.

    Examples:
        >>> unanswered_questions("- **Who funded it?** _Grant or sponsor._\\n- **Why?** Because.")
        1
    """
    return len(_UNANSWERED.findall(datasheet))


def with_texts(campaign: Campaign, release: Path) -> Path:
    """``release`` if it ships its texts; else a copy rehydrated from the campaign's own corpus.

    A campaign that may not redistribute its texts still has them: the copy goes to
    ``data/rehydrated/<release>/`` (git-ignored, rebuilt on every call, for local use only; its
    card says it must not be published).

    Raises:
        CampaignError: Some article of the release is not in the campaign's corpus any more (the
            message names it); nothing is returned then.
        MissingFileError: ``release`` is not a built release.
        ReleaseError: ``release`` was built by an older version (``texts_included``).
    """
    from annotation.release import check_release, rehydrate_release, texts_included

    release = check_release(release)
    if texts_included(json.loads((release / "stats.json").read_text(encoding="utf-8")), release):
        return release
    local = campaign.root / "data" / "rehydrated" / release.name
    report = rehydrate_release(release, [campaign.corpus], out=local)
    if report.missing:
        article_id, reason = next(iter(report.missing.items()))
        raise CampaignError(f"{release}: {len(report.missing)} article(s) not in {campaign.corpus}, e.g. {article_id}: {reason}")
    return local


def run_baselines(campaign: Campaign, release: Path, *, stance_kinds: Sequence[str] | None = None,
                  tagger_kinds: Sequence[str] | None = None) -> dict[str, Any]:
    """Train and evaluate the baselines on a release (rehydrated from the campaign's corpus when it
    ships no texts, see ``with_texts``); writes ``data/baselines/metrics.json``. ``stance_kinds``
    and ``tagger_kinds`` name the models (``None``: the defaults of ``evaluate_baselines``).

    Raises:
        EvaluationError: A named kind is unknown or needs a missing extra, or see ``evaluate_baselines``.
    """
    from annotation.models import (
        FINETUNED_STANCE_KINDS,
        FINETUNED_TAGGER_KINDS,
        STANCE_KINDS,
        TAGGER_KINDS,
        TUNED_STANCE_KINDS,
        EvaluationError,
        evaluate_baselines,
    )
    from annotation.models.embeddings import check_kind
    from annotation.release import load_release_tables

    try:  # before the release is read: a typo in a kind fails at once
        for kind in stance_kinds or []:
            check_kind(kind, (*STANCE_KINDS, *TUNED_STANCE_KINDS, *FINETUNED_STANCE_KINDS))
        for kind in tagger_kinds or []:
            check_kind(kind, (*TAGGER_KINDS, *FINETUNED_TAGGER_KINDS))
    except (ValueError, ImportError) as err:
        raise EvaluationError(str(err)) from err
    tables = load_release_tables(with_texts(campaign, release))
    metrics = evaluate_baselines(tables.sentences, stance_labels=tables.stance_names,
                                 lexicon=load_lexicon(campaign.lexicon, labels=tables.span_names),
                                 stance_kinds=stance_kinds, tagger_kinds=tagger_kinds)
    metrics["release"] = release.name
    atomic_write_bytes(campaign.metrics, (json.dumps(metrics, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return metrics


def make_demo(folder: Path, seed_campaign: Path = SEED_CAMPAIGN) -> Campaign:
    """A fresh scratch copy of the seed campaign in ``folder`` for ``annotation demo`` (``demo: true``).

    Raises:
        CampaignError: ``folder`` holds something other than an earlier demo.
    """
    return copy_campaign(load_campaign(seed_campaign), folder, demo=True)


def simulate_annotation(
    campaign: Campaign,
    *,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
) -> dict[str, int]:
    """Demo only: the simulated annotators sign up and label every task they are served (at most
    ``limit`` annotations in all).

    Raises:
        CampaignError: The campaign is not a demo campaign (simulated annotators never label a
            real campaign's project).
    """
    from annotation.studio.simulate import DEMO_ANNOTATORS, run_simulated_annotators

    if not campaign.demo:
        raise CampaignError(
            f"{campaign.config_path}: simulated annotators label demo campaigns only (`demo: true`); "
            "run `annotation demo`, which makes its own scratch campaign"
        )
    schema = load_schema(campaign.scheme)
    admin = studio.connect(campaign.studio_dir)
    accounts_path = campaign.studio_dir / "simulated-annotators.json"
    accounts = json.loads(accounts_path.read_text(encoding="utf-8")) if accounts_path.exists() else {}
    for annotator in DEMO_ANNOTATORS:
        accounts.setdefault(annotator.email, secrets.token_urlsafe(18))
    atomic_write_bytes(accounts_path, json.dumps(accounts, indent=1).encode("utf-8"), mode=0o600)
    clients = {
        a: admin.add_annotator(a.email, accounts[a.email], first_name="Synthetic", last_name=a.name)
        for a in DEMO_ANNOTATORS
    }
    return run_simulated_annotators(
        clients, _project_id(admin, campaign), schema=schema,
        lexicon=load_lexicon(campaign.lexicon, labels=schema.span_names), seed=seed, progress=progress, limit=limit,
    )


def migrate(campaign: Campaign, target_root: Path, *, database: str | None) -> tuple[Campaign, MigrationReport, studio.ServerInfo]:
    """Copy the campaign to ``target_root`` with a new server there (e.g. on PostgreSQL), verified equal.

    ``target_root`` becomes a campaign of its own (the same campaign.yml settings, corpus, scheme
    and salt, so pseudonyms stay the same); its tasks get the lexicon's predictions again and its
    stream the campaign's ``queue:`` (run ``annotation suggest`` there for a model's predictions
    and the active order, whose ranking names the old server's task ids); its server is started and left running; annotator
    logins for it go to its ``.studio/annotator-logins.csv``, reusing the passwords the curator
    already handed out.
    """
    target = copy_campaign(campaign, target_root, demo=campaign.demo)
    copy_salt(campaign.studio_dir, target.studio_dir)
    target, info = start_studio(target, database=database)
    source_client, target_client = studio.connect(campaign.studio_dir), studio.connect(target.studio_dir)
    report, logins = migrate_project(
        source_client, target_client, _project_id(source_client, campaign), campaign.project_title,
        schema=load_schema(campaign.scheme), logins=read_logins(campaign.studio_dir / LOGINS_FILE), overlap=campaign.overlap,
    )
    target = record_studio(target, project_id=report.project_id)
    write_queue_settings(studio.queue_dir(target.studio_dir), report.project_id, target.queue)
    write_logins(target.studio_dir / LOGINS_FILE, logins, target_client.url)
    for interim in (campaign.interim / "articles.parquet", campaign.interim / "sentences.parquet"):
        if interim.exists():
            target.interim.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(interim, target.interim / interim.name)
    _attach_lexicon_predictions(target, target_client, report.project_id)
    return target, report, info


def _attach_lexicon_predictions(campaign: Campaign, client: studio.Studio, project_id: int) -> None:
    """Give the project's tasks the lexicon's predictions again (a migration copies tasks and
    annotations only), replacing any of the same model version."""
    _, lexicon, tasks = _tasks(campaign)
    planned = {t["data"]["task_key"]: t.get("predictions") or [] for t in tasks}
    ids = {t["data"]["task_key"]: int(t["id"]) for t in client.iter_tasks(project_id)}
    predictions = [{"task": ids[key], **prediction} for key, found in planned.items() if key in ids for prediction in found]
    client.replace_predictions(project_id, list(ids.values()), predictions, lambda version: version == lexicon.model_version,
                               prefill=lexicon.model_version)


def annotation_progress(campaign: Campaign) -> tuple[pd.DataFrame, int, int, str | None]:
    """Per-annotator counts, median lead time and suggestion outcomes (``exports.progress``), tasks
    short of the campaign's overlap, the task count, and a warning when the overlap exceeds the number of annotators (``overlap_warning``)."""
    client = studio.connect(campaign.studio_dir)
    export = client.export_tasks(_project_id(client, campaign))
    admin, users = client.whoami(), client.users()
    table, short = progress(export, users, overlap=campaign.overlap, schema=load_schema(campaign.scheme))
    people = {email for user_id, email in users.items() if user_id != admin["id"]}
    return table, short, len(export), overlap_warning(campaign, len(people))


def clean(campaign: Campaign, *, raw_exports_of: str | None = None) -> list[Path]:
    """Delete what the campaign can rebuild (``data/interim``, ``data/baselines``, ``dist``).

    Raw exports are the campaign's record of its annotators' work and cannot be rebuilt; they go
    only when ``raw_exports_of`` names this campaign (its ``name`` in campaign.yml).

    Returns:
        The folders deleted.

    Raises:
        CampaignError: ``raw_exports_of`` is given but is not this campaign's name.
    """
    if raw_exports_of is not None and raw_exports_of != campaign.name:
        raise CampaignError(f"--delete-raw-exports {raw_exports_of!r} does not name this campaign ({campaign.name!r}); nothing deleted")
    folders = [campaign.interim, campaign.metrics.parent, campaign.dist] + ([campaign.raw] if raw_exports_of else [])
    deleted = [folder for folder in folders if folder.exists()]
    for folder in deleted:
        shutil.rmtree(folder)
    return deleted
