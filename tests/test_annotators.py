"""The campaign's annotators: the people file, the logins file, and the overlap warning."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from annotation.annotators import overlap_warning, read_logins, read_people, write_logins
from annotation.campaign import CampaignError
from annotation.scaffold import init_campaign


def test_people_are_read_with_lowercased_emails(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("email,name\nAna@Example.org,Ana Real\nben@example.org,\n", encoding="utf-8-sig")
    assert read_people(people) == [("ana@example.org", "Ana Real"), ("ben@example.org", "")]


@pytest.mark.parametrize(("content", "message"), [
    ("name\nAna\n", "expected a header with an 'email' column"),
    ("email,name\nnot-an-address,Ana\n", "people.csv:2: 'not-an-address' is not an e-mail address"),
])
def test_a_bad_people_file_names_the_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    people = tmp_path / "people.csv"
    people.write_text(content)
    with pytest.raises(CampaignError, match=message):
        read_people(people)


def test_logins_round_trip_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "logins.csv"
    assert read_logins(path) == {}
    write_logins(path, {"b@x.org": "pw2", "a@x.org": "pw1"}, "http://127.0.0.1:8080")
    assert read_logins(path) == {"a@x.org": "pw1", "b@x.org": "pw2"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "http://127.0.0.1:8080/user/login/" in path.read_text()


def test_the_overlap_warning_appears_only_below_the_overlap(tmp_path: Path) -> None:
    campaign = init_campaign(tmp_path / "c")  # overlap 3
    assert overlap_warning(campaign, 3) is None
    assert "overlap 3 needs at least 3 annotators, but the campaign has 2" in (overlap_warning(campaign, 2) or "")
