"""What the loaded-language taggers share: input checks, span ↔ token labels, threshold tuning.

A tagger is fitted on texts and their gold spans (one list of ``(start, end, label)`` character
spans per text, offsets in code points, end exclusive) and predicts spans in the same form.
``SpanTagger`` is the scikit-learn skeleton of every tagger (input checks, tags);
``ThresholdTagger`` adds a per-token scorer whose decision threshold is tuned by cross-validation
on the training texts only. Tokens are ``annotation.spans`` tokens.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import KFold
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted

from annotation.lexicon import Lexicon
from annotation.models.metrics import Span
from annotation.spans import token_spans

__all__: list[str] = []  # the taggers' base classes and helpers; none is public

OUTSIDE = "O"
"""The token label of a token outside every span."""


def check_texts(texts: Sequence[str]) -> None:
    """Raise ``TypeError`` unless ``texts`` is a sequence of ``str`` (and not one ``str``)."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of str, one per text, not a single str")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] must be a str, got {type(text).__name__}: {text!r}")


def check_lexicon(lexicon: Any, *, optional: bool) -> None:
    """Raise ``TypeError`` unless ``lexicon`` is a ``Lexicon`` (or ``None``, if ``optional``)."""
    if isinstance(lexicon, Lexicon) or (optional and lexicon is None):
        return
    raise TypeError(
        f"lexicon must be an annotation.lexicon.Lexicon{' or None' if optional else ''}, got "
        f"{lexicon!r}; pass load_lexicon() (the default) or the campaign's lexicon"
    )


def word_shape(word: str) -> str:
    """Word shape with runs collapsed: ASCII capitals ``X``, small ``x``, digits ``d``, other
    letters ``a``.

    Examples:
        >>> [word_shape(word) for word in ("Al-Shamali", "1,000", "USA", "Déjà")]
        ['Xx-Xx', 'd,d', 'X', 'Xaxa']
    """
    shape = re.sub(r"\d", "d", re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", word)))
    shape = re.sub(r"[^\W\d_A-Za-z]", "a", shape)
    return re.sub(r"([Xxda])\1+", r"\1", shape)


def _check_gold_spans(texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> None:
    """Raise ``ValueError`` unless ``spans`` holds one list of in-bounds spans per text."""
    if len(spans) != len(texts):
        raise ValueError(
            f"spans has {len(spans)} entries but texts has {len(texts)}; "
            "pass one list of (start, end, label) per text"
        )
    for i, (text, text_spans) in enumerate(zip(texts, spans, strict=True)):
        for span in text_spans:
            if len(span) != 3:
                raise ValueError(f"spans[{i}]: expected (start, end, label), got {span!r}")
            start, end, label = span
            if not (isinstance(label, str) and 0 <= start < end <= len(text)):
                raise ValueError(
                    f"spans[{i}]: {span!r} needs 0 <= start < end <= {len(text)} (the text's "
                    "length) and a str label"
                )


def first_spans(tokens: Sequence[tuple[int, int]], spans: Sequence[Span]) -> list[Span | None]:
    """Per token ``(start, end)`` (in text order, disjoint), the first of ``spans`` in sorted order
    that overlaps it, else None.

    One sweep, O(tokens + spans log spans) for any spans, nested and overlapping ones included: a
    span that ends before this token ends before every later one, and the first span left is the
    only candidate (any later one starts later).

    Examples:
        >>> first_spans([(0, 3), (4, 10), (11, 15)], [(4, 15, "b"), (4, 10, "a")])
        [None, (4, 10, 'a'), (4, 15, 'b')]
    """
    ordered = sorted(spans)
    found: list[Span | None] = []
    i = 0
    for start, end in tokens:
        while i < len(ordered) and ordered[i][1] <= start:
            i += 1
        found.append(ordered[i] if i < len(ordered) and ordered[i][0] < end else None)
    return found


def token_labels(text: str, spans: Sequence[Span]) -> list[str]:
    """One label per token of ``text``: the label of the first span overlapping it (``first_spans``),
    else ``O``.

    Examples:
        >>> token_labels("The regime fell.", [(4, 10, "loaded-negative")])
        ['O', 'loaded-negative', 'O', 'O']
    """
    return [OUTSIDE if span is None else span[2] for span in first_spans(token_spans(text), spans)]


def _spans_from_tokens(
    tokens: Sequence[tuple[int, int]], labels: Sequence[str], begins: Sequence[bool] | None = None
) -> list[Span]:
    """Runs of consecutive tokens with the same span label, as ``(start, end, label)``; a token
    with ``begins[i]`` true starts a new span even after one with its label."""
    spans: list[Span] = []
    previous = OUTSIDE
    begins = [False] * len(tokens) if begins is None else begins
    for (start, end), label, begin in zip(tokens, labels, begins, strict=True):
        if label != OUTSIDE and label == previous and not begin:
            spans[-1] = (spans[-1][0], end, label)
        elif label != OUTSIDE:
            spans.append((start, end, label))
        previous = label
    return spans


class TokenScores(NamedTuple):
    """Per token of each text: the score of being inside a span, the span label if so, and
    (optionally) whether it begins a new span rather than continuing the previous token's."""

    scores: list[npt.NDArray[np.float64]]
    labels: list[list[str]]
    begins: list[list[bool]] | None = None


_THRESHOLDS = np.round(np.arange(0.02, 1.0, 0.02), 2)


def _best_threshold(
    oof: TokenScores, gold: list[list[str]], thresholds: npt.NDArray[np.float64] = _THRESHOLDS
) -> tuple[float, float]:
    """The threshold in ``thresholds`` with the highest token F1 (the lowest one among ties),
    and that F1."""
    scores = np.concatenate([*oof.scores, np.zeros(0)])
    predicted = np.asarray([label for labels in oof.labels for label in labels], dtype=object)
    truth = np.asarray([label for labels in gold for label in labels], dtype=object)
    n_gold = int((truth != OUTSIDE).sum())
    right_label = (predicted == truth) & (truth != OUTSIDE)
    f1 = [
        2 * int((right_label & (scores >= t)).sum()) / max(1, n_gold + int((scores >= t).sum()))
        for t in thresholds
    ]
    return float(thresholds[int(np.argmax(f1))]), max(f1)


class SpanTagger(BaseEstimator):  # type: ignore[misc]
    """The skeleton of a tagger: ``fit(texts, spans)`` and ``predict(texts)`` on lists, not arrays.

    Inputs are lists of texts and of span lists, not 2-D arrays, so of scikit-learn's estimator
    checks only the API ones apply (``clone``, ``get_params``/``set_params``, ``repr``, nothing set
    in ``__init__``); the tags say so.
    """

    def _check_fit_inputs(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> None:
        """Raise ``TypeError`` unless ``texts`` is a sequence of ``str``, and ``ValueError``
        unless ``spans`` holds one list of ``(start, end, label)`` per text within its bounds."""
        check_texts(texts)
        _check_gold_spans(texts, spans)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        return tags


class ThresholdTagger(SpanTagger):
    """A per-token scorer plus a decision threshold chosen by cross-validation on the training
    texts only; subclasses define ``_learn`` and ``_score``, and may define ``_targets`` (what
    ``_learn`` learns per token) and ``_settings`` (hyper-parameters tuned with the threshold)."""

    threshold: float | Literal["auto"]
    n_inner: int
    random_state: int

    def _auto_threshold(self) -> bool:
        """Whether ``threshold`` is ``"auto"``; ``ValueError`` unless it is that or in (0, 1]."""
        auto = isinstance(self.threshold, str) and self.threshold == "auto"
        if not auto and not (isinstance(self.threshold, (int, float)) and 0 < self.threshold <= 1):
            raise ValueError(f"threshold={self.threshold!r} must be 'auto' or a number in (0, 1], e.g. 0.5")
        return auto

    def _learn(self, texts: Sequence[str], gold: list[list[str]]) -> Any:
        raise NotImplementedError

    def _targets(self, text: str, spans: Sequence[Span]) -> list[str]:
        """What ``_learn`` is given per token of ``text``: by default its span label
        (``token_labels``)."""
        return token_labels(text, spans)

    def _score(self, model: Any, texts: Sequence[str]) -> TokenScores:
        raise NotImplementedError

    def _settings(self) -> list[dict[str, Any]]:
        """The hyper-parameter settings (``set_params`` keywords) to choose among with the
        threshold; by default one, the tagger's own parameters."""
        return [{}]

    def _out_of_fold(self, texts: Sequence[str], targets: list[list[str]],
                     setting: dict[str, Any]) -> TokenScores:
        """Token scores of ``texts`` by models learnt with ``setting`` on the other inner folds
        (``n_inner`` folds shuffled with ``random_state``; equal texts stay in one fold)."""
        distinct = {text: i for i, text in enumerate(dict.fromkeys(texts))}
        groups = np.asarray([distinct[text] for text in texts])
        folds = KFold(min(self.n_inner, len(distinct)), shuffle=True, random_state=self.random_state)
        scores: list[npt.NDArray[np.float64]] = [np.zeros(0)] * len(texts)
        labels: list[list[str]] = [[]] * len(texts)
        learner = clone(self).set_params(**setting)
        for train_groups, held_out_groups in folds.split(np.arange(len(distinct))):
            train = np.flatnonzero(np.isin(groups, train_groups))
            held_out = np.flatnonzero(np.isin(groups, held_out_groups))
            model = learner._learn([texts[i] for i in train], [targets[i] for i in train])
            scored = self._score(model, [texts[i] for i in held_out])
            for j, i in enumerate(held_out):
                scores[i], labels[i] = scored.scores[j], scored.labels[j]
        return TokenScores(scores, labels)

    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> ThresholdTagger:
        """Learn from texts and their gold spans, choosing the threshold first if ``"auto"``.

        With ``threshold="auto"`` (or several hyper-parameter settings, ``_settings``), each
        setting's models learnt on ``n_inner - 1`` inner folds of the training texts score the
        held-out fold's tokens (``_out_of_fold``), and the setting and threshold (a multiple of
        0.02, or the given one) that maximise token F1 over these out-of-fold scores are kept
        (the first setting and lowest threshold among ties). Then the model is learnt on all
        texts with that setting (``setting_``).

        Args:
            texts: The texts.
            spans: Gold spans, one list of ``(start, end, label)`` per text.

        Returns:
            The fitted tagger.

        Raises:
            TypeError: ``texts`` is not a sequence of ``str``.
            ValueError: ``spans`` is not aligned with ``texts`` or holds a malformed span, or
                ``threshold`` is neither ``"auto"`` nor a number in (0, 1].
        """
        self._check_fit_inputs(texts, spans)
        auto = self._auto_threshold()
        gold = [token_labels(text, spans_) for text, spans_ in zip(texts, spans, strict=True)]
        targets = [self._targets(text, spans_) for text, spans_ in zip(texts, spans, strict=True)]
        self.labels_ = sorted({label for labels in gold for label in labels} - {OUTSIDE})
        settings = self._settings()
        thresholds = _THRESHOLDS if auto else np.asarray([float(self.threshold)])
        self.setting_, self.threshold_ = settings[0], 0.5 if auto else float(self.threshold)
        if (auto or len(settings) > 1) and len(set(texts)) >= 2 and self.labels_:
            best_f1 = -1.0
            for setting in settings:
                threshold, f1 = _best_threshold(self._out_of_fold(texts, targets, setting), gold,
                                                thresholds)
                if f1 > best_f1:
                    best_f1, self.setting_, self.threshold_ = f1, setting, threshold
        self.model_ = clone(self).set_params(**self.setting_)._learn(texts, targets)
        return self

    def predict(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans per text: runs of tokens scored at or above ``threshold_``, as
        ``(start, end, label)``; consecutive tokens with the same label form one span unless the
        scorer says a token begins a new one (``TokenScores.begins``).

        Raises:
            sklearn.exceptions.NotFittedError: ``fit`` has not been called.
            TypeError: ``texts`` is not a sequence of ``str``.
        """
        check_is_fitted(self)
        check_texts(texts)
        scored = self._score(self.model_, texts)
        begins = scored.begins or [None] * len(texts)
        return [
            _spans_from_tokens(
                token_spans(text), np.where(scores >= self.threshold_, labels, OUTSIDE).tolist(),
                text_begins,
            )
            for text, scores, labels, text_begins in zip(
                texts, scored.scores, scored.labels, begins, strict=True
            )
        ]
