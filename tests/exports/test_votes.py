"""`annotation.exports.votes`: one export → long tables under the build's policies (latest per annotator, overlap, synthetic accounts, edits by others), one bad record reported and skipped."""

from __future__ import annotations

import copy

import pytest

from annotation.exports import ExportError, Votes, load_export, pseudonymize, to_votes
from annotation.schema import load_schema
from tests.exports.records import DATA, USERS, make_task, span_region, stance_region, votes_of


@pytest.fixture()
def export() -> list[dict]:
    return load_export(DATA / "export.json")

def test_a_real_campaign_drops_every_synthetic_vote_and_says_so(export: list[dict]) -> None:
    votes = to_votes(export, USERS, schema=load_schema(), salt="s", source="t", allow_synthetic=False)
    assert votes.annotations.empty and votes.spans.empty and votes.dropped["synthetic"] == 72
    assert set(votes.integrity["issue"]) == {"synthetic"} and len(votes.integrity) == 72
    assert "dropped 72 annotation(s) by a simulated (synthetic) account" in votes.summary()
    assert len(votes_of(export).annotations) == 72  # a demo keeps them

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

def _result(task: dict) -> list:
    return task["annotations"][0]["result"]

@pytest.mark.parametrize(("change", "issue", "reason"), [
    (lambda t: _result(t).__setitem__(0, stance_region("sceptical")), "bad_stance",
     "stance ['sceptical'] is not one of ['favor', 'against', 'neutral', 'unrelated']"),
    (lambda t: _result(t)[0]["value"]["choices"].append("favor"), "bad_stance",
     "stance ['against', 'favor'] is not one of ['favor', 'against', 'neutral', 'unrelated']"),
    (lambda t: _result(t).append(stance_region("favor")), "bad_stance", "2 stance regions, expected one"),
    (lambda t: t["annotations"][0].update(completed_by=77), "unknown_user", "completed by user 77, who is not in the users map"),
    (lambda t: t["annotations"][0].pop("id"), "bad_annotation", "no integer id"),
    (lambda t: t["annotations"][0].update(updated_at="yesterday"), "bad_annotation",
     "updated_at 'yesterday' is not an ISO 8601 time"),
    (lambda t: t["data"].pop("task_key"), "bad_task", "task data lacks ['task_key']"),
    (lambda t: _result(t).append(span_region(4, 10, "regime", "loaded-ish")), "bad_span",
     "span label ['loaded-ish'] is not one of ['loaded-negative', 'loaded-positive']"),
    (lambda t: _result(t).append(span_region(4, 99, "regime")), "bad_span",
     "span offsets 4..99 are not a range inside the sentence (length 16)"),
    (lambda t: _result(t).append(span_region(True, 10, "regime")), "bad_span",
     "span offsets True..10 are not a range inside the sentence (length 16)"),
    (lambda t: _result(t).append(span_region(10, 4, "regime")), "bad_span",
     "span offsets 10..4 are not a range inside the sentence (length 16)"),
    (lambda t: _result(t).append({**span_region(4, 10, "regime"), "value": None}), "bad_span",
     "span label [] is not one of ['loaded-negative', 'loaded-positive']"),
    (lambda t: _result(t).append(span_region(4, 10, ["regime"])), "bad_span", "span text ['regime'] is not a string"),
    (lambda t: _result(t).append({"from_name": "comment", "value": {"text": ["hm"]}}), "bad_region",
     "result from unknown control 'comment'; the schema has ['stance', 'loaded']"),
    (lambda t: _result(t).append("stance"), "bad_region", "result region 'stance' is not an object"),
], ids=["stance-outside-schema", "two-stances", "two-stance-regions", "unknown-user", "annotation-without-id", "bad-timestamp",
        "task-without-key", "span-label-outside-schema", "span-past-the-end", "span-offset-not-int", "span-reversed",
        "span-without-value", "span-text-not-str", "unknown-control", "region-not-object"])
def test_one_bad_record_is_reported_and_skipped_not_the_end_of_the_build(change, issue: str, reason: str) -> None:
    bad, good = make_task("The regime fell.", [stance_region()]), make_task("The regime fell.", [stance_region("favor"), span_region(4, 10, "regime")])
    good["id"], good["data"]["task_key"], good["annotations"][0]["id"] = 2, "a-0002|T", 20
    change(bad)
    votes = votes_of([bad, good])
    assert votes.dropped[issue] == 1
    assert votes.integrity["issue"].tolist() == [issue]
    assert votes.integrity["reason"].iloc[0].startswith("t: task 1") and votes.integrity["reason"].iloc[0].endswith(reason)
    assert ("a-0002|T", "favor") in set(zip(votes.annotations["task"], votes.annotations["label"]))
    assert votes.spans.query("task == 'a-0002|T'")[["start", "end", "text"]].values.tolist() == [[4, 10, "regime"]]

def test_task_keys_used_twice_stop_the_whole_export() -> None:
    with pytest.raises(ExportError, match=r"t: task key\(s\) \['a-0001\|T'\] occur in more than one task"):
        votes_of([make_task("One.", [stance_region()]), {**make_task("Two.", [stance_region()]), "id": 2}])

def test_only_kept_annotations_are_flagged_as_kept() -> None:
    before = make_task("Text.", [stance_region("against")], updated_at="2026-01-01T10:00:00Z")
    after = make_task("Text.", [stance_region("neutral")], updated_at="2026-01-01T10:00:00Z")  # changed since the last pull ...
    after["annotations"].append({**after["annotations"][0], "id": 11, "updated_at": "2026-01-01T10:00:01Z"})  # ... and superseded
    votes = to_votes([after], USERS, schema=load_schema(), salt="s", history=[[before]])
    assert votes.annotations["ls_annotation_id"].tolist() == [11] and votes.integrity.empty

def test_summary_names_everything_dropped_or_flagged_in_one_line() -> None:
    clean = votes_of([make_task("The regime fell.", [stance_region(), span_region(4, 10, "regime")])])
    assert clean.summary() == "1 annotation(s) and 1 span(s) kept from 1 task(s); nothing dropped or flagged"
    skipped = {**make_task("Text.", [], was_cancelled=True), "id": 2}
    skipped["data"] = {**skipped["data"], "task_key": "a-0002|T"}
    before = make_task("The regime fell.", [stance_region("favor"), span_region(4, 10, "regime")])
    after = make_task("The regime fell.", [stance_region(), span_region(4, 10, "regime"), span_region(7, 13, "regime")])
    votes = to_votes([after, skipped], USERS, schema=load_schema(), salt="s", source="t", history=[[before]])
    assert votes.summary() == (
        "1 annotation(s) and 1 span(s) kept from 2 task(s); dropped 1 annotation(s) cancelled (skipped), 1 span(s) "
        "malformed, outside the schema or not matching the sentence; flagged 1 annotation(s) changed since the last "
        "pull; see the integrity report"
    )

def test_cancelled_annotations_are_dropped_and_counted() -> None:
    votes = votes_of([make_task("Text.", [], was_cancelled=True)])
    assert votes.annotations.empty and votes.dropped["cancelled"] == 1

def test_same_annotator_twice_keeps_the_latest(export: list[dict]) -> None:
    task = copy.deepcopy(export[0])
    later = copy.deepcopy(task["annotations"][0])
    later.update(id=999, updated_at="2999-01-01T00:00:00Z", result=[stance_region("unrelated")])
    task["annotations"].append(later)
    votes = votes_of([task])
    worker = pseudonymize(USERS[later["completed_by"]], "s")
    assert votes.annotations.set_index("worker").loc[worker, "label"] == "unrelated"
    assert votes.dropped["superseded"] == 1

@pytest.mark.parametrize(("earlier", "later"), [
    ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00.400000Z"),  # no fraction when the microseconds are 0
    ("2026-01-01T11:30:00+02:00", "2026-01-01T10:00:00Z"),  # 09:30 UTC
])
def test_latest_annotation_of_an_annotator_wins_by_time_not_by_text(earlier: str, later: str) -> None:
    task = make_task("Text.", [stance_region("favor")], created_at=earlier, updated_at=earlier)
    task["annotations"].append({**task["annotations"][0], "id": 11, "result": [stance_region("against")],
                                "created_at": later, "updated_at": later})
    task["annotations"].reverse()  # the order in the export decides nothing
    votes = votes_of([task])
    assert votes.annotations[["ls_annotation_id", "label"]].values.tolist() == [[11, "against"]]
    assert votes.dropped["superseded"] == 1
    assert votes.annotations["updated_at"].tolist() == [later]  # kept as Label Studio wrote it

def test_over_assigned_task_keeps_the_earliest_annotators_by_time_not_by_text() -> None:
    task = make_task("Text.", [stance_region("favor")], created_at="2026-01-01T10:00:00Z")
    for i, (user, label) in enumerate([(3, "against"), (4, "neutral"), (1, "unrelated")], start=1):
        task["annotations"].append({"id": 10 + i, "completed_by": user, "result": [stance_region(label)],
                                    "created_at": f"2026-01-01T10:00:00.{300 * i:03d}000Z"})
    votes = to_votes([task], USERS, schema=load_schema(), salt="s", max_annotations=3)
    assert sorted(votes.annotations["ls_annotation_id"]) == [10, 11, 12] and votes.dropped["over_assigned"] == 1
    assert votes.integrity[["ls_annotation_id", "issue"]].values.tolist() == [[13, "over_assigned"]]

def test_edit_by_another_user_restores_the_authors_last_pulled_version() -> None:
    before = make_task("Text.", [stance_region("against")], updated_by=2)
    after = make_task("Text.", [stance_region("favor")], updated_by=3)  # user 3 edited user 2's annotation
    votes = to_votes([after], USERS, schema=load_schema(), salt="s", history=[[before]])
    assert votes.annotations["label"].tolist() == ["against"] and votes.annotations["edited_by_other"].all()
    assert votes.integrity["action"].tolist() == ["kept the author's last pulled version"]

def test_edit_by_another_user_without_an_author_version_is_dropped() -> None:
    votes = to_votes([make_task("Text.", [stance_region("favor")], updated_by=3)], USERS, schema=load_schema(), salt="s")
    assert votes.annotations.empty and votes.dropped["edited_by_other"] == 1

def test_change_since_the_last_pull_is_listed() -> None:
    before = make_task("Text.", [stance_region("against")])
    after = make_task("Text.", [stance_region("neutral")])
    votes = to_votes([after], USERS, schema=load_schema(), salt="s", history=[[before]])
    assert votes.annotations["label"].tolist() == ["neutral"]
    assert votes.integrity["issue"].tolist() == ["changed_since_last_pull"]
