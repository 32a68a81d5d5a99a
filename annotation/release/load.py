"""Read a built release: ``load_release`` (one config through ``datasets``) and ``load_release_tables``,
the one decoder of a release into named pandas frames (the notebooks, the baselines and the CLI read it).

**Loading and caches.** ``datasets`` (5.2) keys its cache of a local folder by the card's
``configs`` as written (the data file *patterns*, not the files' contents or times), so a release
rebuilt in place under fixed file names loaded the old rows from the default cache; with
``download_mode="force_redownload"`` it reused the cached ``dataset_info.json`` of the old build as
the expected split sizes, hence ``NonMatchingSplitsSizesError`` when the row count changed. Data
file names carry the sha256 of their content, so any change of data is a new cache entry and
``datasets.load_dataset(release_dir, config)`` always returns the files on disk.

A release can be a campaign's first day (one annotator, one article, empty splits, no spans) or
carry no texts (``licence.redistribute_texts: false``); the frames say so rather than fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import pandas as pd

from annotation.release.errors import MissingFileError, ReleaseError

__all__ = ["ReleaseTables", "check_release", "newest_release", "texts_included", "load_release", "load_release_tables"]

_CONFIGS = ("sentences", "annotations", "articles")  # as features_for names them


@contextmanager
def _no_progress_bars() -> Iterator[None]:
    """``datasets``' progress bars off inside the block, and as the caller had them after it."""
    enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if enabled:
            datasets.enable_progress_bars()


def check_release(path: str | Path) -> Path:
    """``path`` as an absolute path, if it is a built release directory.

    Raises:
        MissingFileError: ``path`` does not exist, or lacks the dataset card (``README.md``)
            or the ``sentences/`` config that every release has.

    Examples:
        >>> check_release("dist/no-such-release-0.0.0")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        annotation.release.errors.MissingFileError: release dist/no-such-release-0.0.0 does not exist; pass a directory ...
    """
    path = Path(path).expanduser()
    if not path.is_dir():
        raise MissingFileError(
            f"release {path} does not exist; pass a directory built by `annotation build`, "
            "such as dist/<name>-<version>/"
        )
    missing = [name for name in ("README.md", "sentences") if not (path / name).exists()]
    if missing:
        raise MissingFileError(
            f"{path} is not a release: it has no {' or '.join(missing)}; pass a directory built "
            "by `annotation build`, such as dist/<name>-<version>/"
        )
    return path.resolve()


def texts_included(stats: dict[str, Any], release: Path) -> bool:
    """Whether a release's ``stats.json`` (read into ``stats``) says the release ships its texts.

    Raises:
        ReleaseError: ``stats`` has no ``texts.included`` entry: the release was built before
            ``annotation build`` wrote one, and is to be rebuilt.
    """
    try:
        return bool(stats["texts"]["included"])
    except (KeyError, TypeError):
        raise ReleaseError(
            f"{release / 'stats.json'} does not say whether the release ships its texts (no texts.included): "
            "it was built by an older version of annotation; rebuild it with `annotation build`"
        ) from None


def newest_release(dist: str | Path) -> Path:
    """The newest release built in ``dist`` (a campaign's ``dist/``), by modification time.

    Raises:
        MissingFileError: ``dist`` holds no release (run ``make demo`` or ``annotation build``).
    """
    releases = sorted((p for p in Path(dist).glob("*-*") if (p / "README.md").exists()), key=lambda p: p.stat().st_mtime)
    if not releases:
        raise MissingFileError(f"no release in {dist}; run `make demo` or `annotation build`")
    return releases[-1]


def load_release(path: str | Path, config: str = "sentences") -> datasets.DatasetDict:
    """Load a built release config with ``datasets.load_dataset`` (all non-empty splits).

    The default cache is safe: data file names carry their content's sha256, so a release rebuilt
    in place is a new cache entry (see the module docstring). ``datasets``' progress bars are off
    while it loads, and left as the caller had them.
    """
    with _no_progress_bars():
        return datasets.load_dataset(str(path), config)


@dataclass(frozen=True)
class ReleaseTables:
    """A release's configs as pandas tables, with label names and a ``split`` column.

    ``stance`` holds names (not ClassLabel ids) in ``sentences`` and ``annotations``, every
    span's ``label`` is a name, and each ``stance_votes`` cell of ``sentences`` is a mapping name
    → number of votes (in the release, a list of counts in ClassLabel order), which
    ``finetuned-minilm`` learns from; the names and their order come from the release's features.

    Attributes:
        path: The release directory.
        sentences: One row per sentence × target (the ``sentences`` config, all splits).
        annotations: One row per annotator × sentence × target (``annotations``).
        articles: One row per article (``articles``).
        stance_names: The stance labels in scheme order.
        span_names: The loaded-language span labels in scheme order.
    """

    path: Path
    sentences: pd.DataFrame
    annotations: pd.DataFrame
    articles: pd.DataFrame
    stance_names: list[str]
    span_names: list[str]

    @property
    def missing_texts(self) -> str | None:
        """Why the cells that need sentence texts are skipped, or None if every row has one."""
        n_missing = int(self.sentences["text"].isna().sum())
        if not n_missing:
            return None
        return (
            f"{n_missing} of {len(self.sentences)} sentence rows of {self.path.name} have no "
            "text: the release does not carry the texts (see the licence in its card). "
            "Rebuild them from your own copy of the articles (`annotation rehydrate`) to see "
            "the cells that need them; those cells are skipped here."
        )

    @property
    def synthetic(self) -> bool:
        """Whether every annotation is a simulated (demo) one."""
        return bool(self.annotations["synthetic"].all())


def _named_spans(cells: pd.Series, names: list[str]) -> list[list[dict[str, Any]]]:
    return [[{**span, "label": names[int(span["label"])]} for span in cell] for cell in cells]


def load_release_tables(path: str | Path) -> ReleaseTables:
    """Read every config of a release into pandas (see ``ReleaseTables``).

    Raises:
        MissingFileError: ``path`` is not a release (see ``check_release``).
    """
    path = check_release(path)
    frames: dict[str, pd.DataFrame] = {}
    features: dict[str, Any] = {}
    for config in _CONFIGS:
        splits = load_release(path, config)
        features[config] = next(iter(splits.values())).features
        frames[config] = pd.concat(
            [part.to_pandas().assign(split=name) for name, part in splits.items()],
            ignore_index=True,
        )
    stance_names = list(features["sentences"]["stance"].names)
    span_names = list(features["sentences"]["spans"].feature["label"].names)
    for config in ("sentences", "annotations"):
        frame = frames[config]
        frame["stance"] = [stance_names[i] for i in frame["stance"]]
        frame["spans"] = _named_spans(frame["spans"], span_names)
    frames["sentences"]["stance_votes"] = [
        dict(zip(stance_names, map(int, counts), strict=True)) for counts in frames["sentences"]["stance_votes"]
    ]
    return ReleaseTables(
        path=path,
        sentences=frames["sentences"],
        annotations=frames["annotations"],
        articles=frames["articles"],
        stance_names=stance_names,
        span_names=span_names,
    )
