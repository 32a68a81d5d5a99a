"""Stance classifiers: ``make_stance_classifier`` builds an unfitted scikit-learn classifier.

A stance classifier reads a DataFrame with ``target`` and ``text`` columns (one row per sentence ×
target, as in the dataset's ``sentences`` config) and predicts stance label names. The
``tfidf-lr``, ``tfidf-svm`` and ``embedding-*`` kinds are one ``Pipeline`` that sees the text and
three target-aware features (see ``make_stance_classifier``); ``tfidf-svm-per-target`` is the
SemEval-2016 Task 6 baseline, one model per target (``annotation.models.per_target``); the
``*-tuned`` kinds choose their hyper-parameters by article-grouped cross-validation inside the
training rows (``annotation.models.tuning``); ``finetuned-minilm`` fine-tunes the MiniLM encoder
itself (``annotation.models.finetuned``), and ``finetuned-minilm-ensemble`` averages several such
fits. The factory's keyword arguments are the
hyper-parameters (``C``, the n-gram ranges), with the values the baselines were benchmarked with
as defaults; after building, the same values are reachable through ``set_params``
(``classifier__C``, ``features__text__ngram_range``, ``features__chars__ngram_range``, behind
``estimator__`` for a wrapped kind), so ``GridSearchCV`` can tune them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from annotation.models.embeddings import SentenceEmbedding, check_kind
from annotation.models.finetuned import FineTunedMiniLM
from annotation.models.per_target import PerTargetClassifier
from annotation.models.tuning import GroupedGridSearch

__all__ = [
    "StanceKind",
    "STANCE_KINDS",
    "TUNED_STANCE_KINDS",
    "FINETUNED_STANCE_KINDS",
    "STANCE_GRIDS",
    "SeedEnsemble",
    "make_stance_classifier",
]

StanceKind = Literal[
    "majority",
    "tfidf-lr",
    "tfidf-svm",
    "tfidf-svm-per-target",
    "embedding-lr",
    "embedding-layers-lr",
    "tfidf-lr-tuned",
    "tfidf-svm-tuned",
    "tfidf-svm-per-target-tuned",
    "finetuned-minilm",
    "finetuned-minilm-ensemble",
]
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


def _tfidf_svm_per_target(
    *,
    random_state: int,
    C: float = 0.1,
    ngram_range: _NgramRange = (1, 3),
    char_ngram_range: _NgramRange = (2, 5),
    min_rows: int = 100,
) -> PerTargetClassifier:
    features = ColumnTransformer(
        [("text", _words(ngram_range), "text"), ("chars", _chars(char_ngram_range), "text")]
    )
    classifier = LinearSVC(C=C, class_weight="balanced", random_state=random_state)
    recipe = Pipeline([("features", features), ("classifier", classifier)])
    return PerTargetClassifier(recipe, min_rows=min_rows)


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


_STANCE_BUILDERS: dict[StanceKind, Callable[..., BaseEstimator]] = {
    "majority": _majority,
    "tfidf-lr": _tfidf_lr,
    "tfidf-svm": _tfidf_svm,
    "tfidf-svm-per-target": _tfidf_svm_per_target,
    "embedding-lr": _embedding_lr,
    "embedding-layers-lr": _embedding_layers_lr,
}


class SeedEnsemble(VotingClassifier):  # type: ignore[misc]
    """scikit-learn's ``VotingClassifier``, whose members also learn from ``X``'s ``stance_votes``.

    ``VotingClassifier.fit`` fits the members on the labels' codes (0, 1, ... in sorted label
    order, its ``LabelEncoder``), so the members would find none of their votes' labels; ``fit``
    renames each ``stance_votes`` mapping's labels to the same codes first (``None`` stays).
    """

    def fit(self, X: Any, y: Any, **fit_params: Any) -> SeedEnsemble:
        if isinstance(X, pd.DataFrame) and "stance_votes" in X.columns:
            code = {label: i for i, label in enumerate(np.unique(np.asarray(y)))}
            X = X.assign(stance_votes=[
                {code[label]: n for label, n in cell.items() if label in code} if isinstance(cell, Mapping) else cell
                for cell in X["stance_votes"]
            ])
        super().fit(X, y, **fit_params)
        return self


def _finetuned_minilm_ensemble(*, random_state: int, n_seeds: int = 2, **params: Any) -> SeedEnsemble:
    members = [(f"member{i}", FineTunedMiniLM(random_state=random_state + i, **params)) for i in range(n_seeds)]
    return SeedEnsemble(members, voting="soft")


_FINETUNED_BUILDERS: dict[StanceKind, Callable[..., BaseEstimator]] = {
    "finetuned-minilm": FineTunedMiniLM,
    "finetuned-minilm-ensemble": _finetuned_minilm_ensemble,
}
_C_GRID = [0.03, 0.1, 0.3, 1.0]
STANCE_GRIDS: dict[StanceKind, dict[str, list[Any]]] = {
    "tfidf-lr-tuned": {"classifier__C": [0.3, 1.0, 3.0, 10.0]},
    "tfidf-svm-tuned": {"classifier__C": _C_GRID},
    "tfidf-svm-per-target-tuned": {"estimator__classifier__C": _C_GRID},
}
"""The default ``grid`` of each ``*-tuned`` kind: ``{parameter: candidates}`` of the untuned kind's
model, in ``set_params`` names. Each candidate costs one fit per inner fold, so the grids hold
only ``C``, from a third to ten times the untuned kind's default (the value 10-fold grouped
cross-validation on BABE chose, ``bench/baselines.py``); n-gram ranges cost as much per candidate
and can be added through ``grid``."""
STANCE_KINDS: tuple[StanceKind, ...] = tuple(_STANCE_BUILDERS)
"""The stance classifiers evaluated by default (``evaluate_baselines``, ``annotation baselines``),
in the order reports list them. The tuned kinds are not among them: asked for by name, they fit
``len(grid) × n_splits + 1`` models where their untuned kind fits one: ``evaluate_baselines`` on
24 rows (12 sentences × 2 targets, the demo's size; grouped 5-fold) took 1.5 to 7.6 s per tuned
kind instead of 0.1 to 0.3 s per untuned one."""
TUNED_STANCE_KINDS: tuple[StanceKind, ...] = tuple(STANCE_GRIDS)
"""The ``*-tuned`` stance classifiers, which ``make_stance_classifier`` and
``evaluate_baselines`` build only when named (see ``STANCE_KINDS``)."""
FINETUNED_STANCE_KINDS: tuple[StanceKind, ...] = tuple(_FINETUNED_BUILDERS)
"""The stance classifiers that fine-tune the MiniLM encoder, which ``make_stance_classifier`` and
``evaluate_baselines`` also build only when named: on BABE one fit of ``finetuned-minilm`` takes
minutes on a CPU (``annotation.models.finetuned``), and ``finetuned-minilm-ensemble`` makes
``n_seeds`` of them."""
_TUNED_SUFFIX = "-tuned"


def _parameters(build: Callable[..., BaseEstimator]) -> list[str]:
    """A builder's keyword parameters but ``random_state``; a ``**params`` of the fine-tuned
    ensemble stands for ``FineTunedMiniLM``'s, which it passes on to each member."""
    names = []
    for name, parameter in inspect.signature(build).parameters.items():
        if parameter.kind is parameter.VAR_KEYWORD:
            names += _parameters(FineTunedMiniLM)
        elif name != "random_state":
            names.append(name)
    return names


def make_stance_classifier(
    kind: StanceKind = "tfidf-lr", *, random_state: int = 0, **params: Any
) -> BaseEstimator:
    """Build an unfitted stance classifier.

    ``fit(X, y)`` takes a DataFrame with ``text`` and ``target`` columns and string labels;
    ``predict(X)`` returns the labels. The ``tfidf-lr``, ``tfidf-svm`` and ``embedding-*`` kinds
    see the text and three target-aware features: a one-hot of the target,
    TF-IDF of ``target=word`` pairs (the same word may weigh differently per target), and the
    share of the target's words that occur in the text (most ``unrelated`` sentences never name
    it). With one constant target, as for a text-only task such as BABE's bias labels, these add
    nothing but a copy of the word unigrams.

    - ``majority`` always predicts the most frequent training label; no parameters.
    - ``tfidf-lr``: logistic regression (``class_weight="balanced"``; ``C=1.0``) on word
      TF-IDF (``ngram_range=(1, 2)``).
    - ``tfidf-svm``: linear SVM (balanced; ``C=0.1``) on word TF-IDF (``ngram_range=(1, 2)``)
      and character TF-IDF within words (``char_ngram_range=(2, 5)``, ``min_df=2``).
    - ``tfidf-svm-per-target``: the standard stance baseline of SemEval-2016 Task 6 (Mohammad et
      al. 2016, doi:10.18653/v1/S16-1003): one linear SVM per target on word 1–3-grams and
      character 2–5-grams, here TF-IDF weighted as in ``tfidf-svm`` (``C=0.1``,
      ``ngram_range=(1, 3)``, ``char_ngram_range=(2, 5)``), without the target features (each
      model sees one target). A ``PerTargetClassifier``: a target with fewer than
      ``min_rows=100`` training rows, or without every label among them, and a target unseen
      in training, are predicted by the same SVM fitted on all rows. A kind rather than a
      ``per_target=`` switch: the recipe has its own features (no target features, which are
      constant within one target; word 1–3-grams), and reports list models by kind.
    - ``embedding-lr``: logistic regression (balanced; ``C=1.0``) on the MiniLM sentence vector.
    - ``embedding-layers-lr``: logistic regression (balanced; ``C=0.003``) on the standardised
      means of all 6 MiniLM layers (``SentenceEmbedding(pooling="layers")``). The strong
      regularisation that suits these 2,304 dimensions also mutes the target features.
    - ``tfidf-lr-tuned``, ``tfidf-svm-tuned``, ``tfidf-svm-per-target-tuned``: the kind without
      ``-tuned`` in a ``GroupedGridSearch`` that picks the macro-F1-best of ``grid`` by
      ``GroupKFold`` (``n_splits=5``) over the training rows' ``article_id`` (the sentence text
      when ``X`` has no ``article_id``), so no article is on both sides of an inner split, and
      refits it on all training rows. ``grid`` defaults to ``STANCE_GRIDS[kind]``.
    - ``finetuned-minilm``: the MiniLM encoder fine-tuned end to end with a linear head on the
      ``(target, text)`` sentence pair, a ``FineTunedMiniLM`` (``annotation.models.finetuned``;
      parameters ``epochs``, ``learning_rate``, ``batch_size``, ``max_length``,
      ``weight_decay``, ``warmup``, ``span_weight``); when ``X`` has the ``sentences`` table's
      ``spans`` column, the training rows' gold spans train a second, token-level head
      alongside (multi-task learning); minutes per fit on a CPU, built only when named.
    - ``finetuned-minilm-ensemble``: a deep ensemble (Lakshminarayanan et al. 2017,
      arXiv:1612.01474) of ``n_seeds=2`` ``finetuned-minilm`` models that differ only in their
      ``random_state`` (``random_state``, ``random_state + 1``, ...), in scikit-learn's
      ``VotingClassifier(voting="soft")`` (a ``SeedEnsemble``, which passes ``stance_votes`` on
      to the members), which predicts the label of the mean of their probabilities. It takes
      ``finetuned-minilm``'s parameters, passed to every member (``member0__epochs`` and so on
      after building); ``n_seeds`` times the time of one.

    The ``embedding-*`` and ``finetuned-*`` kinds need the ``embedding`` extra. The default values
    of ``C`` were chosen by 10-fold article-grouped cross-validation on BABE
    (``bench/baselines.py``).

    Args:
        kind: Which classifier, one of ``STANCE_KINDS``, ``TUNED_STANCE_KINDS`` or
            ``FINETUNED_STANCE_KINDS``.
        random_state: Seed passed to the estimators that take one.
        **params: The kind's hyper-parameters listed above (``C``: inverse regularisation
            strength of the classifier; ``ngram_range``, ``char_ngram_range``: ``(min_n, max_n)``
            of the word and character n-grams; ``min_rows`` of a per-target kind; ``grid`` and
            ``n_splits`` of a tuned kind, which also takes its untuned kind's parameters as the
            starting point of the grid); the ones not given keep the defaults above. In the
            returned model they are ``classifier__C``, ``features__text__ngram_range`` and
            ``features__chars__ngram_range``, prefixed by ``estimator__`` once per wrapper
            (per-target, tuned), for ``set_params`` and ``GridSearchCV``.

    Returns:
        A scikit-learn classifier: a ``Pipeline``, a ``PerTargetClassifier``, a
        ``GroupedGridSearch``, a ``FineTunedMiniLM`` or a ``SeedEnsemble`` of them.

    Raises:
        ValueError: ``kind`` is not one of ``STANCE_KINDS``, ``TUNED_STANCE_KINDS`` or
            ``FINETUNED_STANCE_KINDS``.
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
        >>> make_stance_classifier("tfidf-svm-per-target").get_params()["min_rows"]
        100
        >>> tuned = make_stance_classifier("tfidf-svm-tuned", grid={"classifier__C": [0.1, 1.0]})
        >>> tuned.get_params()["param_grid"]
        {'classifier__C': [0.1, 1.0]}
        >>> make_stance_classifier("svm")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: kind='svm' is not one of 'majority', 'tfidf-lr', 'tfidf-svm', ...
        >>> make_stance_classifier("majority", C=1.0)
        Traceback (most recent call last):
        ...
        TypeError: kind='majority' has no parameter C; its parameters: none
    """
    check_kind(kind, (*STANCE_KINDS, *TUNED_STANCE_KINDS, *FINETUNED_STANCE_KINDS))
    tuned = kind in STANCE_GRIDS
    builders = {**_STANCE_BUILDERS, **_FINETUNED_BUILDERS}
    build = builders[cast(StanceKind, kind.removesuffix(_TUNED_SUFFIX))]
    allowed = _parameters(build)
    allowed += ["grid", "n_splits"] if tuned else []
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(
            f"kind={kind!r} has no parameter {', '.join(unknown)}; its parameters: "
            f"{', '.join(allowed) or 'none'}"
        )
    if not tuned:
        return build(random_state=random_state, **params)
    grid = params.pop("grid", STANCE_GRIDS[kind])
    n_splits = params.pop("n_splits", 5)
    return GroupedGridSearch(build(random_state=random_state, **params), grid, n_splits=n_splits)
