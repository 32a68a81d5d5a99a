"""The local Label Studio server's lifecycle: credentials, a supervisor, start, stop, status, connect.

Secrets (the admin password and API token, the simulated annotators' passwords) live in 0600 files
under the studio directory, which git ignores; they are passed to the server through its
environment, never on its command line, and never printed or logged by this module. The server's
own output reaches ``server.log`` (0600) only through a small supervisor process that masks every
secret it knows and every ``token=`` in a URL (the invite link's). The client that talks to the
running server is ``annotation/studio/client.py``.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import psutil

from annotation.assignment import QUEUE_DIR_ENV
from annotation.io import atomic_write_bytes
from annotation.studio.client import Studio, StudioError

__all__ = [
    "Credentials",
    "ServerInfo",
    "start_server",
    "stop_server",
    "server_status",
    "connect",
    "database_env",
    "redact_url",
    "die_with_parent",
    "queue_dir",
]

HEALTH_TIMEOUT_S = 240.0
# A fetched but unsubmitted task is locked to its annotator; Label Studio's default is a day,
# which strands tasks when an annotator closes the tab. Ten minutes keeps the queue moving.
TASK_LOCK_TTL_S = 600
# The server's environment variables that hold secrets; the supervisor masks their values in the log.
_SECRET_ENV = ("LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN", "POSTGRE_PASSWORD")
# A secret in a URL the server logs, e.g. the invite link's ``/user/signup/?token=...``.
_URL_SECRET = re.compile(rb"([?&](?:token|password)=)[^&\s\"']+")
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


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


def queue_dir(studio_dir: str | Path) -> Path:
    """The folder of the projects' queue settings (``annotation.assignment``) the server reads."""
    return Path(studio_dir).resolve() / "queues"


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


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
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
            # Where push leaves each project's stream order and gold rate (annotation/assignment.py).
            QUEUE_DIR_ENV: str(queue_dir(studio_dir)),
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
        port: Port to bind; a free one by default. A port chosen so that another process binds
            first (in the 10-30 s before the server does) is replaced by a new free one, up to
            ``_PORT_ATTEMPTS`` tries in all; a port given is tried once.
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
        StudioError: The port given is taken, or every chosen one was; or the server exits or
            does not answer in time (the message points to its log).
    """
    studio_dir = Path(studio_dir).resolve()
    running = server_status(studio_dir)
    if running:
        return running
    env_database = database_env(database)  # validates the URL before anything starts
    studio_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(studio_dir, 0o700)
    creds = _load_credentials(studio_dir)
    if port is not None and not _port_is_free(host, port):
        raise StudioError(f"start server: port {port} on {host} is already in use; pick another with --port or omit it")
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        chosen = _free_port(host) if port is None else port
        try:
            return _launch(studio_dir, creds, host, chosen, database, env_database, timeout, stop_with_caller)
        except _PortTaken as taken:
            if port is not None or attempt == _PORT_ATTEMPTS:
                raise StudioError(f"start server: {taken}; see {studio_dir / 'server.log'}") from None
    raise AssertionError("unreachable")  # the last attempt returns or raises


_PORT_ATTEMPTS = 3  # ports start_server tries when it chooses: another process may bind one first


class _PortTaken(Exception):
    """Label Studio exited because another process bound its port first."""


def _launch(studio_dir: Path, creds: Credentials, host: str, port: int, database: str | None,
            env_database: dict[str, str], timeout: float, stop_with_caller: bool) -> ServerInfo:
    """Start the supervised server on ``port`` and wait for ``/health``: ``start_server``'s one try.
    Raises ``_PortTaken`` if it exits with Django's "already in use" in its part of the log."""
    log_path = studio_dir / "server.log"
    # The interpreter that runs this module, not a `label-studio` script beside it: that script is
    # absent when the package's dependencies come from another environment or a --target install.
    # `annotation.studio.launch` is Label Studio's own server with the annotator guard added.
    command = [sys.executable, "-m", "annotation.studio.launch", "start", "--no-browser",
               # --internal-host is the address runserver binds (Label Studio's default: 0.0.0.0).
               "--internal-host", host, "--port", str(port), "--data-dir", str(studio_dir / "label-studio")]
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(log, 0o600)  # a log written before this rule was 0644
        logged = os.fstat(log).st_size  # this try's output starts here
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
                with log_path.open("rb") as output:
                    output.seek(logged)
                    if b"already in use" in output.read():
                        raise _PortTaken(f"port {port} on {host} was taken by another process before label-studio bound it")
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


def die_with_parent() -> None:
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
        die_with_parent()
        if os.getppid() != orders["parent"]:  # the caller died before the tie was made
            return
    known = [value.encode("utf-8") for value in (os.environ.get(name, "") for name in _SECRET_ENV) if value]
    server = subprocess.Popen(orders["command"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
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
