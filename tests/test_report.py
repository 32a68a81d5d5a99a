"""The curator's report (annotation/report.py): every section, pseudonyms only, texts only when the
licence allows, no external resource; and, in headless Chromium, that it renders offline without errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser

from annotation.exports import Votes
from annotation.report import SECTIONS, render_report, write_report
from annotation.schema import load_schema
from tests.fixtures.release import DATA, SHARED_TEXTS, seed_articles, write_campaign


def _render(release: Path, votes: Votes) -> str:
    stats = json.loads((release / "stats.json").read_text(encoding="utf-8"))
    return render_report(stats, votes.annotations, votes.tasks, articles=seed_articles(), overlap=3, gold=votes.gold)


@pytest.fixture
def report_html(textless_release: Path, demo_votes: Votes) -> str:
    return _render(textless_release, demo_votes)


def test_every_section_is_present_in_order(report_html: str) -> None:
    headings = re.findall(r"<h2>(.*?)</h2>", report_html)
    assert headings == [s.replace("–", "–") for s in SECTIONS]
    assert report_html.count("<svg") >= 4  # progress, agreement, one confusion matrix per annotator, distribution


def test_pseudonyms_only_and_no_email(report_html: str, demo_votes: Votes) -> None:
    users = (DATA / "demo_export" / "users.json").read_text(encoding="utf-8")
    emails = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", users))
    assert emails
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w-]+", report_html)
    assert all(email not in report_html for email in emails)
    assert all(worker in report_html for worker in demo_votes.annotations["worker"].unique())


def test_texts_are_withheld_unless_the_licence_allows(report_html: str, demo_votes: Votes, tmp_path: Path) -> None:
    sentence = demo_votes.tasks["text"].iloc[0]
    assert "texts are withheld" in report_html
    assert sentence not in report_html
    campaign = write_campaign(tmp_path / "shared", licence=SHARED_TEXTS)
    from annotation.release import build_release

    release = build_release(demo_votes, seed_articles(), campaign, schema=load_schema(), splits={"9ea230396c6002b4": "train"})
    shared = _render(release, demo_votes)
    assert "texts are withheld" not in shared
    disputed = shared.split("<h2>Most disputed tasks</h2>")[1]
    assert any(pd.Series(demo_votes.tasks["text"]).map(lambda t: __import__("html").escape(t) in disputed))


def test_no_external_resource_and_no_script(report_html: str) -> None:
    assert "<script" not in report_html.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", report_html)
    assert "<link" not in report_html.lower() and "@import" not in report_html


def test_text_is_escaped() -> None:
    stats = {"name": "x", "title": "<b>T</b>", "texts": {"included": True}, "stance_distribution": {"favor": 1, "against": 0}}
    votes = pd.DataFrame({"task": ["s|<i>", "s|<i>"], "worker": ["ann-1", "ann-2"], "label": ["favor", "against"]})
    tasks = pd.DataFrame({"task": ["s|<i>"], "article_id": ["a"], "target": ["<i>"], "text": ["<script>x</script>"]})
    out = render_report(stats, votes, tasks, overlap=2)
    assert "<script>" not in out and "&lt;script&gt;" in out and "<i>" not in out and "<b>T</b>" not in out


def test_write_report_needs_a_build(tmp_path: Path) -> None:
    from annotation.campaign import CampaignError

    with pytest.raises(CampaignError, match="annotation build"):
        write_report(write_campaign(tmp_path / "empty"))


@pytest.mark.integration
def test_the_report_renders_offline_without_errors(chromium: Browser, report_html: str, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(report_html, encoding="utf-8")
    # The fixtures' new_page lets loopback hosts through and aborts the rest, file:// included; the
    # report may load itself and data: URIs only, so this context lets exactly those through.
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    allowed = lambda url: url == path.as_uri() or url.startswith("data:")  # noqa: E731
    context.route("**/*", lambda route: route.continue_() if allowed(route.request.url) else route.abort("blockedbyclient"))
    page = context.new_page()
    try:
        messages: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        for title in SECTIONS:
            heading = page.get_by_role("heading", name=title, exact=True)
            assert heading.is_visible(), title
        assert page.locator("svg").count() >= 4
        assert [m for m in messages if m.startswith(("error", "pageerror"))] == []
        assert requests and all(allowed(url) for url in requests), requests
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
    finally:
        page.context.close()


def test_write_report_reads_the_last_build(demo_votes: Votes, tmp_path: Path) -> None:
    from annotation.release import build_release

    campaign = write_campaign(tmp_path / "built", overlap=4)
    build_release(demo_votes, seed_articles(), campaign, schema=load_schema(), splits={"9ea230396c6002b4": "train"})
    campaign.interim.mkdir(parents=True)
    for name, frame in (("stance_votes", demo_votes.annotations), ("tasks", demo_votes.tasks), ("articles", seed_articles())):
        frame.to_parquet(campaign.interim / f"{name}.parquet")
    path = write_report(campaign)
    assert path == campaign.root / "data" / "report.html"
    assert "<b>24</b> of 24 task(s) have fewer than the overlap of 4" in path.read_text(encoding="utf-8")


def test_each_annotators_stance_acceptance_stands_beside_their_span_acceptance(textless_release: Path, demo_votes: Votes) -> None:
    stats = json.loads((textless_release / "stats.json").read_text(encoding="utf-8"))
    worker = demo_votes.annotations["worker"].iloc[0]
    stats["suggestions"]["stance"]["annotators"] = {worker: {"suggestions": 4, "accepted": 3, "acceptance_rate": 0.75}}
    page = render_report(stats, demo_votes.annotations, demo_votes.tasks, articles=seed_articles(), overlap=3, gold=demo_votes.gold)
    table = page.split("span suggestions accepted</th><th>stance suggestions accepted</th>")[1]
    assert "<td class=\"n\">75.0% of 4</td>" in table.split(f"<code>{worker}</code>", 1)[1].split("</tr>")[0]


def test_suggestion_outcomes_are_shown_per_model_version(textless_release: Path, demo_votes: Votes) -> None:
    stats = json.loads((textless_release / "stats.json").read_text(encoding="utf-8"))
    version = "tfidf-lr+lexicon-v0.1.0+1a2b3c4d"
    stats["suggestions"]["per_model_version"] = {"lexicon-v1": {"suggestions": 5, "accepted": 4, "changed": 0, "rejected": 1,
                                                                "acceptance_rate": 0.8}}
    stats["suggestions"]["stance"]["per_model_version"] = {version: {"suggestions": 10, "accepted": 6, "changed": 4, "rejected": 0,
                                                                     "acceptance_rate": 0.6}}
    page = render_report(stats, demo_votes.annotations, demo_votes.tasks, articles=seed_articles(), overlap=3, gold=demo_votes.gold)
    table = page.split("<h3>Suggestions per model version</h3>")[1].split("</table>")[0]
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in table.split("<tr>")[2:]]
    assert rows == [["lexicon-v1", "spans", "5", "4", "0", "1", "80.0%"], [version, "stance", "10", "6", "4", "0", "60.0%"]]
