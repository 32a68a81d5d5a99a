"""The fine-tuned MiniLM stance classifier: ``annotation.models.finetuned``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from annotation.models import STANCE_KINDS, FineTunedMiniLM, embedding_available, make_stance_classifier
from tests.models.toy import STANCE, make_sentences

pytestmark = pytest.mark.skipif(not embedding_available(), reason="needs the embedding extra")
TINY = {"epochs": 1, "max_length": 16, "batch_size": 8}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_sentences(4)  # 4 sentences × 2 targets, one stance each


@pytest.fixture(scope="module")
def fitted(frame: pd.DataFrame) -> FineTunedMiniLM:
    return FineTunedMiniLM(**TINY).fit(frame[["target", "text"]], frame["stance"])


def test_fit_predict_and_probabilities_have_the_shapes_and_classes(
    fitted: FineTunedMiniLM, frame: pd.DataFrame
) -> None:
    assert fitted.classes_.tolist() == sorted(STANCE)
    probabilities = fitted.predict_proba(frame)
    assert probabilities.shape == (len(frame), len(STANCE))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    predicted = fitted.predict(frame)
    assert predicted.shape == (len(frame),) and set(predicted) <= set(STANCE)
    assert predicted.tolist() == fitted.classes_[probabilities.argmax(axis=1)].tolist()
    assert len(fitted.epoch_seconds_) == 1 and fitted.device_ in ("cpu", "cuda")


def test_the_same_seed_gives_the_same_predictions(fitted: FineTunedMiniLM, frame: pd.DataFrame) -> None:
    again = clone(fitted).fit(frame[["target", "text"]], frame["stance"])
    assert np.array_equal(again.predict_proba(frame), fitted.predict_proba(frame))


def test_parameters_are_the_init_arguments_and_the_factory_builds_it_only_by_name() -> None:
    model = FineTunedMiniLM()
    assert model.get_params() == {
        "epochs": 1, "learning_rate": 1e-4, "batch_size": 32, "max_length": 64,
        "weight_decay": 0.01, "warmup": 0.1, "random_state": 0,
    }
    assert model.set_params(epochs=2, learning_rate=3e-5).get_params()["epochs"] == 2
    built = make_stance_classifier("finetuned-minilm", random_state=3, learning_rate=3e-5)
    assert isinstance(built, FineTunedMiniLM)
    assert (built.random_state, built.learning_rate) == (3, 3e-5)
    assert "finetuned-minilm" not in STANCE_KINDS
    with pytest.raises(TypeError, match="has no parameter C"):
        make_stance_classifier("finetuned-minilm", C=1.0)


def test_bad_input_is_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="target and text"):
        FineTunedMiniLM(**TINY).fit(frame["text"], frame["stance"])
    with pytest.raises(ValueError, match="at least 2 labels"):
        FineTunedMiniLM(**TINY).fit(frame, ["favor"] * len(frame))

