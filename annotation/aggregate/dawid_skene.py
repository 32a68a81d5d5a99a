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

Spans are aggregated by voting on word tokens, B-/I- votes included, so that the boundaries the
annotators drew survive (two adjacent spans stay two). The span functions are vectorised too: sentences
are tokenised once into flat arrays (``index_tokens``, which a large build passes on to every
function taking ``texts``), and spans are located on the tokens with ``numpy.searchsorted``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from annotation.schema import LABEL, SPAN_COLUMNS, SPAN_VOTE_COLUMNS, TASK, TOKEN_VOTE_COLUMNS, VOTE_COLUMNS, WORKER, check_columns
from annotation.spans import TOKEN_PATTERN, token_spans

__all__ = [
    "AGG_LABEL",
    "EncodedVotes",
    "TokenIndex",
    "encode_votes",
    "MajorityVote",
    "DawidSkene",
    "index_tokens",
    "check_span_votes",
    "token_votes",
    "aggregate_spans",
    "bio_tags",
    "bio_tag_ids",
]

AGG_LABEL = "agg_label"
"""Name of the aggregated label Series."""

TieBreak = Literal["first", "random", "none"]
_TIE_BREAKS: tuple[str, ...] = ("first", "random", "none")
_EPS = 1e-10  # floor for probabilities before a log, as in crowd-kit
_SUPPORT_TOL = 1e-12  # so that a support of exactly k/n passes threshold=k/n
_TOKENISE_CHUNK = 8192  # sentences tokenised per regex pass

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

    The shared front door of the aggregators and of ``annotation.aggregate.agreement``: every check on
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


class _Aggregator(BaseEstimator):  # type: ignore[misc]
    """What MajorityVote and DawidSkene share: crowd-kit's ``fit_predict`` and ``fit_predict_proba``."""

    def fit(self, votes: pd.DataFrame) -> _Aggregator:
        raise NotImplementedError

    def fit_predict(self, votes: pd.DataFrame) -> pd.Series:
        """Fit on ``votes`` and return ``labels_`` (index ``task``, name ``agg_label``).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
            ...                       "worker": ["w1", "w2", "w3"] * 2,
            ...                       "label": ["favor", "favor", "against", "against", "against", "favor"]})
            >>> MajorityVote().fit_predict(votes).to_dict()
            {'t1': 'favor', 't2': 'against'}
        """
        return self.fit(votes).labels_  # type: ignore[attr-defined,no-any-return]

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
        return self.fit(votes).probas_  # type: ignore[attr-defined,no-any-return]


class MajorityVote(_Aggregator):
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



class DawidSkene(_Aggregator):
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



@dataclass(frozen=True, eq=False)
class TokenIndex(Mapping[Hashable, str]):
    """Sentences and their word tokens as flat arrays; also a read-only mapping task -> sentence.

    Built by ``index_tokens``. The tokens of ``tasks[i]`` (sentence ``texts[i]``) are the
    positions ``offsets[i]:offsets[i + 1]`` of ``starts``/``ends``, character offsets into the
    sentence as ``annotation.spans.token_spans`` gives them. Every function that takes ``texts``
    accepts one, so a large build tokenises each sentence once instead of once per function.

    Examples:
        >>> index = index_tokens({"t1": "The regime freed them.", "t2": "Radicals 🙂"})
        >>> index["t2"], index.offsets.tolist(), index.starts[4:].tolist()
        ('Radicals 🙂', [0, 5, 7], [21, 0, 9])
    """

    tasks: pd.Index
    texts: tuple[str, ...]
    offsets: IntArray
    starts: IntArray
    ends: IntArray

    def __getitem__(self, task: Hashable) -> str:
        return self.texts[int(self.tasks.get_loc(task))]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def locate(self, positions: IntArray, starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
        """The tokens that character ranges overlap, as global token positions ``first:stop``.

        Range ``k`` is ``[starts[k], ends[k])`` in sentence ``texts[positions[k]]``; it overlaps
        the tokens ``first[k]:stop[k]`` of ``self.starts``/``self.ends`` (none when ``first >= stop``,
        for a range that covers only whitespace).
        """
        lengths = np.fromiter(map(len, self.texts), dtype=np.intp, count=len(self.texts))
        bases = np.zeros(len(self.texts) + 1, dtype=np.intp)
        np.cumsum(lengths + 1, out=bases[1:])  # sentence i at [bases[i], bases[i] + len), a gap between sentences
        token_base = np.repeat(bases[:-1], np.diff(self.offsets))
        first = np.searchsorted(self.ends + token_base, bases[positions] + starts, side="right")
        stop = np.searchsorted(self.starts + token_base, bases[positions] + ends, side="left")
        return first.astype(np.intp), stop.astype(np.intp)


def index_tokens(texts: Mapping[Hashable, str]) -> TokenIndex:
    """Tokenise many sentences at once, as ``annotation.spans.token_spans`` does each.

    The sentences are joined by newlines and matched with ``TOKEN_PATTERN`` in one pass; since no
    token contains whitespace, the tokens are exactly those of each sentence on its own.

    Args:
        texts: The sentence of every task; a ``TokenIndex`` is returned as it is.

    Returns:
        The tasks in the order of ``texts`` with their tokens.

    Raises:
        TypeError: A sentence is not a ``str``.

    Examples:
        >>> index = index_tokens({"t1": "Freed 🙂!", "t2": ""})
        >>> [index["t1"][s:e] for s, e in zip(index.starts, index.ends)], index.offsets.tolist()
        (['Freed', '🙂', '!'], [0, 3, 3])
    """
    if isinstance(texts, TokenIndex):
        return texts
    sentences = tuple(texts.values())
    for task, text in texts.items():
        if not isinstance(text, str):
            raise TypeError(f"texts[{task!r}] must be a str, got {type(text).__name__}: {text!r}")
    counts, starts, ends = [], [], []
    for begin in range(0, len(sentences), _TOKENISE_CHUNK):  # chunks bound the temporary arrays
        chunk = sentences[begin : begin + _TOKENISE_CHUNK]
        bases = np.zeros(len(chunk) + 1, dtype=np.intp)
        np.cumsum(np.fromiter(map(len, chunk), dtype=np.intp, count=len(chunk)) + 1, out=bases[1:])
        spans = chain.from_iterable(match.span() for match in TOKEN_PATTERN.finditer("\n".join(chunk)))
        flat = np.fromiter(spans, dtype=np.intp).reshape(-1, 2)
        owner = np.searchsorted(bases, flat[:, 0], side="right") - 1
        counts.append(np.bincount(owner, minlength=len(chunk)))
        starts.append(flat[:, 0] - bases[owner])
        ends.append(flat[:, 1] - bases[owner])
    offsets = np.zeros(len(sentences) + 1, dtype=np.intp)
    np.cumsum(np.concatenate([np.empty(0, dtype=np.intp), *counts]), out=offsets[1:])
    return TokenIndex(
        tasks=pd.Index(list(texts), dtype=object, name=TASK), texts=sentences, offsets=offsets,
        starts=np.concatenate([np.empty(0, dtype=np.intp), *starts]),
        ends=np.concatenate([np.empty(0, dtype=np.intp), *ends]),
    )


def check_span_votes(
    span_votes: pd.DataFrame, texts: Mapping[Hashable, str], *, labels: Sequence[str]
) -> tuple[TokenIndex, IntArray]:
    """Validate span votes against the sentences and the span labels.

    The shared front door of the span functions here and in ``annotation.aggregate.agreement``.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label``; ``start``/``end`` are character offsets into ``texts[task]``, end exclusive.
        texts: The sentence of every task (a mapping, or a ``TokenIndex``).
        labels: The span label names in schema order.

    Returns:
        The sentences as a ``TokenIndex`` (``texts`` itself when it is one, else the tasks of
        ``span_votes`` tokenised) and the position of each span's task in it.

    Raises:
        KeyError: A column is missing, or ``texts`` lacks a task.
        TypeError: ``span_votes`` is not a DataFrame or ``start``/``end`` are not integers.
        ValueError: A value is missing, a label is not in ``labels``, or a span's offsets are out
            of range or do not match its ``text``.

    Examples:
        >>> span_votes = pd.DataFrame({"task": ["t1"], "worker": ["w1"], "start": [4], "end": [11],
        ...                            "text": ["regimes"], "label": ["loaded-negative"]})
        >>> check_span_votes(span_votes, {"t1": "The regime fell."}, labels=["loaded-negative"])
        Traceback (most recent call last):
        ...
        ValueError: span_votes row 0 (task 't1'): text 'regimes' != sentence[4:11] = 'regime '; the offsets must be code points into texts[task]
    """
    label_index = _check_labels(labels)
    if not isinstance(span_votes, pd.DataFrame):
        raise TypeError(f"span_votes must be a pandas DataFrame, got {type(span_votes).__name__}")
    check_columns(span_votes, SPAN_VOTE_COLUMNS, "span_votes")
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
        if not span_votes.empty and not pd.api.types.is_integer_dtype(span_votes[column].dtype):
            raise TypeError(
                f"span_votes[{column!r}] must hold integer character offsets, got dtype {span_votes[column].dtype}"
            )
    unknown = pd.Index(span_votes[LABEL].unique()).difference(label_index)
    if len(unknown):
        raise ValueError(
            f"span_votes['label'] has value(s) {list(unknown[:10])} not in labels={list(label_index)}; "
            "add them to labels or drop those spans"
        )
    tasks = span_votes[TASK]
    if isinstance(texts, TokenIndex):
        index = texts
        no_text = list(pd.unique(tasks[index.tasks.get_indexer(tasks) < 0]))
    else:
        no_text = [task for task in pd.unique(tasks) if task not in texts]
        index = index_tokens({task: texts[task] for task in pd.unique(tasks) if task in texts})
    if no_text:
        raise KeyError(
            f"texts has no sentence for {len(no_text)} task(s) of span_votes, e.g. {no_text[:5]}; "
            "pass the text of every task"
        )
    positions = index.tasks.get_indexer(tasks).astype(np.intp)
    starts = span_votes["start"].to_numpy(dtype=np.int64)
    ends = span_votes["end"].to_numpy(dtype=np.int64)
    lengths = np.fromiter(map(len, index.texts), dtype=np.int64, count=len(index.texts))[positions]
    outside = np.flatnonzero((starts < 0) | (starts >= ends) | (ends > lengths))
    if outside.size:
        i = outside[0]
        raise ValueError(
            f"span_votes row {span_votes.index[i]!r} (task {tasks.iloc[i]!r}): offsets [{starts[i]}, {ends[i]}) "
            f"are not a non-empty range inside the sentence of length {lengths[i]}"
        )
    sentences = index.texts
    cut = (sentences[p][a:b] for p, a, b in zip(positions.tolist(), starts.tolist(), ends.tolist()))
    for i, (piece, text) in enumerate(zip(cut, span_votes["text"].tolist())):
        if piece != text:
            raise ValueError(
                f"span_votes row {span_votes.index[i]!r} (task {tasks.iloc[i]!r}): text {text!r} != "
                f"sentence[{starts[i]}:{ends[i]}] = {piece!r}; the offsets must be code points into texts[task]"
            )
    return index, positions


@dataclass(frozen=True)
class _Marks:
    """Token votes as codes: one per annotator, token and label, sorted by task, then token."""

    row: IntArray  # the row of span_votes that made the mark
    task: IntArray  # codes of ``tasks``, in order of first appearance in span_votes
    worker: IntArray
    token: IntArray  # position in the TokenIndex's flat token arrays
    local: IntArray  # position in the sentence
    label: IntArray  # position in the labels
    inside: npt.NDArray[np.bool_]  # an I- vote: a span of the annotator's with this label also covers the token before
    tasks: pd.Index
    n_workers: int


def _marks(span_votes: pd.DataFrame, index: TokenIndex, positions: IntArray, labels: pd.Index) -> _Marks:
    """The tokens each (validated) span overlaps, deduplicated per annotator, token and label; a
    mark is inside (I-) when any of the annotator's spans with that label runs on into the token."""
    first, stop = index.locate(positions, span_votes["start"].to_numpy(), span_votes["end"].to_numpy())
    n_tokens = np.maximum(stop - first, 0)
    row = np.repeat(np.arange(len(span_votes)), n_tokens)
    token = np.repeat(first, n_tokens) + np.arange(row.size) - np.repeat(np.cumsum(n_tokens) - n_tokens, n_tokens)
    inside = token != np.repeat(first, n_tokens)
    task_codes, tasks = pd.factorize(span_votes[TASK])
    worker_codes, workers = pd.factorize(span_votes[WORKER])
    task, worker, label = task_codes[row], worker_codes[row], labels.get_indexer(span_votes[LABEL])[row]
    order = np.lexsort((token, task))
    # One group per (annotator, token, label); token positions are unique across sentences, so
    # they fix the task. Groups are numbered in order of first appearance, so a group starts
    # where its number exceeds every number before it.
    key = (token[order].astype(np.int64) * max(len(workers), 1) + worker[order]) * len(labels) + label[order]
    group = pd.factorize(key)[0]
    first_of_group = group > np.maximum.accumulate(np.r_[-1, group[:-1]])
    keep = order[first_of_group]
    return _Marks(
        row=row[keep], task=task[keep], worker=worker[keep], token=token[keep],
        local=token[keep] - index.offsets[positions[row[keep]]], label=label[keep],
        inside=np.bincount(group, weights=inside[order]) > 0,
        tasks=pd.Index(tasks), n_workers=len(workers),
    )


def _token_votes(span_votes: pd.DataFrame, index: TokenIndex, positions: IntArray, labels: pd.Index) -> pd.DataFrame:
    """``token_votes`` on validated input."""
    marks = _marks(span_votes, index, positions, labels)
    return pd.DataFrame({
        TASK: span_votes[TASK].take(marks.row).to_numpy(),
        WORKER: span_votes[WORKER].take(marks.row).to_numpy(),
        "token": marks.local.astype(np.int64),
        "start": index.starts[marks.token].astype(np.int64),
        "end": index.ends[marks.token].astype(np.int64),
        LABEL: span_votes[LABEL].take(marks.row).to_numpy(),
        "tag": np.where(marks.inside, "I", "B"),
    })


def token_votes(
    span_votes: pd.DataFrame, texts: Mapping[Hashable, str], *, labels: Sequence[str]
) -> pd.DataFrame:
    """Turn each annotator's spans into token-level labels.

    A token (see ``annotation.spans.token_spans``) is marked by a span when the two overlap by
    at least one character, so a span that cuts a word in half marks the whole word. A span
    that covers only whitespace marks nothing. The mark is an ``I`` (inside) vote when one of the
    annotator's spans with that label covers the token before it too, else a ``B`` (begin) vote:
    two adjacent words marked as one span are ``B I``, marked as two spans ``B B``.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label``; ``start``/``end`` are character offsets into ``texts[task]``, end exclusive.
        texts: The sentence text of every task (a mapping, or a ``TokenIndex``).
        labels: The span label names in schema order.

    Returns:
        One row per annotator × token × label they marked it with, with columns ``task, worker,
        token`` (the token's position in the sentence), ``start, end`` (the token's offsets),
        ``label`` and ``tag`` (``"B"`` or ``"I"``); tasks in order of first appearance, then by
        token.

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
          task worker  token  start  end            label tag
        0   t1     w1      1      4   10  loaded-negative   B
        1   t1     w2      1      4   10  loaded-negative   B
        2   t1     w2      2     11   16  loaded-negative   I
        3   t1     w3      2     11   16  loaded-positive   B
        4   t2     w1      0      0    8  loaded-negative   B
        5   t2     w2      0      0    8  loaded-negative   B
        6   t2     w2      1      9   18  loaded-negative   I
        7   t2     w3      1      9   18  loaded-negative   B
    """
    label_index = _check_labels(labels)
    index, positions = check_span_votes(span_votes, texts, labels=label_index)
    return _token_votes(span_votes, index, positions, label_index)


def aggregate_spans(
    span_votes: pd.DataFrame,
    texts: Mapping[Hashable, str],
    n_annotators: Mapping[Hashable, int],
    *,
    labels: Sequence[str],
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Merge the annotators' spans into consensus spans by voting on tokens.

    1. Each annotator's spans become token votes (``token_votes``: a token is marked when a
       span overlaps it; ``I`` when the same span, or another of the annotator's with that
       label, also covers the token before, else ``B``).
    2. Per token, the label given by the most annotators (``B`` and ``I`` alike) wins; on a
       tie, the earlier label in ``labels``. Its support is the number of annotators who gave
       it divided by ``n_annotators[task]``, everyone who submitted the task, including those
       who marked nothing.
    3. A token keeps its label when the support is at least ``threshold``. The default 0.5
       means "at least half": 1 of 2 annotators, 2 of 3, 2 of 4. Use e.g. 0.51 for a strict
       majority.
    4. A kept token continues the span of the kept token before it (same label, next token)
       when the ``I`` votes for that label reach ``threshold`` of ``n_annotators[task]`` too:
       enough annotators joined the two words in one span. Otherwise it begins a new span, so
       adjacent words that the annotators marked as separate spans stay separate spans. A span
       runs from its first token's start to its last token's end.

    The ``I`` votes cost one more ``numpy.bincount`` over the token votes that step 2 counts.

    Args:
        span_votes: One row per marked span with columns ``task, worker, start, end, text,
            label`` (character offsets into ``texts[task]``).
        texts: The sentence text of every task in ``span_votes`` (a mapping, or a
            ``TokenIndex`` to reuse tokens computed once).
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
        >>> spans  # t2: only w2 joined "Radicals terrorize"  # doctest: +NORMALIZE_WHITESPACE
          task  start  end       text            label   support  n_annotators
        0   t1      4   10     regime  loaded-negative  0.666667             2
        1   t2      0    8   Radicals  loaded-negative  0.666667             2
        2   t2      9   18  terrorize  loaded-negative  0.666667             2
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(
            f"threshold={threshold!r} must be a number in (0, 1]: the least share of a task's "
            "annotators who must mark a token"
        )
    label_index = _check_labels(labels)
    index, positions = check_span_votes(span_votes, texts, labels=label_index)
    marks = _marks(span_votes, index, positions, label_index)
    submitted = _submitted(span_votes, n_annotators)
    empty = pd.DataFrame({
        TASK: span_votes[TASK].iloc[:0].to_numpy(), "start": np.empty(0, np.int64), "end": np.empty(0, np.int64),
        "text": span_votes["text"].iloc[:0].to_numpy(), LABEL: span_votes[LABEL].iloc[:0].to_numpy(),
        "support": np.empty(0), "n_annotators": np.empty(0, np.int64),
    })
    if marks.row.size == 0:
        return empty

    # Votes per (task, token, label): sort the marks and cut them into runs of equal keys.
    order = np.lexsort((marks.label, marks.token, marks.task))
    key_token, key_label = marks.token[order], marks.label[order]
    new_key = np.ones(len(order), dtype=bool)
    new_key[1:] = (key_token[1:] != key_token[:-1]) | (key_label[1:] != key_label[:-1])
    group = np.cumsum(new_key) - 1
    votes = np.bincount(group)
    g_task, g_token, g_label = marks.task[order][new_key], key_token[new_key], key_label[new_key]
    annotators = submitted.to_numpy(dtype=float)[g_task]  # both indexed by the task codes
    support = votes / annotators
    # The share of annotators whose span with this label runs on into the token from the one before.
    join_support = np.bincount(group, weights=marks.inside[order], minlength=len(votes)) / annotators

    # The winner of each token: most votes, then the earlier label.
    by_token = np.lexsort((g_label, -votes, g_token, g_task))
    first_of_token = np.r_[True, g_token[by_token][1:] != g_token[by_token][:-1]]
    winners = by_token[first_of_token]
    kept = winners[support[winners] >= threshold - _SUPPORT_TOL]
    if kept.size == 0:
        return empty

    starts_run = np.ones(kept.size, dtype=bool)
    starts_run[1:] = (
        (g_task[kept][1:] != g_task[kept][:-1]) | (g_token[kept][1:] != g_token[kept][:-1] + 1)
        | (g_label[kept][1:] != g_label[kept][:-1]) | (join_support[kept][1:] < threshold - _SUPPORT_TOL)
    )
    run = np.cumsum(starts_run) - 1
    run_first, run_last = kept[starts_run], kept[np.r_[starts_run[1:], True]]
    length = np.bincount(run)
    run_of_group = np.full(len(votes), -1)
    run_of_group[kept] = run
    mark_run = run_of_group[group]
    in_run = mark_run >= 0
    pairs = np.unique(mark_run[in_run] * marks.n_workers + marks.worker[order][in_run])
    starts, ends = index.starts[g_token[run_first]], index.ends[g_token[run_last]]
    where = index.tasks.get_indexer(marks.tasks)[g_task[run_first]]
    sentences = index.texts
    return pd.DataFrame({
        TASK: marks.tasks.take(g_task[run_first]).to_numpy(),
        "start": starts.astype(np.int64),
        "end": ends.astype(np.int64),
        "text": [sentences[p][a:b] for p, a, b in zip(where.tolist(), starts.tolist(), ends.tolist())],
        LABEL: label_index.take(g_label[run_first]).to_numpy(),
        "support": np.bincount(run, weights=support[kept]) / length,
        "n_annotators": np.bincount(pairs // marks.n_workers, minlength=len(length)).astype(np.int64),
    })


def _submitted(span_votes: pd.DataFrame, n_annotators: Mapping[Hashable, int]) -> pd.Series:
    """``n_annotators`` of the tasks in ``span_votes`` (index: task), checked against the annotators who marked spans."""
    task, tasks = pd.factorize(span_votes[TASK])
    worker, workers = pd.factorize(span_votes[WORKER])
    markers = np.bincount(np.unique(task * max(len(workers), 1) + worker) // max(len(workers), 1), minlength=len(tasks))
    no_count = [t for t in tasks if t not in n_annotators]
    if no_count:
        raise KeyError(
            f"n_annotators has no count for {len(no_count)} task(s) of span_votes, e.g. "
            f"{no_count[:5]}; pass the number of annotators who submitted every task"
        )
    submitted = pd.Series([n_annotators[t] for t in tasks], index=pd.Index(tasks), dtype=np.int64)
    short = np.flatnonzero(submitted.to_numpy() < markers)
    if short.size:
        bad = tasks[short[0]]
        raise ValueError(
            f"n_annotators[{bad!r}] = {n_annotators[bad]!r}, but {markers[short[0]]} annotators marked "
            f"spans in that task ({short.size} such task(s)); count every annotator who submitted it"
        )
    return submitted


def bio_tag_ids(spans: pd.DataFrame, texts: Mapping[Hashable, str], *, labels: Sequence[str]) -> IntArray:
    """BIO tag ids of every token of many sentences at once; ``bio_tags`` for a whole table.

    A token belongs to a span when the two overlap; the first token of each span is ``B-``, the
    others ``I-``. Ids follow ``Schema.bio_names``: 0 is ``O``, ``1 + 2 * k`` is
    ``B-<labels[k]>`` and ``2 + 2 * k`` is ``I-<labels[k]>``.

    Args:
        spans: One row per span with columns ``task, start, end, label`` (e.g. from
            ``aggregate_spans``); character offsets into ``texts[task]``.
        texts: The sentences; every token of every sentence gets a tag.
        labels: The span label names in schema order.

    Returns:
        One id per token of ``index_tokens(texts)``, in its order (sentence by sentence).

    Raises:
        KeyError: A column is missing, or ``texts`` lacks a task of ``spans``.
        ValueError: A label is not in ``labels``, a span's offsets are not a non-empty range inside
            its sentence, or two spans of a sentence share a token.

    Examples:
        >>> spans = pd.DataFrame({"task": ["t2", "t1"], "start": [0, 4], "end": [18, 10],
        ...                       "label": ["loaded-negative", "loaded-positive"]})
        >>> texts = {"t1": "The regime fell.", "t2": "Radicals terrorize towns."}
        >>> bio_tag_ids(spans, texts, labels=["loaded-negative", "loaded-positive"]).tolist()
        [0, 3, 0, 0, 1, 2, 0, 0]
    """
    check_columns(spans, (TASK, "start", "end", LABEL), "spans")
    label_index = _check_labels(labels)
    index = index_tokens(texts)
    positions = index.tasks.get_indexer(spans[TASK])
    if (positions < 0).any():
        unknown = list(pd.unique(spans[TASK][positions < 0]))
        raise KeyError(f"texts has no sentence for {len(unknown)} task(s) of spans, e.g. {unknown[:5]}")
    label_code = label_index.get_indexer(spans[LABEL])
    if (label_code < 0).any():
        raise ValueError(f"spans['label'] has value(s) {list(pd.unique(spans[LABEL][label_code < 0]))[:10]} not in labels={list(labels)}")
    starts, ends = spans["start"].to_numpy(dtype=np.int64), spans["end"].to_numpy(dtype=np.int64)
    lengths = np.fromiter(map(len, index.texts), dtype=np.int64, count=len(index.texts))[positions]
    outside = np.flatnonzero((starts < 0) | (starts >= ends) | (ends > lengths))
    if outside.size:
        i = outside[0]
        raise ValueError(
            f"spans row {spans.index[i]!r} (task {spans[TASK].iloc[i]!r}) has offsets [{starts[i]}, {ends[i]}), "
            f"not a non-empty range inside a text of length {lengths[i]}"
        )
    first, stop = index.locate(positions, starts, ends)
    n_tokens = np.maximum(stop - first, 0)
    token = np.repeat(first, n_tokens) + np.arange(n_tokens.sum()) - np.repeat(np.cumsum(n_tokens) - n_tokens, n_tokens)
    owners = np.bincount(token, minlength=len(index.starts))
    if (owners > 1).any():
        shared = int(np.argmax(owners > 1))
        task = index.tasks[np.searchsorted(index.offsets, shared, side="right") - 1]
        raise ValueError(
            f"two spans of task {task!r} share token {shared - index.offsets[index.tasks.get_loc(task)]} "
            f"({index[task][index.starts[shared]:index.ends[shared]]!r}); spans must not overlap"
        )
    tags = np.zeros(len(index.starts), dtype=np.intp)
    tags[token] = 2 + 2 * np.repeat(label_code, n_tokens)
    tags[first[n_tokens > 0]] -= 1
    return tags


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
        The tokens (see ``annotation.spans.token_spans``) and one tag per token.

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
