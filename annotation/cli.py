"""The ``annotation`` command line: one thin command per stage, plus ``demo`` which chains them."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from annotation import pipeline, studio
from annotation.articles import IngestError
from annotation.exports import ExportError
from annotation.lexicon import LexiconError
from annotation.schema import DEFAULT_SCHEMA, SchemaError

app = typer.Typer(help="Stance and loaded-language annotation: seeds → Label Studio → Hugging Face dataset → baselines.", no_args_is_help=True)
studio_app = typer.Typer(help="Run the local Label Studio server (SQLite, 127.0.0.1).", no_args_is_help=True)
app.add_typer(studio_app, name="studio")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])
USER_ERRORS = (IngestError, SchemaError, LexiconError, ExportError, studio.StudioError, FileNotFoundError, KeyError, ValueError)
ROOT = typer.Option(Path("."), "--root", help="Project root holding seeds/, data/, dist/ and .studio/.")


def _user_errors(func: F) -> F:
    """Show a user mistake as one line on stderr and exit 1, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as err:
            message = err.args[0] if isinstance(err, KeyError) and err.args else err
            errors.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@contextmanager
def _bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


@app.command("ingest")
@_user_errors
def ingest_cli(
    root: Path = ROOT,
    seeds: Path = typer.Option(None, help="File or directory of .txt/.jsonl/.csv articles (default: ROOT/seeds)."),
    manifest: Path = typer.Option(None, help="Manifest with targets (default: articles.yaml beside the sources)."),
) -> None:
    """Parse the articles and their manifest into data/interim/articles.parquet; report bad input."""
    report = pipeline.ingest(pipeline.Paths(root), seeds, manifest)
    for problem in report.skipped:
        errors.print(f"[yellow]skipped:[/] {escape(str(problem))}", highlight=False)
    targets = sum(len(a.targets) for a in report.articles)
    console.print(f"{report.summary()}; {targets} stance target(s)")
    if report.skipped:
        sys.exit(1)


@app.command("segment")
@_user_errors
def segment_cli(root: Path = ROOT) -> None:
    """Split the articles into sentences with character offsets (data/interim/sentences.parquet)."""
    sentences = pipeline.segment(pipeline.Paths(root))
    console.print(f"segmented into {len(sentences)} sentence(s) (headlines included)")


@studio_app.command("start")
@_user_errors
def studio_start_cli(
    root: Path = ROOT,
    port: int = typer.Option(None, help="Port to bind (default: a free one)."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind; anything but loopback exposes the server."),
    database: str = typer.Option(
        None, envvar="ANNOTATION_DATABASE_URL",
        help="postgresql://USER@HOST:PORT/DB for team campaigns (password via $PGPASSWORD); default SQLite in .studio/.",
    ),
) -> None:
    """Start Label Studio in the background (or report the running one) and leave it up."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        errors.print(f"[yellow]warning:[/] binding to {host} makes Label Studio reachable from other machines")
    with console.status("starting Label Studio (30-60 s on first start)…"):
        info = studio.start_server(pipeline.Paths(root).studio, host=host, port=port, database=database)
    console.print(f"Label Studio ({info.database}) is running at {info.url} (pid {info.pid}); admin login in {pipeline.Paths(root).studio / 'credentials.json'}")


@studio_app.command("stop")
@_user_errors
def studio_stop_cli(root: Path = ROOT) -> None:
    """Stop the Label Studio server this project started."""
    stopped = studio.stop_server(pipeline.Paths(root).studio)
    console.print("stopped Label Studio" if stopped else "no Label Studio server was running")


@studio_app.command("status")
@_user_errors
def studio_status_cli(root: Path = ROOT) -> None:
    """Say whether the server is running, and where."""
    info = studio.server_status(pipeline.Paths(root).studio)
    console.print(f"running at {info.url} on {info.database} (pid {info.pid}, since {info.started_at})" if info else "not running")
    raise typer.Exit(0 if info else 3)


annotators_app = typer.Typer(help="Manage annotator accounts.", no_args_is_help=True)
studio_app.add_typer(annotators_app, name="annotators")


@annotators_app.command("add")
@_user_errors
def annotators_add_cli(
    csv_file: Path = typer.Argument(..., help="CSV with a header 'email,name'."),
    root: Path = ROOT,
) -> None:
    """Create a Label Studio login per annotator; logins go to .studio/annotator-logins.csv (0600)."""
    emails, logins = pipeline.add_annotators(pipeline.Paths(root), csv_file)
    console.print(f"{len(emails)} annotator(s) can log in; hand out their logins from {logins} (passwords are not printed)")


@studio_app.command("progress")
@_user_errors
def progress_cli(root: Path = ROOT, overlap: int = typer.Option(3, min=1, help="Annotations each task should collect.")) -> None:
    """Per-annotator counts and median lead time, and the tasks still short of the overlap."""
    table, short, n_tasks = pipeline.annotation_progress(pipeline.Paths(root), overlap=overlap)
    console.print(table.to_string() if len(table) else "no annotations yet", highlight=False)
    console.print(f"{short} of {n_tasks} task(s) have fewer than {overlap} annotation(s)")


@studio_app.command("migrate")
@_user_errors
def migrate_cli(
    to_root: Path = typer.Option(..., "--to-root", help="Project root of the new server (its .studio/ is created)."),
    database: str = typer.Option(None, envvar="ANNOTATION_DATABASE_URL", help="postgresql://USER@HOST:PORT/DB of the new server."),
    root: Path = ROOT,
) -> None:
    """Copy the campaign (tasks, annotations, annotator accounts) to a new server and verify it."""
    report, info = pipeline.migrate(pipeline.Paths(root), to_root, database=database)
    console.print(f"copied {report.tasks} task(s) and {report.annotations} annotation(s) by {report.annotators} annotator(s) "
                  f"to {info.url} ({info.database}); {report.new_logins} new login(s) in {to_root / '.studio' / pipeline.LOGINS_FILE}")
    if not report.equal:
        errors.print(f"[bold red]error:[/] the copy differs from the source: {escape(report.difference)}")
        sys.exit(1)
    console.print("verified: the parsed annotations and spans on both servers are equal; the new server is left running")


@app.command("push")
@_user_errors
def push_cli(
    root: Path = ROOT,
    schema: Path = typer.Option(DEFAULT_SCHEMA, help="Schema YAML that generates the labeling config."),
    overlap: int = typer.Option(3, min=1, help="Annotations each task collects from distinct annotators."),
) -> None:
    """Create/update the project and push one task per sentence × target (idempotent)."""
    with _bar("pushing tasks", None) as advance:
        project_id, report, n_tasks = pipeline.push(pipeline.Paths(root), schema_path=schema, overlap=overlap, progress=advance)
    console.print(f"project {project_id}: {report.created} task(s) created, {report.existing} already there (of {n_tasks})")
    for key in report.changed:
        errors.print(f"[yellow]warning:[/] task {escape(key)} exists with different sentence text; left unchanged")


@app.command("pull")
@_user_errors
def pull_cli(root: Path = ROOT) -> None:
    """Download a full export into data/raw/ (atomic, sha256 in MANIFEST.json)."""
    export = pipeline.pull(pipeline.Paths(root))
    console.print(f"pulled {export.n_tasks} task(s) from project {export.project_id} into {export.path} (sha256 {export.sha256[:12]}…)")


@app.command("build")
@_user_errors
def build_cli(
    root: Path = ROOT,
    schema: Path = typer.Option(DEFAULT_SCHEMA, help="Schema YAML."),
    freeze_splits: bool = typer.Option(
        False, "--freeze-splits", help="Give new articles their hash-based split and append them to seeds/splits.yaml (then commit it)."
    ),
) -> None:
    """Parse the newest export, aggregate, and write the Hugging Face release to dist/."""
    release, votes = pipeline.build(pipeline.Paths(root), schema_path=schema, freeze_splits=freeze_splits)
    console.print(f"built {release} from {len(votes.annotations)} annotation(s) on {len(votes.tasks)} task(s); dropped {votes.dropped}")
    if len(votes.integrity):
        errors.print(f"[yellow]integrity:[/] {len(votes.integrity)} annotation(s) flagged; see {pipeline.Paths(root).interim / 'integrity.parquet'}")


@app.command("review")
@_user_errors
def review_cli(
    root: Path = ROOT,
    below: float = typer.Option(0.5, min=0.0, max=1.0, help="Review tasks whose top label has less than this share of the votes (ties always)."),
) -> None:
    """Send the least-agreed tasks of the last build to a review project for adjudication."""
    project_id, report, n_selected = pipeline.review(pipeline.Paths(root), below=below)
    console.print(f"{n_selected} task(s) need adjudication; review project {project_id}: {report.created} added, {report.existing} already there")
    console.print("adjudicated labels are pulled by `annotation pull` and used by the next `annotation build`")


@app.command("stats")
@_user_errors
def stats_cli(
    root: Path = ROOT,
    release: Path = typer.Option(None, help="Release directory (default: newest in dist/)."),
    datasheet: Path = typer.Option(None, help="DATASHEET.md whose generated block to rewrite (default: the repository's)."),
) -> None:
    """Rewrite DATASHEET.md's generated statistics block from a release's stats.json."""
    from annotation import dataset

    paths = pipeline.Paths(root)
    changed = dataset.update_datasheet(datasheet or dataset.DEFAULT_DATASHEET, release or pipeline.newest_release(paths.dist))
    console.print("updated the statistics in DATASHEET.md" if changed else "DATASHEET.md statistics already up to date")


@app.command("baselines")
@_user_errors
def baselines_cli(root: Path = ROOT, release: Path = typer.Option(None, help="Release directory (default: newest in dist/).")) -> None:
    """Train and evaluate the baselines; write data/baselines/metrics.json and print a table."""
    from annotation.baselines import summary_table

    paths = pipeline.Paths(root)
    metrics = pipeline.run_baselines(paths, release or pipeline.newest_release(paths.dist))
    console.print(summary_table(metrics), highlight=False)
    console.print(f"metrics written to {paths.metrics}")


@app.command("demo")
@_user_errors
def demo_cli(
    root: Path = ROOT,
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave Label Studio up afterwards."),
    seed: int = typer.Option(0, help="Seed of the simulated annotators."),
) -> None:
    """Run every stage on seeds/ with a local Label Studio and 3 simulated (synthetic) annotators."""
    paths = pipeline.Paths(root)
    was_running = studio.server_status(paths.studio) is not None
    ingest_cli(root=root, seeds=None, manifest=None)
    segment_cli(root=root)
    studio_start_cli(root=root, port=None, host="127.0.0.1", database=None)
    try:
        push_cli(root=root, schema=DEFAULT_SCHEMA, overlap=3)
        with _bar("simulated annotators labelling (synthetic)", None) as advance:
            counts = pipeline.simulate_annotation(paths, seed=seed, progress=advance)
        console.print(f"simulated annotators submitted {counts} annotation(s) (marked synthetic)")
        pull_cli(root=root)
        build_cli(root=root, schema=DEFAULT_SCHEMA, freeze_splits=False)
        baselines_cli(root=root, release=None)
        info = studio.server_status(paths.studio)
        if info:
            console.print(f"annotators would work at {info.url}/projects/")
    finally:
        if not keep_running and not was_running:
            studio_stop_cli(root=root)


@app.command("notebooks")
@_user_errors
def notebooks_cli(
    release: Path = typer.Option(..., help="Release directory the notebooks read (dist/<name>-<version>/)."),
    out: Path = typer.Option(Path("notebooks/output"), help="Where the executed notebooks (NN_topic.ipynb) and their figures (NN_topic/) go."),
) -> None:
    """Execute the notebooks top to bottom against a release; keep the executed copies and figures."""
    from annotation.notebooks import NotebookRun, run_notebooks

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


if __name__ == "__main__":
    app()
