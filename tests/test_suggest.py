"""``annotation suggest``'s pure parts (annotation/suggest.py): the refusal, the version tag, the payloads."""

from __future__ import annotations

import pandas as pd
import pytest

from annotation.errors import AnnotationError
from annotation.schema import load_schema
from annotation.suggest import (
    MIN_LABELS_PER_CLASS,
    SuggestError,
    check_training_labels,
    check_training_spans,
    is_version_of,
    model_version,
    region_scores,
    span_predictions,
    stance_predictions,
    suggest_spans,
    suggest_stance,
)


def test_too_few_labels_is_one_clear_error_with_the_counts() -> None:
    with pytest.raises(SuggestError) as caught:
        check_training_labels(["favor", "favor", "against", "neutral"])
    assert isinstance(caught.value, AnnotationError)
    message = str(caught.value)
    assert message.startswith("4 stance label(s) so far (favor 2, against 1, neutral 1)")
    assert f"at least {MIN_LABELS_PER_CLASS} labels in each of at least 2 stance classes (0 class(es) have enough)" in message


def test_no_labels_at_all_is_refused() -> None:
    with pytest.raises(SuggestError, match=r"^0 stance label\(s\) so far \(none\)"):
        check_training_labels([])


def test_classes_with_too_few_labels_are_left_out() -> None:
    assert check_training_labels(["favor"] * 3 + ["unrelated"] * 5 + ["against"] * 2) == ["favor", "unrelated"]


def test_the_version_depends_on_the_labels_not_their_order() -> None:
    frame = pd.DataFrame({"target": ["t", "u", "t"], "text": ["a", "b", "c"], "stance": ["favor", "against", "neutral"]})
    version = model_version("tfidf-lr", "1.2.3", frame)
    assert version == model_version("tfidf-lr", "1.2.3", frame.sample(frac=1, random_state=1))
    changed = frame.assign(stance=["favor", "against", "favor"])
    assert version != model_version("tfidf-lr", "1.2.3", changed)
    assert is_version_of(version, "tfidf-lr") and not is_version_of(version, "tfidf-lr-tuned")
    assert not is_version_of(model_version("tfidf-lr-tuned", "1.2.3", frame), "tfidf-lr")
    assert not is_version_of("lexicon-v1", "tfidf-lr") and not is_version_of(None, "tfidf-lr")


def test_payloads_are_one_choices_region_of_the_stance_control_per_task() -> None:
    schema = load_schema()
    predictions = stance_predictions([3, 4], ["against", "favor"], [0.5, None], stance_name=schema.stance_name, version="v")
    assert [p["task"] for p in predictions] == [3, 4]
    first, second = predictions
    assert first["score"] == 0.5 and first["model_version"] == "v"
    assert first["result"] == [{"from_name": schema.stance_name, "to_name": "text", "type": "choices",
                                "value": {"choices": ["against"]}, "score": 0.5}]
    assert "score" not in second and "score" not in second["result"][0]  # a classifier without probabilities
    assert first["result"][0]["value"]["choices"][0] in schema.stance_names


def test_payloads_need_one_label_and_score_per_task() -> None:
    with pytest.raises(ValueError):
        stance_predictions([1, 2], ["favor"], [0.5], stance_name="stance", version="v")


def test_too_few_spans_for_a_tagger_is_one_clear_error() -> None:
    with pytest.raises(SuggestError, match=r"^2 loaded-language span\(s\) in 3 labelled task\(s\) so far; a tagger's suggestions need at least 3"):
        check_training_spans([[(0, 1, "x")], [], [(2, 3, "x")]])


def test_span_payloads_carry_a_score_per_region_and_skip_tasks_without_spans() -> None:
    schema = load_schema()
    texts = ["The regime freed them.", "Nothing here."]
    found = [[(4, 10, "loaded-negative"), (11, 16, "loaded-positive")], []]
    scores = region_scores(texts, found, [[0.1, 0.9, 0.5, 0.0], [0.0, 0.0]])
    assert scores == [[0.9, 0.5], []]
    (prediction,) = span_predictions([1, 2], texts, found, scores, span_name=schema.span_name, version="token-lr-v0.1.0+0")
    assert prediction["task"] == 1 and prediction["score"] == 0.7
    assert [(r["value"]["text"], r["value"]["labels"], r["score"]) for r in prediction["result"]] == [
        ("regime", ["loaded-negative"], 0.9), ("freed", ["loaded-positive"], 0.5)]
    assert all(r["from_name"] == schema.span_name and r["type"] == "labels" and r["id"].startswith("lex") for r in prediction["result"])


def _labelled() -> pd.DataFrame:
    texts = ["The regime shelled the town.", "Rebels freed the city.", "The regime lied again.", "Fighters liberated a village.",
             "The regime cracked down.", "Volunteers freed hostages."]
    spans = [[{"start": 4, "end": 10, "label": "loaded-negative"}], [{"start": 7, "end": 12, "label": "loaded-positive"}],
             [{"start": 4, "end": 10, "label": "loaded-negative"}], [{"start": 9, "end": 18, "label": "loaded-positive"}],
             [{"start": 4, "end": 10, "label": "loaded-negative"}], [{"start": 11, "end": 16, "label": "loaded-positive"}]]
    return pd.DataFrame({"target": ["rebels"] * 6, "text": texts, "stance": ["against", "favor"] * 3, "spans": spans})


OPEN = [{"id": 11, "data": {"text": "The regime shelled a school.", "target": "rebels"}},
        {"id": 12, "data": {"text": "Nothing to see.", "target": "rebels"}}]


def test_suggest_stance_trains_and_predicts_every_open_task() -> None:
    version, trained, predictions = suggest_stance(_labelled(), OPEN, kind="tfidf-lr", release_version="0.1.0", stance_name="stance")
    assert trained == 6 and is_version_of(version, "tfidf-lr")
    assert [p["task"] for p in predictions] == [11, 12] and predictions[0]["result"][0]["value"] == {"choices": ["against"]}
    assert all(0.5 <= p["score"] <= 1.0 for p in predictions)  # the predicted class's probability, of two classes
    assert suggest_stance(_labelled(), [], kind="tfidf-lr", release_version="0.1.0", stance_name="stance")[2] == []


def test_suggest_stance_refuses_too_few_labels() -> None:
    with pytest.raises(SuggestError, match=r"^4 stance label\(s\) so far"):
        suggest_stance(_labelled().head(4), OPEN, kind="tfidf-lr", release_version="0.1.0", stance_name="stance")


def test_suggest_spans_scores_each_region_of_a_learnt_tagger() -> None:
    from annotation.lexicon import load_lexicon

    version, trained, predictions = suggest_spans(_labelled(), OPEN, kind="token-lr", release_version="0.1.0", span_name="loaded",
                                                  lexicon=load_lexicon())
    assert trained == 6 and is_version_of(version, "token-lr")
    assert {p["task"] for p in predictions} <= {11, 12}
    for p in predictions:
        assert all(r["type"] == "labels" and 0.0 <= r["score"] <= 1.0 for r in p["result"])
