"""The ``annotation`` command line: one thin command per stage, plus ``demo`` which chains them.

Longer than 450 lines because it holds some twenty commands, each a few lines of options and
printing over one ``pipeline`` call; split by stage, each file would re-declare the shared options
and error handling (``CAMPAIGN``, ``_user_errors``, ``_bar``).
"""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from annotation import annotators, pipeline, studio
from annotation.campaign import CampaignError, load_campaign
from annotation.errors import AnnotationError
from annotation.exports import GOLD_PROGRESS, STANCE_PROGRESS
from annotation.scaffold import init_campaign
from annotation.suggest import SuggestError, SuggestReport

app = typer.Typer(help="Stance and loaded-language annotation campaigns: corpus → Label Studio → Hugging Face dataset → baselines.", no_args_is_help=True)
studio_app = typer.Typer(help="Run the local Label Studio server (SQLite, 127.0.0.1).", no_args_is_help=True)
app.add_typer(studio_app, name="studio")
console = Console(soft_wrap=True, markup=False)  # data and messages print verbatim: "annotation[embedding]" keeps its brackets
errors = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

CAMPAIGN = typer.Option(Path("."), "--campaign", "-C", help="Campaign folder (holds campaign.yml); default: the current directory.")


def _user_errors(func: F) -> F:
    """Show the project's own errors (``AnnotationError``: bad input, a campaign in the wrong
    state) as one line on stderr and exit 1; any other exception is a bug and keeps its traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AnnotationError as err:
            errors.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _warn(message: str | None) -> None:
    if message:
        errors.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)


@contextmanager
def _bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


@app.command("init")
@_user_errors
def init_cli(
    folder: Path = typer.Argument(..., help="Folder of the new campaign (created if missing)."),
    name: str = typer.Option(None, help="Machine name (release folder dist/<name>-<version>/); default: the folder's name."),
    title: str = typer.Option(None, help="Human title of the dataset; default: the name."),
) -> None:
    """Start a campaign: campaign.yml, an empty corpus/ with a manifest, the scheme and datasheet to edit."""
    campaign = init_campaign(folder, name=name, title=title)
    console.print(f"campaign {campaign.name!r} created in {campaign.root}: edit campaign.yml (title, licence, authors, targets), "
                  f"put articles in {campaign.corpus.name}/ and their targets in {campaign.manifest.relative_to(campaign.root)}, "
                  "then `annotation ingest`")


@app.command("ingest")
@_user_errors
def ingest_cli(
    sources: list[Path] = typer.Argument(None, help="Files or folders of .txt/.jsonl/.csv articles (default: the campaign's corpus folder)."),
    manifest: Path = typer.Option(None, help="Manifest with each article's targets (default: the campaign's `manifest`)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List what normalisation changed in each article (entities, invisible characters, dropped lines)."),
    campaign: Path = CAMPAIGN,
) -> None:
    """Parse the articles and their manifest into data/interim/articles.parquet; report bad input and what was normalised."""
    report = pipeline.ingest(load_campaign(campaign), sources, manifest)
    for problem in report.skipped:
        errors.print(f"[yellow]skipped:[/] {escape(str(problem))}", highlight=False)
    for line in report.changes() if verbose else []:
        console.print(f"normalised: {line}", highlight=False)
    if report.unmatched:
        _warn(f"{len(report.unmatched)} manifest entr{'y' if len(report.unmatched) == 1 else 'ies'} matched no article: "
              f"{', '.join(report.unmatched[:5])}; a typo there sends the article to the default targets, or skips it")
    pairs = sum(len(a.targets) for a in report.articles)
    distinct = len({target for a in report.articles for target in a.targets})
    console.print(f"{report.summary()}; {pairs} article × target pair(s), {distinct} distinct stance target(s)")
    if report.changes_summary():
        console.print(f"{report.changes_summary()}" + ("" if verbose else " (--verbose lists them)"), highlight=False)
    if report.empty:
        errors.print("[bold red]error:[/] nothing ingested; data/interim/articles.parquet was left as it was", highlight=False)
    if report.skipped or report.empty:
        sys.exit(1)


@app.command("segment")
@_user_errors
def segment_cli(campaign: Path = CAMPAIGN) -> None:
    """Split the articles into sentences with character offsets (data/interim/sentences.parquet)."""
    sentences = pipeline.segment(load_campaign(campaign))
    console.print(f"segmented into {len(sentences)} sentence(s) (headlines included)")


@studio_app.command("start")
@_user_errors
def studio_start_cli(
    campaign: Path = CAMPAIGN,
    port: int = typer.Option(None, help="Port to bind (default: the campaign's remembered port, else a free one, then remembered)."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind; anything but loopback exposes the server."),
    database: str = typer.Option(
        None, envvar="ANNOTATION_DATABASE_URL",
        help="postgresql://USER@HOST:PORT/DB for team campaigns (password via $PGPASSWORD); default SQLite in .studio/.",
    ),
) -> None:
    """Start the campaign's Label Studio in the background (or report the running one) and leave it up."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        errors.print(f"[yellow]warning:[/] binding to {host} makes Label Studio reachable from other machines")
    _start_studio(campaign, host=host, port=port, database=database, stop_with_caller=False)


def _start_studio(campaign: Path, *, host: str, port: int | None, database: str | None, stop_with_caller: bool) -> None:
    with console.status("starting Label Studio (30-60 s on first start)…"):
        loaded, info = pipeline.start_studio(load_campaign(campaign), host=host, port=port, database=database,
                                             stop_with_caller=stop_with_caller)
    console.print(f"Label Studio ({info.database}) is running at {info.url} (supervisor pid {info.pid}); "
                  f"admin login in {loaded.studio_dir / 'credentials.json'}")


def _studio_dir(campaign: Path, doing: str) -> Path:
    """The campaign's studio directory; ``.studio`` beside its campaign.yml, with a warning, while
    that file does not load (a typo in it must not hide or keep running a server)."""
    try:
        return load_campaign(campaign).studio_dir
    except CampaignError as err:
        _warn(f"{err}; {doing} the server in {campaign.resolve() / '.studio'} anyway")
        return campaign.resolve() / ".studio"


@studio_app.command("stop")
@_user_errors
def studio_stop_cli(campaign: Path = CAMPAIGN) -> None:
    """Stop the Label Studio server this campaign started (even while its campaign.yml does not load)."""
    stopped = studio.stop_server(_studio_dir(campaign, "stopping"))
    console.print("stopped Label Studio" if stopped else "no Label Studio server was running")


@studio_app.command("status")
@_user_errors
def studio_status_cli(campaign: Path = CAMPAIGN) -> None:
    """Say whether the campaign's server is running, and where (even while its campaign.yml does not load)."""
    info = studio.server_status(_studio_dir(campaign, "looking for"))
    console.print(f"running at {info.url} on {info.database} (pid {info.pid}, since {info.started_at})" if info else "not running")
    raise typer.Exit(0 if info else 3)


annotators_app = typer.Typer(help="Manage annotator accounts.", no_args_is_help=True)
studio_app.add_typer(annotators_app, name="annotators")


@annotators_app.command("add")
@_user_errors
def annotators_add_cli(
    csv_file: Path = typer.Argument(..., help="CSV with a header line 'email,name' and one annotator per line."),
    campaign: Path = CAMPAIGN,
) -> None:
    """Create a Label Studio login per annotator; logins go to .studio/annotator-logins.csv (0600)."""
    emails, logins, warning = annotators.add_annotators(load_campaign(campaign), csv_file)
    console.print(f"{len(emails)} annotator(s) can log in; hand out their logins from {logins} (passwords are not printed)")
    _warn(warning)


@studio_app.command("progress")
@_user_errors
def progress_cli(campaign: Path = CAMPAIGN) -> None:
    """Per-annotator counts, median lead time and span and stance suggestion acceptance, and the tasks still short of the campaign's overlap."""
    loaded = load_campaign(campaign)
    table, short, n_tasks, warning = pipeline.annotation_progress(loaded)
    gold, stance = (bool(len(table) and table[column].sum()) for column in ("gold_tasks", "stance_suggested"))
    shown = table.drop(columns=[*([] if gold else GOLD_PROGRESS), *([] if stance else STANCE_PROGRESS)])
    console.print(shown.to_string(float_format=lambda x: f"{x:.2f}") if len(table) else "no annotations yet", highlight=False)
    if len(table) and table["suggested"].sum():
        console.print("suggested: pre-filled spans shown; accepted (kept as suggested), changed (overlapping span with other "
                      "bounds or label), rejected (no overlapping span); acceptance_rate = accepted / suggested", highlight=False)
    if stance:
        console.print("stance_suggested: pre-filled stances shown; stance_accepted (submitted as suggested), stance_changed "
                      "(another stance submitted); stance_acceptance_rate = stance_accepted / stance_suggested", highlight=False)
    if gold:
        console.print("gold_tasks: gold tasks answered; gold_stance_accuracy: share with the gold stance; gold_span_f1: span F1 "
                      "against the gold spans (same start, end and label), gold_token_f1: per token", highlight=False)
    console.print(f"{short} of {n_tasks} task(s) have fewer than {loaded.overlap} annotation(s)")
    _warn(warning)


@studio_app.command("migrate")
@_user_errors
def migrate_cli(
    to: Path = typer.Option(..., "--to", help="Folder of the campaign's copy on the new server (created; its .studio/ holds the server)."),
    database: str = typer.Option(None, envvar="ANNOTATION_DATABASE_URL", help="postgresql://USER@HOST:PORT/DB of the new server."),
    campaign: Path = CAMPAIGN,
) -> None:
    """Copy the campaign (tasks, annotations, annotator accounts) to a new server and verify it."""
    target, report, info = pipeline.migrate(load_campaign(campaign), to, database=database)
    console.print(f"copied {report.tasks} task(s) and {report.annotations} annotation(s) by {report.annotators} annotator(s) "
                  f"to {info.url} ({info.database}); {report.new_logins} new login(s) in {target.studio_dir / annotators.LOGINS_FILE}")
    if not report.equal:
        errors.print(f"[bold red]error:[/] the copy differs from the source: {escape(report.difference)}")
        sys.exit(1)
    console.print(f"verified: the parsed annotations and spans on both servers are equal; the campaign continues in {target.root}, "
                  "whose server is left running")


@app.command("push")
@_user_errors
def push_cli(campaign: Path = CAMPAIGN) -> int:
    """Create/update the campaign's project and push one task per sentence × target (idempotent)."""
    loaded = load_campaign(campaign)  # before the bar, which would leave an empty line above an error
    with _bar("pushing tasks", None) as advance:
        _, project_id, report, n_tasks = pipeline.push(loaded, progress=advance)
    console.print(f"project {project_id}: {report.created} task(s) created, {report.existing} already there (of {n_tasks})")
    for key in report.changed:
        errors.print(f"[yellow]warning:[/] task {escape(key)} exists with different sentence text; left unchanged")
    return n_tasks


@app.command("suggest")
@_user_errors
def suggest_cli(
    model: str = typer.Option("tfidf-lr", "--model", help="Stance classifier kind (annotation.models.STANCE_KINDS; tfidf-lr is fast on CPU)."),
    tagger: str = typer.Option(None, "--tagger", help="Spans from a learnt tagger (marked-rate, token-lr, crf, embedding-token-lr, embedding-crf) instead of the lexicon."),
    release: Path = typer.Option(None, help="Release whose labels train the model (default: the campaign's current version in dist/)."),
    prefill: bool = typer.Option(True, "--prefill/--no-prefill", help="Pre-fill these suggestions for annotators and rank the blocks by them (else what is pre-filled and the order stay)."),
    campaign: Path = CAMPAIGN,
) -> None:
    """Train a stance classifier on the last build's labels and push its suggestions to the tasks short of their overlap (replacing its earlier ones)."""
    loaded = load_campaign(campaign)
    _print_suggest(*pipeline.suggest(loaded, kind=model, tagger=tagger, release=release, prefill=prefill), active=loaded.queue.active)


def _print_suggest(project_id: int, report: SuggestReport, *, active: bool) -> None:
    spans = "the lexicon's spans" if report.trained_spans is None else f"{report.trained_spans} span(s)"
    console.print(f"project {project_id}: {report.name} trained on {report.trained} stance label(s) and {spans}; {report.created} "
                  f"prediction(s) of {report.version} pushed to the open tasks, {report.deleted} earlier {report.name} prediction(s) replaced",
                  highlight=False)
    console.print(f"pre-filled for annotators: {report.shown}" if report.shown == report.version else
                  f"not pre-filled: annotators still see {report.shown or 'no suggestions'}", highlight=False)
    console.print(f"active order: {report.ranked_blocks} block(s) ranked, least sure first; the stream follows the ranking "
                  f"{'now (queue.active: true)' if active else 'only with queue.active: true (off here)'}" if report.ranked_blocks else
                  "active order: unchanged (not pre-filled, or the model gives no probabilities)", highlight=False)


gold_app = typer.Typer(help="Gold tasks: the curator's labels each annotator is checked against.", no_args_is_help=True)
app.add_typer(gold_app, name="gold")


@gold_app.command("import")
@_user_errors
def gold_import_cli(
    gold_file: Path = typer.Argument(..., help="CSV or JSONL: task_key (or sentence_id and target), stance, spans (a JSON list of {start, end, label})."),
    campaign: Path = CAMPAIGN,
) -> None:
    """Mark tasks as gold: one ground-truth annotation by the admin per row (idempotent; bad rows are listed and skipped)."""
    report = pipeline.import_gold(load_campaign(campaign), gold_file)
    for problem in report.problems:
        _warn(f"skipped {problem}")
    console.print(f"gold: {report.created} ground-truth annotation(s) created, {report.updated} updated, {report.unchanged} "
                  f"unchanged; {len(report.problems)} row(s) skipped", highlight=False)


@app.command("pull")
@_user_errors
def pull_cli(campaign: Path = CAMPAIGN) -> None:
    """Download a full export into data/raw/ (atomic, sha256 in MANIFEST.json)."""
    export = pipeline.pull(load_campaign(campaign))
    console.print(f"pulled {export.n_tasks} task(s) from project {export.project_id} into {export.path} (sha256 {export.sha256[:12]}…)")


@app.command("build")
@_user_errors
def build_cli(
    campaign: Path = CAMPAIGN,
    freeze_splits: bool = typer.Option(
        False, "--freeze-splits", help="Give new articles their hash-based split and append them to the campaign's splits file (then commit it)."
    ),
) -> Path:
    """Parse the newest export, aggregate, and write the Hugging Face release to dist/<name>-<version>/."""
    loaded = load_campaign(campaign)
    release, votes = pipeline.build(loaded, freeze_splits=freeze_splits)
    console.print(f"built {release}", highlight=False)
    console.print(votes.summary() + (f" ({loaded.interim / 'integrity.parquet'})" if len(votes.integrity) else ""), highlight=False)
    unanswered = pipeline.unanswered_questions((release / "DATASHEET.md").read_text(encoding="utf-8"))
    if unanswered and not loaded.demo:
        _warn(f"{unanswered} question(s) of the release's DATASHEET.md still hold the template's prompt (in italics); "
              f"answer them in {loaded.datasheet or 'the campaign DATASHEET.md (set `datasheet:` in campaign.yml)'} and build again")
    from annotation.report import report_path

    console.print(f"report: {report_path(loaded)}", highlight=False)
    return release


@app.command("report")
@_user_errors
def report_cli(
    campaign: Path = CAMPAIGN,
    release: Path = typer.Option(None, help="Release directory (default: the campaign's current version in dist/)."),
) -> None:
    """Write data/report.html: progress, annotators, agreement, confusion, label distribution, disputed tasks (one offline HTML file)."""
    from annotation.report import write_report

    console.print(f"wrote {write_report(load_campaign(campaign), release)}", highlight=False)


@app.command("review")
@_user_errors
def review_cli(
    campaign: Path = CAMPAIGN,
    below: float = typer.Option(0.5, min=0.0, max=1.0, help="Review tasks whose top label has less than this share of the votes (ties always)."),
) -> None:
    """Send the least-agreed tasks of the last build to a review project for adjudication."""
    _, project_id, report, n_selected = pipeline.review(load_campaign(campaign), below=below)
    console.print(f"{n_selected} task(s) need adjudication; review project {project_id}: {report.created} added, {report.existing} already there")
    console.print("adjudicated labels are pulled by `annotation pull` and used by the next `annotation build`")


@app.command("stats")
@_user_errors
def stats_cli(
    campaign: Path = CAMPAIGN,
    release: Path = typer.Option(None, help="Release directory (default: the campaign's current version in dist/)."),
) -> None:
    """Rewrite the statistics block of the campaign's DATASHEET.md from a release's stats.json."""
    from annotation.release import update_datasheet

    loaded = load_campaign(campaign)
    if loaded.datasheet is None:
        raise CampaignError(f"{loaded.config_path}: no `datasheet` file to update")
    changed = update_datasheet(loaded.datasheet, release or loaded.release_dir)
    console.print(f"updated the statistics in {loaded.datasheet}" if changed else f"{loaded.datasheet} statistics already up to date")


@app.command("baselines")
@_user_errors
def baselines_cli(
    campaign: Path = CAMPAIGN, release: Path = typer.Option(None, help="Release directory (default: the campaign's current version in dist/)."),
    stance: list[str] = typer.Option(None, "--stance", help="A stance classifier to evaluate, repeatable (default: STANCE_KINDS; *-tuned and finetuned-* only when named)."),
    tagger: list[str] = typer.Option(None, "--tagger", help="A loaded-language tagger to evaluate, repeatable (default: TAGGER_KINDS; finetuned-minilm only when named)."),
) -> None:
    """Train and evaluate the baselines; write data/baselines/metrics.json and print a table."""
    from annotation.models import summary_table

    loaded = load_campaign(campaign)
    metrics = pipeline.run_baselines(loaded, release or loaded.release_dir, stance_kinds=stance or None, tagger_kinds=tagger or None)
    console.print(summary_table(metrics), highlight=False)
    console.print(f"metrics written to {loaded.metrics}")


@app.command("clean")
@_user_errors
def clean_cli(
    campaign: Path = CAMPAIGN,
    delete_raw_exports: str = typer.Option(
        None, "--delete-raw-exports", metavar="CAMPAIGN_NAME",
        help="Also delete data/raw/ (the annotators' work as pulled; it cannot be rebuilt). Give the campaign's name to confirm.",
    ),
) -> None:
    """Delete what the campaign can rebuild (data/interim, data/baselines, dist); raw exports stay unless named."""
    deleted = pipeline.clean(load_campaign(campaign), raw_exports_of=delete_raw_exports)
    console.print(f"deleted {', '.join(str(p) for p in deleted)}" if deleted else "nothing to delete")


@app.command("demo")
@_user_errors
def demo_cli(
    into: Path = typer.Option(Path("demo"), help="Scratch folder of the demo campaign (replaced on every run; git-ignored)."),
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave the demo's Label Studio up afterwards."),
    seed: int = typer.Option(0, help="Seed of the simulated annotators."),
) -> None:
    """Run every stage on a scratch copy of the seed campaign with 3 simulated (synthetic) annotators.

    The demo has its own campaign folder, Label Studio server, raw exports and release, so it never
    touches another campaign.
    """
    demo = pipeline.make_demo(into)
    console.print(f"demo campaign (simulated annotators only): {demo.root}")
    ingest_cli(sources=None, manifest=None, verbose=False, campaign=demo.root)
    segment_cli(campaign=demo.root)
    # Unless it is to stay up, the demo's server dies with this command however it ends.
    _start_studio(demo.root, host="127.0.0.1", port=None, database=None, stop_with_caller=not keep_running)
    try:
        n_tasks = push_cli(campaign=demo.root)
        # The model in the loop: half the work, a build, a model's suggestions from it, then the rest.
        for limit in (load_campaign(demo.root).overlap * n_tasks // 2, None):
            with _bar("simulated annotators labelling (synthetic)", None) as advance:
                counts = pipeline.simulate_annotation(load_campaign(demo.root), seed=seed, progress=advance, limit=limit)
            console.print(f"simulated annotators submitted {counts} annotation(s) (marked synthetic)")
            pull_cli(campaign=demo.root)
            release = build_cli(campaign=demo.root, freeze_splits=False)
            if limit is not None:
                try:
                    loaded = load_campaign(demo.root)
                    _print_suggest(*pipeline.suggest(loaded), active=loaded.queue.active)
                except SuggestError as err:  # too few labels yet: said, and the lexicon's suggestions stay
                    console.print(f"no model suggestions yet: {escape(str(err))}", highlight=False)
        baselines_cli(campaign=demo.root, release=release, stance=[], tagger=[])
        info = studio.server_status(demo.studio_dir)
        if info and keep_running:
            console.print(f"annotators would work at {info.url}/projects/")
        console.print(f"the demo's release: {release}")
    finally:
        if not keep_running:
            studio_stop_cli(campaign=demo.root)


@app.command("rehydrate")
@_user_errors
def rehydrate_cli(
    release: Path = typer.Argument(..., help="A release built without its texts (dist/<name>-<version>)."),
    corpus: list[Path] = typer.Option(..., "--corpus", help="Your copy of the articles: .txt/.jsonl/.csv files or folders (repeatable)."),
    out: Path = typer.Option(..., "--out", help="Folder for the complete release (new, or a release to replace)."),
) -> None:
    """Fill a release's texts from your own copy of the articles, each verified by its sha256."""
    from annotation.release import rehydrate_release

    report = rehydrate_release(release, corpus, out=out)
    for problem in report.skipped:
        errors.print(f"[yellow]skipped:[/] {escape(str(problem))}", highlight=False)
    for article_id, reason in report.missing.items():
        errors.print(f"[yellow]not rehydrated:[/] article {escape(article_id)}: {escape(reason)}", highlight=False)
    console.print(report.summary())
    if report.missing:
        sys.exit(1)


@app.command("notebooks")
@_user_errors
def notebooks_cli(
    release: Path = typer.Option(
        None, help="Release directory the notebooks read (default: the campaign's release, with its texts rebuilt from the campaign's corpus)."
    ),
    out: Path = typer.Option(None, help="Where the executed notebooks (NN_topic.ipynb) and their figures (NN_topic/) go (default: the campaign's notebooks/output/)."),
    campaign: Path = CAMPAIGN,
) -> None:
    """Execute the notebooks top to bottom against a release; keep the executed copies and figures."""
    from annotation.notebooks import NotebookRun, run_notebooks

    if release is None or out is None:
        loaded = load_campaign(campaign)
        release = release or pipeline.with_texts(loaded, loaded.release_dir)
        out = out or loaded.root / "notebooks" / "output"

    def done(run: NotebookRun) -> None:
        figures = len(list(run.figures.glob("*.png")))
        if run.error:
            errors.print(f"[bold red]{run.name} failed:[/] {escape(run.error)}; the traceback is in {run.notebook}", highlight=False)
        else:
            console.print(f"{run.name}: ran in {run.seconds:.0f} s, {figures} figure(s); wrote {run.notebook}", highlight=False)

    with console.status(f"running the notebooks against {release}…"):
        runs = run_notebooks(release, out, progress=done)
    failed = [run.name for run in runs if run.error]
    console.print(f"{len(runs) - len(failed)} of {len(runs)} notebook(s) ran; executed copies and figures in {out}")
    if failed:
        sys.exit(1)


def main() -> None:
    """The ``annotation`` command. SIGTERM (``timeout``, a closed terminal) ends a command as Ctrl-C
    does, so its cleanup runs (the demo stops its server, atomic writes remove their temp files)."""
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    app()


if __name__ == "__main__":
    main()
