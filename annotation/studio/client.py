"""The Label Studio client: one authenticated user (the admin or an annotator) on one server.

Built on the project's client library, ``label_studio_sdk`` (``label_studio_sdk.client.LabelStudio``),
which makes every call it offers. Raw HTTP, on the same ``httpx`` connection and token, only for
what the SDK (2.1) lacks:

- ``GET /api/projects/{id}/next`` (``next_task``): the labeling stream's next task for this user
  (``next_task`` in label_studio/projects/api.py); the SDK has no call for it.
- ``POST /api/invite/reset-token`` (``reset_invite``): draws a new invite token
  (``OrganizationResetTokenAPI`` in label_studio/organizations/api.py); the SDK has no call for it.
- ``/user/signup/?token=…``, ``/user/login/`` and then ``GET /api/current-user/token``
  (``add_annotator``): Django HTML forms with a CSRF cookie, not API endpoints; the new user has no
  token yet, so the SDK (which authenticates with one) cannot be the session that reads it.

Every call, through the SDK or raw, goes through one error path (``_calling``): an API error
(``label_studio_sdk.core.api_error.ApiError``, any HTTP status >= 400) or a transport error
(``httpx.HTTPError``: refused connection, timeout, a stream broken off) becomes a ``StudioError``
that names the operation and the server. The token lives in the client's headers only; neither
``repr`` nor any message shows it, and the invite token in a signup URL is masked in the lines
``httpx`` logs (``_MaskUrlSecrets``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from label_studio_sdk.client import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotation.campaign import DEFAULT_OVERLAP
from annotation.errors import AnnotationError
from annotation.raw import RawExport, write_export

__all__ = ["StudioError", "PushReport", "Studio", "REQUEST_TIMEOUT_S", "EXPORT_TIMEOUT_S"]

REQUEST_TIMEOUT_S = 120.0
"""Seconds one API request may take (an import batch of 5,000 tasks takes a few)."""
EXPORT_TIMEOUT_S = 3600.0
"""Seconds an export may take: Label Studio assembles it before the first byte (~2 min per 100k tasks)."""
_EXPORT = {"timeout_in_seconds": EXPORT_TIMEOUT_S, "chunk_size": 1 << 20}
_URL_SECRET = re.compile(r"([?&](?:token|password)=)[^&\s\"']+")
T = TypeVar("T")


class _MaskUrlSecrets(logging.Filter):
    """Masks ``token=``/``password=`` values in a URL of a log line (httpx logs each request's URL at INFO).

    Examples:
        >>> record = logging.LogRecord("httpx", logging.INFO, "", 0, "HTTP Request: %s %s", ("GET", "http://h/user/signup/?token=Ab3x&a=1"), None)
        >>> _MaskUrlSecrets().filter(record), record.getMessage()
        (True, 'HTTP Request: GET http://h/user/signup/?token=***&a=1')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _URL_SECRET.sub(r"\1***", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


logging.getLogger("httpx").addFilter(_MaskUrlSecrets())


class StudioError(AnnotationError, RuntimeError):
    """A Label Studio operation failed; the message names the operation (and project)."""


@dataclass(frozen=True)
class PushReport:
    """What a push did: tasks created, already present, and present with different text."""

    created: int
    existing: int
    changed: list[str]


def _project_settings(label_config: str, instructions: str, overlap: int) -> dict[str, Any]:
    return {
        "label_config": label_config,
        "expert_instruction": instructions,
        "show_instruction": True,
        "maximum_annotations": overlap,
        "show_skip_button": True,
        # The stream pre-fills the lexicon's prediction into the annotator's draft only with this on
        # (off, it shows no suggestion at all, yet the task's prediction is still exported and would
        # count as rejected); the label config's <Style> makes the pre-filled spans look like
        # suggestions (schema.SUGGESTION_STYLE). Interactive reveal does nothing in the open-source
        # stream (measured, tests/studio/test_browser_suggestions.py): set off, as it is by default.
        "show_collab_predictions": True,
        "reveal_preannotations_interactively": False,
        "show_annotation_history": False,
        "enable_empty_annotation": False,
        "sampling": "Uniform sampling",
    }


class _Missing(Exception):
    """The server answered 404 where the caller takes "none" for an answer."""


class Studio:
    """An authenticated Label Studio client for one user (admin or annotator).

    Args:
        url: The server, e.g. ``http://127.0.0.1:8080``.
        token: The user's API token (legacy token; the server runs with legacy tokens enabled).
    """

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers={"Authorization": f"Token {token}"},
                                  timeout=REQUEST_TIMEOUT_S, follow_redirects=True)
        # No retries: an import retried after a timeout could land twice, and a stopped server
        # should be reported at once, not after backing off.
        self.sdk = LabelStudio(base_url=self.url, api_key=token, httpx_client=self._http, timeout=REQUEST_TIMEOUT_S,
                               max_retries=0)
        """The SDK client itself, for calls this class does not wrap (tests, benchmarks)."""

    def __repr__(self) -> str:
        return f"Studio(url={self.url!r})"

    # --- the one error path ----------------------------------------------------------------

    @contextmanager
    def _calling(self, operation: str, *, missing_ok: bool = False) -> Iterator[None]:
        """Turn any failure of the calls inside into a ``StudioError`` naming ``operation``.

        With ``missing_ok`` a 404 raises ``_Missing`` instead, for ``_call`` to answer None.
        """
        try:
            yield
        except ApiError as err:
            if err.status_code == 404 and missing_ok:
                raise _Missing from None
            if err.status_code == 401:
                raise StudioError(f"{operation}: Label Studio at {self.url} rejected the API token (401)") from None
            raise StudioError(f"{operation}: HTTP {err.status_code} from Label Studio at {self.url}: {str(err.body)[:300]}") from None
        except httpx.HTTPError as err:
            raise StudioError(f"{operation}: cannot reach Label Studio at {self.url} ({type(err).__name__})") from None

    def _call(self, operation: str, action: Callable[[], T], *, missing_ok: bool = False) -> T | None:
        """``action()`` through the error path; None when ``missing_ok`` and the server answers 404."""
        try:
            with self._calling(operation, missing_ok=missing_ok):
                return action()
        except _Missing:
            return None

    def _raw(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request the SDK has no call for, on its connection; the decoded JSON body (None if empty).

        Raises ``ApiError`` for a status >= 400 and a body that is not JSON, as the SDK does: call
        it inside ``_calling``.
        """
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=response.text)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ApiError(status_code=response.status_code, headers=dict(response.headers),
                           body=f"a body that is not JSON: {response.text[:200]!r}") from None

    # --- project ---------------------------------------------------------------------------

    def ensure_project(
        self,
        title: str,
        label_config: str,
        instructions: str,
        *,
        overlap: int = DEFAULT_OVERLAP,
        project_id: int | None = None,
    ) -> tuple[int, bool]:
        """Set up the project ``project_id`` (or, without an id, the one titled ``title``), creating it if needed.

        A campaign passes the id it remembers, so a project renamed in the UI is still found and a
        project of another campaign with the same title never is (before its first push a campaign
        calls ``create_project`` instead). An existing project gets the current config,
        instructions and overlap (Label Studio itself refuses a config that drops labels already
        used in annotations).

        Returns:
            ``(project_id, created)``.

        Raises:
            StudioError: ``project_id`` does not exist on this server, or a request fails.
        """
        if project_id is None:
            project_id = self.find_project(title)
        if project_id is None:
            return self.create_project(title, label_config, instructions, overlap=overlap), True
        settings = _project_settings(label_config, instructions, overlap)
        self._call(f"update project {project_id}", lambda: self.sdk.projects.update(project_id, **settings))
        return project_id, False

    def create_project(self, title: str, label_config: str, instructions: str, *, overlap: int = DEFAULT_OVERLAP) -> int:
        """A new project (never an existing one with the same title); returns its id."""
        settings = _project_settings(label_config, instructions, overlap)
        created = self._call("create project", lambda: self.sdk.projects.create(title=title, **settings))
        return int(created.id)

    def get_project(self, project_id: int) -> dict[str, Any] | None:
        """The project's settings and counts (``maximum_annotations``, ``task_number``, …), or None
        when this server has no project ``project_id``."""
        project = self._call(f"read project {project_id}", lambda: self.sdk.projects.get(project_id), missing_ok=True)
        return None if project is None else project.dict()

    def find_project(self, title: str) -> int | None:
        """The id of the project titled ``title``, or None."""
        with self._calling("list projects"):
            for project in self.sdk.projects.list(page_size=100):
                if project.title == title:
                    return int(project.id)
        return None

    # --- push ------------------------------------------------------------------------------

    def iter_tasks(self, project_id: int, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every task of the project as ``{"id", "data"}`` (no annotations), page by page.

        Raises:
            StudioError: No such project, or a request fails (also midway through the pages).
        """
        with self._calling(f"list tasks of project {project_id}"):
            for task in self.sdk.tasks.list(project=project_id, page_size=page_size, fields="task_only"):
                yield {"id": task.id, "data": task.data}

    def push_tasks(
        self,
        project_id: int,
        tasks: Sequence[dict[str, Any]],
        *,
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
    ) -> PushReport:
        """Import the tasks whose ``task_key`` the project does not have yet, in batches.

        Annotations carried by a task (migration, reference corpora) are imported as votes: without
        an explicit ``ground_truth``, they get ``False`` (Label Studio's import default is ``True``).

        Idempotent: tasks are keyed by ``data.task_key`` (sentence × target). A key that exists
        with different sentence text is reported in ``changed`` and left as it is. A push stopped
        midway leaves whole batches; pushing again adds the rest.
        """
        existing = {t["data"].get("task_key"): t["data"].get("text") for t in self.iter_tasks(project_id)}
        # Label Studio marks an annotation imported with its task as ground truth unless told
        # otherwise, which would make the task gold (annotation.gold); a vote is not gold.
        new = [{**t, "annotations": [{"ground_truth": False, **a} for a in t["annotations"]]} if t.get("annotations") else t
               for t in tasks if t["data"]["task_key"] not in existing]
        changed = sorted(t["data"]["task_key"] for t in tasks if t["data"]["task_key"] in existing and existing[t["data"]["task_key"]] != t["data"]["text"])
        for start in range(0, len(new), batch_size):
            batch = list(new[start : start + batch_size])
            self._call(f"import tasks into project {project_id}", lambda: self.sdk.projects.import_tasks(project_id, request=batch))
            if progress:
                progress(len(batch))
        return PushReport(created=len(new), existing=len(tasks) - len(new), changed=changed)

    def open_tasks(self, project_id: int, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """The tasks short of their overlap, as ``{"id", "data"}``, page by page; a gold task (one with a ground truth) is never open."""
        with self._calling(f"list tasks of project {project_id}"):
            for task in self.sdk.tasks.list(project=project_id, page_size=page_size, fields="all"):
                annotations = [a for a in task.annotations or [] if not a.get("was_cancelled")]
                if not any(a.get("ground_truth") for a in annotations) and len(annotations) < (task.overlap or 1):
                    yield {"id": task.id, "data": task.data}

    def replace_predictions(self, project_id: int, task_ids: Sequence[int], predictions: Sequence[dict[str, Any]],
                            replaces: Callable[[str | None], bool], *, prefill: str | None = None) -> tuple[int, int]:
        """Delete the predictions on ``task_ids`` whose ``model_version`` ``replaces`` matches, then
        import ``predictions`` (``{"task", "result", "model_version", "score"}``); ``(deleted, created)``.
        With ``prefill``, that model version becomes the one the stream pre-fills (the project's own).

        One request lists the project's predictions, one deletes each replaced one (the Data
        Manager's ``delete_tasks_predictions`` would take the lexicon's too), one imports them all.
        """
        tasks = {int(t) for t in task_ids} | {int(p["task"]) for p in predictions}
        existing = self._call(f"list predictions of project {project_id}", lambda: self.sdk.predictions.list(project=project_id)) or []
        stale = [int(p.id) for p in existing if int(p.task) in tasks and replaces(p.model_version)]
        for prediction_id in stale:
            self._call(f"delete prediction {prediction_id}", lambda: self.sdk.predictions.delete(prediction_id))
        if predictions:
            self._call(f"import predictions into project {project_id}",
                       lambda: self.sdk.projects.import_predictions(project_id, request=list(predictions)))
        if prefill is not None:
            self._call(f"update project {project_id}", lambda: self.sdk.projects.update(project_id, model_version=prefill))
        return len(stale), len(predictions)

    # --- pull ------------------------------------------------------------------------------

    def pull_export(self, project_id: int, raw_dir: str | Path) -> RawExport:
        """Download a full JSON snapshot of the project into the raw-export store ``raw_dir``
        (``annotation.raw.write_export``: streamed, atomic, checksummed, listed in its manifest).

        A snapshot export (create, download, delete) carries exactly what the direct ``/export``
        endpoint does (annotator, timestamps, lead time, ids, cancelled flags, unannotated tasks;
        ``JSON_MIN`` drops the last two) and was measured 1.5-2x faster than it (bench/studio.py).

        Raises:
            StudioError: The server fails or the download breaks off (nothing is written then).
            ExportError: The server returned something that is not a JSON list of tasks (nothing
                is written then).
        """
        operation = f"export project {project_id}"
        # The export names annotators by user id only; keep the id → e-mail map beside it.
        users = self.users()
        project = self.get_project(project_id)
        if project is None:
            raise StudioError(f"{operation}: the server at {self.url} has no project {project_id}")
        exports = self.sdk.projects.exports
        snapshot = self._call(f"{operation}: create snapshot",
                              lambda: exports.create(project_id, request_options={"timeout_in_seconds": EXPORT_TIMEOUT_S}))
        if snapshot.status != "completed":
            raise StudioError(f"{operation}: snapshot {snapshot.id} ended as {snapshot.status!r}")
        try:
            with self._calling(f"{operation}: download"):
                chunks = exports.download(project_id, snapshot.id, export_type="JSON", request_options=_EXPORT)
                return write_export(raw_dir, project_id, chunks, users, maximum_annotations=project.get("maximum_annotations"))
        finally:
            # The server keeps every snapshot on disk; ours lives on in raw_dir. Best effort: a
            # snapshot left behind (the server went away) only costs the server disk space.
            try:
                self._call(f"{operation}: delete snapshot", lambda: exports.delete(project_id, snapshot.id))
            except StudioError:
                pass

    def export_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """The full JSON export in memory (for progress reports and migration; ``pull_export`` for the record)."""
        operation = f"export project {project_id}"

        def download() -> list[dict[str, Any]]:
            chunks = self.sdk.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=True,
                                                             request_options=_EXPORT)
            body = b"".join(chunks)
            try:
                return list(json.loads(body))
            except ValueError:
                raise StudioError(f"{operation}: a body that is not JSON: {body[:200]!r}") from None

        return self._call(operation, download)

    # --- users -----------------------------------------------------------------------------

    def users(self) -> dict[int, str]:
        """Every user of the organisation: id → e-mail."""
        return {int(u.id): str(u.email) for u in self._call("list users", self.sdk.users.list)}

    def whoami(self) -> dict[str, Any]:
        """This client's own user: ``{"id", "email", …}``."""
        return self._call("read current user", self.sdk.users.whoami).dict()

    def invite_url(self) -> str:
        """The organisation's signup link (admin only); ``add_annotator`` retires each one it uses."""
        invite = self._call("get invite link", self.sdk.organizations.invites.get_invite_link)
        return f"{self.url}{invite.invite_url}"

    def reset_invite(self) -> None:
        """Retire the organisation's signup link: Label Studio draws a new token (admin only).

        Whoever holds a signup link can join the organisation and, the open-source edition having
        no roles, read and edit every annotation; a used link has been in URLs, so it goes.
        """
        self._call("reset invite link", lambda: self._raw("POST", "/api/invite/reset-token"))

    def add_annotator(self, email: str, password: str, first_name: str = "", last_name: str = "") -> Studio:
        """Create (or log in) an annotator through the invite link; return their own client.

        Label Studio's API cannot read another user's token, so the user signs up with the
        organisation's invite link in a browser-like session and reads its own token. The link is
        retired afterwards (``reset_invite``), whatever happened, so two calls must not overlap.

        Raises:
            StudioError: The server fails, or neither signup nor login works (a wrong password).
        """
        operation = f"add annotator {email}"
        signup = self.invite_url()
        try:
            with self._calling(operation), httpx.Client(timeout=REQUEST_TIMEOUT_S, follow_redirects=True) as session:
                page = session.get(signup)
                form = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "email": email, "password": password}
                response = session.post(signup, data=form, headers={"Referer": signup}, follow_redirects=False)
                if response.status_code != 302:  # already signed up: log in instead
                    login = f"{self.url}/user/login/"
                    session.get(login)
                    form = {"csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "email": email, "password": password}
                    response = session.post(login, data=form, headers={"Referer": login}, follow_redirects=False)
                token_response = session.get(f"{self.url}/api/current-user/token")
                if page.status_code != 200 or token_response.status_code != 200:
                    raise StudioError(f"{operation}: signup/login failed (HTTP {response.status_code}); is the password right?")
                token = str(token_response.json()["token"])
        finally:
            self.reset_invite()
        annotator = Studio(self.url, token)
        if first_name or last_name:
            user_id = int(annotator.whoami()["id"])
            self._call(f"name user {user_id}", lambda: self.sdk.users.update(user_id, first_name=first_name, last_name=last_name))
        return annotator

    # --- labeling --------------------------------------------------------------------------

    def next_task(self, project_id: int) -> dict[str, Any] | None:
        """The next task the labeling stream serves this user, or None when it has none left."""
        task = self._call(f"next task of project {project_id}", lambda: self._raw("GET", f"/api/projects/{project_id}/next"),
                          missing_ok=True)
        return None if task is None else dict(task)

    def submit_annotation(self, task_id: int, result: list[dict[str, Any]], lead_time: float) -> int:
        """Submit an annotation for ``task_id`` as this user; returns the annotation id."""
        annotation = self._call(f"annotate task {task_id}", lambda: self.sdk.annotations.create(
            task_id, result=result, lead_time=lead_time, was_cancelled=False, ground_truth=False))
        return int(annotation.id)

    # --- gold ------------------------------------------------------------------------------

    def set_ground_truth(self, task_id: int, result: list[dict[str, Any]]) -> str:
        """Make ``result`` this user's ground-truth annotation of ``task_id`` (the task's gold).

        Idempotent: this user's existing ground-truth annotation of the task is updated when its
        result differs and left alone when it is the same; one is created only when there is none.
        Regions are compared by control and value (Label Studio adds its own keys to each region).

        Returns:
            ``"created"``, ``"updated"`` or ``"unchanged"``.
        """
        def regions(found: Any) -> list[str]:
            return sorted(json.dumps([r.get("from_name"), r.get("type"), r.get("value")], sort_keys=True) for r in found or [])

        me = int(self.whoami()["id"])
        annotations = self._call(f"list annotations of task {task_id}", lambda: self.sdk.annotations.list(task_id)) or []
        mine = [a for a in annotations if a.ground_truth and (a.completed_by == me or getattr(a.completed_by, "id", None) == me)]
        if mine:
            current = max(mine, key=lambda a: int(a.id))
            if regions(current.result) == regions(result):
                return "unchanged"
            self._call(f"update ground truth of task {task_id}",
                       lambda: self.sdk.annotations.update(int(current.id), result=result, ground_truth=True))
            return "updated"
        self._call(f"create ground truth of task {task_id}", lambda: self.sdk.annotations.create(
            task_id, result=result, ground_truth=True, was_cancelled=False, lead_time=0.0))
        return "created"
