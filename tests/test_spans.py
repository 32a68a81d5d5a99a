"""Tests for annotation.spans: tokens, the span checks, token-level span voting, BIO tags."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from annotation.exports import Votes
from annotation.records import SPAN_COLUMNS
from annotation.release import aggregate_votes
from annotation.schema import load_schema
from annotation.spans import (
    SpanError,
    aggregate_spans,
    bio_tag_ids,
    check_span_votes,
    fits_text,
    index_tokens,
    token_spans,
    token_votes,
)

SPAN_LABELS = ["loaded-negative", "loaded-positive"]
NEG, POS = SPAN_LABELS


def tokens(text: str) -> list[str]:
    return [text[start:end] for start, end in token_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U.N.-sponsored peace talks", ["U.N.-sponsored", "peace", "talks"]),
        ("the al-Shamali neighborhood", ["the", "al-Shamali", "neighborhood"]),
        ("Syria’s northwestern Idlib", ["Syria’s", "northwestern", "Idlib"]),
        ("the cease-fire in Idlib.", ["the", "cease-fire", "in", "Idlib", "."]),
        ("on Sept. 17, 2018.", ["on", "Sept", ".", "17", ",", "2018", "."]),
        ("around 4.5 million", ["around", "4.5", "million"]),
        ("“Russian forces killed civilians,” announced", ["“", "Russian", "forces", "killed", "civilians", ",", "”", "announced"]),
        ("fight--and lose", ["fight", "-", "-", "and", "lose"]),
        ("President Recep Tayyip Erdoğan", ["President", "Recep", "Tayyip", "Erdoğan"]),
    ],
)
def test_token_boundaries(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_offsets_are_code_points_with_emoji() -> None:
    text = "Freed 🙂 villages"
    assert token_spans(text) == [(0, 5), (6, 7), (8, 16)]
    assert text[8:16] == "villages"


def test_whitespace_belongs_to_no_token() -> None:
    assert token_spans("") == []
    assert token_spans("  \n\t ") == []
    assert token_spans("  regime  ") == [(2, 8)]


def test_rejects_non_string() -> None:
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        token_spans(b"regime")  # type: ignore[arg-type]


# --- the bounds check ------------------------------------------------------------------------------


def test_fits_text_is_one_check_for_ints_and_arrays() -> None:
    assert fits_text(0, 1, 1) and not fits_text(-1, 1, 5) and not fits_text(2, 2, 5) and not fits_text(2, 6, 5)
    starts, ends = np.array([0, -1, 2, 2]), np.array([1, 1, 2, 6])
    assert fits_text(starts, ends, np.array([1, 5, 5, 5])).tolist() == [True, False, False, False]


# --- span voting: token_votes, aggregate_spans -----------------------------------------------------

TEXTS = {
    "s1": "The regime and its backers continue to terrorize the region.",
    "s2": "The villages were freed from the regime.",
    "s3": "🙂 Radicals fled.",
    "s4": "The duplicitous regime shelled the town.",
}


def span_votes(*rows: tuple[str, str, int, int, str]) -> pd.DataFrame:
    """Span votes from ``(task, worker, start, end, label)``; ``text`` is cut from TEXTS."""
    return pd.DataFrame(
        [(task, worker, start, end, TEXTS[task][start:end], label) for task, worker, start, end, label in rows],
        columns=["task", "worker", "start", "end", "text", "label"],
    )


def spans_frame(*rows: tuple[str, int, int, str, float, int]) -> pd.DataFrame:
    """Expected output from ``(task, start, end, label, support, n_annotators)``."""
    frame = pd.DataFrame(
        [(task, start, end, TEXTS[task][start:end], label, support, n) for task, start, end, label, support, n in rows],
        columns=list(SPAN_COLUMNS),
    )
    return frame.astype({"start": "int64", "end": "int64", "n_annotators": "int64", "support": "float64"})


def find(task: str, phrase: str) -> tuple[int, int]:
    start = TEXTS[task].index(phrase)
    return start, start + len(phrase)


def test_overlapping_spans_vote_per_token() -> None:
    # "regime and its backers": 3 annotators, different extents over the same words.
    votes = span_votes(
        ("s1", "w1", *find("s1", "regime"), NEG),
        ("s1", "w2", *find("s1", "regime and its backers"), NEG),
        ("s1", "w3", *find("s1", "its backers"), NEG),
        ("s1", "w1", *find("s1", "terrorize"), NEG),
        ("s1", "w3", *find("s1", "terrorize"), NEG),
    )
    result = aggregate_spans(votes, TEXTS, {"s1": 3}, labels=SPAN_LABELS)
    # regime 2/3, and 1/3 (dropped), its 2/3, backers 2/3 -> two spans; terrorize 2/3.
    expected = spans_frame(
        ("s1", *find("s1", "regime"), NEG, 2 / 3, 2),
        ("s1", *find("s1", "its backers"), NEG, 2 / 3, 2),
        ("s1", *find("s1", "terrorize"), NEG, 2 / 3, 2),
    )
    assert_frame_equal(result, expected)


def test_partial_token_overlap_marks_the_whole_token() -> None:
    start, _ = find("s1", "terrorize")
    votes = span_votes(("s1", "w1", start, start + 6, NEG), ("s1", "w2", start + 3, start + 9, NEG))
    assert votes["text"].tolist() == ["terror", "rorize"]
    result = aggregate_spans(votes, TEXTS, {"s1": 2}, labels=SPAN_LABELS)
    assert_frame_equal(result, spans_frame(("s1", *find("s1", "terrorize"), NEG, 1.0, 2)))


def test_one_annotator() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS))
    result = aggregate_spans(votes, TEXTS, {"s2": 1}, labels=SPAN_LABELS)
    assert_frame_equal(result, spans_frame(("s2", *find("s2", "freed"), POS, 1.0, 1)))


@pytest.mark.parametrize(("threshold", "kept"), [(0.5, True), (0.5000001, False), (0.51, False), (0.25, True)])
def test_threshold_is_at_least(threshold: float, kept: bool) -> None:
    votes = span_votes(("s2", "w1", *find("s2", "regime"), NEG), ("s2", "w2", *find("s2", "regime"), NEG))
    result = aggregate_spans(votes, TEXTS, {"s2": 4}, labels=SPAN_LABELS, threshold=threshold)  # 2 of 4
    assert len(result) == int(kept)


def test_threshold_two_thirds_keeps_two_of_three() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "regime"), NEG), ("s2", "w2", *find("s2", "regime"), NEG))
    assert len(aggregate_spans(votes, TEXTS, {"s2": 3}, labels=SPAN_LABELS, threshold=2 / 3)) == 1
    assert len(aggregate_spans(votes, TEXTS, {"s2": 4}, labels=SPAN_LABELS, threshold=2 / 3)) == 0


def test_annotators_without_spans_lower_the_support() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS))
    assert aggregate_spans(votes, TEXTS, {"s2": 3}, labels=SPAN_LABELS).empty


def test_label_tie_goes_to_schema_order_and_adjacent_labels_split() -> None:
    votes = span_votes(
        ("s2", "w1", *find("s2", "freed"), POS),
        ("s2", "w2", *find("s2", "freed"), NEG),
        ("s2", "w1", *find("s2", "villages were"), NEG),
        ("s2", "w2", *find("s2", "villages were"), NEG),
    )
    result = aggregate_spans(votes, TEXTS, {"s2": 2}, labels=SPAN_LABELS)
    # freed: NEG by the tie, but no annotator's NEG span runs on into it from "were"
    expected = spans_frame(("s2", *find("s2", "villages were"), NEG, 1.0, 2), ("s2", *find("s2", "freed"), NEG, 0.5, 1))
    assert_frame_equal(result, expected)
    result = aggregate_spans(votes, TEXTS, {"s2": 2}, labels=[POS, NEG])
    expected = spans_frame(("s2", *find("s2", "villages were"), NEG, 1.0, 2), ("s2", *find("s2", "freed"), POS, 0.5, 1))
    assert_frame_equal(result, expected)


def test_adjacent_marks_of_different_annotators_merge() -> None:
    votes = span_votes(
        ("s1", "w1", *find("s1", "continue to"), NEG),
        ("s1", "w2", *find("s1", "to terrorize"), NEG),
    )
    result = aggregate_spans(votes, TEXTS, {"s1": 2}, labels=SPAN_LABELS)
    # continue 1/2, to 2/2, terrorize 1/2
    assert_frame_equal(result, spans_frame(("s1", *find("s1", "continue to terrorize"), NEG, 2 / 3, 2)))


def test_adjacent_spans_marked_apart_by_every_annotator_stay_apart() -> None:
    votes = span_votes(*[("s4", worker, *find("s4", phrase), NEG) for worker in ("w1", "w2", "w3")
                         for phrase in ("duplicitous", "regime")])
    result = aggregate_spans(votes, TEXTS, {"s4": 3}, labels=SPAN_LABELS)
    expected = spans_frame(("s4", *find("s4", "duplicitous"), NEG, 1.0, 3), ("s4", *find("s4", "regime"), NEG, 1.0, 3))
    assert_frame_equal(result, expected)


@pytest.mark.parametrize(("joined_by", "n_annotators", "threshold", "joined"), [
    (2, 3, 0.5, True),  # the join has 2 of 3
    (1, 3, 0.5, False),
    (2, 4, 0.5, True),  # at least half
    (2, 4, 0.51, False),
])
def test_two_words_form_one_span_when_enough_annotators_marked_them_as_one(
    joined_by: int, n_annotators: int, threshold: float, joined: bool
) -> None:
    workers = [f"w{i}" for i in range(1, n_annotators + 1)]
    one = [("s4", w, *find("s4", "duplicitous regime"), NEG) for w in workers[:joined_by]]
    apart = [("s4", w, *find("s4", phrase), NEG) for w in workers[joined_by:] for phrase in ("duplicitous", "regime")]
    result = aggregate_spans(span_votes(*one, *apart), TEXTS, {"s4": n_annotators}, labels=SPAN_LABELS, threshold=threshold)
    phrases = ["duplicitous regime"] if joined else ["duplicitous", "regime"]
    assert_frame_equal(result, spans_frame(*[("s4", *find("s4", p), NEG, 1.0, n_annotators) for p in phrases]))


def test_token_votes_say_where_each_annotators_spans_begin() -> None:
    votes = span_votes(("s4", "w1", *find("s4", "duplicitous regime"), NEG),
                       ("s4", "w2", *find("s4", "duplicitous"), NEG), ("s4", "w2", *find("s4", "regime"), NEG),
                       ("s4", "w3", *find("s4", "duplicitous re"), NEG), ("s4", "w3", *find("s4", "regime"), NEG))
    tokens = token_votes(votes, TEXTS, labels=SPAN_LABELS)
    assert tokens[["worker", "token", "tag"]].values.tolist() == [
        ["w1", 1, "B"], ["w2", 1, "B"], ["w3", 1, "B"], ["w1", 2, "I"], ["w2", 2, "B"], ["w3", 2, "I"]]


def test_the_release_keeps_adjacent_spans_apart(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]]) -> None:
    marks = tuple(("t1", worker, phrase, NEG) for worker in ("w1", "w2", "w3") for phrase in ("duplicitous", "regime"))
    votes, _ = tiny_votes({"t1": ["against"] * 3}, spans=marks, texts=(TEXTS["s4"],))
    row = aggregate_votes(votes, load_schema()).iloc[0]
    assert [(span["text"], span["label"]) for span in row["spans"]] == [("duplicitous", NEG), ("regime", NEG)]
    assert list(row["bio_tags"][:4]) == ["O", f"B-{NEG}", f"B-{NEG}", "O"]


def test_offsets_after_an_emoji_and_several_tasks() -> None:
    votes = span_votes(
        ("s3", "w1", *find("s3", "Radicals"), NEG),
        ("s2", "w1", *find("s2", "freed"), POS),
        ("s3", "w2", *find("s3", "Radicals"), NEG),
    )
    assert find("s3", "Radicals") == (2, 10)
    result = aggregate_spans(votes, TEXTS, {"s2": 2, "s3": 2}, labels=SPAN_LABELS)
    expected = spans_frame(("s3", 2, 10, NEG, 1.0, 2), ("s2", *find("s2", "freed"), POS, 0.5, 1))
    assert_frame_equal(result, expected)


def test_no_spans_gives_an_empty_frame() -> None:
    result = aggregate_spans(span_votes(), TEXTS, {}, labels=SPAN_LABELS)
    assert result.empty
    assert result.columns.tolist() == list(SPAN_COLUMNS)
    assert result.dtypes[["start", "end", "support", "n_annotators"]].tolist() == ["int64", "int64", "float64", "int64"]


def test_token_votes_deduplicates_a_worker() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS), ("s2", "w1", *find("s2", "were freed"), POS))
    tokens = token_votes(votes, TEXTS, labels=SPAN_LABELS)
    assert tokens[["token", "label"]].values.tolist() == [[2, POS], [3, POS]]
    assert aggregate_spans(votes, TEXTS, {"s2": 2}, labels=SPAN_LABELS)["n_annotators"].tolist() == [1]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda v: v.drop(columns="text"), KeyError, r"span_votes is missing column\(s\) \['text'\]"),
        (lambda v: v.assign(text="regime"), ValueError, r"text 'regime' != sentence\[.*\] = 'freed'"),
        (lambda v: v.assign(end=200), ValueError, r"offsets \[18, 200\) are not a non-empty range"),
        (lambda v: v.assign(end=v["start"]), ValueError, r"offsets \[18, 18\) are not a non-empty range"),
        (lambda v: v.assign(start=v["start"].astype(float)), TypeError, r"span_votes\['start'\] must hold integer"),
        (lambda v: v.assign(label="loaded"), ValueError, r"value\(s\) \['loaded'\] not in labels="),
        (lambda v: v.assign(worker=None), ValueError, r"span_votes has missing values .* \['worker'\]"),
        (lambda v: v.assign(task="s9"), KeyError, r"texts has no sentence for 1 task\(s\) of span_votes"),
    ],
)
def test_bad_span_votes(change: object, error: type[Exception], message: str) -> None:
    votes = change(span_votes(("s2", "w1", *find("s2", "freed"), POS)))  # type: ignore[operator]
    with pytest.raises(error, match=message):
        aggregate_spans(votes, TEXTS, {"s2": 2}, labels=SPAN_LABELS)


def test_bad_annotator_counts() -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS), ("s2", "w2", *find("s2", "freed"), POS))
    with pytest.raises(KeyError, match=r"n_annotators has no count for 1 task\(s\)"):
        aggregate_spans(votes, TEXTS, {"s1": 2}, labels=SPAN_LABELS)
    with pytest.raises(ValueError, match=r"n_annotators\['s2'\] = 1, but 2 annotators marked spans"):
        aggregate_spans(votes, TEXTS, {"s2": 1}, labels=SPAN_LABELS)


@pytest.mark.parametrize("threshold", [0, -0.5, 1.5, math.nan, True])
def test_bad_threshold(threshold: float) -> None:
    votes = span_votes(("s2", "w1", *find("s2", "freed"), POS))
    with pytest.raises(ValueError, match="must be a number in \\(0, 1\\]"):
        aggregate_spans(votes, TEXTS, {"s2": 1}, labels=SPAN_LABELS, threshold=threshold)


BIO_NAMES = ["O", f"B-{NEG}", f"I-{NEG}", f"B-{POS}", f"I-{POS}"]  # Schema.bio_names of SPAN_LABELS


def tag_sentence(task: str, spans: Iterable[tuple[int, int, str]]) -> tuple[list[str], list[str]]:
    """The tokens of ``TEXTS[task]`` and their tags from ``bio_tag_ids``, for ``(start, end, label)`` spans."""
    frame = pd.DataFrame([(task, *span) for span in spans], columns=["task", "start", "end", "label"])
    index = index_tokens({task: TEXTS[task]})
    ids = bio_tag_ids(frame, index, labels=SPAN_LABELS)
    return [TEXTS[task][a:b] for a, b in zip(index.starts, index.ends)], [BIO_NAMES[i] for i in ids]


def test_bio_tags_round_trip() -> None:
    votes = span_votes(
        ("s1", "w1", *find("s1", "regime"), NEG),
        ("s1", "w1", *find("s1", "its backers"), NEG),
    )
    spans = aggregate_spans(votes, TEXTS, {"s1": 1}, labels=SPAN_LABELS)
    tokens, tags = tag_sentence("s1", spans[["start", "end", "label"]].itertuples(index=False))
    assert tokens[:5] == ["The", "regime", "and", "its", "backers"]
    assert tags[:5] == ["O", f"B-{NEG}", "O", f"B-{NEG}", f"I-{NEG}"]
    assert set(tags[5:]) == {"O"}


def test_bio_tags_keeps_adjacent_spans_apart() -> None:
    _, tags = tag_sentence("s1", [(*find("s1", "regime"), NEG), (*find("s1", "and"), POS)])
    assert tags[1:4] == [f"B-{NEG}", f"B-{POS}", "O"]


def test_bio_tags_errors() -> None:
    with pytest.raises(SpanError, match=r"share token 3 \('freed'\)"):
        tag_sentence("s2", [(*find("s2", "were freed"), NEG), (*find("s2", "freed"), POS)])
    with pytest.raises(SpanError, match=r"spans\['label'\] has value\(s\) \['loaded'\] not in labels"):
        tag_sentence("s2", [(0, 3, "loaded")])
    with pytest.raises(SpanError, match=r"spans row 0 \(task 's2'\): offsets \[3, 100\)"):
        tag_sentence("s2", [(3, 100, NEG)])


# --- the token index, check_span_votes, bio_tag_ids ----------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_index_tokens_equals_token_spans_per_sentence(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pieces = ["U.N.-sponsored", "al-Shamali’s", "fate", ",", "🙂", "don't", "4.5", "\n", "  ", "--", "Idlib", "é", "."]
    texts = {f"t{i}": "".join(rng.choice(pieces, size=int(rng.integers(0, 12)))) for i in range(40)}
    texts["empty"] = ""
    index = index_tokens(texts)
    assert list(index) == list(texts) and index["t3"] == texts["t3"]
    for i, (task, text) in enumerate(texts.items()):
        spans = list(zip(index.starts[index.offsets[i] : index.offsets[i + 1]], index.ends[index.offsets[i] : index.offsets[i + 1]]))
        assert spans == token_spans(text), task
    assert index_tokens(index) is index
    with pytest.raises(TypeError, match=r"texts\['x'\] must be a str, got float"):
        index_tokens({"x": math.nan})


def test_a_token_index_gives_the_same_spans_as_a_mapping() -> None:
    votes = span_votes(
        ("s3", "w1", *find("s3", "Radicals"), NEG),
        ("s2", "w1", *find("s2", "freed"), POS),
        ("s3", "w2", *find("s3", "Radicals fled"), NEG),
        ("s2", "w2", *find("s2", "freed"), POS),
    )
    index = index_tokens({"s1": TEXTS["s1"], "s2": TEXTS["s2"], "s3": TEXTS["s3"]})  # another order, one more task
    by_mapping = aggregate_spans(votes, TEXTS, {"s2": 2, "s3": 2}, labels=SPAN_LABELS)
    assert_frame_equal(aggregate_spans(votes, index, {"s2": 2, "s3": 2}, labels=SPAN_LABELS), by_mapping)
    assert by_mapping["task"].tolist() == ["s3", "s2"]  # first appearance in span_votes, whatever the index order
    assert_frame_equal(token_votes(votes, index, labels=SPAN_LABELS), token_votes(votes, TEXTS, labels=SPAN_LABELS))
    _, positions = check_span_votes(votes, index, labels=SPAN_LABELS)
    assert positions.tolist() == [2, 1, 2, 1]


def test_bio_tag_ids_of_many_sentences() -> None:
    spans = pd.DataFrame(
        [("s1", *find("s1", "regime"), NEG), ("s1", *find("s1", "and its"), POS), ("s3", *find("s3", "Radicals fled"), NEG)],
        columns=["task", "start", "end", "label"],
    )
    index = index_tokens(TEXTS)
    ids = bio_tag_ids(spans, index, labels=SPAN_LABELS)
    names = ["O", f"B-{NEG}", f"I-{NEG}", f"B-{POS}", f"I-{POS}"]
    expected = {  # s1: "regime" and "and its" stay two spans; s3 after an emoji
        "s1": ["O", f"B-{NEG}", f"B-{POS}", f"I-{POS}"] + ["O"] * 7,
        "s2": ["O"] * 8,
        "s3": ["O", f"B-{NEG}", f"I-{NEG}", "O"],
        "s4": ["O"] * 7,
    }
    for i, task in enumerate(TEXTS):
        assert [names[t] for t in ids[index.offsets[i] : index.offsets[i + 1]]] == expected[task]
        assert [names[t] for t in ids[index.offsets[i] : index.offsets[i + 1]]] == tag_sentence(task, spans[spans["task"] == task][["start", "end", "label"]].itertuples(index=False))[1]


def test_bio_tag_ids_errors() -> None:
    overlapping = pd.DataFrame([("s2", *find("s2", "were freed"), NEG), ("s2", *find("s2", "freed"), POS)],
                               columns=["task", "start", "end", "label"])
    with pytest.raises(ValueError, match=r"two spans of task 's2' share token 3 \('freed'\)"):
        bio_tag_ids(overlapping, TEXTS, labels=SPAN_LABELS)
    with pytest.raises(KeyError, match=r"texts has no sentence for 1 task\(s\) of spans"):
        bio_tag_ids(overlapping.assign(task="s9"), TEXTS, labels=SPAN_LABELS)
    with pytest.raises(ValueError, match=r"not in labels"):
        bio_tag_ids(overlapping.assign(label="loaded"), TEXTS, labels=SPAN_LABELS)
    with pytest.raises(ValueError, match=r"offsets \[18, 99\)"):
        bio_tag_ids(overlapping.iloc[1:].assign(end=99), TEXTS, labels=SPAN_LABELS)
