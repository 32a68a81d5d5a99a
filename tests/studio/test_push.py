"""Pushing to, and reporting from, the session's real Label Studio server."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from annotation import annotators, pipeline, studio
from annotation.campaign import record_studio
from annotation.schema import load_schema, to_instructions, to_label_config
from annotation.testing import killed_push, seed_copy_tasks
from tests.fixtures.studio import campaign_copy

pytestmark = pytest.mark.integration


def _project(admin: studio.Studio, title: str) -> int:
    schema = load_schema()
    return admin.ensure_project(title, to_label_config(schema), to_instructions(schema))[0]


def _keys(admin: studio.Studio, project_id: int) -> list[str]:
    return [t["data"]["task_key"] for t in admin.iter_tasks(project_id)]


def test_killed_push_resumes_with_every_task_exactly_once(studio_root: Path, admin: studio.Studio) -> None:
    project_id = _project(admin, "resume-test")
    token = json.loads((studio_root / ".studio" / "credentials.json").read_text())["token"]
    killed = killed_push(admin.url, token, project_id, 4, "resume", batch_size=24, kill_after=2)  # 96 tasks, 4 batches
    assert killed.returncode == -signal.SIGKILL and (killed.batches_acked, killed.batches) == (2, 4)
    landed = len(_keys(admin, project_id))
    assert landed == 48  # the two acknowledged batches, and nothing of the two the kill stopped

    report = admin.push_tasks(project_id, seed_copy_tasks(4, "resume"), batch_size=500)
    keys = _keys(admin, project_id)
    assert (report.existing, report.created) == (48, 48)
    assert len(keys) == len(set(keys)) == 96


def test_changed_sentence_text_is_reported_not_overwritten(admin: studio.Studio) -> None:
    project_id = _project(admin, "changed-text-test")
    tasks = seed_copy_tasks(1)
    admin.push_tasks(project_id, tasks)
    edited = [{**t, "data": {**t["data"], "text": t["data"]["text"] + " (edited)"}} for t in tasks[:1]]
    report = admin.push_tasks(project_id, edited)
    assert report.changed == [tasks[0]["data"]["task_key"]] and report.created == 0
    stored = {t["data"]["task_key"]: t["data"]["text"] for t in admin.iter_tasks(project_id)}
    assert stored[tasks[0]["data"]["task_key"]] == tasks[0]["data"]["text"]


def test_annotators_get_logins_and_show_up_in_progress(studio_root: Path, admin: studio.Studio, tmp_path: Path) -> None:
    title = "progress-test"
    project_id = _project(admin, title)
    admin.push_tasks(project_id, seed_copy_tasks(1))
    people = tmp_path / "people.csv"
    people.write_text("email,name\nalice@synthetic.invalid,Alice Example\nbob@synthetic.invalid,Bob\n")
    campaign = record_studio(campaign_copy(tmp_path / "progress", demo=False, server_root=studio_root), project_id=project_id)
    emails, logins, warning = annotators.add_annotators(campaign, people)
    assert warning is not None and "overlap 3 needs at least 3 annotators" in warning
    assert emails == ["alice@synthetic.invalid", "bob@synthetic.invalid"]
    assert oct(logins.stat().st_mode & 0o777) == "0o600"
    password = next(line.split(",")[1] for line in logins.read_text().splitlines() if line.startswith("alice@"))
    alice = admin.add_annotator("alice@synthetic.invalid", password)  # the handed-out login works
    task = alice.next_task(project_id)
    alice.submit_annotation(task["id"], [{"from_name": "stance", "to_name": "text", "type": "choices",
                                          "value": {"choices": ["neutral"]}}], lead_time=7.5)
    table, short, n_tasks, _ = pipeline.annotation_progress(campaign)
    assert table.loc["alice@synthetic.invalid", "submitted"] == 1
    assert table.loc["alice@synthetic.invalid", "median_lead_time_s"] == 7.5
    shown = sum(r["from_name"] == "loaded" for p in task.get("predictions") or [] if isinstance(p, dict) for r in p["result"])
    # She marked no span: every pre-filled span she was shown (Label Studio records it on her annotation) is rejected.
    assert table.loc["alice@synthetic.invalid", ["suggested", "rejected", "accepted"]].tolist() == [shown, shown, 0]
    assert (short, n_tasks) == (24, 24)
