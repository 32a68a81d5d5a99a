"""Faults produced for real, for tests and benchmarks: a push killed (SIGKILL) between two batches."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from annotation import studio
from annotation.testing.payloads import seed_copy_tasks

__all__ = ["KilledPush", "killed_push"]


@dataclass(frozen=True)
class KilledPush:
    """What ``killed_push`` did: the child it killed, how it ended, and what had been pushed."""

    pid: int
    returncode: int
    batches_acked: int
    batches: int
    batch_size: int
    n_tasks: int


def _push_child() -> None:
    """The child of ``killed_push``: its orders come as one JSON line on stdin (the token among them)."""
    orders = json.loads(sys.stdin.readline())
    tasks = seed_copy_tasks(orders["n_articles"], orders["prefix"])
    acked = 0

    def report(batch: int) -> None:
        nonlocal acked
        acked += 1
        print(f"acked {acked} {batch}", flush=True)
        if acked == orders["kill_after"]:
            sys.stdin.readline()  # wait here to be killed; at EOF the parent is gone: stop
            sys.exit(f"push child: parent gone after batch {acked}")

    client = studio.Studio(orders["url"], orders["token"])
    client.push_tasks(orders["project_id"], tasks, batch_size=orders["batch_size"], progress=report)


def killed_push(url: str, token: str, project_id: int, n_articles: int, prefix: str, *,
                batch_size: int, kill_after: int) -> KilledPush:
    """Push ``seed_copy_tasks(n_articles, prefix)`` from a child process and SIGKILL it midway.

    The child runs ``Studio.push_tasks`` against the real server and says on stdout when the
    server has acknowledged each batch; once batch ``kill_after`` (of at least one more) is
    acknowledged it stops, between two batches, and this process kills it with SIGKILL. So
    exactly ``kill_after * batch_size`` tasks have landed, nothing is in flight, and the kill
    is proven: the child was alive and ends with ``-SIGKILL``.

    Raises:
        RuntimeError: The fault did not happen as intended: the child ended before it was
            killed (its stderr is in the message), or the payload has too few batches.
    """
    n_tasks = 24 * n_articles
    batches = -(-n_tasks // batch_size)
    if not 0 < kill_after < batches:
        raise RuntimeError(f"killed push: kill_after={kill_after} leaves no batch unpushed out of {batches}")
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child cannot block on it
    child = subprocess.Popen([sys.executable, "-c", "from annotation.testing.faults import _push_child; _push_child()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
    assert child.stdin is not None and child.stdout is not None
    orders = {"url": url, "token": token, "project_id": project_id, "n_articles": n_articles, "prefix": prefix,
              "batch_size": batch_size, "kill_after": kill_after}
    child.stdin.write(json.dumps(orders) + "\n")  # the token goes through a pipe, never argv or the environment
    child.stdin.flush()
    acked = 0
    while acked < kill_after and child.stdout.readline().startswith("acked "):
        acked += 1
    alive = child.poll() is None
    child.kill()
    child.wait()
    child.stdin.close()
    child.stdout.close()
    with errors:
        if acked < kill_after or not alive or child.returncode != -signal.SIGKILL:
            errors.seek(0)
            raise RuntimeError(f"killed push: the child ended with code {child.returncode} after {acked} acknowledged "
                               f"batch(es), before it could be killed: {errors.read()[-2000:].decode(errors='replace')}")
    return KilledPush(child.pid, child.returncode, acked, batches, batch_size, n_tasks)
