"""Tests for ``annotation.ingest.word_lists``: the shape the segmenter's rules expect of its lists."""

from __future__ import annotations

from annotation.ingest import word_lists


def test_abbreviations_are_lowercase_without_the_final_period_and_in_one_list_each() -> None:
    lists = (word_lists.NEVER_FINAL, word_lists.BEFORE_NUMBER, word_lists.MAYBE_FINAL)
    assert all(word == word.lower() and not word.endswith(".") for words in lists for word in words)
    assert not (lists[0] & lists[1] or lists[0] & lists[2] or lists[1] & lists[2])


def test_speech_tag_vocabulary_is_lowercase_and_addressing_verbs_report() -> None:
    for words in (word_lists.REPORTING_VERBS, word_lists.ADDRESSEES, word_lists.TAG_ADJUNCTS, word_lists.CLAUSE_WORDS):
        assert all(word == word.lower() for word in words)
    assert word_lists.ADDRESSING_VERBS <= word_lists.REPORTING_VERBS


def test_sentence_openers_are_capitalised_and_heading_words_lowercase() -> None:
    assert all(word[0].isupper() for word in word_lists.SENTENCE_STARTERS)
    assert all(word == word.lower() for word in word_lists.MINOR_WORDS)
    assert set(word_lists.MARKED_NAMES) == {"!", "?"}
