"""``annotation.release.stats``: stats.json and its agreement figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from annotation.aggregate import krippendorff_alpha
from annotation.campaign import Campaign
from annotation.exports import Votes, load_export, read_users, to_votes
from annotation.release import build_release
from annotation.schema import load_schema
from tests.fixtures.release import DATA


def test_stats_carry_agreement_with_intervals(demo_release: Path) -> None:
    stats = json.loads((demo_release / "stats.json").read_text())
    figures = {(f["measure"], f["level"]): f for f in stats["agreement"]["figures"]}
    schema = load_schema()
    expected = {("stance_alpha", "all"), *(("stance_alpha", n) for n in schema.stance_names), ("stance_alpha", "train"),
                ("token_alpha", "all"), ("span_f1_exact", "all"), ("span_f1_partial", "all")}
    assert set(figures) == expected
    for figure in figures.values():
        assert figure["low"] <= figure["value"] <= figure["high"] and figure["tasks"] == 24
        assert figure["resampled"] == "task"  # one article: fewer than MIN_ARTICLES
    stance = figures[("stance_alpha", "all")]
    assert stance["value"] == pytest.approx(krippendorff_alpha(_stance_votes()), abs=1e-4)
    assert (stats["annotators"], stats["synthetic"], stats["tasks"]) == (3, True, 24)
    assert set(stats["library_versions"]) == {"annotation", "datasets", "pyarrow", "pandas", "numpy"}
    card = (demo_release / "README.md").read_text()
    assert "| Krippendorff's α, stance | all | " in card and "| pairwise span F1, overlap | all |" in card
    assert f"pyarrow {stats['library_versions']['pyarrow']}" in card


def _stance_votes() -> pd.DataFrame:
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    return to_votes(export, users, schema=load_schema(), salt="s").annotations[["task", "worker", "label"]]


def test_undefined_agreement_is_shown_as_undefined(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    votes, articles = tiny_votes({"t1": ["against", "against"], "t2": ["against", "against"]})  # one category, no spans
    release = build_release(votes, articles, campaign_at(tmp_path), schema=load_schema())
    figures = json.loads((release / "stats.json").read_text())["agreement"]["figures"]
    assert all(f["value"] is None and f["low"] is None for f in figures if f["measure"] != "stance_alpha" or f["by"] == "all")
    assert "| Krippendorff's α, stance | all | undefined | – | 2 |" in (release / "README.md").read_text()


def test_stats_carry_each_annotators_dawid_skene_confusion_and_accuracy(demo_release: Path, demo_votes: Votes) -> None:
    from annotation.aggregate import DawidSkene

    stats = json.loads((demo_release / "stats.json").read_text())
    quality = stats["annotator_quality"]
    schema = load_schema()
    assert quality["method"] == "dawid_skene" and quality["labels"] == schema.stance_names
    assert "10.2307/2346806" in quality["reference"]
    votes = demo_votes.annotations[["task", "worker", "label"]]
    model = DawidSkene(labels=schema.stance_names).fit(votes)
    annotators = quality["annotators"]
    assert list(annotators) == sorted(votes["worker"].unique())
    assert all(name.startswith("ann-") for name in annotators)  # pseudonyms, never e-mails
    for worker, entry in annotators.items():
        assert entry["tasks"] == int((votes["worker"] == worker).sum()) == 24
        confusion = entry["confusion"]  # rows: true label, columns: given label, schema order
        expected = model.errors_.loc[worker].T.loc[schema.stance_names, schema.stance_names].to_numpy()
        assert pd.DataFrame(confusion).to_numpy() == pytest.approx(expected, abs=1e-4)
        assert [sum(row) for row in confusion] == pytest.approx([1.0] * len(schema.stance_names), abs=1e-3)
        accuracy = float((model.priors_.to_numpy() * expected.diagonal()).sum())
        assert entry["accuracy"] == pytest.approx(accuracy, abs=1e-4)
        assert 0.0 <= entry["accuracy"] <= 1.0
