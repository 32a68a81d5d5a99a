"""Majority vote: each task takes the label that most of its votes chose (crowd-kit's ``MajorityVote``).

The estimator follows crowd-kit's semantics (``fit``/``fit_predict``/``fit_predict_proba`` over a
long ``votes`` frame with columns ``task, worker, label``; fitted ``labels_``, ``probas_``) on the
scikit-learn skeleton of ``annotation.aggregate.base``. Label order is the schema order given by
``labels=``; without it, the sorted labels found in the votes. It fixes the ``probas_`` columns
and breaks ties (the earlier label wins). Output rows are in order of each task's first
appearance in ``votes`` (in category order when ``task`` is categorical). Every row of ``votes``
counts as one vote: remove duplicate ``(task, worker)`` rows first if a worker must count once.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from annotation.aggregate.base import AGG_LABEL, BaseAggregator, encode_votes

__all__ = ["TieBreak", "MajorityVote"]

TieBreak = Literal["first", "random", "none"]
"""How ``MajorityVote`` resolves a tie for the top count."""
_TIE_BREAKS: tuple[str, ...] = ("first", "random", "none")


class MajorityVote(BaseAggregator):
    r"""Majority vote: each task takes the label that most of its votes chose.

    With :math:`n_{tk}` the number of votes for label :math:`k` on task :math:`t`,

    .. math::

        \hat p_t(k) = \frac{n_{tk}}{\sum_{k'} n_{tk'}}, \qquad
        \hat y_t = \arg\max_k n_{tk},

    and when several labels share the top count, ``tie_break`` decides. Every vote weighs the
    same. Reference: R. Snow, B. O'Connor, D. Jurafsky and A. Y. Ng (2008), *Cheap and Fast — But
    is it Good? Evaluating Non-Expert Annotations for Natural Language Tasks*, EMNLP,
    https://doi.org/10.3115/1613715.1613751. ``fit_predict`` returns :math:`\hat y`.

    Args:
        tie_break: How a tie for the top count is resolved. ``"first"``: the label that comes
            first in ``labels`` (schema order). ``"random"``: one of the tied labels, drawn
            uniformly with ``random_state``. ``"none"``: no label; the task gets ``pd.NA`` and
            ``labels_`` has a nullable dtype (``string``, ``Int64``, ...) for every fit.
            Under every policy the tied tasks are listed in ``ties_``.
        labels: The label names in schema order; they fix the ``probas_`` columns and the
            ``"first"`` order. ``None`` uses the sorted labels found in ``votes``.
        random_state: Seed or ``numpy.random.RandomState`` for ``tie_break="random"``.

    Attributes:
        labels_ (pandas.Series): Index ``task``, name ``agg_label``: the winning label, with the
            dtype of the labels (nullable under ``tie_break="none"``).
        probas_ (pandas.DataFrame): Index ``task``, one column per label (column index ``label``,
            schema order): the share of the task's votes for that label; rows sum to 1.
        ties_ (pandas.Index): Name ``task``: the tasks whose top count is shared by two or more
            labels, whatever ``tie_break`` did with them.

    Examples:
        >>> votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "label": ["favor", "favor", "against", "neutral", "against", "unrelated"],
        ... })
        >>> schema = ["favor", "against", "neutral", "unrelated"]
        >>> mv = MajorityVote(labels=schema)
        >>> mv.fit_predict(votes)
        task
        t1      favor
        t2    against
        Name: agg_label, dtype: str
        >>> mv.ties_.tolist()
        ['t2']
        >>> mv.probas_.round(2)  # doctest: +NORMALIZE_WHITESPACE
        label  favor  against  neutral  unrelated
        task
        t1      0.67     0.33     0.00       0.00
        t2      0.00     0.33     0.33       0.33
        >>> MajorityVote(tie_break="none", labels=schema).fit_predict(votes)
        task
        t1    favor
        t2     <NA>
        Name: agg_label, dtype: string
    """

    labels_: pd.Series
    probas_: pd.DataFrame
    ties_: pd.Index

    def __init__(
        self,
        *,
        tie_break: TieBreak = "first",
        labels: Sequence[Hashable] | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.tie_break = tie_break
        self.labels = labels
        self.random_state = random_state

    def fit(self, votes: pd.DataFrame) -> MajorityVote:
        """Count the votes of every task.

        Args:
            votes: One row per vote with columns ``task, worker, label``.

        Returns:
            The fitted estimator.

        Raises:
            KeyError: A column is missing.
            TypeError: ``votes`` is not a DataFrame, or ``labels`` is not a list of names.
            AggregateError: ``votes`` is empty; a task, worker or label is missing; a label is
                not in ``labels``.
            ValueError: ``tie_break`` is not one of ``"first"``, ``"random"``, ``"none"``.

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2, "label": [1, 1, 0, 0, 0, 1]})
            >>> MajorityVote().fit(votes).labels_.tolist()
            [1, 0]
        """
        if self.tie_break not in _TIE_BREAKS:
            raise ValueError(
                f"tie_break={self.tie_break!r} is not one of {', '.join(map(repr, _TIE_BREAKS))}"
            )
        encoded = encode_votes(votes, self.labels)
        counts = encoded.counts()
        top = counts == counts.max(axis=1, keepdims=True)
        n_top = top.sum(axis=1)
        tied = n_top > 1
        winner = counts.argmax(axis=1)  # the first top label in schema order
        if self.tie_break == "random" and tied.any():
            draw = check_random_state(self.random_state).randint(n_top[tied])
            winner[tied] = (np.cumsum(top[tied], axis=1) > draw[:, None]).argmax(axis=1)
        if self.tie_break == "none":
            winner[tied] = -1
            values = pd.array(encoded.labels.tolist()).take(winner, allow_fill=True)
        else:
            values = encoded.labels.take(winner)
        self.labels_ = pd.Series(values, index=encoded.tasks, name=AGG_LABEL)
        self.probas_ = encoded.probas_frame(counts / counts.sum(axis=1, keepdims=True))
        self.ties_ = encoded.tasks[tied]
        return self
