"""``annotation.exports.suggestions``: what each annotator did with the pre-filled (suggested) spans.

One sentence, three lexicon suggestions, annotators (user ids of the demo users map)::

    "The regime shelled the rebels."   regime 4..10   shelled 11..18   rebels 23..29  (all loaded-negative)

    user 2: keeps regime, widens shelled to "shelled the", deletes rebels   -> accepted, changed, rejected
    user 3: deletes regime, relabels shelled loaded-positive, keeps rebels  -> rejected, changed, accepted
    user 4: skips the task (cancelled): no outcomes
"""

from __future__ import annotations

import pandas as pd
import pytest

from annotation.exports import outcome_summary, pseudonymize, suggestion_outcomes, suggestion_scores
from tests.exports.records import USERS, span_region, stance_region, votes_of

TEXT = "The regime shelled the rebels."
REGIME, SHELLED, REBELS = (4, 10, "regime"), (11, 18, "shelled"), (23, 29, "rebels")
PREDICTION = {"id": 1, "model_version": "lexicon-v1", "result": [span_region(*r) for r in (REGIME, SHELLED, REBELS)]}


def _annotation(id: int, user: int, spans: list[dict], **fields) -> dict:
    return {"id": id, "completed_by": user, "result": [stance_region(), *spans], "prediction": PREDICTION,
            "updated_at": "2026-01-01T00:00:00Z", **fields}


def _task(annotations: list[dict], predictions: list | None = None) -> dict:
    return {"id": 1, "data": {"task_key": "a-0001|T", "text": TEXT, "target": "T"}, "predictions": predictions or [1],
            "annotations": annotations}


ANNOTATIONS = [
    _annotation(10, 2, [span_region(*REGIME), span_region(11, 22, "shelled the")]),
    _annotation(11, 3, [span_region(*SHELLED, "loaded-positive"), span_region(*REBELS)]),
    _annotation(12, 4, [span_region(*REGIME)], was_cancelled=True),
]


def _outcomes(task: dict) -> dict[tuple[int, str], str]:
    votes = votes_of([task])
    table = suggestion_outcomes(votes.suggestions, votes.spans)
    user = {pseudonymize(email, "s"): user_id for user_id, email in USERS.items()}
    return {(user[w], text): outcome for w, text, outcome in table[["worker", "text", "outcome"]].itertuples(index=False)}


def test_each_suggestion_is_accepted_changed_or_rejected_per_annotator() -> None:
    assert _outcomes(_task(ANNOTATIONS)) == {
        (2, "regime"): "accepted", (2, "shelled"): "changed", (2, "rebels"): "rejected",
        (3, "regime"): "rejected", (3, "shelled"): "changed", (3, "rebels"): "accepted",
    }  # user 4 skipped the task: a cancelled annotation has no outcomes


def test_the_annotation_that_counts_is_the_one_the_votes_keep() -> None:
    later = _annotation(13, 2, [], updated_at="2026-01-02T00:00:00Z")  # user 2 again, later, deleting every suggestion
    outcomes = _outcomes(_task([*ANNOTATIONS, later]))
    assert {text: o for (user, text), o in outcomes.items() if user == 2} == dict.fromkeys(("regime", "shelled", "rebels"), "rejected")


def test_suggestions_inline_in_the_task_count_when_the_annotation_records_none() -> None:
    bare = [{**a, "prediction": {}} for a in ANNOTATIONS]
    assert _outcomes(_task(bare, predictions=[PREDICTION, PREDICTION])) == _outcomes(_task(ANNOTATIONS))
    assert _outcomes(_task(bare)) == {}  # predictions exported by id only and none on the annotation: nothing was shown


def test_a_suggestion_off_the_sentence_is_dropped_and_listed() -> None:
    bad = {**PREDICTION, "result": [*PREDICTION["result"], span_region(4, 10, "rebels")]}
    votes = votes_of([_task([_annotation(10, 2, [], prediction=bad)])])
    assert len(votes.suggestions) == 3 and votes.dropped["bad_suggestion"] == 1
    assert votes.integrity["issue"].tolist() == ["bad_suggestion"]


def test_summaries_per_annotator_and_per_label_flag_the_simulated_annotators() -> None:
    votes = votes_of([_task(ANNOTATIONS)])
    outcomes = suggestion_outcomes(votes.suggestions, votes.spans)
    per_worker = outcome_summary(outcomes, annotations=votes.annotations)
    assert per_worker.loc[pseudonymize(USERS[2], "s")].tolist() == [3, 1, 1, 1, pytest.approx(1 / 3), True]
    assert per_worker["synthetic"].all()  # the demo users map's accounts are simulated
    per_label = outcome_summary(outcomes, by=["label"])
    assert per_label.loc["loaded-negative", ["suggestions", "accepted", "changed", "rejected"]].tolist() == [6, 2, 2, 2]
    both = outcome_summary(outcomes, by=["worker", "label"])
    assert both["suggestions"].sum() == 6


def test_precision_and_recall_against_the_aggregated_spans() -> None:
    votes = votes_of([_task(ANNOTATIONS)])
    agreed = pd.DataFrame({"task": "a-0001|T", "start": [4, 11, 0], "end": [10, 22, 3], "label": "loaded-negative"})
    scores = suggestion_scores(votes.suggestions, agreed, ["loaded-negative", "loaded-positive"])
    assert (scores["suggested"], scores["aggregated"]) == (3, 3)  # distinct per task, over the annotators
    assert scores["exact"] == {"matched": 1, "precision": pytest.approx(1 / 3, abs=1e-4), "recall": pytest.approx(1 / 3, abs=1e-4)}
    assert scores["overlap"]["precision"] == pytest.approx(2 / 3, abs=1e-4) and scores["overlap"]["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert scores["labels"]["loaded-positive"]["exact"]["precision"] is None  # nothing suggested with it


def test_outcomes_scale_linearly() -> None:
    n = 20_000
    suggestions = pd.DataFrame({"task": [f"t{i}" for i in range(n)], "worker": "w", "start": 0, "end": 5, "text": "",
                                "label": "x", "ls_annotation_id": 1, "model_version": "m"})
    spans = suggestions[["task", "worker", "start", "end", "label"]].assign(end=7)
    assert (suggestion_outcomes(suggestions, spans)["outcome"] == "changed").all()
