"""What annotators can see and do in the open-source edition, and how the pull catches tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation import studio
from annotation.cli import app
from annotation.exports import load_export, read_users, to_votes
from annotation.schema import load_schema, to_instructions, to_label_config

pytestmark = pytest.mark.integration
STANCE = {"from_name": "stance", "to_name": "text", "type": "choices"}


def _one_task_project(admin: studio.Studio, title: str) -> int:
    schema = load_schema()
    project_id, _ = admin.ensure_project(title, to_label_config(schema), to_instructions(schema))
    data = {"task_key": f"{title}-0000|T", "sentence_id": f"{title}-0000", "article_id": title, "text": "The regime fell.",
            "target": "T", "headline": "H", "context_before": "", "context_after": ""}
    admin.push_tasks(project_id, [{"data": data}])
    return project_id


@pytest.fixture(scope="module")
def two_annotators(admin: studio.Studio) -> tuple[studio.Studio, studio.Studio]:
    return (admin.add_annotator("sec-a@synthetic.invalid", "sec-a-password-123"),
            admin.add_annotator("sec-b@synthetic.invalid", "sec-b-password-123"))


def test_the_stream_does_not_show_other_annotators_labels(admin: studio.Studio, two_annotators) -> None:
    a, b = two_annotators
    project_id = _one_task_project(admin, "stream-blind")
    task = a.next_task(project_id)
    a.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["against"]}}], 2.0)
    served = b.next_task(project_id)
    assert served["id"] == task["id"] and served["total_annotations"] == 1
    assert served["annotations"] == []  # B labels without seeing A's judgment


def test_an_edit_by_another_annotator_is_detected_and_the_authors_version_kept(
    admin: studio.Studio, two_annotators, tmp_path: Path
) -> None:
    a, b = two_annotators
    project_id = _one_task_project(admin, "tamper-check")
    task = a.next_task(project_id)
    annotation_id = a.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["against"]}}], 2.0)
    before = admin.pull_export(project_id, tmp_path)
    # The open-source edition has no role check: B may rewrite A's annotation (a limitation we document).
    b.request("PATCH", f"/api/annotations/{annotation_id}/", "edit another's annotation",
              json={"result": [{**STANCE, "value": {"choices": ["favor"]}}]})
    after = admin.pull_export(project_id, tmp_path)
    users = read_users(after.path.with_suffix(".users.json"))
    votes = to_votes(load_export(after.path), users, schema=load_schema(), salt="s", history=[load_export(before.path)])
    assert votes.annotations["label"].tolist() == ["against"]
    assert votes.integrity["issue"].tolist() == ["edited_by_other"]


def test_status_prints_no_secret(studio_root: Path) -> None:
    creds = json.loads((studio_root / ".studio" / "credentials.json").read_text())
    result = CliRunner().invoke(app, ["studio", "status", "--campaign", str(studio_root)])
    assert result.exit_code == 0 and "running at http://127.0.0.1:" in result.output
    assert creds["token"] not in result.output and creds["password"] not in result.output
