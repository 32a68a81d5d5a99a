"""Fit and score the baselines on a ``sentences`` table, and print the scores as a table.

``evaluate_baselines`` fits each stance classifier (``annotation.models.stance``) and
loaded-language tagger (``annotation.models.taggers``) on the folds that
``annotation.models.protocol.plan_evaluation`` chooses and scores the pooled out-of-fold
predictions with ``annotation.models.metrics``; ``summary_table`` prints the result. The table is
a pandas DataFrame: this package never imports ``datasets``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from annotation.lexicon import Lexicon
from annotation.models.embeddings import check_kind, missing_extra
from annotation.models.metrics import (
    Span,
    accuracy,
    confusion_matrix,
    macro_f1,
    per_label_f1,
    semeval_favg,
)
from annotation.models.protocol import MAX_FOLDS, MIN_SCORED_ROWS, EvaluationError, plan_evaluation
from annotation.models.span_metrics import char_prf, span_prf, token_f1
from annotation.models.stance import (
    FINETUNED_STANCE_KINDS,
    STANCE_KINDS,
    TUNED_STANCE_KINDS,
    StanceKind,
    make_stance_classifier,
)
from annotation.models.taggers import (
    FINETUNED_TAGGER_KINDS,
    TAGGER_KINDS,
    TaggerKind,
    make_loaded_language_tagger,
)
from annotation.models.tagging import token_labels
from annotation.records import SENTENCE_COLUMNS, check_columns

__all__ = ["predict_stance", "evaluate_baselines", "summary_table"]

_Indices = npt.NDArray[np.intp]


def predict_stance(
    sentences: pd.DataFrame,
    kind: StanceKind,
    folds: Sequence[tuple[_Indices, _Indices]],
    *,
    random_state: int = 0,
) -> npt.NDArray[np.object_]:
    """Out-of-fold predictions of one stance classifier.

    For each fold, a fresh ``make_stance_classifier(kind)`` is fitted on the training rows'
    ``target``, ``text`` and ``article_id`` (the groups of a tuned kind's inner folds), and
    ``spans`` and ``stance_votes`` when ``sentences`` has them (``finetuned-minilm`` learns from
    them too; an ``adjudicated`` row's votes are left out, so it is learnt from its label), and
    predicts the test rows, so a row is predicted by a model that never saw its sentence.

    Args:
        sentences: Needs the columns ``target``, ``text``, ``article_id`` and ``stance`` (label
            names).
        kind: The classifier, one of ``STANCE_KINDS``, ``TUNED_STANCE_KINDS`` or
            ``FINETUNED_STANCE_KINDS``.
        folds: ``(train, test)`` positional indices, e.g. ``plan_evaluation(sentences).folds``.
        random_state: Seed of the classifier.

    Returns:
        One predicted label per row of ``sentences``; ``None`` for rows in no test fold.

    Raises:
        ValueError: ``kind`` is unknown.
        ImportError: ``kind`` needs the missing ``embedding`` extra.
    """
    X = _stance_inputs(sentences)
    y = sentences["stance"].astype(str).to_numpy()
    predicted = np.full(len(sentences), None, dtype=object)
    for train, test in folds:
        model = make_stance_classifier(kind, random_state=random_state)
        predicted[test] = model.fit(X.iloc[train], y[train]).predict(X.iloc[test])
    return predicted


def _stance_inputs(sentences: pd.DataFrame) -> pd.DataFrame:
    """The columns a stance classifier is fitted on; an adjudicated row's ``stance_votes`` are None,
    so that a model learning from votes learns its label."""
    X = sentences[["target", "text", "article_id", *(c for c in ("spans", "stance_votes") if c in sentences)]]
    if "stance_votes" not in X or "adjudicated" not in sentences:
        return X
    adjudicated = sentences["adjudicated"].astype(bool).to_numpy()
    return X.assign(stance_votes=[None if a else votes for a, votes in zip(adjudicated, X["stance_votes"], strict=True)])


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
    n_folds: int = MAX_FOLDS,
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
    partial-overlap P/R/F1 (``annotation.models.span_metrics.span_prf``), character-level P/R/F1
    (``char_prf``) and token-level P/R/F1 on ``annotation.spans`` tokens. The learnt taggers tune their thresholds inside each fold's
    training rows, so ``validation`` is never needed.

    Args:
        sentences: One row per sentence × target with columns ``SENTENCE_COLUMNS``: ``stance``
            holds label names and ``spans`` a list of dicts with ``start``, ``end`` and
            ``label`` (a name); ``split`` is ``train``, ``validation`` or ``test``.
        stance_labels: The stance label names in schema order (orders per-label outputs and the
            confusion matrix).
        lexicon: The lexicon of the ``lexicon`` tagger and of the ``*token-lr`` taggers'
            lexicon feature (the campaign's). Span labels are scored in lexicon order, followed
            by any other gold label.
        random_state: Seed of the classifiers.
        stance_kinds: The stance classifiers to evaluate, in report order, from
            ``STANCE_KINDS``, ``TUNED_STANCE_KINDS`` and ``FINETUNED_STANCE_KINDS``; ``None``
            means all of ``STANCE_KINDS`` that can run here (the ``embedding-*`` kinds only when
            ``embedding_available()``).
        tagger_kinds: The same for the taggers, from ``TAGGER_KINDS`` and
            ``FINETUNED_TAGGER_KINDS``.
        n_folds: The largest number of cross-validation folds (see ``evaluation_folds``).
        min_rows: The fewest rows to score on (``MIN_SCORED_ROWS``).

    Returns:
        A JSON-serialisable dict ``{"protocol", "n_rows", "n_folds", "min_rows", "stance":
        {kind: scores}, "loaded_language": {kind: {"n", "exact", "partial", "char", "token"}},
        "refused": {task: reason}, "skipped": {kind: reason}}``; ``refused`` gives, for
        ``"stance"`` and ``"loaded_language"``, why that task was not scored (its dict is then
        empty); ``skipped`` names the default kinds left out because the ``embedding`` extra is
        missing. Undefined scores (see ``annotation.models.metrics``) are ``None``.
        ``confusion_matrix`` is ``{"labels", "matrix"}`` with gold labels as rows.

    Raises:
        KeyError: A column is missing.
        EvaluationError: ``sentences`` has a stance outside ``stance_labels``, or see
            ``plan_evaluation``.
        ValueError: A kind is unknown, or ``n_folds`` or ``min_rows`` is out of range.
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
        raise EvaluationError(
            f"sentences.stance has label(s) {unknown} outside stance_labels={stance_labels}; "
            "convert ClassLabel ids to names first (features['stance'].int2str)"
        )
    skipped = {
        kind: reason
        for kind in (*STANCE_KINDS, *TAGGER_KINDS)
        if (reason := missing_extra(kind)) is not None
    }
    if stance_kinds is None:
        stance_kinds = [kind for kind in STANCE_KINDS if kind not in skipped]
    if tagger_kinds is None:
        tagger_kinds = [kind for kind in TAGGER_KINDS if kind not in skipped]
    for stance_kind in stance_kinds:
        check_kind(stance_kind, (*STANCE_KINDS, *TUNED_STANCE_KINDS, *FINETUNED_STANCE_KINDS))
    for tagger_kind in tagger_kinds:
        check_kind(tagger_kind, (*TAGGER_KINDS, *FINETUNED_TAGGER_KINDS))
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
            "char": char_prf(gold, pred, span_labels),
            "token": token_f1(
                [token_labels(texts[i], gold_spans[i]) for i in evaluated],
                [token_labels(texts[i], pred_spans[i]) for i in evaluated],
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
        for match in ("exact", "partial", "char", "token")
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
