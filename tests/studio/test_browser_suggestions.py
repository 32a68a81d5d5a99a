"""Suggestions in the browser: the lexicon's pre-filled spans look like suggestions, and what an
annotator does with them is measured (``exports.suggestions``) in ``studio progress`` and the card.

Measured on Label Studio 1.23.2 with Debian's Chromium, in the labeling stream
(``/projects/{id}/data?labeling=1``), one annotator, a task whose lexicon prediction has two regions
(scratch probes, a fresh project and annotator for each option, 1 load each unless said):

- default (``show_collab_predictions`` true, ``reveal_preannotations_interactively`` false): the
  prediction's regions are pre-filled into the annotator's draft, with no annotation tabs; each
  ``.htx-highlight`` carries only ``htx-highlight``, ``htx-highlight-<region id>-<n>``,
  ``htx-no-label`` and ``data-label``/``data-index``/``data-start``/``data-end``: the same look as a
  span the annotator marks (computed border, background, outline equal). The one thing that differs
  is the region id in the class: the prediction's (``lex0``, ``lex1``) against a random one. The
  submitted result keeps ``origin`` (``prediction`` / ``manual``).
- ``show_collab_predictions`` false: nothing is pre-filled and no prediction tab is shown (the
  stream never shows the suggestions), while the task keeps its prediction in the export, so
  ``exports.suggestions`` would count suggestions the annotator never saw as rejected. Not usable.
- ``reveal_preannotations_interactively`` true: no change in the stream; the open-source frontend
  only reads ``isInteractivePreannotations`` (the ML backend's interactive mode), which nothing
  sets from this project field.
- a per-region ``score`` in the prediction's result (with or without the Text tag's ``showLabels``):
  the score (``0.50``) appears only beside the region's sparkle icon in the Regions panel, not in the
  text; the spans in the text look as before (``showLabels`` adds the label after every span, a
  suggestion's and the annotator's alike). The prediction's own ``score`` shows nowhere in the
  stream. (Per-region scores would also need ``tasks.lexicon_prediction`` to write them.)

So the config's ``<Style>`` (``schema.SUGGESTION_STYLE``) selects the suggestions by their region
ids (``schema.SUGGESTION_ID_PREFIX``): a dashed outline and hatching, which a hand-marked span never
has (4 of 4 loads of the probe).

The annotator rejects a suggestion as a person does: a click on it selects the region, Backspace
deletes it. The test waits on what the UI shows (the highlights), never on a timer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from annotation import studio
from annotation.campaign import record_studio
from annotation.cli import app
from annotation.exports import SYNTHETIC_DOMAIN, pseudonymize, stance_outcomes, suggestion_outcomes
from annotation.exports.progress import progress
from annotation.ingest import Article, split_sentences
from annotation.lexicon import load_lexicon
from annotation.records import LABEL, TASK, WORKER
from annotation.release.suggestions import suggestion_stats, suggestion_table
from annotation.schema import load_schema, to_instructions, to_label_config
from annotation.spans import aggregate_spans
from annotation.suggest import StanceGuesses, lexicon_spans, predictions
from annotation.tasks import make_tasks
from tests.fixtures.browser import open_stream_as_new_annotator, select_with_mouse, submit_in_stream
from tests.fixtures.studio import campaign_copy, pull_votes

pytestmark = pytest.mark.integration

TITLE = "suggestions-browser-test"
EMAIL = f"suggestions-annotator@{SYNTHETIC_DOMAIN}"
SALT = "suggestions-test"
HEADLINE = "Shelling resumes near Idlib"
TARGET = "Syrian government (Assad regime)"
SENTENCE = "The regime continues to terrorize the besieged region."
KEPT, REJECTED, MARKED = "regime", "terrorize", "besieged"  # two lexicon hits; one word marked by hand
SPAN_LABEL = "loaded-negative"

# Computed style of a span: what tells a suggestion from the annotator's own span at a glance.
LOOK_JS = """el => { const s = getComputedStyle(el);
    return {outline: s.outlineStyle, hatching: s.backgroundImage !== 'none', background: s.backgroundColor}; }"""


@pytest.fixture(scope="module")
def project(admin: studio.Studio) -> tuple[int, dict[str, Any]]:
    """A project of its own holding one task, a sentence with two lexicon hits; returns (id, task)."""
    schema = load_schema()
    article = Article(article_id="suggestions", title=HEADLINE, text=f"{HEADLINE}\n\n{SENTENCE}", source="synthetic",
                      targets=(TARGET,))
    tasks = make_tasks([article], split_sentences(article), schema=schema, lexicon=load_lexicon(labels=schema.span_names))
    task = next(t for t in tasks if t["data"]["text"] == SENTENCE)
    assert [r["value"]["text"] for r in task["predictions"][0]["result"]] == [KEPT, REJECTED]
    project_id, _ = admin.ensure_project(TITLE, to_label_config(schema), to_instructions(schema), overlap=1)
    admin.push_tasks(project_id, [task])
    settings = admin.get_project(project_id)
    assert (settings["show_collab_predictions"], settings["reveal_preannotations_interactively"]) == (True, False)
    return project_id, next(t for t in admin.iter_tasks(project_id) if t["data"]["text"] == SENTENCE)


def test_a_suggestion_looks_like_one_and_its_rejection_is_measured(
    project: tuple[int, dict[str, Any]], admin: studio.Studio, studio_root: Path, page: Page, tmp_path: Path
) -> None:
    project_id, task = project
    schema = load_schema()
    open_stream_as_new_annotator(page, admin, EMAIL, "Suggestions", project_id)
    page.locator(".lsf-modal-ls_visible").get_by_role("button", name="Close modal").click()

    sentence = page.locator(".lsf-main-view__annotation .sentence .lsf-richtext__line")
    expect(sentence).to_have_text(SENTENCE)
    highlights = sentence.locator(".htx-highlight")
    expect(highlights).to_have_text([KEPT, REJECTED])  # the lexicon's suggestions, pre-filled
    page.locator(".lsf-label", has_text=SPAN_LABEL).click()
    select_with_mouse(page, sentence, MARKED)
    expect(highlights).to_have_text([KEPT, REJECTED, MARKED])

    # At a glance: both suggestions are outlined and hatched, the hand-marked span is neither;
    # all three have the label's colour.
    looks = {word: highlights.filter(has_text=word).evaluate(LOOK_JS) for word in (KEPT, REJECTED, MARKED)}
    assert looks[KEPT] == looks[REJECTED]
    assert looks[KEPT]["outline"] == "dashed" and looks[KEPT]["hatching"]
    assert looks[MARKED]["outline"] == "none" and not looks[MARKED]["hatching"]
    assert looks[KEPT]["background"] == looks[MARKED]["background"]
    screenshot = tmp_path / "suggestions-stream.png"
    page.screenshot(path=screenshot)
    print(f"suggestions in the stream: {screenshot}")

    # The annotator rejects one suggestion: a click selects the region, Backspace deletes it.
    highlights.filter(has_text=REJECTED).click()
    page.keyboard.press("Backspace")
    expect(highlights).to_have_text([KEPT, MARKED])
    page.locator(".lsf-choice", has_text="against").locator("label").click()
    submit_in_stream(page, task["id"])

    # Pull: the kept suggestion is accepted, the deleted one rejected, for this annotator.
    pulled, votes = pull_votes(admin, project_id, tmp_path / "raw", schema, SALT)
    worker = pseudonymize(EMAIL, SALT)
    outcomes = suggestion_outcomes(votes.suggestions, votes.spans)
    key = task["data"]["task_key"]
    assert sorted(zip(outcomes[TASK], outcomes[WORKER], outcomes["text"], outcomes[LABEL], outcomes["outcome"])) == [
        (key, worker, KEPT, SPAN_LABEL, "accepted"), (key, worker, REJECTED, SPAN_LABEL, "rejected")]

    # `annotation studio progress`, on a campaign whose project is this one: 2 suggested, 1 accepted.
    table, _ = progress(pulled.export, pulled.users, overlap=1, schema=schema)
    assert table.loc[EMAIL, ["suggested", "accepted", "changed", "rejected"]].tolist() == [2, 1, 0, 1]
    assert table.loc[EMAIL, "acceptance_rate"] == 0.5
    campaign = record_studio(campaign_copy(tmp_path / "campaign", demo=False, server_root=studio_root), project_id=project_id)
    shown = CliRunner().invoke(app, ["studio", "progress", "-C", str(campaign.root)])
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.output.splitlines() if line.startswith(EMAIL))
    assert row.split()[-5:] == ["2", "1", "0", "1", "0.50"]
    assert "acceptance_rate = accepted / suggested" in shown.output

    # The card's table, from the stats a build writes of these votes.
    aggregated = aggregate_spans(votes.spans, votes.tasks.set_index(TASK)["text"], votes.annotations.groupby(TASK)[WORKER].nunique(),
                                 labels=schema.span_names)
    stats = suggestion_stats(votes, aggregated, schema)
    assert stats["annotators"][worker]["acceptance_rate"] == 0.5
    assert f"| `{worker}` (simulated) | 2 | 1 | 0 | 1 | 50.0% |" in suggestion_table({"suggestions": stats})


def test_a_models_stance_is_pre_filled_and_a_change_is_measured_per_model_version(
    admin: studio.Studio, page: Page, tmp_path: Path
) -> None:
    """``annotation suggest``'s payload (``suggest.predictions``), pre-filled as it makes it: the
    annotator sees the model's stance chosen and its spans as suggestions, picks another stance,
    and the build counts the stance suggestion as changed, for that model version."""
    schema = load_schema()
    article = Article(article_id="model-suggestions", title=HEADLINE, text=f"{HEADLINE}\n\n{SENTENCE}", source="synthetic",
                      targets=(TARGET,))
    (task,) = [t for t in make_tasks([article], split_sentences(article), schema=schema) if t["data"]["text"] == SENTENCE]
    project_id, _ = admin.ensure_project(f"{TITLE}-model", to_label_config(schema), to_instructions(schema), overlap=1)
    admin.push_tasks(project_id, [task])
    task = next(t for t in admin.iter_tasks(project_id) if t["data"]["text"] == SENTENCE)
    version = "tfidf-lr+lexicon-v0.1.0+0000test"
    stance = StanceGuesses(pd.DataFrame(), ["favor"], [0.55], [0.1])
    payload = predictions([task["id"]], [SENTENCE], stance, lexicon_spans([SENTENCE], load_lexicon(labels=schema.span_names)),
                          stance_name=schema.stance_name, span_name=schema.span_name, version=version)
    admin.replace_predictions(project_id, [task["id"]], payload, lambda v: v == version, prefill=version)

    email = f"model-suggestions@{SYNTHETIC_DOMAIN}"
    open_stream_as_new_annotator(page, admin, email, "ModelSuggestions", project_id)
    page.locator(".lsf-modal-ls_visible").get_by_role("button", name="Close modal").click()
    sentence = page.locator(".lsf-main-view__annotation .sentence .lsf-richtext__line")
    expect(sentence.locator(".htx-highlight")).to_have_text([KEPT, REJECTED])  # the spans of the model's prediction
    expect(page.locator(".lsf-choice", has_text="favor").locator("input")).to_be_checked()  # the model's stance, chosen
    expect(page.locator(".lsf-choice", has_text="against").locator("input")).not_to_be_checked()
    page.screenshot(path=tmp_path / "model-suggestion-stream.png")
    page.locator(".lsf-choice", has_text="against").locator("label").click()
    expect(page.locator(".lsf-choice", has_text="favor").locator("input")).not_to_be_checked()
    submit_in_stream(page, task["id"])

    _, votes = pull_votes(admin, project_id, tmp_path / "raw", schema, SALT)
    outcomes = stance_outcomes(votes.stance_suggestions, votes.annotations)
    assert outcomes[[WORKER, LABEL, "submitted", "model_version", "outcome"]].values.tolist() == [
        [pseudonymize(email, SALT), "favor", "against", version, "changed"]]
