"""Moving a campaign to another server (annotation/studio/migrate.py, pipeline.migrate), verified equal."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from annotation import pipeline, studio
from annotation.assignment import QueueSettings, read_queue_settings
from annotation.exports import pseudonymize, user_id_of
from annotation.raw import load_salt
from annotation.schema import load_schema, to_instructions, to_label_config
from annotation.studio.migrate import migrate_project
from annotation.testing import seed_copy_tasks
from tests.fixtures.studio import campaign_copy

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
    report, logins = migrate_project(admin, target, project_id, "migrate-me", schema=schema, logins={"mig-one@synthetic.invalid": "mig-one-password"}, overlap=3)
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


def test_a_migrated_campaign_keeps_every_pseudonym_and_its_overlap(studio_root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANNOTATION_SALT", raising=False)
    # A campaign whose overlap is not the default, pushed but never built: it has drawn no salt yet.
    source = replace(campaign_copy(tmp_path / "source", demo=True, server_root=studio_root), overlap=2,
                     queue=QueueSettings(order="article", gold_rate=0.2))
    pipeline.ingest(source)
    pipeline.segment(source)
    source = pipeline.push(source)[0]
    emails = ["mig-one@synthetic.invalid", "someone@example.org"]
    target, report, _ = pipeline.migrate(source, tmp_path / "target", database=None)
    try:
        assert report.equal, report.difference
        before = [pseudonymize(e, load_salt(source.studio_dir)) for e in emails]
        assert [pseudonymize(e, load_salt(target.studio_dir)) for e in emails] == before
        moved = studio.connect(target.studio_dir).get_project(report.project_id)
        assert target.overlap == moved["maximum_annotations"] == source.overlap == 2
        # The lexicon's suggestions come along, one per task it matched, and are what the project pre-fills.
        def lexicon_predictions(client: studio.Studio, project_id: int) -> Counter:
            return Counter(p.model_version for p in client.sdk.predictions.list(project=project_id))

        moved_client = studio.connect(target.studio_dir)
        pushed = lexicon_predictions(studio.connect(source.studio_dir), source.studio.project_id)
        assert lexicon_predictions(moved_client, report.project_id) == pushed and pushed["lexicon-v1"] > 0
        assert moved_client.get_project(report.project_id)["model_version"] == "lexicon-v1"
        # The new server's stream follows the campaign's order and gold rate too.
        assert read_queue_settings(report.project_id, studio.queue_dir(target.studio_dir)) == source.queue
    finally:
        studio.stop_server(target.studio_dir)
