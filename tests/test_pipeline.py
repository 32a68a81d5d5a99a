"""A curator's journey against real Label Studio servers: the demo, then a campaign of one's own.

The demo runs in its scratch campaign on the session's server. The second campaign is made with
`annotation init` from a small JSONL corpus written here, gets a Label Studio server of its own
(started, renamed in the UI, restarted), and two annotator accounts label through the API as
people do in the browser (the labeling stream's `next` task, then a submitted annotation). Its
release must hold none of the demo's rows and describe itself: its title, licence and counts, and
0 synthetic annotations. A rebuild in place, read back with the README's `load_dataset` line
through the default cache, returns the new labels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import pandas as pd
import pytest
from typer.testing import CliRunner

from annotation import annotators, pipeline, studio
from annotation.campaign import CampaignError, load_campaign
from annotation.cli import app
from annotation.exports import SYNTHETIC_DOMAIN, user_id_of
from tests.fixtures.studio import campaign_copy

pytestmark = pytest.mark.integration
runner = CliRunner()

TITLE = "Stance toward city councils in local news"
LICENCE = "cc0-1.0"
TARGETS = ["City council", "Mayor"]
# A corpus of this test's own: three short local-news articles, one with page furniture.
CORPUS = [
    {"article_id": "rv-001", "url": "https://example.org/news/1", "title": "Council approves new bus lanes",
     "text": "The city council approved new bus lanes on Tuesday.\n\nSPONSORED\n\nCritics called the plan a reckless gamble. "
             "The mayor praised the decision as a bold step.", "published": "2026-03-02T09:00", "outlet": "Example Gazette"},
    {"article_id": "rv-002", "url": "https://example.org/news/2", "title": "Mayor faces questions over budget",
     "text": "The mayor faced questions over a budget shortfall. Residents accused the council of wasting money.",
     "published": "2026-03-05T12:30", "outlet": None},
    {"article_id": "rv-003", "url": "https://example.org/news/3", "title": "Library hours extended",
     "text": "The central library will open on Sundays from April. The council said the change costs little.",
     "published": None, "outlet": "Example Courier"},
]
PEOPLE = ["ana.real@example.org", "ben.real@example.org"]  # scripted in this test, counted as people


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _label_everything(client: studio.Studio, project_id: int, stance: str) -> int:
    """Label every task the stream serves: the stance, and the sentence's first word as a span."""
    done = 0
    while (task := client.next_task(project_id)) is not None:
        word = task["data"]["text"].split()[0]
        client.submit_annotation(task["id"], [
            {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [stance]}},
            {"from_name": "loaded", "to_name": "text", "type": "labels",
             "value": {"start": 0, "end": len(word), "text": word, "labels": ["loaded-negative"]}},
        ], lead_time=5.0)
        done += 1
    return done


def _rows(release: Path, config: str) -> list[dict[str, Any]]:
    # The README's documented load line, through the default datasets cache.
    loaded = datasets.load_dataset(str(release), config)
    return [row for split in loaded.values() for row in split]


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default datasets cache, but a fresh one for this test (never the user's)."""
    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    return cache


def test_the_demo_and_a_campaign_of_ones_own_stay_apart(studio_root: Path, tmp_path: Path, hf_cache: Path) -> None:
    # 1. The demo, in its scratch campaign (on the session's server).
    demo = campaign_copy(tmp_path / "demo", demo=True, server_root=studio_root)
    pipeline.ingest(demo)
    pipeline.segment(demo)
    demo = pipeline.push(demo)[0]
    pipeline.simulate_annotation(demo, seed=0)
    pipeline.pull(demo)
    demo_release, demo_votes = pipeline.build(demo)
    demo_keys = set(demo_votes.tasks["task"])

    # 2. A campaign of one's own, from `annotation init` and a JSONL corpus with a manifest.
    real_dir = tmp_path / "council"
    _ok("init", str(real_dir), "--name", "council-stance", "--title", TITLE)
    config = real_dir / "campaign.yml"
    text = config.read_text().replace("annotations: cc-by-4.0", f"annotations: {LICENCE}").replace("overlap: 3", "overlap: 2")
    config.write_text(text)
    corpus = real_dir / "corpus" / "news.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in CORPUS))
    (real_dir / "corpus" / "articles.yaml").write_text(
        "articles:\n" + "".join(f"  - url: {a['url']}\n    targets: {json.dumps(TARGETS)}\n" for a in CORPUS)
    )
    out = _ok("ingest", str(corpus), "--manifest", str(real_dir / "corpus" / "articles.yaml"), "-C", str(real_dir))
    assert "3 article(s) ingested, 0 skipped; 6 article × target pair(s), 2 distinct stance target(s)" in out
    _ok("segment", "-C", str(real_dir))
    _ok("studio", "start", "-C", str(real_dir))
    try:
        real = load_campaign(real_dir)
        port = real.studio.port
        assert port is not None
        out = _ok("push", "-C", str(real_dir))
        real = load_campaign(real_dir)
        assert f"project {real.studio.project_id}:" in out
        with pytest.raises(CampaignError):
            pipeline.simulate_annotation(real)  # the demo's annotators never label a real campaign

        people = tmp_path / "people.csv"
        people.write_text("email,name\n" + "".join(f"{email},{email.split('.')[0].title()}\n" for email in PEOPLE))
        out = _ok("studio", "annotators", "add", str(people), "-C", str(real_dir))
        assert "2 annotator(s) can log in" in out
        admin = studio.connect(real.studio_dir)
        logins = pd.read_csv(real.studio_dir / annotators.LOGINS_FILE)
        assert set(logins["login_url"]) == {f"http://127.0.0.1:{port}/user/login/"}
        clients = {email: admin.add_annotator(email, pw) for email, pw in zip(logins["email"], logins["password"])}
        project_id = real.studio.project_id
        # A synthetic account that got into the real project anyway labels first: its vote never
        # reaches the release (that task keeps one person's vote: the overlap of 2 was reached).
        intruder = admin.add_annotator(f"intruder@{SYNTHETIC_DOMAIN}", "intruder-password-1")
        task = intruder.next_task(project_id)
        intruder.submit_annotation(task["id"], [{"from_name": "stance", "to_name": "text", "type": "choices",
                                                 "value": {"choices": ["against"]}}], 1.0)
        n_labelled = sum(_label_everything(clients[email], project_id, "favor") for email in PEOPLE)

        # Renamed in the UI and restarted: the campaign finds its project by id, on the same port.
        admin.sdk.projects.update(project_id, title="renamed by a curator")
        _ok("studio", "stop", "-C", str(real_dir))
        _ok("studio", "start", "-C", str(real_dir))
        assert studio.server_status(real.studio_dir).port == port

        _ok("pull", "-C", str(real_dir))
        out = _ok("build", "--freeze-splits", "-C", str(real_dir))
        release = load_campaign(real_dir).release_dir
        assert release.name == "council-stance-0.1.0" and str(release) in out

        sentences = _rows(release, "sentences")
        assert sentences and not {row["task_key"] for row in sentences} & demo_keys
        assert {row["article_id"] for row in sentences} <= {a["article_id"] for a in CORPUS}
        assert all(not row["synthetic"] for row in sentences)
        assert {row["stance"] for row in sentences} == {0}  # favor, from both people; the intruder's vote is gone
        annotations = _rows(release, "annotations")
        assert len(annotations) == n_labelled == 2 * len(sentences) - 1
        assert not any(row["synthetic"] for row in annotations)
        integrity = pd.read_parquet(real.interim / "integrity.parquet")
        assert list(integrity["issue"]) == ["synthetic"]
        stats = json.loads((release / "stats.json").read_text())
        assert stats["synthetic_annotations"] == 0 and stats["annotations"] == len(annotations)
        card = (release / "README.md").read_text()
        datasheet = (release / "DATASHEET.md").read_text()
        assert TITLE in card and f"license:\n- {LICENCE}\n" in card and TITLE in datasheet
        for demo_text in ("seed article", "Syria", "every annotation is synthetic", "All annotations in this release are synthetic", "No human annotator"):
            assert demo_text not in card and demo_text not in datasheet
        assert not any("SPONSORED" in text for text in pd.read_parquet(real.interim / "sentences.parquet")["text"])

        # 3. Rebuild in place with changed labels: the README's load line returns the new rows.
        users = admin.users()
        for task in admin.export_tasks(project_id):
            for annotation in task["annotations"]:
                email = users[user_id_of(annotation["completed_by"])]
                if email in clients:
                    result = [r if r["from_name"] != "stance" else {**r, "value": {"choices": ["against"]}} for r in annotation["result"]]
                    clients[email].sdk.annotations.update(annotation["id"], result=result)
        _ok("pull", "-C", str(real_dir))
        _ok("build", "-C", str(real_dir))
        assert {row["stance"] for row in _rows(release, "sentences")} == {1}  # against
        assert demo_release.exists() and demo_release != release
    finally:
        runner.invoke(app, ["studio", "stop", "-C", str(real_dir)])
