"""The suggestions (pre-filled spans) in a release: what annotators did with them, and how the lexicon fares.

``stats.json`` carries ``suggestions``: the outcome counts and acceptance rate (``exports.suggestions``:
accepted = a submitted span with the same start, end and label; changed = only an overlapping one;
rejected = none) overall, per pseudonymised annotator (flagged ``synthetic``) and per span label; and
the precision and recall of the suggestions against the release's aggregated spans, exact
``(task, start, end, label)`` and by overlap (a shared character, same label), overall and per
label. The card shows a short table of them. A high acceptance rate beside a low exact precision
reads as anchoring: annotators keep what was pre-filled more often than their peers agree on it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from annotation.exports import Votes, outcome_summary, suggestion_outcomes, suggestion_scores
from annotation.records import LABEL, OUTCOMES
from annotation.schema import Schema

__all__ = ["SUGGESTION_DEFINITIONS"]

SUGGESTION_DEFINITIONS = (  # stats.json's suggestions.definitions
    "accepted: the annotator's submitted spans include one with the suggestion's start, end and label; "
    "changed: none does, but one overlaps it; rejected: no submitted span overlaps it; "
    "acceptance_rate = accepted / suggestions. Lexicon precision = distinct suggestions (task, start, end, label) "
    "matching an aggregated span / suggestions; recall = aggregated spans matched by a suggestion / aggregated spans; "
    "exact: same task, start, end and label; overlap: same task and label, sharing a character."
)


def _row(counts: pd.Series) -> dict[str, Any]:
    rate = counts["acceptance_rate"]
    return {"suggestions": int(counts["suggestions"]), **{o: int(counts[o]) for o in OUTCOMES},
            "acceptance_rate": None if pd.isna(rate) else round(float(rate), 4)}


def suggestion_stats(votes: Votes, aggregated_spans: pd.DataFrame, schema: Schema) -> dict[str, Any]:
    """``stats.json``'s ``suggestions``: outcomes overall, per annotator and per label; lexicon precision/recall.

    Annotators are the pseudonyms of ``votes`` (never e-mails), sorted; labels in schema order.
    """
    outcomes = suggestion_outcomes(votes.suggestions, votes.spans)
    total = outcome_summary(outcomes.assign(_all="all"), by=["_all"])
    per_worker = outcome_summary(outcomes, annotations=votes.annotations)
    per_label = outcome_summary(outcomes, by=[LABEL])
    empty = pd.Series({"suggestions": 0, **dict.fromkeys(OUTCOMES, 0), "acceptance_rate": float("nan")})
    return {
        "definitions": SUGGESTION_DEFINITIONS,
        "model_versions": sorted(votes.suggestions["model_version"].dropna().astype(str).unique()),
        "all": _row(total.iloc[0] if len(total) else empty),
        "annotators": {str(w): {**_row(r), "synthetic": bool(r["synthetic"])} for w, r in per_worker.iterrows()},
        "labels": {label: _row(per_label.loc[label] if label in per_label.index else empty) for label in schema.span_names},
        "lexicon": suggestion_scores(votes.suggestions, aggregated_spans, schema.span_names),
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def suggestion_table(stats: dict[str, Any]) -> str:
    """The card's short tables: outcomes per annotator and per label, and the lexicon's precision/recall."""
    s = stats["suggestions"]
    if not s["all"]["suggestions"]:
        return "No suggestions (pre-filled spans) were shown to the annotators whose work is in this release."
    rows = [(f"`{name}`" + (" (simulated)" if entry["synthetic"] else ""), entry) for name, entry in s["annotators"].items()]
    rows += [(f"label `{label}`", entry) for label, entry in s["labels"].items()] + [("**all**", s["all"])]
    body = "\n".join(f"| {name} | {e['suggestions']} | {e['accepted']} | {e['changed']} | {e['rejected']} | {_pct(e['acceptance_rate'])} |"
                     for name, e in rows)
    lex = s["lexicon"]
    scores = "\n".join(
        f"| {scope} | {entry['suggested']} | {entry['aggregated']} | {_pct(entry['exact']['precision'])} | "
        f"{_pct(entry['exact']['recall'])} | {_pct(entry['overlap']['precision'])} | {_pct(entry['overlap']['recall'])} |"
        for scope, entry in [("all", lex), *((f"`{label}`", e) for label, e in lex["labels"].items())]
    )
    return (
        "| suggestions shown to | suggestions | accepted | changed | rejected | acceptance |\n|---|---:|---:|---:|---:|---:|\n"
        f"{body}\n\n"
        "| suggestions against the aggregated spans | suggested | aggregated | precision (exact) | recall (exact) "
        "| precision (overlap) | recall (overlap) |\n|---|---:|---:|---:|---:|---:|---:|\n"
        f"{scores}"
    )
