"""Concurrent annotators against real local Label Studio servers, with faults, on SQLite and PostgreSQL.

N simulated annotators (separate Label Studio users, one thread each) label through the labeling
stream while a puller exports every few seconds. Midway the label-studio process is killed
(SIGKILL) and restarted on the same port, and a push of new articles is killed (SIGKILL) in a
child process midway and run again. At the end every acknowledged annotation must be in the final
export exactly once, every intermediate export must parse, and every task must exist exactly once.
Each fault prints what it did (pids, exit codes, batches landed before the kill, tasks after the
re-push). Loopback only; bounded in time and count. The run itself is ``annotation/testing/load.py``,
which ``tests/studio/test_load.py`` runs small.

    python bench/load.py                      # 20 annotators, 120 tasks + 48 late, both databases
    python bench/load.py --databases sqlite --annotators 4 --articles 1 --late-articles 1   # small
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotation.testing import HEADER, LEGEND, run_load, throwaway_postgres  # noqa: E402
from bench.harness import Progress, stop_on_sigterm  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--articles", type=int, default=5, help="copies of the seed article (24 tasks each)")
    parser.add_argument("--late-articles", type=int, default=2, help="copies pushed (and interrupted) midway")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pull-every", type=float, default=3.0, help="seconds between pulls")
    parser.add_argument("--no-faults", action="store_true")
    args = parser.parse_args()
    stop_on_sigterm()
    progress = Progress()
    reports = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        progress(f"work dir {tmp}")
        for database in args.databases.split(","):
            url = stack.enter_context(throwaway_postgres()) if database == "postgresql" else None
            root = Path(tmp) / database
            reports.append(run_load(root / ".studio", root / "raw", database=url, n_annotators=args.annotators,
                                    n_articles=args.articles, late_articles=args.late_articles,
                                    pull_every=args.pull_every, faults=not args.no_faults, progress=progress))
    print(f"\n{args.annotators} concurrent annotators, overlap 3, {'with' if not args.no_faults else 'without'} faults "
          "(label-studio killed and restarted once; a push killed midway and re-run once)")
    print(HEADER)
    for report in reports:
        print(report.row())
    print(LEGEND)
    for report in reports:
        for line in report.faults():
            print(f"{report.database}: {line}")


if __name__ == "__main__":
    main()
