"""Concurrent annotators against real local Label Studio servers, with faults, on SQLite and PostgreSQL.

N simulated annotators (separate Label Studio users, one thread each) label through the labeling
stream while a puller exports every few seconds. Midway the server is killed (SIGKILL) and
restarted on the same port, and a push of a new batch of articles is killed and re-run. At the
end every acknowledged annotation must be in the final export exactly once, every intermediate
export must parse, and every task must exist exactly once. Loopback only; bounded in time and count.

    python bench/load.py                      # 20 annotators, 120 tasks, both databases
    python bench/load.py --databases sqlite   # one database
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotation import studio  # noqa: E402
from annotation.exports import load_export  # noqa: E402
from annotation.lexicon import load_lexicon  # noqa: E402
from annotation.schema import load_schema, to_instructions, to_label_config  # noqa: E402
from annotation.simulate import SimulatedAnnotator, simulate_result  # noqa: E402
from tests.fixtures.studio import seed_copy_tasks  # noqa: E402

RETRY_FOR_S = 180.0


@dataclass
class LoadReport:
    """What one load run measured."""

    database: str
    annotators: int
    tasks: int
    acknowledged: int = 0
    client_errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    pulls: int = 0
    pulls_failed_while_down: int = 0
    lost: int = 0
    duplicated_ids: int = 0
    same_annotator_twice: int = 0
    over_assigned_tasks: int = 0
    tasks_missing: int = 0
    tasks_duplicated: int = 0

    def row(self) -> str:
        p50 = statistics.median(self.latencies) * 1000 if self.latencies else float("nan")
        p95 = statistics.quantiles(self.latencies, n=20)[-1] * 1000 if len(self.latencies) > 1 else float("nan")
        return (f"{self.database:11} {self.annotators:>4} {self.acknowledged:>6} {self.acknowledged / self.seconds:>8.1f} "
                f"{p50:>7.0f} {p95:>7.0f} {self.pulls:>6} {self.lost:>5} {self.duplicated_ids + self.same_annotator_twice:>5} "
                f"{self.over_assigned_tasks:>5} {self.tasks_missing + self.tasks_duplicated:>6} {self.client_errors:>7}")


HEADER = (f"{'database':11} {'ann.':>4} {'acked':>6} {'annot/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'pulls':>6} "
          f"{'lost':>5} {'dupl.':>5} {'over':>5} {'tasks!':>6} {'retries':>7}")


def _retrying(action, report: LoadReport, lock: threading.Lock):  # type: ignore[no-untyped-def]
    """Call ``action`` until it succeeds or the server stays down longer than RETRY_FOR_S."""
    deadline = time.monotonic() + RETRY_FOR_S
    while True:
        try:
            return action()
        except studio.StudioError:
            with lock:
                report.client_errors += 1
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _annotate(client: studio.Studio, annotator: SimulatedAnnotator, project_id: int, report: LoadReport,
              acked: list[tuple[int, int, str]], lock: threading.Lock, faults_done: threading.Event) -> None:
    schema, lexicon = load_schema(), load_lexicon()
    rng = random.Random(annotator.name)
    while True:
        task = _retrying(lambda: client.next_task(project_id), report, lock)
        if task is None:
            if faults_done.is_set():
                return
            time.sleep(0.5)  # the late batch may still be coming
            continue
        result, _ = simulate_result(task["data"], annotator, rng, schema=schema, lexicon=lexicon)
        started = time.perf_counter()
        try:
            annotation_id = client.submit_annotation(int(task["id"]), result, round(rng.uniform(2, 20), 2))
        except studio.StudioError:
            # The server died under this request: unknown whether it landed, so it is not
            # acknowledged; the stream serves the task again if it did not.
            with lock:
                report.client_errors += 1
            time.sleep(1.0)
            continue
        with lock:
            report.latencies.append(time.perf_counter() - started)
            acked.append((annotation_id, int(task["id"]), annotator.email))


def _puller(admin_dir: Path, project_id: int, raw_dir: Path, every: float, report: LoadReport, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            export = studio.connect(admin_dir).pull_export(project_id, raw_dir)
        except studio.StudioError:
            report.pulls_failed_while_down += 1
            continue
        load_export(export.path)  # every intermediate export must parse
        report.pulls += 1


def _kill_and_restart(studio_dir: Path, database: str | None) -> None:
    info = studio.server_status(studio_dir)
    assert info is not None
    os.killpg(info.pid, signal.SIGKILL)
    time.sleep(1.0)
    studio.start_server(studio_dir, port=info.port, database=database)


def _interrupted_push(studio_dir: Path, project_id: int, n_articles: int) -> None:
    """Push a new batch in a child process, kill it after its first batches land, push again."""
    info = studio.server_status(studio_dir)
    assert info is not None
    token = json.loads((studio_dir / "credentials.json").read_text())["token"]
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(REPO)!r})
        from bench.load import copies_of_seed
        from annotation.studio import Studio
        Studio({info.url!r}, sys.stdin.readline().strip()).push_tasks({project_id}, seed_copy_tasks({n_articles}, "late"), batch_size=24)
    """)
    admin = studio.connect(studio_dir)
    before = sum(1 for _ in admin.iter_tasks(project_id))
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, text=True)
    child.stdin.write(token + "\n")  # the token goes through a pipe, never the command line
    child.stdin.close()
    deadline = time.monotonic() + 60
    while sum(1 for _ in admin.iter_tasks(project_id)) < before + 24 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
    child.kill()
    child.wait()
    admin.push_tasks(project_id, seed_copy_tasks(n_articles, "late"), batch_size=24)


def run_load(studio_dir: Path, raw_dir: Path, *, database: str | None, n_annotators: int, n_articles: int,
             late_articles: int = 2, overlap: int = 3, pull_every: float = 3.0, faults: bool = True) -> LoadReport:
    """One bounded load run on a fresh server in ``studio_dir``; returns the counts it checked."""
    studio.start_server(studio_dir, database=database)
    admin = studio.connect(studio_dir)
    schema = load_schema()
    project_id, _ = admin.ensure_project("load", to_label_config(schema), to_instructions(schema), overlap=overlap)
    admin.push_tasks(project_id, seed_copy_tasks(n_articles, "load"))
    people = [SimulatedAnnotator(f"load-{i:02d}", 0.8, 0.7, 0.1) for i in range(n_annotators)]
    clients = {a: admin.add_annotator(a.email, f"{a.name}-password-123") for a in people}
    report = LoadReport("postgresql" if database else "sqlite", n_annotators, 24 * (n_articles + (late_articles if faults else 0)))
    acked: list[tuple[int, int, str]] = []
    lock, stop, faults_done = threading.Lock(), threading.Event(), threading.Event()
    workers = [threading.Thread(target=_annotate, args=(clients[a], a, project_id, report, acked, lock, faults_done)) for a in people]
    puller = threading.Thread(target=_puller, args=(studio_dir, project_id, raw_dir, pull_every, report, stop))
    started = time.perf_counter()
    for thread in [*workers, puller]:
        thread.start()
    if faults:
        while len(acked) < overlap * 24 * n_articles // 3 and any(w.is_alive() for w in workers):
            time.sleep(0.2)
        _kill_and_restart(studio_dir, database)
        _interrupted_push(studio_dir, project_id, late_articles)
    faults_done.set()
    for thread in workers:
        thread.join()
    report.seconds = time.perf_counter() - started
    stop.set()
    puller.join()

    final = load_export(studio.connect(studio_dir).pull_export(project_id, raw_dir).path)
    users = studio.connect(studio_dir).users()
    ids = Counter(int(a["id"]) for t in final for a in t["annotations"] if not a.get("was_cancelled"))
    report.acknowledged = len(acked)
    report.lost = sum(1 for annotation_id, _, _ in acked if annotation_id not in ids)
    report.duplicated_ids = sum(n - 1 for n in ids.values() if n > 1)
    for task in final:
        authors = Counter(users[a["completed_by"]] for a in task["annotations"] if not a.get("was_cancelled"))
        report.same_annotator_twice += sum(n - 1 for n in authors.values() if n > 1)
        report.over_assigned_tasks += len(authors) > overlap
    keys = Counter(t["data"]["task_key"] for t in final)
    report.tasks_missing = report.tasks - len(keys)
    report.tasks_duplicated = sum(n - 1 for n in keys.values() if n > 1)
    studio.stop_server(studio_dir)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--articles", type=int, default=5, help="copies of the seed article (24 tasks each)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-faults", action="store_true")
    args = parser.parse_args()
    reports = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for database in args.databases.split(","):
            url = None
            if database == "postgresql":
                from tests.fixtures.postgres import throwaway_postgres

                url = stack.enter_context(throwaway_postgres())
            root = Path(tmp) / database
            reports.append(run_load(root / ".studio", root / "raw", database=url, n_annotators=args.annotators,
                                    n_articles=args.articles, faults=not args.no_faults))
    print(f"\n{args.annotators} concurrent annotators, overlap 3, {'with' if not args.no_faults else 'without'} faults "
          "(server killed and restarted once; a push killed and re-run once)")
    print(HEADER)
    for report in reports:
        print(report.row())
    print("acked = annotations the server acknowledged; lost = acked but absent from the final export; "
          "dupl. = same id twice or one annotator twice on a task; over = tasks with more annotators than the overlap; "
          "tasks! = tasks missing or duplicated; retries = client calls that failed (server down) and were retried")


if __name__ == "__main__":
    main()
