"""`annotation.exports.reader`: the export's files and records; span text as Label Studio renders it, recorded in Chromium against a real server."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from annotation import studio
from annotation.exports import SYNTHETIC_DOMAIN, ExportError, load_export
from annotation.schema import load_schema, to_instructions, to_label_config
from tests.exports.records import RENDERING, make_task, rendering_votes, span_region, stance_region, votes_of
from tests.fixtures.browser import WORD_BOX_JS, log_in


def test_emoji_before_a_span_keeps_code_point_offsets() -> None:
    text = "🎉 The regime fell."
    votes = votes_of([make_task(text, [stance_region(), span_region(6, 12, "regime")])])
    assert votes.spans[["start", "end", "text"]].values.tolist() == [[6, 12, "regime"]]


def test_span_text_rendered_by_label_studio_is_replaced_by_the_sentence_text() -> None:
    kept = [(row.task, row.start, row.end, row.text) for row in rendering_votes().spans.itertuples()]
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
    votes = rendering_votes()
    assert votes.dropped["bad_span"] == 3 and len(votes.annotations) == 8
    assert votes.integrity[["task", "ls_annotation_id", "issue", "action"]].values.tolist() == [
        ["rendering-0007|T", 8, "bad_span", "dropped the span"]] * 3
    assert votes.integrity["reason"].tolist() == [
        f"rendering: task 8, annotation 8: span {piece} in the sentence but {text!r} in the export, which is not a rendering of it"
        for piece, text in [("16..29 is 'besieged\\ttown'", "besieged"), ("35..44 is 'old  port'", "o"),
                            ("53..63 is 'dry\\nfields'", "")]
    ]
    text = "🎉 The regime fell."  # the emoji is 2 UTF-16 units, so a UTF-16 client would say 7..13
    votes = votes_of([make_task(text, [stance_region(), span_region(7, 13, "regime")])])
    assert votes.spans.empty and votes.annotations["label"].tolist() == ["against"]
    assert votes.integrity["reason"].tolist() == [
        "t: task 1, annotation 10: span 7..13 is 'egime ' in the sentence but 'regime' in the export, which is not a rendering of it"]


def test_span_without_text_takes_it_from_the_sentence() -> None:
    span = span_region(4, 10, "regime")  # Label Studio leaves the text out under saveTextResult="no"
    del span["value"]["text"]
    votes = votes_of([make_task("The regime fell.", [stance_region(), span])])
    assert votes.spans[["start", "end", "text"]].values.tolist() == [[4, 10, "regime"]] and votes.integrity.empty


def test_malformed_export_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": 1, "data": {}')
    with pytest.raises(ExportError, match="broken.json: not valid JSON"):
        load_export(path)
    path.write_text('{"tasks": []}')
    with pytest.raises(ExportError, match="expected a JSON list of tasks"):
        load_export(path)


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
