"""Each annotator's accuracy on the gold tasks (tasks with a ground-truth annotation, ``Votes.gold``).

Potato's attention checks and Label Studio Enterprise's ground truth are the anchors: the curator
labels some tasks (``annotation gold import``, or a ground-truth annotation in Label Studio), every
annotator is served them like any other task, and their answers are compared with the gold:

- stance: the share of the annotator's gold tasks where their stance equals the gold stance;
- spans, exact: true positives are the annotator's spans with the start, end and label of a gold
  span of the same task; precision and recall are micro-averaged over the annotator's gold tasks
  (a gold span on a task they did not answer counts nowhere), F1 = 2·TP / (2·TP + FP + FN);
- spans, per token: the same over (token, label) pairs (``spans.token_votes``: a span marks every
  word it overlaps), which forgives bounds that differ by a word's part.

F1 is undefined (NaN) when neither the annotator nor the gold marks anything on their gold tasks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from annotation.exports.votes import Votes
from annotation.records import GOLD_ACCURACY_COLUMNS, LABEL, SPAN_VOTE_COLUMNS, TASK, WORKER
from annotation.spans import token_votes

__all__ = ["gold_accuracy"]

_GOLD = "\x00gold"  # the gold's worker id in the token votes; never a pseudonym


def _f1(tp: pd.Series, fp: pd.Series, fn: pd.Series) -> pd.Series:
    denominator = (2 * tp + fp + fn).astype(float)
    return (2 * tp / denominator.where(denominator > 0)).astype(float)


def _match_counts(marked: pd.DataFrame, gold: pd.DataFrame, answered: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per worker, ``tp``, ``fp``, ``fn`` of the ``marked`` items (``task, worker, *keys``) against the
    ``gold`` items (``task, *keys``) of the tasks each worker ``answered`` (``task, worker``)."""
    marked = marked[[TASK, WORKER, *keys]].drop_duplicates()
    expected = answered.merge(gold[[TASK, *keys]].drop_duplicates(), on=TASK)
    hits = marked.merge(expected, on=[TASK, WORKER, *keys])
    workers = pd.Index(answered[WORKER].unique(), name=WORKER)
    tp = hits.groupby(WORKER).size().reindex(workers, fill_value=0)
    return pd.DataFrame({
        "tp": tp,
        "fp": marked.groupby(WORKER).size().reindex(workers, fill_value=0) - tp,
        "fn": expected.groupby(WORKER).size().reindex(workers, fill_value=0) - tp,
    })


def gold_accuracy(votes: Votes, *, span_labels: Sequence[str]) -> pd.DataFrame:
    """Each annotator's stance accuracy and span F1 on the gold tasks they answered.

    Args:
        votes: Long tables from ``exports.to_votes`` (with ``gold`` and ``gold_spans``).
        span_labels: The span label names in schema order.

    Returns:
        A frame indexed by ``worker`` (the annotators with at least one vote on a gold task, sorted)
        with ``GOLD_ACCURACY_COLUMNS``: ``gold_tasks`` (gold tasks answered), ``stance_correct``,
        ``stance_accuracy``, ``span_tp``/``span_fp``/``span_fn`` (exact match on start, end and
        label), ``span_f1`` and ``token_f1`` (NaN when undefined).

    Examples:
        >>> tasks = pd.DataFrame({"task": ["t1", "t2"], "text": ["The regime fell.", "Rebels freed it."]})
        >>> annotations = pd.DataFrame({"task": ["t1", "t1", "t2"], "worker": ["w1", "w2", "w1"],
        ...                             "label": ["against", "favor", "favor"]})
        >>> spans = pd.DataFrame({"task": ["t1"], "worker": ["w1"], "start": [4], "end": [10], "text": ["regime"],
        ...                       "label": ["loaded-negative"]})
        >>> gold = pd.DataFrame({"task": ["t1"], "label": ["against"]})
        >>> gold_spans = spans.drop(columns="worker")
        >>> votes = Votes(tasks, annotations, spans, gold=gold, gold_spans=gold_spans)
        >>> table = gold_accuracy(votes, span_labels=["loaded-negative", "loaded-positive"])
        >>> table[["gold_tasks", "stance_accuracy", "span_f1"]].to_dict("index")
        {'w1': {'gold_tasks': 1, 'stance_accuracy': 1.0, 'span_f1': 1.0}, 'w2': {'gold_tasks': 1, 'stance_accuracy': 0.0, 'span_f1': 0.0}}
    """
    gold = votes.gold.drop_duplicates(TASK).set_index(TASK)[LABEL]
    on_gold = votes.annotations[votes.annotations[TASK].isin(gold.index)]
    if on_gold.empty:
        return pd.DataFrame({column: pd.Series(dtype=float) for column in GOLD_ACCURACY_COLUMNS},
                            index=pd.Index([], name=WORKER))
    correct = (on_gold[LABEL].to_numpy() == gold.reindex(on_gold[TASK]).to_numpy())
    stance = pd.DataFrame({WORKER: on_gold[WORKER].to_numpy(), "correct": correct}).groupby(WORKER)["correct"].agg(["size", "sum"])
    answered = on_gold[[TASK, WORKER]].drop_duplicates()
    spans = votes.spans[votes.spans[TASK].isin(gold.index)]
    exact = _match_counts(spans, votes.gold_spans, answered, ["start", "end", LABEL])
    texts = votes.tasks.drop_duplicates(TASK).set_index(TASK)["text"]
    texts = texts[texts.index.isin(gold.index)].to_dict()
    tokens = token_votes(spans[list(SPAN_VOTE_COLUMNS)], texts, labels=span_labels)
    gold_tokens = token_votes(votes.gold_spans.assign(**{WORKER: _GOLD})[list(SPAN_VOTE_COLUMNS)], texts, labels=span_labels)
    per_token = _match_counts(tokens, gold_tokens, answered, ["token", LABEL])
    table = pd.DataFrame({
        "gold_tasks": stance["size"].astype(int),
        "stance_correct": stance["sum"].astype(int),
        "stance_accuracy": (stance["sum"] / stance["size"]).astype(float),
        "span_tp": exact["tp"], "span_fp": exact["fp"], "span_fn": exact["fn"],
        "span_f1": _f1(exact["tp"], exact["fp"], exact["fn"]),
        "token_f1": _f1(per_token["tp"], per_token["fp"], per_token["fn"]),
    })
    table.index.name = WORKER
    return table.sort_index()[list(GOLD_ACCURACY_COLUMNS)].astype(
        {c: np.int64 for c in ("gold_tasks", "stance_correct", "span_tp", "span_fp", "span_fn")})
