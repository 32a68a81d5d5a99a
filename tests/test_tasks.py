from __future__ import annotations

from pathlib import Path

import pytest

from annotation.ingest import load_articles, split_sentences
from annotation.lexicon import load_lexicon
from annotation.schema import load_schema
from annotation.tasks import make_tasks

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seed_tasks() -> list[dict]:
    articles = load_articles(REPO / "seeds")
    sentences = [s for a in articles for s in split_sentences(a)]
    return make_tasks(articles, sentences, schema=load_schema(), lexicon=load_lexicon())


def test_one_task_per_sentence_and_target(seed_tasks: list[dict]) -> None:
    keys = [t["data"]["task_key"] for t in seed_tasks]
    assert len(keys) == len(set(keys)) == 12 * 2
    assert {t["data"]["target"] for t in seed_tasks} == {"Syrian government (Assad regime)", "Syrian opposition forces"}


def test_context_is_headline_and_neighbours(seed_tasks: list[dict]) -> None:
    by_index = {t["data"]["sentence_id"]: t["data"] for t in seed_tasks}
    ids = sorted(by_index)
    headline, first, second = (by_index[i] for i in ids[:3])
    assert headline["text"] == headline["headline"] == "Opposition forces clash with regime in Idlib de-escalation zone"
    assert first["context_before"] == ""  # the headline is shown once, as the headline
    assert first["context_after"] == second["text"] and second["context_before"] == first["text"]
    assert by_index[ids[-1]]["context_after"] == ""


def test_lexicon_hits_are_predictions_with_exact_offsets(seed_tasks: list[dict]) -> None:
    last = [t for t in seed_tasks if "terrorize" in t["data"]["text"]][0]
    (prediction,) = last["predictions"]
    assert prediction["model_version"] == "lexicon-v1"
    text = last["data"]["text"]
    marked = [(r["value"]["text"], r["value"]["labels"][0]) for r in prediction["result"]]
    assert marked == [("regime", "loaded-negative"), ("terrorize", "loaded-negative")]
    for region in prediction["result"]:
        assert text[region["value"]["start"] : region["value"]["end"]] == region["value"]["text"]
    assert "annotations" not in last


def test_sentence_of_an_unknown_article_is_an_error() -> None:
    articles = load_articles(REPO / "seeds")
    stray = split_sentences(type("A", (), {"article_id": "nope", "text": "One. Two."})())
    with pytest.raises(KeyError, match="unknown article"):
        make_tasks(articles, stray, schema=load_schema())
