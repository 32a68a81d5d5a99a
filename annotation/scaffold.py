"""Campaign folders: a new campaign from the templates (``annotation init``), or a copy of one.

``init_campaign`` writes ``campaign.yml`` from ``templates/campaign/campaign.yml`` (commented for
the curator), an empty corpus with the manifest template, a copy of the default scheme and lexicon
to edit, the datasheet template and a ``.gitignore``. ``copy_campaign`` makes the demo's scratch
campaign from the seed campaign, and the target of ``annotation migrate``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from annotation.campaign import CAMPAIGN_FILE, NAME_PATTERN, Campaign, CampaignError, StudioState, load_campaign, studio_line
from annotation.resources import SCHEMA_DIR, TEMPLATES_DIR

__all__ = ["init_campaign", "copy_campaign"]

_TEMPLATES = TEMPLATES_DIR / "campaign"


def init_campaign(folder: str | Path, *, name: str | None = None, title: str | None = None) -> Campaign:
    """Create a new campaign in ``folder``: ``campaign.yml``, an empty ``corpus/`` with a manifest,
    a copy of the default scheme and lexicon to edit, a datasheet template and a ``.gitignore``.

    Args:
        folder: The campaign folder; created if missing, refused if it holds a campaign already.
        name: The machine name (default: the folder's name, lowercased).
        title: The human title (default: the name).

    Returns:
        The new campaign.

    Raises:
        CampaignError: ``folder`` already has a ``campaign.yml``, or the name is invalid.
    """
    root = Path(folder).resolve()
    if (root / CAMPAIGN_FILE).exists():
        raise CampaignError(f"{root / CAMPAIGN_FILE} exists already; edit it, or init another folder")
    name = name or re.sub(r"[^a-z0-9._-]+", "-", root.name.lower()).strip("-._") or "campaign"
    if not NAME_PATTERN.fullmatch(name):
        raise CampaignError(f"campaign name {name!r} must be lowercase letters, digits, '.', '_' or '-'")
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    for source in (SCHEMA_DIR / "stance_loaded.yml", SCHEMA_DIR / "lexicon.yml"):
        shutil.copyfile(source, root / "schemas" / source.name)
    manifest = root / "corpus" / "articles.yaml"
    if not manifest.exists():
        shutil.copyfile(_TEMPLATES / "articles.yaml", manifest)
    if not (root / "DATASHEET.md").exists():
        shutil.copyfile(TEMPLATES_DIR / "DATASHEET.md", root / "DATASHEET.md")
    if not (root / ".gitignore").exists():
        shutil.copyfile(_TEMPLATES / "gitignore", root / ".gitignore")
    title = title or name
    values = {
        "name": name, "title": yaml.safe_dump(title, default_style=None).strip().removesuffix("..."),
        "description": "What the dataset is for, where its texts come from, and how they were chosen.",
    }
    text = re.sub(r"\{(name|title|description)\}", lambda m: values[m.group(1)], (_TEMPLATES / CAMPAIGN_FILE).read_text(encoding="utf-8"))
    (root / CAMPAIGN_FILE).write_text(text, encoding="utf-8")
    return load_campaign(root)


def copy_campaign(source: Campaign, folder: str | Path, *, demo: bool) -> Campaign:
    """A copy of ``source`` in ``folder``: its corpus, manifest, splits, scheme, lexicon and datasheet.

    The copy has its own ``.studio/``, ``data/`` and ``dist/`` and no Label Studio state, so it never
    touches the source's project, raw exports or release. With ``demo`` (what ``annotation demo``
    makes) it is marked ``demo: true``, named ``<name>-demo`` and git-ignores itself, and an earlier
    demo in ``folder`` is replaced; without, ``folder`` must not hold a campaign yet.

    Raises:
        CampaignError: ``folder`` holds something that is not a demo campaign (``demo``), or a
            campaign already (not ``demo``).
    """
    root = Path(folder).resolve()
    if root.exists() and any(root.iterdir()):
        previous = root / CAMPAIGN_FILE
        if not demo or not previous.exists() or not load_campaign(root).demo:
            raise CampaignError(f"{root} exists and is not an earlier demo campaign; refusing to replace it (pick another folder)")
        from annotation.studio import stop_server

        stop_server(root / ".studio")
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source.corpus, root / "corpus")
    copies: dict[str, str] = {"corpus": "corpus"}
    for key, place in (("manifest", "corpus"), ("splits", "."), ("scheme", "schemas"), ("lexicon", "schemas"), ("datasheet", ".")):
        path: Path | None = getattr(source, key)
        if path is None or not path.exists():
            continue
        # Files inside the corpus folder were copied with it and keep their place there.
        inside = path.is_relative_to(source.corpus)
        target = root / "corpus" / path.relative_to(source.corpus) if inside else root / place / path.name
        if not inside:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        copies[key] = target.relative_to(root).as_posix()
    config: dict[str, Any] = {
        "name": f"{source.name}-demo" if demo else source.name,
        "title": f"{source.title} (demo: simulated annotators)" if demo else source.title,
        "description": (f"A scratch demo of the campaign {source.name!r}: every annotation is synthetic. " if demo else "")
        + source.description,
        "version": source.version,
        "licence": {"annotations": source.licence.annotations, "texts": source.licence.texts,
                    "redistribute_texts": source.licence.redistribute_texts},
        "authors": [{k: v for k, v in vars(a).items() if v is not None} for a in source.authors],
        "citation": None if demo else source.citation,
        "homepage": source.homepage,
        "language": list(source.language),
        "targets": list(source.targets),
        **copies,
        "overlap": source.overlap,
        "queue": {"order": source.queue.order, "gold_rate": source.queue.gold_rate},
        "demo": demo,
    }
    if source.drop_lines is not None:
        config["ingest"] = {"drop_lines": list(source.drop_lines)}
    header = (
        "# A scratch demo campaign made by `annotation demo`; replaced on every run. Do not annotate here.\n"
        if demo else f"# A copy of the campaign {source.name!r} ({source.root}).\n"
    )
    body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
    (root / CAMPAIGN_FILE).write_text(header + body + studio_line(StudioState()) + "\n", encoding="utf-8")
    if demo:
        (root / ".gitignore").write_text("*\n", encoding="utf-8")
    else:
        shutil.copyfile(_TEMPLATES / "gitignore", root / ".gitignore")
    return load_campaign(root)
