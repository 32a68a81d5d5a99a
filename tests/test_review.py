"""The disagreement queue against the session's real server: review, adjudicate, rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation import pipeline, studio
from annotation.release import load_release
from annotation.review import adjudications
from annotation.schema import load_schema
from tests.fixtures.studio import campaign_copy

pytestmark = pytest.mark.integration


def test_adjudicated_labels_replace_the_majority_and_are_flagged(studio_root: Path, admin: studio.Studio, tmp_path: Path) -> None:
    campaign = campaign_copy(tmp_path / "review-flow", demo=True, server_root=studio_root)  # a project of its own
    pipeline.ingest(campaign)
    pipeline.segment(campaign)
    campaign = pipeline.push(campaign)[0]
    pipeline.simulate_annotation(campaign, seed=0)
    pipeline.pull(campaign)
    pipeline.build(campaign)

    campaign, project_id, report, n_selected = pipeline.review(campaign, below=0.5)
    assert n_selected > 0 and report.created == n_selected
    assert pipeline.review(campaign, below=0.5)[2].created == 0  # idempotent

    reviewer = admin.add_annotator("reviewer@synthetic.invalid", "reviewer-password-1")
    decided = {}
    while (task := reviewer.next_task(project_id)) is not None:
        assert "ann-" in task["data"]["votes"]  # every annotator's label is shown, pseudonymised
        decided[task["data"]["task_key"]] = "unrelated"
        reviewer.submit_annotation(task["id"], [{"from_name": "stance", "to_name": "text", "type": "choices",
                                                 "value": {"choices": ["unrelated"]}}], 4.0)
    assert len(decided) == n_selected

    pipeline.pull(campaign)
    release, _ = pipeline.build(campaign)
    names = load_schema().stance_names
    rows = [row for split in load_release(release, "sentences").values() for row in split]
    for row in rows:
        assert row["adjudicated"] == (row["task_key"] in decided)
        if row["adjudicated"]:
            assert names[row["stance"]] == decided[row["task_key"]]


def test_the_latest_adjudication_wins_by_time_not_by_text() -> None:
    task = {"id": 1, "data": {"task_key": "a-0001|T"}, "annotations": [
        {"id": 2, "updated_at": "2026-01-01T10:00:00.400000Z", "result": [{"from_name": "stance", "value": {"choices": ["against"]}}]},
        {"id": 1, "updated_at": "2026-01-01T10:00:00Z", "result": [{"from_name": "stance", "value": {"choices": ["favor"]}}]},
    ]}
    assert adjudications([task], load_schema()) == ({"a-0001|T": "against"}, [])
