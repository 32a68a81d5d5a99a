"""``annotation suggest`` against the session's real server: trained on a few labelled tasks, its
predictions land on the unlabelled tasks once, however often it runs, beside the lexicon's."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation import pipeline, studio
from annotation.cli import app
from annotation.lexicon import load_lexicon
from annotation.schema import load_schema
from annotation.tasks import lexicon_prediction
from annotation.suggest import is_version_of
from tests.fixtures.studio import campaign_copy

pytestmark = pytest.mark.integration


def _predictions(admin: studio.Studio, project_id: int) -> list:
    return admin._call("list predictions", lambda: admin.sdk.predictions.list(project=project_id))


def test_suggest_twice_leaves_one_prediction_per_unlabelled_task(studio_root: Path, admin: studio.Studio, tmp_path: Path) -> None:
    campaign = campaign_copy(tmp_path / "suggest", demo=True, server_root=studio_root)  # a project of its own
    pipeline.ingest(campaign)
    pipeline.segment(campaign)
    campaign, project_id, _, n_tasks = pipeline.push(campaign)
    schema = load_schema(campaign.scheme)
    tasks = sorted(admin.iter_tasks(project_id), key=lambda t: t["id"])
    targets = sorted({t["data"]["target"] for t in tasks})
    labelled = tasks[:12]
    lexicon = load_lexicon(campaign.lexicon, labels=schema.span_names)
    for task in labelled:  # favor toward one target, against the other: two classes of 3+ labels; the lexicon's spans
        stance = "favor" if task["data"]["target"] == targets[0] else "against"
        spans = [{k: v for k, v in r.items() if k != "id"} for r in (lexicon_prediction(task["data"]["text"], lexicon, schema) or {}).get("result", [])]
        admin.submit_annotation(task["id"], [{"from_name": schema.stance_name, "to_name": "text", "type": "choices",
                                              "value": {"choices": [stance]}}, *spans], 2.0)
    pipeline.pull(campaign)
    pipeline.build(campaign, freeze_splits=True)
    lexicon_before = sorted((p.task, p.model_version) for p in _predictions(admin, project_id) if p.model_version == "lexicon-v1")
    assert lexicon_before  # the push's lexicon suggestions

    _, (stance, spans) = pipeline.suggest(campaign, tagger="token-lr")
    version, created = stance.version, stance.created
    assert stance.trained == len(labelled) and stance.deleted == 0 and created == n_tasks - len(labelled)
    assert spans.kind == "token-lr" and spans.trained > 0 and spans.deleted == 0 and spans.created > 0
    result = CliRunner().invoke(app, ["suggest", "--model", "tfidf-lr", "--tagger", "token-lr", "-C", str(campaign.root)])
    assert result.exit_code == 0, result.output
    assert f"{created} prediction(s) of {version} pushed" in result.output and f"{created} earlier tfidf-lr prediction(s) replaced" in result.output
    assert f"{spans.created} prediction(s) of {spans.version} pushed" in result.output
    assert f"{spans.created} earlier token-lr prediction(s) replaced" in result.output

    predictions = _predictions(admin, project_id)
    ours = [p for p in predictions if is_version_of(p.model_version, "tfidf-lr")]
    unlabelled = {t["id"] for t in tasks[12:]}
    assert Counter(p.task for p in ours) == Counter({task_id: 1 for task_id in unlabelled})
    assert {p.model_version for p in ours} == {version}
    for p in ours:
        (region,) = p.result
        assert region["from_name"] == schema.stance_name and region["type"] == "choices"
        assert region["value"]["choices"][0] in {"favor", "against"} and 0.0 < p.score <= 1.0
    tagged = [p for p in predictions if is_version_of(p.model_version, "token-lr")]
    assert len(tagged) == spans.created and {p.task for p in tagged} <= unlabelled and len({p.task for p in tagged}) == len(tagged)
    for p in tagged:
        assert all(r["type"] == "labels" and r["from_name"] == schema.span_name and 0.0 <= r["score"] <= 1.0 for r in p.result)
    assert sorted((p.task, p.model_version) for p in predictions if p.model_version == "lexicon-v1") == lexicon_before
    # The stream pre-fills only the project's model version: still the lexicon's, so annotators are not shown the stance.
    assert admin.get_project(project_id)["model_version"] == "lexicon-v1"


def test_an_unknown_model_is_one_clear_error(tmp_path: Path) -> None:
    root = str(campaign_copy(tmp_path / "c", demo=True).root)
    result = CliRunner().invoke(app, ["suggest", "--model", "no-such-model", "-C", root])
    assert result.exit_code == 1 and "is not a stance classifier" in result.output
    result = CliRunner().invoke(app, ["suggest", "--tagger", "lexicon", "-C", root])
    assert result.exit_code == 1 and "is not a learnt loaded-language tagger" in result.output
