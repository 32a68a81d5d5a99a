"""Aggregate crowd votes: one label per task, and consensus spans per sentence.

The estimators follow crowd-kit's semantics (``fit``/``fit_predict``/``fit_predict_proba`` over a
long ``votes`` frame with columns ``task, worker, label``; fitted ``labels_``, ``probas_``,
``errors_``, ``priors_``, ``loss_history_``) on a scikit-learn ``BaseEstimator`` skeleton, so
``get_params``, ``clone`` and ``repr`` work. They are vectorised: votes are encoded once as
integer codes and every count is a ``numpy.bincount`` or a sparse matrix product.

Label order is the schema order given by ``labels=``; without it, the sorted labels found in the
votes. It fixes the ``probas_`` columns and breaks ties (the earlier label wins). Output rows are
in order of each task's first appearance in ``votes`` (in category order when ``task`` is
categorical). Every row of ``votes`` counts as one vote: remove duplicate ``(task, worker)`` rows
first if a worker must count once.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from annotation.schema import LABEL, SPAN_VOTE_COLUMNS, TASK, VOTE_COLUMNS, WORKER, check_columns
from annotation.tokens import token_spans

__all__ = [
    "AGG_LABEL",
    "SPAN_COLUMNS",
    "TOKEN_VOTE_COLUMNS",
    "MajorityVote",
    "DawidSkene",
    "token_votes",
    "aggregate_spans",
    "bio_tags",
]

AGG_LABEL = "agg_label"
"""Name of the aggregated label Series."""
TOKEN_VOTE_COLUMNS = (TASK, WORKER, "token", "start", "end", LABEL)
"""Columns of ``token_votes``: one row per annotator × token × label."""
SPAN_COLUMNS = (TASK, "start", "end", "text", LABEL, "support", "n_annotators")
"""Columns of ``aggregate_spans``: one row per consensus span."""

TieBreak = Literal["first", "random", "none"]
_TIE_BREAKS: tuple[str, ...] = ("first", "random", "none")
_EPS = 1e-10  # floor for probabilities before a log, as in crowd-kit
_SUPPORT_TOL = 1e-12  # so that a support of exactly k/n passes threshold=k/n

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EncodedVotes:
    """Votes as integer codes, from ``encode_votes``: vote ``i`` is for task ``tasks[task_codes[i]]``
    with label ``labels[label_codes[i]]``."""

    tasks: pd.Index
    labels: pd.Index
    task_codes: IntArray
    label_codes: IntArray

    def counts(self) -> npt.NDArray[np.int64]:
        """Votes per task and label, shape ``(n_tasks, n_labels)``."""
        n_tasks, n_labels = len(self.tasks), len(self.labels)
        flat = np.bincount(self.task_codes * n_labels + self.label_codes, minlength=n_tasks * n_labels)
        return flat.reshape(n_tasks, n_labels)


def _check_labels(labels: Sequence[Hashable]) -> pd.Index:
    """Validate a ``labels=`` argument and return it as an Index named ``label``."""
    if isinstance(labels, (str, bytes)) or not pd.api.types.is_list_like(labels):
        raise TypeError(f"labels must be a sequence of label names in schema order, got {labels!r}")
    index = pd.Index(list(labels), name=LABEL)
    if index.empty:
        raise ValueError("labels is empty; pass the schema's label names in order")
    if index.hasnans:
        raise ValueError(f"labels={list(index)} contains a missing value; remove it")
    if index.has_duplicates:
        dups = list(index[index.duplicated()].unique())
        raise ValueError(f"labels has duplicate value(s) {dups}; list each label once")
    return index


def _missing_values(frame: pd.DataFrame, column: str, name: str, rows: IntArray) -> ValueError:
    """The error for missing values at positions ``rows`` of ``frame[column]``."""
    first = frame.index[rows[:1]].tolist()[0]
    return ValueError(
        f"{name}[{column!r}] has {rows.size} missing value(s), first at index {first!r}; "
        f"every row needs a {column}: drop or fill those rows"
    )


def _codes(frame: pd.DataFrame, column: str, name: str) -> tuple[IntArray, pd.Index]:
    """Integer codes and distinct values of ``frame[column]``; missing values raise."""
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.intp)
        uniques = values.cat.categories
    else:
        raw_codes, uniques = pd.factorize(values)
        codes = raw_codes.astype(np.intp, copy=False)
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise _missing_values(frame, column, name, missing)
    used = np.bincount(codes, minlength=len(uniques)) > 0
    if not used.all():  # unused categories
        codes = (np.cumsum(used) - 1)[codes]
        uniques = uniques[used]
    return codes, pd.Index(uniques, name=column)


def encode_votes(
    votes: pd.DataFrame, labels: Sequence[Hashable] | None = None, *, name: str = "votes"
) -> EncodedVotes:
    """Validate a ``votes`` frame and encode its tasks and labels as integer codes.

    The shared front door of the aggregators and of ``annotation.agreement``: every check on
    ``votes`` (type, columns, emptiness, missing values, labels outside ``labels``) lives here.

    Args:
        votes: One row per vote with columns ``task, worker, label``.
        labels: The label names in schema order; ``None`` uses the sorted labels in ``votes``.
        name: What to call ``votes`` in error messages.

    Returns:
        The codes, with tasks in order of first appearance (category order when ``task`` is
        categorical) and labels in schema order.

    Raises:
        KeyError: A column is missing.
        TypeError: ``votes`` is not a DataFrame, ``labels`` is not a list of names, or labels of
            mixed types cannot be sorted.
        ValueError: ``votes`` is empty, a task, worker or label is missing, or a label is not in
            ``labels``.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...                       "worker": ["w1", "w2", "w3"] * 2,
        ...                       "label": ["favor", "favor", "against", "neutral", "against", "against"]})
        >>> encoded = encode_votes(votes, ["favor", "against", "neutral"])
        >>> encoded.tasks.tolist(), encoded.counts().tolist()
        (['t1', 't2'], [[2, 1, 0], [0, 2, 1]])
    """
    if not isinstance(votes, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(votes).__name__}")
    check_columns(votes, VOTE_COLUMNS, name)
    if votes.empty:
        raise ValueError(f"{name} is empty (0 rows); expected at least one vote with columns {', '.join(VOTE_COLUMNS)}")
    schema_labels = None if labels is None else _check_labels(labels)
    task_codes, tasks = _codes(votes, TASK, name)
    label_codes, found = _codes(votes, LABEL, name)
    if schema_labels is None:
        try:
            schema_labels = found.sort_values()
        except TypeError as err:
            raise TypeError(
                f"{name}[{LABEL!r}] mixes label types that cannot be sorted ({list(found[:5])}); "
                "pass labels= in schema order"
            ) from err
    remap = schema_labels.get_indexer(found)
    if (remap < 0).any():
        unknown = list(found[remap < 0][:10])
        raise ValueError(
            f"{name}[{LABEL!r}] has value(s) {unknown} not in labels={list(schema_labels)}; "
            "add them to labels or drop those votes"
        )
    no_worker = np.flatnonzero(votes[WORKER].isna().to_numpy())
    if no_worker.size:
        raise _missing_values(votes, WORKER, name, no_worker)
    return EncodedVotes(
        tasks=tasks,
        labels=schema_labels,
        task_codes=task_codes,
        label_codes=remap.astype(np.intp)[label_codes],
    )


def _probas_frame(probas: FloatArray, encoded: EncodedVotes) -> pd.DataFrame:
    return pd.DataFrame(probas, index=encoded.tasks, columns=encoded.labels)


class MajorityVote(BaseEstimator):  # type: ignore[misc]
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
            ValueError: ``votes`` is empty; a task, worker or label is missing; a label is not
                in ``labels``; ``tie_break`` is not one of ``"first"``, ``"random"``, ``"none"``.

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
        self.probas_ = _probas_frame(counts / counts.sum(axis=1, keepdims=True), encoded)
        self.ties_ = encoded.tasks[tied]
        return self

    def fit_predict(self, votes: pd.DataFrame) -> pd.Series:
        """Fit on ``votes`` and return ``labels_`` (index ``task``, name ``agg_label``).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2,
            ...                       "label": ["favor", "favor", "against", "against", "against", "favor"]})
            >>> MajorityVote().fit_predict(votes).to_dict()
            {'t1': 'favor', 't2': 'against'}
        """
        return self.fit(votes).labels_

    def fit_predict_proba(self, votes: pd.DataFrame) -> pd.DataFrame:
        """Fit on ``votes`` and return ``probas_`` (index ``task``, one column per label).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2,
            ...                       "label": ["favor", "favor", "against", "against", "against", "favor"]})
            >>> MajorityVote(labels=["favor", "against"]).fit_predict_proba(votes).round(2)  # doctest: +NORMALIZE_WHITESPACE
            label  favor  against
            task
            t1      0.67     0.33
            t2      0.33     0.67
        """
        return self.fit(votes).probas_


class DawidSkene(BaseEstimator):  # type: ignore[misc]
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
            ValueError: ``votes`` is empty; a task, worker or label is missing; a label is not
                in ``labels``; ``n_iter`` is not a non-negative integer or ``tol`` not a
                non-negative number.

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
        worker_codes, workers = _codes(votes, WORKER, "votes")
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

        self.probas_ = _probas_frame(probas.T, encoded)
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

    def fit_predict(self, votes: pd.DataFrame) -> pd.Series:
        """Fit on ``votes`` and return ``labels_`` (index ``task``, name ``agg_label``).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2,
            ...                       "label": ["favor", "favor", "against", "against", "against", "favor"]})
            >>> DawidSkene().fit_predict(votes).to_dict()
            {'t1': 'favor', 't2': 'against'}
        """
        return self.fit(votes).labels_

    def fit_predict_proba(self, votes: pd.DataFrame) -> pd.DataFrame:
        """Fit on ``votes`` and return ``probas_`` (index ``task``, one column per label).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2,
            ...                       "label": ["favor", "favor", "against", "against", "against", "favor"]})
            >>> DawidSkene(labels=["favor", "against"]).fit_predict_proba(votes).round(2)  # doctest: +NORMALIZE_WHITESPACE
            label  favor  against
            task
            t1       1.0      0.0
            t2       0.0      1.0
        """
        return self.fit(votes).probas_


def _check_span_votes(span_votes: pd.DataFrame, texts: Mapping[Hashable, str], labels: pd.Index) -> None:
    """Validate ``span_votes`` against the sentence texts and the span labels."""
    if not isinstance(span_votes, pd.DataFrame):
        raise TypeError(f"span_votes must be a pandas DataFrame, got {type(span_votes).__name__}")
    check_columns(span_votes, SPAN_VOTE_COLUMNS, "span_votes")
    if span_votes.empty:
        return
    missing = span_votes[list(SPAN_VOTE_COLUMNS)].isna()
    if missing.to_numpy().any():
        first = int(np.argmax(missing.any(axis=1).to_numpy()))
        row = span_votes.index[first : first + 1].tolist()[0]
        columns = list(missing.columns[missing.iloc[first].to_numpy()])
        raise ValueError(
            f"span_votes has missing values ({int(missing.to_numpy().sum())} in all), first at index "
            f"{row!r} in column(s) {columns}; every span needs a task, worker, start, end, text and label"
        )
    for column in ("start", "end"):
        if not pd.api.types.is_integer_dtype(span_votes[column].dtype):
            raise TypeError(
                f"span_votes[{column!r}] must hold integer character offsets, got dtype {span_votes[column].dtype}"
            )
    unknown = pd.Index(span_votes[LABEL].unique()).difference(labels)
    if len(unknown):
        raise ValueError(
            f"span_votes['label'] has value(s) {list(unknown[:10])} not in labels={list(labels)}; "
            "add them to labels or drop those spans"
        )
    no_text = [task for task in span_votes[TASK].unique() if task not in texts]
    if no_text:
        raise KeyError(
            f"texts has no sentence for {len(no_text)} task(s) of span_votes, e.g. {no_text[:5]}; "
            "pass the text of every task"
        )
    for row, task, start, end, text in zip(
        span_votes.index, span_votes[TASK], span_votes["start"], span_votes["end"], span_votes["text"]
    ):
        sentence = texts[task]
        if not 0 <= start < end <= len(sentence):
            raise ValueError(
                f"span_votes row {row!r} (task {task!r}): offsets [{start}, {end}) are not a non-empty "
                f"range inside the sentence of length {len(sentence)}"
            )
        if sentence[start:end] != text:
            raise ValueError(
                f"span_votes row {row!r} (task {task!r}): text {text!r} != sentence[{start}:{end}] "
                f"= {sentence[start:end]!r}; the offsets must be code points into texts[task]"
            )


def token_votes(
    span_votes: pd.DataFrame, texts: Mapping[Hashable, str], *, labels: Sequence[str]
) -> pd.DataFrame:
    """Turn each annotator's spans into token-level labels.

    A token (see ``annotation.tokens.token_spans``) is marked by a span when the two overlap by
    at least one character, so a span that cuts a word in half marks the whole word. A span
    that covers only whitespace marks nothing.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label``; ``start``/``end`` are character offsets into ``texts[task]``, end exclusive.
        texts: The sentence text of every task.
        labels: The span label names in schema order.

    Returns:
        One row per annotator × token × label they marked it with, with columns ``task, worker,
        token`` (the token's position in the sentence), ``start, end`` (the token's offsets)
        and ``label``; tasks in order of first appearance, then by token.

    Raises:
        KeyError: A column is missing, or ``texts`` lacks a task.
        TypeError: ``start``/``end`` are not integers.
        ValueError: A value is missing, a label is not in ``labels``, or a span's offsets are out
            of range or do not match its ``text``.

    Examples:
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> span_votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "start": [4, 4, 11, 0, 0, 9],
        ...     "end": [10, 16, 16, 8, 18, 18],
        ...     "text": ["regime", "regime freed", "freed", "Radicals", "Radicals terrorize", "terrorize"],
        ...     "label": ["loaded-negative", "loaded-negative", "loaded-positive",
        ...               "loaded-negative", "loaded-negative", "loaded-negative"],
        ... })
        >>> token_votes(span_votes, texts, labels=["loaded-negative", "loaded-positive"])
          task worker  token  start  end            label
        0   t1     w1      1      4   10  loaded-negative
        1   t1     w2      1      4   10  loaded-negative
        2   t1     w2      2     11   16  loaded-negative
        3   t1     w3      2     11   16  loaded-positive
        4   t2     w1      0      0    8  loaded-negative
        5   t2     w2      0      0    8  loaded-negative
        6   t2     w2      1      9   18  loaded-negative
        7   t2     w3      1      9   18  loaded-negative
    """
    _check_span_votes(span_votes, texts, _check_labels(labels))
    positions = [np.empty(0, dtype=np.intp)]
    tokens = [np.empty(0, dtype=np.intp)]
    bounds = [np.empty((0, 2), dtype=np.intp)]
    for task, rows in span_votes.groupby(TASK, sort=False).indices.items():
        spans = np.array(token_spans(texts[task]), dtype=np.intp).reshape(-1, 2)
        first = np.searchsorted(spans[:, 1], span_votes["start"].to_numpy()[rows], side="right")
        stop = np.searchsorted(spans[:, 0], span_votes["end"].to_numpy()[rows], side="left")
        n_tokens = np.maximum(stop - first, 0)
        offsets = np.arange(n_tokens.sum()) - np.repeat(np.cumsum(n_tokens) - n_tokens, n_tokens)
        token = np.repeat(first, n_tokens) + offsets
        positions.append(np.repeat(rows, n_tokens))
        tokens.append(token)
        bounds.append(spans[token])
    position = np.concatenate(positions)
    token_bounds = np.concatenate(bounds)
    out = span_votes.iloc[position][[TASK, WORKER, LABEL]].reset_index(drop=True)
    out.insert(2, "token", np.concatenate(tokens).astype(np.int64))
    out.insert(3, "start", token_bounds[:, 0].astype(np.int64))
    out.insert(4, "end", token_bounds[:, 1].astype(np.int64))
    order = np.lexsort((out["token"].to_numpy(), pd.factorize(out[TASK])[0]))
    out = out.iloc[order].drop_duplicates([TASK, WORKER, "token", LABEL])
    return out.reset_index(drop=True)


def aggregate_spans(
    span_votes: pd.DataFrame,
    texts: Mapping[Hashable, str],
    n_annotators: Mapping[Hashable, int],
    *,
    labels: Sequence[str],
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Merge the annotators' spans into consensus spans by voting on tokens.

    1. Each annotator's spans become token labels (``token_votes``: a token is marked when a
       span overlaps it).
    2. Per token, the label given by the most annotators wins; on a tie, the earlier label in
       ``labels``. Its support is the number of annotators who gave it divided by
       ``n_annotators[task]``, everyone who submitted the task, including those who marked
       nothing.
    3. A token keeps its label when the support is at least ``threshold``. The default 0.5
       means "at least half": 1 of 2 annotators, 2 of 3, 2 of 4. Use e.g. 0.51 for a strict
       majority.
    4. Consecutive tokens with the same winning label form one span, from the first token's
       start to the last token's end, even when different annotators marked the parts.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label`` (character offsets into ``texts[task]``).
        texts: The sentence text of every task in ``span_votes``.
        n_annotators: The number of annotators who submitted each task in ``span_votes``.
        labels: The span label names in schema order.
        threshold: The least share of a task's annotators who must give a token its label.

    Returns:
        One row per consensus span with columns ``task, start, end, text, label, support`` (the
        mean support of its tokens) and ``n_annotators`` (the annotators who marked any of its
        tokens with its label); tasks in order of first appearance in ``span_votes``, then by
        ``start``. Empty (with these columns) when no token reaches the threshold.

    Raises:
        KeyError: A column is missing, or ``texts`` or ``n_annotators`` lacks a task.
        TypeError: ``start``/``end`` are not integers.
        ValueError: A value is missing; a label is not in ``labels``; a span's offsets are out of
            range or do not match its ``text``; ``n_annotators[task]`` is smaller than the
            number of annotators who marked spans there; ``threshold`` is not in (0, 1].

    Examples:
        >>> texts = {"t1": "The regime freed them.", "t2": "Radicals terrorize towns."}
        >>> span_votes = pd.DataFrame({
        ...     "task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...     "worker": ["w1", "w2", "w3", "w1", "w2", "w3"],
        ...     "start": [4, 4, 11, 0, 0, 9],
        ...     "end": [10, 16, 16, 8, 18, 18],
        ...     "text": ["regime", "regime freed", "freed", "Radicals", "Radicals terrorize", "terrorize"],
        ...     "label": ["loaded-negative", "loaded-negative", "loaded-positive",
        ...               "loaded-negative", "loaded-negative", "loaded-negative"],
        ... })
        >>> spans = aggregate_spans(span_votes, texts, {"t1": 3, "t2": 3},
        ...                         labels=["loaded-negative", "loaded-positive"])
        >>> spans  # doctest: +NORMALIZE_WHITESPACE
          task  start  end                text            label   support  n_annotators
        0   t1      4   10              regime  loaded-negative  0.666667             2
        1   t2      0   18  Radicals terrorize  loaded-negative  0.666667             3
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(
            f"threshold={threshold!r} must be a number in (0, 1]: the least share of a task's "
            "annotators who must mark a token"
        )
    tokens = token_votes(span_votes, texts, labels=labels)
    markers = span_votes.groupby(TASK, sort=False)[WORKER].nunique()
    no_count = [task for task in markers.index if task not in n_annotators]
    if no_count:
        raise KeyError(
            f"n_annotators has no count for {len(no_count)} task(s) of span_votes, e.g. "
            f"{no_count[:5]}; pass the number of annotators who submitted every task"
        )
    submitted = pd.Series([n_annotators[task] for task in markers.index], index=markers.index)
    short = markers[submitted < markers]
    if len(short):
        task = short.index[0]
        raise ValueError(
            f"n_annotators[{task!r}] = {n_annotators[task]!r}, but {short.iloc[0]} annotators marked "
            f"spans in that task ({len(short)} such task(s)); count every annotator who submitted it"
        )

    votes = (
        tokens.groupby([TASK, "token", LABEL], sort=False)
        .agg(votes=(WORKER, "size"), start=("start", "first"), end=("end", "first"))
        .reset_index()
    )
    votes["support"] = votes["votes"].to_numpy() / votes[TASK].map(submitted).to_numpy(dtype=float)
    order = np.lexsort((
        pd.Index(labels).get_indexer(votes[LABEL]),
        -votes["votes"].to_numpy(),
        votes["token"].to_numpy(),
        pd.factorize(votes[TASK])[0],
    ))
    winners = votes.iloc[order].drop_duplicates([TASK, "token"])
    kept = winners[winners["support"].to_numpy() >= threshold - _SUPPORT_TOL]
    if kept.empty:
        empty = span_votes.iloc[:0][[TASK, "start", "end", "text", LABEL]].astype({"start": "int64", "end": "int64"})
        return empty.assign(support=np.empty(0), n_annotators=np.empty(0, dtype=np.int64)).reset_index(drop=True)

    task_code = pd.factorize(kept[TASK])[0]
    token = kept["token"].to_numpy()
    label = kept[LABEL].to_numpy()
    starts_run = np.ones(len(kept), dtype=bool)
    starts_run[1:] = (task_code[1:] != task_code[:-1]) | (token[1:] != token[:-1] + 1) | (label[1:] != label[:-1])
    kept = kept.assign(run=np.cumsum(starts_run) - 1)
    spans = kept.groupby("run").agg(
        task=(TASK, "first"),
        start=("start", "min"),
        end=("end", "max"),
        label=(LABEL, "first"),
        support=("support", "mean"),
    )
    members = tokens.merge(kept[[TASK, "token", LABEL, "run"]], on=[TASK, "token", LABEL])
    spans["n_annotators"] = members.groupby("run")[WORKER].nunique().astype(np.int64)
    spans["text"] = [texts[task][start:end] for task, start, end in zip(spans[TASK], spans["start"], spans["end"])]
    return spans[list(SPAN_COLUMNS)].reset_index(drop=True)


def bio_tags(
    text: str, spans: Iterable[tuple[int, int, str]], labels: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Tokenise ``text`` and tag each token ``O``, ``B-<label>`` or ``I-<label>``.

    A token belongs to a span when the two overlap (as in ``token_votes``); the first token of
    each span is tagged ``B-``, the others ``I-``, so two adjacent spans stay apart.

    Args:
        text: The sentence.
        spans: ``(start, end, label)`` per span, character offsets into ``text``; for a frame
            from ``aggregate_spans``, ``frame[["start", "end", "label"]].itertuples(index=False)``.
        labels: The span label names in schema order.

    Returns:
        The tokens (see ``annotation.tokens.token_spans``) and one tag per token.

    Raises:
        ValueError: A span's label is not in ``labels``, its offsets are not a non-empty range
            inside ``text``, or two spans share a token.

    Examples:
        >>> tokens, tags = bio_tags("Radicals terrorize the town.", [(0, 18, "loaded-negative")],
        ...                         ["loaded-negative", "loaded-positive"])
        >>> list(zip(tokens, tags))  # doctest: +NORMALIZE_WHITESPACE
        [('Radicals', 'B-loaded-negative'), ('terrorize', 'I-loaded-negative'), ('the', 'O'),
         ('town', 'O'), ('.', 'O')]
    """
    bounds = token_spans(text)
    starts = [start for start, _ in bounds]
    ends = [end for _, end in bounds]
    tags = ["O"] * len(bounds)
    owner: list[int | None] = [None] * len(bounds)
    allowed = set(labels)
    for i, (start, end, label) in enumerate(spans):
        if label not in allowed:
            raise ValueError(f"span {i} has label {label!r}, not one of {list(labels)}")
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"span {i} has offsets [{start}, {end}), not a non-empty range inside a text of length {len(text)}"
            )
        first = bisect_right(ends, start)
        for j in range(first, bisect_left(starts, end)):
            if owner[j] is not None:
                raise ValueError(
                    f"spans {owner[j]} and {i} share token {j} ({text[starts[j]:ends[j]]!r}); spans must not overlap"
                )
            owner[j] = i
            tags[j] = f"{'B' if j == first else 'I'}-{label}"
    return [text[start:end] for start, end in bounds], tags
