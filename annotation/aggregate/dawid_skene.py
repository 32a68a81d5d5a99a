"""Dawid–Skene: a confusion matrix per worker, fitted with EM (crowd-kit's ``DawidSkene``, exactly).

The estimator follows crowd-kit's semantics (``fit``/``fit_predict``/``fit_predict_proba`` over a
long ``votes`` frame with columns ``task, worker, label``; fitted ``labels_``, ``probas_``,
``errors_``, ``priors_``, ``loss_history_``) on the scikit-learn skeleton of
``annotation.aggregate.base``. It is vectorised: votes are encoded once as integer codes and every
count is a sparse matrix product. Label order is the schema order given by ``labels=``; without
it, the sorted labels found in the votes. Output rows are in order of each task's first
appearance in ``votes``. Every row of ``votes`` counts as one vote.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from annotation.aggregate.base import AGG_LABEL, BaseAggregator, encode_column, encode_votes
from annotation.records import LABEL, WORKER

__all__ = ["DawidSkene"]

_EPS = 1e-10  # floor for probabilities before a log, as in crowd-kit

FloatArray = npt.NDArray[np.float64]


class DawidSkene(BaseAggregator):
    r"""Dawid–Skene: a confusion matrix per worker, fitted with EM.

    Each task has a latent true label :math:`z_t` with prior :math:`\pi_c = P(z_t = c)`, and
    worker :math:`w` answers :math:`k` with probability :math:`e^w_{kc} = P(y_{tw} = k \mid z_t = c)`.
    EM starts from the majority-vote shares :math:`q_t(c)` and alternates the M-step
    :math:`\pi_c = \frac1T \sum_t q_t(c)`, :math:`e^w_{kc} \propto \sum_{t: y_{tw} = k} q_t(c)`
    and the E-step :math:`q_t(c) \propto \pi_c \prod_{w} e^w_{y_{tw} c}` until no posterior moves
    by ``tol`` or more in a round, or ``n_iter`` rounds have run.
    Reference: A. P. Dawid and A. M. Skene (1979), *Maximum Likelihood Estimation of Observer
    Error-Rates Using the EM Algorithm*, JRSS C 28(1), 20–28, https://doi.org/10.2307/2346806.
    ``fit_predict`` returns :math:`\arg\max_c q_t(c)` (the earlier label in schema order on a tie).

    The updates and the initialisation are those of ``crowdkit.aggregation.DawidSkene`` (same
    posteriors after the same number of rounds, to 1e-10), computed as two sparse matrix products
    per round instead of pandas joins. The stopping rule differs: crowd-kit stops when its loss,
    which counts the prior once per vote instead of once per task, gains less than ``tol``; here
    ``tol`` bounds the last change of the posteriors that ``fit`` returns. DS converges slowly,
    so on large data the fit usually runs all ``n_iter`` rounds (a few milliseconds each per
    100k votes) and ends closer to the maximum-likelihood fixed point.

    Args:
        n_iter: The maximum number of EM rounds (0 returns the majority-vote shares).
        tol: Stop when no posterior probability changed by this much or more in a round.
        labels: The label names in schema order; ``None`` uses the sorted labels in ``votes``.
        random_state: Unused, since the EM is deterministic; accepted so that every aggregator
            takes the same constructor arguments.

    Attributes:
        labels_ (pandas.Series): Index ``task``, name ``agg_label``: the most probable label.
        probas_ (pandas.DataFrame): Index ``task``, one column per label (column index
            ``label``, schema order): the posterior :math:`q_t(c)`; rows sum to 1.
        priors_ (pandas.Series): Index ``label``, name ``prior``: :math:`\pi`.
        errors_ (pandas.DataFrame): Index (``worker``, ``label``) = the worker and the label
            they gave, one column per true label (column index ``true_label``): :math:`e^w_{kc}`,
            so ``errors_.loc[(w, k), c]``; each worker's column sums to 1.
        loss_history_ (list[float]): Per round, the log-likelihood per vote of the parameters
            the round started from (the EM objective: it never decreases).
        n_iter_ (int): The number of EM rounds run.

    Examples:
        >>> votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "label": ["favor", "favor", "against", "against", "against", "favor"],
        ... })
        >>> ds = DawidSkene(n_iter=50, labels=["favor", "against"])
        >>> ds.fit_predict(votes)
        task
        t1      favor
        t2    against
        Name: agg_label, dtype: str
        >>> ds.priors_.round(2).tolist()
        [0.5, 0.5]
        >>> ds.errors_.loc["w3"].round(2)  # doctest: +NORMALIZE_WHITESPACE
        true_label  favor  against
        label
        favor         0.0      1.0
        against       1.0      0.0
    """

    labels_: pd.Series
    probas_: pd.DataFrame
    priors_: pd.Series
    errors_: pd.DataFrame
    loss_history_: list[float]
    n_iter_: int

    def __init__(
        self,
        *,
        n_iter: int = 100,
        tol: float = 1e-5,
        labels: Sequence[Hashable] | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.labels = labels
        self.random_state = random_state

    def fit(self, votes: pd.DataFrame) -> DawidSkene:
        """Fit the worker confusion matrices and task posteriors with EM.

        Args:
            votes: One row per vote with columns ``task, worker, label``.

        Returns:
            The fitted estimator.

        Raises:
            KeyError: A column is missing.
            TypeError: ``votes`` is not a DataFrame, or ``labels`` is not a list of names.
            AggregateError: ``votes`` is empty; a task, worker or label is missing; a label is
                not in ``labels``.
            ValueError: ``n_iter`` is not a non-negative integer or ``tol`` not a non-negative
                number.

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2, "label": [1, 1, 0, 0, 0, 1]})
            >>> DawidSkene().fit(votes).labels_.tolist()
            [1, 0]
        """
        if isinstance(self.n_iter, bool) or not isinstance(self.n_iter, (int, np.integer)) or self.n_iter < 0:
            raise ValueError(f"n_iter={self.n_iter!r} must be an integer >= 0")
        if isinstance(self.tol, bool) or not isinstance(self.tol, (int, float)) or not self.tol >= 0:
            raise ValueError(f"tol={self.tol!r} must be a number >= 0")
        encoded = encode_votes(votes, self.labels)
        worker_codes, workers = encode_column(votes, WORKER, "votes")
        n_votes = len(encoded.task_codes)
        n_tasks, n_workers, n_labels = len(encoded.tasks), len(workers), len(encoded.labels)
        # (worker, given label) x task, one entry per vote (repeated votes add up). Posteriors are
        # stored labels x tasks so that every reduction runs over the short axis.
        rows = worker_codes * n_labels + encoded.label_codes
        to_workers = sparse.csr_array(
            (np.ones(n_votes), (rows, encoded.task_codes)), shape=(n_workers * n_labels, n_tasks)
        )
        to_tasks = to_workers.T.tocsr()

        def m_step(probas: FloatArray) -> tuple[FloatArray, FloatArray]:
            expected = np.asarray(to_workers @ probas.T).reshape(n_workers, n_labels, n_labels)
            np.clip(expected, _EPS, None, out=expected)
            return probas.mean(axis=1), expected / expected.sum(axis=1, keepdims=True)

        def log_joint(priors: FloatArray, errors: FloatArray) -> FloatArray:
            per_task = np.asarray(to_tasks @ np.log(errors).reshape(n_workers * n_labels, n_labels))
            joint = np.empty((n_labels, n_tasks))
            np.add(per_task.T, np.log(np.clip(priors, _EPS, None))[:, None], out=joint)
            return joint

        counts = encoded.counts().T
        probas: FloatArray = counts / counts.sum(axis=0)
        priors, errors = m_step(probas)
        history: list[float] = []
        for _ in range(self.n_iter):
            joint = log_joint(priors, errors)
            top = joint.max(axis=0)
            posterior = np.exp(joint - top)
            total = posterior.sum(axis=0)
            posterior /= total
            history.append(float((top + np.log(total)).sum() / n_votes))
            change = float(np.abs(posterior - probas).max())
            probas = posterior
            priors, errors = m_step(probas)
            if change < self.tol:
                break

        self.probas_ = encoded.probas_frame(probas.T)
        self.labels_ = pd.Series(
            encoded.labels.take(probas.argmax(axis=0)), index=encoded.tasks, name=AGG_LABEL
        )
        self.priors_ = pd.Series(priors, index=encoded.labels, name="prior")
        self.errors_ = pd.DataFrame(
            errors.reshape(n_workers * n_labels, n_labels),
            index=pd.MultiIndex.from_product([workers, encoded.labels], names=[WORKER, LABEL]),
            columns=encoded.labels.rename("true_label"),
        )
        self.loss_history_ = history
        self.n_iter_ = len(history)
        return self
