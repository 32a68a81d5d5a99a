"""`annotation.exports.progress`: the curator's per-annotator counts agree with what the build keeps."""

from __future__ import annotations

import pytest

from annotation.exports import progress, pseudonymize, vote_problem
from annotation.schema import load_schema
from tests.exports.records import USERS, make_task, span_region, stance_region, votes_of

NOT_VOTES = {  # annotation fields -> why it is no vote
    "result null": ({"result": None}, "without_stance"),
    "result empty": ({"result": []}, "without_stance"),
    "result not a list": ({"result": {"stance": "favor"}}, "without_stance"),
    "spans only": ({"result": [span_region(4, 10, "regime")]}, "without_stance"),
    "stance without a choice": ({"result": [{**stance_region(), "value": {"choices": []}}]}, "bad_stance"),
    "stance outside the schema": ({"result": [stance_region("sceptical")]}, "bad_stance"),
    "two stances": ({"result": [stance_region(), stance_region("favor")]}, "bad_stance"),
    "cancelled with a stance": ({"result": [stance_region()], "was_cancelled": True}, "cancelled"),
}


@pytest.mark.parametrize("kind", list(NOT_VOTES))
def test_an_annotation_that_is_no_vote_is_neither_counted_nor_kept(kind: str) -> None:
    fields, problem = NOT_VOTES[kind]
    task = make_task("The regime fell.", [])
    task["annotations"][0].update(fields)
    assert vote_problem(task["annotations"][0], load_schema())[0] == problem
    table, short = progress([task], USERS, overlap=1, schema=load_schema())
    assert short == 1 and table["submitted"].sum() == 0
    votes = votes_of([task])
    assert votes.annotations.empty and votes.dropped[problem] == 1


def test_progress_counts_what_the_build_keeps() -> None:
    tasks = []
    for i, (fields, _) in enumerate(NOT_VOTES.values()):
        task = make_task("The regime fell.", [stance_region()], completed_by=3, id=100 + i)  # one vote by user 3 ...
        task["annotations"].append({**task["annotations"][0], "id": 200 + i, "completed_by": 2, **fields})  # ... and no vote
        tasks.append({**task, "id": i, "data": {**task["data"], "task_key": f"a-{i:04d}|T"}})
    twice = make_task("The regime fell.", [stance_region()], completed_by=4, id=300)
    twice["annotations"].append({**twice["annotations"][0], "id": 301})  # user 4 twice: one vote in the build
    tasks.append({**twice, "id": 99, "data": {**twice["data"], "task_key": "a-0099|T"}})
    table, short = progress(tasks, USERS, overlap=2, schema=load_schema())
    votes = votes_of(tasks)
    annotators = votes.annotations.groupby("task").size().reindex(votes.tasks["task"], fill_value=0)
    assert short == (annotators < 2).sum() == len(tasks)
    by_worker = votes.annotations.groupby("worker").size()
    assert {email: int(n) for email, n in table["submitted"].items() if n} == {
        email: int(by_worker[pseudonymize(email, "s")]) for email in (USERS[3], USERS[4])}
    assert table.loc[USERS[2], ["submitted", "skipped", "not_votes"]].tolist() == [0, 1, len(NOT_VOTES) - 1]


def test_progress_shows_each_annotators_suggestion_outcomes() -> None:
    from tests.exports.test_suggestions import ANNOTATIONS, _task

    table, _ = progress([_task(ANNOTATIONS)], USERS, overlap=2, schema=load_schema())
    columns = ["suggested", "accepted", "changed", "rejected"]
    assert table.loc[USERS[2], columns].tolist() == [3, 1, 1, 1] and table.loc[USERS[2], "acceptance_rate"] == pytest.approx(1 / 3)
    assert table.loc[USERS[3], columns].tolist() == [3, 1, 1, 1]
    assert table.loc[USERS[4], columns].tolist() == [0, 0, 0, 0]  # skipped the task: no suggestion counted
    assert str(table.loc[USERS[4], "acceptance_rate"]) == "nan"


def test_progress_shows_each_annotators_stance_suggestion_outcomes() -> None:
    from tests.exports.test_stance_suggestions import TASKS

    table, _ = progress(TASKS, USERS, overlap=2, schema=load_schema())
    columns = ["stance_suggested", "stance_accepted", "stance_changed"]
    assert table.loc[USERS[2], columns].tolist() == [2, 1, 1] and table.loc[USERS[2], "stance_acceptance_rate"] == pytest.approx(0.5)
    assert table.loc[USERS[3], columns].tolist() == [1, 0, 1]
    assert table.loc[USERS[4], columns].tolist() == [0, 0, 0]  # skipped the task: no suggestion counted
