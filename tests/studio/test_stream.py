"""The labeling stream's order for annotators (``annotation.assignment`` inside the server), on a real server.

Three annotators take turns asking for their next task and labelling it, on two articles × two
targets × three sentences with an overlap of 2 and one gold task. The project's admin keeps Label
Studio's own stream (whose breadth-first step serves a random started task).
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from annotation import studio
from annotation.assignment import QueueSettings, block_of, block_ranking_path, write_block_ranking, write_queue_settings
from annotation.schema import load_schema, to_instructions, to_label_config

pytestmark = pytest.mark.integration
STANCE = {"from_name": "stance", "to_name": "text", "type": "choices"}
ARTICLES, TARGETS, SENTENCES = ("art-1", "art-2"), ("Kerry", "gun control"), 3
GOLD_RATE = 0.25  # the 4th and 8th tasks of each annotator are gold


def _tasks(title: str) -> list[dict[str, Any]]:
    """Pushed as ``make_tasks`` orders them: by article, sentence, target."""
    return [{"data": {"task_key": f"{title}-{a}-{s}|{t}", "sentence_id": f"{title}-{a}-{s:04d}", "article_id": f"{title}-{a}",
                      "text": f"Sentence {s} of {a}.", "target": t, "headline": a, "context_before": "", "context_after": ""}}
            for a in ARTICLES for s in range(SENTENCES) for t in TARGETS]


def _project(admin: studio.Studio, studio_root: Path, title: str, settings: QueueSettings) -> int:
    schema = load_schema()
    project_id = admin.create_project(title, to_label_config(schema), to_instructions(schema), overlap=2)
    write_queue_settings(studio.queue_dir(studio_root / ".studio"), project_id, settings)
    admin.push_tasks(project_id, _tasks(title))
    return project_id


def _ranked(admin: studio.Studio, studio_root: Path, project_id: int, title: str) -> list[tuple[str, str]]:
    """A ranking as ``annotation suggest`` writes it: art-2's gun control block first, then art-1's Kerry."""
    ranking = [(f"{title}-art-2", "gun control"), (f"{title}-art-1", "Kerry")]
    tasks = sorted(admin.iter_tasks(project_id), key=lambda t: t["id"])
    ids = [(block, [t["id"] for t in tasks if block_of(t["data"], "article-target") == block]) for block in ranking]
    write_block_ranking(studio.queue_dir(studio_root / ".studio"), project_id, ids, order="article-target", model_version="test")
    return ranking


def _take_turns(clients: dict[str, studio.Studio], project_id: int) -> dict[str, list[dict[str, Any]]]:
    """Each annotator in turn asks for a task and labels it, until none gets one; the tasks each got."""
    got: dict[str, list[dict[str, Any]]] = {name: [] for name in clients}
    active = set(clients)
    for name in itertools.cycle(sorted(clients)):
        if not active:
            break
        if name not in active:
            continue
        task = clients[name].next_task(project_id)
        if task is None:
            active.discard(name)
            continue
        clients[name].submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["neutral"]}}], 1.0)
        got[name].append(task)
    return got


@pytest.fixture(scope="module")
def annotators(admin: studio.Studio) -> dict[str, studio.Studio]:
    return {name: admin.add_annotator(f"stream-{name}@synthetic.invalid", f"stream-{name}-password-1") for name in "abc"}


def test_each_annotator_reads_block_by_block_in_sentence_order(admin: studio.Studio, studio_root: Path, annotators) -> None:
    title = "stream-order"
    project_id = _project(admin, studio_root, title, QueueSettings(order="article-target", gold_rate=GOLD_RATE))
    gold_key = f"{title}-art-2-2|gun control"
    gold_task = next(t for t in admin.iter_tasks(project_id) if t["data"]["task_key"] == gold_key)
    admin._call("gold", lambda: admin.sdk.annotations.create(gold_task["id"], result=[{**STANCE, "value": {"choices": ["favor"]}}],
                                                               ground_truth=True))

    got = _take_turns(annotators, project_id)

    for name, tasks in got.items():
        regular = [t for t in tasks if t["data"]["task_key"] != gold_key]
        blocks = [block_of(t["data"], "article-target") for t in regular]
        runs = [block for block, _ in itertools.groupby(blocks)]
        assert len(runs) == len(set(runs)), f"{name} came back to a block: {runs}"
        for block, run in itertools.groupby(regular, key=lambda t: block_of(t["data"], "article-target")):
            ids = [t["id"] for t in run]
            assert ids == sorted(ids), f"{name} read {block} out of order"
        # Gold at the rate, and nothing in the task says so.
        positions = [i + 1 for i, t in enumerate(tasks) if t["data"]["task_key"] == gold_key]
        assert positions == [4], f"{name} got the gold task at {positions}"
        assert all(t["annotations"] == [] for t in tasks)

    counts = Counter(t["data"]["task_key"] for tasks in got.values() for t in tasks)
    assert counts[gold_key] == 3  # every annotator, beyond the overlap
    assert {key: n for key, n in counts.items() if key != gold_key} == {t["data"]["task_key"]: 2 for t in _tasks(title)
                                                                        if t["data"]["task_key"] != gold_key}


def test_article_order_keeps_a_sentences_targets_together(admin: studio.Studio, studio_root: Path, annotators) -> None:
    project_id = _project(admin, studio_root, "stream-article", QueueSettings(order="article", gold_rate=0.0))
    got = _take_turns(annotators, project_id)
    for name, tasks in got.items():
        keys = [(t["data"]["article_id"], t["data"]["sentence_id"], t["data"]["target"]) for t in tasks]
        runs = [article for article, _ in itertools.groupby(k[0] for k in keys)]
        assert len(runs) == len(set(runs)), f"{name} came back to an article: {runs}"
        assert [t["id"] for t in tasks] == sorted(t["id"] for t in tasks)


def test_the_admin_keeps_label_studios_own_stream(admin: studio.Studio, studio_root: Path, annotators) -> None:
    project_id = _project(admin, studio_root, "stream-ls", QueueSettings())
    a = annotators["a"]
    for _ in range(3):  # A labels the first block (art-1, Kerry) ...
        task = a.next_task(project_id)
        a.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["neutral"]}}], 1.0)
    assert admin.next_task(project_id)["queue"].startswith("Breadth first")  # Label Studio's own queue
    assert a.next_task(project_id)["queue"].startswith("Annotation toolkit: reading order (article-target)")


def test_a_task_skipped_in_a_block_goes_to_the_next_annotator(admin: studio.Studio, studio_root: Path, annotators) -> None:
    """A and B finish a block in which A skipped the first task: C, not staffed there, is sent back to it."""
    project_id = _project(admin, studio_root, "stream-skip", QueueSettings(gold_rate=0.0))
    a, b, c = annotators["a"], annotators["b"], annotators["c"]
    first = a.next_task(project_id)
    a._call("skip", lambda: a.sdk.annotations.create(first["id"], result=[], was_cancelled=True))
    for client in (b, b, b, a, a):  # B labels the block's three sentences, A the two it did not skip
        task = client.next_task(project_id)
        assert block_of(task["data"], "article-target") == block_of(first["data"], "article-target")
        client.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["neutral"]}}], 1.0)
    assert c.next_task(project_id)["id"] == first["id"]  # one annotation short of the overlap of 2


def test_a_lock_left_by_an_annotator_who_already_labelled_the_task_does_not_hold_it(
    admin: studio.Studio, studio_root: Path, annotators
) -> None:
    """Label Studio releases a lock in a separate write after saving the annotation; when that write
    fails (SQLite's "database is locked" under load), the lock outlives the work. Produced here by
    saving A's annotation without the release: the admin's import attributes it to A."""
    project_id = _project(admin, studio_root, "stream-stale-lock", QueueSettings(gold_rate=0.0))
    a, b, c = annotators["a"], annotators["b"], annotators["c"]
    held = a.next_task(project_id)  # A holds the first task ...
    a_id = int(a.whoami()["id"])
    admin._call("attributed annotation", lambda: admin.sdk.annotations.create(
        held["id"], result=[{**STANCE, "value": {"choices": ["neutral"]}}], completed_by=a_id))
    stored = admin._http.get(f"/api/tasks/{held['id']}").json()
    assert [x["completed_by"]["id"] for x in stored["annotations"]] == [a_id]  # ... and has labelled it, lock and all
    assert b.next_task(project_id)["id"] == held["id"]
    assert c.next_task(project_id)["id"] != held["id"]  # B's live lock and A's annotation fill the overlap of 2


def test_active_order_takes_new_blocks_least_sure_first(admin: studio.Studio, studio_root: Path, annotators) -> None:
    """A and B (the overlap of 2) start in the ranking's first block, C in its second; each reads it
    in sentence order; the blocks the ranking leaves out come after, in push order."""
    title = "stream-active"
    project_id = _project(admin, studio_root, title, QueueSettings(gold_rate=0.0, active=True))
    first, second = _ranked(admin, studio_root, project_id, title)
    firsts = {name: annotators[name].next_task(project_id) for name in "abc"}
    assert [block_of(firsts[name]["data"], "article-target") for name in "abc"] == [first, first, second]
    assert all(t["data"]["sentence_id"].endswith("-0000") for t in firsts.values())
    assert firsts["a"]["queue"] == "Annotation toolkit: reading order (article-target), a new block by uncertainty"

    got = _take_turns(annotators, project_id)
    blocks = [block_of(t["data"], "article-target") for t in [firsts["a"], *got["a"]]]
    runs = [block for block, _ in itertools.groupby(blocks)]
    assert runs[0] == first and set(runs[1:]) <= {(f"{title}-art-1", "gun control"), (f"{title}-art-2", "Kerry"), second}
    unranked = [block for block in runs if block not in (first, second)]
    assert unranked == sorted(unranked), f"unranked blocks out of push order: {unranked}"


def test_the_ranking_is_ignored_when_active_order_is_off(admin: studio.Studio, studio_root: Path, annotators) -> None:
    title = "stream-active-off"
    project_id = _project(admin, studio_root, title, QueueSettings(gold_rate=0.0))  # the default
    _ranked(admin, studio_root, project_id, title)
    assert block_of(annotators["a"].next_task(project_id)["data"], "article-target") == (f"{title}-art-1", "Kerry")  # push order


def test_a_malformed_ranking_leaves_push_order_and_the_request_answered(admin: studio.Studio, studio_root: Path, annotators) -> None:
    title = "stream-active-bad"
    project_id = _project(admin, studio_root, title, QueueSettings(gold_rate=0.0, active=True))
    block_ranking_path(studio.queue_dir(studio_root / ".studio"), project_id).write_text("{not json", encoding="utf-8")
    task = annotators["a"].next_task(project_id)
    assert block_of(task["data"], "article-target") == (f"{title}-art-1", "Kerry")
    log = (studio_root / ".studio" / "server.log").read_text(encoding="utf-8", errors="replace")
    assert f"active order off for project {project_id}" in log and "not JSON" in log
