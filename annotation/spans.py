"""Spans on word tokens: the tokenizer, the span checks, token-level span voting and BIO tags.

The one place that knows a span's bounds and tokens: the release (consensus spans, BIO tags), the
agreement figures (token alpha, span F1), the exports and the token tagger all reach spans through
here. A span is ``(start, end)`` in Python ``str`` indices (code points) into its sentence, end
exclusive, so ``text[start:end]`` is its text; ``fits_text`` is the one bounds check.

Tokens. A token is either a word, or one single character that is neither a word character nor
whitespace (punctuation, a symbol, one code point of an emoji). A word is a run of word
characters (``\\w``: letters, digits, underscore, in any script) that may be joined to further
runs by a hyphen (``al-Shamali``, ``cease-fire``), an apostrophe (``Syria’s``, ``don't``) or a
period optionally followed by a hyphen (``U.N``, ``4.5``, ``U.N.-sponsored``). Choices and their
consequences:

- A period ends a word unless a word character follows it, so the final period of an
  abbreviation is its own token (``U.N.`` → ``U.N``, ``.``); this keeps sentence-final periods
  apart from the last word.
- A comma always splits (``1,000`` → ``1``, ``,``, ``000``), as does a doubled hyphen (``--``).
- Offsets are Python ``str`` indices (code points), end exclusive, like every offset in the
  project, so ``text[start:end]`` is the token.

Voting. Spans are aggregated by voting on word tokens, B-/I- votes included, so that the
boundaries the annotators drew survive (two adjacent spans stay two). The span functions are
vectorised: sentences are tokenised once into flat arrays (``index_tokens``, which a large build
passes on to every function taking ``texts``), and spans are located on the tokens with
``numpy.searchsorted``. Errors in the spans themselves (a missing value, a label outside the
schema, offsets outside the sentence, overlapping spans where they may not overlap) raise
``SpanError``.

Size: over ~450 lines on purpose: this module is the one owner of the span contract (issue 13).
Every function goes through the same checks and ``TokenIndex.locate``, and token votes and
consensus spans share the private engine ``_marks`` (spans to deduplicated token marks); split,
the parts would import each other's internals.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from annotation.errors import AnnotationError
from annotation.records import LABEL, SPAN_COLUMNS, SPAN_VOTE_COLUMNS, TASK, TOKEN_VOTE_COLUMNS, WORKER, check_columns, check_labels

__all__ = [
    "TOKEN_PATTERN",
    "SpanError",
    "token_spans",
    "fits_text",
    "TokenIndex",
    "index_tokens",
    "check_span_votes",
    "token_votes",
    "check_annotator_counts",
    "aggregate_spans",
    "bio_tag_ids",
]

_SUPPORT_TOL = 1e-12  # so that a support of exactly k/n passes threshold=k/n
_TOKENISE_CHUNK = 8192  # sentences tokenised per regex pass

IntArray = npt.NDArray[np.intp]


class SpanError(AnnotationError, ValueError):
    """Spans that do not fit their sentences or the schema, or counts that contradict them. A
    ``ValueError`` too, for callers that catch that."""


TOKEN_PATTERN: re.Pattern[str] = re.compile(
    r"""
    \w+                    # a run of word characters,
    (?:                    # joined to further runs by
        (?:[-'’]|\.-?)     #   a hyphen, an apostrophe, or a period (".-" as in "U.N.-sponsored")
        \w+
    )*
    | [^\w\s]              # or one character that is neither a word character nor whitespace
    """,
    re.VERBOSE,
)


def token_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into word tokens and return their character offsets.

    Args:
        text: The sentence.

    Returns:
        ``(start, end)`` per token, in text order; ``text[start:end]`` is the token. Whitespace
        belongs to no token.

    Raises:
        TypeError: ``text`` is not a ``str``.

    Examples:
        >>> text = "U.N.-sponsored talks on al-Shamali’s fate, Nov. 2."
        >>> [text[start:end] for start, end in token_spans(text)]
        ['U.N.-sponsored', 'talks', 'on', 'al-Shamali’s', 'fate', ',', 'Nov', '.', '2', '.']
        >>> token_spans("Freed 🙂!")
        [(0, 5), (6, 7), (7, 8)]
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}: {text!r}")
    return [match.span() for match in TOKEN_PATTERN.finditer(text)]


def fits_text(start: Any, end: Any, length: Any) -> Any:
    """Whether ``[start, end)`` is a non-empty range inside a text of ``length`` code points.

    The one bounds check of a span: ``0 <= start < end <= length``. Takes ints (returns a
    ``bool``) or NumPy arrays of equal shape (returns a boolean array, element by element).

    Examples:
        >>> fits_text(4, 10, 16), fits_text(4, 4, 16), fits_text(4, 17, 16)
        (True, False, False)
        >>> fits_text(np.array([0, 3]), np.array([2, 9]), np.array([5, 5])).tolist()
        [True, False]
    """
    return (0 <= start) & (start < end) & (end <= length)


@dataclass(frozen=True, eq=False)
class TokenIndex(Mapping[Hashable, str]):
    """Sentences and their word tokens as flat arrays; also a read-only mapping task -> sentence.

    Built by ``index_tokens``. The tokens of ``tasks[i]`` (sentence ``texts[i]``) are the
    positions ``offsets[i]:offsets[i + 1]`` of ``starts``/``ends``, character offsets into the
    sentence as ``annotation.spans.token_spans`` gives them. Every function that takes ``texts``
    accepts one, so a large build tokenises each sentence once instead of once per function.

    Examples:
        >>> index = index_tokens({"t1": "The regime freed them.", "t2": "Radicals 🙂"})
        >>> index["t2"], index.offsets.tolist(), index.starts[4:].tolist()
        ('Radicals 🙂', [0, 5, 7], [21, 0, 9])
    """

    tasks: pd.Index
    texts: tuple[str, ...]
    offsets: IntArray
    starts: IntArray
    ends: IntArray

    def __getitem__(self, task: Hashable) -> str:
        return self.texts[int(self.tasks.get_loc(task))]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def locate(self, positions: IntArray, starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
        """The tokens that character ranges overlap, as global token positions ``first:stop``.

        Range ``k`` is ``[starts[k], ends[k])`` in sentence ``texts[positions[k]]``; it overlaps
        the tokens ``first[k]:stop[k]`` of ``self.starts``/``self.ends`` (none when ``first >= stop``,
        for a range that covers only whitespace).
        """
        lengths = np.fromiter(map(len, self.texts), dtype=np.intp, count=len(self.texts))
        bases = np.zeros(len(self.texts) + 1, dtype=np.intp)
        np.cumsum(lengths + 1, out=bases[1:])  # sentence i at [bases[i], bases[i] + len), a gap between sentences
        token_base = np.repeat(bases[:-1], np.diff(self.offsets))
        first = np.searchsorted(self.ends + token_base, bases[positions] + starts, side="right")
        stop = np.searchsorted(self.starts + token_base, bases[positions] + ends, side="left")
        return first.astype(np.intp), stop.astype(np.intp)


def index_tokens(texts: Mapping[Hashable, str]) -> TokenIndex:
    """Tokenise many sentences at once, as ``annotation.spans.token_spans`` does each.

    The sentences are joined by newlines and matched with ``TOKEN_PATTERN`` in one pass; since no
    token contains whitespace, the tokens are exactly those of each sentence on its own.

    Args:
        texts: The sentence of every task; a ``TokenIndex`` is returned as it is.

    Returns:
        The tasks in the order of ``texts`` with their tokens.

    Raises:
        TypeError: A sentence is not a ``str``.

    Examples:
        >>> index = index_tokens({"t1": "Freed 🙂!", "t2": ""})
        >>> [index["t1"][s:e] for s, e in zip(index.starts, index.ends)], index.offsets.tolist()
        (['Freed', '🙂', '!'], [0, 3, 3])
    """
    if isinstance(texts, TokenIndex):
        return texts
    sentences = tuple(texts.values())
    for task, text in texts.items():
        if not isinstance(text, str):
            raise TypeError(f"texts[{task!r}] must be a str, got {type(text).__name__}: {text!r}")
    counts, starts, ends = [], [], []
    for begin in range(0, len(sentences), _TOKENISE_CHUNK):  # chunks bound the temporary arrays
        chunk = sentences[begin : begin + _TOKENISE_CHUNK]
        bases = np.zeros(len(chunk) + 1, dtype=np.intp)
        np.cumsum(np.fromiter(map(len, chunk), dtype=np.intp, count=len(chunk)) + 1, out=bases[1:])
        spans = chain.from_iterable(match.span() for match in TOKEN_PATTERN.finditer("\n".join(chunk)))
        flat = np.fromiter(spans, dtype=np.intp).reshape(-1, 2)
        owner = np.searchsorted(bases, flat[:, 0], side="right") - 1
        counts.append(np.bincount(owner, minlength=len(chunk)))
        starts.append(flat[:, 0] - bases[owner])
        ends.append(flat[:, 1] - bases[owner])
    offsets = np.zeros(len(sentences) + 1, dtype=np.intp)
    np.cumsum(np.concatenate([np.empty(0, dtype=np.intp), *counts]), out=offsets[1:])
    return TokenIndex(
        tasks=pd.Index(list(texts), dtype=object, name=TASK), texts=sentences, offsets=offsets,
        starts=np.concatenate([np.empty(0, dtype=np.intp), *starts]),
        ends=np.concatenate([np.empty(0, dtype=np.intp), *ends]),
    )


def _check_bounds(
    frame: pd.DataFrame, name: str, index: TokenIndex, positions: IntArray,
    starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64],
) -> None:
    """Raise ``SpanError`` for the first row of ``frame`` whose offsets do not ``fits_text`` its
    sentence ``index.texts[positions[row]]``."""
    lengths = np.fromiter(map(len, index.texts), dtype=np.int64, count=len(index.texts))[positions]
    outside = np.flatnonzero(~fits_text(starts, ends, lengths))
    if outside.size:
        i = outside[0]
        raise SpanError(
            f"{name} row {frame.index[i]!r} (task {frame[TASK].iloc[i]!r}): offsets [{starts[i]}, {ends[i]}) "
            f"are not a non-empty range inside the sentence of length {lengths[i]}"
        )


def check_span_votes(
    span_votes: pd.DataFrame, texts: Mapping[Hashable, str], *, labels: Sequence[str]
) -> tuple[TokenIndex, IntArray]:
    """Validate span votes against the sentences and the span labels.

    The shared front door of the span functions here and of the span agreement figures
    (``annotation.aggregate.agreement``).

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label``; ``start``/``end`` are character offsets into ``texts[task]``, end exclusive.
        texts: The sentence of every task (a mapping, or a ``TokenIndex``).
        labels: The span label names in schema order.

    Returns:
        The sentences as a ``TokenIndex`` (``texts`` itself when it is one, else the tasks of
        ``span_votes`` tokenised) and the position of each span's task in it.

    Raises:
        KeyError: A column is missing, or ``texts`` lacks a task.
        TypeError: ``span_votes`` is not a DataFrame or ``start``/``end`` are not integers.
        SpanError: A value is missing, a label is not in ``labels``, or a span's offsets are out
            of range or do not match its ``text``.
        ValueError: ``labels`` is empty or repeats a label.

    Examples:
        >>> span_votes = pd.DataFrame({"task": ["t1"], "worker": ["w1"], "start": [4], "end": [11],
        ...                            "text": ["regimes"], "label": ["loaded-negative"]})
        >>> check_span_votes(span_votes, {"t1": "The regime fell."}, labels=["loaded-negative"])
        Traceback (most recent call last):
        ...
        annotation.spans.SpanError: span_votes row 0 (task 't1'): text 'regimes' != sentence[4:11] = 'regime '; the offsets must be code points into texts[task]
    """
    label_index = check_labels(labels)
    if not isinstance(span_votes, pd.DataFrame):
        raise TypeError(f"span_votes must be a pandas DataFrame, got {type(span_votes).__name__}")
    check_columns(span_votes, SPAN_VOTE_COLUMNS, "span_votes")
    missing = span_votes[list(SPAN_VOTE_COLUMNS)].isna()
    if missing.to_numpy().any():
        first = int(np.argmax(missing.any(axis=1).to_numpy()))
        row = span_votes.index[first : first + 1].tolist()[0]
        columns = list(missing.columns[missing.iloc[first].to_numpy()])
        raise SpanError(
            f"span_votes has missing values ({int(missing.to_numpy().sum())} in all), first at index "
            f"{row!r} in column(s) {columns}; every span needs a task, worker, start, end, text and label"
        )
    for column in ("start", "end"):
        if not span_votes.empty and not pd.api.types.is_integer_dtype(span_votes[column].dtype):
            raise TypeError(
                f"span_votes[{column!r}] must hold integer character offsets, got dtype {span_votes[column].dtype}"
            )
    unknown = pd.Index(span_votes[LABEL].unique()).difference(label_index)
    if len(unknown):
        raise SpanError(
            f"span_votes['label'] has value(s) {list(unknown[:10])} not in labels={list(label_index)}; "
            "add them to labels or drop those spans"
        )
    tasks = span_votes[TASK]
    if isinstance(texts, TokenIndex):
        index = texts
        no_text = list(pd.unique(tasks[index.tasks.get_indexer(tasks) < 0]))
    else:
        no_text = [task for task in pd.unique(tasks) if task not in texts]
        index = index_tokens({task: texts[task] for task in pd.unique(tasks) if task in texts})
    if no_text:
        raise KeyError(
            f"texts has no sentence for {len(no_text)} task(s) of span_votes, e.g. {no_text[:5]}; "
            "pass the text of every task"
        )
    positions = index.tasks.get_indexer(tasks).astype(np.intp)
    starts = span_votes["start"].to_numpy(dtype=np.int64)
    ends = span_votes["end"].to_numpy(dtype=np.int64)
    _check_bounds(span_votes, "span_votes", index, positions, starts, ends)
    sentences = index.texts
    cut = (sentences[p][a:b] for p, a, b in zip(positions.tolist(), starts.tolist(), ends.tolist()))
    for i, (piece, text) in enumerate(zip(cut, span_votes["text"].tolist())):
        if piece != text:
            raise SpanError(
                f"span_votes row {span_votes.index[i]!r} (task {tasks.iloc[i]!r}): text {text!r} != "
                f"sentence[{starts[i]}:{ends[i]}] = {piece!r}; the offsets must be code points into texts[task]"
            )
    return index, positions


@dataclass(frozen=True)
class _Marks:
    """Token votes as codes: one per annotator, token and label, sorted by task, then token."""

    row: IntArray  # the row of span_votes that made the mark
    task: IntArray  # codes of ``tasks``, in order of first appearance in span_votes
    worker: IntArray
    token: IntArray  # position in the TokenIndex's flat token arrays
    local: IntArray  # position in the sentence
    label: IntArray  # position in the labels
    inside: npt.NDArray[np.bool_]  # an I- vote: a span of the annotator's with this label also covers the token before
    tasks: pd.Index
    n_workers: int


def _marks(span_votes: pd.DataFrame, index: TokenIndex, positions: IntArray, labels: pd.Index) -> _Marks:
    """The tokens each (validated) span overlaps, deduplicated per annotator, token and label; a
    mark is inside (I-) when any of the annotator's spans with that label runs on into the token."""
    first, stop = index.locate(positions, span_votes["start"].to_numpy(), span_votes["end"].to_numpy())
    n_tokens = np.maximum(stop - first, 0)
    row = np.repeat(np.arange(len(span_votes)), n_tokens)
    token = np.repeat(first, n_tokens) + np.arange(row.size) - np.repeat(np.cumsum(n_tokens) - n_tokens, n_tokens)
    inside = token != np.repeat(first, n_tokens)
    task_codes, tasks = pd.factorize(span_votes[TASK])
    worker_codes, workers = pd.factorize(span_votes[WORKER])
    task, worker, label = task_codes[row], worker_codes[row], labels.get_indexer(span_votes[LABEL])[row]
    order = np.lexsort((token, task))
    # One group per (annotator, token, label); token positions are unique across sentences, so
    # they fix the task. Groups are numbered in order of first appearance, so a group starts
    # where its number exceeds every number before it.
    key = (token[order].astype(np.int64) * max(len(workers), 1) + worker[order]) * len(labels) + label[order]
    group = pd.factorize(key)[0]
    first_of_group = group > np.maximum.accumulate(np.r_[-1, group[:-1]])
    keep = order[first_of_group]
    return _Marks(
        row=row[keep], task=task[keep], worker=worker[keep], token=token[keep],
        local=token[keep] - index.offsets[positions[row[keep]]], label=label[keep],
        inside=np.bincount(group, weights=inside[order]) > 0,
        tasks=pd.Index(tasks), n_workers=len(workers),
    )


def _frame(columns: Sequence[str], values: Sequence[Any]) -> pd.DataFrame:
    """A frame with the schema's ``columns`` (``SPAN_COLUMNS``, ``TOKEN_VOTE_COLUMNS``), one value array each, in order."""
    return pd.DataFrame(dict(zip(columns, values, strict=True)))


def _token_votes(span_votes: pd.DataFrame, index: TokenIndex, positions: IntArray, labels: pd.Index) -> pd.DataFrame:
    """``token_votes`` on validated input."""
    marks = _marks(span_votes, index, positions, labels)
    return _frame(TOKEN_VOTE_COLUMNS, (
        span_votes[TASK].take(marks.row).to_numpy(),
        span_votes[WORKER].take(marks.row).to_numpy(),
        marks.local.astype(np.int64),  # token
        index.starts[marks.token].astype(np.int64),
        index.ends[marks.token].astype(np.int64),
        span_votes[LABEL].take(marks.row).to_numpy(),
        np.where(marks.inside, "I", "B"),  # tag
    ))


def token_votes(
    span_votes: pd.DataFrame, texts: Mapping[Hashable, str], *, labels: Sequence[str]
) -> pd.DataFrame:
    """Turn each annotator's spans into token-level labels.

    A token (see ``annotation.spans.token_spans``) is marked by a span when the two overlap by
    at least one character, so a span that cuts a word in half marks the whole word. A span
    that covers only whitespace marks nothing. The mark is an ``I`` (inside) vote when one of the
    annotator's spans with that label covers the token before it too, else a ``B`` (begin) vote:
    two adjacent words marked as one span are ``B I``, marked as two spans ``B B``.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label``; ``start``/``end`` are character offsets into ``texts[task]``, end exclusive.
        texts: The sentence text of every task (a mapping, or a ``TokenIndex``).
        labels: The span label names in schema order.

    Returns:
        One row per annotator × token × label they marked it with, with columns ``task, worker,
        token`` (the token's position in the sentence), ``start, end`` (the token's offsets),
        ``label`` and ``tag`` (``"B"`` or ``"I"``); tasks in order of first appearance, then by
        token.

    Raises:
        KeyError: A column is missing, or ``texts`` lacks a task.
        TypeError: ``start``/``end`` are not integers.
        SpanError: A value is missing, a label is not in ``labels``, or a span's offsets are out
            of range or do not match its ``text``.
        ValueError: ``labels`` is empty or repeats a label.

    Examples:
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> span_votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "start": [4, 4, 11, 0, 0, 9],
        ...     "end": [10, 16, 16, 8, 18, 18],
        ...     "text": ["regime", "regime freed", "freed", "Radicals", "Radicals terrorize", "terrorize"],
        ...     "label": ["loaded-negative", "loaded-negative", "loaded-positive",
        ...               "loaded-negative", "loaded-negative", "loaded-negative"],
        ... })
        >>> token_votes(span_votes, texts, labels=["loaded-negative", "loaded-positive"])
          task worker  token  start  end            label tag
        0   t1     w1      1      4   10  loaded-negative   B
        1   t1     w2      1      4   10  loaded-negative   B
        2   t1     w2      2     11   16  loaded-negative   I
        3   t1     w3      2     11   16  loaded-positive   B
        4   t2     w1      0      0    8  loaded-negative   B
        5   t2     w2      0      0    8  loaded-negative   B
        6   t2     w2      1      9   18  loaded-negative   I
        7   t2     w3      1      9   18  loaded-negative   B
    """
    label_index = check_labels(labels)
    index, positions = check_span_votes(span_votes, texts, labels=label_index)
    return _token_votes(span_votes, index, positions, label_index)


def aggregate_spans(
    span_votes: pd.DataFrame,
    texts: Mapping[Hashable, str],
    n_annotators: Mapping[Hashable, int],
    *,
    labels: Sequence[str],
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Merge the annotators' spans into consensus spans by voting on tokens.

    1. Each annotator's spans become token votes (``token_votes``: a token is marked when a
       span overlaps it; ``I`` when the same span, or another of the annotator's with that
       label, also covers the token before, else ``B``).
    2. Per token, the label given by the most annotators (``B`` and ``I`` alike) wins; on a
       tie, the earlier label in ``labels``. Its support is the number of annotators who gave
       it divided by ``n_annotators[task]``, everyone who submitted the task, including those
       who marked nothing.
    3. A token keeps its label when the support is at least ``threshold``. The default 0.5
       means "at least half": 1 of 2 annotators, 2 of 3, 2 of 4. Use e.g. 0.51 for a strict
       majority.
    4. A kept token continues the span of the kept token before it (same label, next token)
       when the ``I`` votes for that label reach ``threshold`` of ``n_annotators[task]`` too:
       enough annotators joined the two words in one span. Otherwise it begins a new span, so
       adjacent words that the annotators marked as separate spans stay separate spans. A span
       runs from its first token's start to its last token's end.

    The ``I`` votes cost one more ``numpy.bincount`` over the token votes that step 2 counts.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label`` (character offsets into ``texts[task]``).
        texts: The sentence text of every task in ``span_votes`` (a mapping, or a
            ``TokenIndex`` to reuse tokens computed once).
        n_annotators: The number of annotators who submitted each task in ``span_votes``.
        labels: The span label names in schema order.
        threshold: The least share of a task's annotators who must give a token its label.

    Returns:
        One row per consensus span with columns ``task, start, end, text, label, support`` (the
        mean support of its tokens) and ``n_annotators`` (the annotators who marked any of its
        tokens with its label); tasks in order of first appearance in ``span_votes``, then by
        ``start``. Empty (with these columns) when no token reaches the threshold.

    Raises:
        KeyError: A column is missing, or ``texts`` or ``n_annotators`` lacks a task.
        TypeError: ``start``/``end`` are not integers.
        SpanError: A value is missing; a label is not in ``labels``; a span's offsets are out of
            range or do not match its ``text``; ``n_annotators[task]`` is smaller than the
            number of annotators who marked spans there.
        ValueError: ``threshold`` is not in (0, 1]; ``labels`` is empty or repeats a label.

    Examples:
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> span_votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "start": [4, 4, 11, 0, 0, 9],
        ...     "end": [10, 16, 16, 8, 18, 18],
        ...     "text": ["regime", "regime freed", "freed", "Radicals", "Radicals terrorize", "terrorize"],
        ...     "label": ["loaded-negative", "loaded-negative", "loaded-positive",
        ...               "loaded-negative", "loaded-negative", "loaded-negative"],
        ... })
        >>> spans = aggregate_spans(span_votes, texts, {"t1": 3, "t2": 3},
        ...                         labels=["loaded-negative", "loaded-positive"])
        >>> spans  # t2: only w2 joined "Radicals terrorize"  # doctest: +NORMALIZE_WHITESPACE
          task  start  end       text            label   support  n_annotators
        0   t1      4   10     regime  loaded-negative  0.666667             2
        1   t2      0    8   Radicals  loaded-negative  0.666667             2
        2   t2      9   18  terrorize  loaded-negative  0.666667             2
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(
            f"threshold={threshold!r} must be a number in (0, 1]: the least share of a task's "
            "annotators who must mark a token"
        )
    label_index = check_labels(labels)
    index, positions = check_span_votes(span_votes, texts, labels=label_index)
    marks = _marks(span_votes, index, positions, label_index)
    submitted = check_annotator_counts(span_votes, n_annotators)
    empty = _frame(SPAN_COLUMNS, (
        span_votes[TASK].iloc[:0].to_numpy(), np.empty(0, np.int64), np.empty(0, np.int64),
        span_votes["text"].iloc[:0].to_numpy(), span_votes[LABEL].iloc[:0].to_numpy(),
        np.empty(0), np.empty(0, np.int64),
    ))
    if marks.row.size == 0:
        return empty

    # Votes per (task, token, label): sort the marks and cut them into runs of equal keys.
    order = np.lexsort((marks.label, marks.token, marks.task))
    key_token, key_label = marks.token[order], marks.label[order]
    new_key = np.ones(len(order), dtype=bool)
    new_key[1:] = (key_token[1:] != key_token[:-1]) | (key_label[1:] != key_label[:-1])
    group = np.cumsum(new_key) - 1
    votes = np.bincount(group)
    g_task, g_token, g_label = marks.task[order][new_key], key_token[new_key], key_label[new_key]
    annotators = submitted.to_numpy(dtype=float)[g_task]  # both indexed by the task codes
    support = votes / annotators
    # The share of annotators whose span with this label runs on into the token from the one before.
    join_support = np.bincount(group, weights=marks.inside[order], minlength=len(votes)) / annotators

    # The winner of each token: most votes, then the earlier label.
    by_token = np.lexsort((g_label, -votes, g_token, g_task))
    first_of_token = np.r_[True, g_token[by_token][1:] != g_token[by_token][:-1]]
    winners = by_token[first_of_token]
    kept = winners[support[winners] >= threshold - _SUPPORT_TOL]
    if kept.size == 0:
        return empty

    starts_run = np.ones(kept.size, dtype=bool)
    starts_run[1:] = (
        (g_task[kept][1:] != g_task[kept][:-1]) | (g_token[kept][1:] != g_token[kept][:-1] + 1)
        | (g_label[kept][1:] != g_label[kept][:-1]) | (join_support[kept][1:] < threshold - _SUPPORT_TOL)
    )
    run = np.cumsum(starts_run) - 1
    run_first, run_last = kept[starts_run], kept[np.r_[starts_run[1:], True]]
    length = np.bincount(run)
    run_of_group = np.full(len(votes), -1)
    run_of_group[kept] = run
    mark_run = run_of_group[group]
    in_run = mark_run >= 0
    pairs = np.unique(mark_run[in_run] * marks.n_workers + marks.worker[order][in_run])
    starts, ends = index.starts[g_token[run_first]], index.ends[g_token[run_last]]
    where = index.tasks.get_indexer(marks.tasks)[g_task[run_first]]
    sentences = index.texts
    return _frame(SPAN_COLUMNS, (
        marks.tasks.take(g_task[run_first]).to_numpy(),
        starts.astype(np.int64),
        ends.astype(np.int64),
        [sentences[p][a:b] for p, a, b in zip(where.tolist(), starts.tolist(), ends.tolist())],  # text
        label_index.take(g_label[run_first]).to_numpy(),
        np.bincount(run, weights=support[kept]) / length,  # support
        np.bincount(pairs // marks.n_workers, minlength=len(length)).astype(np.int64),  # n_annotators
    ))


def check_annotator_counts(span_votes: pd.DataFrame, n_annotators: Mapping[Hashable, int]) -> pd.Series:
    """The number of annotators who submitted each task of ``span_votes``, checked against those who marked spans.

    Everyone who submitted a task counts, including annotators who marked nothing, so
    ``n_annotators[task]`` can never be smaller than the number of annotators with a span there.

    Args:
        span_votes: One row per marked span with (at least) columns ``task, worker``.
        n_annotators: The number of annotators who submitted each task.

    Returns:
        ``n_annotators`` of the tasks of ``span_votes`` (int64), indexed by task in order of
        first appearance.

    Raises:
        KeyError: A column is missing, or ``n_annotators`` lacks a task of ``span_votes``.
        SpanError: ``n_annotators[task]`` is smaller than the number of annotators who marked
            spans there.

    Examples:
        >>> span_votes = pd.DataFrame({"task": ["t1", "t1"], "worker": ["w1", "w2"]})
        >>> check_annotator_counts(span_votes, {"t1": 3}).to_dict()
        {'t1': 3}
        >>> check_annotator_counts(span_votes, {"t1": 1})
        Traceback (most recent call last):
        ...
        annotation.spans.SpanError: n_annotators['t1'] = 1, but 2 annotators marked spans there (1 such task(s)); count every annotator who submitted it
    """
    check_columns(span_votes, (TASK, WORKER), "span_votes")
    task, tasks = pd.factorize(span_votes[TASK])
    worker, workers = pd.factorize(span_votes[WORKER])
    markers = np.bincount(np.unique(task * max(len(workers), 1) + worker) // max(len(workers), 1), minlength=len(tasks))
    no_count = [t for t in tasks if t not in n_annotators]
    if no_count:
        raise KeyError(
            f"n_annotators has no count for {len(no_count)} task(s) of span_votes, e.g. "
            f"{no_count[:5]}; pass the number of annotators who submitted every task"
        )
    submitted = pd.Series([n_annotators[t] for t in tasks], index=pd.Index(tasks), dtype=np.int64)
    short = np.flatnonzero(submitted.to_numpy() < markers)
    if short.size:
        bad = tasks[short[0]]
        raise SpanError(
            f"n_annotators[{bad!r}] = {n_annotators[bad]!r}, but {markers[short[0]]} annotators marked "
            f"spans there ({short.size} such task(s)); count every annotator who submitted it"
        )
    return submitted


def bio_tag_ids(spans: pd.DataFrame, texts: Mapping[Hashable, str], *, labels: Sequence[str]) -> IntArray:
    """BIO tag ids of every token of many sentences at once (the release's ``bio_tags`` column).

    A token belongs to a span when the two overlap; the first token of each span is ``B-``, the
    others ``I-``. Ids follow ``Schema.bio_names``: 0 is ``O``, ``1 + 2 * k`` is
    ``B-<labels[k]>`` and ``2 + 2 * k`` is ``I-<labels[k]>``.

    Args:
        spans: One row per span with columns ``task, start, end, label`` (e.g. from
            ``aggregate_spans``); character offsets into ``texts[task]``.
        texts: The sentences; every token of every sentence gets a tag.
        labels: The span label names in schema order.

    Returns:
        One id per token of ``index_tokens(texts)``, in its order (sentence by sentence).

    Raises:
        KeyError: A column is missing, or ``texts`` lacks a task of ``spans``.
        SpanError: A label is not in ``labels``, a span's offsets are not a non-empty range inside
            its sentence, or two spans of a sentence share a token.

    Examples:
        >>> spans = pd.DataFrame({"task": ["t2", "t1"], "start": [0, 4], "end": [18, 10],
        ...                       "label": ["loaded-negative", "loaded-positive"]})
        >>> texts = {"t1": "The regime fell.", "t2": "Radicals terrorize towns."}
        >>> bio_tag_ids(spans, texts, labels=["loaded-negative", "loaded-positive"]).tolist()
        [0, 3, 0, 0, 1, 2, 0, 0]
    """
    check_columns(spans, (TASK, "start", "end", LABEL), "spans")
    label_index = check_labels(labels)
    index = index_tokens(texts)
    positions = index.tasks.get_indexer(spans[TASK])
    if (positions < 0).any():
        unknown = list(pd.unique(spans[TASK][positions < 0]))
        raise KeyError(f"texts has no sentence for {len(unknown)} task(s) of spans, e.g. {unknown[:5]}")
    label_code = label_index.get_indexer(spans[LABEL])
    if (label_code < 0).any():
        raise SpanError(f"spans['label'] has value(s) {list(pd.unique(spans[LABEL][label_code < 0]))[:10]} not in labels={list(labels)}")
    starts, ends = spans["start"].to_numpy(dtype=np.int64), spans["end"].to_numpy(dtype=np.int64)
    _check_bounds(spans, "spans", index, positions, starts, ends)
    first, stop = index.locate(positions, starts, ends)
    n_tokens = np.maximum(stop - first, 0)
    token = np.repeat(first, n_tokens) + np.arange(n_tokens.sum()) - np.repeat(np.cumsum(n_tokens) - n_tokens, n_tokens)
    owners = np.bincount(token, minlength=len(index.starts))
    if (owners > 1).any():
        shared = int(np.argmax(owners > 1))
        task = index.tasks[np.searchsorted(index.offsets, shared, side="right") - 1]
        raise SpanError(
            f"two spans of task {task!r} share token {shared - index.offsets[index.tasks.get_loc(task)]} "
            f"({index[task][index.starts[shared]:index.ends[shared]]!r}); spans must not overlap"
        )
    tags = np.zeros(len(index.starts), dtype=np.intp)
    tags[token] = 2 + 2 * np.repeat(label_code, n_tokens)
    tags[first[n_tokens > 0]] -= 1
    return tags
