"""The labeling stream's next task for annotators, chosen by ``annotation.assignment`` inside the server.

Runs in the Label Studio process only (``annotation.studio.launch`` installs it). Label Studio
serves the stream's next task through one function, ``projects.functions.next_task.get_next_task``,
which both of its endpoints import by name (``GET /api/projects/{id}/next`` in ``projects.api`` and
the Data Manager's ``next_task`` action in ``data_manager.actions.next_task``). ``install_stream`` replaces
that name in both modules with ``get_next_task``, which serves annotators (every user but a
superuser) by the toolkit's assignment and hands the project's admin to Label Studio's own.

Choosing and locking happen under one process-wide lock, so two annotators asking at the same
moment never both take a task's last place: Label Studio's own choice relies on row locks
(``select_for_update``) that SQLite does not have, which over-assigns under load. The server the
project starts is one process, so the lock covers every request.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from annotation.assignment import block_of, gold_due, pick_block_task, pick_ranked_task, read_block_ranking, read_queue_settings

__all__ = ["install_stream"]

logger = logging.getLogger("annotation.stream")
_CHOOSING = threading.Lock()
_LABEL_STUDIOS: Callable[..., Any] | None = None


def install_stream() -> None:
    """Route both of Label Studio's next-task endpoints through ``get_next_task`` (call once Django is set up).

    Raises:
        AttributeError: Label Studio no longer serves the stream through these names (an upgrade
            moved them): the server must not start with its own order silently back.
    """
    global _LABEL_STUDIOS
    from data_manager.actions import next_task as action
    from projects import api
    from projects.functions import next_task

    _LABEL_STUDIOS = next_task.get_next_task
    for module in (api, action):
        if getattr(module, "get_next_task") is not _LABEL_STUDIOS:
            raise AttributeError(f"{module.__name__}.get_next_task is not Label Studio's get_next_task")
        module.get_next_task = get_next_task


def get_next_task(user: Any, prepared_tasks: Any, project: Any, dm_queue: bool | None, assigned_flag: bool | None = None) -> tuple[Any, str]:
    """Label Studio's ``get_next_task`` signature: ``(task or None, queue description)``."""
    assert _LABEL_STUDIOS is not None, "install_stream() first"
    if user.is_superuser:
        return _LABEL_STUDIOS(user, prepared_tasks, project, dm_queue, assigned_flag)
    from projects.functions.stream_history import add_stream_history

    with _CHOOSING:
        task, queue = _choose(user, prepared_tasks, project)
        if task is not None and queue != "gold":
            task.set_lock(user)
    if task is not None:
        add_stream_history(task, user, project)
    logger.debug("user %s: next task %s (%s)", user.id, getattr(task, "id", None), queue)
    return task, f"Annotation toolkit: {queue}"


def _in_pages(rows: Any, size: int = 1000) -> Iterator[tuple[Any, ...]]:
    """The rows of ``rows`` (a ``values_list`` ordered by id, id first), fetched a page at a time by id.

    Not ``QuerySet.iterator()``: on PostgreSQL that holds a server-side cursor open while the
    caller stops early, and its close, run later by the garbage collector in the middle of another
    query on the same connection, hangs the request (seen in the load test).
    """
    last = None
    while True:
        page = list((rows if last is None else rows.filter(id__gt=last))[:size])
        yield from page
        if len(page) < size:
            return
        last = page[-1][0]


def _open_to(user_id: int, tasks: Any, moment: Any) -> Any:
    """``tasks`` that ``user_id`` has not done (nor skipped) and whose annotations plus other users'
    live locks are below the task's overlap; ordered by id.

    Per-row counts as correlated subqueries, so that a page stops the scan once it is full (an
    aggregate over a join would count every task's annotations first).
    """
    from django.db.models import Count, F, OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from tasks.models import Annotation, TaskLock

    def count(rows: Any) -> Any:
        return Coalesce(Subquery(rows.values("task").annotate(n=Count("id")).values("n")[:1]), 0)

    annotations = Annotation.objects.filter(task=OuterRef("pk"), was_cancelled=False, ground_truth=False)
    # A lock whose holder has annotated the task is stale: Label Studio releases it only after the
    # annotation is saved, in a separate write that can fail ("database is locked" under load).
    locks = (TaskLock.objects.filter(task=OuterRef("pk"), expire_at__gt=moment).exclude(user_id=user_id)
             .exclude(user__annotations__task=OuterRef("pk")))
    return (tasks.exclude(annotations__completed_by_id=user_id)
            .annotate(taken=count(annotations) + count(locks))
            .filter(taken__lt=F("overlap"))
            .order_by("id"))


class _Claims(Mapping[tuple[str, ...], int]):
    """Block → other annotators active in it: lock holders (counted up front) plus recent
    annotators who still have a task open there, counted only for the blocks asked about (each
    count is a query over the block)."""

    def __init__(self, holding: dict[tuple[str, ...], int], working: Callable[[tuple[str, ...]], int]) -> None:
        self._holding, self._working, self._known = holding, working, {}

    def __getitem__(self, block: tuple[str, ...]) -> int:
        if block not in self._known:
            self._known[block] = self._holding.get(block, 0) + self._working(block)
        return self._known[block]

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


def _in_block(tasks: Any, block: tuple[str, ...]) -> Any:
    """The tasks of ``tasks`` in ``block`` (see ``annotation.assignment.block_of``)."""
    tasks = tasks.filter(data__article_id=block[0])
    return tasks.filter(data__target=block[1]) if len(block) > 1 else tasks


def _choose(user: Any, prepared_tasks: Any, project: Any) -> tuple[Any, str]:
    from django.conf import settings as django_settings
    from django.db.models import Max
    from django.utils.timezone import now
    from tasks.models import Annotation, Task, TaskLock

    settings = read_queue_settings(project.id)
    gold = set(Annotation.objects.filter(project=project, ground_truth=True).values_list("task_id", flat=True))
    done = set(Annotation.objects.filter(project=project, completed_by=user).values_list("task_id", flat=True))

    locked = Task.get_locked_by(user, tasks=prepared_tasks.exclude(id__in=done))
    if locked is not None:
        return locked, "the task this annotator holds"

    open_gold = sorted(gold - done)
    if open_gold and gold_due(len(done), len(done & gold), settings.gold_rate):
        return Task.objects.get(pk=open_gold[0]), "gold"

    moment = now()
    since = moment - datetime.timedelta(seconds=float(django_settings.TASK_LOCK_TTL))
    order = settings.order
    regular = Task.objects.filter(project=project).exclude(id__in=gold)

    def block(task_id: int) -> tuple[str, ...]:
        article, target = Task.objects.filter(pk=task_id).values_list("data__article_id", "data__target").first() or ("", "")
        return block_of({"article_id": article, "target": target}, order)

    # Who is active in which block: a holder of a task's lock, in that task's block; else an
    # annotator whose latest annotation is recent, in its block, while it still has a task open
    # to them there. Idle annotators, and those done with their block, hold none.
    holders = dict(TaskLock.objects.filter(task__project=project, expire_at__gt=moment).exclude(task_id__in=gold)
                   .values_list("user_id", "task_id"))
    latest = (Annotation.objects.filter(project=project, ground_truth=False).exclude(task_id__in=gold)
              .values("completed_by").annotate(last=Max("id")))
    mine = None
    holding: dict[tuple[str, ...], int] = {}
    recent: dict[tuple[str, ...], list[int]] = {}
    for holder, task_id in holders.items():
        if holder != user.id:
            where = block(task_id)
            holding[where] = holding.get(where, 0) + 1
    for row in Annotation.objects.filter(id__in=[r["last"] for r in latest]).values("completed_by", "task_id", "created_at"):
        annotator, where = row["completed_by"], block(row["task_id"])
        if annotator == user.id:
            mine = where
        elif annotator not in holders and row["created_at"] >= since:
            recent.setdefault(where, []).append(annotator)

    def still_working(where: tuple[str, ...]) -> int:  # asked only of the blocks the scan reaches
        return sum(_open_to(annotator, _in_block(regular, where), moment).exists() for annotator in recent.get(where, ()))

    claimants = _Claims(holding, still_working)

    # Label Studio's is_labeled (finished annotations >= overlap) drops full tasks cheaply first.
    unfinished = prepared_tasks.exclude(id__in=gold).filter(is_labeled=False)
    if mine is not None:  # the annotator's own block first: a small query, not a scan
        here = _open_to(user.id, _in_block(unfinished, mine), moment).first()
        if here is not None:
            return here, f"reading order ({order})"
    ranking = _ranking(project.id, order) if settings.active else None
    if ranking:
        chosen = _first_ranked(user.id, ranking, unfinished, claimants, project.maximum_annotations, moment)
        if chosen is not None:
            return Task.objects.get(pk=chosen), f"reading order ({order}), a new block by uncertainty"
    # Push order (and, after the ranked blocks, the blocks pushed since the ranking): the scan
    # stops at the first open task of an open block.
    open_tasks = _open_to(user.id, unfinished, moment).values_list("id", "data__article_id", "data__target")
    candidates = ((task_id, block_of({"article_id": article, "target": target}, order))
                  for task_id, article, target in _in_pages(open_tasks))
    chosen = pick_block_task(candidates, None, claimants, project.maximum_annotations)
    if chosen is None:
        return None, "nothing open"
    return Task.objects.get(pk=chosen), f"reading order ({order}), a new block"


def _first_ranked(user_id: int, ranking: list[tuple[tuple[str, ...], list[int]]], unfinished: Any, claimants: Mapping[tuple[str, ...], int],
                  overlap: int, moment: Any, blocks_at_once: int = 20) -> int | None:
    """``annotation.assignment.pick_ranked_task`` over the ranking, ``blocks_at_once`` blocks per
    query: their tasks still open to the user, looked up by primary key (``unfinished``: the
    project's tasks less gold and full ones). Linear in the ranked tasks it passes, which are
    all of them only when every ranked block is done or staffed."""
    for start in range(0, len(ranking), blocks_at_once):
        part = ranking[start:start + blocks_at_once]
        ids = [task_id for _, block_ids in part for task_id in block_ids]
        open_ids = set(_open_to(user_id, unfinished.filter(id__in=ids), moment).values_list("id", flat=True))
        chosen = pick_ranked_task(part, open_ids, claimants, overlap)
        if chosen is not None:
            return chosen
    return None


def _ranking(project_id: int, order: str) -> list[tuple[tuple[str, ...], list[int]]] | None:
    """The block ranking ``annotation suggest`` wrote, or None; a malformed file is logged and
    ignored (push order serves until the next ``suggest``), never a failed request."""
    try:
        return read_block_ranking(project_id, order)
    except ValueError as err:
        logger.error("active order off for project %s: %s", project_id, err)
        return None
