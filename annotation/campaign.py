"""The campaign: one corpus, one label scheme, one Label Studio project, one release line.

A campaign is a folder with a ``campaign.yml`` that every command reads (as spaCy/weasel projects
and Potato keep one config per project). It owns the values that used to be typed in several
places: the dataset's name, title, version, licences, authors and citation; the default stance
targets; the scheme and lexicon; the overlap; where the corpus, the manifest and the frozen splits
live; and, written back by the toolkit, the Label Studio port and project ids. Each campaign keeps
its own ``.studio/`` (server, credentials, salt), ``data/`` and ``dist/``, so two campaigns never
share a Label Studio project, raw exports or a release.

The repository root is itself a campaign (the seed article, ready for real annotators); the demo
runs in a scratch copy of it (``copy_campaign(..., demo=True)``) marked ``demo: true``, the only kind of
campaign that simulated annotators may label and whose release may hold synthetic votes.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from annotation.errors import AnnotationError
from annotation.schema import SCHEMA_DIR

__all__ = [
    "CAMPAIGN_FILE",
    "DEFAULT_OVERLAP",
    "CampaignError",
    "Author",
    "Licence",
    "StudioState",
    "Campaign",
    "load_campaign",
    "init_campaign",
    "record_studio",
    "copy_campaign",
]

CAMPAIGN_FILE = "campaign.yml"
# Annotations each task collects from distinct annotators, unless campaign.yml says otherwise.
DEFAULT_OVERLAP = 3
PROJECT_TITLE_MAX = 50  # Label Studio's limit on a project title
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,95}")
_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")
_STUDIO_LINE = re.compile(r"^studio:.*(?:\n[ \t]+.*)*", re.MULTILINE)


def _project_title(title: str, suffix: str = "") -> str:
    room = PROJECT_TITLE_MAX - len(suffix)
    return (title if len(title) <= room else title[: room - 1] + "…") + suffix


class CampaignError(AnnotationError, ValueError):
    """``campaign.yml`` is missing, unreadable or has an invalid value; the message names it."""


@dataclass(frozen=True)
class Author:
    """One author of the dataset, as the citation and the card name them."""

    name: str
    orcid: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Licence:
    """The licence of the released annotations and the terms of the source texts.

    ``annotations`` is a Hugging Face licence id (``cc-by-4.0``, ``cc0-1.0``, ``other`` …).
    ``redistribute_texts`` is True only when the texts' terms allow publishing them; otherwise a
    release carries offsets, ids and checksums but no article or sentence text, and
    ``annotation rehydrate`` rebuilds the texts from the user's own copy.
    """

    annotations: str = "cc-by-4.0"
    texts: str = "Copyright of the publishers; not redistributed."
    redistribute_texts: bool = False


@dataclass(frozen=True)
class StudioState:
    """What the toolkit remembers about the campaign's Label Studio (written back to campaign.yml)."""

    port: int | None = None
    project_id: int | None = None
    review_project_id: int | None = None


@dataclass(frozen=True)
class Campaign:
    """A parsed ``campaign.yml``; paths are absolute (resolved against the campaign folder)."""

    root: Path
    name: str
    title: str
    version: str
    description: str = ""
    licence: Licence = field(default_factory=Licence)
    authors: tuple[Author, ...] = ()
    citation: str | None = None
    homepage: str | None = None
    language: tuple[str, ...] = ("en",)
    targets: tuple[str, ...] = ()
    corpus: Path = Path("corpus")
    manifest: Path = Path("corpus/articles.yaml")
    splits: Path = Path("splits.yaml")
    scheme: Path = SCHEMA_DIR / "stance_loaded.yml"
    lexicon: Path = SCHEMA_DIR / "lexicon.yml"
    overlap: int = DEFAULT_OVERLAP
    changelog: Path | None = None
    datasheet: Path | None = None
    drop_lines: tuple[str, ...] | None = None
    demo: bool = False
    studio: StudioState = field(default_factory=StudioState)

    @property
    def config_path(self) -> Path:
        return self.root / CAMPAIGN_FILE

    @property
    def studio_dir(self) -> Path:
        return self.root / ".studio"

    @property
    def interim(self) -> Path:
        return self.root / "data" / "interim"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def metrics(self) -> Path:
        return self.root / "data" / "baselines" / "metrics.json"

    @property
    def project_title(self) -> str:
        """The Label Studio project's title when it is created (found by id afterwards).

        Label Studio caps project titles at 50 characters; a longer title is cut with an ellipsis.
        """
        return _project_title(self.title)

    @property
    def review_project_title(self) -> str:
        """The title of the campaign's review (adjudication) project, within the same cap."""
        return _project_title(self.title, " (review)")

    @property
    def release_dir(self) -> Path:
        """Where ``annotation build`` writes this campaign's release."""
        return self.dist / f"{self.name}-{self.version}"


_KEYS = {
    "name", "title", "version", "description", "licence", "authors", "citation", "homepage", "language",
    "targets", "corpus", "manifest", "splits", "scheme", "lexicon", "overlap", "changelog", "datasheet",
    "ingest", "demo", "studio",
}  # fmt: skip


def _text(raw: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise CampaignError(f"{where}: '{key}' is required")
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise CampaignError(f"{where}: '{key}' must be text, got {type(value).__name__}")
    return str(value).strip()


def _strings(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CampaignError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _path(root: Path, raw: Mapping[str, Any], key: str, default: Path | None) -> Path | None:
    value = raw.get(key)
    if value is None:
        return default
    return (root / str(value)).resolve()


def _int(value: Any, key: str, where: str, minimum: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise CampaignError(f"{where}: '{key}' must be an integer >= {minimum}, got {value!r}")
    return value


def _licence(raw: Any, where: str) -> Licence:
    if raw is None:
        return Licence()
    if not isinstance(raw, dict):
        raise CampaignError(f"{where}: 'licence' must be a mapping with annotations, texts, redistribute_texts")
    unknown = sorted(set(raw) - {"annotations", "texts", "redistribute_texts"})
    if unknown:
        raise CampaignError(f"{where}: unknown key(s) {unknown} under 'licence'; expected annotations, texts, redistribute_texts")
    redistribute = raw.get("redistribute_texts", False)
    if not isinstance(redistribute, bool):
        raise CampaignError(f"{where}: 'licence.redistribute_texts' must be true or false, got {redistribute!r}")
    default = Licence()
    return Licence(
        annotations=_text(raw, "annotations", f"{where}: licence") or default.annotations,
        texts=_text(raw, "texts", f"{where}: licence") or default.texts,
        redistribute_texts=redistribute,
    )


def _authors(raw: Any, where: str) -> tuple[Author, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CampaignError(f"{where}: 'authors' must be a list of {{name, orcid, affiliation}}")
    authors = []
    for i, item in enumerate(raw):
        item = {"name": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or not item.get("name"):
            raise CampaignError(f"{where}: authors[{i}] needs a 'name'")
        authors.append(Author(name=str(item["name"]), orcid=_text(item, "orcid", where), affiliation=_text(item, "affiliation", where)))
    return tuple(authors)


def _studio(raw: Any, where: str) -> StudioState:
    if raw is None:
        return StudioState()
    if not isinstance(raw, dict):
        raise CampaignError(f"{where}: 'studio' must be a mapping (written by the toolkit)")
    return StudioState(
        port=_int(raw.get("port"), "studio.port", where, 1),
        project_id=_int(raw.get("project_id"), "studio.project_id", where, 1),
        review_project_id=_int(raw.get("review_project_id"), "studio.review_project_id", where, 1),
    )


def load_campaign(folder: str | Path = ".") -> Campaign:
    """Read and check ``folder/campaign.yml``.

    Args:
        folder: The campaign folder (the current directory by default).

    Returns:
        The campaign, with every path resolved against ``folder``.

    Raises:
        CampaignError: No ``campaign.yml`` there (the message says how to create one), invalid
            YAML, an unknown key, or a value of the wrong kind (the message names the key).
    """
    root = Path(folder).resolve()
    path = root / CAMPAIGN_FILE
    if not path.exists():
        raise CampaignError(
            f"{root}: no {CAMPAIGN_FILE} here; run `annotation init DIR` to start a campaign, or pass --campaign DIR"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CampaignError(f"{path}: cannot read it as YAML ({err})") from None
    where = str(path)
    if not isinstance(raw, dict):
        raise CampaignError(f"{where}: expected a mapping of settings, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise CampaignError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(_KEYS)}")
    name = _text(raw, "name", where, required=True) or ""
    if not _NAME.fullmatch(name):
        raise CampaignError(f"{where}: name {name!r} must be lowercase letters, digits, '.', '_' or '-' (it names the release folder)")
    version = _text(raw, "version", where) or "0.1.0"
    if not _VERSION.fullmatch(version):
        raise CampaignError(f"{where}: version {version!r} is not MAJOR.MINOR.PATCH (Semantic Versioning)")
    ingest = raw.get("ingest") or {}
    if not isinstance(ingest, dict) or set(ingest) - {"drop_lines"}:
        raise CampaignError(f"{where}: 'ingest' may only hold 'drop_lines' (a list of regular expressions)")
    drop_lines = ingest.get("drop_lines")
    if drop_lines is not None:
        if not isinstance(drop_lines, list) or not all(isinstance(p, str) and p for p in drop_lines):
            raise CampaignError(f"{where}: ingest.drop_lines must be a list of regular expressions ([] drops nothing)")
        for pattern in drop_lines:
            try:
                re.compile(pattern)
            except re.error as err:
                raise CampaignError(f"{where}: ingest.drop_lines pattern {pattern!r} is not a regular expression ({err})") from None
        drop_lines = tuple(drop_lines)
    demo = raw.get("demo", False)
    if not isinstance(demo, bool):
        raise CampaignError(f"{where}: 'demo' must be true or false")
    defaults = Campaign(root=root, name=name, title=name, version=version)
    return Campaign(
        root=root,
        name=name,
        title=_text(raw, "title", where) or name,
        version=version,
        description=_text(raw, "description", where) or "",
        licence=_licence(raw.get("licence"), where),
        authors=_authors(raw.get("authors"), where),
        citation=_text(raw, "citation", where),
        homepage=_text(raw, "homepage", where),
        language=_strings(raw, "language", where) or defaults.language,
        targets=_strings(raw, "targets", where) or (),
        corpus=_path(root, raw, "corpus", root / defaults.corpus) or root,
        manifest=_path(root, raw, "manifest", root / defaults.manifest) or root,
        splits=_path(root, raw, "splits", root / defaults.splits) or root,
        scheme=_path(root, raw, "scheme", defaults.scheme) or defaults.scheme,
        lexicon=_path(root, raw, "lexicon", defaults.lexicon) or defaults.lexicon,
        overlap=_int(raw.get("overlap"), "overlap", where, 1) or DEFAULT_OVERLAP,
        changelog=_path(root, raw, "changelog", None),
        datasheet=_path(root, raw, "datasheet", None),
        drop_lines=drop_lines,
        demo=demo,
        studio=_studio(raw.get("studio"), where),
    )


def _studio_line(state: StudioState) -> str:
    values = {"port": state.port, "project_id": state.project_id, "review_project_id": state.review_project_id}
    inner = ", ".join(f"{key}: {'null' if value is None else value}" for key, value in values.items())
    return f"studio: {{{inner}}}  # written by the toolkit"


def record_studio(campaign: Campaign, **changes: int | None) -> Campaign:
    """Remember the Label Studio port or project ids in ``campaign.yml``; returns the updated campaign.

    Only the ``studio:`` entry is rewritten (appended when absent), so the curator's comments and
    layout elsewhere in the file stay as they are. The file is replaced atomically.

    Raises:
        TypeError: An unknown field name (the fields are those of ``StudioState``).
    """
    from annotation.io import atomic_write_bytes

    state = replace(campaign.studio, **changes)
    text = campaign.config_path.read_text(encoding="utf-8")
    line = _studio_line(state)
    text = _STUDIO_LINE.sub(lambda _: line, text, count=1) if _STUDIO_LINE.search(text) else text.rstrip("\n") + f"\n{line}\n"
    atomic_write_bytes(campaign.config_path, text.encode("utf-8"))
    return replace(campaign, studio=state)


_TEMPLATE = """\
# One campaign: one corpus, one label scheme, one Label Studio project, one release line.
# Every `annotation` command run in this folder (or with --campaign DIR) reads this file.

name: {name}                # machine name: the release folder dist/<name>-<version>/
title: {title}
description: >-
  {description}
version: 0.1.0              # the release's version (Semantic Versioning); bump it to release again

licence:
  annotations: cc-by-4.0    # licence of the labels you publish (a Hugging Face licence id)
  texts: "Copyright of the publishers; not redistributed."   # the source texts' terms
  redistribute_texts: false # true only if those terms let you publish the texts themselves

authors:                    # for the card and the citation
  - name: Your Name
    # orcid: 0000-0000-0000-0000
    # affiliation: Your institution
citation: null              # BibTeX of the dataset; generated from the fields above when null
homepage: null
language: [en]

targets: []                 # stance targets for articles the manifest gives none
corpus: corpus              # `annotation ingest` without arguments reads this folder
manifest: corpus/articles.yaml
splits: splits.yaml         # frozen article splits (`annotation build --freeze-splits` appends)
scheme: schemas/stance_loaded.yml   # labels, questions and guidelines: edit them here
lexicon: schemas/lexicon.yml        # words pre-marked as suggestions
overlap: 3                  # annotations each task collects from distinct annotators
datasheet: DATASHEET.md     # the release's datasheet; its statistics block is filled by each build

ingest:
  # Lines dropped as page furniture, reported by `annotation ingest`: null for the toolkit's
  # patterns (lone page numbers, "SPONSORED"/"Advertisement", share-button rows); else a list of
  # regular expressions that must match a whole line, e.g. ['Read more:.*', '©.*'], or [] for none.
  drop_lines: null

studio: {{port: null, project_id: null, review_project_id: null}}  # written by the toolkit
"""

_MANIFEST_TEMPLATE = """\
# The stance targets annotators judge each article's sentences against, one entry per article:
# matched by `file` for a .txt article, by `article_id` (or `id`) or `url` for a JSONL/CSV record.
# Articles without an entry get `default_targets` here, else the campaign's `targets`.
#
# default_targets: [The government]
# articles:
#   - file: 001.txt
#     targets: [The government, The opposition]
#   - url: https://example.org/news/1
#     outlet: Example News
#     targets: [The opposition]
articles: []
"""

_GITIGNORE = """\
# Rebuilt by the toolkit, or private (credentials, raw exports with annotator e-mails):
/.studio/
/data/
/dist/
/notebooks/output/
# Annotator e-mails:
/people*.csv
# The corpus's texts, unless this repository stays private or their terms allow sharing them
# (then delete these two lines); the manifest is kept:
/corpus/*
!/corpus/articles.yaml
"""


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
    from annotation.release import DATASHEET_TEMPLATE

    root = Path(folder).resolve()
    if (root / CAMPAIGN_FILE).exists():
        raise CampaignError(f"{root / CAMPAIGN_FILE} exists already; edit it, or init another folder")
    name = name or re.sub(r"[^a-z0-9._-]+", "-", root.name.lower()).strip("-._") or "campaign"
    if not _NAME.fullmatch(name):
        raise CampaignError(f"campaign name {name!r} must be lowercase letters, digits, '.', '_' or '-'")
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    for source in (SCHEMA_DIR / "stance_loaded.yml", SCHEMA_DIR / "lexicon.yml"):
        shutil.copyfile(source, root / "schemas" / source.name)
    manifest = root / "corpus" / "articles.yaml"
    if not manifest.exists():
        manifest.write_text(_MANIFEST_TEMPLATE, encoding="utf-8")
    if not (root / "DATASHEET.md").exists():
        shutil.copyfile(DATASHEET_TEMPLATE, root / "DATASHEET.md")
    if not (root / ".gitignore").exists():
        (root / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    title = title or name
    text = _TEMPLATE.format(
        name=name, title=yaml.safe_dump(title, default_style=None).strip().removesuffix("..."),
        description="What the dataset is for, where its texts come from, and how they were chosen.",
    )
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
        "demo": demo,
    }
    if source.drop_lines is not None:
        config["ingest"] = {"drop_lines": list(source.drop_lines)}
    header = (
        "# A scratch demo campaign made by `annotation demo`; replaced on every run. Do not annotate here.\n"
        if demo else f"# A copy of the campaign {source.name!r} ({source.root}).\n"
    )
    body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
    (root / CAMPAIGN_FILE).write_text(header + body + _studio_line(StudioState()) + "\n", encoding="utf-8")
    (root / ".gitignore").write_text("*\n" if demo else _GITIGNORE, encoding="utf-8")
    return load_campaign(root)
