"""Per-annotator quality from the data alone: Dawid–Skene on the release's stance votes.

The build fits ``aggregate.DawidSkene`` on the same stance votes as the majority vote (labels in
schema order; the EM starts from the majority-vote shares, so the fit is deterministic and the
release byte-stable). The ``sentences`` config carries its label and posterior
(``stance_dawid_skene``, ``stance_dawid_skene_posterior``) beside the majority vote, from the votes
alone: an adjudication replaces only the majority ``stance``. ``stats.json`` carries, per
pseudonymised annotator, the estimated confusion matrix (rows: true label, columns: the label
given, schema order), the estimated accuracy (the diagonal weighted by the estimated priors) and
the number of tasks labelled; the card shows the accuracies. Beside these estimates, the card shows
each annotator's measured accuracy on the gold tasks (``gold_table``; ``stats.json``'s ``gold``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from annotation.aggregate import DawidSkene
from annotation.records import WORKER
from annotation.schema import Schema

__all__ = ["DS_REFERENCE"]

DS_REFERENCE = (  # stats.json's annotator_quality.reference
    "A. P. Dawid and A. M. Skene (1979), Maximum Likelihood Estimation of Observer Error-Rates Using the EM "
    "Algorithm, JRSS C 28(1), 20-28, https://doi.org/10.2307/2346806"
)


def fit_dawid_skene(stance_votes: pd.DataFrame, schema: Schema) -> DawidSkene:
    """Dawid–Skene fitted on ``task, worker, label`` stance votes, labels in schema order."""
    return DawidSkene(labels=schema.stance_names, random_state=0).fit(stance_votes)


def annotator_quality(model: DawidSkene, stance_votes: pd.DataFrame, schema: Schema) -> dict[str, Any]:
    """Each annotator's estimated confusion matrix, accuracy and task count, annotators sorted by pseudonym.

    Examples:
        >>> from annotation.schema import load_schema
        >>> schema = load_schema()
        >>> a, b = schema.stance_names[:2]
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"], "worker": ["w1", "w2", "w3"] * 2,
        ...                       "label": [a, a, b, b, b, a]})
        >>> quality = annotator_quality(fit_dawid_skene(votes, schema), votes, schema)
        >>> {name: (entry["tasks"], entry["accuracy"]) for name, entry in quality["annotators"].items()}
        {'w1': (2, 1.0), 'w2': (2, 1.0), 'w3': (2, 0.0)}
    """
    names = list(schema.stance_names)
    tasks = stance_votes[WORKER].value_counts()
    priors = model.priors_.reindex(names).to_numpy()
    annotators = {}
    for worker in sorted(tasks.index, key=str):
        # errors_ rows: (worker, given label); columns: true label. Transposed: rows true, columns given.
        confusion = model.errors_.loc[worker].reindex(index=names, columns=names).to_numpy().T
        annotators[str(worker)] = {
            "tasks": int(tasks[worker]),
            "accuracy": round(float((priors * np.diagonal(confusion)).sum()), 4),
            "confusion": [[round(float(p), 4) for p in row] for row in confusion],
        }
    return {
        "method": "dawid_skene",
        "reference": DS_REFERENCE,
        "n_iter": int(model.n_iter_),
        "labels": names,
        "priors": [round(float(p), 4) for p in priors],
        "annotators": annotators,
    }


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def gold_table(stats: dict[str, Any]) -> str:
    """The card's per-annotator gold table: pseudonym, gold tasks answered, stance accuracy (correct
    of answered), span F1 exact (TP/FP/FN) and per token; empty when the release has no gold tasks."""
    annotators = stats.get("gold", {}).get("annotators", {})
    if not annotators:
        return ""
    rows = "\n".join(
        f"| `{name}` | {e['gold_tasks']} | {_cell(e['stance_accuracy'])} ({e['stance_correct']}/{e['gold_tasks']}) | "
        f"{_cell(e['span_f1'])} ({e['span_tp']}/{e['span_fp']}/{e['span_fn']}) | {_cell(e['token_f1'])} |"
        for name, e in annotators.items()
    )
    return ("| annotator | gold tasks | stance accuracy (correct/answered) | span F1, exact (TP/FP/FN) | span F1, per token |\n"
            f"|---|---:|---:|---:|---:|\n{rows}")


def quality_table(stats: dict[str, Any]) -> str:
    """The card's compact per-annotator table: pseudonym, tasks, estimated accuracy."""
    rows = "\n".join(
        f"| `{name}` | {entry['tasks']} | {entry['accuracy']:.3f} |"
        for name, entry in stats["annotator_quality"]["annotators"].items()
    )
    return f"| annotator | tasks | estimated accuracy |\n|---|---:|---:|\n{rows}"
