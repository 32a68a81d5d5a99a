"""The Label Studio bridge against the session's real server, and its faults produced for real."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from annotation import studio

pytestmark = pytest.mark.integration


def test_starting_again_reuses_the_running_server(studio_root: Path) -> None:
    first = studio.server_status(studio_root / ".studio")
    assert first is not None and first.host == "127.0.0.1"
    assert studio.start_server(studio_root / ".studio").pid == first.pid


def test_secrets_stay_in_a_0600_file_and_out_of_logs_and_argv(studio_root: Path, admin: studio.Studio) -> None:
    creds_path = studio_root / ".studio" / "credentials.json"
    assert stat.S_IMODE(creds_path.stat().st_mode) == 0o600
    creds = json.loads(creds_path.read_text())
    admin.request("GET", "/api/projects/", "list projects")  # something for the log
    log = (studio_root / ".studio" / "server.log").read_text(errors="replace")
    info = studio.server_status(studio_root / ".studio")
    argv = Path(f"/proc/{info.pid}/cmdline").read_bytes().decode(errors="replace")
    for secret in (creds["password"], creds["token"]):
        assert secret not in log and secret not in argv
    assert "***" in repr(studio.Credentials(**creds)) and creds["token"] not in repr(studio.Credentials(**creds))


def test_wrong_token_is_one_clear_error(studio_root: Path) -> None:
    info = studio.server_status(studio_root / ".studio")
    with pytest.raises(studio.StudioError, match=r"list projects: .* rejected the API token \(401\)"):
        studio.Studio(info.url, "0" * 40).find_project("anything")


def test_server_not_running_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(studio.StudioError, match="no Label Studio server is running"):
        studio.connect(tmp_path / ".studio")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(studio.StudioError, match=f"cannot reach Label Studio at http://127.0.0.1:{port}"):
        studio.Studio(f"http://127.0.0.1:{port}", "t").find_project("x")


def test_port_taken_is_refused_before_starting(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(studio.StudioError, match=f"port {port} on 127.0.0.1 is already in use"):
            studio.start_server(tmp_path / ".studio", port=port)


def test_invited_annotator_gets_a_working_token_and_can_log_in_again(admin: studio.Studio) -> None:
    annotator = admin.add_annotator("tester@synthetic.invalid", "a-long-test-password-1", "Test", "Annotator")
    me = annotator.request("GET", "/api/current-user/whoami", "whoami").json()
    assert me["email"] == "tester@synthetic.invalid"
    again = admin.add_annotator("tester@synthetic.invalid", "a-long-test-password-1")
    assert again.request("GET", "/api/current-user/whoami", "whoami").json()["id"] == me["id"]


def test_pull_is_atomic_and_checksummed(studio_root: Path, admin: studio.Studio, tmp_path: Path) -> None:
    project_id, _ = admin.ensure_project("pull-test", "<View><Text name='text' value='$text'/></View>", "")
    export = admin.pull_export(project_id, tmp_path)
    manifest = json.loads((tmp_path / "MANIFEST.json").read_text())["exports"]
    assert manifest[-1]["file"] == export.path.name and manifest[-1]["sha256"] == export.sha256
    assert not list(tmp_path.glob(".*.tmp"))
    assert stat.S_IMODE((tmp_path / manifest[-1]["users_file"]).stat().st_mode) == 0o600
