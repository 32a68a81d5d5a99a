"""Small synthetic inputs shared by the tests of ``annotation.models``: a ``sentences`` frame whose
stance is given away by one cue word, and short texts whose marked words a tagger can learn."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.utils import estimator_checks

from annotation.models import EMBEDDING_KINDS, STANCE_KINDS, TAGGER_KINDS
from annotation.records import sentence_id

STANCE = ["favor", "against", "neutral", "unrelated"]
CUES = {"favor": "applauded", "against": "condemned", "neutral": "reported", "unrelated": "rain"}
TARGETS = ("rebels", "regime")
NEG = "loaded-negative"


def make_sentences(n_sentences: int = 16, splits: tuple[str, ...] = ("train",)) -> pd.DataFrame:
    """Sentence ``s`` of article ``s % len(splits)`` (split ``splits[article]``), once per target.

    The stance is given away by one cue word, and "regime" is a gold loaded-negative span.
    """
    rows = []
    for s in range(n_sentences):
        stance = STANCE[s % len(STANCE)]
        article = s % len(splits)
        text = f"Item {s}: the regime was {CUES[stance]} today."
        start = text.index("regime")
        for target in TARGETS:
            rows.append(
                {
                    "sentence_id": sentence_id(f"a{article}", s),
                    "article_id": f"a{article}",
                    "target": target,
                    "text": text,
                    "stance": stance,
                    "spans": [
                        {"start": start, "end": start + 6, "text": "regime", "label": NEG},
                    ],
                    "split": splits[article],
                }
            )
    return pd.DataFrame(rows)



CLASSICAL_STANCE = [kind for kind in STANCE_KINDS if kind not in EMBEDDING_KINDS]
CLASSICAL_TAGGERS = [kind for kind in TAGGER_KINDS if kind not in EMBEDDING_KINDS]
# The tests run with the embedding extra installed (``make install``); without it the embedding
# tests fail rather than skip, and ``embedding_available``'s doctest says why.


API_CHECKS: list[Any] = [
    estimator_checks.check_estimator_cloneable,
    estimator_checks.check_estimator_repr,
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
    estimator_checks.check_parameters_default_constructible,
    estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
]
"""The scikit-learn estimator checks that apply to estimators of texts (the data checks need 2-D
numeric input; these estimators take strings, so only the API checks apply)."""


# Learnt taggers: "bizarre" and "thugs" are always marked, "plain" words never.
TAG_TEXTS = [
    f"{subject} {verb} a {adjective} claim about item {i}."
    for i, (subject, verb, adjective) in enumerate(
        [
            ("Thugs", "made", "bizarre"), ("Officials", "made", "plain"),
            ("Critics", "made", "bizarre"), ("Thugs", "issued", "plain"),
            ("Officials", "issued", "plain"), ("Critics", "issued", "bizarre"),
        ] * 3
    )
]


def tag_gold(text: str) -> list[tuple[int, int, str]]:
    return [(text.index(w), text.index(w) + len(w), NEG) for w in ("Thugs", "bizarre") if w in text]
