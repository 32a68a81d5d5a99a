"""A small load run with both faults against its own real server: nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from annotation.exports import load_export, read_users, to_votes
from annotation.schema import load_schema
from annotation.testing import run_load

pytestmark = pytest.mark.integration


def test_concurrent_annotators_with_a_server_kill_and_an_interrupted_push(tmp_path: Path) -> None:
    report = run_load(tmp_path / ".studio", tmp_path / "raw", database=None, n_annotators=4, n_articles=1,
                      late_articles=1, pull_every=2.0)
    print(report.row(), *report.faults(), sep="\n")
    assert report.acknowledged > 0 and report.pulls > 0
    assert (report.lost, report.duplicated_ids, report.tasks_missing, report.tasks_duplicated) == (0, 0, 0, 0)
    # The toolkit's stream chooses and locks under one lock: every task gets exactly its overlap.
    assert (report.over_assigned_tasks, report.short_tasks) == (0, 0)

    # The server kill happened: label-studio died of SIGKILL, came back as another process, and
    # the clients saw the outage and went on working afterwards.
    assert report.supervisor_exit == 128 + signal.SIGKILL
    assert report.restarted_pid not in (0, report.killed_pid)
    assert report.acked_before_kill > 0 and report.acked_after_restart > 0 and report.pulls_during_outage > 0

    # The push was killed midway, and the re-push added exactly what was missing.
    push, repush = report.push, report.repush
    assert push is not None and repush is not None
    assert push.returncode == -signal.SIGKILL and 0 < push.batches_acked < push.batches
    assert report.late_landed == push.batches_acked * push.batch_size < push.n_tasks == 24
    assert (repush.existing, repush.created) == (report.late_landed, 24 - report.late_landed)
    assert report.late_tasks_after == 24

    # Whatever the server over-assigned, the parsed votes respect the overlap and one vote per annotator.
    manifest = json.loads((tmp_path / "raw" / "MANIFEST.json").read_text())["exports"][-1]
    users = read_users(tmp_path / "raw" / manifest["users_file"])
    votes = to_votes(load_export(tmp_path / "raw" / manifest["file"]), users, schema=load_schema(), salt="s",
                     max_annotations=manifest["maximum_annotations"])
    per_task = votes.annotations.groupby("task")["worker"]
    assert per_task.size().max() <= 3 and (per_task.size() == per_task.nunique()).all()
    assert votes.dropped["over_assigned"] == report.over_assigned_tasks
