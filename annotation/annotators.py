"""A campaign's annotators: their accounts from a people file, their logins, and whether the overlap can be reached.

The curator lists people in a CSV (``email,name``); ``add_annotators`` gives each a Label Studio
login whose generated password is kept, with the login URL, in ``.studio/annotator-logins.csv``
(mode 0600, never in git) for the curator to hand out; a migration reuses them.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from pathlib import Path

from annotation import studio
from annotation.campaign import Campaign, CampaignError
from annotation.io import atomic_write_bytes

__all__ = ["LOGINS_FILE", "read_people", "read_logins", "write_logins", "overlap_warning", "add_annotators"]

LOGINS_FILE = "annotator-logins.csv"
"""The logins file in a campaign's ``.studio/``: ``email,password,login_url``."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def read_people(path: Path) -> list[tuple[str, str]]:
    """The people of an annotators file (a header ``email,name``): ``(email, name)`` rows, e-mails lowercased.

    Raises:
        CampaignError: The file is unreadable, has no ``email`` column, or a row's e-mail is not
            one (the message names the line).
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "email" not in reader.fieldnames:
                raise CampaignError(f"{path}: expected a header with an 'email' column (and optionally 'name'), got {reader.fieldnames}")
            people = []
            for line, row in enumerate(reader, start=2):
                email = (row.get("email") or "").strip()
                if not _EMAIL.fullmatch(email):
                    raise CampaignError(f"{path}:{line}: {email!r} is not an e-mail address")
                people.append((email.lower(), (row.get("name") or "").strip()))
    except OSError as err:
        raise CampaignError(f"{path}: cannot read annotators file ({err.strerror})") from None
    return people


def overlap_warning(campaign: Campaign, n_annotators: int) -> str | None:
    """A warning when the campaign's overlap can never be reached with ``n_annotators`` people, else None.

    Examples:
        >>> overlap_warning(Campaign(root=Path("."), name="c", title="c", version="0.1.0", overlap=3), 2)
        'overlap 3 needs at least 3 annotators, but the campaign has 2: no task can reach its overlap; add annotators or lower `overlap` in campaign.yml (then `annotation push`)'
    """
    if n_annotators >= campaign.overlap:
        return None
    return (f"overlap {campaign.overlap} needs at least {campaign.overlap} annotators, but the campaign has {n_annotators}: "
            "no task can reach its overlap; add annotators or lower `overlap` in campaign.yml (then `annotation push`)")


def add_annotators(campaign: Campaign, csv_path: Path) -> tuple[list[str], Path, str | None]:
    """Create a Label Studio login for each annotator in ``csv_path`` (a header ``email,name``).

    Passwords are generated once and kept, with the login URL, in ``.studio/annotator-logins.csv``
    (0600) for the curator to hand out; re-running reuses them.

    Returns:
        The e-mails added (or already present), the logins file, and a warning when the campaign
        has fewer annotators than its overlap (``overlap_warning``).
    """
    people = read_people(csv_path)
    admin = studio.connect(campaign.studio_dir)
    logins_path = campaign.studio_dir / LOGINS_FILE
    logins = read_logins(logins_path)
    for email, name in people:
        logins.setdefault(email, secrets.token_urlsafe(12))
        first, _, last = name.partition(" ")
        admin.add_annotator(email, logins[email], first_name=first, last_name=last)
    write_logins(logins_path, logins, admin.url)
    return [email for email, _ in people], logins_path, overlap_warning(campaign, len(logins))


def read_logins(path: Path) -> dict[str, str]:
    """E-mail → password from a curator's logins file (``email,password,login_url``), if it exists."""
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["email"]: row["password"] for row in csv.DictReader(handle)}


def write_logins(path: Path, logins: dict[str, str], url: str) -> None:
    """Write the logins file atomically with mode 0600."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "password", "login_url"])
    for email, password in sorted(logins.items()):
        writer.writerow([email, password, f"{url}/user/login/"])
    atomic_write_bytes(path, buffer.getvalue().encode("utf-8"), mode=0o600)
