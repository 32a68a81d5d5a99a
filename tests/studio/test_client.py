"""The client (annotation/studio/client.py): every call through the SDK or raw HTTP, and one error path."""

from __future__ import annotations

import inspect
import json
import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from annotation import studio


@pytest.fixture
def stopped_server() -> str:
    """The URL of a server that has been stopped: nothing listens on its port any more."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# Each public method of the client with arguments that would work on a live server.
CALLS: dict[str, tuple[Any, ...]] = {
    "ensure_project": ("p", "<View/>", ""),
    "create_project": ("p", "<View/>", ""),
    "get_project": (1,),
    "find_project": ("p",),
    "iter_tasks": (1,),
    "push_tasks": (1, [{"data": {"task_key": "k", "text": "t"}}]),
    "open_tasks": (1,),
    "replace_predictions": (1, [1], [{"task": 1, "result": [], "model_version": "m-v1"}], lambda version: True),
    "pull_export": (1, "RAW_DIR"),
    "export_tasks": (1,),
    "users": (),
    "whoami": (),
    "invite_url": (),
    "reset_invite": (),
    "add_annotator": ("a@synthetic.invalid", "a-password"),
    "next_task": (1,),
    "submit_annotation": (1, [], 1.0),
    "set_ground_truth": (1, []),
}


def test_the_stopped_server_calls_cover_every_public_method() -> None:
    public = {name for name, member in inspect.getmembers(studio.Studio, inspect.isfunction) if not name.startswith("_")}
    assert public == set(CALLS)


@pytest.mark.parametrize("method", sorted(CALLS))
def test_every_call_to_a_stopped_server_is_one_clear_error(method: str, stopped_server: str, tmp_path: Path) -> None:
    client = studio.Studio(stopped_server, "t" * 40)
    args = tuple(tmp_path if arg == "RAW_DIR" else arg for arg in CALLS[method])
    with pytest.raises(studio.StudioError, match=f"cannot reach Label Studio at {stopped_server}"):
        result = getattr(client, method)(*args)
        if inspect.isgenerator(result):
            list(result)
    assert list(tmp_path.iterdir()) == []  # a failed pull writes nothing


def test_the_token_is_not_in_the_clients_repr(stopped_server: str) -> None:
    client = studio.Studio(stopped_server, "secret-token-0123456789")
    assert "secret-token" not in repr(client)


# --- against the session's real server ----------------------------------------------------------


@pytest.mark.integration
def test_wrong_token_is_one_clear_error(studio_root: Path) -> None:
    info = studio.server_status(studio_root / ".studio")
    with pytest.raises(studio.StudioError, match=r"list projects: .* rejected the API token \(401\)"):
        studio.Studio(info.url, "0" * 40).find_project("anything")


@pytest.mark.integration
def test_invited_annotator_gets_a_working_token_and_can_log_in_again(admin: studio.Studio) -> None:
    annotator = admin.add_annotator("tester@synthetic.invalid", "a-long-test-password-1", "Test", "Annotator")
    me = annotator.whoami()
    assert me["email"] == "tester@synthetic.invalid"
    again = admin.add_annotator("tester@synthetic.invalid", "a-long-test-password-1")
    assert again.whoami()["id"] == me["id"]


@pytest.mark.integration
def test_pull_is_atomic_and_checksummed(studio_root: Path, admin: studio.Studio, tmp_path: Path) -> None:
    project_id, _ = admin.ensure_project("pull-test", "<View><Text name='text' value='$text'/></View>", "")
    export = admin.pull_export(project_id, tmp_path)
    manifest = json.loads((tmp_path / "MANIFEST.json").read_text())["exports"]
    assert manifest[-1]["file"] == export.path.name and manifest[-1]["sha256"] == export.sha256
    assert not list(tmp_path.glob(".*.tmp"))
    assert stat.S_IMODE((tmp_path / manifest[-1]["users_file"]).stat().st_mode) == 0o600
