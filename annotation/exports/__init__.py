"""Label Studio exports → long tables (votes), verified record by record.

- ``reader``: the export's files and records (timestamps, stances, spans checked against the sentence);
- ``votes``: one export → ``Votes`` (tasks, annotations, spans, integrity) under the build's policies;
- ``suggestions``: the pre-filled spans and stance each annotator was shown, and what they did with them;
- ``accuracy``: each annotator's accuracy on the gold tasks (stance, span F1);
- ``progress``: per-annotator progress for the curator.

The public names of the package; each lives in the submodule it is imported from.
"""

from __future__ import annotations

from annotation.exports.accuracy import gold_accuracy
from annotation.exports.progress import GOLD_PROGRESS, STANCE_PROGRESS, SUGGESTION_PROGRESS, progress
from annotation.exports.reader import ExportError, edited_by_other, load_export, parse_timestamp, read_users, user_id_of, vote_problem
from annotation.exports.suggestions import (
    SpanSuggestion,
    StanceSuggestion,
    outcome_summary,
    stance_outcomes,
    suggested_regions,
    suggestion_outcomes,
    suggestion_scores,
)
from annotation.exports.votes import DROP_REASONS, FLAG_REASONS, SYNTHETIC_DOMAIN, Votes, pseudonymize, to_votes

__all__ = [
    "ExportError",
    "Votes",
    "DROP_REASONS",
    "FLAG_REASONS",
    "SYNTHETIC_DOMAIN",
    "pseudonymize",
    "load_export",
    "read_users",
    "user_id_of",
    "parse_timestamp",
    "vote_problem",
    "to_votes",
    "progress",
    "SUGGESTION_PROGRESS",
    "STANCE_PROGRESS",
    "GOLD_PROGRESS",
    "SpanSuggestion",
    "StanceSuggestion",
    "suggested_regions",
    "suggestion_outcomes",
    "stance_outcomes",
    "outcome_summary",
    "suggestion_scores",
    "edited_by_other",
    "gold_accuracy",
]
