"""Inter-annotator agreement: Krippendorff's alpha over votes and over token spans.

All functions compute nominal alpha from the coincidence matrix. With :math:`n_{uc}` the number
of values :math:`c` in unit (task) :math:`u`, :math:`m_u = \\sum_c n_{uc}`, only units with
:math:`m_u \\ge 2` are pairable, and

.. math::

    o_{cc} = \\sum_u \\frac{n_{uc}(n_{uc} - 1)}{m_u - 1}, \\quad n_c = \\sum_u n_{uc}, \\quad
    n = \\sum_c n_c, \\quad
    \\alpha = 1 - (n - 1)\\,\\frac{n - \\sum_c o_{cc}}{n^2 - \\sum_c n_c^2}.

Alpha is undefined, and returned as ``nan``, when fewer than two pairable values exist or
all pairable values are the same category (the denominator is 0). Reference: K. Krippendorff
(2011), *Computing Krippendorff's Alpha-Reliability*, https://repository.upenn.edu/asc_papers/43;
bootstrap as in A. F. Hayes and K. Krippendorff (2007), *Answering the Call for a Standard
Reliability Measure for Coding Data*, https://doi.org/10.1080/19312450709336664.

A worker gives at most one value per task: duplicate ``(task, worker)`` rows raise.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from annotation.aggregate import _encode_votes, token_votes
from annotation.schema import LABEL, TASK, WORKER
from annotation.tokens import token_spans

__all__ = ["krippendorff_alpha", "alpha_per_label", "bootstrap_alpha", "token_alpha"]

CountArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _pairable_counts(votes: pd.DataFrame, labels: Sequence[Hashable] | None) -> tuple[CountArray, pd.Index]:
    """Values per unit and label (units with at least two values only), and the labels."""
    encoded = _encode_votes(votes, labels)
    duplicated = votes.duplicated([TASK, WORKER])
    if duplicated.any():
        first = votes.loc[duplicated, [TASK, WORKER]].iloc[0].tolist()
        raise ValueError(
            f"votes has {int(duplicated.sum())} duplicate (task, worker) row(s), e.g. {first}; "
            "a worker gives one value per task: keep one vote per pair"
        )
    counts = encoded.counts()
    return counts[counts.sum(axis=1) >= 2], encoded.labels


def _alpha(counts: CountArray) -> float:
    """Nominal alpha of a units x categories count matrix of pairable units."""
    m = counts.sum(axis=1)
    n = float(m.sum())
    observed = float((counts * (counts - 1)).sum(axis=1) @ (1.0 / (m - 1)))
    expected = n * n - float((counts.sum(axis=0).astype(np.float64) ** 2).sum())
    if n < 2 or expected == 0:
        return float("nan")
    return 1.0 - (n - 1) * (n - observed) / expected


def krippendorff_alpha(votes: pd.DataFrame, *, labels: Sequence[Hashable] | None = None) -> float:
    """Krippendorff's alpha (nominal) of the votes, tasks as units and workers as coders.

    Args:
        votes: One row per vote with columns ``task, worker, label``. Tasks with one vote are
            not pairable and do not count.
        labels: The label names; only used to reject votes with other labels.

    Returns:
        Alpha: 1 is perfect agreement, 0 agreement at chance level, below 0 systematic
        disagreement; ``nan`` when undefined (fewer than two pairable values, or one category).

    Raises:
        KeyError: A column is missing.
        ValueError: ``votes`` is empty, has missing values, a label not in ``labels``, or a
            duplicate ``(task, worker)`` pair.

    Examples:
        >>> votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "label": ["favor", "favor", "favor", "against", "against", "favor"],
        ... })
        >>> round(krippendorff_alpha(votes), 4)
        0.375
    """
    counts, _ = _pairable_counts(votes, labels)
    return _alpha(counts)


def alpha_per_label(votes: pd.DataFrame, labels: Sequence[Hashable] | None = None) -> pd.Series:
    """One-vs-rest alpha per label: each label against all others, as a binary variable.

    Args:
        votes: One row per vote with columns ``task, worker, label``.
        labels: The label names in schema order; ``None`` uses the sorted labels in ``votes``.

    Returns:
        Index ``label`` (schema order), name ``alpha``; ``nan`` for a label that no pairable
        vote used, or that every pairable vote used.

    Raises:
        KeyError: A column is missing.
        ValueError: As for ``krippendorff_alpha``.

    Examples:
        >>> votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "label": ["favor", "favor", "favor", "against", "against", "favor"],
        ... })
        >>> alpha_per_label(votes, ["favor", "against", "neutral"]).round(4)
        label
        favor      0.375
        against    0.375
        neutral      NaN
        Name: alpha, dtype: float64
    """
    counts, label_index = _pairable_counts(votes, labels)
    m = counts.sum(axis=1).astype(np.float64)
    n = m.sum()
    inside = counts.astype(np.float64)
    outside = m[:, None] - inside
    observed = ((inside * (inside - 1) + outside * (outside - 1)) / (m - 1)[:, None]).sum(axis=0)
    expected = 2.0 * inside.sum(axis=0) * outside.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(expected > 0, 1.0 - (n - 1) * (n - observed) / expected, np.nan)
    return pd.Series(alpha, index=label_index, name="alpha")


def bootstrap_alpha(
    votes: pd.DataFrame,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    labels: Sequence[Hashable] | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``krippendorff_alpha``, resampling tasks.

    Each replicate draws as many pairable tasks as there are, with replacement, and computes
    alpha on them; replicates where alpha is undefined are left out.

    Args:
        votes: One row per vote with columns ``task, worker, label``.
        n_boot: The number of bootstrap replicates.
        confidence: The coverage of the interval; 0.95 gives the 2.5 and 97.5 percentiles.
        labels: The label names; only used to reject votes with other labels.
        random_state: Seed or ``numpy.random.Generator``; the same seed gives the same interval.

    Returns:
        ``(low, high)``; ``(nan, nan)`` when alpha is undefined in every replicate.

    Raises:
        KeyError: A column is missing.
        ValueError: As for ``krippendorff_alpha``; ``n_boot`` is not a positive integer or
            ``confidence`` not in (0, 1).

    Examples:
        >>> votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "label": ["favor", "favor", "favor", "against", "against", "favor"],
        ... })
        >>> low, high = bootstrap_alpha(votes, n_boot=200)
        >>> bool(low <= krippendorff_alpha(votes) <= high)
        True
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot={n_boot!r} must be an integer >= 1")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be a number in (0, 1), e.g. 0.95")
    counts, _ = _pairable_counts(votes, labels)
    n_units = len(counts)
    if n_units == 0:
        return float("nan"), float("nan")
    m = counts.sum(axis=1).astype(np.float64)
    same = (counts * (counts - 1)).sum(axis=1) / (m - 1)
    rng = np.random.default_rng(random_state)
    chunk = max(1, 2**22 // n_units)
    alphas = []
    for begin in range(0, n_boot, chunk):
        size = min(chunk, n_boot - begin)
        draws = rng.integers(0, n_units, size=(size, n_units)) + n_units * np.arange(size)[:, None]
        weights = np.bincount(draws.ravel(), minlength=size * n_units).reshape(size, n_units).astype(np.float64)
        n = weights @ m
        expected = n * n - ((weights @ counts) ** 2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            alphas.append(np.where(expected > 0, 1.0 - (n - 1) * (n - weights @ same) / expected, np.nan))
    sample = np.concatenate(alphas)
    if np.isnan(sample).all():
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2
    low, high = np.nanquantile(sample, [tail, 1.0 - tail])
    return float(low), float(high)


def token_alpha(
    span_votes: pd.DataFrame,
    texts: Mapping[Hashable, str],
    n_annotators: Mapping[Hashable, int],
    *,
    labels: Sequence[str],
) -> float:
    """Krippendorff's alpha (nominal) of the span annotations, tokens as units.

    Every token of every task in ``n_annotators`` is a unit. Each of the task's annotators gives
    it a value: the label of a span of theirs that overlaps it (see ``aggregate.token_votes``),
    or "none" when they marked nothing there, so annotators who marked no span count too. An
    annotator who gave one token two labels counts once, with the earlier label in ``labels``.
    Tokens of tasks with one annotator are not pairable.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label``.
        texts: The sentence text of every task in ``n_annotators``.
        n_annotators: The number of annotators who submitted each task, including tasks where
            nobody marked a span; these are the units.
        labels: The span label names in schema order.

    Returns:
        Alpha over labels plus "none"; ``nan`` when undefined. Unmarked tokens dominate, so this
        alpha mostly measures agreement on *where* loaded language is.

    Raises:
        KeyError: A column is missing; a task of ``span_votes`` is not in ``n_annotators``, or a
            task of ``n_annotators`` not in ``texts``.
        ValueError: As for ``aggregate.aggregate_spans``.

    Examples:
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> span_votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w1", "w2", "w3"],
        ...     "start": [4, 4, 0, 0, 9],
        ...     "end": [10, 10, 8, 18, 18],
        ...     "text": ["regime", "regime", "Radicals", "Radicals terrorize", "terrorize"],
        ...     "label": ["loaded-negative"] * 5,
        ... })
        >>> round(token_alpha(span_votes, texts, {"t1": 3, "t2": 3},
        ...                   labels=["loaded-negative", "loaded-positive"]), 4)
        0.381
    """
    tokens = token_votes(span_votes, texts, labels=labels)
    no_text = [task for task in n_annotators if task not in texts]
    if no_text:
        raise KeyError(f"texts has no sentence for {len(no_text)} task(s) of n_annotators, e.g. {no_text[:5]}")
    no_count = [task for task in tokens[TASK].unique() if task not in n_annotators]
    if no_count:
        raise KeyError(
            f"n_annotators has no count for {len(no_count)} task(s) of span_votes, e.g. {no_count[:5]}; "
            "pass the number of annotators who submitted every task"
        )
    rank = pd.Index(labels).get_indexer(tokens[LABEL])
    tokens = tokens.iloc[np.argsort(rank, kind="stable")].drop_duplicates([TASK, WORKER, "token"])

    tasks = pd.Index(list(n_annotators))
    n_tokens = np.array([len(token_spans(texts[task])) for task in tasks], dtype=np.int64)
    submitted = np.array([n_annotators[task] for task in tasks], dtype=np.int64)
    offset = np.concatenate([[0], np.cumsum(n_tokens)[:-1]])
    n_labels = len(labels)
    counts = np.zeros((int(n_tokens.sum()), n_labels + 1), dtype=np.int64)
    counts[:, n_labels] = np.repeat(submitted, n_tokens)  # "none" until marked
    unit = offset[tasks.get_indexer(tokens[TASK])] + tokens["token"].to_numpy()
    label_code = pd.Index(labels).get_indexer(tokens[LABEL])
    np.add.at(counts, (unit, label_code), 1)
    np.subtract.at(counts[:, n_labels], unit, 1)
    if (counts[:, n_labels] < 0).any():
        task = tasks[np.searchsorted(offset, np.flatnonzero(counts[:, n_labels] < 0)[0], side="right") - 1]
        raise ValueError(
            f"n_annotators[{task!r}] = {n_annotators[task]!r} is smaller than the number of annotators "
            "who marked a token of that task; count every annotator who submitted it"
        )
    return _alpha(counts[counts.sum(axis=1) >= 2])
