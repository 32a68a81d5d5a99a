"""The CRF loaded-language tagger: ``annotation.models.crf``."""

from __future__ import annotations

import pytest

from annotation.lexicon import Lexicon
from annotation.models import CrfTagger, TokenTagger, make_loaded_language_tagger
from annotation.models.crf import CRF_GRID, token_features
from tests.models.toy import NEG, TAG_TEXTS, tag_gold


def test_crf_finds_the_marked_words_at_code_point_offsets_after_non_ascii_text() -> None:
    gold = [tag_gold(text) for text in TAG_TEXTS]
    tagger = make_loaded_language_tagger("crf", lexicon=Lexicon("v", {NEG: ("thug",)}))
    tagger.fit(TAG_TEXTS, gold)
    assert 0 < tagger.threshold_ < 1 and tagger.labels_ == [NEG]
    text = "Déjà vu 🙂🙂: thugs made a bizarre claim."
    assert tagger.predict([text, "Officials made a plain claim."]) == [
        [(12, 17, NEG), (25, 32, NEG)], []
    ]
    assert [text[12:17], text[25:32]] == ["thugs", "bizarre"]


def test_crf_keeps_adjacent_marked_words_apart_where_token_lr_merges_them() -> None:
    # Each marked word is its own gold span, as in BABE: "wild" and "lies" are adjacent.
    texts = [f"They told wild lies about item {i}." for i in range(4)]
    texts += [f"They told plain facts about item {i}." for i in range(4)]
    gold = [[(10, 14, NEG), (15, 19, NEG)]] * 4 + [[]] * 4
    test = ["Critics told wild lies again."]
    crf = CrfTagger(c1=0.0, c2=0.01, threshold=0.5).fit(texts, gold)
    assert crf.predict(test) == [[(13, 17, NEG), (18, 22, NEG)]]
    assert TokenTagger(threshold=0.5).fit(texts, gold).predict(test) == [[(13, 22, NEG)]]


def test_crf_tunes_its_regularisation_with_the_threshold_unless_both_are_given() -> None:
    gold = [tag_gold(text) for text in TAG_TEXTS]
    tuned = CrfTagger().fit(TAG_TEXTS, gold)
    assert (tuned.setting_["c1"], tuned.setting_["c2"]) in CRF_GRID
    assert (tuned.model_.c1, tuned.model_.c2) == (tuned.setting_["c1"], tuned.setting_["c2"])
    fixed = CrfTagger(c1=0.3, c2=0.02).fit(TAG_TEXTS, gold)
    assert fixed.setting_ == {} and (fixed.model_.c1, fixed.model_.c2) == (0.3, 0.02)
    with pytest.raises(ValueError, match="give both, or neither"):
        CrfTagger(c1=0.1).fit(TAG_TEXTS, gold)


def test_crf_without_gold_spans_predicts_none() -> None:
    tagger = CrfTagger().fit(["no spans here", "nor here"], [[], []])
    assert tagger.labels_ == [] and tagger.predict(["here", ""]) == [[], []]


def test_token_features_tag_lexicon_phrases_and_inflections_and_give_lemmas() -> None:
    lexicon = Lexicon("v", {NEG: ("thug", "reign of terror")})
    features = token_features("Thugs began a reign of terror.", lexicon, window=1)
    assert [f["lex"] for f in features] == [f"B-{NEG}", "O", "O", f"B-{NEG}", f"I-{NEG}", f"I-{NEG}", "O"]
    assert features[0]["w"] == "thugs" and features[0]["lemma=thug"] == 1.0
    assert features[1]["lemma=begin"] == 1.0 and features[1]["-1:w"] == "thugs"
    assert "-2:w" not in features[2] and "+1:lex" in features[2]
    assert features[0]["shape"] == "Xx" and features[0]["title"] and not features[0]["upper"]


def test_bio_tags_take_the_first_overlapping_span_as_a_scan_of_every_span_would() -> None:
    """The one-sweep tagging against the definition, on random overlapping and nested spans."""
    import random

    from annotation.models.crf import bio_tags
    from annotation.spans import token_spans

    rng = random.Random(0)
    text = " ".join(rng.choice(["a", "bb", "ccc", "dd"]) for _ in range(40))
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 6)):
            start = rng.randrange(len(text))
            spans.append((start, rng.randint(start + 1, len(text)), rng.choice("xy")))
        ordered, expected, previous = sorted(spans), [], None
        for start, end in token_spans(text):
            hit = next((s for s in ordered if s[0] < end and start < s[1]), None)
            expected.append("O" if hit is None else f"{'I' if hit == previous else 'B'}-{hit[2]}")
            previous = hit
        assert bio_tags(text, spans) == expected, spans
