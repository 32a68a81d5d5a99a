"""The suggestions (pre-filled spans and stance) in a release: what annotators did with them, and how the lexicon fares.

``stats.json`` carries ``suggestions``: the span outcome counts and acceptance rate
(``exports.suggestions``: accepted = a submitted span with the same start, end and label; changed =
only an overlapping one; rejected = none) overall, per pseudonymised annotator (flagged
``synthetic``, with their counts per model version), per model version and per span label; the
precision and recall of the span suggestions against the release's aggregated spans, exact
``(task, start, end, label)`` and by overlap (a shared character, same label), overall and per
label; and under ``stance`` the same outcome counts for the pre-filled stance (accepted = the
annotator submitted it; changed = another; never rejected) overall, per annotator, per model
version and per suggested stance. The card shows short tables of them. A high acceptance rate beside
a low exact precision reads as anchoring: annotators keep what was pre-filled more often than their
peers agree on it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from annotation.exports import Votes, outcome_summary, stance_outcomes, suggestion_outcomes, suggestion_scores
from annotation.records import LABEL, OUTCOMES, WORKER
from annotation.schema import Schema

__all__ = ["SUGGESTION_DEFINITIONS", "STANCE_SUGGESTION_DEFINITIONS"]

SUGGESTION_DEFINITIONS = (  # stats.json's suggestions.definitions
    "accepted: the annotator's submitted spans include one with the suggestion's start, end and label; "
    "changed: none does, but one overlaps it; rejected: no submitted span overlaps it; "
    "acceptance_rate = accepted / suggestions. Lexicon precision = distinct suggestions (task, start, end, label) "
    "matching an aggregated span / suggestions; recall = aggregated spans matched by a suggestion / aggregated spans; "
    "exact: same task, start, end and label; overlap: same task and label, sharing a character."
)
STANCE_SUGGESTION_DEFINITIONS = (  # stats.json's suggestions.stance.definitions
    "A stance suggestion is the stance region of the prediction pre-filled for an annotation. accepted: the annotator "
    "submitted that stance; changed: they submitted another; rejected: never (a vote always has a stance); "
    "acceptance_rate = accepted / suggestions."
)
_MODEL_VERSION = "model_version"


def _row(counts: pd.Series) -> dict[str, Any]:
    rate = counts["acceptance_rate"]
    return {"suggestions": int(counts["suggestions"]), **{o: int(counts[o]) for o in OUTCOMES},
            "acceptance_rate": None if pd.isna(rate) else round(float(rate), 4)}


def _outcome_stats(outcomes: pd.DataFrame, votes: Votes, labels: list[str]) -> dict[str, Any]:
    """The outcome counts of one kind of suggestion: overall, per annotator (and model version), per model version, per label."""
    empty = pd.Series({"suggestions": 0, **dict.fromkeys(OUTCOMES, 0), "acceptance_rate": float("nan")})
    total = outcome_summary(outcomes.assign(_all="all"), by=["_all"])
    per_worker = outcome_summary(outcomes, annotations=votes.annotations)
    per_worker_version = outcome_summary(outcomes, by=[WORKER, _MODEL_VERSION])
    per_label = outcome_summary(outcomes, by=[LABEL])
    return {
        "model_versions": sorted(outcomes[_MODEL_VERSION].dropna().astype(str).unique()),
        "all": _row(total.iloc[0] if len(total) else empty),
        "annotators": {str(w): {**_row(r), "synthetic": bool(r["synthetic"]),
                                "per_model_version": {str(v): _row(c) for v, c in per_worker_version.loc[w].iterrows()}}
                       for w, r in per_worker.iterrows()},
        "per_model_version": {str(v): _row(r) for v, r in outcome_summary(outcomes, by=[_MODEL_VERSION]).iterrows()},
        "labels": {label: _row(per_label.loc[label] if label in per_label.index else empty) for label in labels},
    }


def suggestion_stats(votes: Votes, aggregated_spans: pd.DataFrame, schema: Schema) -> dict[str, Any]:
    """``stats.json``'s ``suggestions``: span outcomes overall, per annotator, per model version and
    per label; lexicon precision/recall; and ``stance``: the stance outcomes, the same ways.

    Annotators are the pseudonyms of ``votes`` (never e-mails), sorted; labels in schema order.
    """
    spans = _outcome_stats(suggestion_outcomes(votes.suggestions, votes.spans), votes, schema.span_names)
    stance = _outcome_stats(stance_outcomes(votes.stance_suggestions, votes.annotations), votes, schema.stance_names)
    return {
        "definitions": SUGGESTION_DEFINITIONS,
        **spans,
        "lexicon": suggestion_scores(votes.suggestions, aggregated_spans, schema.span_names),
        "stance": {"definitions": STANCE_SUGGESTION_DEFINITIONS, **stance},
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _outcome_table(part: dict[str, Any], shown: str, outcomes: tuple[str, ...], label: str) -> str:
    """A markdown table of ``part``'s outcomes per annotator, per model version, per label and overall."""
    rows = [(f"`{name}`" + (" (simulated)" if entry["synthetic"] else ""), entry) for name, entry in part["annotators"].items()]
    rows += [(f"model `{version}`", entry) for version, entry in part["per_model_version"].items()]
    rows += [(f"{label} `{name}`", entry) for name, entry in part["labels"].items()] + [("**all**", part["all"])]
    head = f"| {shown} | suggestions | {' | '.join(outcomes)} | acceptance |\n|---|---:|{'---:|' * len(outcomes)}---:|\n"
    return head + "\n".join(
        f"| {name} | {e['suggestions']} | {' | '.join(str(e[o]) for o in outcomes)} | {_pct(e['acceptance_rate'])} |" for name, e in rows)


def suggestion_table(stats: dict[str, Any]) -> str:
    """The card's short tables: span outcomes, the lexicon's precision/recall, and stance outcomes;
    each per annotator, per model version and per label."""
    s = stats["suggestions"]
    if not s["all"]["suggestions"]:
        spans = "No suggestions (pre-filled spans) were shown to the annotators whose work is in this release."
    else:
        lex = s["lexicon"]
        scores = "\n".join(
            f"| {scope} | {entry['suggested']} | {entry['aggregated']} | {_pct(entry['exact']['precision'])} | "
            f"{_pct(entry['exact']['recall'])} | {_pct(entry['overlap']['precision'])} | {_pct(entry['overlap']['recall'])} |"
            for scope, entry in [("all", lex), *((f"`{label}`", e) for label, e in lex["labels"].items())]
        )
        spans = (f"{_outcome_table(s, 'suggestions shown to', OUTCOMES, 'label')}\n\n"
                 "| suggestions against the aggregated spans | suggested | aggregated | precision (exact) | recall (exact) "
                 f"| precision (overlap) | recall (overlap) |\n|---|---:|---:|---:|---:|---:|---:|\n{scores}")
    stance = s["stance"]
    if not stance["all"]["suggestions"]:
        return f"{spans}\n\nNo stance suggestions (a pre-filled stance) were shown to the annotators whose work is in this release."
    return f"{spans}\n\n{_outcome_table(stance, 'stance suggestions shown to', OUTCOMES[:2], 'suggested')}"
