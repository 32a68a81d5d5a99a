"""Krippendorff's alpha over votes: overall, one-vs-rest per label, and its bootstrap interval.

Alpha is nominal and computed from the coincidence matrix. With :math:`n_{uc}` the number of
values :math:`c` in unit (task or token) :math:`u`, :math:`m_u = \\sum_c n_{uc}`, only units with
:math:`m_u \\ge 2` are pairable, and

.. math::

    o_{cc} = \\sum_u \\frac{n_{uc}(n_{uc} - 1)}{m_u - 1}, \\quad n_c = \\sum_u n_{uc}, \\quad
    n = \\sum_c n_c, \\quad
    \\alpha = 1 - (n - 1)\\,\\frac{n - \\sum_c o_{cc}}{n^2 - \\sum_c n_c^2}.

Alpha is undefined, and returned as ``nan``, when fewer than two pairable values exist or
all pairable values are the same category (the denominator is 0). Reference: K. Krippendorff
(2011), *Computing Krippendorff's Alpha-Reliability*, https://repository.upenn.edu/asc_papers/43.

Alpha is a ratio of sums over units, so the bootstrap resamples rows of per-unit sums
(``_unit_sums``) and recomputes the ratio from the drawn sums: a replicate draws as many tasks as
there are pairable ones, with replacement. The interval is the percentile interval of the
replicates, as in A. F. Hayes and K. Krippendorff (2007), *Answering the Call for a Standard
Reliability Measure for Coding Data*, https://doi.org/10.1080/19312450709336664, except that
units are resampled instead of pairs of values. ``annotation.aggregate.agreement`` reuses these
sums and the bootstrap for token alpha, span F1 and the report.

A worker gives at most one value per task: duplicate ``(task, worker)`` rows raise.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from annotation.aggregate.base import AggregateError, EncodedVotes, encode_votes
from annotation.records import TASK, WORKER

__all__ = ["krippendorff_alpha", "alpha_per_label", "bootstrap_alpha"]

CountArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Statistic = Callable[[FloatArray], FloatArray]


def _encoded_votes(votes: pd.DataFrame, labels: Sequence[Hashable] | None) -> EncodedVotes:
    """``base.encode_votes``, plus the check that a worker gives one value per task."""
    encoded = encode_votes(votes, labels)
    duplicated = votes.duplicated([TASK, WORKER])
    if duplicated.any():
        first = votes.loc[duplicated, [TASK, WORKER]].iloc[0].tolist()
        raise AggregateError(
            f"votes has {int(duplicated.sum())} duplicate (task, worker) row(s), e.g. {first}; "
            "a worker gives one value per task: keep one vote per pair"
        )
    return encoded


def _unit_sums(counts: CountArray) -> FloatArray:
    """Per unit: pairable values ``m``, observed agreement, then ``n_c`` per category (0 if unpairable)."""
    m = counts.sum(axis=1)
    pairable = m >= 2
    sums = np.empty((len(counts), 2 + counts.shape[1]))
    sums[:, 0] = np.where(pairable, m, 0)
    sums[:, 1] = np.where(pairable, (counts * (counts - 1)).sum(axis=1) / np.maximum(m - 1, 1), 0.0)
    sums[:, 2:] = counts * pairable[:, None]
    return sums


def _alpha_from_sums(sums: FloatArray) -> FloatArray:
    """Alpha of each row of summed ``_unit_sums`` columns."""
    n, observed = sums[:, 0], sums[:, 1]
    expected = n * n - (sums[:, 2:] ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1) * (n - observed) / expected, np.nan)


def _per_label_sums(counts: CountArray) -> FloatArray:
    """Per unit and label, the observed agreement of the one-vs-rest binary variable."""
    m = counts.sum(axis=1).astype(np.float64)
    inside = counts.astype(np.float64)
    outside = m[:, None] - inside
    out = np.zeros(counts.shape)
    pairable = m >= 2
    out[pairable] = (
        inside[pairable] * (inside[pairable] - 1) + outside[pairable] * (outside[pairable] - 1)
    ) / (m[pairable] - 1)[:, None]
    return out


def _per_label_alpha(n: FloatArray, observed: FloatArray, inside: FloatArray) -> FloatArray:
    """One-vs-rest alpha from summed ``m`` (shape ``(r,)``), observed and ``n_c`` (``(r, k)``)."""
    expected = 2.0 * inside * (n[:, None] - inside)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1.0 - (n[:, None] - 1) * (n[:, None] - observed) / expected, np.nan)


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
        AggregateError: ``votes`` is empty, has missing values, a label not in ``labels``, or a
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
    counts = _encoded_votes(votes, labels).counts()
    return float(_alpha_from_sums(_unit_sums(counts).sum(axis=0, keepdims=True))[0])


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
        AggregateError: As for ``krippendorff_alpha``.

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
    encoded = _encoded_votes(votes, labels)
    counts, label_index = encoded.counts(), encoded.labels
    sums = _unit_sums(counts).sum(axis=0, keepdims=True)
    observed = _per_label_sums(counts).sum(axis=0, keepdims=True)
    return pd.Series(_per_label_alpha(sums[:, 0], observed, sums[:, 2:])[0], index=label_index, name="alpha")


def _check_bootstrap(n_boot: int, confidence: float) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot={n_boot!r} must be an integer >= 1")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be a number in (0, 1), e.g. 0.95")


def _bootstrap(
    sums: FloatArray, statistic: Statistic, n_boot: int, confidence: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Percentile intervals of ``statistic`` (rows of column sums -> rows of values), resampling rows."""
    n_units = len(sums)
    width = statistic(np.zeros((1, sums.shape[1]))).shape[1]
    if n_units == 0:
        return np.full(width, np.nan), np.full(width, np.nan)
    chunk = max(1, 2**22 // n_units)  # bounds the weight matrix at 4M entries
    replicates = []
    for begin in range(0, n_boot, chunk):
        size = min(chunk, n_boot - begin)
        draws = rng.integers(0, n_units, size=(size, n_units)) + n_units * np.arange(size)[:, None]
        weights = np.bincount(draws.ravel(), minlength=size * n_units).reshape(size, n_units).astype(np.float64)
        replicates.append(statistic(weights @ sums))
    sample = np.concatenate(replicates)
    tail = (1.0 - confidence) / 2
    low, high = np.full(width, np.nan), np.full(width, np.nan)
    defined = ~np.isnan(sample).all(axis=0)
    if defined.any():
        low[defined], high[defined] = np.nanquantile(sample[:, defined], [tail, 1.0 - tail], axis=0)
    return low, high


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
        AggregateError: As for ``krippendorff_alpha``.
        ValueError: ``n_boot`` is not a positive integer or ``confidence`` not in (0, 1).

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
    _check_bootstrap(n_boot, confidence)
    counts = _encoded_votes(votes, labels).counts()
    sums = _unit_sums(counts)
    sums = sums[sums[:, 0] > 0]
    low, high = _bootstrap(sums, lambda s: _alpha_from_sums(s)[:, None], n_boot, confidence, np.random.default_rng(random_state))
    return float(low[0]), float(high[0])
