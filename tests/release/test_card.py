"""``annotation.release.card``: the dataset card describes the campaign and the data."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from annotation.campaign import Campaign
from annotation.exports import Votes
from annotation.release import DATASHEET_TEMPLATE, SPLITS, STATS_BEGIN, assign_split, build_release
from annotation.schema import load_schema
from tests.fixtures.release import REPO, card_header


def test_card_declares_configs_licence_tasks_and_the_empty_splits(demo_release: Path) -> None:
    header = card_header(demo_release)
    assert [c["config_name"] for c in header["configs"]] == ["sentences", "annotations", "articles"]
    assert header["license"] and header["size_categories"] == ["n<1K"]
    # Stance is multi-class classification of a (sentence, target) pair; no Hub token-classification
    # subtask (named-entity-recognition, part-of-speech, ...) is loaded-language tagging.
    assert header["task_categories"] == ["text-classification", "token-classification"]
    assert header["task_ids"] == ["multi-class-classification"]
    split = assign_split("9ea230396c6002b4")
    card = (demo_release / "README.md").read_text()
    empty = [s for s in SPLITS if s != split]
    assert f"Empty splits in this build: {', '.join(empty)}" in card
    assert "All annotations in this release are synthetic" in card


DEMO_PROSE = (
    "every annotation is synthetic", "One English news article", "No human annotator has contributed yet",
    "All annotations in this release are synthetic", "Synthetic: yes", "Demo campaign", "one conflict",
    "Annotators now.** Simulated", "Idlib",
)


def _release_texts(release: Path) -> str:
    return "\n".join((release / name).read_text() for name in ("README.md", "DATASHEET.md", "stats.json", "CITATION.bib"))


def test_card_datasheet_stats_and_citation_describe_the_campaign(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], campaign_at: Callable[..., Campaign], tmp_path: Path
) -> None:
    votes, articles = tiny_votes({"t1": ["against", "against"], "t2": ["favor", "favor"], "t3": ["neutral", "favor"]})
    campaign = campaign_at(
        tmp_path, name="gulf-stance", title="Stance toward Gulf actors", version="0.3.0", description="Regional news sentences.",
        licence={"annotations": "cc0-1.0", "texts": "cc-by-sa-4.0", "redistribute_texts": True},
        authors=[{"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097", "affiliation": "Analytical Society"}],
        homepage="https://example.org/gulf", language=["en", "ar"],
    )
    release = build_release(votes, articles, campaign, schema=load_schema())
    assert release == tmp_path / "dist" / "gulf-stance-0.3.0"
    header = card_header(release)
    assert header["license"] == ["cc0-1.0", "cc-by-sa-4.0"] and header["pretty_name"] == "Stance toward Gulf actors"
    assert header["language"] == ["en", "ar"] and header["multilinguality"] == ["multilingual"]
    assert header["annotations_creators"] == ["other"] and header["tags"] == ["stance-detection", "loaded-language", "human-annotations"]
    card = (release / "README.md").read_text()
    for text in ("# Stance toward Gulf actors", "`gulf-stance` version 0.3.0. Regional news sentences.", "`cc0-1.0`",
                 "Ada Lovelace, Analytical Society (ORCID 0000-0002-1825-0097)", "https://example.org/gulf",
                 "3 sentence × target rows from 3 sentences of 1 article(s)", "by 2 annotator(s), 6 annotations in all",
                 "0 of 6 annotations are synthetic.", "The source texts are included"):
        assert text in card, text
    sheet = (release / "DATASHEET.md").read_text()
    assert sheet.startswith(DATASHEET_TEMPLATE.read_text().split(STATS_BEGIN)[0])  # the campaign names no datasheet
    for text in ("Stance toward Gulf actors (`gulf-stance` 0.3.0)", "annotations: `cc0-1.0`", "**Synthetic: 0 of 6 annotations**",
                 "| **all** | 1 | 3 | 3 | 6 | 2 |", "published 2026-11-27 to 2026-11-27", "`the government` (3)"):
        assert text in sheet and text in card, text
    stats = json.loads((release / "stats.json").read_text())
    assert (stats["title"], stats["licence"]["annotations"], stats["annotations"], stats["synthetic_annotations"]) == (
        "Stance toward Gulf actors", "cc0-1.0", 6, 0)
    assert stats["corpus"] == {"outlets": {}, "without_outlet": 1, "published": {"first": "2026-11-27", "last": "2026-11-27", "undated": 0},
                               "targets": {"the government": 3}}
    bibtex = ("@misc{gulf_stance_0_3_0,\n  title = {{Stance toward Gulf actors}},\n  author = {Ada Lovelace},\n  year = {2026},\n"
              "  note = {Version 0.3.0},\n  url = {https://example.org/gulf}\n}\n")
    assert (release / "CITATION.bib").read_text() == bibtex and bibtex in card
    assert not any(text in _release_texts(release) for text in DEMO_PROSE)

    given = build_release(votes, articles, replace(campaign, citation="@article{given, title = {Given}}"), schema=load_schema())
    assert (given / "CITATION.bib").read_text() == "@article{given, title = {Given}}\n"


def test_the_seed_campaigns_release_holds_no_demo_prose(tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], tmp_path: Path) -> None:
    from annotation.campaign import load_campaign

    votes, articles = tiny_votes({"t1": ["against", "against"], "t2": ["favor", "favor"]})
    seed = replace(load_campaign(REPO), root=tmp_path)  # its own DATASHEET.md and CHANGELOG.md, human votes
    texts = _release_texts(build_release(votes, articles, seed, schema=load_schema()))
    assert [text for text in DEMO_PROSE if text in texts] == []
    demo = _release_texts(build_release(votes.__class__(votes.tasks, votes.annotations.assign(synthetic=True), votes.spans, votes.dropped),
                                        articles, replace(seed, root=tmp_path / "demo", demo=True), schema=load_schema()))
    assert "Demo campaign" in demo and "All annotations in this release are synthetic" in demo  # the checks can fail


def test_the_demo_release_says_it_is_a_demo(demo_release: Path) -> None:
    card = (demo_release / "README.md").read_text()
    assert "**Demo campaign.**" in card and "3 annotator(s) contributed 72 annotations; 3 of them are simulated" in card
    assert card_header(demo_release)["annotations_creators"] == ["machine-generated"]


def test_the_card_warns_that_tied_rows_lean_toward_the_earlier_labels(demo_release: Path) -> None:
    stats = json.loads((demo_release / "stats.json").read_text())
    card = (demo_release / "README.md").read_text()
    assert stats["stance_ties"] > 0  # the check can fail
    assert f"{stats['stance_ties']} of {stats['tasks']} rows tied (`tie`)" in card and "annotation review" in card


def test_the_card_shows_each_annotators_dawid_skene_accuracy(demo_release: Path) -> None:
    stats = json.loads((demo_release / "stats.json").read_text())
    card = (demo_release / "README.md").read_text()
    assert "Dawid & Skene 1979" in card and "https://doi.org/10.2307/2346806" in card
    assert "| annotator | tasks | estimated accuracy |" in card
    for name, entry in stats["annotator_quality"]["annotators"].items():
        assert f"| `{name}` | {entry['tasks']} | {entry['accuracy']:.3f} |" in card
    assert "`stance_dawid_skene`" in card and "`stance_dawid_skene_posterior`" in card
    assert "@" not in card.split("## Who are the annotators")[1].split("##")[0]  # no e-mail in the table
