from __future__ import annotations

from pathlib import Path

import pytest

from annotation.lexicon import LexiconError, find_loaded_spans, inflections, load_lexicon
from annotation.schema import load_schema


def test_seed_words_are_in_the_lexicon() -> None:
    label_of = load_lexicon().label_of
    assert [label_of[w] for w in ("terrorize", "regime", "radicals", "freed", "liberated")] == [
        "loaded-negative", "loaded-negative", "loaded-negative", "loaded-positive", "loaded-positive",
    ]


def test_matches_whole_words_case_insensitively() -> None:
    text = "Regimes aside, the regimental band freed them."
    assert find_loaded_spans(text, load_lexicon()) == [(0, 7, "loaded-negative"), (35, 40, "loaded-positive")]


def test_labels_must_belong_to_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "lex.yml"
    path.write_text("entries:\n  loaded-neutral: [calm]\n")
    with pytest.raises(LexiconError, match=r"labels \['loaded-neutral'\] are not in the schema"):
        load_lexicon(path, labels=load_schema().span_names)


def test_a_word_under_two_labels_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "lex.yml"
    path.write_text("entries:\n  loaded-negative: [regime]\n  loaded-positive: [Regime]\n")
    with pytest.raises(LexiconError, match="listed under both"):
        load_lexicon(path)


def test_inflections_of_an_entry_are_matched_with_exact_offsets() -> None:
    # The seed lists "freed" and "terrorize" but neither "frees", "freeing" nor "terrorizing".
    text = "Nobody frees them; the militia, freeing no one, terrorized and kept TERRORIZING the town."
    spans = find_loaded_spans(text, load_lexicon())
    assert [(text[start:end], label) for start, end, label in spans] == [
        ("frees", "loaded-positive"),
        ("freeing", "loaded-positive"),
        ("terrorized", "loaded-negative"),
        ("TERRORIZING", "loaded-negative"),
    ]
    assert [(start, end) for start, end, _ in spans] == [(7, 12), (32, 39), (48, 58), (68, 79)]


def test_offsets_are_code_points_after_wide_characters() -> None:
    text = "🇸🇾 «Liberating» the town, they said — the regimes fell."
    spans = find_loaded_spans(text, load_lexicon())
    assert [text[start:end] for start, end, _ in spans] == ["Liberating", "regimes"]
    assert spans[0][:2] == (text.index("Liberating"), text.index("Liberating") + len("Liberating"))


def test_derivations_and_longer_words_are_not_inflections() -> None:
    text = "Freedom, liberation theology and regimental bands; the freer press."
    assert [text[s:e] for s, e, _ in find_loaded_spans(text, load_lexicon())] == ["liberation"]
    assert inflections("freed") == ("free", "freed", "freeing", "frees")
    assert "freedom" not in inflections("freed")
    assert "freeer" not in inflections("free")  # comparatives are not generated


def test_phrases_inflect_the_last_word_of_a_noun_compound_only(tmp_path: Path) -> None:
    assert inflections("freedom fighter") == ("freedom fighter", "freedom fighters")
    assert inflections("human shields") == ("human shield", "human shields")
    for head_first in ("reign of terror", "bring to justice", "wipe out", "crack down"):
        assert inflections(head_first) == (head_first,)
    assert inflections("ISIS") == ("ISIS",)
    path = tmp_path / "lex.yml"
    path.write_text("entries:\n  loaded-positive: [freedom fighter]\n")
    text = "Freedom fighters met a freedom fighter."
    assert find_loaded_spans(text, load_lexicon(path)) == [
        (0, 16, "loaded-positive"), (23, 38, "loaded-positive"),
    ]


def test_inflect_false_matches_only_the_listed_forms(tmp_path: Path) -> None:
    path = tmp_path / "lex.yml"
    path.write_text("inflect: false\nentries:\n  loaded-positive: [freed]\n")
    lexicon = load_lexicon(path)
    assert lexicon.inflect is False
    assert find_loaded_spans("They freed some and frees others.", lexicon) == [(5, 10, "loaded-positive")]
    path.write_text("entries:\n  loaded-positive: [freed]\n")  # the default is to inflect
    assert len(find_loaded_spans("They freed some and frees others.", load_lexicon(path))) == 2


def test_a_listed_form_keeps_its_own_label(tmp_path: Path) -> None:
    path = tmp_path / "lex.yml"
    # Each entry's paradigm holds the other, but both forms are listed: no conflict.
    path.write_text("entries:\n  loaded-positive: [hero]\n  loaded-negative: [heroes]\n")
    assert find_loaded_spans("A hero among heroes.", load_lexicon(path)) == [
        (2, 6, "loaded-positive"), (13, 19, "loaded-negative"),
    ]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("inflect: maybe\nentries:\n  loaded-positive: [freed]\n", r"'inflect' must be true or false, got 'maybe'"),
        ("entries:\n  loaded-positive: freed\n", r"entries\.loaded-positive: expected a list of words, got 'freed'"),
        ("entries:\n  loaded-positive:\n", r"entries\.loaded-positive: expected a list of words, got None"),
        ("entries:\n  loaded-positive: [freed, [free]]\n", r"expected a list of words"),
        # Two entries under different labels whose inflections meet.
        ("entries:\n  loaded-positive: [freed]\n  loaded-negative: [freeing]\n",
         r"'free' is an inflection of 'freed' \(loaded-positive\) and of 'freeing' \(loaded-negative\)"),
    ],
)
def test_a_bad_field_is_one_lexicon_error_naming_the_file(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "lex.yml"
    path.write_text(yaml_text)
    with pytest.raises(LexiconError, match=message) as info:
        load_lexicon(path)
    assert str(info.value).startswith(f"{path}: ")


def test_case_folding_beyond_str_lower_does_not_crash() -> None:
    # The regex matches "ſ" (long s) as "s"; str.lower() keeps it, so a plain lookup would miss.
    text = "The ſlaughter went on."
    assert find_loaded_spans(text, load_lexicon()) == [(4, 13, "loaded-negative")]
