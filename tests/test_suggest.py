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
    is_version_of,
    model_version,
    stance_predictions,
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
