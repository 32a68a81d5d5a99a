"""What the taggers share: input checks and threshold tuning (``annotation.models.tagging``)."""

from __future__ import annotations

from typing import Any

import pytest

from annotation.lexicon import load_lexicon
from annotation.models import LexiconTagger, MarkedRateTagger
from tests.models.toy import NEG


@pytest.mark.parametrize(
    ("texts", "spans", "error", "message"),
    [
        ("The regime.", [[]], TypeError, "not a single str"),
        (["ok", 3], [[], []], TypeError, r"texts\[1\] must be a str"),
        (["ok"], [[], []], ValueError, "spans has 2 entries but texts has 1"),
        (["ok"], [[(0, 5, NEG)]], ValueError, r"spans\[0\].*end <= 2"),
        (["ok"], [[(0, 1)]], ValueError, r"expected \(start, end, label\)"),
    ],
)
def test_tagger_fit_validates_inputs(
    texts: Any, spans: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        LexiconTagger(lexicon=load_lexicon()).fit(texts, spans)


@pytest.mark.parametrize("threshold", [0, 1.5, "best"])
def test_learnt_taggers_reject_bad_thresholds(threshold: Any) -> None:
    with pytest.raises(ValueError, match="must be 'auto' or a number in \\(0, 1\\]"):
        MarkedRateTagger(threshold=threshold).fit(["a b"], [[(0, 1, NEG)]])
