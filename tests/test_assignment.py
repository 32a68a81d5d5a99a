"""The stream's policy files and the active order's ranking (annotation/assignment.py), without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation.assignment import (
    QueueSettings,
    block_ranking_path,
    pick_ranked_task,
    rank_blocks,
    read_block_ranking,
    read_queue_settings,
    write_block_ranking,
    write_queue_settings,
)
from annotation.campaign import CampaignError, load_campaign
from annotation.scaffold import init_campaign


def test_the_ranking_round_trips_for_its_order_only(tmp_path: Path) -> None:
    ranking = [(("a2", "Kerry"), [5, 6]), (("a1", "gun control"), [2])]
    write_block_ranking(tmp_path, 7, ranking, order="article-target", model_version="tfidf-lr+lexicon-v0.1.0+00000000")
    assert read_block_ranking(7, "article-target", tmp_path) == ranking
    assert read_block_ranking(7, "article", tmp_path) is None  # ranked for another block shape
    assert read_block_ranking(8, "article-target", tmp_path) is None  # no ranking yet


def test_a_malformed_ranking_names_its_file(tmp_path: Path) -> None:
    path = block_ranking_path(tmp_path, 3)
    path.write_text('{"order": "article", "blocks": [["a1", 2]], "tasks": [[1]]}', encoding="utf-8")
    with pytest.raises(ValueError, match=f"^{path}: 'blocks' must be"):
        read_block_ranking(3, "article", tmp_path)
    path.write_text('{"order": "article", "blocks": [["a1"]], "tasks": []}', encoding="utf-8")
    with pytest.raises(ValueError, match=f"^{path}: 'tasks' must hold one list of task ids per block"):
        read_block_ranking(3, "article", tmp_path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match=f"^{path}: not JSON"):
        read_block_ranking(3, "article", tmp_path)


def test_no_article_gets_a_second_block_before_every_article_had_one() -> None:
    margins = [(("a", "T"), 0.01), (("a", "U"), 0.02), (("a", "V"), 0.03), (("b", "T"), 0.5), (("c", "T"), 0.9), (("c", "U"), 0.04)]
    assert rank_blocks(margins) == [("a", "T"), ("c", "U"), ("b", "T"), ("a", "U"), ("c", "T"), ("a", "V")]


def test_a_ranked_block_that_is_fully_staffed_or_done_is_passed_over() -> None:
    ranking = [(("c",), [4]), (("b",), [3]), (("a",), [1, 2])]
    assert pick_ranked_task(ranking, {1, 2, 3, 4}, {("c",): 2}, overlap=2) == 3
    assert pick_ranked_task(ranking, {2, 4}, {("c",): 2}, overlap=2) == 2  # b done by this annotator; a from its first open task
    assert pick_ranked_task(ranking, {3}, {("b",): 2}, overlap=2) is None


def test_active_order_is_off_by_default_and_can_be_switched_on(tmp_path: Path) -> None:
    assert QueueSettings().active is False  # bench/active.py: ranked articles did not beat random ones on BABE
    write_queue_settings(tmp_path, 1, QueueSettings(active=True))
    assert read_queue_settings(1, tmp_path).active is True
    with pytest.raises(ValueError, match="active must be true or false"):
        QueueSettings(active="yes")  # type: ignore[arg-type]


def test_campaign_yml_sets_the_active_order(tmp_path: Path) -> None:
    root = init_campaign(tmp_path / "c").root
    assert load_campaign(root).queue.active is False  # the template says so
    text = (root / "campaign.yml").read_text(encoding="utf-8")
    (root / "campaign.yml").write_text(text.replace("  active: false", "  active: true"), encoding="utf-8")
    assert load_campaign(root).queue.active is True
    (root / "campaign.yml").write_text(text.replace("  active: false", "  active: maybe"), encoding="utf-8")
    with pytest.raises(CampaignError, match="queue.active must be true or false"):
        load_campaign(root)
