"""Gold tasks in a release: left out of agreement, flagged in ``sentences``, scored per annotator in stats.json and the card."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from annotation.aggregate import krippendorff_alpha
from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.release import build_release
from annotation.schema import load_schema
from tests.fixtures.votes import with_gold

STANCES = {  # t3 is gold (against, "Officials" loaded-negative): w1 right, w2 right, w3 wrong
    "t1": ["against", "against", "favor"],
    "t2": ["neutral", "favor", "favor"],
    "t3": ["against", "against", "neutral"],
}
SPANS = (("t1", "w1", "regime", "loaded-negative"), ("t3", "w1", "Officials", "loaded-negative"),
         ("t3", "w3", "Sunday", "loaded-negative"))


@pytest.fixture
def gold_release(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign],
                 tmp_path: Path) -> tuple[Path, Votes]:
    votes, articles = tiny_votes(STANCES, SPANS)
    votes = with_gold(votes, {"t3": ("against", (("Officials", "loaded-negative"),))})
    return build_release(votes, articles, campaign_at(tmp_path), schema=load_schema()), votes


def test_agreement_leaves_the_gold_tasks_out_and_says_how_many(gold_release: tuple[Path, Votes]) -> None:
    release, votes = gold_release
    stats = json.loads((release / "stats.json").read_text())
    assert stats["agreement"]["gold_tasks_excluded"] == 1
    figures = {(f["measure"], f["by"], f["level"]): f for f in stats["agreement"]["figures"]}
    stance = figures[("stance_alpha", "all", "all")]
    without_gold = votes.annotations.query("task != 't3'")[["task", "worker", "label"]]
    assert stance["tasks"] == 2 and stance["value"] == pytest.approx(krippendorff_alpha(without_gold), abs=1e-4)
    assert stance["value"] != pytest.approx(krippendorff_alpha(votes.annotations[["task", "worker", "label"]]), abs=1e-4)
    assert all(f["tasks"] <= 2 for f in figures.values())
    assert stats["tasks"] == 3 and stats["annotations"] == 9  # the gold row stays in the release, with its votes
    assert "Gold tasks are left out: 1 row(s)." in (release / "README.md").read_text()


def test_stats_and_card_show_each_annotators_gold_accuracy(gold_release: tuple[Path, Votes]) -> None:
    release, _ = gold_release
    gold = json.loads((release / "stats.json").read_text())["gold"]
    assert gold["tasks"] == 1 and list(gold["annotators"]) == ["w1", "w2", "w3"]  # pseudonyms (here the fixture's), sorted
    assert gold["annotators"]["w1"] == {"gold_tasks": 1, "stance_correct": 1, "stance_accuracy": 1.0, "span_tp": 1, "span_fp": 0,
                                        "span_fn": 0, "span_f1": 1.0, "token_f1": 1.0}
    assert (gold["annotators"]["w2"]["span_fn"], gold["annotators"]["w2"]["span_f1"]) == (1, 0.0)
    assert (gold["annotators"]["w3"]["stance_accuracy"], gold["annotators"]["w3"]["span_fp"]) == (0.0, 1)
    card = (release / "README.md").read_text()
    assert "## Gold checks" in card and "1 row(s) are **gold tasks**" in card
    assert "| `w1` | 1 | 1.000 (1/1) | 1.000 (1/0/0) | 1.000 |" in card
    assert "| `w3` | 1 | 0.000 (0/1) | 0.000 (0/1/1) | 0.000 |" in card


def test_sentences_flag_the_gold_rows_and_carry_the_gold_labels(gold_release: tuple[Path, Votes]) -> None:
    release, _ = gold_release
    rows = {r["task_key"]: r for path in (release / "sentences").glob("*.parquet") for r in pq.read_table(path).to_pylist()}
    names = load_schema().stance_names
    assert {k: r["gold"] for k, r in rows.items()} == {"t1": False, "t2": False, "t3": True}
    assert rows["t3"]["gold_stance"] == names.index("against") and rows["t1"]["gold_stance"] is None
    assert [(s["start"], s["end"], s["text"]) for s in rows["t3"]["gold_spans"]] == [(0, 9, None)]  # texts withheld
    assert rows["t1"]["gold_spans"] == [] and rows["t3"]["n_annotators"] == 3


def test_a_release_without_gold_says_nothing_of_gold(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    votes, articles = tiny_votes(STANCES, SPANS)
    release = build_release(votes, articles, campaign_at(tmp_path), schema=load_schema())
    stats = json.loads((release / "stats.json").read_text())
    assert stats["gold"] == {"tasks": 0, "annotators": {}} and stats["agreement"]["gold_tasks_excluded"] == 0
    assert "## Gold checks" not in (release / "README.md").read_text()
