"""Baselines for the release: stance classifiers, a loaded-language tagger and their evaluation.

The factories return scikit-learn estimators; ``evaluate_baselines`` fits each of them on the
``sentences`` table (one row per sentence × target, as in the dataset's ``sentences`` config) and
scores it with ``annotation.metrics``. The table is a pandas DataFrame: this module never imports
``datasets``.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted

from annotation.lexicon import Lexicon, find_loaded_spans, load_lexicon
from annotation.metrics import (
    Span,
    accuracy,
    confusion_matrix,
    macro_f1,
    per_label_f1,
    semeval_favg,
    span_prf,
    token_f1,
)
from annotation.schema import check_columns
from annotation.tokens import token_spans

__all__ = [
    "StanceKind",
    "TaggerKind",
    "STANCE_KINDS",
    "TAGGER_KINDS",
    "SENTENCE_COLUMNS",
    "LexiconTagger",
    "make_stance_classifier",
    "make_loaded_language_tagger",
    "evaluation_folds",
    "evaluate_baselines",
    "summary_table",
]

SENTENCE_COLUMNS = ("sentence_id", "article_id", "target", "text", "stance", "spans", "split")
"""Columns of the ``sentences`` table that ``evaluate_baselines`` reads."""

StanceKind = Literal["majority", "tfidf-lr"]
TaggerKind = Literal["lexicon"]
_Indices = npt.NDArray[np.intp]
_MAX_FOLDS = 5
_WORD = re.compile(r"\w+")


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


def _majority(random_state: int) -> Pipeline:
    return Pipeline(
        [("majority", DummyClassifier(strategy="most_frequent", random_state=random_state))]
    )


def _tfidf_lr(random_state: int) -> Pipeline:
    features = ColumnTransformer(
        [
            ("text", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), "text"),
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
    )
    classifier = LogisticRegression(
        class_weight="balanced", max_iter=1000, random_state=random_state
    )
    return Pipeline([("features", features), ("classifier", classifier)])


_STANCE_BUILDERS: dict[StanceKind, Callable[[int], Pipeline]] = {
    "majority": _majority,
    "tfidf-lr": _tfidf_lr,
}
STANCE_KINDS: tuple[StanceKind, ...] = tuple(_STANCE_BUILDERS)
"""The stance classifiers ``make_stance_classifier`` builds, in the order reports list them."""

TAGGER_KINDS: tuple[TaggerKind, ...] = ("lexicon",)
"""The loaded-language taggers ``make_loaded_language_tagger`` builds."""


def _check_kind(kind: str, kinds: Sequence[str]) -> None:
    if kind not in kinds:
        raise ValueError(f"kind={kind!r} is not one of {', '.join(map(repr, kinds))}")


def make_stance_classifier(kind: StanceKind = "tfidf-lr", *, random_state: int = 0) -> Pipeline:
    """Build an unfitted stance classifier.

    ``fit(X, y)`` takes a DataFrame with ``text`` and ``target`` columns and string labels;
    ``predict(X)`` returns the labels.

    - ``majority`` always predicts the most frequent training label.
    - ``tfidf-lr`` is a logistic regression (``class_weight="balanced"``) on word 1–2-gram
      TF-IDF of the text plus three target-aware features: a one-hot of the target, TF-IDF of
      ``target=word`` pairs (the same word may weigh differently per target), and the share of
      the target's words that occur in the text (most ``unrelated`` sentences never name it).

    Args:
        kind: Which classifier, one of ``STANCE_KINDS``.
        random_state: Seed passed to the estimators that take one.

    Returns:
        A scikit-learn ``Pipeline``.

    Raises:
        ValueError: ``kind`` is not one of ``STANCE_KINDS``.

    Examples:
        >>> import pandas as pd
        >>> X = pd.DataFrame({"target": ["rebels", "regime", "rebels", "regime"],
        ...                   "text": ["Rebels freed it.", "Rebels freed it.",
        ...                            "The regime shelled it.", "The regime shelled it."]})
        >>> y = ["favor", "unrelated", "unrelated", "against"]
        >>> model = make_stance_classifier().fit(X, y)
        >>> model.predict(X).tolist()
        ['favor', 'unrelated', 'unrelated', 'against']
        >>> make_stance_classifier("svm")
        Traceback (most recent call last):
        ...
        ValueError: kind='svm' is not one of 'majority', 'tfidf-lr'
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


def make_loaded_language_tagger(
    kind: TaggerKind = "lexicon", *, lexicon: Lexicon | None = None
) -> LexiconTagger:
    """Build an unfitted loaded-language tagger: ``fit(texts, spans)``, ``predict(texts)``.

    Args:
        kind: Which tagger, one of ``TAGGER_KINDS``.
        lexicon: For ``lexicon``: the lexicon, by default ``schemas/lexicon.yml``.

    Returns:
        The tagger; ``predict`` returns one list of ``(start, end, label)`` character spans
        per text.

    Raises:
        ValueError: ``kind`` is not one of ``TAGGER_KINDS``.

    Examples:
        >>> tagger = make_loaded_language_tagger().fit(["No loaded words."], [[]])
        >>> tagger.predict(["The regime freed nobody."])
        [[(4, 10, 'loaded-negative'), (11, 16, 'loaded-positive')]]
    """
    _check_kind(kind, TAGGER_KINDS)
    return LexiconTagger(lexicon=lexicon)


def evaluation_folds(sentences: pd.DataFrame) -> tuple[str, list[tuple[_Indices, _Indices]]]:
    """Choose the evaluation protocol for a ``sentences`` table and return its folds.

    If both the ``train`` and the ``test`` split have rows, there is one fold: fit on ``train``,
    evaluate on ``test`` (``validation`` is left unused, since nothing is tuned). Otherwise all
    rows go into grouped K-fold cross-validation with ``K = min(5, number of groups)``, grouped by
    ``article_id`` if there are at least two articles and else by ``sentence_id``, so that the
    rows of one sentence (one per target) never straddle folds.

    Args:
        sentences: Needs the columns ``sentence_id``, ``article_id`` and ``split``.

    Returns:
        A human-readable description of the protocol, and ``(train, test)`` pairs of positional
        row indices, one pair per fold.

    Raises:
        KeyError: A column is missing.
        ValueError: A sentence is in both ``train`` and ``test``, or cross-validation is needed
            but there are fewer than two sentences.

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
    split = sentences["split"].to_numpy()
    train, test = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    if len(train) and len(test):
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
    k = min(_MAX_FOLDS, n_groups)
    folds = list(GroupKFold(n_splits=k).split(sentences, groups=groups))
    per_split = ", ".join(f"{name} {n}" for name, n in sentences["split"].value_counts().items())
    protocol = (
        f"grouped {k}-fold cross-validation over all {len(sentences)} rows, grouped by {by} "
        f"({n_groups} groups), because the train or test split is empty (rows per split: "
        f"{per_split}); scores are computed on the pooled out-of-fold predictions"
    )
    return protocol, folds


def _span_tuples(spans: Iterable[Mapping[str, Any]]) -> list[Span]:
    return [(int(s["start"]), int(s["end"]), str(s["label"])) for s in spans]


def _token_labels(text: str, spans: Sequence[Span], outside: str = "O") -> list[str]:
    """One label per token of ``text``: the label of the first span overlapping it, else O."""
    ordered = sorted(spans)
    labels = []
    for start, end in token_spans(text):
        hit = next((lab for s, e, lab in ordered if s < end and start < e), outside)
        labels.append(hit)
    return labels


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
) -> dict[str, Any]:
    """Fit and score every stance classifier and loaded-language tagger on ``sentences``.

    The protocol comes from ``evaluation_folds`` (train/test when both splits have rows, else
    grouped cross-validation). Stance is scored with macro-F1, SemEval ``F_avg`` (``favor`` and
    ``against``), accuracy, per-label F1 and a confusion matrix. Loaded-language spans are scored
    per row, the unit annotators labelled, with exact-match and partial-overlap P/R/F1
    (``annotation.metrics.span_prf``) and token-level P/R/F1 on ``annotation.tokens`` tokens.

    Args:
        sentences: One row per sentence × target with columns ``SENTENCE_COLUMNS``: ``stance``
            holds label names and ``spans`` a list of dicts with ``start``, ``end`` and
            ``label`` (a name); ``split`` is ``train``, ``validation`` or ``test``.
        stance_labels: The stance label names in schema order (orders per-label outputs and the
            confusion matrix).
        lexicon: The lexicon of the ``lexicon`` tagger. Span labels are scored in lexicon
            order, followed by any other gold label.
        random_state: Seed of the classifiers.

    Returns:
        A JSON-serialisable dict ``{"protocol", "n_rows", "n_folds", "stance": {kind: scores},
        "loaded_language": {kind: {"n", "exact", "partial", "token"}}}``. Undefined scores
        (see ``annotation.metrics``) are ``None``. ``confusion_matrix`` is
        ``{"labels", "matrix"}`` with gold labels as rows.

    Raises:
        KeyError: A column is missing.
        ValueError: ``sentences`` is empty, has a stance outside ``stance_labels``, or a fold
            trains on a single stance label; or see ``evaluation_folds``.

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
        ...     lexicon=load_lexicon())
        >>> metrics["protocol"][:57]
        'grouped 2-fold cross-validation over all 4 rows, grouped '
        >>> metrics["loaded_language"]["lexicon"]["exact"]["recall"]
        1.0
    """
    check_columns(sentences, SENTENCE_COLUMNS, "sentences")
    if sentences.empty:
        raise ValueError("sentences has no rows; build the dataset from annotated tasks first")
    frame = sentences.reset_index(drop=True)
    stance_labels = list(stance_labels)
    unknown = sorted(set(frame["stance"]) - set(stance_labels))
    if unknown:
        raise ValueError(
            f"sentences.stance has label(s) {unknown} outside stance_labels={stance_labels}; "
            "convert ClassLabel ids to names first (features['stance'].int2str)"
        )
    protocol, folds = evaluation_folds(frame)
    evaluated = np.sort(np.concatenate([test for _, test in folds]))

    X = frame[["target", "text"]]
    y = frame["stance"].astype(str).to_numpy()
    for k, (train, _) in enumerate(folds):
        if len(set(y[train])) < 2:
            raise ValueError(
                f"the training rows of fold {k} all have stance {y[train][0]!r}; the classifiers "
                "need at least two stance labels to learn from"
            )
    gold_stance = [str(label) for label in y[evaluated]]
    stance: dict[str, Any] = {}
    for stance_kind in STANCE_KINDS:
        predicted = np.empty(len(frame), dtype=object)
        for train, test in folds:
            model = make_stance_classifier(stance_kind, random_state=random_state)
            predicted[test] = model.fit(X.iloc[train], y[train]).predict(X.iloc[test])
        pred_stance = [str(label) for label in predicted[evaluated]]
        stance[stance_kind] = _stance_scores(gold_stance, pred_stance, stance_labels)

    texts = frame["text"].astype(str).tolist()
    gold_spans = [_span_tuples(cell) for cell in frame["spans"]]
    span_labels = list(lexicon.entries)
    span_labels += sorted({lab for spans in gold_spans for _, _, lab in spans} - set(span_labels))
    loaded: dict[str, Any] = {}
    for tagger_kind in TAGGER_KINDS:
        pred_spans: list[list[Span]] = [[] for _ in texts]
        for train, test in folds:
            tagger = make_loaded_language_tagger(tagger_kind, lexicon=lexicon)
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
        "protocol": protocol,
        "n_rows": len(frame),
        "n_folds": len(folds),
        "stance": stance,
        "loaded_language": loaded,
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
        accuracy) and one for loaded language (rows: model × matching; columns: n, P, R, F1).
        Undefined scores show as ``n/a``.

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
    lines += ["", *_table(["stance model", "n", "macro-F1", "F_avg", "accuracy"], stance_rows)]
    loaded_rows = [
        [f"{kind} ({match})", str(s["n"]), *(_number(s[match][k]) for k in _PRF_KEYS)]
        for kind, s in metrics["loaded_language"].items()
        for match in ("exact", "partial", "token")
        if match in s
    ]
    lines += ["", *_table(["loaded-language model", "n", "P", "R", "F1"], loaded_rows)]
    return "\n".join(lines)
