"""The annotator's experience, end to end: log in, label one task in the browser, export, parse.

The labelled sentence starts with an emoji, a character outside the Basic Multilingual Plane: one
code point in Python, two UTF-16 units in the browser. The offsets Label Studio stores must be
Python code points, or the long tables would carry shifted spans.

The annotator works where annotators work: the labeling stream ("Label All Tasks",
``/projects/{id}/data?labeling=1``). Measured on Label Studio 1.23.2 with Debian's Chromium, for a
task whose only content is the lexicon's prediction:

- the stream pre-fills the prediction's spans into the annotator's draft every time (8 of 8 loads,
  4 idle and 4 with both cores busy) and shows no annotation tabs at all;
- the Data Manager's quick view (``/projects/{id}/data?task=N``) races: its data manager loads the
  task twice and, when the task list answers in between, re-renders the task from the list's copy,
  which has no predictions. Then neither the ``lexicon-v1`` tab nor the pre-filled spans appear (3 of
  9 loads: 2 of 3 idle, 1 of 6 with both cores busy). Neither is a signal to rely on there.

The stream opens with the guidelines in a modal ("Labeling Instructions"), which the annotator
closes. So the test waits on what the stream reliably shows: the guidelines, the sentence, and the
prediction's spans highlighted in the draft.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from annotation import studio
from annotation.exports import SYNTHETIC_DOMAIN, pseudonymize
from annotation.ingest import Article, split_sentences
from annotation.lexicon import load_lexicon
from annotation.records import LABEL, TASK, WORKER
from annotation.schema import load_schema, to_instructions, to_label_config
from annotation.tasks import make_tasks
from tests.fixtures.browser import log_in, new_page, open_stream_as_new_annotator, select_with_mouse, submit_in_stream
from tests.fixtures.studio import pull_votes

pytestmark = pytest.mark.integration

TITLE = "browser-test"  # its own project, apart from the integration test's
EMAIL = f"browser-annotator@{SYNTHETIC_DOMAIN}"
SALT = "browser-test"
HEADLINE = "Shelling resumes near Idlib"
TARGET = "Syrian government (Assad regime)"
BEFORE = "Residents reported shelling overnight."
SENTENCE = "🔥 The regime continues to terrorize the besieged region."
AFTER = "Aid convoys were turned back."
STANCE = "against"
SPAN_LABEL = "loaded-negative"
MARKED = "besieged"  # loaded, but not in the lexicon: the annotator marks it by hand
# What the annotator submits: the lexicon's pre-annotations, kept, plus the hand-marked span.
# Code-point offsets; UTF-16 offsets would be one higher, past the emoji.
EXPECTED_SPANS = [(6, 12, "regime"), (26, 35, "terrorize"), (40, 48, "besieged")]

def _emoji_article() -> Article:
    return Article(
        article_id="browser-emoji",
        title=HEADLINE,
        text=f"{HEADLINE}\n\n{BEFORE} {SENTENCE} {AFTER}",
        source="synthetic",
        targets=(TARGET,),
    )


@pytest.fixture(scope="module")
def project(admin: studio.Studio) -> tuple[int, dict[str, Any]]:
    """The browser test's project holding the emoji task only, so that the stream serves it; returns (id, task)."""
    schema = load_schema()
    emoji = _emoji_article()
    tasks = make_tasks([emoji], split_sentences(emoji), schema=schema, lexicon=load_lexicon(labels=schema.span_names))
    project_id, _ = admin.ensure_project(TITLE, to_label_config(schema), to_instructions(schema))
    admin.push_tasks(project_id, [t for t in tasks if t["data"]["text"] == SENTENCE])
    task = next(t for t in admin.iter_tasks(project_id) if t["data"]["text"] == SENTENCE)
    return project_id, task


def test_annotator_labels_a_task_in_the_browser(
    project: tuple[int, dict[str, Any]], admin: studio.Studio, page: Page, tmp_path: Path
) -> None:
    project_id, task = project
    schema = load_schema()
    open_stream_as_new_annotator(page, admin, EMAIL, "Browser", project_id)

    # Entering the stream shows the guidelines first; the annotator reads them and closes them.
    guidelines = page.locator(".lsf-modal-ls_visible")
    expect(guidelines.locator(".lsf-modal-ls__title")).to_have_text("Labeling Instructions")
    expect(guidelines.get_by_role("heading", level=2)).to_have_text(schema.title)
    guidelines.get_by_role("button", name="Close modal").click()
    expect(guidelines).to_have_count(0)

    # The labeling panel of the stream.
    panel = page.locator(".lsf-main-view__annotation")
    sentence = panel.locator(".sentence .lsf-richtext__line")
    expect(sentence).to_have_text(SENTENCE)
    expect(panel.get_by_role("heading", name=HEADLINE, exact=True)).to_be_visible()
    expect(panel.locator(".context")).to_have_text([BEFORE, AFTER])
    target = panel.locator(".target").get_by_role("heading")
    expect(target).to_have_text(f"Target: {TARGET}")
    assert int(target.evaluate("el => getComputedStyle(el).fontWeight")) >= 600
    expect(panel.locator(".lsf-choice")).to_have_text([f"{c.name}[{c.hotkey}]" for c in schema.stance_labels])
    expect(panel.locator(".lsf-label__text")).to_have_text(schema.span_names)
    expect(panel.locator(".lsf-label__hotkey")).to_have_text([s.hotkey for s in schema.span_labels])
    # The lexicon's prediction, pre-filled in the annotator's draft.
    expect(sentence.locator(".htx-highlight")).to_have_text(["regime", "terrorize"])

    panel.locator(".lsf-choice", has_text=STANCE).locator("label").click()
    expect(panel.locator(f"input[name={STANCE}]")).to_be_checked()
    panel.locator(".lsf-label", has_text=SPAN_LABEL).click()
    select_with_mouse(page, sentence, MARKED)
    expect(sentence.locator(".htx-highlight")).to_have_text(["regime", "terrorize", MARKED])

    screenshot = tmp_path / "labeling-view.png"
    page.screenshot(path=screenshot)
    print(f"labeling view: {screenshot}")

    submit_in_stream(page, task["id"])

    pulled, votes = pull_votes(admin, project_id, tmp_path / "raw", schema, SALT)
    key, worker = task["data"]["task_key"], pseudonymize(EMAIL, SALT)
    assert votes.tasks.set_index(TASK).loc[key, "text"] == SENTENCE
    pd.testing.assert_frame_equal(
        votes.annotations[[TASK, WORKER, LABEL, "synthetic"]],
        pd.DataFrame({TASK: [key], WORKER: [worker], LABEL: [STANCE], "synthetic": [True]}),
    )
    pd.testing.assert_frame_equal(
        votes.spans[[TASK, WORKER, "start", "end", "text", LABEL]],
        pd.DataFrame(
            [(key, worker, start, end, text, SPAN_LABEL) for start, end, text in EXPECTED_SPANS],
            columns=[TASK, WORKER, "start", "end", "text", LABEL],
        ),
    )
    assert all(SENTENCE[start:end] == text for start, end, text in EXPECTED_SPANS)
    # The lexicon stays a prediction; the raw result records which kept spans it pre-filled.
    exported = next(t for t in pulled.export if t["id"] == task["id"])
    assert exported["predictions"] and len(exported["annotations"]) == 1
    result = exported["annotations"][0]["result"]
    origins = {r["value"]["text"]: r.get("origin") for r in result if r["from_name"] == schema.span_name}
    assert origins == {"regime": "prediction", "terrorize": "prediction", MARKED: "manual"}


A_INITIALS = re.compile(r"^AL$")  # the avatar Label Studio draws for "Alpha"
INDEPENDENT_SENTENCE = "The council met on Tuesday."
# On the Data Manager: the project's Settings, Import, Export, and the task actions (delete, ...).
CURATOR_BUTTONS = "a[href$='/settings'], [data-testid=dm-import-button], [data-testid=dm-export-button], [aria-label='Tasks Actions']"  # no lexicon hit: nothing is pre-filled for anyone


@pytest.fixture(scope="module")
def labelled_by_a(admin: studio.Studio, studio_root: Path) -> dict[str, Any]:
    """A project of one task that annotator A labelled (stance and a span); B has a login too."""
    schema = load_schema()
    project_id, _ = admin.ensure_project("independence-test", to_label_config(schema), to_instructions(schema))
    admin.push_tasks(project_id, [{"data": {"task_key": "independence-0|T", "sentence_id": "independence-0",
                                            "article_id": "independence", "text": INDEPENDENT_SENTENCE, "target": TARGET,
                                            "headline": HEADLINE, "context_before": "", "context_after": ""}}])
    a = admin.add_annotator(f"independent-a@{SYNTHETIC_DOMAIN}", "independent-a-password", first_name="Alpha")
    b_password = secrets.token_urlsafe(18)
    admin.add_annotator(f"independent-b@{SYNTHETIC_DOMAIN}", b_password, first_name="Bravo")
    task = a.next_task(project_id)
    span = {"from_name": schema.span_name, "to_name": "text", "type": "labels",
            "value": {"start": 4, "end": 11, "text": "council", "labels": [SPAN_LABEL]}}
    a.submit_annotation(task["id"], [{"from_name": schema.stance_name, "to_name": "text", "type": "choices",
                                      "value": {"choices": [STANCE]}}, span], 3.0)
    creds = json.loads((studio_root / ".studio" / "credentials.json").read_text())
    return {"project": project_id, "task": task["id"], "b_password": b_password, "admin": (creds["username"], creds["password"])}


def _annotation_tabs(page: Page, url: str) -> Locator:
    """Open the task view and return its annotation tabs, once the task's sentence is shown."""
    page.goto(url)
    expect(page.locator(".lsf-main-view__annotation .sentence .lsf-richtext__line")).to_have_text(INDEPENDENT_SENTENCE)
    tabs = page.locator(".lsf-annotation-button")
    expect(tabs.first).to_be_visible()
    return tabs


def test_annotator_b_sees_none_of_as_labels_and_no_settings(labelled_by_a: dict[str, Any], admin: studio.Studio,
                                                             chromium: Browser) -> None:
    project_id, task_id = labelled_by_a["project"], labelled_by_a["task"]
    data_manager, task_view = f"{admin.url}/projects/{project_id}/data", f"{admin.url}/projects/{project_id}/data?task={task_id}"
    grid_row = ".dm-table__row-wrapper, [class*=row-wrapper]"

    # The curator sees A's work where B will look: A's avatar in the grid, A's tab in the task view.
    curator = new_page(chromium)
    log_in(curator, admin.url, *labelled_by_a["admin"])
    curator.goto(data_manager)
    expect(curator.locator("[class*=userpic]").filter(has_text=A_INITIALS).first).to_be_visible()
    expect(curator.locator(CURATOR_BUTTONS)).to_have_count(4)
    for button in curator.locator(CURATOR_BUTTONS).all():
        expect(button).to_be_visible()
    tabs = _annotation_tabs(curator, task_view)
    expect(tabs).to_have_count(1)
    expect(tabs).to_contain_text("Alpha")
    expect(curator.locator(".sentence .htx-highlight")).to_have_text(["council"])

    b = new_page(chromium)
    log_in(b, admin.url, f"independent-b@{SYNTHETIC_DOMAIN}", labelled_by_a["b_password"])
    # Data Manager: the task is listed, annotated by nobody B can see.
    with b.expect_response(lambda r: urlsplit(r.url).path == "/api/tasks") as listed:
        b.goto(data_manager)
    assert listed.value.ok
    expect(b.locator(grid_row).first).to_be_visible()
    expect(b.locator(grid_row, has_text=INDEPENDENT_SENTENCE)).to_have_count(1)
    expect(b.locator("[class*=userpic]").filter(has_text=A_INITIALS)).to_have_count(0)
    # The buttons to the curator's pages, which would answer 403, are not shown, nor are those
    # that create or change a project.
    expect(b.locator(f"{CURATOR_BUTTONS} >> visible=true")).to_have_count(0)
    for page in (curator, b):
        page.goto(f"{admin.url}/projects")
        expect(page.locator(f"a[href='/projects/{project_id}/data']")).to_be_visible()
    for name in ("Create new project", "Project options"):
        expect(curator.get_by_role("button", name=name).first).to_be_visible()
        expect(b.get_by_role("button", name=name).first).to_be_hidden()
    # Task view: only B's own draft tab; A's choice and span are nowhere.
    tabs = _annotation_tabs(b, task_view)
    expect(tabs).to_have_count(1)
    expect(tabs).not_to_contain_text("Alpha")
    expect(b.locator(".sentence .htx-highlight")).to_have_count(0)
    expect(b.locator(f"input[name={STANCE}]")).not_to_be_checked()
    # History: the side panel's annotation history, open, names nobody else (in the open-source
    # edition it stays empty for everyone: its endpoint is Enterprise's).
    b.get_by_text("History", exact=True).first.click()
    expect(b.locator(".lsf-annotation-history")).to_be_visible()
    expect(b.locator(".lsf-annotation-history")).not_to_contain_text("Alpha")
    # The labeling stream serves the same task, as B's alone.
    b.goto(f"{data_manager}?labeling=1")
    b.locator(".lsf-modal-ls_visible").get_by_role("button", name="Close modal").click()
    expect(b.locator(".lsf-main-view__annotation .sentence .lsf-richtext__line")).to_have_text(INDEPENDENT_SENTENCE)
    expect(b.get_by_text("Alpha")).to_have_count(0)
    expect(b.locator(".sentence .htx-highlight")).to_have_count(0)
    expect(b.locator(f"input[name={STANCE}]")).not_to_be_checked()
    # Settings, the Danger Zone included, are the curator's.
    for path in ("settings", "settings/danger-zone", "data/import", "data/export"):
        response = b.goto(f"{admin.url}/projects/{project_id}/{path}")
        assert response is not None and response.status == 403, path
        expect(b.get_by_role("heading", name="For the campaign's curator")).to_be_visible()
    curator.context.close()
    b.context.close()

