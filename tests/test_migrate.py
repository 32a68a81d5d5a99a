"""Moving a campaign from the SQLite server to the PostgreSQL one, verified equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation import studio
from annotation.migrate import migrate_project
from annotation.schema import load_schema, to_instructions, to_label_config
from tests.fixtures.studio import seed_copy_tasks

pytestmark = pytest.mark.integration


def test_sqlite_campaign_moves_to_postgresql_with_every_annotation(admin: studio.Studio, pg_studio_root: Path) -> None:
    schema = load_schema()
    project_id, _ = admin.ensure_project("migrate-me", to_label_config(schema), to_instructions(schema))
    admin.push_tasks(project_id, seed_copy_tasks(1))
    one = admin.add_annotator("mig-one@synthetic.invalid", "mig-one-password")
    two = admin.add_annotator("mig-two@synthetic.invalid", "mig-two-password")
    for client, label in ((one, "against"), (two, "neutral")):
        for _ in range(3):
            task = client.next_task(project_id)
            client.submit_annotation(task["id"], [
                {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [label]}},
                {"from_name": "loaded", "to_name": "text", "type": "labels",
                 "value": {"start": 0, "end": len(task["data"]["text"].split()[0]), "text": task["data"]["text"].split()[0], "labels": ["loaded-negative"]}},
            ], lead_time=3.0)
    skipped = one.next_task(project_id)
    one.request("POST", f"/api/tasks/{skipped['id']}/annotations/", "skip", json={"result": [], "was_cancelled": True})

    target = studio.connect(pg_studio_root / ".studio")
    report, logins = migrate_project(admin, target, project_id, "migrate-me", schema=schema, logins={"mig-one@synthetic.invalid": "mig-one-password"})
    assert report.equal, report.difference
    assert (report.tasks, report.annotations, report.annotators, report.new_logins) == (24, 7, 2, 1)
    assert logins["mig-one@synthetic.invalid"] == "mig-one-password"  # a handed-out password keeps working
    target.add_annotator("mig-two@synthetic.invalid", logins["mig-two@synthetic.invalid"])  # and the new one works
