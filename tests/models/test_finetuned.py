"""The fine-tuned MiniLM stance classifier and what the fine-tuned models share:
``annotation.models.finetuned``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from annotation.models import STANCE_KINDS, FineTunedMiniLM, embedding_available, make_stance_classifier
from annotation.models.finetuned import first_pieces, vote_shares, word_targets
from tests.models.toy import STANCE, make_sentences

pytestmark = pytest.mark.skipif(not embedding_available(), reason="needs the embedding extra")
TINY = {"epochs": 1, "max_length": 16, "batch_size": 8}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_sentences(4)  # 4 sentences × 2 targets, one stance each


@pytest.fixture(scope="module")
def fitted(frame: pd.DataFrame) -> FineTunedMiniLM:
    return FineTunedMiniLM(**TINY).fit(frame[["target", "text"]], frame["stance"])


def test_first_pieces_finds_each_words_first_piece_in_the_wanted_sequence_only() -> None:
    text = "Rebels freed Aleppo"  # words (0, 6), (7, 12), (13, 19)
    offsets = [(0, 0), (0, 5), (0, 0), (0, 3), (3, 6), (7, 12), (13, 16), (0, 0)]
    sequence = [None, 0, None, 1, 1, 1, 1, None]  # a target "x" then the text, cut inside word 3
    assert first_pieces([(0, 6), (7, 12), (13, 19)], offsets, sequence, wanted=1) == [3, 5, 6]
    cut = offsets[:6] + [(0, 0)]  # the last word truncated away
    assert first_pieces([(0, 6), (7, 12), (13, 19)], cut, sequence[:6] + [None], wanted=1) == [3, 5, -1]
    assert word_targets(text, [(7, 19, "a")], {"a": 1}) == [0, 1, 1]


def test_the_gold_spans_train_a_second_head_that_prediction_does_not_read(frame: pd.DataFrame) -> None:
    with_spans = FineTunedMiniLM(**TINY).fit(frame[["target", "text", "spans"]], frame["stance"])
    assert set(with_spans.model_) == {"encoder", "dropout", "head", "spans"}
    unweighted = FineTunedMiniLM(**TINY, span_weight=0.0).fit(frame, frame["stance"])
    assert set(unweighted.model_) == {"encoder", "dropout", "head"}
    without = FineTunedMiniLM(**TINY).fit(frame[["target", "text"]], frame["stance"])
    assert "spans" not in without.model_
    # the span loss changes the encoder, so the stance probabilities differ from a plain fit
    assert not np.array_equal(with_spans.predict_proba(frame), without.predict_proba(frame))
    assert np.array_equal(with_spans.predict_proba(frame), with_spans.predict_proba(frame[["target", "text"]]))


def test_the_vote_shares_are_the_stance_targets_when_x_has_stance_votes(frame: pd.DataFrame) -> None:
    X = frame[["target", "text"]]
    plain = FineTunedMiniLM(**TINY).fit(X, frame["stance"]).predict_proba(X)
    # one vote for the row's own label is its one label again (the toy's classes are balanced,
    # so the class weights are all 1 and the two losses are the same number)
    one_vote = X.assign(stance_votes=[{label: 1} for label in frame["stance"]])
    assert np.allclose(FineTunedMiniLM(**TINY).fit(one_vote, frame["stance"]).predict_proba(X), plain)
    split = X.assign(stance_votes=[{label: 3, "neutral": 2, "other": 9} for label in frame["stance"]])
    soft = FineTunedMiniLM(**TINY).fit(split, frame["stance"]).predict_proba(X)
    assert not np.allclose(soft, plain)
    off = FineTunedMiniLM(**TINY, soft_labels=False).fit(split, frame["stance"]).predict_proba(X)
    assert np.array_equal(off, plain)
    assert vote_shares([{"favor": 3, "neutral": 2, "other": 9}, None], sorted(STANCE), [1, 2]).tolist() == [
        [0.0, 0.6, 0.4, 0.0], [0.0, 0.0, 1.0, 0.0]
    ]
    with pytest.raises(ValueError, match=r"stance_votes name none of the labels \['against', 'favor'"):
        FineTunedMiniLM(**TINY).fit(X.assign(stance_votes=[{0: 1}] * len(X)), frame["stance"])
    with pytest.raises(TypeError, match="stance_votes row 0: expected a mapping"):
        FineTunedMiniLM(**TINY).fit(X.assign(stance_votes=[[1, 0]] * len(X)), frame["stance"])


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
        "epochs": 3, "learning_rate": 5e-5, "batch_size": 16, "max_length": 128,
        "weight_decay": 0.01, "warmup": 0.1, "span_weight": 1.0, "soft_labels": True, "random_state": 0,
    }
    assert model.set_params(epochs=2, learning_rate=3e-5).get_params()["epochs"] == 2
    built = make_stance_classifier("finetuned-minilm", random_state=3, learning_rate=3e-5)
    assert isinstance(built, FineTunedMiniLM)
    assert (built.random_state, built.learning_rate) == (3, 3e-5)
    assert "finetuned-minilm" not in STANCE_KINDS
    with pytest.raises(TypeError, match="has no parameter C"):
        make_stance_classifier("finetuned-minilm", C=1.0)


def test_the_ensemble_averages_the_probabilities_of_members_that_differ_only_in_seed(
    frame: pd.DataFrame,
) -> None:
    ensemble = make_stance_classifier("finetuned-minilm-ensemble", random_state=3, **TINY)
    assert "finetuned-minilm-ensemble" not in STANCE_KINDS
    ensemble.fit(frame, frame["stance"])
    members = ensemble.estimators_
    assert [member.random_state for member in members] == [3, 4]  # n_seeds=2 by default
    alone = FineTunedMiniLM(random_state=3, **TINY).fit(frame, frame["stance"])
    assert np.array_equal(members[0].predict_proba(frame), alone.predict_proba(frame))
    assert not np.array_equal(members[0].predict_proba(frame), members[1].predict_proba(frame))
    mean = np.mean([member.predict_proba(frame) for member in members], axis=0)
    assert np.allclose(ensemble.predict_proba(frame), mean)
    assert ensemble.predict(frame).tolist() == ensemble.classes_[mean.argmax(axis=1)].tolist()
    assert ensemble.classes_.tolist() == sorted(STANCE)
    # the members learn from the votes too, though VotingClassifier fits them on the labels' codes
    voted = frame.assign(stance_votes=[{label: 3, "neutral": 2} for label in frame["stance"]])
    ensemble.fit(voted, frame["stance"])
    alone = FineTunedMiniLM(random_state=3, **TINY).fit(voted, frame["stance"])
    assert np.array_equal(ensemble.estimators_[0].predict_proba(frame), alone.predict_proba(frame))
    three = make_stance_classifier("finetuned-minilm-ensemble", n_seeds=3, learning_rate=3e-5)
    assert [m.learning_rate for _, m in three.estimators] == [3e-5] * 3
    with pytest.raises(TypeError, match="n_seeds, epochs, learning_rate"):
        make_stance_classifier("finetuned-minilm-ensemble", C=1.0)


def test_bad_input_is_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="target and text"):
        FineTunedMiniLM(**TINY).fit(frame["text"], frame["stance"])
    with pytest.raises(ValueError, match="at least 2 labels"):
        FineTunedMiniLM(**TINY).fit(frame, ["favor"] * len(frame))

