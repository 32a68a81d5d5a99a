"""``annotation.release.suggestions``: the suggestions' outcomes and the lexicon's precision/recall in stats.json and the card."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from annotation import pipeline
from annotation.campaign import Campaign
from annotation.exports import Votes, outcome_summary, suggestion_outcomes
from annotation.release import build_release
from annotation.release.suggestions import suggestion_stats, suggestion_table
from annotation.schema import load_schema
from tests.exports.records import votes_of
from tests.exports.test_stance_suggestions import TASKS, V1, V2
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


def _stance_stats() -> dict:
    """stats.json's ``suggestions`` for the hand-made tasks of ``tests.exports.test_stance_suggestions``."""
    no_spans = pd.DataFrame(columns=["task", "start", "end", "label"])
    return suggestion_stats(votes_of(TASKS), no_spans, load_schema())


def test_stats_carry_the_stance_outcomes_overall_per_annotator_and_per_model_version() -> None:
    stance = _stance_stats()["stance"]
    assert stance["all"] == {"suggestions": 3, "accepted": 1, "changed": 2, "rejected": 0, "acceptance_rate": 0.3333}
    assert stance["model_versions"] == [V1, V2] and list(stance["labels"]) == load_schema().stance_names
    assert stance["per_model_version"][V1] == {"suggestions": 2, "accepted": 1, "changed": 1, "rejected": 0, "acceptance_rate": 0.5}
    assert all(name.startswith("ann-") for name in stance["annotators"])  # pseudonyms, never e-mails
    twice = next(entry for entry in stance["annotators"].values() if entry["suggestions"] == 2)
    assert twice["synthetic"] is True
    assert {v: e["acceptance_rate"] for v, e in twice["per_model_version"].items()} == {V1: 1.0, V2: 0.0}


def test_stats_carry_the_span_outcomes_per_model_version() -> None:
    stats = _stance_stats()
    assert stats["per_model_version"] == {V1: {"suggestions": 2, "accepted": 0, "changed": 0, "rejected": 2, "acceptance_rate": 0.0}}
    assert all(list(entry["per_model_version"]) == [V1] for entry in stats["annotators"].values())


def test_the_card_shows_per_model_version_rows_for_spans_and_stance() -> None:
    table = suggestion_table({"suggestions": _stance_stats()})
    spans, stance = table.split("| stance suggestions shown to |")
    assert f"| model `{V1}` | 2 | 0 | 0 | 2 | 0.0% |" in spans
    assert f"| model `{V1}` | 2 | 1 | 1 | 50.0% |" in stance and f"| model `{V2}` | 1 | 0 | 1 | 0.0% |" in stance
    assert "| **all** | 3 | 1 | 2 | 33.3% |" in stance


def test_a_release_with_stance_suggestions_describes_them_in_stats_and_card(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    votes, articles = tiny_votes({"t1": ["against", "favor"]})
    shown = pd.DataFrame({"task": "t1", "worker": ["w1", "w2"], "label": "against", "score": 0.61, "ls_annotation_id": [100, 101],
                          "model_version": V1})
    release = build_release(replace(votes, stance_suggestions=shown), articles, campaign_at(tmp_path), schema=load_schema())
    stance = json.loads((release / "stats.json").read_text())["suggestions"]["stance"]
    assert stance["all"] == {"suggestions": 2, "accepted": 1, "changed": 1, "rejected": 0, "acceptance_rate": 0.5}
    card = (release / "README.md").read_text()
    assert "No suggestions (pre-filled spans) were shown" in card and "The model's stance was pre-filled" in card
    assert f"| model `{V1}` | 2 | 1 | 1 | 50.0% |" in card


def test_a_release_without_stance_suggestions_says_so(demo_release: Path) -> None:
    stance = json.loads((demo_release / "stats.json").read_text())["suggestions"]["stance"]
    assert stance["all"]["suggestions"] == 0 and stance["annotators"] == {} and stance["per_model_version"] == {}
    assert "No stance suggestions (a pre-filled stance) were shown" in (demo_release / "README.md").read_text()
