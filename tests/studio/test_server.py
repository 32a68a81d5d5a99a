"""The server's lifecycle (annotation/studio/server.py) against the session's real server, and its faults produced for real."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from annotation import studio
from tests.fixtures.studio import REPO

pytestmark = pytest.mark.integration


def test_starting_again_reuses_the_running_server(studio_root: Path) -> None:
    first = studio.server_status(studio_root / ".studio")
    assert first is not None and first.host == "127.0.0.1"
    assert studio.start_server(studio_root / ".studio").pid == first.pid


def _server_tree(studio_dir: Path) -> list[psutil.Process]:
    """The processes of the server recorded in ``studio_dir``: its supervisor and label-studio."""
    supervisor = psutil.Process(json.loads((studio_dir / "server.json").read_text())["pid"])
    return [supervisor, *supervisor.children(recursive=True)]


def test_secrets_stay_in_0600_files_and_out_of_argv(studio_root: Path) -> None:
    creds_path = studio_root / ".studio" / "credentials.json"
    assert stat.S_IMODE(creds_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((studio_root / ".studio" / "server.log").stat().st_mode) == 0o600
    creds = json.loads(creds_path.read_text())
    tree = _server_tree(studio_root / ".studio")
    assert len(tree) == 2 and tree[1].cmdline()[1:3] == ["-m", "annotation.studio.launch"]
    for process in tree:
        argv = " ".join(process.cmdline())
        assert creds["password"] not in argv and creds["token"] not in argv
    assert "***" in repr(studio.Credentials(**creds)) and creds["token"] not in repr(studio.Credentials(**creds))


def test_the_server_listens_on_loopback_only(studio_root: Path) -> None:
    info = studio.server_status(studio_root / ".studio")
    server = _server_tree(studio_root / ".studio")[-1]
    listening = [tuple(c.laddr) for c in server.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening == [("127.0.0.1", info.port)]


def test_server_not_running_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(studio.StudioError, match="no Label Studio server is running"):
        studio.connect(tmp_path / ".studio")


def test_port_taken_is_refused_before_starting(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(studio.StudioError, match=f"port {port} on 127.0.0.1 is already in use"):
            studio.start_server(tmp_path / ".studio", port=port)


def test_label_studio_keeps_the_port_it_is_given_and_exits_when_it_is_taken(tmp_path: Path) -> None:
    # Label Studio's own start moves to the next free port when it thinks its port is taken,
    # which start_server cannot see; the launcher makes a taken port end the process instead.
    # The port is taken for real, past start_server's own check, by launching directly.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        command = [sys.executable, "-m", "annotation.studio.launch", "start", "--no-browser", "--internal-host", "127.0.0.1",
                   "--port", str(port), "--data-dir", str(tmp_path / "ls")]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "SENTRY_DSN": ""})
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-2000:]
    assert "Trying to start at" not in output and "already in use" in output, output[-2000:]


def test_a_chosen_port_that_another_process_takes_first_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The race (another process binds the chosen port in the seconds before Label Studio does)
    # cannot be timed for real, so _free_port is made to choose a port a real listener holds
    # once: the bind then fails for real, and the log shows Django's error.
    from annotation.studio import server

    choose = server._free_port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        chosen = iter([taken])
        monkeypatch.setattr(server, "_free_port", lambda host: next(chosen, None) or choose(host))
        info = studio.start_server(tmp_path / ".studio", stop_with_caller=True)
    try:
        assert info.port != taken and studio.server_status(tmp_path / ".studio") == info
        assert "already in use" in (tmp_path / ".studio" / "server.log").read_text()
    finally:
        studio.stop_server(tmp_path / ".studio")


# --- a server dies with the process that started it, however that process ends ----------------


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE  # an orphan's zombie is dead, just not reaped
    except psutil.NoSuchProcess:
        return False


def _until_gone(tree: list[psutil.Process], timeout: float = 120.0) -> list[psutil.Process]:
    """Waits for the processes to end; returns those still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (alive := [p for p in tree if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


def _read_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    """The lines ``process`` prints up to the first one holding ``marker`` (it fails if it ends first)."""
    assert process.stdout is not None
    lines = []
    while marker not in (line := process.stdout.readline()):
        assert line, f"the process ended (code {process.wait()}) before printing {marker!r}: {lines[-20:]}"
        lines.append(line)
    return [*lines, line]


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_a_benchmark_stopped_by_sigterm_during_its_pull_stops_its_server_and_cleans_up() -> None:
    # What `timeout` does to a benchmark that runs too long: SIGTERM while it works on a live server.
    bench = subprocess.Popen([sys.executable, str(REPO / "bench" / "studio.py"), "--tasks", "2400", "--skip-push",
                              "--pull-rounds", "1"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = _read_until(bench, "pull: pushing")
    work_dir = Path(next(line for line in lines if "work dir " in line).split("work dir ")[1].strip())
    tree = _server_tree(work_dir / "pull")
    port = json.loads((work_dir / "pull" / "server.json").read_text())["port"]
    assert bench.poll() is None, "the benchmark ended before it could be stopped"
    bench.send_signal(signal.SIGTERM)
    rest, _ = bench.communicate(timeout=120)
    assert bench.returncode == 128 + signal.SIGTERM, rest
    assert _until_gone(tree) == [] and _refused(port)
    assert "servers stopped, work dir removed" in rest and not work_dir.exists()


HOLD = """
import sys


def test_hold(studio_root):
    print("server up", flush=True)
    sys.stdin.readline()  # until the test run is stopped
"""


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 2), (signal.SIGTERM, -signal.SIGTERM)],  # interrupted: teardown runs; terminated: none runs, as with SIGKILL
    ids=["SIGINT", "SIGTERM"],
)
def test_a_test_run_stopped_by_a_signal_leaves_no_server(tmp_path: Path, signum: int, code: int) -> None:
    (tmp_path / "test_hold.py").write_text(textwrap.dedent(HOLD))
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", "-p", "tests.fixtures.studio",
         f"--basetemp={tmp_path / 'inner'}", str(tmp_path / "test_hold.py")],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    _read_until(run, "server up")
    (studio_dir,) = {p.parent for p in (tmp_path / "inner" / "project0").rglob("server.json")}  # studio_root's server
    tree = _server_tree(studio_dir)
    port = json.loads((studio_dir / "server.json").read_text())["port"]
    run.send_signal(signum)
    output, _ = run.communicate(timeout=120)
    assert run.returncode == code, output
    assert _until_gone(tree) == [] and _refused(port)
