"""The split of every article: hash-based for a new article, frozen in a committed manifest.

Splits are per article, so the sentences of one article never straddle splits, and frozen in a
committed manifest (``article_id: split``). An article keeps its split forever: adding articles
never moves an existing one. A new article's split comes from the sha256 of its id (80/10/10,
``assign_split``), but only once it is frozen into the manifest: ``freeze_splits`` appends new
articles and never changes an entry, and ``build_release`` refuses articles that are not in the
manifest it is given (``annotation build --freeze-splits`` writes it). A split may be empty;
``datasets`` cannot load an empty parquet file, so the card lists only the non-empty splits and
names the empty ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import yaml

from annotation.errors import yaml_problem
from annotation.io import atomic_write_bytes
from annotation.release.errors import ReleaseError

__all__ = ["SPLITS", "assign_split", "read_split_manifest", "freeze_splits", "write_split_manifest"]

SPLITS = ("train", "validation", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)


def assign_split(article_id: str) -> str:
    """The hash-based split of a new article, from the sha256 of its id (80/10/10).

    Examples:
        >>> assign_split("9ea230396c6002b4") in SPLITS
        True
    """
    value = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8], 16) / 0x100000000
    cumulative = np.cumsum(SPLIT_FRACTIONS)
    return SPLITS[int(np.searchsorted(cumulative, value, side="right"))]


class _UniqueKeyLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A YAML loader that rejects a key given twice (a frozen split must not be overridden silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_MANIFEST_HEADER = """\
# Frozen split of every article: article_id: train | validation | test.
# Committed with the seeds and read by `annotation build`. An article keeps its split forever, so
# adding articles never moves an existing one. New articles get their split from the sha256 of
# their id (80/10/10) and are appended here by `annotation build --freeze-splits`; commit the result.
"""


def read_split_manifest(path: str | Path) -> dict[str, str]:
    """The frozen splits, ``article_id -> split``, in file order; empty when the file does not exist.

    Raises:
        ReleaseError: The file is not a YAML mapping of string ids to one of ``SPLITS``, or gives an
            id twice.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as err:
        raise ReleaseError(f"{path}: not valid YAML: {yaml_problem(err)}") from None
    loaded = {} if loaded is None else loaded
    if not isinstance(loaded, dict):
        raise ReleaseError(f"{path}: expected a mapping article_id: split, got {type(loaded).__name__}")
    for article_id, split in loaded.items():
        if not isinstance(article_id, str):
            raise ReleaseError(f"{path}: article id {article_id!r} is not a string; quote it")
        if split not in SPLITS:
            raise ReleaseError(f"{path}: article {article_id!r} has split {split!r}, not one of {', '.join(SPLITS)}")
    return dict(loaded)


def freeze_splits(manifest: Mapping[str, str], article_ids: Iterable[str]) -> dict[str, str]:
    """The manifest with every new article appended with its hash-based split.

    Existing entries are kept as they are, in their order, whatever ``assign_split`` would say;
    new ids follow in sorted order. Ids in the manifest but not in ``article_ids`` stay too (an
    article that comes back gets its old split).

    Examples:
        >>> frozen = freeze_splits({"a1": "test"}, ["b2", "a1"])
        >>> frozen["a1"], frozen["b2"] == assign_split("b2"), list(frozen)
        ('test', True, ['a1', 'b2'])
    """
    frozen = dict(manifest)
    for article_id in sorted(set(article_ids) - set(frozen)):
        frozen[article_id] = assign_split(article_id)
    return frozen


def write_split_manifest(path: str | Path, manifest: Mapping[str, str]) -> None:
    """Write the manifest atomically (temp file, then rename), entries in the given order."""
    body = yaml.safe_dump(dict(manifest), sort_keys=False, allow_unicode=True, default_flow_style=False) if manifest else ""
    atomic_write_bytes(Path(path), (_MANIFEST_HEADER + body).encode("utf-8"))


def article_splits(articles: pd.DataFrame, tasks: pd.DataFrame, splits: Mapping[str, str] | None) -> pd.Series:
    """The split of every article, indexed by ``article_id``."""
    duplicated = articles["article_id"].duplicated()
    if duplicated.any():
        raise ReleaseError(f"articles lists article(s) {sorted(articles.loc[duplicated, 'article_id'])[:5]} more than once")
    ids = articles["article_id"].astype(str)
    unknown = sorted(set(pd.unique(tasks["article_id"])) - set(ids))
    if unknown:
        raise ReleaseError(
            f"votes.tasks has sentences of {len(unknown)} article(s) missing from the articles table, e.g. "
            f"{unknown[:5]}; ingest the seeds that contain them (`annotation ingest`)"
        )
    if splits is None:
        return pd.Series([assign_split(i) for i in ids], index=ids.to_numpy(), dtype=object)
    missing = [i for i in ids if i not in splits]
    if missing:
        raise ReleaseError(
            f"splits has no entry for {len(missing)} article(s), e.g. {missing[:5]}; freeze them first "
            "(freeze_splits, or `annotation build --freeze-splits`) so that they keep their split"
        )
    wrong = {i: splits[i] for i in ids if splits[i] not in SPLITS}
    if wrong:
        raise ReleaseError(f"splits gives {wrong} outside {', '.join(SPLITS)}")
    return pd.Series([splits[i] for i in ids], index=ids.to_numpy(), dtype=object)


def split_bounds(article_ids: pa.Array, split_of: pd.Series) -> npt.NDArray[np.intp]:
    """Row boundaries of the splits in a table sorted by split: split ``i`` is rows ``[b[i], b[i + 1])``."""
    rank = pd.Series(article_ids.to_pandas(types_mapper=pd.ArrowDtype)).map(split_of).map(SPLITS.index).to_numpy()
    return np.searchsorted(rank, np.arange(len(SPLITS) + 1)).astype(np.intp)

