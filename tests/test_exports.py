from __future__ import annotations

import copy
from pathlib import Path

import pytest

from annotation.exports import ExportError, Votes, load_export, pseudonymize, read_users, to_votes
from annotation.schema import load_schema

DATA = Path(__file__).resolve().parent / "data" / "demo_export"
USERS = read_users(DATA / "users.json")


@pytest.fixture()
def export() -> list[dict]:
    return load_export(DATA / "export.json")


def _votes(export: list[dict]) -> Votes:
    return to_votes(export, USERS, schema=load_schema(), salt="s", source="t")


def _task(text: str, result: list[dict], **annotation) -> dict:
    return {
        "id": 1,
        "data": {"task_key": "a-0001|T", "text": text, "target": "T", "sentence_id": "a-0001", "article_id": "a"},
        "annotations": [{"id": 10, "completed_by": 2, "result": result, "updated_at": "2026-01-01T00:00:00Z", **annotation}],
    }


def _stance(label: str = "against") -> dict:
    return {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [label]}}


def _span(start: int, end: int, text: str, label: str = "loaded-negative") -> dict:
    return {"from_name": "loaded", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def test_recorded_demo_export_parses_to_long_tables(demo_votes: Votes) -> None:
    assert len(demo_votes.tasks) == 24 and len(demo_votes.annotations) == 72
    assert demo_votes.annotations.groupby("task")["worker"].nunique().eq(3).all()
    assert demo_votes.annotations["synthetic"].all()
    assert demo_votes.annotations["worker"].str.match(r"^ann-[0-9a-f]{12}$").all()
    texts = demo_votes.tasks.set_index("task")["text"]
    for row in demo_votes.spans.itertuples():
        assert texts[row.task][row.start : row.end] == row.text


def test_pseudonyms_depend_on_the_salt_only() -> None:
    assert pseudonymize("a@b.org", "s1") == pseudonymize(" A@B.org ", "s1") != pseudonymize("a@b.org", "s2")


def test_emoji_before_a_span_keeps_code_point_offsets() -> None:
    text = "🎉 The regime fell."
    votes = _votes([_task(text, [_stance(), _span(6, 12, "regime")])])
    assert votes.spans[["start", "end", "text"]].values.tolist() == [[6, 12, "regime"]]


def test_offsets_in_utf16_units_are_caught() -> None:
    text = "🎉 The regime fell."  # the emoji is 2 UTF-16 units, so a UTF-16 client would say 7..13
    with pytest.raises(ExportError, match=r"task 1, annotation 10: span 7\.\.13 is 'egime ' in the sentence but 'regime'"):
        _votes([_task(text, [_stance(), _span(7, 13, "regime")])])


def test_label_outside_the_schema_names_task_and_annotation() -> None:
    with pytest.raises(ExportError, match=r"t: task 1, annotation 10: stance \['sceptical'\] is not one of"):
        _votes([_task("Text.", [_stance("sceptical")])])


def test_cancelled_annotations_are_dropped_and_counted() -> None:
    votes = _votes([_task("Text.", [], was_cancelled=True)])
    assert votes.annotations.empty and votes.dropped["cancelled"] == 1


def test_same_annotator_twice_keeps_the_latest(export: list[dict]) -> None:
    task = copy.deepcopy(export[0])
    later = copy.deepcopy(task["annotations"][0])
    later.update(id=999, updated_at="2999-01-01T00:00:00Z", result=[_stance("unrelated")])
    task["annotations"].append(later)
    votes = _votes([task])
    worker = pseudonymize(USERS[later["completed_by"]], "s")
    assert votes.annotations.set_index("worker").loc[worker, "label"] == "unrelated"
    assert votes.dropped["superseded"] == 1


def test_annotation_by_unknown_user_is_an_error() -> None:
    with pytest.raises(ExportError, match="completed by unknown user 77"):
        _votes([_task("Text.", [_stance()], completed_by=77)])


def test_malformed_export_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": 1, "data": {}')
    with pytest.raises(ExportError, match="broken.json: not valid JSON"):
        load_export(path)
    path.write_text('{"tasks": []}')
    with pytest.raises(ExportError, match="expected a JSON list of tasks"):
        load_export(path)


def test_over_assigned_task_keeps_the_earliest_annotators() -> None:
    task = _task("Text.", [_stance("favor")], created_at="2026-01-01T00:00:01Z")
    for i, (user, label) in enumerate([(3, "against"), (4, "neutral"), (1, "unrelated")], start=2):
        task["annotations"].append({"id": 10 + i, "completed_by": user, "result": [_stance(label)], "created_at": f"2026-01-01T00:00:0{i}Z"})
    votes = to_votes([task], USERS, schema=load_schema(), salt="s", max_annotations=3)
    assert sorted(votes.annotations["label"]) == ["against", "favor", "neutral"]
    assert votes.dropped["over_assigned"] == 1
    assert votes.integrity[["ls_annotation_id", "issue"]].values.tolist() == [[14, "over_assigned"]]


def test_edit_by_another_user_restores_the_authors_last_pulled_version() -> None:
    before = _task("Text.", [_stance("against")], updated_by=2)
    after = _task("Text.", [_stance("favor")], updated_by=3)  # user 3 edited user 2's annotation
    votes = to_votes([after], USERS, schema=load_schema(), salt="s", history=[[before]])
    assert votes.annotations["label"].tolist() == ["against"] and votes.annotations["edited_by_other"].all()
    assert votes.integrity["action"].tolist() == ["kept the author's last pulled version"]


def test_edit_by_another_user_without_an_author_version_is_dropped() -> None:
    votes = to_votes([_task("Text.", [_stance("favor")], updated_by=3)], USERS, schema=load_schema(), salt="s")
    assert votes.annotations.empty and votes.dropped["edited_by_other"] == 1


def test_change_since_the_last_pull_is_listed() -> None:
    before = _task("Text.", [_stance("against")])
    after = _task("Text.", [_stance("neutral")])
    votes = to_votes([after], USERS, schema=load_schema(), salt="s", history=[[before]])
    assert votes.annotations["label"].tolist() == ["neutral"]
    assert votes.integrity["issue"].tolist() == ["changed_since_last_pull"]
