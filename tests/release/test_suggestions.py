"""``annotation.release.suggestions``: the suggestions' outcomes and the lexicon's precision/recall in stats.json and the card."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from annotation import pipeline
from annotation.campaign import Campaign
from annotation.exports import Votes, outcome_summary, suggestion_outcomes
from annotation.release import build_release
from annotation.schema import load_schema
from tests.fixtures.release import parquet_file, seed_articles, write_raw_export
from tests.fixtures.studio import campaign_copy


def test_stats_carry_each_annotators_and_each_labels_suggestion_outcomes(demo_release: Path, demo_votes: Votes) -> None:
    stats = json.loads((demo_release / "stats.json").read_text())["suggestions"]
    expected = outcome_summary(suggestion_outcomes(demo_votes.suggestions, demo_votes.spans))
    assert list(stats["annotators"]) == sorted(demo_votes.annotations["worker"].unique())
    assert all(name.startswith("ann-") for name in stats["annotators"])  # pseudonyms, never e-mails
    for worker, entry in stats["annotators"].items():
        row = expected.loc[worker]
        assert [entry[k] for k in ("suggestions", "accepted", "changed", "rejected")] == row.iloc[:4].tolist()
        assert entry["acceptance_rate"] == pytest.approx(row["acceptance_rate"], abs=1e-4) and entry["synthetic"] is True
    assert list(stats["labels"]) == load_schema().span_names
    assert sum(e["suggestions"] for e in stats["labels"].values()) == stats["all"]["suggestions"] == len(demo_votes.suggestions) > 0
    assert stats["model_versions"] == ["lexicon-v1"]


def test_lexicon_precision_and_recall_are_against_the_released_spans(demo_release: Path, demo_votes: Votes) -> None:
    lexicon = json.loads((demo_release / "stats.json").read_text())["suggestions"]["lexicon"]
    released = {(r["task_key"], s["start"], s["end"], s["label"])
                for r in pq.read_table(parquet_file(demo_release, "sentences")).to_pylist() for s in r["spans"]}
    names = load_schema().span_names
    released = {(task, start, end, names[label]) for task, start, end, label in released}
    suggested = set(demo_votes.suggestions[["task", "start", "end", "label"]].itertuples(index=False, name=None))
    assert (lexicon["suggested"], lexicon["aggregated"]) == (len(suggested), len(released))
    assert lexicon["exact"]["matched"] == len(suggested & released)
    assert lexicon["exact"]["precision"] == pytest.approx(len(suggested & released) / len(suggested), abs=1e-4)
    assert lexicon["exact"]["recall"] == pytest.approx(len(suggested & released) / len(released), abs=1e-4)
    assert lexicon["overlap"]["precision"] >= lexicon["exact"]["precision"]


def test_the_card_shows_the_suggestion_tables(demo_release: Path) -> None:
    stats = json.loads((demo_release / "stats.json").read_text())["suggestions"]
    card = (demo_release / "README.md").read_text()
    assert "## Suggestions and anchoring" in card
    worker, entry = next(iter(stats["annotators"].items()))
    assert (f"| `{worker}` (simulated) | {entry['suggestions']} | {entry['accepted']} | {entry['changed']} | "
            f"{entry['rejected']} | {100 * entry['acceptance_rate']:.1f}% |") in card
    assert f"| all | {stats['lexicon']['suggested']} | {stats['lexicon']['aggregated']} | " in card


def test_a_release_without_suggestions_says_so(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    votes, articles = tiny_votes({"t1": ["against", "favor"]}, spans=(("t1", "w1", "regime", "loaded-negative"),))
    release = build_release(votes, articles, campaign_at(tmp_path), schema=load_schema())
    stats = json.loads((release / "stats.json").read_text())["suggestions"]
    assert stats["all"] == {"suggestions": 0, "accepted": 0, "changed": 0, "rejected": 0, "acceptance_rate": None}
    assert stats["annotators"] == {} and stats["lexicon"]["exact"]["precision"] is None
    assert stats["lexicon"]["exact"]["recall"] == 0.0  # one aggregated span, no suggestion matched it
    assert "No suggestions (pre-filled spans) were shown" in (release / "README.md").read_text()


def test_the_build_keeps_every_suggestions_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATION_SALT", "test-salt")
    campaign = campaign_copy(tmp_path / "campaign", demo=True)
    write_raw_export(campaign.root)
    campaign.interim.mkdir(parents=True)
    seed_articles().to_parquet(campaign.interim / "articles.parquet")
    release, votes = pipeline.build(campaign)
    outcomes = pd.read_parquet(campaign.interim / "suggestion_outcomes.parquet")
    assert len(outcomes) == len(votes.suggestions) > 0 and set(outcomes["outcome"]) <= {"accepted", "changed", "rejected"}
    stats = json.loads((release / "stats.json").read_text())["suggestions"]
    assert stats["all"]["accepted"] == int((outcomes["outcome"] == "accepted").sum())
