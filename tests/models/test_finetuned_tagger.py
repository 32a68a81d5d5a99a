"""The fine-tuned MiniLM loaded-language tagger: ``annotation.models.finetuned_tagger``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sklearn.base import clone

from annotation.lexicon import Lexicon
from annotation.models import (
    FINETUNED_TAGGER_KINDS,
    TAGGER_KINDS,
    FineTunedTokenTagger,
    embedding_available,
    evaluate_baselines,
    make_loaded_language_tagger,
)
from annotation.spans import token_spans
from tests.models.toy import API_CHECKS, NEG, STANCE, TAG_TEXTS, make_sentences, tag_gold

pytestmark = pytest.mark.skipif(not embedding_available(), reason="needs the embedding extra")
TINY = {"epochs": 4, "max_length": 24, "batch_size": 6}


def tag_gold_all(text: str) -> list[tuple[int, int, str]]:
    """Every "Thugs" and "bizarre" of ``text`` (``tag_gold`` marks the first of each)."""
    return sorted((m.start(), m.end(), NEG) for m in re.finditer(r"Thugs|bizarre", text))


@pytest.fixture(scope="module")
def fitted() -> FineTunedTokenTagger:
    return FineTunedTokenTagger(**TINY).fit(TAG_TEXTS, [tag_gold(text) for text in TAG_TEXTS])


def test_fit_chooses_a_threshold_on_held_out_texts_and_finds_the_marked_words(
    fitted: FineTunedTokenTagger,
) -> None:
    assert fitted.labels_ == [NEG]
    assert 0 < fitted.threshold_ < 1 and len(fitted.epoch_seconds_) == 4
    assert fitted.predict(TAG_TEXTS) == [tag_gold(text) for text in TAG_TEXTS]
    assert fitted.predict([""]) == [[]]


def test_a_text_longer_than_max_length_is_scored_in_windows_to_its_last_word(
    fitted: FineTunedTokenTagger,
) -> None:
    long_text = " ".join(TAG_TEXTS[:8])  # about 90 word pieces; max_length is 24
    words = token_spans(long_text)
    windows = fitted._windows(long_text, words, 0)
    assert len(windows) > 3 and windows[0][1] == 0 and windows[-1][2] == len(words)
    assert all(a[2] == b[1] for a, b in zip(windows, windows[1:]))  # contiguous, nothing dropped
    gold = tag_gold_all(long_text)
    assert gold[-1][0] > words[windows[0][2] - 1][1]  # truncation to max_length would miss it
    assert set(gold) <= set(fitted.predict([long_text])[0])


def test_the_same_seed_gives_the_same_model(fitted: FineTunedTokenTagger) -> None:
    again = clone(fitted).fit(TAG_TEXTS, [tag_gold(text) for text in TAG_TEXTS])
    assert again.threshold_ == fitted.threshold_
    assert again.predict(TAG_TEXTS) == fitted.predict(TAG_TEXTS)


def test_a_given_threshold_trains_on_every_text_and_is_kept() -> None:
    tagger = FineTunedTokenTagger(**TINY, threshold=0.4).fit(TAG_TEXTS, [tag_gold(t) for t in TAG_TEXTS])
    assert tagger.threshold_ == 0.4


@pytest.mark.parametrize(
    ("params", "message"),
    [({"threshold": 2.0}, "must be 'auto' or a number"), ({"held_out": 1.0}, "held_out=1.0 must be in")],
)
def test_bad_parameters_are_refused_before_training(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FineTunedTokenTagger(**params).fit(TAG_TEXTS, [tag_gold(t) for t in TAG_TEXTS])


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda check: check.__name__)
def test_it_passes_sklearn_api_checks(check: Any) -> None:
    check(type(FineTunedTokenTagger()).__name__, FineTunedTokenTagger())


def test_the_factory_and_evaluation_build_it_only_by_name(lexicon: Lexicon) -> None:
    assert FINETUNED_TAGGER_KINDS == ("finetuned-minilm",) and "finetuned-minilm" not in TAGGER_KINDS
    assert isinstance(make_loaded_language_tagger("finetuned-minilm", random_state=2), FineTunedTokenTagger)
    sentences = make_sentences(8)
    default = evaluate_baselines(sentences, stance_labels=STANCE, lexicon=lexicon, stance_kinds=[],
                                 min_rows=4, n_folds=2)
    assert "finetuned-minilm" not in default["loaded_language"]
    named = evaluate_baselines(sentences, stance_labels=STANCE, lexicon=lexicon, stance_kinds=[],
                               tagger_kinds=["finetuned-minilm"], min_rows=4, n_folds=2)
    assert named["loaded_language"]["finetuned-minilm"]["token"]["n_gold"] == len(sentences)
