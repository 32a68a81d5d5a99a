"""Moving a campaign from the SQLite server to the PostgreSQL one, verified equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation import studio
from annotation.exports import user_id_of
from annotation.studio.migrate import migrate_project
from annotation.schema import load_schema, to_instructions, to_label_config
from tests.fixtures.studio import seed_copy_tasks

pytestmark = pytest.mark.integration


def test_sqlite_campaign_moves_to_postgresql_with_every_annotation(admin: studio.Studio, pg_studio_root: Path) -> None:
    schema = load_schema()
    project_id, _ = admin.ensure_project("migrate-me", to_label_config(schema), to_instructions(schema))
    admin.push_tasks(project_id, seed_copy_tasks(1))
    one = admin.add_annotator("mig-one@synthetic.invalid", "mig-one-password")
    two = admin.add_annotator("mig-two@synthetic.invalid", "mig-two-password")
    # What the annotators did, as (task, e-mail, stance, marked word, skipped): the expectation,
    # written down here rather than taken from the migration's own comparison.
    done = set()
    for client, email, label in ((one, "mig-one@synthetic.invalid", "against"), (two, "mig-two@synthetic.invalid", "neutral")):
        for _ in range(3):
            task = client.next_task(project_id)
            word = task["data"]["text"].split()[0]
            client.submit_annotation(task["id"], [
                {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [label]}},
                {"from_name": "loaded", "to_name": "text", "type": "labels",
                 "value": {"start": 0, "end": len(word), "text": word, "labels": ["loaded-negative"]}},
            ], lead_time=3.0)
            done.add((task["data"]["task_key"], email, label, word, False))
    skipped = one.next_task(project_id)
    one.sdk.annotations.create(skipped["id"], result=[], was_cancelled=True)
    done.add((skipped["data"]["task_key"], "mig-one@synthetic.invalid", None, None, True))

    target = studio.connect(pg_studio_root / ".studio")
    report, logins = migrate_project(admin, target, project_id, "migrate-me", schema=schema, logins={"mig-one@synthetic.invalid": "mig-one-password"})
    assert report.equal, report.difference
    assert (report.tasks, report.annotations, report.annotators, report.new_logins) == (24, 7, 2, 1)
    assert logins["mig-one@synthetic.invalid"] == "mig-one-password"  # a handed-out password keeps working
    target.add_annotator("mig-two@synthetic.invalid", logins["mig-two@synthetic.invalid"])  # and the new one works

    moved, emails = target.export_tasks(report.project_id), target.users()
    assert sorted(t["data"]["task_key"] for t in moved) == sorted(t["data"]["task_key"] for t in seed_copy_tasks(1))
    found = set()
    for task in moved:
        for annotation in task["annotations"]:
            stance = [r["value"]["choices"][0] for r in annotation["result"] if r["from_name"] == "stance"]
            words = [r["value"]["text"] for r in annotation["result"] if r["from_name"] == "loaded"]
            found.add((task["data"]["task_key"], emails[user_id_of(annotation["completed_by"])],
                       stance[0] if stance else None, words[0] if words else None, annotation["was_cancelled"]))
    assert found == done and len(done) == 7
