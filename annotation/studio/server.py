"""The bridge to Label Studio: run a local server, set up the project, push tasks, pull exports.

This is the only module that talks to the network. Secrets (the admin password and API token,
the simulated annotators' passwords) live in 0600 files under the studio directory, which git
ignores; they are passed to the server through its environment, never on its command line, and
never printed or logged by this module. The server's own output reaches ``server.log`` (0600)
only through a small supervisor process that masks every secret it knows and every ``token=``
in a URL (the invite link's), and each invite link is retired once used.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import ijson
import psutil
import requests

from annotation.campaign import DEFAULT_OVERLAP
from annotation.errors import AnnotationError
from annotation.io import atomic_write_bytes, atomic_write_chunks

__all__ = [
    "StudioError",
    "Credentials",
    "ServerInfo",
    "Studio",
    "PushReport",
    "RawExport",
    "start_server",
    "stop_server",
    "server_status",
    "connect",
    "database_env",
    "redact_url",
]

HEALTH_TIMEOUT_S = 240.0
REQUEST_TIMEOUT_S = 120.0
# Label Studio assembles a whole export before sending the first byte: ~2 min for 100k tasks.
EXPORT_TIMEOUT_S = 3600.0
# A fetched but unsubmitted task is locked to its annotator; Label Studio's default is a day,
# which strands tasks when an annotator closes the tab. Ten minutes keeps the queue moving.
TASK_LOCK_TTL_S = 600
# The server's environment variables that hold secrets; the supervisor masks their values in the log.
_SECRET_ENV = ("LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN", "POSTGRE_PASSWORD")
# A secret in a URL the server logs, e.g. the invite link's ``/user/signup/?token=...``.
_URL_SECRET = re.compile(rb"([?&](?:token|password)=)[^&\s\"']+")
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class StudioError(AnnotationError, RuntimeError):
    """A Label Studio operation failed; the message names the operation (and project)."""


@dataclass(frozen=True)
class Credentials:
    """The admin account the project creates on first start (stored 0600, never printed)."""

    username: str
    password: str
    token: str

    def __repr__(self) -> str:  # keeps secrets out of tracebacks and logs
        return f"Credentials(username={self.username!r}, password=***, token=***)"


@dataclass(frozen=True)
class ServerInfo:
    """A running server started by this project."""

    pid: int
    host: str
    port: int
    data_dir: str
    started_at: str
    database: str = "sqlite"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class PushReport:
    """What a push did: tasks created, already present, and present with different text."""

    created: int
    existing: int
    changed: list[str]


@dataclass(frozen=True)
class RawExport:
    """A raw export written to disk, with its checksum."""

    path: Path
    sha256: str
    n_tasks: int
    project_id: int


def _write_json(path: Path, payload: Any, mode: int | None = None) -> None:
    atomic_write_bytes(path, json.dumps(payload, indent=2, sort_keys=True).encode("utf-8"), mode)


def _load_credentials(studio_dir: Path) -> Credentials:
    path = studio_dir / "credentials.json"
    if not path.exists():
        creds = Credentials(
            username="admin@annotation.local",
            password=secrets.token_urlsafe(18),
            token=secrets.token_hex(20),
        )
        _write_json(path, asdict(creds), mode=0o600)
        return creds
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    try:
        return Credentials(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as err:
        raise StudioError(f"{path}: unreadable credentials file ({type(err).__name__}); delete it and the studio data dir to start afresh") from None


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: a port left in TIME_WAIT by a killed server is free to bind again.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs. A zombie (exited, not yet reaped: an orphan's fate where PID 1 does
    not reap) does not."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def _decode(response: requests.Response, operation: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise StudioError(f"{operation}: HTTP {response.status_code} with a body that is not JSON: {response.text[:200]!r}") from None


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def server_status(studio_dir: str | Path) -> ServerInfo | None:
    """The server recorded in ``studio_dir`` if it is running and healthy, else None."""
    path = Path(studio_dir) / "server.json"
    if not path.exists():
        return None
    info = ServerInfo(**json.loads(path.read_text(encoding="utf-8")))
    if _alive(info.pid) and _healthy(info.url):
        return info
    return None


def database_env(url: str | None) -> dict[str, str]:
    """Label Studio's settings for a database URL; SQLite under the data dir when ``url`` is None.

    The password may be in the URL or in ``$PGPASSWORD`` (keeps it out of the process list).

    Raises:
        StudioError: The URL is not ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB``.

    Examples:
        >>> database_env("postgresql://ls@127.0.0.1:5433/labels")["POSTGRE_PORT"]
        '5433'
    """
    if url is None:
        return {"DJANGO_DB": "sqlite"}
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or not parts.username or not name:
        raise StudioError(f"start server: database {redact_url(url)!r} is not postgresql://USER[:PASSWORD]@HOST[:PORT]/DB")
    return {
        "DJANGO_DB": "postgresql",
        "POSTGRE_NAME": name,
        "POSTGRE_USER": unquote(parts.username),
        "POSTGRE_PASSWORD": unquote(parts.password or os.environ.get("PGPASSWORD", "")),
        "POSTGRE_HOST": parts.hostname,
        "POSTGRE_PORT": str(parts.port or 5432),
    }


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``.

    Examples:
        >>> redact_url("postgresql://ls:secret@127.0.0.1/db")
        'postgresql://ls:***@127.0.0.1/db'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _server_env(studio_dir: Path, creds: Credentials, database: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(database_env(database))
    env.update(
        {
            "LABEL_STUDIO_BASE_DATA_DIR": str(studio_dir / "label-studio"),
            "LABEL_STUDIO_USERNAME": creds.username,
            "LABEL_STUDIO_PASSWORD": creds.password,
            "LABEL_STUDIO_USER_TOKEN": creds.token,
            # 1.23 disables legacy tokens for new organisations; the SDK and the invite flow use them.
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            # Only people with the organisation's invite link may sign up.
            "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
            # No network: no error reporting, analytics or version checks.
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
            "COLLECT_ANALYTICS": "false",
            "LATEST_VERSION_CHECK": "false",
            "TASK_LOCK_TTL": str(TASK_LOCK_TTL_S),
            # Label Studio's own default, pinned: a DEBUG level inherited from the curator's shell
            # would log what the supervisor cannot know to mask (e.g. a new invite token).
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def start_server(
    studio_dir: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    database: str | None = None,
    timeout: float = HEALTH_TIMEOUT_S,
    stop_with_caller: bool = False,
) -> ServerInfo:
    """Start a local Label Studio server, or reuse a running one.

    The server runs under a supervisor process (the ``pid`` returned; ``stop_server`` signals
    its process group) that writes the server's output to ``server.log`` (mode 0600) with the
    admin password and token, the database password and any ``token=`` in a URL masked as
    ``***``, and stops the server when it is itself stopped or killed.

    Args:
        studio_dir: Directory for the server's data, credentials and log (git-ignored).
        host: Interface to bind; loopback by default.
        port: Port to bind; a free one by default.
        database: ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB``; SQLite under ``studio_dir``
            when None (the embedded default, right for one curator; PostgreSQL for teams).
        timeout: Seconds to wait for ``/health`` (the server takes ~30-50 s to come up).
        stop_with_caller: Stop the server when the calling process ends, however it ends
            (SIGTERM, SIGINT, an exception, SIGKILL): for tests and benchmarks. Linux only
            (``PR_SET_PDEATHSIG``), and tied to the calling *thread*: call it from one that
            outlives the server, such as the main thread. By default the server outlives the
            caller, as ``annotation studio start`` needs. A running server is reused as it is.

    Returns:
        The running server.

    Raises:
        StudioError: The port is taken, or the server exits or does not answer in time (the
            message points to its log).
    """
    studio_dir = Path(studio_dir).resolve()
    running = server_status(studio_dir)
    if running:
        return running
    env_database = database_env(database)  # validates the URL before anything starts
    studio_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(studio_dir, 0o700)
    creds = _load_credentials(studio_dir)
    if port is None:
        port = _free_port(host)
    elif not _port_is_free(host, port):
        raise StudioError(f"start server: port {port} on {host} is already in use; pick another with --port or omit it")
    log_path = studio_dir / "server.log"
    # The interpreter that runs this module, not a `label-studio` script beside it: that script is
    # absent when the package's dependencies come from another environment or a --target install.
    command = [sys.executable, "-m", "label_studio.server", "start", "--no-browser",
               # --internal-host is the address runserver binds (Label Studio's default: 0.0.0.0).
               "--internal-host", host, "--port", str(port), "--data-dir", str(studio_dir / "label-studio")]
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(log, 0o600)  # a log written before this rule was 0644
        process = subprocess.Popen(
            [sys.executable, "-c", _SUPERVISOR],
            env=_server_env(studio_dir, creds, database),
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    finally:
        os.close(log)
    assert process.stdin is not None
    orders = {"command": command, "parent": os.getpid() if stop_with_caller else None}
    process.stdin.write(json.dumps(orders).encode("utf-8") + b"\n")  # no secret: those travel in the environment
    process.stdin.close()
    info = ServerInfo(process.pid, host, port, str(studio_dir), datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      redact_url(database) if database else env_database["DJANGO_DB"])
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StudioError(f"start server: label-studio exited with code {process.returncode}; see {log_path}")
            if _healthy(info.url):
                _write_json(studio_dir / "server.json", asdict(info))
                return info
            time.sleep(1.0)
        raise StudioError(f"start server: no answer from {info.url}/health after {timeout:.0f} s; see {log_path}")
    except BaseException:  # the timeout above, or SIGTERM/Ctrl-C while waiting: no server left half-started
        _terminate(process.pid)
        raise


# Runs the supervisor in a fresh interpreter that imports this module from where it lies.
_SUPERVISOR = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r}); "
               "from annotation.studio.server import _supervise; _supervise()")


def _die_with_parent() -> None:
    """Have Linux send this process SIGTERM when the thread that started it ends (``PR_SET_PDEATHSIG``).

    For ``preexec_fn`` and for the supervisor itself. Elsewhere than on Linux it does nothing.
    """
    if sys.platform != "linux":
        return
    if ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def _redact(line: bytes, known: Sequence[bytes]) -> bytes:
    """``line`` with every known secret and every ``token=``/``password=`` value in a URL masked.

    Examples:
        >>> _redact(b'"POST /user/signup/?token=Ab3x&next=/ HTTP/1.1" 302', [])
        b'"POST /user/signup/?token=***&next=/ HTTP/1.1" 302'
        >>> _redact(b"password s3cret in a message", [b"s3cret"])
        b'password *** in a message'
    """
    for secret in known:
        line = line.replace(secret, b"***")
    return _URL_SECRET.sub(rb"\1***", line)


def _supervise() -> None:
    """The supervisor ``start_server`` runs between itself and ``label-studio`` (not for direct use).

    Reads its orders from stdin (one JSON line: the server's command, and the pid of the caller
    whose death must stop the server, or null), runs the server with its output piped through
    ``_redact`` to this process's stdout (the log), and exits when the server does. SIGTERM
    (``stop_server`` signals the whole process group) is passed on to the server; the server
    gets SIGTERM by itself if this process is killed outright.
    """
    orders = json.loads(sys.stdin.readline())
    if orders["parent"] is not None:
        _die_with_parent()
        if os.getppid() != orders["parent"]:  # the caller died before the tie was made
            return
    known = [value.encode("utf-8") for value in (os.environ.get(name, "") for name in _SECRET_ENV) if value]
    server = subprocess.Popen(orders["command"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
    assert server.stdout is not None
    out = sys.stdout.buffer
    for line in server.stdout:
        out.write(_redact(line, known))
        out.flush()
    code = server.wait()
    sys.exit(code if code >= 0 else 128 - code)


def _terminate(pid: int, grace: float = 20.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            waited = 0 if _alive(pid) else pid
        if waited == pid or not _alive(pid):
            return
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_server(studio_dir: str | Path) -> bool:
    """Stop the server recorded in ``studio_dir``. Returns False if none was running."""
    path = Path(studio_dir) / "server.json"
    if not path.exists():
        return False
    info = ServerInfo(**json.loads(path.read_text(encoding="utf-8")))
    was_alive = _alive(info.pid)
    if was_alive:
        _terminate(info.pid)
    path.unlink()
    return was_alive


def connect(studio_dir: str | Path, url: str | None = None) -> Studio:
    """A client for the server in ``studio_dir``, authenticated as the project's admin.

    Raises:
        StudioError: No server is running there (start one with ``annotation studio start``).
    """
    studio_dir = Path(studio_dir)
    if url is None:
        info = server_status(studio_dir)
        if info is None:
            raise StudioError(f"connect: no Label Studio server is running for {studio_dir}; run `annotation studio start`")
        url = info.url
    return Studio(url, _load_credentials(studio_dir).token)


def _project_settings(label_config: str, instructions: str, overlap: int) -> dict[str, Any]:
    return {
        "label_config": label_config,
        "expert_instruction": instructions,
        "show_instruction": True,
        "maximum_annotations": overlap,
        "show_skip_button": True,
        "show_collab_predictions": True,
        "show_annotation_history": False,
        "enable_empty_annotation": False,
        "sampling": "Uniform sampling",
    }


class Studio:
    """An authenticated Label Studio client for one user (admin or annotator)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Token {token}"

    def __repr__(self) -> str:
        return f"Studio(url={self.url!r})"

    def _send(self, method: str, path: str, operation: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
        try:
            return self._session.request(method, f"{self.url}{path}", **kwargs)
        except requests.RequestException as err:
            raise StudioError(f"{operation}: cannot reach Label Studio at {self.url} ({type(err).__name__})") from None

    def _checked(self, response: requests.Response, path: str, operation: str) -> requests.Response:
        if response.status_code == 401:
            raise StudioError(f"{operation}: Label Studio at {self.url} rejected the API token (401)")
        if response.status_code >= 400:
            raise StudioError(f"{operation}: HTTP {response.status_code} from {path}: {response.text[:300]}")
        return response

    def request(self, method: str, path: str, operation: str, **kwargs: Any) -> requests.Response:
        """Send one API request; any failure becomes a ``StudioError`` naming ``operation``."""
        return self._checked(self._send(method, path, operation, **kwargs), path, operation)

    def get_json_or_none(self, path: str, operation: str, **kwargs: Any) -> Any | None:
        """GET ``path`` and decode its JSON body; None when the server answers 404 (no such object,
        or nothing left); any other failure becomes a ``StudioError`` naming ``operation``."""
        response = self._send("GET", path, operation, **kwargs)
        if response.status_code == 404:
            return None
        return _decode(self._checked(response, path, operation), operation)

    def request_json(self, method: str, path: str, operation: str, **kwargs: Any) -> Any:
        """``request`` and decode its JSON body; a body that is not JSON becomes a ``StudioError``."""
        return _decode(self.request(method, path, operation, **kwargs), operation)

    # --- project ---------------------------------------------------------------------------

    def ensure_project(
        self,
        title: str,
        label_config: str,
        instructions: str,
        *,
        overlap: int = DEFAULT_OVERLAP,
        project_id: int | None = None,
    ) -> tuple[int, bool]:
        """Set up the project ``project_id`` (or, without an id, the one titled ``title``), creating it if needed.

        A campaign passes the id it remembers, so a project renamed in the UI is still found and a
        project of another campaign with the same title never is (before its first push a campaign
        calls ``create_project`` instead). An existing project gets the current config,
        instructions and overlap (Label Studio itself refuses a config that drops labels already
        used in annotations).

        Returns:
            ``(project_id, created)``.

        Raises:
            StudioError: ``project_id`` does not exist on this server, or a request fails.
        """
        settings = _project_settings(label_config, instructions, overlap)
        if project_id is None:
            project_id = self.find_project(title)
        if project_id is not None:
            self.request("PATCH", f"/api/projects/{project_id}/", f"update project {project_id}", json=settings)
            return project_id, False
        created = self.request_json("POST", "/api/projects/", "create project", json={"title": title, **settings})
        return int(created["id"]), True

    def create_project(self, title: str, label_config: str, instructions: str, *, overlap: int = DEFAULT_OVERLAP) -> int:
        """A new project (never an existing one with the same title); returns its id."""
        created = self.request_json("POST", "/api/projects/", "create project", json={"title": title, **_project_settings(label_config, instructions, overlap)})
        return int(created["id"])

    def get_project(self, project_id: int) -> dict[str, Any] | None:
        """The project's settings, or None when this server has no project ``project_id``."""
        project = self.get_json_or_none(f"/api/projects/{project_id}/", f"read project {project_id}")
        return None if project is None else dict(project)

    def find_project(self, title: str) -> int | None:
        """The id of the project titled ``title``, or None."""
        page = 1
        while True:
            body = self.request_json("GET", "/api/projects/", "list projects", params={"page": page, "page_size": 100})
            results = body["results"] if isinstance(body, dict) else body
            for project in results:
                if project["title"] == title:
                    return int(project["id"])
            if not isinstance(body, dict) or not body.get("next"):
                return None
            page += 1

    # --- push ------------------------------------------------------------------------------

    def iter_tasks(self, project_id: int, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every task of the project with its data (no annotations), page by page."""
        operation = f"list tasks of project {project_id}"
        page = 1
        while True:
            params = {"project": project_id, "page": page, "page_size": page_size, "fields": "task_only"}
            body = self.get_json_or_none("/api/tasks/", operation, params=params)
            if body is None:
                if page > 1:  # past the last page
                    return
                raise StudioError(f"{operation}: HTTP 404 from /api/tasks/ (no such project?)")
            tasks = body.get("tasks", [])
            yield from tasks
            if len(tasks) < page_size:
                return
            page += 1

    def push_tasks(
        self,
        project_id: int,
        tasks: Sequence[dict[str, Any]],
        *,
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
    ) -> PushReport:
        """Import the tasks whose ``task_key`` the project does not have yet, in batches.

        Idempotent: tasks are keyed by ``data.task_key`` (sentence × target). A key that exists
        with different sentence text is reported in ``changed`` and left as it is.
        """
        existing = {t["data"].get("task_key"): t["data"].get("text") for t in self.iter_tasks(project_id)}
        new = [t for t in tasks if t["data"]["task_key"] not in existing]
        changed = sorted(t["data"]["task_key"] for t in tasks if t["data"]["task_key"] in existing and existing[t["data"]["task_key"]] != t["data"]["text"])
        for start in range(0, len(new), batch_size):
            batch = list(new[start : start + batch_size])
            self.request("POST", f"/api/projects/{project_id}/import", f"import tasks into project {project_id}", json=batch)
            if progress:
                progress(len(batch))
        return PushReport(created=len(new), existing=len(tasks) - len(new), changed=changed)

    # --- pull ------------------------------------------------------------------------------

    def pull_export(self, project_id: int, raw_dir: str | Path) -> RawExport:
        """Download a full JSON snapshot of the project into ``raw_dir`` (streamed, atomic, checksummed).

        A snapshot export (create, download, delete) carries exactly what the direct ``/export``
        endpoint does (annotator, timestamps, lead time, ids, cancelled flags, unannotated tasks;
        ``JSON_MIN`` drops the last two) and was measured 1.5-2x faster than it (bench/studio.py).
        The file is never edited afterwards; ``raw_dir/MANIFEST.json`` lists every export with its
        sha256, task count and time.

        Raises:
            StudioError: The server fails, or returns something that is not a JSON list of tasks
                (nothing is written then).
        """
        raw_dir = Path(raw_dir)
        operation = f"export project {project_id}"
        # The export names annotators by user id only; keep the id → e-mail map beside it.
        users = [{"id": k, "email": v} for k, v in self.users().items()]
        users_data = json.dumps(users, indent=1).encode("utf-8")
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
                raise StudioError(f"{operation}: the server returned a body that is not a JSON list of tasks ({err})") from None

        snapshot = self.request_json("POST", f"/api/projects/{project_id}/exports/", f"{operation}: create snapshot",
                                json={}, timeout=EXPORT_TIMEOUT_S)
        if snapshot.get("status") != "completed":
            raise StudioError(f"{operation}: snapshot {snapshot.get('id')} ended as {snapshot.get('status')!r}")
        snapshot_path = f"/api/projects/{project_id}/exports/{snapshot['id']}"
        try:
            response = self.request("GET", f"{snapshot_path}/download", operation, stream=True,
                                    params={"exportType": "JSON"}, timeout=EXPORT_TIMEOUT_S)
            digest = atomic_write_chunks(path, response.iter_content(chunk_size=1 << 20), check=count_tasks)
        except requests.RequestException as err:
            raise StudioError(f"{operation}: download broke off ({type(err).__name__}); nothing was written") from None
        finally:
            # The server keeps every snapshot on disk; ours lives on in raw_dir. Best effort: a
            # snapshot left behind (the server went away) only costs the server disk space.
            try:
                self._session.delete(f"{self.url}{snapshot_path}", timeout=REQUEST_TIMEOUT_S)
            except requests.RequestException:
                pass
        users_digest = atomic_write_bytes(users_path, users_data, mode=0o600)
        project = self.request_json("GET", f"/api/projects/{project_id}/", f"read project {project_id}")
        manifest_path = raw_dir / "MANIFEST.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {"exports": []}
        manifest["exports"].append(
            {
                "file": path.name,
                "sha256": digest,
                "users_file": users_path.name,
                "users_sha256": users_digest,
                "n_tasks": n_tasks,
                "project_id": project_id,
                "maximum_annotations": project.get("maximum_annotations"),
                "pulled_at": stamp,
            }
        )
        _write_json(manifest_path, manifest)
        return RawExport(path, digest, n_tasks, project_id)

    def export_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """The full JSON export in memory (for progress reports; ``pull_export`` for the record)."""
        response = self.request("GET", f"/api/projects/{project_id}/export", f"export project {project_id}",
                                params={"exportType": "JSON", "download_all_tasks": "true"}, timeout=EXPORT_TIMEOUT_S)
        return list(_decode(response, f"export project {project_id}"))

    # --- annotators ------------------------------------------------------------------------

    def users(self) -> dict[int, str]:
        """Every user of the organisation: id → e-mail."""
        return {int(u["id"]): str(u["email"]) for u in self.request_json("GET", "/api/users/", "list users")}

    def invite_url(self) -> str:
        """The organisation's signup link (admin only); ``add_annotator`` retires each one it uses."""
        body = self.request_json("GET", "/api/invite", "get invite link")
        return f"{self.url}{body['invite_url']}"

    def reset_invite(self) -> None:
        """Retire the organisation's signup link: Label Studio draws a new token (admin only).

        Whoever holds a signup link can join the organisation and, the open-source edition having
        no roles, read and edit every annotation; a used link has been in URLs, so it goes. The SDK
        has no call for this: ``POST /api/invite/reset-token`` (``OrganizationResetTokenAPI`` in
        label_studio/organizations/api.py).
        """
        self.request("POST", "/api/invite/reset-token", "reset invite link")

    def add_annotator(self, email: str, password: str, first_name: str = "", last_name: str = "") -> Studio:
        """Create (or log in) an annotator through the invite link; return their own client.

        Label Studio's API cannot read another user's token, so the user signs up with the
        organisation's invite link in a browser-like session and reads its own token. The link is
        retired afterwards (``reset_invite``), whatever happened, so two calls must not overlap.
        """
        session = requests.Session()
        signup = self.invite_url()
        try:
            page = session.get(signup, timeout=REQUEST_TIMEOUT_S)
            form = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "email": email, "password": password}
            response = session.post(signup, data=form, headers={"Referer": signup}, timeout=REQUEST_TIMEOUT_S, allow_redirects=False)
            if response.status_code != 302:  # already signed up: log in instead
                login = f"{self.url}/user/login/"
                session.get(login, timeout=REQUEST_TIMEOUT_S)
                form = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "email": email, "password": password}
                response = session.post(login, data=form, headers={"Referer": login}, timeout=REQUEST_TIMEOUT_S, allow_redirects=False)
            token_response = session.get(f"{self.url}/api/current-user/token", timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as err:
            raise StudioError(f"add annotator: cannot reach Label Studio at {self.url} ({type(err).__name__})") from None
        finally:
            self.reset_invite()
        if page.status_code != 200 or token_response.status_code != 200:
            raise StudioError(f"add annotator {email}: signup/login failed (HTTP {response.status_code}); is the password right?")
        annotator = Studio(self.url, _decode(token_response, f"add annotator {email}")["token"])
        me = annotator.request_json("GET", "/api/current-user/whoami", "read current user")
        if first_name or last_name:
            self.request("PATCH", f"/api/users/{me['id']}/", f"name user {me['id']}", json={"first_name": first_name, "last_name": last_name})
        return annotator

    def next_task(self, project_id: int) -> dict[str, Any] | None:
        """The next task the labeling stream serves this user, or None when it has none left."""
        task = self.get_json_or_none(f"/api/projects/{project_id}/next", f"next task of project {project_id}")
        return None if task is None else dict(task)

    def submit_annotation(self, task_id: int, result: list[dict[str, Any]], lead_time: float) -> int:
        """Submit an annotation for ``task_id`` as this user; returns the annotation id."""
        body = {"result": result, "lead_time": lead_time, "was_cancelled": False, "ground_truth": False}
        response = self.request("POST", f"/api/tasks/{task_id}/annotations/", f"annotate task {task_id}", json=body)
        return int(_decode(response, f"annotate task {task_id}")["id"])
