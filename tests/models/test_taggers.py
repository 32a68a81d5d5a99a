"""Loaded-language taggers and their factory: ``annotation.models.taggers``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from annotation.lexicon import Lexicon, find_loaded_spans, load_lexicon
from annotation.models import (
    CrfTagger,
    LexiconTagger,
    MarkedRateTagger,
    TokenTagger,
    make_loaded_language_tagger,
    taggers,
)
from tests.models.toy import API_CHECKS, NEG, TAG_TEXTS, tag_gold


def test_unknown_tagger_kinds_are_rejected_with_the_allowed_kinds() -> None:
    with pytest.raises(ValueError, match=r"kind='hmm' is not one of 'lexicon', 'marked-rate'"):
        make_loaded_language_tagger("hmm")  # type: ignore[arg-type]


def test_tagger_clones_unfitted_and_keeps_params(lexicon: Lexicon) -> None:
    tagger = make_loaded_language_tagger(lexicon=lexicon).fit(["x"], [[]])
    copy = clone(tagger)
    assert copy.get_params() == {"lexicon": lexicon}
    assert not hasattr(copy, "lexicon_")
    with pytest.raises(NotFittedError):
        copy.predict(["The regime fell."])


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize(
    "estimator", [LexiconTagger(), MarkedRateTagger(), TokenTagger(), CrfTagger()],
    ids=lambda estimator: type(estimator).__name__,
)
def test_taggers_pass_sklearn_api_checks(
    check: Callable[[str, Any], None], estimator: Any
) -> None:
    check(type(estimator).__name__, estimator)


def test_the_lexicon_is_a_parameter_that_fit_never_reads_from_disk(
    lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = {kind: make_loaded_language_tagger(kind) for kind in ("lexicon", "token-lr", "crf")}
    assert all(tagger.get_params()["lexicon"] == lexicon for tagger in built.values())
    assert "lexicon" not in make_loaded_language_tagger("marked-rate").get_params()

    def no_disk(*args: Any, **kwargs: Any) -> Lexicon:
        raise AssertionError("fit read the lexicon from disk")

    monkeypatch.setattr(taggers, "load_lexicon", no_disk)
    own = Lexicon(model_version="own", entries={NEG: ("thugs",)})
    tagger = make_loaded_language_tagger("lexicon", lexicon=own).fit(["x"], [[]])
    assert tagger.predict(["Thugs came."]) == [[(0, 5, NEG)]] and tagger.labels_ == [NEG]
    gold = [tag_gold(text) for text in TAG_TEXTS]
    token = make_loaded_language_tagger("token-lr", lexicon=own).fit(TAG_TEXTS, gold)
    assert token.model_[0] == {"thugs": NEG, "thug": NEG}  # the lexicon feature covers inflections
    assert TokenTagger(threshold=0.5).fit(TAG_TEXTS, gold).model_[0] == {}  # no lexicon feature


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (LexiconTagger, "lexicon must be an annotation.lexicon.Lexicon, got None"),
        (lambda: LexiconTagger(lexicon="schemas/lexicon.yml"), "got 'schemas/lexicon.yml'"),
        (lambda: TokenTagger(lexicon={"thugs": NEG}), "Lexicon or None, got"),
    ],
)
def test_fit_rejects_a_missing_or_wrong_lexicon(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        make().fit(["ok"], [[]])


def test_lexicon_tagger_predicts_lexicon_matches(lexicon: Lexicon) -> None:
    texts = ["The regime freed nobody.", "Nothing here.", "Heroes 🙂 liberated it."]
    tagger = make_loaded_language_tagger(lexicon=lexicon).fit(texts, [[], [], []])
    assert tagger.predict(texts) == [find_loaded_spans(t, lexicon) for t in texts]
    assert tagger.predict(texts)[2] == [(0, 6, "loaded-positive"), (9, 18, "loaded-positive")]
    assert tagger.labels_ == ["loaded-negative", "loaded-positive"]


@pytest.mark.parametrize("make", [MarkedRateTagger, TokenTagger], ids=lambda make: make.__name__)
def test_learnt_taggers_tune_a_threshold_and_find_the_marked_words(
    make: Callable[..., Any],
) -> None:
    gold = [tag_gold(text) for text in TAG_TEXTS]
    tagger = make(lexicon=load_lexicon()) if make is TokenTagger else make()
    tagger.fit(TAG_TEXTS, gold)
    assert 0 < tagger.threshold_ < 1 and tagger.labels_ == [NEG]
    test = ["Thugs filed a bizarre claim.", "Officials filed a plain claim."]
    assert tagger.predict(test) == [[(0, 5, NEG), (14, 21, NEG)], []]
    refit = clone(tagger).fit(TAG_TEXTS, gold)
    assert refit.threshold_ == tagger.threshold_


def test_learnt_taggers_merge_runs_and_handle_no_spans() -> None:
    texts = ["a gang of thugs came", "the town slept", "a gang of thugs left", "the town woke"]
    gold = [[(2, 15, NEG)], [], [(2, 15, NEG)], []]
    tagger = TokenTagger(threshold=0.5).fit(texts, gold)
    assert tagger.predict(["a gang of thugs slept", ""]) == [[(2, 15, NEG)], []]
    empty = MarkedRateTagger().fit(["no spans here", "nor here"], [[], []])
    assert empty.labels_ == [] and empty.predict(["no spans here"]) == [[]]
    assert TokenTagger().fit(["no spans here", "nor here"], [[], []]).predict(["here"]) == [[]]


def test_marked_rate_threshold_is_tuned_on_training_texts_only() -> None:
    # The held-out text's words never count: a tagger fitted without it cannot know "odd".
    gold = [tag_gold(text) for text in TAG_TEXTS]
    tagger = MarkedRateTagger().fit(TAG_TEXTS, gold)
    assert "odd" not in tagger.model_
    assert tagger.predict(["An odd claim."]) == [[]]
