"""A linear-chain CRF loaded-language tagger (``CrfTagger``, the ``crf`` kind).

The CRF (CRFsuite through ``sklearn-crfsuite``; Lafferty et al. 2001, Okazaki 2007) labels each
``annotation.spans`` token with ``B-<label>``, ``I-<label>`` or ``O`` from lexical, shape, lemma,
lexicon and neighbour features (``token_features``). Like the logistic-regression tagger it is a
``ThresholdTagger``: a token's score is its marginal probability of being inside a span
(``1 - P(O)``), its label the span label with the largest ``B`` + ``I`` marginal, and the decision
threshold, with the regularisation ``c1``/``c2``, is chosen by cross-validation on the training
texts only (``ThresholdTagger.fit``). It learns from BIO tags of the gold spans (``bio_tags``),
and a token whose ``B`` marginal is at least its ``I`` marginal begins a new span, so the CRF can
predict adjacent spans (BABE marks each biased word on its own, which run-merging taggers join).

The ``embedding-crf`` kind adds each token's frozen MiniLM vector (``embeddings=True``) and fixes
``c1=0, c2=1`` (CRFsuite's defaults) instead of the inner grid, which would train four times as
many CRFs on 384 dense features per token (one such CRF takes about a minute and a half on 2,900
BABE sentences on two shared cores).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from sklearn_crfsuite import CRF

from annotation.lexicon import Lexicon, find_loaded_spans
from annotation.models.embeddings import embed_tokens
from annotation.models.metrics import Span
from annotation.models.tagging import OUTSIDE, ThresholdTagger, TokenScores, check_lexicon, first_spans, word_shape
from annotation.spans import token_spans

__all__ = ["CrfTagger", "CRF_GRID", "token_features", "bio_tags"]

CRF_GRID: tuple[tuple[float, float], ...] = ((0.0, 0.1), (0.0, 1.0), (0.1, 0.1), (0.1, 1.0))
"""The ``(c1, c2)`` settings ``CrfTagger`` chooses among when ``c1`` and ``c2`` are ``None``."""


@lru_cache(maxsize=65536)
def _lemmas(word: str) -> tuple[str, ...]:
    """The lemmas LemmInflect gives a lower-case word, any part of speech (the word if none)."""
    from lemminflect import getAllLemmas  # loads its tables on first use

    found = {lemma for lemmas in getAllLemmas(word).values() for lemma in lemmas}
    return tuple(sorted(found)) or (word,)


@lru_cache(maxsize=4)
def _vector_keys(dimension: int) -> tuple[str, ...]:
    """The feature names of a token vector's components: ``v0``, ``v1``, ..."""
    return tuple(f"v{k}" for k in range(dimension))


def _own_features(word: str, lexicon_tag: str) -> dict[str, Any]:
    low = word.lower()
    features: dict[str, Any] = {
        "w": low,
        "pre2": low[:2],
        "pre3": low[:3],
        "suf2": low[-2:],
        "suf3": low[-3:],
        "shape": word_shape(word),
        "title": word.istitle(),
        "upper": word.isupper(),
        "digit": word.isdigit(),
        "alpha": word.isalpha(),
        "long": len(word) >= 8,
        "lex": lexicon_tag,
    }
    for lemma in _lemmas(low):
        features[f"lemma={lemma}"] = 1.0
    return features


def token_features(
    text: str, lexicon: Lexicon | None = None, *, window: int = 2
) -> list[dict[str, Any]]:
    """CRF features of each ``annotation.spans`` token of ``text``.

    A token's own features: the lower-cased word, its 2- and 3-character prefixes and suffixes,
    its shape, whether it is title case, upper case, digits or letters, long (8+ code points), its
    LemmInflect lemmas, and its lexicon tag: ``B-<label>``/``I-<label>`` when it lies in a match of
    ``annotation.lexicon.find_loaded_spans`` (phrases and inflections included), else ``O``. The
    word, lemmas and lexicon tag of each neighbour up to ``window`` tokens away are added with
    their offset (``-1:w`` ...), and ``BOS``/``EOS`` mark the first and last token.

    Examples:
        >>> features = token_features("They freed him.", Lexicon("v", {"loaded-positive": ("free",)}))
        >>> features[1]["w"], features[1]["lex"], features[1]["lemma=free"], features[0]["+1:lex"]
        ('freed', 'B-loaded-positive', 1.0, 'B-loaded-positive')
        >>> features[0]["BOS"], "EOS" in features[0], features[3]["-2:w"]
        (True, False, 'freed')
    """
    tokens = token_spans(text)
    words = [text[start:end] for start, end in tokens]
    tags = bio_tags(text, [] if lexicon is None else find_loaded_spans(text, lexicon))  # matches never overlap
    own = [_own_features(word, tag) for word, tag in zip(words, tags, strict=True)]
    features = []
    for i, mine in enumerate(own):
        feature = dict(mine)
        for offset in [o for k in range(1, window + 1) for o in (-k, k)]:
            j = i + offset
            if 0 <= j < len(own):
                prefix = f"{offset:+d}:"
                feature[prefix + "w"] = own[j]["w"]
                feature[prefix + "lex"] = own[j]["lex"]
                for key in own[j]:
                    if key.startswith("lemma="):
                        feature[prefix + key] = 1.0
        if i == 0:
            feature["BOS"] = True
        if i == len(own) - 1:
            feature["EOS"] = True
        features.append(feature)
    return features


def bio_tags(text: str, spans: Sequence[Span]) -> list[str]:
    """One BIO tag per ``annotation.spans`` token of ``text``: ``B-<label>`` on the first token of
    a span, ``I-<label>`` on the others, ``O`` outside; a token in two spans takes the first.

    Examples:
        >>> bio_tags("They told wild lies.", [(10, 14, "x"), (15, 19, "x")])
        ['O', 'O', 'B-x', 'B-x', 'O']
        >>> bio_tags("a reign of terror", [(2, 17, "x")])
        ['O', 'B-x', 'I-x', 'I-x']
    """
    tags, previous = [], None
    for hit in first_spans(token_spans(text), spans):
        tags.append(OUTSIDE if hit is None else f"{'I' if hit == previous else 'B'}-{hit[2]}")
        previous = hit
    return tags


class CrfTagger(ThresholdTagger):
    """Tag loaded language with a linear-chain CRF over ``token_features``.

    Args:
        embeddings: Add each token's frozen MiniLM contextual vector (``embed_tokens``, 384
            real-valued features; needs the ``embedding`` extra) to its features.
        lexicon: The lexicon of the ``lex`` features (``annotation.lexicon.load_lexicon()`` for
            the default one); ``None`` leaves them out.
        c1: L1 regularisation of the CRF, or ``None`` to choose ``(c1, c2)`` from ``CRF_GRID``
            with the threshold by inner cross-validation (both or neither must be ``None``).
        c2: L2 regularisation of the CRF.
        window: How many neighbours on each side add their features to a token's.
        threshold: The decision threshold, or ``"auto"`` to choose it in ``fit`` by inner
            cross-validation on the training texts (see ``ThresholdTagger.fit``).
        n_inner: The number of inner folds.
        max_iterations: L-BFGS iterations of CRFsuite's training.
        random_state: Seed of the inner folds' shuffle.

    Attributes:
        labels_: The span labels seen in training, sorted.
        threshold_: The decision threshold used by ``predict``.
        setting_: The ``{"c1": ..., "c2": ...}`` the final CRF was trained with (``{}`` when
            both were given).
        model_: The fitted ``sklearn_crfsuite.CRF``, or ``None`` when training had no span.

    Examples:
        >>> texts = ["The regime fell.", "A regime rose.", "The town fell.", "A town rose."]
        >>> spans = [[(4, 10, "loaded-negative")], [(2, 8, "loaded-negative")], [], []]
        >>> tagger = CrfTagger(c1=0.0, c2=0.01, threshold=0.5).fit(texts, spans)
        >>> text = "🙂 Déjà, the regime rose."
        >>> tagger.predict([text, "The town rose."]), text[12:18]
        ([[(12, 18, 'loaded-negative')], []], 'regime')
    """

    def __init__(
        self,
        *,
        embeddings: bool = False,
        lexicon: Lexicon | None = None,
        c1: float | None = None,
        c2: float | None = None,
        window: int = 2,
        threshold: float | Literal["auto"] = "auto",
        n_inner: int = 3,
        max_iterations: int = 100,
        random_state: int = 0,
    ) -> None:
        self.embeddings = embeddings
        self.lexicon = lexicon
        self.c1 = c1
        self.c2 = c2
        self.window = window
        self.threshold = threshold
        self.n_inner = n_inner
        self.max_iterations = max_iterations
        self.random_state = random_state

    def _check_fit_inputs(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> None:
        """Also raise ``TypeError`` for a bad ``lexicon`` and ``ValueError`` when only one of
        ``c1`` and ``c2`` is ``None``."""
        check_lexicon(self.lexicon, optional=True)
        if (self.c1 is None) != (self.c2 is None):
            raise ValueError(
                f"c1={self.c1!r}, c2={self.c2!r}: give both, or neither (None) to tune them"
            )
        super()._check_fit_inputs(texts, spans)

    def _settings(self) -> list[dict[str, Any]]:
        if self.c1 is None:
            return [{"c1": c1, "c2": c2} for c1, c2 in CRF_GRID]
        return [{}]

    def _features(self, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
        features = [token_features(text, self.lexicon, window=self.window) for text in texts]
        if self.embeddings:
            for text_features, vectors in zip(features, embed_tokens(texts), strict=True):
                for feature, vector in zip(text_features, vectors.tolist(), strict=True):
                    feature.update(zip(_vector_keys(len(vector)), vector))
        return features

    def _targets(self, text: str, spans: Sequence[Span]) -> list[str]:
        return bio_tags(text, spans)

    def _learn(self, texts: Sequence[str], gold: list[list[str]]) -> CRF | None:
        if not any(tag != OUTSIDE for tags in gold for tag in tags):
            return None
        crf = CRF(algorithm="lbfgs", c1=self.c1, c2=self.c2, max_iterations=self.max_iterations,
                  all_possible_transitions=True)
        return crf.fit(self._features(texts), gold)

    def _score(self, model: CRF | None, texts: Sequence[str]) -> TokenScores:
        sizes = [len(token_spans(text)) for text in texts]
        if model is None:
            return TokenScores([np.zeros(n) for n in sizes], [[OUTSIDE] * n for n in sizes])
        span_labels = sorted({tag[2:] for tag in model.classes_ if tag != OUTSIDE})
        scores, labels, begins = [], [], []
        for marginals in model.predict_marginals(self._features(texts)):
            inside = [
                {label: m.get(f"B-{label}", 0.0) + m.get(f"I-{label}", 0.0) for label in span_labels}
                for m in marginals
            ]
            best = [max(span_labels, key=p.__getitem__) for p in inside]
            scores.append(np.asarray([1.0 - m.get(OUTSIDE, 0.0) for m in marginals]))
            labels.append(best)
            begins.append([m.get(f"B-{b}", 0.0) >= m.get(f"I-{b}", 0.0)
                           for m, b in zip(marginals, best, strict=True)])
        return TokenScores(scores, labels, begins)
