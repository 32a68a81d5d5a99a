"""Tests for ``annotation.ingest.segment``: the case collection, offset invariants and the seed."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from annotation.ingest import Sentence, segment, sentence_spans, split_sentences
from tests.fixtures.timing import RATIO_BOUND, time_ratio

CASES_DIR = Path(__file__).resolve().parents[1] / "data" / "segmentation"
# Invisible format characters: blank at a sentence boundary, never at the edge of a sentence.
INVISIBLE = "\u00ad\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
_BLANK = rf"[\s{INVISIBLE}]"
SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_9ea230396c6002b4.txt"


def _load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        cases.extend(yaml.safe_load(path.read_text(encoding="utf-8")))
    return cases


CASES = _load_cases()


def _case_params() -> list[Any]:
    return [
        pytest.param(
            case["text"],
            case["sentences"],
            id=case["id"],
            marks=[pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else [],
        )
        for case in CASES
    ]


@dataclass(frozen=True)
class _Article:
    article_id: str
    text: str


def _check_spans(text: str, spans: list[tuple[int, int]]) -> None:
    previous_end = 0
    for start, end in spans:
        sentence = text[start:end]
        assert previous_end <= start < end <= len(text), (start, end)
        assert not re.match(_BLANK, sentence[0]) and not re.match(_BLANK, sentence[-1]), sentence
        previous_end = end
    # Only whitespace and invisible characters lie outside the spans: nothing visible is lost
    # or duplicated.
    covered = "".join(text[start:end] for start, end in spans)
    assert re.sub(_BLANK, "", covered) == re.sub(_BLANK, "", text)


def _seed_article() -> tuple[str, list[str]]:
    """Headline + blank line + body paragraphs, built from the raw seed file."""
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    headline, rest = lines[0], lines[1:]
    body = [
        line
        for line in rest
        if line
        and not line.startswith(("Published ", "Updated "))
        and line != "Share on Facebook Share on Twitter"
    ]
    return headline + "\n\n" + "\n\n".join(body), [headline, *body]


# --- The case collection --------------------------------------------------------------


def test_case_collection_is_large_and_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)
    golden = yaml.safe_load((CASES_DIR / "golden_rules_en.yml").read_text(encoding="utf-8"))
    assert len(golden) == 48


@pytest.mark.parametrize(("text", "expected"), _case_params())
def test_case(text: str, expected: list[str]) -> None:
    assert [text[start:end] for start, end in sentence_spans(text)] == expected


# --- Offsets ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [case["text"] for case in CASES], ids=[c["id"] for c in CASES])
def test_case_spans_are_exact_stripped_and_ordered(text: str) -> None:
    _check_spans(text, sentence_spans(text))


_FRAGMENTS = [
    "Mr.", "Gen.", "U.S.", "U.N.-sponsored", "No. 10", "Nov. 2,", "J. R. R.", "3.5", "17:48",
    "...", ". . .", ". . . .", "…", "?!", "!", "?", ".", ".”", "?”", ",”", "(AA).", "[...]",
    "“", "”", "'", "•", "-", "1.", "2)", "a.", "#", "🎉", "🇹🇷", "İstanbul", "word", "Word",
    "the", "The", "https://a.b/c.html.", "x@y.org.", "\u00a0", " ", "  ", "\t", "\n", "\n\n",
    "\r\n", "\n \n", "", "\u200b", "\ufeff", "\u2060", "\u00ad", "\u200d", "\u200f", "Yahoo!", "“Why?”",
    "Lavrov asked", "E!",
]  # fmt: skip


def test_random_texts_keep_offsets_exact() -> None:
    rng = random.Random(20191103)
    for _ in range(2000):
        parts = rng.choices(_FRAGMENTS, k=rng.randint(0, 30))
        text = "".join(part + rng.choice(["", " ", " ", "\n"]) for part in parts)
        _check_spans(text, sentence_spans(text))


def test_offsets_are_code_points() -> None:
    text = "Şok 🎉. Next 🇹🇷 one."
    assert sentence_spans(text) == [(0, 6), (7, 19)]
    assert text[7:19] == "Next 🇹🇷 one."


# --- Time is linear in the input (issue item 8) -----------------------------------------

# Texts built around a run of ``n`` repeated units; sentence_spans must take time linear in n on
# each. The runs of terminal marks glued to the next word, the long whitespace run inside an inline
# list, and pySBD's numbered-reference and long-number hangs were quadratic or worse.
_RUNS: dict[str, tuple[Callable[[int], str], int]] = {
    "periods-then-space": (lambda n: "The regime fell" + "." * n + " Then it rained.", 1000),
    "periods-then-word": (lambda n: "The regime fell" + "." * n + "Then it rained.", 1000),
    "exclamations-then-word": (lambda n: "The regime fell" + "!" * n + "Then it rained.", 1000),
    "questions-then-word": (lambda n: "The regime fell" + "?" * n + "Then it rained.", 1000),
    "ellipses-then-word": (lambda n: "The regime fell" + "…" * n + "Then it rained.", 1000),
    "mixed-marks-then-word": (lambda n: "The regime fell" + "?!" * n + "Then it rained.", 500),
    "spaced-periods-then-word": (lambda n: "The regime fell" + " ." * n + "Then it rained.", 500),
    "spaces": (lambda n: "The regime fell." + " " * n + "Then it rained.", 1000),
    "spaces-in-an-inline-list": (lambda n: "1. The regime fell" + " " * n + "x 2. Then it rained.", 1000),
    "no-break-spaces-in-an-inline-list": (lambda n: "1. The regime fell" + "\u00a0" * n + "x", 1000),
    "invisible-characters": (lambda n: "The regime fell." + "\u200b" * n + "Then it rained.", 1000),
    "straight-quotes": (lambda n: "The regime fell." + '"' * n + "Then it rained.", 1000),
    "curly-quotes": (lambda n: "“Why now?" + "”" * n + " Lavrov asked.", 1000),
    "quoted-questions": (lambda n: "“Why?” " * n, 1000),
    "list-lines": (lambda n: "- a\n" * n, 1000),
    "headline-lines": (lambda n: "A\n" * n, 1000),
    "numbered-reference": (lambda n: "..[" + "111 " * n + "]", 1000),
    "long-number": (lambda n: "Rok bud." + "2027" * n, 1000),
    "line-without-punctuation": (lambda n: "word " * n, 20_000),  # 1 MB at 10 n
}
@pytest.mark.parametrize(("make", "n"), _RUNS.values(), ids=_RUNS)
def test_time_is_linear_in_a_run(make: Callable[[int], str], n: int) -> None:
    ratio = time_ratio(sentence_spans, make(n), make(10 * n))
    assert ratio < RATIO_BOUND, f"10x the input took {ratio:.0f}x the time"


# --- The seed article -------------------------------------------------------------------


def test_seed_article() -> None:
    text, paragraphs = _seed_article()
    sentences = [text[start:end] for start, end in sentence_spans(text)]
    assert sentences[0] == "Opposition forces clash with regime in Idlib de-escalation zone"
    body = sentences[1:]
    assert len(body) == 11
    assert body[1].startswith("“Russian forces killed civilians")
    assert body[1].endswith("Nov. 2,” announced the Syrian Network for Human Rights (SNHR).")
    assert any(s.endswith("reached an agreement in Sochi on Sept. 17, 2018.") for s in body)
    assert any("to facilitate U.N.-sponsored peace talks in Geneva." in s for s in body)
    # Every paragraph is a concatenation of whole sentences.
    assert " ".join(body) == " ".join(paragraphs[1:])


def test_seed_times_and_decimals_do_not_split() -> None:
    text = "Published 03.11.2019 17:48. Growth was 3.5 percent at 17:48 on 20.12.2019."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Published 03.11.2019 17:48.",
        "Growth was 3.5 percent at 17:48 on 20.12.2019.",
    ]


# --- split_sentences --------------------------------------------------------------------


def test_split_sentences_records() -> None:
    text, _ = _seed_article()
    article = _Article("9ea230396c6002b4", text)
    sentences = split_sentences(article)
    assert len(sentences) == 12
    assert sentences[0] == Sentence(
        "9ea230396c6002b4-0000",
        "9ea230396c6002b4",
        0,
        0,
        63,
        "Opposition forces clash with regime in Idlib de-escalation zone",
    )
    for index, sentence in enumerate(sentences):
        assert sentence.index == index
        assert sentence.sentence_id == f"9ea230396c6002b4-{index:04d}"
        assert article.text[sentence.start : sentence.end] == sentence.text
    assert split_sentences(article) == sentences  # deterministic


def test_split_sentences_empty_text() -> None:
    assert split_sentences(_Article("a1", "  \n\n ")) == []


def test_split_sentences_rejects_bad_records(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="article_id=''"):
        split_sentences(_Article("", "Text."))
    with pytest.raises(TypeError, match="article 'a1': text is bytes"):
        split_sentences(_Article("a1", b"Text."))  # type: ignore[arg-type]
    monkeypatch.setattr(segment, "sentence_spans", lambda text: [(0, 6)])
    with pytest.raises(ValueError, match=r"article 'a1': sentence 0 span \(0, 6\)"):
        split_sentences(_Article("a1", "Text. "))
