"""Loaded-language taggers and their factory ``make_loaded_language_tagger``.

Three taggers: ``LexiconTagger`` (lookup in a lexicon), ``MarkedRateTagger`` (a lexicon learnt
from the training spans) and ``TokenTagger`` (a token-level logistic regression); the factory also
builds ``annotation.models.crf.CrfTagger`` (a linear-chain CRF). The lexicon is
an estimator parameter: ``__init__`` stores it and ``fit`` validates it; no tagger reads a file.
The factory passes the lexicon it is given (the campaign's) or the default one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from annotation.lexicon import Lexicon, find_loaded_spans, load_lexicon
from annotation.models.crf import CrfTagger
from annotation.models.embeddings import check_kind, embed_tokens
from annotation.models.finetuned_tagger import FineTunedTokenTagger
from annotation.models.metrics import Span
from annotation.models.tagging import (
    OUTSIDE,
    SpanTagger,
    ThresholdTagger,
    TokenScores,
    check_lexicon,
    check_texts,
    word_shape,
)
from annotation.spans import token_spans

__all__ = [
    "TaggerKind",
    "TAGGER_KINDS",
    "FINETUNED_TAGGER_KINDS",
    "LexiconTagger",
    "MarkedRateTagger",
    "TokenTagger",
    "make_loaded_language_tagger",
]

TaggerKind = Literal[
    "lexicon", "marked-rate", "token-lr", "embedding-token-lr", "crf", "embedding-crf", "finetuned-minilm"
]
TAGGER_KINDS: tuple[TaggerKind, ...] = (
    "lexicon", "marked-rate", "token-lr", "embedding-token-lr", "crf", "embedding-crf"
)
"""The loaded-language taggers evaluated by default (``evaluate_baselines``, ``annotation baselines``)."""
FINETUNED_TAGGER_KINDS: tuple[TaggerKind, ...] = ("finetuned-minilm",)
"""The taggers that fine-tune the MiniLM encoder, which ``make_loaded_language_tagger`` and
``evaluate_baselines`` build only when named: on BABE one fit takes minutes on a CPU."""

_LARGE = 20_000  # training tokens from which TokenTagger's regression switches to lbfgs


class LexiconTagger(SpanTagger):
    """Tag loaded language by whole-word lexicon lookup (``annotation.lexicon.find_loaded_spans``).

    Learns nothing: ``fit`` validates its inputs and the lexicon, so the tagger has the same
    interface as trained taggers.

    Args:
        lexicon: The lexicon (``annotation.lexicon.load_lexicon()`` for the default one); it is
            a parameter so that ``fit`` reads no file, and ``None`` only lets the tagger be built
            without one (``fit`` then raises).

    Attributes:
        lexicon_: The lexicon used by ``predict``.
        labels_: The span labels it can predict, in lexicon order.

    Examples:
        >>> from annotation.lexicon import load_lexicon
        >>> tagger = LexiconTagger(lexicon=load_lexicon())
        >>> tagger = tagger.fit(["The regime fell."], [[(4, 10, "loaded-negative")]])
        >>> tagger.predict(["Rebels freed the town."])
        [[(7, 12, 'loaded-positive')]]
    """

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon

    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> LexiconTagger:
        """Validate the training data and the lexicon.

        Args:
            texts: The texts.
            spans: Gold spans, one list of ``(start, end, label)`` per text.

        Returns:
            The fitted tagger.

        Raises:
            TypeError: ``texts`` is not a sequence of ``str``, or ``lexicon`` is not a
                ``Lexicon``.
            ValueError: ``spans`` is not aligned with ``texts`` or holds a malformed span.
        """
        check_lexicon(self.lexicon, optional=False)
        self._check_fit_inputs(texts, spans)
        self.lexicon_ = self.lexicon
        self.labels_ = list(self.lexicon_.entries)
        return self

    def predict(self, texts: Sequence[str]) -> list[list[Span]]:
        """Lexicon matches per text as ``(start, end, label)``, in text order.

        Raises:
            sklearn.exceptions.NotFittedError: ``fit`` has not been called.
            TypeError: ``texts`` is not a sequence of ``str``.
        """
        check_is_fitted(self)
        check_texts(texts)
        return [find_loaded_spans(text, self.lexicon_) for text in texts]


def _lower_words(text: str) -> list[str]:
    return [text[start:end].lower() for start, end in token_spans(text)]


class MarkedRateTagger(ThresholdTagger):
    """Tag the words that annotators marked often: a lexicon learnt from the training spans.

    A word's score is its marked rate ``marked / (occurrences + smoothing)`` over the training
    texts (lower-cased ``annotation.spans`` tokens; a token is marked when a gold span overlaps
    it), and its label the one it was marked with most often (ties: the first in sorted order).
    Words never seen in training score 0. ``predict`` tags every token whose word scores at
    least ``threshold_``. Smoothing keeps a word seen once and marked once from scoring 1.

    Args:
        threshold: The decision threshold, or ``"auto"`` to choose it in ``fit`` by inner
            cross-validation on the training texts (see ``fit``).
        smoothing: Added to each word's occurrence count.
        n_inner: The number of inner folds for ``threshold="auto"``.
        random_state: Seed of the inner folds' shuffle.

    Attributes:
        labels_: The span labels seen in training, sorted.
        threshold_: The decision threshold used by ``predict``.
        model_: Lower-cased word → ``(marked rate, label)``.

    Examples:
        >>> texts = ["A bizarre claim.", "A bizarre move.", "A plain claim.", "A plain move."]
        >>> spans = [[(2, 9, "biased")], [(2, 9, "biased")], [], []]
        >>> tagger = MarkedRateTagger(threshold=0.5).fit(texts, spans)
        >>> tagger.model_["bizarre"], tagger.predict(["Bizarre, truly bizarre."])
        ((0.6666666666666666, 'biased'), [[(0, 7, 'biased'), (15, 22, 'biased')]])
    """

    def __init__(
        self,
        *,
        threshold: float | Literal["auto"] = "auto",
        smoothing: float = 1.0,
        n_inner: int = 3,
        random_state: int = 0,
    ) -> None:
        self.threshold = threshold
        self.smoothing = smoothing
        self.n_inner = n_inner
        self.random_state = random_state

    def _learn(self, texts: Sequence[str], gold: list[list[str]]) -> dict[str, tuple[float, str]]:
        seen: dict[str, int] = {}
        marked: dict[str, dict[str, int]] = {}
        for text, labels in zip(texts, gold, strict=True):
            for word, label in zip(_lower_words(text), labels, strict=True):
                seen[word] = seen.get(word, 0) + 1
                if label != OUTSIDE:
                    counts = marked.setdefault(word, {})
                    counts[label] = counts.get(label, 0) + 1
        return {
            word: (sum(counts.values()) / (seen[word] + self.smoothing),
                   min(counts, key=lambda label: (-counts[label], label)))
            for word, counts in marked.items()
        }

    def _score(self, model: dict[str, tuple[float, str]], texts: Sequence[str]) -> TokenScores:
        scores, labels = [], []
        for text in texts:
            hits = [model.get(word, (0.0, OUTSIDE)) for word in _lower_words(text)]
            scores.append(np.asarray([rate for rate, _ in hits], dtype=np.float64))
            labels.append([label for _, label in hits])
        return TokenScores(scores, labels)


def _token_features(text: str, label_of: Mapping[str, str]) -> list[dict[str, float]]:
    """Hand-made features of each token: the word, its affixes and shape, its neighbours, where it
    is, and its lexicon label."""
    words = [text[start:end] for start, end in token_spans(text)]
    lower = [word.lower() for word in words]
    features = []
    for i, word in enumerate(words):
        low = lower[i]
        feature = {
            "bias": 1.0,
            f"w={low}": 1.0,
            f"pre3={low[:3]}": 1.0,
            f"suf3={low[-3:]}": 1.0,
            f"suf2={low[-2:]}": 1.0,
            f"shape={word_shape(word)}": 1.0,
            f"prev={lower[i - 1] if i else '<s>'}": 1.0,
            f"next={lower[i + 1] if i + 1 < len(words) else '</s>'}": 1.0,
            "title": float(word.istitle() and i > 0),
            "long": float(len(word) >= 8),
            "position": i / max(1, len(words) - 1),
        }
        if low in label_of:
            feature[f"lexicon={label_of[low]}"] = 1.0
        features.append(feature)
    return features


class TokenTagger(ThresholdTagger):
    """Tag loaded language token by token with a logistic regression.

    Each ``annotation.spans`` token is classified as outside any span or as one span label,
    from hand-made features (the lower-cased word, its 3-character prefix and 2- and
    3-character suffixes, its shape, the previous and next words, title case, length, relative
    position, and its label in ``lexicon``) and, with ``embeddings=True``, its frozen MiniLM
    contextual vector (the mean over its word pieces; needs the ``embedding`` extra). A token's
    score is ``1 - P(outside)`` and its label the most probable span label; ``predict`` tags the
    tokens scoring at least ``threshold_``.

    Args:
        embeddings: Add the MiniLM token vectors to the features.
        lexicon: The lexicon of the ``lexicon=`` feature (``annotation.lexicon.load_lexicon()``
            for the default one); ``None`` leaves that feature out.
        C: Inverse regularisation strength of the logistic regression.
        threshold: The decision threshold, or ``"auto"`` to choose it in ``fit`` by inner
            cross-validation on the training texts (see ``fit``).
        n_inner: The number of inner folds for ``threshold="auto"``.
        random_state: Seed of the inner folds' shuffle and of the regression.

    Attributes:
        labels_: The span labels seen in training, sorted.
        threshold_: The decision threshold used by ``predict``.
        model_: ``(label_of, DictVectorizer, LogisticRegression)``, where ``label_of`` maps a
            lower-cased lexicon entry to its label, or ``None`` when training had no span.

    Examples:
        >>> texts = ["The regime fell.", "A regime rose.", "The town fell.", "A town rose."]
        >>> spans = [[(4, 10, "loaded-negative")], [(2, 8, "loaded-negative")], [], []]
        >>> tagger = TokenTagger(threshold=0.5).fit(texts, spans)
        >>> tagger.predict(["The regime rose."])
        [[(4, 10, 'loaded-negative')]]
    """

    def __init__(
        self,
        *,
        embeddings: bool = False,
        lexicon: Lexicon | None = None,
        C: float = 1.0,
        threshold: float | Literal["auto"] = "auto",
        n_inner: int = 3,
        random_state: int = 0,
    ) -> None:
        self.embeddings = embeddings
        self.lexicon = lexicon
        self.C = C
        self.threshold = threshold
        self.n_inner = n_inner
        self.random_state = random_state

    def _check_fit_inputs(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> None:
        """Also raise ``TypeError`` when ``lexicon`` is neither a ``Lexicon`` nor ``None``."""
        check_lexicon(self.lexicon, optional=True)
        super()._check_fit_inputs(texts, spans)

    def _matrix(self, texts: Sequence[str], label_of: Mapping[str, str], vectorizer: DictVectorizer,
                fit: bool) -> sparse.csr_matrix:
        rows = [row for text in texts for row in _token_features(text, label_of)]
        matrix = vectorizer.fit_transform(rows) if fit else vectorizer.transform(rows)
        if self.embeddings:
            dense = np.concatenate(embed_tokens(texts))  # texts is never empty here
            matrix = sparse.hstack([matrix, sparse.csr_matrix(dense)])
        return sparse.csr_matrix(matrix)

    def _learn(self, texts: Sequence[str], gold: list[list[str]]) -> Any:
        label_of = {} if self.lexicon is None else dict(self.lexicon.label_of)
        y = np.asarray([label for labels in gold for label in labels], dtype=object)
        if not (y != OUTSIDE).any():
            return None
        vectorizer = DictVectorizer()
        X = self._matrix(texts, label_of, vectorizer, fit=True)
        # SciPy's L-BFGS-B costs about 10 ms per iteration whatever the size, which dominates on
        # small training sets; newton-cg is faster there and much slower on large sparse ones.
        solver = "newton-cg" if X.shape[0] < _LARGE else "lbfgs"
        classifier = LogisticRegression(
            C=self.C, solver=solver, max_iter=2000, random_state=self.random_state
        )
        return label_of, vectorizer, classifier.fit(X, y)

    def _score(self, model: Any, texts: Sequence[str]) -> TokenScores:
        sizes = [len(token_spans(text)) for text in texts]
        if model is None or not sum(sizes):
            return TokenScores([np.zeros(n) for n in sizes], [[OUTSIDE] * n for n in sizes])
        label_of, vectorizer, classifier = model
        X = self._matrix(texts, label_of, vectorizer, fit=False)
        proba = classifier.predict_proba(X)
        classes = list(classifier.classes_)
        outside = classes.index(OUTSIDE)
        inside = proba.copy()
        inside[:, outside] = -1.0
        best = np.asarray(classes, dtype=object)[inside.argmax(axis=1)]
        bounds = np.cumsum([0, *sizes])
        return TokenScores(
            [1.0 - proba[a:b, outside] for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
            [list(best[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
        )


def make_loaded_language_tagger(
    kind: TaggerKind = "lexicon", *, lexicon: Lexicon | None = None, random_state: int = 0
) -> LexiconTagger | MarkedRateTagger | TokenTagger | CrfTagger | FineTunedTokenTagger:
    """Build an unfitted loaded-language tagger: ``fit(texts, spans)``, ``predict(texts)``.

    - ``lexicon``: whole-word lookup in ``lexicon`` (``LexiconTagger``); learns nothing.
    - ``marked-rate``: a lexicon learnt from the training spans, the words whose marked rate
      reaches a threshold tuned on the training texts (``MarkedRateTagger``).
    - ``token-lr``: logistic regression over hand-made token features (``TokenTagger``), with
      a threshold tuned on the training texts.
    - ``embedding-token-lr``: the same plus frozen MiniLM token vectors (``embedding`` extra).
    - ``crf``: a linear-chain CRF over lexical, shape, lemma, lexicon and neighbour features
      (``annotation.models.crf.CrfTagger``), its regularisation and threshold tuned on the
      training texts.
    - ``embedding-crf``: the same plus frozen MiniLM token vectors (``embedding`` extra).
    - ``finetuned-minilm``: MiniLM fine-tuned as a token classifier, its threshold chosen on a
      held-out share of the training texts (``annotation.models.finetuned_tagger``; ``embedding``
      extra; minutes per fit on a CPU, so built only when named).

    Args:
        kind: Which tagger, one of ``TAGGER_KINDS`` or ``FINETUNED_TAGGER_KINDS``.
        lexicon: For every kind but ``marked-rate``: the lexicon (the campaign's); ``None`` reads the default one (``annotation.lexicon.load_lexicon()``)
            here, so the tagger's ``fit`` reads no file.
        random_state: Seed of the learnt taggers' inner folds and regression.

    Returns:
        The tagger; ``predict`` returns one list of ``(start, end, label)`` character spans
        per text.

    Raises:
        ValueError: ``kind`` is not one of ``TAGGER_KINDS`` or ``FINETUNED_TAGGER_KINDS``.
        ImportError: ``kind`` needs the ``embedding`` extra, which is not installed.
        annotation.lexicon.LexiconError: ``lexicon`` is ``None`` and the default lexicon cannot
            be read.

    Examples:
        >>> tagger = make_loaded_language_tagger().fit(["No loaded words."], [[]])
        >>> tagger.predict(["The regime freed nobody."])
        [[(4, 10, 'loaded-negative'), (11, 16, 'loaded-positive')]]
    """
    check_kind(kind, (*TAGGER_KINDS, *FINETUNED_TAGGER_KINDS))
    if kind == "marked-rate":
        return MarkedRateTagger(random_state=random_state)
    if kind == "finetuned-minilm":
        return FineTunedTokenTagger(random_state=random_state)
    lexicon = load_lexicon() if lexicon is None else lexicon
    if kind == "lexicon":
        return LexiconTagger(lexicon=lexicon)
    if kind == "crf":
        return CrfTagger(lexicon=lexicon, random_state=random_state)
    if kind == "embedding-crf":  # CRFsuite's default c1, c2: the inner grid would cost 4 times as much
        return CrfTagger(embeddings=True, lexicon=lexicon, c1=0.0, c2=1.0, random_state=random_state)
    return TokenTagger(
        embeddings=kind == "embedding-token-lr", lexicon=lexicon, random_state=random_state
    )

