from __future__ import annotations

import copy
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from annotation import studio
from annotation.exports import (
    SYNTHETIC_DOMAIN,
    ExportError,
    Votes,
    load_export,
    progress,
    pseudonymize,
    read_users,
    to_votes,
    vote_problem,
)
from annotation.schema import load_schema, to_instructions, to_label_config
from tests.fixtures.browser import WORD_BOX_JS, log_in

DATA = Path(__file__).resolve().parent / "data" / "demo_export"
RENDERING = Path(__file__).resolve().parent / "data" / "rendering_export"
USERS = read_users(DATA / "users.json")


@pytest.fixture()
def export() -> list[dict]:
    return load_export(DATA / "export.json")


def _votes(export: list[dict]) -> Votes:
    return to_votes(export, USERS, schema=load_schema(), salt="s", source="t")


def _rendering_votes() -> Votes:
    return to_votes(load_export(RENDERING / "export.json"), read_users(RENDERING / "users.json"), schema=load_schema(),
                    salt="s", source="rendering")


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


def test_a_real_campaign_drops_every_synthetic_vote_and_says_so(export: list[dict]) -> None:
    votes = to_votes(export, USERS, schema=load_schema(), salt="s", source="t", allow_synthetic=False)
    assert votes.annotations.empty and votes.spans.empty and votes.dropped["synthetic"] == 72
    assert set(votes.integrity["issue"]) == {"synthetic"} and len(votes.integrity) == 72
    assert "dropped 72 annotation(s) by a simulated (synthetic) account" in votes.summary()
    assert len(_votes(export).annotations) == 72  # a demo keeps them


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


def test_span_text_rendered_by_label_studio_is_replaced_by_the_sentence_text() -> None:
    kept = [(row.task, row.start, row.end, row.text) for row in _rendering_votes().spans.itertuples()]
    assert kept == [
        ("rendering-0000|T", 17, 31, "besieged  town"),
        ("rendering-0001|T", 18, 31, "besieged\ttown"),
        ("rendering-0001|T", 40, 55, "quiet \t village"),
        ("rendering-0002|T", 16, 29, "besieged\ntown"),
        ("rendering-0002|T", 35, 44, "old\r\nport"),
        ("rendering-0002|T", 50, 60, "dry\rfields"),
        ("rendering-0002|T", 69, 83, "green \n\t farms"),
        ("rendering-0003|T", 18, 31, "besieged\u00a0town"),
        ("rendering-0003|T", 37, 45, "old\u2009port"),
        ("rendering-0003|T", 51, 61, "dry\x0cfields"),
        ("rendering-0003|T", 67, 76, "far\u2028hills"),
        ("rendering-0003|T", 82, 90, "big\u3000camp"),
        ("rendering-0003|T", 99, 107, "new\u200bbase"),
        ("rendering-0004|T", 15, 48, "besieged &amp; <b>walled</b> town"),
        ("rendering-0005|T", 9, 27, "hit the besieged  "),
        ("rendering-0005|T", 41, 46, " camp"),
        ("rendering-0006|T", 12, 27, "   the besieged"),
        ("rendering-0006|T", 37, 47, "the camp  "),
    ]


def test_span_whose_text_is_not_a_rendering_of_its_offsets_is_dropped_and_reported() -> None:
    # Label Studio's resize path writes such text (recorded); so would offsets in UTF-16 units.
    votes = _rendering_votes()
    assert votes.dropped["bad_span"] == 3 and len(votes.annotations) == 8
    assert votes.integrity[["task", "ls_annotation_id", "issue", "action"]].values.tolist() == [
        ["rendering-0007|T", 8, "bad_span", "dropped the span"]] * 3
    assert votes.integrity["reason"].tolist() == [
        f"rendering: task 8, annotation 8: span {piece} in the sentence but {text!r} in the export, which is not a rendering of it"
        for piece, text in [("16..29 is 'besieged\\ttown'", "besieged"), ("35..44 is 'old  port'", "o"),
                            ("53..63 is 'dry\\nfields'", "")]
    ]
    text = "🎉 The regime fell."  # the emoji is 2 UTF-16 units, so a UTF-16 client would say 7..13
    votes = _votes([_task(text, [_stance(), _span(7, 13, "regime")])])
    assert votes.spans.empty and votes.annotations["label"].tolist() == ["against"]
    assert votes.integrity["reason"].tolist() == [
        "t: task 1, annotation 10: span 7..13 is 'egime ' in the sentence but 'regime' in the export, which is not a rendering of it"]


def test_span_without_text_takes_it_from_the_sentence() -> None:
    span = _span(4, 10, "regime")  # Label Studio leaves the text out under saveTextResult="no"
    del span["value"]["text"]
    votes = _votes([_task("The regime fell.", [_stance(), span])])
    assert votes.spans[["start", "end", "text"]].values.tolist() == [[4, 10, "regime"]] and votes.integrity.empty


def _result(task: dict) -> list:
    return task["annotations"][0]["result"]


@pytest.mark.parametrize(("change", "issue", "reason"), [
    (lambda t: _result(t).__setitem__(0, _stance("sceptical")), "bad_stance",
     "stance ['sceptical'] is not one of ['favor', 'against', 'neutral', 'unrelated']"),
    (lambda t: _result(t)[0]["value"]["choices"].append("favor"), "bad_stance",
     "stance ['against', 'favor'] is not one of ['favor', 'against', 'neutral', 'unrelated']"),
    (lambda t: _result(t).append(_stance("favor")), "bad_stance", "2 stance regions, expected one"),
    (lambda t: t["annotations"][0].update(completed_by=77), "unknown_user", "completed by user 77, who is not in the users map"),
    (lambda t: t["annotations"][0].pop("id"), "bad_annotation", "no integer id"),
    (lambda t: t["annotations"][0].update(updated_at="yesterday"), "bad_annotation",
     "updated_at 'yesterday' is not an ISO 8601 time"),
    (lambda t: t["data"].pop("task_key"), "bad_task", "task data lacks ['task_key']"),
    (lambda t: _result(t).append(_span(4, 10, "regime", "loaded-ish")), "bad_span",
     "span label ['loaded-ish'] is not one of ['loaded-negative', 'loaded-positive']"),
    (lambda t: _result(t).append(_span(4, 99, "regime")), "bad_span",
     "span offsets 4..99 are not a range inside the sentence (length 16)"),
    (lambda t: _result(t).append(_span(True, 10, "regime")), "bad_span",
     "span offsets True..10 are not a range inside the sentence (length 16)"),
    (lambda t: _result(t).append(_span(10, 4, "regime")), "bad_span",
     "span offsets 10..4 are not a range inside the sentence (length 16)"),
    (lambda t: _result(t).append({**_span(4, 10, "regime"), "value": None}), "bad_span",
     "span label [] is not one of ['loaded-negative', 'loaded-positive']"),
    (lambda t: _result(t).append(_span(4, 10, ["regime"])), "bad_span", "span text ['regime'] is not a string"),
    (lambda t: _result(t).append({"from_name": "comment", "value": {"text": ["hm"]}}), "bad_region",
     "result from unknown control 'comment'; the schema has ['stance', 'loaded']"),
    (lambda t: _result(t).append("stance"), "bad_region", "result region 'stance' is not an object"),
], ids=["stance-outside-schema", "two-stances", "two-stance-regions", "unknown-user", "annotation-without-id", "bad-timestamp",
        "task-without-key", "span-label-outside-schema", "span-past-the-end", "span-offset-not-int", "span-reversed",
        "span-without-value", "span-text-not-str", "unknown-control", "region-not-object"])
def test_one_bad_record_is_reported_and_skipped_not_the_end_of_the_build(change, issue: str, reason: str) -> None:
    bad, good = _task("The regime fell.", [_stance()]), _task("The regime fell.", [_stance("favor"), _span(4, 10, "regime")])
    good["id"], good["data"]["task_key"], good["annotations"][0]["id"] = 2, "a-0002|T", 20
    change(bad)
    votes = _votes([bad, good])
    assert votes.dropped[issue] == 1
    assert votes.integrity["issue"].tolist() == [issue]
    assert votes.integrity["reason"].iloc[0].startswith("t: task 1") and votes.integrity["reason"].iloc[0].endswith(reason)
    assert ("a-0002|T", "favor") in set(zip(votes.annotations["task"], votes.annotations["label"]))
    assert votes.spans.query("task == 'a-0002|T'")[["start", "end", "text"]].values.tolist() == [[4, 10, "regime"]]


def test_task_keys_used_twice_stop_the_whole_export() -> None:
    with pytest.raises(ExportError, match=r"t: task key\(s\) \['a-0001\|T'\] occur in more than one task"):
        _votes([_task("One.", [_stance()]), {**_task("Two.", [_stance()]), "id": 2}])


def test_only_kept_annotations_are_flagged_as_kept() -> None:
    before = _task("Text.", [_stance("against")], updated_at="2026-01-01T10:00:00Z")
    after = _task("Text.", [_stance("neutral")], updated_at="2026-01-01T10:00:00Z")  # changed since the last pull ...
    after["annotations"].append({**after["annotations"][0], "id": 11, "updated_at": "2026-01-01T10:00:01Z"})  # ... and superseded
    votes = to_votes([after], USERS, schema=load_schema(), salt="s", history=[[before]])
    assert votes.annotations["ls_annotation_id"].tolist() == [11] and votes.integrity.empty


def test_summary_names_everything_dropped_or_flagged_in_one_line() -> None:
    clean = _votes([_task("The regime fell.", [_stance(), _span(4, 10, "regime")])])
    assert clean.summary() == "1 annotation(s) and 1 span(s) kept from 1 task(s); nothing dropped or flagged"
    skipped = {**_task("Text.", [], was_cancelled=True), "id": 2}
    skipped["data"] = {**skipped["data"], "task_key": "a-0002|T"}
    before = _task("The regime fell.", [_stance("favor"), _span(4, 10, "regime")])
    after = _task("The regime fell.", [_stance(), _span(4, 10, "regime"), _span(7, 13, "regime")])
    votes = to_votes([after, skipped], USERS, schema=load_schema(), salt="s", source="t", history=[[before]])
    assert votes.summary() == (
        "1 annotation(s) and 1 span(s) kept from 2 task(s); dropped 1 annotation(s) cancelled (skipped), 1 span(s) "
        "malformed, outside the schema or not matching the sentence; flagged 1 annotation(s) changed since the last "
        "pull; see the integrity report"
    )


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


@pytest.mark.parametrize(("earlier", "later"), [
    ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00.400000Z"),  # no fraction when the microseconds are 0
    ("2026-01-01T11:30:00+02:00", "2026-01-01T10:00:00Z"),  # 09:30 UTC
])
def test_latest_annotation_of_an_annotator_wins_by_time_not_by_text(earlier: str, later: str) -> None:
    task = _task("Text.", [_stance("favor")], created_at=earlier, updated_at=earlier)
    task["annotations"].append({**task["annotations"][0], "id": 11, "result": [_stance("against")],
                                "created_at": later, "updated_at": later})
    task["annotations"].reverse()  # the order in the export decides nothing
    votes = _votes([task])
    assert votes.annotations[["ls_annotation_id", "label"]].values.tolist() == [[11, "against"]]
    assert votes.dropped["superseded"] == 1
    assert votes.annotations["updated_at"].tolist() == [later]  # kept as Label Studio wrote it


def test_over_assigned_task_keeps_the_earliest_annotators_by_time_not_by_text() -> None:
    task = _task("Text.", [_stance("favor")], created_at="2026-01-01T10:00:00Z")
    for i, (user, label) in enumerate([(3, "against"), (4, "neutral"), (1, "unrelated")], start=1):
        task["annotations"].append({"id": 10 + i, "completed_by": user, "result": [_stance(label)],
                                    "created_at": f"2026-01-01T10:00:00.{300 * i:03d}000Z"})
    votes = to_votes([task], USERS, schema=load_schema(), salt="s", max_annotations=3)
    assert sorted(votes.annotations["ls_annotation_id"]) == [10, 11, 12] and votes.dropped["over_assigned"] == 1
    assert votes.integrity[["ls_annotation_id", "issue"]].values.tolist() == [[13, "over_assigned"]]


NOT_VOTES = {  # annotation fields -> why it is no vote
    "result null": ({"result": None}, "without_stance"),
    "result empty": ({"result": []}, "without_stance"),
    "result not a list": ({"result": {"stance": "favor"}}, "without_stance"),
    "spans only": ({"result": [_span(4, 10, "regime")]}, "without_stance"),
    "stance without a choice": ({"result": [{**_stance(), "value": {"choices": []}}]}, "bad_stance"),
    "stance outside the schema": ({"result": [_stance("sceptical")]}, "bad_stance"),
    "two stances": ({"result": [_stance(), _stance("favor")]}, "bad_stance"),
    "cancelled with a stance": ({"result": [_stance()], "was_cancelled": True}, "cancelled"),
}


@pytest.mark.parametrize("kind", list(NOT_VOTES))
def test_an_annotation_that_is_no_vote_is_neither_counted_nor_kept(kind: str) -> None:
    fields, problem = NOT_VOTES[kind]
    task = _task("The regime fell.", [])
    task["annotations"][0].update(fields)
    assert vote_problem(task["annotations"][0], load_schema())[0] == problem
    table, short = progress([task], USERS, overlap=1, schema=load_schema())
    assert short == 1 and table["submitted"].sum() == 0
    votes = _votes([task])
    assert votes.annotations.empty and votes.dropped[problem] == 1


def test_progress_counts_what_the_build_keeps() -> None:
    tasks = []
    for i, (fields, _) in enumerate(NOT_VOTES.values()):
        task = _task("The regime fell.", [_stance()], completed_by=3, id=100 + i)  # one vote by user 3 ...
        task["annotations"].append({**task["annotations"][0], "id": 200 + i, "completed_by": 2, **fields})  # ... and no vote
        tasks.append({**task, "id": i, "data": {**task["data"], "task_key": f"a-{i:04d}|T"}})
    twice = _task("The regime fell.", [_stance()], completed_by=4, id=300)
    twice["annotations"].append({**twice["annotations"][0], "id": 301})  # user 4 twice: one vote in the build
    tasks.append({**twice, "id": 99, "data": {**twice["data"], "task_key": "a-0099|T"}})
    table, short = progress(tasks, USERS, overlap=2, schema=load_schema())
    votes = _votes(tasks)
    annotators = votes.annotations.groupby("task").size().reindex(votes.tasks["task"], fill_value=0)
    assert short == (annotators < 2).sum() == len(tasks)
    by_worker = votes.annotations.groupby("worker").size()
    assert {email: int(n) for email, n in table["submitted"].items() if n} == {
        email: int(by_worker[pseudonymize(email, "s")]) for email in (USERS[3], USERS[4])}
    assert table.loc[USERS[2], ["submitted", "skipped", "not_votes"]].tolist() == [0, 1, len(NOT_VOTES) - 1]


def test_malformed_export_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": 1, "data": {}')
    with pytest.raises(ExportError, match="broken.json: not valid JSON"):
        load_export(path)
    path.write_text('{"tasks": []}')
    with pytest.raises(ExportError, match="expected a JSON list of tasks"):
        load_export(path)


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


# --- Label Studio's rendering of span text, recorded live ---------------------------------------
# Sentence -> how the annotator marks its spans, in order: ("drag", first word, last word) is a mouse
# drag over the words; ("select", phrase) selects exactly the phrase's characters (which a drag cannot
# aim at inside a run of whitespace) and releases the mouse; ("resize", word, to_word) marks `word`,
# then moves the region's end to the end of `to_word` with its resize handle. Every first two words
# are unique, so that the served task can be recognised.
RENDERED_MARKS: dict[str, list[tuple[str, ...]]] = {
    "Shelling hit the besieged  town overnight.": [("drag", "besieged", "town")],
    "🔥 Rockets hit the besieged\ttown and the quiet \t village.": [("drag", "besieged", "town"), ("drag", "quiet", "village")],
    "Mortars hit the besieged\ntown, the old\r\nport, the dry\rfields and the green \n\t farms.": [
        ("drag", "besieged", "town"), ("drag", "old", "port"), ("drag", "dry", "fields"), ("drag", "green", "farms")],
    "Artillery hit the besieged\u00a0town, the old\u2009port, the dry\x0cfields, the far\u2028hills, the big\u3000camp "
    "and the new\u200bbase.": [("drag", "besieged", "town"), ("drag", "old", "port"), ("drag", "dry", "fields"),
                                ("drag", "far", "hills"), ("drag", "big", "camp"), ("drag", "new", "base")],
    "Troops hit the besieged &amp; <b>walled</b> town overnight.": [("drag", "besieged", "town")],
    "Militias hit the besieged   town and the  camp.": [("select", "hit the besieged  "), ("select", " camp")],
    "Raiders hit\n   the besieged town and the camp  ": [("select", "   the besieged"), ("select", "the camp  ")],
    "Convoys hit the besieged\ttown, the old  port and the dry\nfields.": [
        ("resize", "besieged", "town"), ("resize", "old", "port"), ("resize", "dry", "fields")],
}
# Selects code points [start, end) of the text under `el` (a <br> counts as one, as in Label Studio's
# offsets) and releases the mouse there, as the end of a drag would.
_SELECT_JS = """(el, [start, end]) => {
    const points = [];
    const walk = (node) => {
        if (node.nodeType === Node.TEXT_NODE) {
            let unit = 0;
            for (const ch of node.data) { points.push([node, unit]); unit += ch.length; }
        } else if (node.nodeName === "BR") {
            points.push([node.parentNode, Array.prototype.indexOf.call(node.parentNode.childNodes, node)]);
        } else { node.childNodes.forEach(walk); }
    };
    walk(el);
    const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let last = null;
    for (let node = texts.nextNode(); node; node = texts.nextNode()) last = node;
    points.push([last, last.data.length]);
    const range = document.createRange();
    range.setStart(...points[start]);
    range.setEnd(...points[end]);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    el.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""
# Label Studio 1.23.2's resize handles are <area> elements, which browsers never display, so no mouse
# can grab one; this drives its handlers as a drag of the right handle to the end of `word` would.
_RESIZE_JS = """(el, word) => {
    el.querySelector("area.__resize_right").dispatchEvent(new MouseEvent("mousedown", {bubbles: true, buttons: 1}));
    el.dispatchEvent(new MouseEvent("mousemove", {bubbles: true, buttons: 1}));
    el.dispatchEvent(new MouseEvent("mousemove", {bubbles: true, buttons: 1}));
    const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        const at = node.data.indexOf(word);
        if (at >= 0) { window.getSelection().extend(node, at + word.length); break; }
    }
    document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def _rendering_tasks() -> list[dict]:
    return [{"data": {"task_key": f"rendering-{i:04d}|T", "text": text, "target": "T", "sentence_id": f"rendering-{i:04d}",
                      "article_id": "rendering", "headline": "", "context_before": "", "context_after": ""}}
            for i, text in enumerate(RENDERED_MARKS)]


def _drag(page: Page, container: Locator, first: str, last: str) -> None:
    start, end = (container.evaluate(WORD_BOX_JS, word) for word in (first, last))
    page.mouse.move(start["left"] + 1, (start["top"] + start["bottom"]) / 2)
    page.mouse.down()
    page.mouse.move(end["right"] - 1, (end["top"] + end["bottom"]) / 2, steps=8)
    page.mouse.up()


def _mark(page: Page, panel: Locator, sentence: Locator, text: str, mark: tuple[str, ...]) -> None:
    highlights = sentence.locator(".htx-highlight")
    before = highlights.count()
    panel.locator(".lsf-label", has_text="loaded-negative").click()
    kind, *words = mark
    if kind == "select":
        start = text.index(words[0])
        sentence.evaluate(_SELECT_JS, [start, start + len(words[0])])
    else:
        _drag(page, sentence, words[0], words[-1] if kind == "drag" else words[0])
    expect(highlights).not_to_have_count(before)
    if kind == "resize":
        highlights.last.click()  # selects the new region, which shows its handles
        expect(sentence.locator("area.__resize_right")).to_have_count(1)
        sentence.evaluate(_RESIZE_JS, words[1])
        page.keyboard.press("Escape")
        expect(sentence.locator("area")).to_have_count(0)


@pytest.mark.integration
def test_label_studio_renders_span_text_as_recorded(admin: studio.Studio, page: Page, tmp_path: Path) -> None:
    """The recorded export in tests/data/rendering_export is what Label Studio writes today.

    On a difference, the live export is left at the printed path: check it, then copy it over the
    recording (see tests/data/rendering_export/README.md)."""
    schema = load_schema()
    project_id, _ = admin.ensure_project("rendering-test", to_label_config(schema), to_instructions(schema), overlap=1)
    admin.push_tasks(project_id, _rendering_tasks())
    password = secrets.token_urlsafe(18)
    email = f"rendering@{SYNTHETIC_DOMAIN}"
    admin.add_annotator(email, password)
    log_in(page, admin.url, email, password)
    page.goto(f"{admin.url}/projects/{project_id}/data?labeling=1")
    page.locator(".lsf-modal-ls_visible").get_by_role("button", name="Close modal").click()
    panel = page.locator(".lsf-main-view__annotation")
    lines = panel.locator(".sentence .lsf-richtext__line")
    for served in range(1, len(RENDERED_MARKS) + 1):
        expect(lines.first).to_be_visible()
        sentence = lines.first.locator("xpath=..")
        shown = sentence.inner_text().split()[:2]
        text = next(t for t in RENDERED_MARKS if t.split()[:2] == shown)
        first_line = lines.first.inner_text()
        panel.locator(".lsf-choice", has_text="against").locator("label").click()
        for mark in RENDERED_MARKS[text]:
            _mark(page, panel, sentence, text, mark)
        with page.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path.rstrip("/").endswith("/annotations")) as posted:
            page.locator(".lsf-bottombar").get_by_role("button", name="Submit current annotation").click()
        assert posted.value.status == 201
        if served < len(RENDERED_MARKS):
            expect(lines.first).not_to_have_text(first_line)  # the stream serves the next task
    expect(page.get_by_text("No More Tasks Left in Queue")).to_be_visible()
    raw = admin.pull_export(project_id, tmp_path)
    print(f"live export: {raw.path}")

    def spans(export: list[dict]) -> dict[str, list[tuple[int, int, str]]]:
        return {task["data"]["text"]: sorted((r["value"]["start"], r["value"]["end"], r["value"]["text"])
                                             for a in task["annotations"] for r in a["result"] if r["type"] == "labels")
                for task in export}

    assert spans(load_export(raw.path)) == spans(load_export(RENDERING / "export.json"))
