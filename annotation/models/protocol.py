"""The evaluation protocol of the baselines: which rows train and test, and whether to score.

``plan_evaluation`` decides, for a ``sentences`` table (one row per sentence × target, as in the
dataset's ``sentences`` config), whether the baselines can be scored at all (``MIN_SCORED_ROWS``,
texts present, two or more sentences) and on which folds (``evaluation_folds``: the release's
train/test split when both are large enough, else grouped cross-validation), and says why a task
is not scored. A table that cannot be split at all raises ``EvaluationError``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.model_selection import GroupKFold

from annotation.errors import AnnotationError
from annotation.records import check_columns

__all__ = [
    "EvaluationError",
    "MIN_SCORED_ROWS",
    "MAX_FOLDS",
    "EvaluationPlan",
    "evaluation_folds",
    "plan_evaluation",
]

_Indices = npt.NDArray[np.intp]

MAX_FOLDS = 5
"""The default largest number of cross-validation folds."""

MIN_SCORED_ROWS = 20
"""The fewest rows (sentence × target) that ``evaluate_baselines`` scores the models on.

Below 20 rows one row moves accuracy by more than 5 points and the 95% (Wilson) interval of an
accuracy near 0.5 is wider than ±0.2, so a score says nothing about a model; the baselines then
report why they were not scored instead of printing numbers. The rule is per split: ``test`` is
scored on its own only when it and ``train`` each have at least this many rows, else all rows are
cross-validated, and fewer rows than this in all are not scored (see ``plan_evaluation``).
"""


class EvaluationError(AnnotationError, ValueError):
    """A ``sentences`` table the baselines cannot be evaluated on: a sentence in both ``train``
    and ``test``, too few sentences to cross-validate, or a stance outside the label set."""


def _check_count(name: str, value: Any, minimum: int, example: int) -> None:
    """Raise ``ValueError`` unless ``value`` is an integer (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}, e.g. {example}")


def evaluation_folds(
    sentences: pd.DataFrame, *, n_folds: int = MAX_FOLDS, min_rows: int = 1
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
        EvaluationError: A sentence is in both ``train`` and ``test``, or cross-validation is
            needed but there are fewer than two sentences.
        ValueError: ``n_folds`` or ``min_rows`` is out of range.

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
    _check_count("n_folds", n_folds, 2, MAX_FOLDS)
    _check_count("min_rows", min_rows, 1, MIN_SCORED_ROWS)
    split = sentences["split"].to_numpy()
    train, test = np.flatnonzero(split == "train"), np.flatnonzero(split == "test")
    if min(len(train), len(test)) >= min_rows:
        ids = sentences["sentence_id"].to_numpy()
        shared = sorted(set(ids[train]) & set(ids[test]))
        if shared:
            raise EvaluationError(
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
        raise EvaluationError(
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
    sentences: pd.DataFrame, *, n_folds: int = MAX_FOLDS, min_rows: int = MIN_SCORED_ROWS
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
        EvaluationError: A sentence is in both ``train`` and ``test``.
        ValueError: ``n_folds`` or ``min_rows`` is out of range.
    """
    check_columns(
        sentences, ("sentence_id", "article_id", "text", "stance", "spans", "split"), "sentences"
    )
    _check_count("n_folds", n_folds, 2, MAX_FOLDS)
    _check_count("min_rows", min_rows, 1, MIN_SCORED_ROWS)
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


