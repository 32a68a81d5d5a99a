"""The raw-export store: the campaign's record of its annotators' work, and the salt of their pseudonyms.

The one owner of the layout of ``data/raw/`` (and ``data/raw/review/``)::

    project-<id>-<UTC time>.json         the export as the server sent it (a JSON list of tasks)
    project-<id>-<UTC time>.users.json   user id -> e-mail, [{"id", "email"}], mode 0600
    MANIFEST.json                        {"exports": [{file, sha256, users_file, users_sha256,
                                          n_tasks, project_id, maximum_annotations, pulled_at}, ...]}

Files are written atomically and never edited afterwards; the manifest lists them oldest first with
their sha256, and every reader verifies it. The release side reads exports here without the Label
Studio bridge: this module does not import ``annotation.studio`` (the bridge hands it the bytes).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ijson

from annotation.exports import ExportError, edited_by_other, load_export, read_users
from annotation.io import atomic_write_bytes, atomic_write_chunks

__all__ = ["MANIFEST", "RawExport", "PulledExports", "write_export", "latest_export", "load_salt", "copy_salt"]

MANIFEST = "MANIFEST.json"
_SALT = "salt"


@dataclass(frozen=True)
class RawExport:
    """A raw export written to disk, with its checksum."""

    path: Path
    sha256: str
    n_tasks: int
    project_id: int


@dataclass(frozen=True)
class PulledExports:
    """The newest export of a project with its users map, overlap and the project's earlier exports."""

    export: list[dict[str, Any]]
    users: dict[int, str]
    source: str
    max_annotations: int | None
    history: list[list[dict[str, Any]]]


def _write_json(path: Path, payload: Any, mode: int | None = None) -> str:
    return atomic_write_bytes(path, json.dumps(payload, indent=2, sort_keys=True).encode("utf-8"), mode)


def write_export(
    raw_dir: str | Path,
    project_id: int,
    chunks: Iterable[bytes],
    users: Mapping[int, str],
    *,
    maximum_annotations: int | None,
) -> RawExport:
    """Store one export: its bytes as they come, its users map beside it, and a manifest entry.

    Args:
        raw_dir: The store (created if needed).
        project_id: The Label Studio project the export is of.
        chunks: The export's body (a JSON list of tasks), streamed to disk as it arrives.
        users: User id -> e-mail, to read ``completed_by`` with later (written 0600).
        maximum_annotations: The project's overlap when it was pulled (tasks per annotation count).

    Returns:
        The export file, its sha256 and its task count.

    Raises:
        ExportError: The body is not a JSON list (nothing is written then).
    """
    raw_dir = Path(raw_dir)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = raw_dir / f"project-{project_id}-{stamp}.json"
    users_path = path.with_suffix(".users.json")
    n_tasks = 0

    def count_tasks(tmp: Path) -> None:
        nonlocal n_tasks
        try:
            with open(tmp, "rb") as handle:
                n_tasks = sum(1 for _ in ijson.items(handle, "item"))
        except ijson.JSONError as err:
            raise ExportError(f"export of project {project_id}: the server returned a body that is not a JSON list of tasks ({err})") from None

    digest = atomic_write_chunks(path, chunks, check=count_tasks)
    users_data = json.dumps([{"id": k, "email": v} for k, v in users.items()], indent=1).encode("utf-8")
    users_digest = atomic_write_bytes(users_path, users_data, mode=0o600)
    manifest_path = raw_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {"exports": []}
    manifest["exports"].append(
        {
            "file": path.name,
            "sha256": digest,
            "users_file": users_path.name,
            "users_sha256": users_digest,
            "n_tasks": n_tasks,
            "project_id": project_id,
            "maximum_annotations": maximum_annotations,
            "pulled_at": stamp,
        }
    )
    _write_json(manifest_path, manifest)
    return RawExport(path, digest, n_tasks, project_id)


def _verified(raw_dir: Path, name: str, digest: str) -> Path:
    path = raw_dir / name
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        raise ExportError(f"{path}: missing or changed since it was pulled (sha256 differs from {raw_dir / MANIFEST})")
    return path


def latest_export(raw_dir: str | Path) -> PulledExports:
    """The newest export in ``raw_dir`` and the same project's earlier ones, checksums verified.

    Earlier exports are read only as far as the parser needs them: all of them when an annotation
    of the newest was edited by another user (to find its author's version), else the previous one.

    Raises:
        ExportError: No export yet, or a file no longer matches the sha256 in the manifest.
    """
    raw_dir = Path(raw_dir)
    manifest_path = raw_dir / MANIFEST
    if not manifest_path.exists():
        raise ExportError(f"{raw_dir}: no exports yet; run `annotation pull` first")
    entries = json.loads(manifest_path.read_text(encoding="utf-8"))["exports"]
    newest = entries[-1]
    users = read_users(_verified(raw_dir, newest["users_file"], newest["users_sha256"]))
    export = load_export(_verified(raw_dir, newest["file"], newest["sha256"]))
    earlier = [entry for entry in entries[:-1] if entry["project_id"] == newest["project_id"]]
    if not any(edited_by_other(a) for task in export for a in task.get("annotations") or []):
        earlier = earlier[-1:]  # only the previous pull is needed, to list what changed since
    history = [load_export(_verified(raw_dir, entry["file"], entry["sha256"])) for entry in earlier]
    return PulledExports(
        export=export,
        users=users,
        source=newest["file"],
        max_annotations=newest.get("maximum_annotations"),
        history=history,
    )


def load_salt(studio_dir: str | Path) -> str:
    """The pseudonymisation salt: ``$ANNOTATION_SALT``, else a 0600 file created once in ``studio_dir``."""
    if os.environ.get("ANNOTATION_SALT"):
        return os.environ["ANNOTATION_SALT"]
    path = Path(studio_dir) / _SALT
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(16))
    return path.read_text(encoding="utf-8").strip()


def copy_salt(source_dir: str | Path, target_dir: str | Path) -> None:
    """Give ``target_dir`` the salt of ``source_dir`` (drawn there first if it has none yet), mode 0600.

    A campaign moved to another server keeps its salt, so every annotator keeps their pseudonym.
    """
    salt = load_salt(source_dir)
    Path(target_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write_bytes(Path(target_dir) / _SALT, salt.encode("utf-8"), mode=0o600)
