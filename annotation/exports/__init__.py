"""Label Studio exports → long tables (votes), verified record by record.\n\nThe public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.exports.votes import (
    ExportError,
    Votes,
    DROP_REASONS,
    SYNTHETIC_DOMAIN,
    pseudonymize,
    load_export,
    read_users,
    user_id_of,
    parse_timestamp,
    vote_problem,
    to_votes,
    progress,
    edited_by_other,
)

__all__ = [
    "ExportError",
    "Votes",
    "DROP_REASONS",
    "SYNTHETIC_DOMAIN",
    "pseudonymize",
    "load_export",
    "read_users",
    "user_id_of",
    "parse_timestamp",
    "vote_problem",
    "to_votes",
    "progress",
    "edited_by_other",
]
