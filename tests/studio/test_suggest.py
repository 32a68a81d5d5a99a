"""``annotation suggest`` against the session's real server: trained on the tasks labelled to the
overlap, its predictions land once on each open task, however often it runs, beside the lexicon's,
and are what the stream pre-fills."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotation import pipeline, studio
from annotation.assignment import block_of, block_ranking_path, read_block_ranking
from annotation.cli import app
from annotation.lexicon import load_lexicon
from annotation.schema import load_schema
from annotation.suggest import is_version_of
from annotation.tasks import lexicon_prediction
from tests.fixtures.studio import campaign_copy

pytestmark = pytest.mark.integration


def _predictions(admin: studio.Studio, project_id: int) -> list:
    return admin._call("list predictions", lambda: admin.sdk.predictions.list(project=project_id))


def _label(admin: studio.Studio, task: dict, stance: str, spans: list, times: int) -> None:
    for _ in range(times):
        admin.submit_annotation(task["id"], [{"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [stance]}},
                                             *spans], 2.0)


def test_suggest_pre_fills_one_prediction_per_open_task_however_often_it_runs(studio_root: Path, admin: studio.Studio,
                                                                               tmp_path: Path) -> None:
    """12 tasks labelled to the overlap train the model; a task one annotation short of it and the
    untouched ones are open and get the suggestions (the short one's own label is not learnt from);
    a gold task gets none."""
    campaign = campaign_copy(tmp_path / "suggest", demo=True, server_root=studio_root)  # a project of its own
    pipeline.ingest(campaign)
    pipeline.segment(campaign)
    campaign, project_id, _, n_tasks = pipeline.push(campaign)
    schema = load_schema(campaign.scheme)
    tasks = sorted(admin.iter_tasks(project_id), key=lambda t: t["id"])
    targets = sorted({t["data"]["target"] for t in tasks})
    lexicon = load_lexicon(campaign.lexicon, labels=schema.span_names)

    def spans(task: dict) -> list:
        return [{k: v for k, v in r.items() if k != "id"} for r in (lexicon_prediction(task["data"]["text"], lexicon, schema) or {}).get("result", [])]

    labelled, short, gold = tasks[:12], tasks[12], tasks[13]
    for task in labelled:  # favor toward one target, against the other: two classes of 3+ labels
        _label(admin, task, "favor" if task["data"]["target"] == targets[0] else "against", spans(task), campaign.overlap)
    _label(admin, short, "neutral", [], 1)
    admin.set_ground_truth(gold["id"], [{"from_name": schema.stance_name, "to_name": "text", "type": "choices",
                                         "value": {"choices": ["neutral"]}}])
    pipeline.pull(campaign)
    pipeline.build(campaign, freeze_splits=True)
    lexicon_before = sorted((p.task, p.model_version) for p in _predictions(admin, project_id) if p.model_version == "lexicon-v1")
    assert lexicon_before  # the push's lexicon suggestions

    _, report = pipeline.suggest(campaign)
    by_id = {t["id"]: t for t in tasks}
    open_ids = {t["id"] for t in tasks} - {t["id"] for t in labelled} - {gold["id"]}
    assert report.name == "tfidf-lr+lexicon" and report.trained == len(labelled) and report.trained_spans is None
    assert report.deleted == 0 and report.created == len(open_ids) == n_tasks - 13 and report.shown == report.version
    assert admin.get_project(project_id)["model_version"] == report.version  # what the stream now pre-fills
    ranking = read_block_ranking(project_id, campaign.queue.order, studio.queue_dir(campaign.studio_dir))
    assert ranking is not None and len(ranking) == report.ranked_blocks == len({block_of(t["data"], campaign.queue.order)
                                                                               for t in tasks if t["id"] in open_ids})
    assert sorted(i for _, ids in ranking for i in ids) == sorted(open_ids)  # each open task once, under its block
    assert all(block_of(by_id[i]["data"], campaign.queue.order) == block for block, ids in ranking for i in ids)

    result = CliRunner().invoke(app, ["suggest", "-C", str(campaign.root)])  # again, as a curator would
    assert result.exit_code == 0, result.output
    assert f"{report.created} prediction(s) of {report.version} pushed to the open tasks, {report.created} earlier" in result.output
    assert "the stream follows the ranking only with queue.active: true (off here)" in result.output
    ours = [p for p in _predictions(admin, project_id) if is_version_of(p.model_version, report.name)]
    assert Counter(p.task for p in ours) == Counter(dict.fromkeys(open_ids, 1))
    by_task = {t["id"]: t for t in tasks}
    for p in ours:
        stance, *regions = p.result
        assert stance["from_name"] == schema.stance_name and stance["value"]["choices"][0] in {"favor", "against"} and 0.0 < p.score <= 1.0
        assert [{k: v for k, v in r.items() if k not in ("id", "score")} for r in regions] == spans(by_task[p.task])

    result = CliRunner().invoke(app, ["suggest", "--tagger", "token-lr", "--no-prefill", "-C", str(campaign.root)])
    assert result.exit_code == 0, result.output
    assert "tfidf-lr+token-lr trained on 12 stance label(s)" in result.output
    assert f"not pre-filled: annotators still see {report.version}" in result.output and "active order: unchanged" in result.output
    assert admin.get_project(project_id)["model_version"] == report.version
    ranked = json.loads(block_ranking_path(studio.queue_dir(campaign.studio_dir), project_id).read_text(encoding="utf-8"))
    assert ranked["model_version"] == report.version  # the order still follows the model annotators are shown
    predictions = _predictions(admin, project_id)
    tagged = [p for p in predictions if is_version_of(p.model_version, "tfidf-lr+token-lr")]
    assert Counter(p.task for p in tagged) == Counter(dict.fromkeys(open_ids, 1))
    assert all(r["type"] == "labels" and 0.0 <= r["score"] <= 1.0 for p in tagged for r in p.result[1:])
    assert len([p for p in predictions if is_version_of(p.model_version, report.name)]) == len(open_ids)  # the other name's stay
    assert sorted((p.task, p.model_version) for p in predictions if p.model_version == "lexicon-v1") == lexicon_before

    _, svm = pipeline.suggest(campaign, kind="tfidf-svm")  # no probabilities: no margins to rank by
    assert svm.shown == svm.version and svm.ranked_blocks == 0
    assert read_block_ranking(project_id, campaign.queue.order, studio.queue_dir(campaign.studio_dir)) is None  # push order again


def test_an_unknown_model_is_one_clear_error(tmp_path: Path) -> None:
    root = str(campaign_copy(tmp_path / "c", demo=True).root)
    result = CliRunner().invoke(app, ["suggest", "--model", "no-such-model", "-C", root])
    assert result.exit_code == 1 and "is not a stance classifier" in result.output
    result = CliRunner().invoke(app, ["suggest", "--tagger", "lexicon", "-C", root])
    assert result.exit_code == 1 and "is not a learnt loaded-language tagger" in result.output


def test_suggest_with_no_open_task_is_one_clear_error(studio_root: Path, admin: studio.Studio, tmp_path: Path) -> None:
    campaign = campaign_copy(tmp_path / "done", demo=True, server_root=studio_root)
    pipeline.ingest(campaign)
    pipeline.segment(campaign)
    campaign, project_id, _, _ = pipeline.push(campaign)
    tasks = list(admin.iter_tasks(project_id))
    targets = sorted({t["data"]["target"] for t in tasks})
    for task in tasks:  # every task to the overlap
        _label(admin, task, "favor" if task["data"]["target"] == targets[0] else "against", [], campaign.overlap)
    pipeline.pull(campaign)
    pipeline.build(campaign, freeze_splits=True)
    result = CliRunner().invoke(app, ["suggest", "-C", str(campaign.root)])
    assert result.exit_code == 1 and f"project {project_id} has no open task" in result.output and "Traceback" not in result.output
    assert not [p for p in _predictions(admin, project_id) if is_version_of(p.model_version, "tfidf-lr+lexicon")]
