"""``annotation.release.tables``: votes → the Arrow tables (aggregation, offsets, spans, bad votes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import datasets
import pandas as pd
import pytest

from annotation.aggregate import krippendorff_alpha
from annotation.campaign import Campaign
from annotation.exports import Votes, load_export, read_users, to_votes
from annotation.release import aggregate_votes, build_release
from annotation.schema import load_schema
from tests.fixtures.release import DATA, SHARED_TEXTS, seed_articles


def test_majority_stance_and_vote_counts(demo_votes: Votes) -> None:
    schema = load_schema()
    sentences = aggregate_votes(demo_votes, schema)
    assert len(sentences) == 24
    for row in sentences.itertuples():
        votes = dict(zip(schema.stance_names, row.stance_votes))
        top = max(votes.values())
        assert votes[row.stance] == top
        assert row.tie == (list(votes.values()).count(top) > 1)
        if row.tie:  # ties go to the earliest label in schema order
            assert row.stance == next(n for n in schema.stance_names if votes[n] == top)
        assert row.stance_confidence == pytest.approx(top / 3)


def test_sentence_offsets_point_into_the_article(demo_votes: Votes) -> None:
    (text,) = seed_articles()["text"]
    sentences = aggregate_votes(demo_votes, load_schema())
    assert all(text[row.start : row.end] == row.text for row in sentences.itertuples())


def test_spans_need_support_from_half_the_annotators(demo_votes: Votes) -> None:
    sentences = aggregate_votes(demo_votes, load_schema()).set_index("task_key")
    spans = demo_votes.spans
    for task, row in sentences.iterrows():
        for span in row["spans"]:
            marked = spans[(spans.task == task) & (spans.start <= span["start"]) & (spans.end >= span["end"])]
            assert marked["worker"].nunique() >= 2 and span["support"] >= 0.5


def test_no_annotations_is_a_clear_error(demo_votes: Votes) -> None:
    empty = Votes(demo_votes.tasks, demo_votes.annotations.iloc[0:0], demo_votes.spans.iloc[0:0])
    with pytest.raises(ValueError, match="no annotations to aggregate"):
        aggregate_votes(empty, load_schema())


def test_fields_not_recorded_stay_null(demo_votes: Votes, campaign_at: Callable[..., Campaign], tmp_path: Path) -> None:
    seed = seed_articles().assign(published=None, updated=None, url=None, outlet=None)
    other = seed.assign(article_id="wire-0042", source="wire.jsonl:1", published="2024-05-01T10:00", url="https://example.org/a",
                        outlet="Example Wire", text="Other\n\nAnother article.", title="Other")
    release = build_release(demo_votes, pd.concat([seed, other], ignore_index=True), campaign_at(tmp_path, licence=SHARED_TEXTS),
                            schema=load_schema())
    rows = {row["article_id"]: row for split in datasets.load_dataset(str(release), "articles").values() for row in split}
    assert [rows["9ea230396c6002b4"][key] for key in ("published", "updated", "url", "outlet")] == [None] * 4
    assert [rows["wire-0042"][key] for key in ("published", "updated", "url", "outlet")] == [
        "2024-05-01T10:00", None, "https://example.org/a", "Example Wire"]
    corpus = json.loads((release / "stats.json").read_text())["corpus"]
    assert corpus["outlets"] == {"Example Wire": 1} and corpus["without_outlet"] == 1
    assert corpus["published"] == {"first": "2024-05-01", "last": "2024-05-01", "undated": 1}
    assert "2 article(s) (1 outlet(s): Example Wire (1); 1 without a recorded outlet), published 2024-05-01 to 2024-05-01 (1 without a date)" in (
        release / "README.md").read_text()


def test_bad_votes_are_clear_errors(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]]) -> None:
    schema = load_schema()
    votes, _ = tiny_votes({"t1": ["against", "against"]})
    unknown = Votes(votes.tasks.iloc[1:], votes.annotations, votes.spans)
    with pytest.raises(ValueError, match=r"2 vote\(s\) on 1 task\(s\) missing from votes.tasks, e.g. \['t1'\]"):
        aggregate_votes(unknown, schema)
    nan_label, _ = tiny_votes({"t1": ["against", None], "t2": ["favor", "favor"]})
    nan_label.annotations.loc[0, "label"] = None
    with pytest.raises(ValueError, match=r"1 annotation\(s\) without a stance label \(NaN\), e.g. task 't1' by 'w1'"):
        aggregate_votes(nan_label, schema)
    twice = Votes(votes.tasks, pd.concat([votes.annotations, votes.annotations.assign(ls_annotation_id=[7, 8])]), votes.spans)
    with pytest.raises(ValueError, match=r"2 repeated \(task, worker\) pair\(s\)"):
        aggregate_votes(twice, schema)
    with pytest.raises(ValueError, match=r"label\'\] has value\(s\) \['pro'\] not in labels"):
        aggregate_votes(Votes(votes.tasks, votes.annotations.assign(label="pro"), votes.spans), schema)


def test_spans_without_a_stance_annotation_are_refused(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]]) -> None:
    schema = load_schema()
    # w3 marked "regime" on t1 but gave no stance there; on t3 nobody gave a stance at all
    for spans in ([("t1", "w3", "regime", "loaded-negative")], [("t3", "w1", "Officials", "loaded-negative")]):
        votes, _ = tiny_votes({"t1": ["against", "against", None], "t2": ["favor", "favor"]}, spans=tuple(spans))
        with pytest.raises(ValueError, match=r"votes.spans has 1 span\(s\) that belong to no stance annotation"):
            aggregate_votes(votes, schema)


def test_to_votes_drops_the_spans_of_annotations_without_a_stance() -> None:
    users = read_users(DATA / "demo_export" / "users.json")
    export = load_export(DATA / "demo_export" / "export.json")
    task = next(t for t in export if any(r.get("from_name") == "loaded" for a in t["annotations"] for r in a["result"]))
    annotation = next(a for a in task["annotations"] if any(r.get("from_name") == "loaded" for r in a["result"]))
    annotation["result"] = [r for r in annotation["result"] if r.get("from_name") == "loaded"]  # spans, no stance
    votes = to_votes(export, users, schema=load_schema(), salt="s", source="edited")
    assert votes.dropped["without_stance"] == 1
    assert annotation["id"] not in set(votes.spans["ls_annotation_id"])
    row = aggregate_votes(votes, load_schema()).set_index("task_key").loc[task["data"]["task_key"]]
    assert row["n_annotators"] == 2 and sum(row["stance_votes"]) == 2


def test_one_label_workers_single_votes_and_all_ties(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    schema = load_schema()
    # w1 only ever says "favor"; t3 has a single vote; t1 and t2 are ties
    votes, articles = tiny_votes(
        {"t1": ["favor", "against"], "t2": ["favor", "neutral"], "t3": ["favor"]},
        spans=(("t1", "w1", "regime", "loaded-negative"), ("t2", "w2", "freed", "loaded-positive")),
    )
    rows = aggregate_votes(votes, schema).set_index("task_key")
    assert rows["tie"].tolist() == [True, True, False] and rows["stance"].tolist() == ["favor"] * 3
    assert rows.loc["t3", "n_annotators"] == 1 and rows.loc["t3", "stance_confidence"] == 1.0
    release = build_release(votes, articles, campaign_at(tmp_path), schema=schema)
    stats = json.loads((release / "stats.json").read_text())
    alpha = next(f for f in stats["agreement"]["figures"] if f["measure"] == "stance_alpha" and f["by"] == "all")
    assert alpha["tasks"] == 2 and alpha["value"] == pytest.approx(krippendorff_alpha(votes.annotations[["task", "worker", "label"]]), abs=1e-4)
    assert stats["stance_ties"] == 2


def test_dawid_skene_label_and_posterior_beside_the_majority_vote(demo_votes: Votes) -> None:
    from annotation.aggregate import DawidSkene

    schema = load_schema()
    sentences = aggregate_votes(demo_votes, schema)
    votes = demo_votes.annotations[["task", "worker", "label"]]
    model = DawidSkene(labels=schema.stance_names, random_state=0).fit(votes)
    probas = model.probas_.loc[sentences["task_key"].astype(str).tolist()]
    assert sentences["stance_dawid_skene"].astype(str).tolist() == model.labels_.loc[probas.index].astype(str).tolist()
    assert sentences["stance_dawid_skene_posterior"].astype(float).to_numpy() == pytest.approx(probas.max(axis=1).to_numpy(), abs=1e-6)
    from annotation.release.tables import features_for

    sentence_features = features_for(schema)["sentences"]
    assert sentence_features["stance_dawid_skene"].names == sentence_features["stance"].names
    assert sentence_features["stance_dawid_skene_posterior"].dtype == "float32"
    names = list(sentence_features)
    assert names.index("stance_dawid_skene") == names.index("stance_confidence") + 1
    assert ((sentences["stance"] == sentences["stance_dawid_skene"]).mean()) > 0.5  # the two mostly agree


def test_adjudication_replaces_only_the_majority_stance(demo_release: Path, demo_votes: Votes, demo_campaign: Campaign,
                                                        tmp_path: Path) -> None:
    from dataclasses import replace

    schema = load_schema()
    plain = datasets.load_dataset(str(demo_release), "sentences", split="train")
    key = plain[0]["task_key"]
    other = next(i for i in range(len(schema.stance_names)) if i != plain[0]["stance"])
    campaign = replace(demo_campaign, root=tmp_path / "adjudicated")
    release = build_release(demo_votes, seed_articles(), campaign, schema=schema,
                            adjudications={key: schema.stance_names[other]})
    row = datasets.load_dataset(str(release), "sentences", split="train")[0]
    assert (row["stance"], row["adjudicated"]) == (other, True)
    assert row["stance_dawid_skene"] == plain[0]["stance_dawid_skene"]
    assert row["stance_dawid_skene_posterior"] == plain[0]["stance_dawid_skene_posterior"]
