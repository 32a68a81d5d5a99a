"""`annotation gold import` on a real Label Studio: ground-truth annotations made by the admin,
idempotent, and split out of the votes at pull."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation import pipeline, studio
from annotation.campaign import record_studio
from annotation.cli import app
from annotation.exports import pseudonymize, to_votes
from annotation.raw import latest_export
from annotation.schema import load_schema, to_instructions, to_label_config
from annotation.testing import seed_copy_tasks
from tests.fixtures.studio import campaign_copy

pytestmark = pytest.mark.integration


def _gold_row(task: dict, stance: str) -> dict:
    text = task["data"]["text"]
    word = text.split()[0]
    return {"task_key": task["data"]["task_key"], "stance": stance,
            "spans": [{"start": 0, "end": len(word), "label": "loaded-negative"}]}


def test_gold_import_makes_ground_truth_that_the_pull_keeps_apart(studio_root: Path, admin: studio.Studio, tmp_path: Path) -> None:
    schema = load_schema()
    project_id = admin.ensure_project("gold-test", to_label_config(schema), to_instructions(schema))[0]
    admin.push_tasks(project_id, seed_copy_tasks(1, "gold"))
    campaign = record_studio(campaign_copy(tmp_path / "gold", demo=True, server_root=studio_root), project_id=project_id)
    pushed = {t["data"]["task_key"]: t for t in admin.iter_tasks(project_id)}
    first, second = sorted(pushed)[:2]
    gold = tmp_path / "gold.jsonl"
    rows = [_gold_row(pushed[first], "against"), _gold_row(pushed[second], "neutral"), {"task_key": "nope|T", "stance": "favor"}]
    gold.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    result = CliRunner().invoke(app, ["gold", "import", str(gold), "-C", str(campaign.root)])
    assert result.exit_code == 0, result.output
    assert "2 ground-truth annotation(s) created, 0 updated, 0 unchanged; 1 row(s) skipped" in result.output
    assert f"{gold}:3: task 'nope|T' is not in the project" in result.output

    again = pipeline.import_gold(campaign, gold)  # idempotent: nothing duplicated
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[1]["stance"] = "favor"
    gold.write_text("".join(json.dumps(row) + "\n" for row in rows[:2]), encoding="utf-8")
    changed = pipeline.import_gold(campaign, gold)
    assert (changed.created, changed.updated, changed.unchanged, changed.problems) == (0, 1, 1, [])
    truths = [a for a in admin.sdk.annotations.list(pushed[second]["id"]) if a.ground_truth]
    assert len(truths) == 1 and truths[0].result[0]["value"]["choices"] == ["favor"]  # Label Studio kept the flag

    annotator = admin.add_annotator("gold-annotator@synthetic.invalid", "gold-annotator-pw-1")
    annotator.submit_annotation(pushed[first]["id"], [{"from_name": "stance", "to_name": "text", "type": "choices",
                                                       "value": {"choices": ["against"]}}], lead_time=3.0)
    pulled = pipeline.pull(campaign)
    export = latest_export(campaign.raw)
    votes = to_votes(export.export, export.users, schema=schema, salt="s", source=export.source,
                     max_annotations=export.max_annotations)
    assert pulled.n_tasks == len(pushed)
    assert dict(zip(votes.gold["task"], votes.gold["label"])) == {first: "against", second: "favor"}
    assert len(votes.gold_spans) == 2
    assert votes.annotations[["task", "worker", "label"]].values.tolist() == [
        [first, pseudonymize("gold-annotator@synthetic.invalid", "s"), "against"]]  # the admin's gold is no vote

    table, _, _, _ = pipeline.annotation_progress(campaign)
    row = table.loc["gold-annotator@synthetic.invalid"]
    assert (row["submitted"], row["gold_tasks"], row["gold_stance_accuracy"], row["gold_span_f1"]) == (1, 1, 1.0, 0.0)
    assert admin.whoami()["email"] not in table.index
