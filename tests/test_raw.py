"""The raw-export store (annotation/raw.py): writing, reading back verified, and the campaign's salt."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from annotation import raw
from annotation.exports import ExportError, pseudonymize

TASKS = [{"id": 1, "data": {"task_key": "a-0001|T", "text": "One."}, "annotations": []},
         {"id": 2, "data": {"task_key": "a-0002|T", "text": "Two."}, "annotations": []}]
USERS = {7: "ann@synthetic.invalid"}


def _write(raw_dir: Path, tasks: list[dict], project_id: int = 3) -> raw.RawExport:
    body = json.dumps(tasks).encode("utf-8")
    return raw.write_export(raw_dir, project_id, [body[:5], body[5:]], USERS, maximum_annotations=2)


def test_an_export_is_written_with_its_users_and_a_manifest_entry_and_read_back(tmp_path: Path) -> None:
    first = _write(tmp_path, TASKS[:1])
    second = _write(tmp_path, TASKS)
    assert (second.n_tasks, second.project_id) == (2, 3)
    entries = json.loads((tmp_path / raw.MANIFEST).read_text())["exports"]
    assert [e["file"] for e in entries] == [first.path.name, second.path.name]
    assert entries[-1]["sha256"] == second.sha256 and entries[-1]["maximum_annotations"] == 2
    assert stat.S_IMODE((tmp_path / entries[-1]["users_file"]).stat().st_mode) == 0o600
    pulled = raw.latest_export(tmp_path)
    assert pulled.export == TASKS and pulled.users == USERS and pulled.source == second.path.name
    assert pulled.max_annotations == 2 and pulled.history == [TASKS[:1]]


def test_a_body_that_is_not_a_json_list_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="not a JSON list of tasks"):
        raw.write_export(tmp_path, 3, [b"<html>oops"], USERS, maximum_annotations=None)
    assert list(tmp_path.iterdir()) == []


def test_a_changed_export_or_none_at_all_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no exports yet"):
        raw.latest_export(tmp_path)
    export = _write(tmp_path, TASKS)
    export.path.write_text("[]")
    with pytest.raises(ExportError, match="changed since it was pulled"):
        raw.latest_export(tmp_path)


def test_the_salt_is_drawn_once_into_a_0600_file_unless_the_environment_gives_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANNOTATION_SALT", raising=False)
    salt = raw.load_salt(tmp_path / ".studio")
    assert raw.load_salt(tmp_path / ".studio") == salt and len(salt) == 32
    assert stat.S_IMODE((tmp_path / ".studio" / "salt").stat().st_mode) == 0o600
    monkeypatch.setenv("ANNOTATION_SALT", "from-env")
    assert raw.load_salt(tmp_path / ".studio") == "from-env"


@pytest.mark.parametrize("drawn_before", [True, False], ids=["salt-drawn", "no-salt-yet"])
def test_a_copied_salt_keeps_every_pseudonym(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drawn_before: bool) -> None:
    monkeypatch.delenv("ANNOTATION_SALT", raising=False)
    source, target = tmp_path / "source" / ".studio", tmp_path / "target" / ".studio"
    if drawn_before:
        raw.load_salt(source)
    raw.copy_salt(source, target)
    emails = ["ann@synthetic.invalid", "Bob@Example.org"]
    assert [pseudonymize(e, raw.load_salt(source)) for e in emails] == [pseudonymize(e, raw.load_salt(target)) for e in emails]
    assert stat.S_IMODE((target / "salt").stat().st_mode) == 0o600
