"""What every long benchmark shares: timestamped progress lines, and SIGTERM that cleans up.

``timeout`` (and most supervisors) stop a process with SIGTERM, whose default action ends Python
without running ``finally`` blocks or context managers: the servers and temporary directories a
benchmark made would be left behind. ``stop_on_sigterm`` turns SIGTERM into ``SystemExit``, as
Ctrl-C (SIGINT) already raises ``KeyboardInterrupt``, so they are cleaned up. Servers are also
started with ``stop_with_caller`` so that even SIGKILL takes them along.
"""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType


def stop_on_sigterm() -> None:
    """Make SIGTERM raise ``SystemExit(143)`` in the main thread."""

    def exit_(signum: int, frame: FrameType | None) -> None:
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, exit_)


class Progress:
    """Prints ``[  12.3 s] message`` lines, flushed at once, so that a slow phase shows while it runs."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f} s] {message}", flush=True)
