"""Which task an annotator gets next: reading order, a block at a time, with gold tasks mixed in at a rate.

The policy the labeling stream follows for annotators (``annotation/studio/stream.py`` applies it
inside the Label Studio server); pure functions and the campaign's settings, no Label Studio here.

- **Blocks.** Tasks fall into blocks: with ``order: article-target`` (the default) one article and
  one target, so an annotator reads an article's sentences in order for one target, then moves on;
  with ``order: article``, one article with all its targets. Within a block, tasks come in the
  order they were pushed (sentence order). Blocks come in push order too.
- **Claims.** An annotator works through one block (their *current* block: that of their locked
  task, else of their latest annotation) and takes the next block only when it has fewer active
  annotators than the overlap. An annotator idle for longer than the task-lock time-to-live stops
  holding their block, so a block left half-done goes to someone else, who starts where it stopped.
  Every task still reaches its overlap: a task is offered while its annotations plus other
  annotators' locks are fewer than the overlap.
- **Active order.** With ``active: true`` (off by default) and a block ranking written by
  ``annotation suggest`` (``write_block_ranking``), an annotator's next *new* block is the open
  block the current stance model is least sure about (``rank_blocks``), not the next in push order;
  within a block the reading order stays. Without a ranking (before the first ``suggest``) the
  order is push order.
- **Gold.** A gold task (one with a ground-truth annotation) is offered to every annotator, not
  counted against the overlap, and mixed into each annotator's stream at ``gold_rate``: the
  ``n``-th task is gold when ``floor(gold_rate · n)`` exceeds the gold tasks they have done. Nothing
  in the task marks it as gold.

Label Studio's own samplers cannot do this: with an overlap above 1, its "breadth first" step
serves a random one of the tasks others have started (``projects/functions/next_task.py``), so
consecutive tasks jump between articles and targets, and its ground truth is served first
(onboarding), not mixed in.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "TASK_ORDERS",
    "DEFAULT_TASK_ORDER",
    "DEFAULT_GOLD_RATE",
    "QUEUE_DIR_ENV",
    "QueueSettings",
    "queue_settings_path",
    "write_queue_settings",
    "read_queue_settings",
    "block_of",
    "gold_due",
    "pick_block_task",
    "pick_ranked_task",
    "rank_blocks",
    "block_ranking",
    "block_ranking_path",
    "write_block_ranking",
    "read_block_ranking",
]

TASK_ORDERS = ("article-target", "article")
"""What a block is: one article for one target, or one article with all its targets."""
DEFAULT_TASK_ORDER = "article-target"
DEFAULT_GOLD_RATE = 0.1
"""The share of an annotator's tasks that are gold, when the project has gold tasks."""
QUEUE_DIR_ENV = "ANNOTATION_QUEUE_DIR"
"""The server's environment variable naming the folder of the projects' queue settings."""


@dataclass(frozen=True)
class QueueSettings:
    """How one project's stream orders tasks for annotators (``queue:`` in ``campaign.yml``).

    Attributes:
        order: One of ``TASK_ORDERS``.
        gold_rate: Share of each annotator's tasks that are gold, in [0, 0.5].
        active: Whether new blocks follow the ranking of ``annotation suggest`` when there is one.
            Off by default: on BABE, whole articles ranked so needed 1.27 times the labels of a
            random article order to reach 95% of the full-data macro-F1 (``bench/active.py``).
    """

    order: str = DEFAULT_TASK_ORDER
    gold_rate: float = DEFAULT_GOLD_RATE
    active: bool = False

    def __post_init__(self) -> None:
        if self.order not in TASK_ORDERS:
            raise ValueError(f"order must be one of {', '.join(TASK_ORDERS)}, not {self.order!r}")
        if isinstance(self.gold_rate, bool) or not isinstance(self.gold_rate, int | float) or not 0 <= self.gold_rate <= 0.5:
            raise ValueError(f"gold_rate must be a number from 0 to 0.5, not {self.gold_rate!r}")
        if not isinstance(self.active, bool):
            raise ValueError(f"active must be true or false, not {self.active!r}")


def queue_settings_path(folder: str | Path, project_id: int) -> Path:
    """The settings file of project ``project_id`` in the server's queue folder."""
    return Path(folder) / f"project-{int(project_id)}.json"


def write_queue_settings(folder: str | Path, project_id: int, settings: QueueSettings) -> Path:
    """Write (atomically) the settings the server's stream reads for ``project_id``; returns the file."""
    return _write_json(queue_settings_path(folder, project_id), asdict(settings))


def _write_json(path: Path, payload: Mapping[str, Any]) -> Path:
    """``payload`` as JSON at ``path`` (keys sorted), written atomically; its folder made if needed."""
    from annotation.io import atomic_write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return path


def _read_json(path_of: Callable[[str | Path, int], Path], project_id: int, folder: str | Path | None) -> tuple[Path | None, Any]:
    """``(path, parsed JSON)`` of one project's file in ``folder`` (default ``$ANNOTATION_QUEUE_DIR``);
    ``(path, None)`` when there is no folder or no file. Not JSON raises ``ValueError`` naming it."""
    folder = folder if folder is not None else os.environ.get(QUEUE_DIR_ENV)
    if not folder:
        return None, None
    path = path_of(folder, project_id)
    try:
        return path, json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return path, None
    except ValueError as err:
        raise ValueError(f"{path}: not JSON ({err})") from None


def read_queue_settings(project_id: int, folder: str | Path | None = None) -> QueueSettings:
    """The settings of ``project_id`` (from ``folder``, by default ``$ANNOTATION_QUEUE_DIR``); the
    defaults when there is no file. A malformed file raises ``ValueError`` naming it."""
    path, raw = _read_json(queue_settings_path, project_id, folder)
    if raw is None:
        return QueueSettings()
    try:
        return QueueSettings(**raw)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: {err}") from None


def block_of(data: Mapping[str, Any], order: str) -> tuple[str, ...]:
    """The block of a task (its ``data``): ``(article_id, target)`` or ``(article_id,)``.

    Examples:
        >>> block_of({"article_id": "a1", "target": "Kerry", "text": "…"}, "article-target")
        ('a1', 'Kerry')
        >>> block_of({"article_id": "a1", "target": "Kerry"}, "article")
        ('a1',)
    """
    article = str(data.get("article_id", ""))
    return (article, str(data.get("target", ""))) if order == "article-target" else (article,)


def gold_due(done: int, gold_done: int, rate: float) -> bool:
    """Whether an annotator who has done ``done`` tasks, ``gold_done`` of them gold, gets gold next.

    The ``n``-th task (``n = done + 1``) is gold when ``floor(rate · n) > gold_done``: at rate 0.1,
    the 10th, 20th, 30th, …

    Examples:
        >>> [n for n in range(1, 31) if gold_due(n - 1, (n - 1) // 10, 0.1)]
        [10, 20, 30]
        >>> gold_due(0, 0, 0.0)
        False
    """
    return math.floor(rate * (done + 1) + 1e-9) > gold_done


def pick_block_task(
    candidates: Iterable[tuple[int, tuple[str, ...]]],
    current_block: tuple[str, ...] | None,
    claimants: Mapping[tuple[str, ...], int],
    overlap: int,
) -> int | None:
    """The next task id for one annotator, from the tasks still open to them in push order.

    Args:
        candidates: ``(task_id, block)`` in push order: tasks the annotator has not done, that are
            not gold and whose annotations plus other annotators' locks are below the overlap.
        current_block: The annotator's current block, if any.
        claimants: Block → how many *other* annotators are active in it.
        overlap: Annotators per task.

    Returns:
        The first candidate of the current block; else the first of a block with fewer than
        ``overlap`` other active annotators; else None (every open block is fully staffed). One
        pass over ``candidates``, stopping at the first task of the current block.

    Examples:
        >>> tasks = [(1, ("a", "T")), (2, ("a", "T")), (3, ("b", "T")), (4, ("c", "T"))]
        >>> pick_block_task(tasks, None, {("a", "T"): 2}, overlap=2)
        3
        >>> pick_block_task(tasks, ("c", "T"), {("a", "T"): 1}, overlap=2)
        4
        >>> pick_block_task(tasks, None, {("a", "T"): 2, ("b", "T"): 2, ("c", "T"): 3}, overlap=2) is None
        True
    """
    first_open = None
    for task_id, block in candidates:
        if block == current_block:
            return task_id
        if first_open is None and claimants.get(block, 0) < overlap:
            first_open = task_id
            if current_block is None:
                return first_open
    return first_open


def pick_ranked_task(
    ranking: Iterable[tuple[tuple[str, ...], Sequence[int]]],
    open_ids: Container[int],
    claimants: Mapping[tuple[str, ...], int],
    overlap: int,
) -> int | None:
    """The first task (in push order) of the first ranked block that is open to the annotator and
    has fewer than ``overlap`` other active annotators; None when no block of ``ranking`` is.

    Args:
        ranking: ``(block, task ids in push order)``, best first (``read_block_ranking``; the
            stream passes it a slice at a time).
        open_ids: The ids of those tasks still open to the annotator (see ``pick_block_task``).
        claimants: Block → how many *other* annotators are active in it; asked only of the blocks
            with an open task, until one qualifies.
        overlap: Annotators per task.

    Examples:
        >>> ranking = [(("c",), [7, 8]), (("a",), [1, 2]), (("b",), [3])]
        >>> pick_ranked_task(ranking, {2, 3, 8}, {}, overlap=2)
        8
        >>> pick_ranked_task(ranking, {2, 3, 8}, {("c",): 2}, overlap=2)
        2
        >>> pick_ranked_task(ranking, {7}, {("c",): 2}, overlap=2) is None
        True
    """
    for block, ids in ranking:
        first = next((task_id for task_id in ids if task_id in open_ids), None)
        if first is not None and claimants.get(block, 0) < overlap:
            return first
    return None


def rank_blocks(margins: Iterable[tuple[tuple[str, ...], float]]) -> list[tuple[str, ...]]:
    """Blocks in the order the active stream takes them: least sure first, one block per article a round.

    Args:
        margins: ``(block, margin)`` per open task, ``margin`` the current model's uncertainty
            (small-text's ``BreakingTies``: best minus second-best class probability, in [0, 1];
            smaller is less sure).

    Returns:
        Every block once. A block's score is its tasks' mean margin. For diversity, no article
        gets a second block before every article with blocks left has had one: blocks are sorted
        by (their rank within their own article, score), so an article's least sure block comes in
        the first round, its next in the second, and so on (ties by first appearance).
        O(n + b log b) for n tasks in b blocks.

    Examples:
        >>> rank_blocks([(("a", "T"), 0.9), (("a", "U"), 0.1), (("b", "T"), 0.2), (("b", "T"), 0.4), (("c", "T"), 0.5)])
        [('a', 'U'), ('b', 'T'), ('c', 'T'), ('a', 'T')]
    """
    totals: dict[tuple[str, ...], list[float]] = {}
    for block, margin in margins:
        total = totals.setdefault(tuple(block), [0.0, 0])
        total[0] += float(margin)
        total[1] += 1
    score = {block: total / n for block, (total, n) in totals.items()}
    by_score = sorted(score, key=score.__getitem__)
    round_of: dict[tuple[str, ...], int] = {}
    seen: dict[str, int] = {}
    for block in by_score:
        round_of[block] = seen.get(block[0], 0)
        seen[block[0]] = round_of[block] + 1
    return sorted(by_score, key=lambda block: (round_of[block], score[block]))


def block_ranking(tasks: Sequence[tuple[int, Mapping[str, Any]]], margins: Sequence[float], order: str
                  ) -> list[tuple[tuple[str, ...], list[int]]]:
    """``rank_blocks`` of open tasks ``(task id, data)`` with their ``margins``, each block with its
    task ids in push (id) order: what ``write_block_ranking`` stores.

    Examples:
        >>> tasks = [(3, {"article_id": "a", "target": "T"}), (1, {"article_id": "a", "target": "T"}), (2, {"article_id": "b", "target": "T"})]
        >>> block_ranking(tasks, [0.9, 0.7, 0.1], "article-target")
        [(('b', 'T'), [2]), (('a', 'T'), [1, 3])]
    """
    blocks = [block_of(data, order) for _, data in tasks]
    ids: dict[tuple[str, ...], list[int]] = {}
    for (task_id, _), block in sorted(zip(tasks, blocks, strict=True), key=lambda pair: pair[0][0]):
        ids.setdefault(block, []).append(int(task_id))
    return [(block, ids[block]) for block in rank_blocks(zip(blocks, margins, strict=True))]


def block_ranking_path(folder: str | Path, project_id: int) -> Path:
    """The block ranking file of project ``project_id`` in the server's queue folder."""
    return Path(folder) / f"project-{int(project_id)}.ranking.json"


def write_block_ranking(folder: str | Path, project_id: int, ranking: Sequence[tuple[tuple[str, ...], Sequence[int]]], *,
                        order: str, model_version: str) -> Path:
    """Write (atomically) the block ranking the stream follows for ``project_id`` under ``active``:
    ``{"order", "model_version", "blocks": [[article_id, target] or [article_id], …], "tasks":
    [[task id, …] per block, in push order]}``; returns the file. The task ids are the server's,
    so the stream checks a block with a primary-key lookup instead of a scan."""
    return _write_json(block_ranking_path(folder, project_id), {
        "order": order, "model_version": model_version, "blocks": [list(block) for block, _ in ranking],
        "tasks": [[int(i) for i in ids] for _, ids in ranking]})


def read_block_ranking(project_id: int, order: str, folder: str | Path | None = None) -> list[tuple[tuple[str, ...], list[int]]] | None:
    """The block ranking of ``project_id`` as ``(block, task ids)`` (from ``folder``, by default
    ``$ANNOTATION_QUEUE_DIR``), or None when there is none or it was ranked for another ``order``
    (its blocks are not this order's). A malformed file raises ``ValueError`` naming it."""
    path, raw = _read_json(block_ranking_path, project_id, folder)
    if raw is None:
        return None
    size = 2 if order == "article-target" else 1
    blocks, tasks = (raw.get("blocks"), raw.get("tasks")) if isinstance(raw, dict) else (None, None)
    if not isinstance(blocks, list) or not all(isinstance(b, list) and all(isinstance(x, str) for x in b) for b in blocks):
        raise ValueError(f"{path}: 'blocks' must be a list of [article_id, target] or [article_id] lists")
    if (not isinstance(tasks, list) or len(tasks) != len(blocks)
            or not all(isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids) for ids in tasks)):
        raise ValueError(f"{path}: 'tasks' must hold one list of task ids per block")
    if raw.get("order") != order or any(len(b) != size for b in blocks):
        return None
    return [(tuple(block), ids) for block, ids in zip(blocks, tasks, strict=True)]
