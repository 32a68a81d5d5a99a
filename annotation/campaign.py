"""The campaign: one corpus, one label scheme, one Label Studio project, one release line.

A campaign is a folder with a ``campaign.yml`` that every command reads (as spaCy/weasel projects
and Potato keep one config per project). It owns the values that used to be typed in several
places: the dataset's name, title, version, licences, authors and citation; the default stance
targets; the scheme and lexicon; the overlap; where the corpus, the manifest and the frozen splits
live; and, written back by the toolkit, the Label Studio port and project ids. Each campaign keeps
its own ``.studio/`` (server, credentials, salt), ``data/`` and ``dist/``, so two campaigns never
share a Label Studio project, raw exports or a release.

The repository root is itself a campaign (the seed article, ready for real annotators); the demo
runs in a scratch copy of it (``scaffold.copy_campaign(..., demo=True)``) marked ``demo: true``, the only kind of
campaign that simulated annotators may label and whose release may hold synthetic votes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from annotation.assignment import QueueSettings
from annotation.errors import AnnotationError, yaml_problem
from annotation.resources import SCHEMA_DIR

__all__ = [
    "CAMPAIGN_FILE",
    "DEFAULT_OVERLAP",
    "NAME_PATTERN",
    "CampaignError",
    "Author",
    "Licence",
    "StudioState",
    "Campaign",
    "load_campaign",
    "record_studio",
    "studio_line",
]

CAMPAIGN_FILE = "campaign.yml"
# Annotations each task collects from distinct annotators, unless campaign.yml says otherwise.
DEFAULT_OVERLAP = 3
PROJECT_TITLE_MAX = 50  # Label Studio's limit on a project title
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,95}")
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
    queue: QueueSettings = field(default_factory=QueueSettings)
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
    "ingest", "demo", "studio", "queue",
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


def _queue(raw: Any, where: str) -> QueueSettings:
    if raw is None:
        return QueueSettings()
    if not isinstance(raw, dict) or set(raw) - {"order", "gold_rate", "active"}:
        raise CampaignError(f"{where}: 'queue' may only hold 'order', 'gold_rate' and 'active'")
    try:
        return QueueSettings(**raw)
    except ValueError as err:
        raise CampaignError(f"{where}: queue.{err}") from None


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
        raise CampaignError(f"{path}: cannot read it as YAML: {yaml_problem(err)}") from None
    where = str(path)
    if not isinstance(raw, dict):
        raise CampaignError(f"{where}: expected a mapping of settings, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise CampaignError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(_KEYS)}")
    name = _text(raw, "name", where, required=True) or ""
    if not NAME_PATTERN.fullmatch(name):
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
        queue=_queue(raw.get("queue"), where),
        changelog=_path(root, raw, "changelog", None),
        datasheet=_path(root, raw, "datasheet", None),
        drop_lines=drop_lines,
        demo=demo,
        studio=_studio(raw.get("studio"), where),
    )


def studio_line(state: StudioState) -> str:
    """The ``studio:`` entry of ``campaign.yml`` for ``state`` (one line, flow style)."""
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
    line = studio_line(state)
    text = _STUDIO_LINE.sub(lambda _: line, text, count=1) if _STUDIO_LINE.search(text) else text.rstrip("\n") + f"\n{line}\n"
    atomic_write_bytes(campaign.config_path, text.encode("utf-8"))
    return replace(campaign, studio=state)
