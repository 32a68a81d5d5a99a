"""Push and pull throughput against real local Label Studio servers (not part of the tests).

Push, each on a fresh server so that peak RSS is not inherited (Label Studio keeps memory after a
large request):
  (a) this project's ``Studio.push_tasks`` (batched, idempotent);
  (b) one raw bulk-import call of the same payload through the SDK (``projects.import_tasks``);
  (c) a one-task-per-request SDK loop, on a sample.
Pull, on a project with N tasks of which a share carry an annotation: this project's
``Studio.pull_export`` beside the export endpoints it could have used.

    python bench/studio.py                 # 100k tasks, 30k annotations, 1k-task loop sample
    python bench/studio.py --tasks 20000   # quicker

Each phase prints a timestamped line as it starts. Stopped by SIGTERM (``timeout``), SIGINT or an
error, it stops its servers and removes its work directory; SIGKILLed, its servers stop with it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotation import studio  # noqa: E402
from annotation.schema import load_schema, to_instructions, to_label_config
from annotation.testing import seed_copy_tasks  # noqa: E402
from bench.harness import Progress, stop_on_sigterm  # noqa: E402

progress = Progress()
LONG = {"timeout_in_seconds": 3600}  # the SDK calls that import or export a whole project


class PeakRss:
    """Samples the resident memory of a server's label-studio process tree in a background thread."""

    def __init__(self, info: studio.ServerInfo, interval: float = 0.25) -> None:
        (self.process,) = psutil.Process(info.pid).children()  # under the supervisor, which is not measured
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:  # ended between the listing and the reading
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def make_payload(n_tasks: int) -> list[dict[str, Any]]:
    """N tasks with lexicon predictions, from copies of the seed article under new ids."""
    return seed_copy_tasks(-(-n_tasks // 24), prefix="bench")[:n_tasks]


def with_annotations(tasks: list[dict[str, Any]], share: float, seed: int = 0) -> list[dict[str, Any]]:
    """A copy of ``tasks`` where ``share`` of them carry one (admin) annotation."""
    rng = random.Random(seed)
    labels = load_schema().stance_names
    out = []
    for task in tasks:
        task = dict(task)
        if rng.random() < share:
            task["annotations"] = [{"result": [{"from_name": "stance", "to_name": "text", "type": "choices",
                                                "value": {"choices": [rng.choice(labels)]}}], "lead_time": 5.0}]
        out.append(task)
    return out


def fresh_server(root: Path, name: str) -> tuple[studio.ServerInfo, studio.Studio, int]:
    progress(f"{name}: starting Label Studio")
    info = studio.start_server(root / name, stop_with_caller=True)
    progress(f"{name}: server up at {info.url} (pid {info.pid})")
    client = studio.connect(root / name)
    schema = load_schema()
    project_id, _ = client.ensure_project(name, to_label_config(schema), to_instructions(schema))
    return info, client, project_id


def count_tasks(client: studio.Studio, project_id: int) -> int:
    project = client.get_project(project_id)
    assert project is not None
    return int(project["task_number"])


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_push(root: Path, payload: list[dict[str, Any]], loop_sample: int, batch_size: int) -> None:
    n = len(payload)
    rows = []
    info, client, project_id = fresh_server(root, "push-ours")
    progress(f"push (a): {n:,} tasks with push_tasks, batches of {batch_size:,}")
    with PeakRss(info) as rss:
        seconds = timed(lambda: client.push_tasks(project_id, payload, batch_size=batch_size))
    assert count_tasks(client, project_id) == n, "push (a) lost or duplicated tasks"
    rows.append(("(a) annotation push_tasks", n, seconds, rss.peak))

    sample = payload[:loop_sample]
    progress(f"push (c): {len(sample):,} tasks, one SDK request each")
    loop_project, _ = client.ensure_project("push-loop", to_label_config(load_schema()), "")
    seconds = timed(lambda: [client.sdk.projects.import_tasks(loop_project, request=[task]) for task in sample])
    assert count_tasks(client, loop_project) == len(sample)
    rows.append(("(c) SDK one task per request", len(sample), seconds, None))
    studio.stop_server(root / "push-ours")

    info, client, project_id = fresh_server(root, "push-sdk")
    progress(f"push (b): {n:,} tasks in one SDK import call")
    with PeakRss(info) as rss:
        seconds = timed(lambda: client.sdk.projects.import_tasks(project_id, request=payload, request_options=LONG))
    assert count_tasks(client, project_id) == n, "push (b) lost or duplicated tasks"
    rows.append(("(b) SDK one bulk call", n, seconds, rss.peak))
    studio.stop_server(root / "push-sdk")

    rates = {label: count / secs for label, count, secs, _ in rows}
    print(f"\npush ({n:,} tasks with lexicon predictions, batch size {batch_size:,})")
    print(f"{'method':32} {'tasks':>8} {'seconds':>8} {'tasks/s':>9} {'server peak RSS':>16}")
    for label, count, secs, peak in rows:
        rss_text = f"{peak / 2**30:.2f} GB" if peak else "-"
        print(f"{label:32} {count:>8,} {secs:>8.1f} {count / secs:>9.1f} {rss_text:>16}")
    ours = rates["(a) annotation push_tasks"]
    print(f"ratio (a)/(b): {ours / rates['(b) SDK one bulk call']:.2f}x   (target >= 1.3x)")
    print(f"ratio (a)/(c): {ours / rates['(c) SDK one task per request']:.0f}x   (target >= 100x)")


def bench_pull(root: Path, payload: list[dict[str, Any]], share: float, batch_size: int, rounds: int) -> None:
    info, client, project_id = fresh_server(root, "pull")
    progress(f"pull: pushing {len(payload):,} tasks, {share:.0%} with an annotation")
    client.push_tasks(project_id, with_annotations(payload, share), batch_size=batch_size)
    n_annotations = int((client.get_project(project_id) or {})["total_annotations_number"])
    exports = client.sdk.projects.exports
    raw_dir = root / "raw"

    def endpoint(export_type: str) -> Callable[[], Any]:
        return lambda: b"".join(exports.download_sync(project_id, export_type=export_type, download_all_tasks=True,
                                                      request_options=LONG))

    def snapshot() -> None:
        export = exports.create(project_id, request_options=LONG)
        b"".join(exports.download(project_id, export.id, export_type="JSON", request_options=LONG))

    methods = {
        "annotation pull_export (snapshot + users)": lambda: client.pull_export(project_id, raw_dir),
        "snapshot create + download": snapshot,
        "export JSON": endpoint("JSON"),
        "export JSON_MIN (annotated tasks only)": endpoint("JSON_MIN"),
        "SDK exports.as_json": lambda: exports.as_json(project_id),
    }
    progress("pull: warm-up export")
    endpoint("JSON")()  # warm-up: the first export of a project pays for caches the others reuse
    times: dict[str, list[float]] = {name: [] for name in methods}
    for round_ in range(rounds):  # alternate the order; the machine is noisy, so keep the best
        for name in (list(methods) if round_ % 2 == 0 else list(reversed(methods))):
            progress(f"pull: round {round_ + 1} of {rounds}: {name}")
            times[name].append(timed(methods[name]))
    studio.stop_server(root / "pull")
    print(f"\npull ({len(payload):,} tasks, {n_annotations:,} annotations; best of {rounds})")
    for name, secs in times.items():
        print(f"{name:42} {min(secs):>7.1f} s")
    # JSON_MIN lacks cancelled flags and unannotated tasks; the snapshot and the JSON export carry
    # everything the parser needs, so the reference is the faster of those two.
    reference = min(min(times["snapshot create + download"]), min(times["export JSON"]))
    print(f"ratio pull_export / fastest complete endpoint: {min(times['annotation pull_export (snapshot + users)']) / reference:.2f}x   (target <= 1.1x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--loop-sample", type=int, default=1_000)
    parser.add_argument("--annotated-share", type=float, default=0.3)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--skip-push", action="store_true")
    parser.add_argument("--skip-pull", action="store_true")
    parser.add_argument("--pull-rounds", type=int, default=2)
    args = parser.parse_args()
    stop_on_sigterm()
    payload = make_payload(args.tasks)
    root = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    progress(f"work dir {root}")
    try:
        if not args.skip_push:
            bench_push(root, payload, args.loop_sample, args.batch_size)
        if not args.skip_pull:
            bench_pull(root, payload, args.annotated_share, args.batch_size, args.pull_rounds)
    finally:
        for name in ("push-ours", "push-sdk", "pull"):
            studio.stop_server(root / name)
        shutil.rmtree(root, ignore_errors=True)
        progress("servers stopped, work dir removed")


if __name__ == "__main__":
    main()
