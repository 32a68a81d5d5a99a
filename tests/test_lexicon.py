from __future__ import annotations

from pathlib import Path

import pytest

from annotation.lexicon import LexiconError, find_loaded_spans, load_lexicon
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
