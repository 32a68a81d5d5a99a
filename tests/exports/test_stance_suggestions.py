"""``annotation.exports.suggestions``: what each annotator did with a pre-filled (suggested) stance.

Two tasks, each pre-filled with a model's stance (and, on the first, the lexicon's span); the
annotators (user ids of the demo users map) submit::

    task a-0001|T, model v1 suggests against:  user 2 against -> accepted   user 3 favor -> changed   user 4 skips
    task a-0002|T, model v2 suggests favor:    user 2 against -> changed
"""

from __future__ import annotations

import pandas as pd
import pytest

from annotation.exports import outcome_summary, pseudonymize, stance_outcomes
from tests.exports.records import USERS, span_region, stance_region, votes_of

TEXT = "The regime fell."
V1, V2 = "tfidf-lr-v0.1.0+abcd1234", "tfidf-lr-v0.2.0+ef567890"
REGIME = span_region(4, 10, "regime")


def _prediction(stance: str, version: str, *spans: dict) -> dict:
    return {"id": 1, "model_version": version, "score": 0.5, "result": [{**stance_region(stance), "score": 0.61}, *spans]}


def _annotation(id: int, user: int, stance: str, prediction: dict, **fields) -> dict:
    return {"id": id, "completed_by": user, "result": [stance_region(stance)], "prediction": prediction,
            "updated_at": "2026-01-01T00:00:00Z", **fields}


def _task(id: int, annotations: list[dict], predictions: list | None = None) -> dict:
    return {"id": id, "data": {"task_key": f"a-{id:04d}|T", "text": TEXT, "target": "T"}, "predictions": predictions or [id],
            "annotations": annotations}


FIRST = _prediction("against", V1, REGIME)
TASKS = [
    _task(1, [_annotation(10, 2, "against", FIRST), _annotation(11, 3, "favor", FIRST),
              _annotation(12, 4, "against", FIRST, was_cancelled=True)]),
    _task(2, [_annotation(20, 2, "against", _prediction("favor", V2))]),
]
USER = {pseudonymize(email, "s"): user_id for user_id, email in USERS.items()}


def _outcomes(tasks: list[dict]) -> list[tuple]:
    votes = votes_of(tasks)
    table = stance_outcomes(votes.stance_suggestions, votes.annotations)
    return [(task, USER[worker], *rest) for task, worker, *rest in
            table[["task", "worker", "label", "submitted", "outcome", "model_version"]].itertuples(index=False)]


def test_a_prefilled_stance_is_accepted_when_submitted_and_changed_otherwise() -> None:
    assert _outcomes(TASKS) == [
        ("a-0001|T", 2, "against", "against", "accepted", V1),
        ("a-0001|T", 3, "against", "favor", "changed", V1),  # user 4 skipped the task: a cancelled annotation has no outcome
        ("a-0002|T", 2, "favor", "against", "changed", V2),
    ]


def test_a_stance_suggestion_keeps_the_models_score() -> None:
    votes = votes_of(TASKS)
    assert votes.stance_suggestions["score"].tolist() == [0.61, 0.61, 0.61]  # the region's own, before the prediction's
    unscored = _prediction("against", V1)
    del unscored["result"][0]["score"], unscored["score"]
    assert votes_of([_task(1, [_annotation(10, 2, "against", unscored)])]).stance_suggestions["score"].isna().all()


def test_outcomes_are_summarised_per_annotator_and_per_model_version() -> None:
    votes = votes_of(TASKS)
    outcomes = stance_outcomes(votes.stance_suggestions, votes.annotations)
    columns = ["suggestions", "accepted", "changed", "rejected", "acceptance_rate"]
    per_version = outcome_summary(outcomes, by=["model_version"])
    assert per_version.loc[V1, columns].tolist() == [2, 1, 1, 0, 0.5] and per_version.loc[V2, columns].tolist() == [1, 0, 1, 0, 0.0]
    both = outcome_summary(outcomes, by=["worker", "model_version"], annotations=votes.annotations)
    user2 = pseudonymize(USERS[2], "s")
    assert both.loc[(user2, V1), columns].tolist() == [1, 1, 0, 0, 1.0] and both.loc[(user2, V2), columns].tolist() == [1, 0, 1, 0, 0.0]
    assert both["synthetic"].all()  # the demo users map's accounts are simulated


def test_the_stance_that_counts_is_the_one_the_votes_keep() -> None:
    later = _annotation(13, 2, "favor", FIRST, updated_at="2026-01-02T00:00:00Z")  # user 2 again, later, changing it
    task = _task(1, [*TASKS[0]["annotations"], later])
    assert [(user, outcome) for _, user, _, _, outcome, _ in _outcomes([task])] == [(2, "changed"), (3, "changed")]


MALFORMED = {
    "outside the schema": {**stance_region("sceptical")},
    "two choices": {**stance_region(), "value": {"choices": ["against", "favor"]}},
    "no value": {"from_name": "stance", "to_name": "text", "type": "choices"},
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_stance_suggestion_is_dropped_and_listed_and_the_rest_is_read(kind: str) -> None:
    bad = {**FIRST, "result": [MALFORMED[kind], REGIME]}
    votes = votes_of([_task(1, [_annotation(10, 2, "against", bad)]), TASKS[1]])
    assert votes.dropped["bad_stance_suggestion"] == 1 and votes.integrity["issue"].tolist() == ["bad_stance_suggestion"]
    assert len(votes.annotations) == 2 and len(votes.suggestions) == 1  # the vote and the span suggestion stay
    assert votes.stance_suggestions["task"].tolist() == ["a-0002|T"]


def test_two_stance_regions_in_one_prediction_are_one_bad_suggestion() -> None:
    bad = {**FIRST, "result": [stance_region(), stance_region("favor")]}
    votes = votes_of([_task(1, [_annotation(10, 2, "against", bad)])])
    assert votes.dropped["bad_stance_suggestion"] == 1 and votes.stance_suggestions.empty


def test_each_suggestion_is_attributed_to_the_prediction_that_made_it() -> None:
    lexicon = {"id": 7, "model_version": "lexicon-v1", "result": [REGIME]}
    stance_only = _prediction("favor", V1)
    bare = _task(1, [_annotation(10, 2, "against", {})], predictions=[lexicon, stance_only])  # shown: every inline prediction
    votes = votes_of([bare])
    assert votes.suggestions["model_version"].tolist() == ["lexicon-v1"]
    assert votes.stance_suggestions[["label", "model_version"]].values.tolist() == [["favor", V1]]
    prefilled = votes_of([_task(1, [_annotation(10, 2, "against", FIRST)])])  # one pre-filled prediction: stance and span
    assert prefilled.suggestions["model_version"].tolist() == prefilled.stance_suggestions["model_version"].tolist() == [V1]


def test_a_stance_suggestion_without_its_annotators_vote_is_refused() -> None:
    votes = votes_of(TASKS)
    with pytest.raises(ValueError, match="no vote"):
        stance_outcomes(votes.stance_suggestions, votes.annotations.iloc[1:])


def test_no_stance_suggestions_give_an_empty_table() -> None:
    votes = votes_of([_task(1, [_annotation(10, 2, "against", {"id": 7, "model_version": "lexicon-v1", "result": [REGIME]})])])
    assert votes.stance_suggestions.empty and stance_outcomes(votes.stance_suggestions, votes.annotations).empty
    assert isinstance(outcome_summary(stance_outcomes(votes.stance_suggestions, votes.annotations)), pd.DataFrame)
