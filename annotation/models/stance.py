"""Stance classifiers: ``make_stance_classifier`` builds an unfitted scikit-learn ``Pipeline``.

A stance classifier reads a DataFrame with ``target`` and ``text`` columns (one row per sentence ×
target, as in the dataset's ``sentences`` config) and predicts stance label names. Every kind but
``majority`` sees the text and three target-aware features (see ``make_stance_classifier``). The
factory's keyword arguments are the pipeline's hyper-parameters (``C``, the n-gram ranges), with
the values the baselines were benchmarked with as defaults; after building, the same values are
reachable through ``set_params`` (``classifier__C``, ``features__text__ngram_range``,
``features__chars__ngram_range``), so ``GridSearchCV`` can tune them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from annotation.models.embeddings import SentenceEmbedding, check_kind

__all__ = ["StanceKind", "STANCE_KINDS", "make_stance_classifier"]

StanceKind = Literal["majority", "tfidf-lr", "tfidf-svm", "embedding-lr", "embedding-layers-lr"]
_WORD = re.compile(r"\w+")
_NgramRange = tuple[int, int]


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


def _words(ngram_range: _NgramRange) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=ngram_range, sublinear_tf=True)


def _chars(ngram_range: _NgramRange) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True, min_df=2)


def _majority(*, random_state: int) -> Pipeline:
    return Pipeline(
        [("majority", DummyClassifier(strategy="most_frequent", random_state=random_state))]
    )


def _tfidf_lr(*, random_state: int, C: float = 1.0, ngram_range: _NgramRange = (1, 2)) -> Pipeline:
    features = ColumnTransformer([("text", _words(ngram_range), "text"), *_target_features()])
    classifier = LogisticRegression(
        C=C, class_weight="balanced", max_iter=1000, random_state=random_state
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def _tfidf_svm(
    *,
    random_state: int,
    C: float = 0.1,
    ngram_range: _NgramRange = (1, 2),
    char_ngram_range: _NgramRange = (2, 5),
) -> Pipeline:
    features = ColumnTransformer(
        [
            ("text", _words(ngram_range), "text"),
            ("chars", _chars(char_ngram_range), "text"),
            *_target_features(),
        ]
    )
    classifier = LinearSVC(C=C, class_weight="balanced", random_state=random_state)
    return Pipeline([("features", features), ("classifier", classifier)])


def _embedding_lr(*, random_state: int, C: float = 1.0) -> Pipeline:
    features = ColumnTransformer([("embedding", SentenceEmbedding(), "text"), *_target_features()])
    classifier = LogisticRegression(
        C=C, class_weight="balanced", solver="newton-cg", max_iter=2000, random_state=random_state
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def _embedding_layers_lr(*, random_state: int, C: float = 0.003) -> Pipeline:
    embedding = make_pipeline(SentenceEmbedding(pooling="layers"), StandardScaler())
    features = ColumnTransformer([("embedding", embedding, "text"), *_target_features()])
    classifier = LogisticRegression(
        C=C, class_weight="balanced", solver="newton-cg", max_iter=2000, random_state=random_state
    )
    return Pipeline([("features", features), ("classifier", classifier)])


_STANCE_BUILDERS: dict[StanceKind, Callable[..., Pipeline]] = {
    "majority": _majority,
    "tfidf-lr": _tfidf_lr,
    "tfidf-svm": _tfidf_svm,
    "embedding-lr": _embedding_lr,
    "embedding-layers-lr": _embedding_layers_lr,
}
STANCE_KINDS: tuple[StanceKind, ...] = tuple(_STANCE_BUILDERS)
"""The stance classifiers ``make_stance_classifier`` builds, in the order reports list them."""


def make_stance_classifier(
    kind: StanceKind = "tfidf-lr", *, random_state: int = 0, **params: Any
) -> Pipeline:
    """Build an unfitted stance classifier.

    ``fit(X, y)`` takes a DataFrame with ``text`` and ``target`` columns and string labels;
    ``predict(X)`` returns the labels. Every kind but ``majority`` sees the text and three
    target-aware features: a one-hot of the target, TF-IDF of ``target=word`` pairs (the same
    word may weigh differently per target), and the share of the target's words that occur in
    the text (most ``unrelated`` sentences never name it). With one constant target, as for a
    text-only task such as BABE's bias labels, these add nothing but a copy of the word unigrams.

    - ``majority`` always predicts the most frequent training label; no parameters.
    - ``tfidf-lr``: logistic regression (``class_weight="balanced"``; ``C=1.0``) on word
      TF-IDF (``ngram_range=(1, 2)``).
    - ``tfidf-svm``: linear SVM (balanced; ``C=0.1``) on word TF-IDF (``ngram_range=(1, 2)``)
      and character TF-IDF within words (``char_ngram_range=(2, 5)``, ``min_df=2``).
    - ``embedding-lr``: logistic regression (balanced; ``C=1.0``) on the MiniLM sentence vector.
    - ``embedding-layers-lr``: logistic regression (balanced; ``C=0.003``) on the standardised
      means of all 6 MiniLM layers (``SentenceEmbedding(pooling="layers")``). The strong
      regularisation that suits these 2,304 dimensions also mutes the target features.

    The ``embedding-*`` kinds need the ``embedding`` extra. The default values of ``C`` were
    chosen by 10-fold article-grouped cross-validation on BABE (``bench/baselines.py``).

    Args:
        kind: Which classifier, one of ``STANCE_KINDS``.
        random_state: Seed passed to the estimators that take one.
        **params: The kind's hyper-parameters listed above (``C``: inverse regularisation
            strength of the classifier; ``ngram_range``, ``char_ngram_range``: ``(min_n, max_n)``
            of the word and character n-grams); the ones not given keep the defaults above.
            In the returned pipeline they are ``classifier__C``, ``features__text__ngram_range``
            and ``features__chars__ngram_range``, for ``set_params`` and ``GridSearchCV``.

    Returns:
        A scikit-learn ``Pipeline``.

    Raises:
        ValueError: ``kind`` is not one of ``STANCE_KINDS``.
        TypeError: A parameter is not one of ``kind``'s.
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
        >>> make_stance_classifier("tfidf-svm", C=1.0).get_params()["classifier__C"]
        1.0
        >>> make_stance_classifier("svm")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: kind='svm' is not one of 'majority', 'tfidf-lr', 'tfidf-svm', ...
        >>> make_stance_classifier("majority", C=1.0)
        Traceback (most recent call last):
        ...
        TypeError: kind='majority' has no parameter C; its parameters: none
    """
    check_kind(kind, STANCE_KINDS)
    build = _STANCE_BUILDERS[kind]
    allowed = [name for name in inspect.signature(build).parameters if name != "random_state"]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(
            f"kind={kind!r} has no parameter {', '.join(unknown)}; its parameters: "
            f"{', '.join(allowed) or 'none'}"
        )
    return build(random_state=random_state, **params)

