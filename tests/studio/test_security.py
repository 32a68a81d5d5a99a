"""What annotators can see and do in the open-source edition, and how the pull catches tampering."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from typer.testing import CliRunner

from annotation import annotators, pipeline, studio
from annotation.cli import app
from annotation.exports import load_export, read_users, to_votes
from annotation.schema import load_schema, to_instructions, to_label_config
from tests.fixtures.studio import campaign_copy

pytestmark = pytest.mark.integration
STANCE = {"from_name": "stance", "to_name": "text", "type": "choices"}
# Where the project keeps secrets on purpose, each 0600: the admin login, the handed-out annotator
# logins, the simulated annotators' passwords; and the server's own data (its database holds tokens).
SECRET_STORES = {"credentials.json", annotators.LOGINS_FILE, "simulated-annotators.json"}
SERVER_DATA = "label-studio"


def _one_task_project(admin: studio.Studio, title: str) -> int:
    schema = load_schema()
    project_id, _ = admin.ensure_project(title, to_label_config(schema), to_instructions(schema))
    data = {"task_key": f"{title}-0000|T", "sentence_id": f"{title}-0000", "article_id": title, "text": "The regime fell.",
            "target": "T", "headline": "H", "context_before": "", "context_after": ""}
    admin.push_tasks(project_id, [{"data": data}])
    return project_id


@pytest.fixture(scope="module")
def two_annotators(admin: studio.Studio) -> tuple[studio.Studio, studio.Studio]:
    return (admin.add_annotator("sec-a@synthetic.invalid", "sec-a-password-123"),
            admin.add_annotator("sec-b@synthetic.invalid", "sec-b-password-123"))


def test_the_stream_does_not_show_other_annotators_labels(admin: studio.Studio, two_annotators) -> None:
    a, b = two_annotators
    project_id = _one_task_project(admin, "stream-blind")
    task = a.next_task(project_id)
    a.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["against"]}}], 2.0)
    served = b.next_task(project_id)
    assert served["id"] == task["id"] and served["total_annotations"] == 1
    assert served["annotations"] == []  # B labels without seeing A's judgment


def test_an_edit_by_another_annotator_is_detected_and_the_authors_version_kept(
    admin: studio.Studio, two_annotators, tmp_path: Path
) -> None:
    a, b = two_annotators
    project_id = _one_task_project(admin, "tamper-check")
    task = a.next_task(project_id)
    annotation_id = a.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["against"]}}], 2.0)
    before = admin.pull_export(project_id, tmp_path)
    # The guard refuses B's edit of A's annotation (tests/studio/test_guard.py); the curator, whom
    # it does not restrict, can still edit it in the UI, and the pull reports that.
    with pytest.raises(studio.StudioError, match="HTTP 403"):
        b._call("edit", lambda: b.sdk.annotations.update(annotation_id, result=[{**STANCE, "value": {"choices": ["favor"]}}]))
    admin.sdk.annotations.update(annotation_id, result=[{**STANCE, "value": {"choices": ["favor"]}}])
    after = admin.pull_export(project_id, tmp_path)
    users = read_users(after.path.with_suffix(".users.json"))
    votes = to_votes(load_export(after.path), users, schema=load_schema(), salt="s", history=[load_export(before.path)])
    assert votes.annotations["label"].tolist() == ["against"]
    assert votes.integrity["issue"].tolist() == ["edited_by_other"]


def test_status_prints_no_secret(studio_root: Path) -> None:
    creds = json.loads((studio_root / ".studio" / "credentials.json").read_text())
    result = CliRunner().invoke(app, ["studio", "status", "--campaign", str(studio_root)])
    assert result.exit_code == 0 and "running at http://127.0.0.1:" in result.output
    assert creds["token"] not in result.output and creds["password"] not in result.output


def _signup(url: str, link: str, email: str) -> int:
    """Sign up through ``link`` as a browser would; the HTTP status (302: signed up)."""
    session = requests.Session()
    session.get(f"{url}/user/login/", timeout=60)  # the CSRF cookie, from a page whose URL holds no token
    form = {"csrfmiddlewaretoken": session.cookies["csrftoken"], "email": email, "password": f"{email}-password"}
    return session.post(link, data=form, headers={"Referer": link}, timeout=60, allow_redirects=False).status_code


def test_a_used_invite_link_signs_nobody_up_any_more(admin: studio.Studio) -> None:
    used = admin.invite_url()
    admin.add_annotator("retire-a@synthetic.invalid", "retire-a-password-1")
    current = admin.invite_url()
    assert current != used
    assert _signup(admin.url, used, "retire-b@synthetic.invalid") == 403
    assert _signup(admin.url, current, "retire-c@synthetic.invalid") == 302  # the same request, with the live link
    admin.reset_invite()  # this test used it


def _files(root: Path) -> list[Path]:
    """Every file under ``root`` that is not a secret store or the server's data (symlinks not followed)."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != SERVER_DATA]
        found += [Path(folder) / n for n in names if n not in SECRET_STORES and not (Path(folder) / n).is_symlink()]
    return found


def test_no_file_the_project_writes_holds_a_secret(
    studio_root: Path, pg_studio_root: Path, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every invite link and API token the project uses, seen as it uses them.
    invites, tokens = [], []
    invite_url, init = studio.Studio.invite_url, studio.Studio.__init__

    def seen_invite(self: studio.Studio) -> str:
        link = invite_url(self)
        invites.append(parse_qs(urlsplit(link).query)["token"][0])
        return link

    def seen_token(self: studio.Studio, url: str, token: str) -> None:
        tokens.append(token)
        init(self, url, token)

    monkeypatch.setattr(studio.Studio, "invite_url", seen_invite)
    monkeypatch.setattr(studio.Studio, "__init__", seen_token)

    # A campaign of its own on the PostgreSQL server, from corpus to release, with handed-out and
    # simulated logins. (Not on the SQLite server: test_push counts the logins handed out there.)
    campaign = campaign_copy(tmp_path / "secrets-walk", demo=True, server_root=pg_studio_root)
    pipeline.ingest(campaign)
    pipeline.segment(campaign)
    campaign = pipeline.push(campaign)[0]
    (tmp_path / "people.csv").write_text("email,name\nsec-walk-a@synthetic.invalid,A\nsec-walk-b@synthetic.invalid,B\n")
    annotators.add_annotators(campaign, tmp_path / "people.csv")
    pipeline.simulate_annotation(campaign, seed=0)
    pipeline.pull(campaign)
    pipeline.build(campaign)
    # And on the SQLite server: an annotator and a pull.
    sqlite = studio.connect(studio_root / ".studio")
    sqlite.add_annotator("sec-walk-sqlite@synthetic.invalid", "sec-walk-sqlite-password-1")
    sqlite.pull_export(sqlite.create_project("secrets-walk", "<View><Text name='text' value='$text'/></View>", ""),
                       tmp_path / "sqlite-raw")

    studio_dirs = [pg_studio_root / ".studio", studio_root / ".studio"]
    secrets = {"PostgreSQL password": [urlsplit(postgres_url).password], "invite token": invites, "API token": tokens,
               "admin password": [], "annotator password": ["sec-walk-sqlite-password-1"]}
    for studio_dir in studio_dirs:  # what the project keeps for each server, wherever the tests put it
        creds = json.loads((studio_dir / "credentials.json").read_text())
        secrets["admin password"].append(creds["password"])
        secrets["API token"].append(creds["token"])
        if (studio_dir / annotators.LOGINS_FILE).exists():
            with open(studio_dir / annotators.LOGINS_FILE, newline="") as handle:
                secrets["annotator password"] += [row["password"] for row in csv.DictReader(handle)]
        if (studio_dir / "simulated-annotators.json").exists():
            secrets["annotator password"] += json.loads((studio_dir / "simulated-annotators.json").read_text()).values()
    # The secrets are real ones: many, long, and where the project keeps them on purpose.
    assert len(invites) >= 6 and len(set(tokens)) >= 6 and len(secrets["annotator password"]) >= 6
    assert all(len(secret) >= 12 for values in secrets.values() for secret in values)
    for studio_dir in studio_dirs:
        for store in studio_dir.iterdir():
            if store.name in SECRET_STORES:
                assert stat.S_IMODE(store.stat().st_mode) == 0o600, store
    assert secrets["API token"][-1] in (studio_root / ".studio" / "credentials.json").read_text()

    files = [f for root in (tmp_path, *studio_dirs) for f in _files(root)]
    assert {"server.log", "server.json", "MANIFEST.json", "SHA256SUMS"} <= {f.name for f in files}
    leaks = [(kind, str(f)) for f in files for kind, values in secrets.items() for secret in values
             if secret.encode() in f.read_bytes()]
    assert leaks == []
    for studio_dir in studio_dirs:  # the signups were logged, with their tokens masked, in 0600 logs
        log = studio_dir / "server.log"
        assert b"/user/signup/?token=*** " in log.read_bytes() and stat.S_IMODE(log.stat().st_mode) == 0o600
