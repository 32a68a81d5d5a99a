"""``annotation suggest``'s pure parts (annotation/suggest.py): the refusal, the version tag, the guesses, the payloads."""

from __future__ import annotations

import pandas as pd
import pytest

from annotation.errors import AnnotationError
from annotation.schema import load_schema
from annotation.suggest import (
    MIN_LABELS_PER_CLASS,
    SpanGuesses,
    StanceGuesses,
    SuggestError,
    check_training_labels,
    check_training_spans,
    is_version_of,
    lexicon_spans,
    model_version,
    predictions,
    region_scores,
    suggest_spans,
    suggest_stance,
    suggestion_name,
    uncertainty_margins,
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


def test_each_task_gets_one_prediction_with_the_stance_first_then_its_spans() -> None:
    schema = load_schema()
    texts = ["The regime freed them.", "Nothing here."]
    stance = StanceGuesses(pd.DataFrame(), ["against", "favor"], [0.5, None], None)
    found = [[(4, 10, "loaded-negative"), (11, 16, "loaded-positive")], []]
    spans = SpanGuesses(found, region_scores(texts, found, [[0.1, 0.9, 0.5, 0.0], [0.0, 0.0]]), 6)
    first, second = predictions([3, 4], texts, stance, spans, stance_name=schema.stance_name, span_name=schema.span_name, version="v")
    assert first["task"] == 3 and first["score"] == 0.5 and first["model_version"] == "v"
    assert first["result"][0] == {"from_name": schema.stance_name, "to_name": "text", "type": "choices",
                                  "value": {"choices": ["against"]}, "score": 0.5}
    assert [(r["value"]["text"], r["value"]["labels"], r["score"]) for r in first["result"][1:]] == [
        ("regime", ["loaded-negative"], 0.9), ("freed", ["loaded-positive"], 0.5)]
    assert all(r["from_name"] == schema.span_name and r["type"] == "labels" and r["id"].startswith("lex") for r in first["result"][1:])
    assert second["task"] == 4 and "score" not in second and second["result"] == [  # a classifier without probabilities; no span
        {"from_name": schema.stance_name, "to_name": "text", "type": "choices", "value": {"choices": ["favor"]}}]


def test_payloads_need_one_guess_per_task() -> None:
    stance = StanceGuesses(pd.DataFrame(), ["favor"], [0.5], None)
    with pytest.raises((ValueError, IndexError)):
        predictions([1, 2], ["a", "b"], stance, SpanGuesses([[], []], [[], []], None), stance_name="stance", span_name="loaded", version="v")


def test_the_name_says_where_the_spans_come_from() -> None:
    assert suggestion_name("tfidf-lr") == "tfidf-lr+lexicon" and suggestion_name("tfidf-lr", "token-lr") == "tfidf-lr+token-lr"
    frame = pd.DataFrame({"target": ["t"], "text": ["a"], "stance": ["favor"]})
    assert not is_version_of(model_version("tfidf-lr+lexicon", "1.0.0", frame), "tfidf-lr+token-lr")


def test_margins_are_small_text_breaking_ties_best_minus_second_best() -> None:
    assert uncertainty_margins([[0.5, 0.5, 0.0], [0.7, 0.2, 0.1], [0.0, 1.0, 0.0]]) == [0.0, 0.5, 1.0]


def test_lexicon_spans_score_each_match_one() -> None:
    from annotation.lexicon import load_lexicon

    guesses = lexicon_spans(["The regime fell.", "Calm."], load_lexicon())
    assert guesses.spans == [[(4, 10, "loaded-negative")], []] and guesses.scores == [[1.0], []] and guesses.trained is None


def test_too_few_spans_for_a_tagger_is_one_clear_error() -> None:
    with pytest.raises(SuggestError, match=r"^2 loaded-language span\(s\) in 3 labelled task\(s\) so far; a tagger's suggestions need at least 3"):
        check_training_spans([[(0, 1, "x")], [], [(2, 3, "x")]])


def _labelled() -> pd.DataFrame:
    texts = ["The regime shelled the town.", "Rebels freed the city.", "The regime lied again.", "Fighters liberated a village.",
             "The regime cracked down.", "Volunteers freed hostages."]
    spans = [[{"start": 4, "end": 10, "label": "loaded-negative"}], [{"start": 7, "end": 12, "label": "loaded-positive"}],
             [{"start": 4, "end": 10, "label": "loaded-negative"}], [{"start": 9, "end": 18, "label": "loaded-positive"}],
             [{"start": 4, "end": 10, "label": "loaded-negative"}], [{"start": 11, "end": 16, "label": "loaded-positive"}]]
    return pd.DataFrame({"target": ["rebels"] * 6, "text": texts, "stance": ["against", "favor"] * 3, "spans": spans})


OPEN = pd.DataFrame({"target": ["rebels", "rebels"], "text": ["The regime shelled a school.", "Nothing to see."]})


def test_suggest_stance_trains_and_guesses_every_open_task_with_its_margin() -> None:
    guesses = suggest_stance(_labelled(), OPEN, kind="tfidf-lr")
    assert len(guesses.trained) == 6 and guesses.labels[0] == "against" and len(guesses.labels) == 2
    assert all(0.5 <= p <= 1.0 for p in guesses.scores)  # the predicted class's probability, of two classes
    assert [round(m, 4) for m in guesses.margins] == [round(2 * p - 1, 4) for p in guesses.scores]  # two classes: p - (1 - p)
    assert suggest_stance(_labelled(), OPEN.head(0), kind="tfidf-lr").labels == []


def test_a_classifier_without_probabilities_gives_no_margins() -> None:
    guesses = suggest_stance(_labelled(), OPEN, kind="tfidf-svm")
    assert len(guesses.labels) == 2 and guesses.margins is None and guesses.scores == [None, None]


def test_suggest_stance_refuses_too_few_labels() -> None:
    with pytest.raises(SuggestError, match=r"^4 stance label\(s\) so far"):
        suggest_stance(_labelled().head(4), OPEN, kind="tfidf-lr")


@pytest.mark.parametrize("kind", ["token-lr", "crf"])
def test_suggest_spans_scores_each_region_of_a_learnt_tagger(kind: str) -> None:
    from annotation.lexicon import load_lexicon

    guesses = suggest_spans(_labelled(), OPEN["text"].tolist(), kind=kind, lexicon=load_lexicon())
    assert guesses.trained == 6 and len(guesses.spans) == len(guesses.scores) == 2
    assert all(len(spans) == len(scores) and all(0.0 <= s <= 1.0 for s in scores) for spans, scores in zip(guesses.spans, guesses.scores))
