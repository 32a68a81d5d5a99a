"""Latency of one "next task" request: the toolkit's labeling stream beside Label Studio's own (not part of the tests).

For annotators the server chooses the next task with ``annotation/studio/stream.py`` (reading order
by blocks of article × target, claims, gold at a rate); the admin, a superuser, keeps Label
Studio's own ``get_next_task``. Both are timed here as the client sees them: one
``GET /api/projects/{id}/next`` (``Studio.next_task``), HTTP round trip included.

One fresh server (SQLite), projects of N tasks (N/20 articles × 10 sentences × 2 targets, pushed in
reading order, overlap 3):

- **empty**: projects A (toolkit) and B (Label Studio) start without annotations. R calls each,
  interleaved one for one so that both see the same machine load: (a) K annotators take turns
  ``next_task`` + ``submit_annotation`` on A; (b) the admin does ``next_task`` + ``submit_annotation``
  on B (alone, the admin annotates each task once; that is fine for latency).
- **pre-filled**: projects C (toolkit) and D (Label Studio) are imported with the first share of
  their tasks (whole articles) already at the overlap, 3 annotations each attributed to three other
  annotators (the import's ``completed_by``; without it Label Studio attributes every imported
  annotation to the importing admin, and marks it ground truth unless told otherwise), so the
  toolkit's scan must step over the filled tasks. Same R calls as above, by fresh users.
- **active**: projects F (toolkit, ``active`` with a block ranking as ``annotation suggest``
  writes it, here a seeded random order of all blocks) and G (Label Studio's own active mechanism:
  ``sampling = "Uncertainty sampling"``, every task with a scored prediction of the project's model
  version) start empty; R calls each, interleaved, as for **empty**. The toolkit's call that starts
  a new block checks the ranked blocks' task ids (written with the ranking) 20 blocks at a time.
- **heavy**: an annotator who has already done H tasks (default 2,000; one of the three on C's
  first H tasks) asks for the next one, ``--heavy-calls`` times with a submit in between; beside it
  the admin, one of the three on the first H tasks of project E (otherwise like D), on Label
  Studio's stream.

For the toolkit the calls are also split by where the annotator stands: a call that starts a new
block (the annotator has finished theirs) and a call within a block.

    python bench/stream.py                 # 20,000 tasks, 5 annotators, 200 calls each, 50% pre-filled
    python bench/stream.py --tasks 2000    # quick

Measured on 2 shared cores (a browser test ran beside the pre-filled phase), ms per next_task call,
median / p95, ``python bench/stream.py`` (20,000 tasks, 10,000 pre-filled, heavy annotator 2,000):

    empty        toolkit 36.3 /  73.5   Label Studio 72.4 /  91.8   ratio 0.50x / 0.80x
                 new block 68.7, within a block 35.6
    pre-filled   toolkit 58.0 / 120.7   Label Studio 91.3 / 123.4   ratio 0.64x / 0.98x
                 new block 99.6, within a block 57.4
    heavy        toolkit 63.8 (calls after the first; first 92.7)   Label Studio 73.8   ratio 1.06x

The active phase, ``python bench/stream.py --tasks 20000 --rounds 100 --prefill 0`` (2 cores with a
load average of 6-7 from other runs, so only the ratios travel): toolkit 146.6 / 247.6 ms (new
block 239.9, within a block 144.6) against Label Studio's uncertainty sampling 223.3 / 264.4, ratio
0.66x / 0.94x. Its first version found the best-ranked open block by scanning every open task with
the count subqueries: new block 573 ms, p95 2.25x; the ranking now carries each block's task ids
and the server checks 20 blocks per primary-key query.

The first version of the stream (commit bc4d722, the same command) was 0.71x empty but 2.28x
pre-filled and 2.74x heavy: a call that started a new block scanned every open task for the
finished block, every call stepped over the filled tasks with their count subqueries, and each
other recent annotator's block was checked with a query over the whole project (py-spy: 60% of a
call). Now the annotator's own block is one small query, Label Studio's ``is_labeled`` drops full
tasks before the scan, and other annotators' claims are counted only for the blocks the scan
reaches.

Each phase prints a timestamped line as it starts. Stopped by SIGTERM (``timeout``), SIGINT or an
error, it stops its server and removes its work directory; SIGKILLed, its server stops with it.
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotation import studio  # noqa: E402
from annotation.assignment import QueueSettings, block_of, write_block_ranking, write_queue_settings  # noqa: E402
from annotation.schema import load_schema, to_instructions, to_label_config  # noqa: E402
from bench.harness import Progress, stop_on_sigterm  # noqa: E402

progress = Progress()
OVERLAP = 3
SENTENCES, TARGETS = 10, ("Kerry", "gun control")
PER_ARTICLE = SENTENCES * len(TARGETS)
STANCE = {"from_name": "stance", "to_name": "text", "type": "choices"}
RESULT = [{**STANCE, "value": {"choices": ["neutral"]}}]
ORDER = "article-target"


def make_tasks(title: str, n_tasks: int) -> list[dict[str, Any]]:
    """``n_tasks`` (a multiple of 20) tasks in reading order: by article, sentence, target."""
    return [{"data": {"task_key": f"{title}-{a}-{s}|{t}", "sentence_id": f"{title}-{a:05d}-{s:02d}", "article_id": f"{title}-{a:05d}",
                      "text": f"Sentence {s} of article {a}, about {t}.", "target": t, "headline": f"Article {a}",
                      "context_before": "", "context_after": ""}}
            for a in range(n_tasks // PER_ARTICLE) for s in range(SENTENCES) for t in TARGETS]


def prefilled(tasks: list[dict[str, Any]], n_filled: int, fillers: Sequence[int], heavy: int | None, n_heavy: int) -> list[dict[str, Any]]:
    """A copy of ``tasks`` whose first ``n_filled`` carry ``OVERLAP`` annotations by ``fillers``;
    on the first ``n_heavy`` of them user ``heavy`` stands in for the last filler."""
    out = []
    for i, task in enumerate(tasks):
        task = dict(task)
        if i < n_filled:
            users = [*fillers[:-1], heavy if heavy is not None and i < n_heavy else fillers[-1]]
            task["annotations"] = [{"result": RESULT, "completed_by": user, "ground_truth": False, "was_cancelled": False,
                                    "lead_time": 5.0} for user in users]
        out.append(task)
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def timed_next(client: studio.Studio, project_id: int) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    task = client.next_task(project_id)
    seconds = time.perf_counter() - start
    if task is None:
        raise RuntimeError(f"project {project_id} served no task; raise --tasks or lower --rounds")
    return seconds, task


class Stream:
    """Timed next_task calls on one project by users taking turns, each labelling what it gets."""

    def __init__(self, name: str, project_id: int, users: Sequence[studio.Studio]) -> None:
        self.name, self.project_id, self.users = name, project_id, list(users)
        self.turn = 0
        self.times: list[float] = []
        self.boundary: list[bool] = []  # the call started a new block for its user
        self.last_block: dict[int, tuple[str, ...]] = {}
        self.queues: set[str] = set()

    def step(self) -> None:
        index = self.turn % len(self.users)
        self.turn += 1
        user = self.users[index]
        seconds, task = timed_next(user, self.project_id)
        block = block_of(task["data"], ORDER)
        self.times.append(seconds)
        self.boundary.append(self.last_block.get(index) != block)
        self.last_block[index] = block
        self.queues.add(str(task.get("queue", "")).split(":")[0])
        user.submit_annotation(task["id"], RESULT, 1.0)


def interleave(streams: Sequence[Stream], calls: int, label: str) -> None:
    for i in range(calls):
        if i % 50 == 0:
            progress(f"{label}: call {i + 1} of {calls}")
        for stream in streams if i % 2 == 0 else reversed(streams):  # alternate who goes first
            stream.step()


def ms(values: Sequence[float]) -> str:
    if not values:
        return f"{'-':>8} {'-':>8} {'-':>8} {0:>6}"
    return f"{statistics.median(values) * 1e3:>8.1f} {percentile(values, 95) * 1e3:>8.1f} {max(values) * 1e3:>8.1f} {len(values):>6}"


def report(title: str, ours: Stream, theirs: Stream) -> None:
    print(f"\n{title}")
    print(f"{'stream':46} {'median':>8} {'p95':>8} {'max':>8} {'calls':>6}   (ms per next_task)")
    print(f"{'(a) toolkit, ' + str(len(ours.users)) + ' annotators taking turns':46} {ms(ours.times)}")
    print(f"{'    of which starting a new block':46} {ms([t for t, b in zip(ours.times, ours.boundary) if b])}")
    print(f"{'    of which within a block':46} {ms([t for t, b in zip(ours.times, ours.boundary) if not b])}")
    print(f"{'(b) Label Studio, admin':46} {ms(theirs.times)}")
    ratio_median = statistics.median(ours.times) / statistics.median(theirs.times)
    ratio_p95 = percentile(ours.times, 95) / percentile(theirs.times, 95)
    print(f"ratio toolkit / Label Studio: median {ratio_median:.2f}x, p95 {ratio_p95:.2f}x"
          f"   (queues served: {', '.join(sorted(ours.queues))} / {', '.join(sorted(theirs.queues))})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=20_000, help="tasks per project (rounded down to whole articles of 20)")
    parser.add_argument("--annotators", type=int, default=5, help="annotators taking turns on the toolkit's stream")
    parser.add_argument("--rounds", type=int, default=200, help="timed next_task calls per stream and state")
    parser.add_argument("--prefill", type=float, default=0.5, help="share of tasks imported at the overlap (0 skips)")
    parser.add_argument("--heavy", type=int, default=2_000, help="tasks the heavy annotator has done (at most the pre-filled ones)")
    parser.add_argument("--heavy-calls", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--no-active", action="store_true", help="skip the active-order phase")
    args = parser.parse_args()
    stop_on_sigterm()
    n_tasks = args.tasks // PER_ARTICLE * PER_ARTICLE
    n_filled = int(n_tasks * args.prefill) // PER_ARTICLE * PER_ARTICLE
    n_heavy = min(args.heavy, n_filled)
    if n_tasks - n_filled < args.rounds * 2:
        parser.error(f"{n_tasks - n_filled} open tasks are too few for {args.rounds} rounds")
    root = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    studio_dir = root / "studio"
    progress(f"work dir {root}; {n_tasks:,} tasks per project, overlap {OVERLAP}, {n_filled:,} pre-filled, heavy annotator {n_heavy:,}")
    try:
        progress("starting Label Studio")
        info = studio.start_server(studio_dir, stop_with_caller=True)
        progress(f"server up at {info.url} (pid {info.pid})")
        admin = studio.connect(studio_dir)
        schema = load_schema()
        config, instructions = to_label_config(schema), to_instructions(schema)

        def project(title: str, tasks: list[dict[str, Any]], toolkit: bool) -> int:
            project_id = admin.create_project(title, config, instructions, overlap=OVERLAP)
            if toolkit:  # the annotators' stream reads it; Label Studio's own ignores it
                write_queue_settings(studio.queue_dir(studio_dir), project_id, QueueSettings(order=ORDER, gold_rate=0.1))
            start = time.perf_counter()
            admin.push_tasks(project_id, tasks, batch_size=args.batch_size)
            progress(f"project {title} ({project_id}): {len(tasks):,} tasks pushed in {time.perf_counter() - start:.0f} s")
            return project_id

        progress(f"adding {args.annotators} annotators, 3 fillers and a heavy annotator")
        annotators = [admin.add_annotator(f"bench-a{i}@synthetic.invalid", f"bench-a{i}-password-1") for i in range(args.annotators)]
        fresh = [admin.add_annotator(f"bench-p{i}@synthetic.invalid", f"bench-p{i}-password-1") for i in range(args.annotators)]
        fillers = [int(admin.add_annotator(f"bench-f{i}@synthetic.invalid", f"bench-f{i}-password-1").whoami()["id"])
                   for i in range(OVERLAP)]
        heavy = admin.add_annotator("bench-heavy@synthetic.invalid", "bench-heavy-password-1")
        heavy_id, admin_id = int(heavy.whoami()["id"]), int(admin.whoami()["id"])

        a = project("stream-A", make_tasks("A", n_tasks), toolkit=True)
        b = project("stream-B", make_tasks("B", n_tasks), toolkit=False)
        ours, theirs = Stream("A", a, annotators), Stream("B", b, [admin])
        interleave([ours, theirs], args.rounds, "empty projects")
        report(f"empty projects ({n_tasks:,} tasks, overlap {OVERLAP}; {args.rounds} calls each, interleaved)", ours, theirs)

        if not args.no_active:
            f = project("stream-F", make_tasks("F", n_tasks), toolkit=True)
            ids: dict[tuple[str, ...], list[int]] = {}
            for task in sorted(admin.iter_tasks(f), key=lambda t: t["id"]):
                ids.setdefault(block_of(task["data"], ORDER), []).append(int(task["id"]))
            ranking = list(ids.items())
            random.Random(0).shuffle(ranking)
            write_block_ranking(studio.queue_dir(studio_dir), f, ranking, order=ORDER, model_version="bench-v1")
            rng = random.Random(1)
            g = project("stream-G", [{**t, "predictions": [{"model_version": "bench-v1", "score": round(rng.random(), 4), "result": RESULT}]}
                                     for t in make_tasks("G", n_tasks)], toolkit=False)
            admin._call("uncertainty sampling", lambda: admin.sdk.projects.update(g, sampling="Uncertainty sampling", model_version="bench-v1"))
            active = [admin.add_annotator(f"bench-u{i}@synthetic.invalid", f"bench-u{i}-password-1") for i in range(args.annotators)]
            ours, theirs = Stream("F", f, active), Stream("G", g, [admin])
            interleave([ours, theirs], args.rounds, "active order")
            report(f"active order ({n_tasks:,} tasks, {len(ranking):,} ranked blocks; Label Studio: uncertainty sampling over scored "
                   f"predictions; {args.rounds} calls each, interleaved)", ours, theirs)

        if n_filled:
            c = project("stream-C", prefilled(make_tasks("C", n_tasks), n_filled, fillers, heavy_id, n_heavy), toolkit=True)
            d = project("stream-D", prefilled(make_tasks("D", n_tasks), n_filled, fillers, None, 0), toolkit=False)
            ours, theirs = Stream("C", c, fresh), Stream("D", d, [admin])
            interleave([ours, theirs], args.rounds, "pre-filled projects")
            report(f"pre-filled projects ({n_filled:,} of {n_tasks:,} tasks at the overlap, {OVERLAP * n_filled:,} imported "
                   f"annotations by 3 other annotators; {args.rounds} calls each, interleaved)", ours, theirs)

            e = project("stream-E", prefilled(make_tasks("E", n_tasks), n_filled, fillers, admin_id, n_heavy), toolkit=False)
            ours, theirs = Stream("C", c, [heavy]), Stream("E", e, [admin])
            interleave([ours, theirs], args.heavy_calls, "heavy annotator")
            print(f"\nheavy: a user who has done {n_heavy:,} tasks (pre-filled projects as above, {args.annotators} "
                  f"annotators active on C); {args.heavy_calls} calls each, interleaved")
            print(f"{'stream':46} {'median':>8} {'p95':>8} {'max':>8} {'calls':>6}   (ms per next_task)")
            print(f"{'(a) toolkit, first call (leaves its done block)':46} {ms(ours.times[:1])}")
            print(f"{'(a) toolkit, the calls after':46} {ms(ours.times[1:])}")
            print(f"{'    of which starting a new block':46} {ms([t for t, x in zip(ours.times[1:], ours.boundary[1:]) if x])}")
            print(f"{'(b) Label Studio, admin':46} {ms(theirs.times)}")
            print(f"ratio toolkit / Label Studio: median {statistics.median(ours.times) / statistics.median(theirs.times):.2f}x")
    finally:
        studio.stop_server(studio_dir)
        shutil.rmtree(root, ignore_errors=True)
        progress("server stopped, work dir removed")


if __name__ == "__main__":
    main()
