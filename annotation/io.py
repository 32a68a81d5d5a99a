"""Atomic file writes: readers never see half a file.

Every file the toolkit writes (raw exports, interim tables, release files, campaign.yml) goes
through here, so that an interrupted run leaves the earlier file or the new one, never a mix.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["atomic_write_chunks", "atomic_write_bytes"]


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], mode: int | None = None, check: Callable[[Path], None] | None = None) -> str:
    """Stream ``chunks`` to ``path`` via a temp file and rename; return the sha256 of the bytes.

    Readers never see half a file: an interrupted write, or a ``check`` of the temp file that
    raises, leaves ``path`` as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode if mode is not None else 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if check:
            check(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> str:
    """Write ``data`` to ``path`` via a temp file and rename; return its sha256."""
    return atomic_write_chunks(path, [data], mode)
