"""Annotator independence inside the Label Studio server: what an annotator's requests may read and change.

Label Studio's open-source edition has no roles. Measured on 1.23.2, logged in as annotator B after
annotator A labelled a task (``tests/studio/test_guard.py`` and ``test_browser.py`` fail so without
the guard, and pass with it):

- the Data Manager's task list (``GET /api/tasks``) carries every task's ``annotators`` (the
  "Annotated by" avatars), ``annotations_results`` and ``annotations_ids``;
- the task view (``GET /api/tasks/{id}``) carries every annotation of the task, A's included, which
  the labeling frontend shows as tabs that B can update;
- ``GET /api/users`` lists every member's name and e-mail;
- project settings, the Danger Zone, imports and exports are open to every member
  (``PATCH``/``DELETE /api/projects/{id}``, ``POST /api/dm/actions?id=delete_tasks``, …).

The project settings that look related (``show_annotation_history``, ``show_collab_predictions``,
``annotator_evaluation_enabled``) gate none of these in the open-source edition: the annotation
history has no endpoint there, and the others concern predictions and ground truth. Nor do
per-annotator projects help: every member lists and opens every project of the one organisation
the open-source edition allows (``organizations/middleware.py``).

So the project runs its server with this middleware (``annotation.studio.launch``: Label Studio's
server with ``AnnotatorGuard`` added to its middleware). It treats every authenticated user who is not a
superuser as an annotator (the project's admin is the server's only superuser; annotators join by
the invite link, which never makes one), whether the request comes from the browser's session or
with an API token, and:

- refuses the curator's pages (project settings, imports, exports, organisation, people, models,
  Django admin) with a 403 page, and hides the buttons that lead there (``_ANNOTATOR_STYLE``, a
  style sheet added to every page an annotator loads);
- lets through only the API calls of the labeling stream and the Data Manager (``_ALLOWED``);
  every other ``/api/`` call is refused with 403 and a JSON ``detail``;
- lets an annotator read and change only their own annotations and drafts, and read only their own
  user record;
- strips other users' work from what it lets through (``scrub``): annotations by others leave a
  task, the list fields that name or count them are reduced to the annotator's own.

What it cannot hide: counts in the project list (tasks annotated, total annotations) and
whether a task has reached its overlap. Label Studio's agreement, reviews and comments are
Enterprise-only. Each refusal is logged at WARNING with the method, path and user id (no query
string, which may carry a token).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

__all__ = ["AnnotatorGuard"]

logger = logging.getLogger("annotation.guard")

_OWN_ANNOTATION = "own-annotation"
_OWN_DRAFT = "own-draft"
_SELF = "self"
_NEXT_TASK_ONLY = "next-task-only"
_OPEN = "open"

# (methods, path pattern, rule): what an annotator's request may reach. Paths with or without
# the trailing slash Label Studio accepts both ways.
_ALLOWED: tuple[tuple[frozenset[str], re.Pattern[str], str], ...] = tuple(
    (frozenset(methods.split()), re.compile(rf"^/api/{pattern}/?$"), rule)
    for methods, pattern, rule in (
        ("GET", r"version", _OPEN),
        ("GET", r"current-user/(whoami|token|product-tour)", _OPEN),
        ("GET PATCH", r"current-user/hotkeys", _OPEN),
        ("GET", r"session-policy", _OPEN),
        ("GET", r"projects", _OPEN),
        ("GET", r"projects/counts", _OPEN),
        ("GET", r"projects/\d+", _OPEN),
        ("GET", r"projects/\d+/(next|label-stream-history)", _OPEN),
        ("GET", r"ml", _OPEN),
        ("GET", r"dm/(columns|project)", _OPEN),
        ("GET POST", r"dm/views", _OPEN),
        ("GET PATCH PUT", r"dm/views/\d+", _OPEN),
        ("GET", r"dm/actions", _OPEN),
        ("POST", r"dm/actions", _NEXT_TASK_ONLY),
        ("GET", r"tasks", _OPEN),
        ("GET", r"tasks/\d+", _OPEN),
        ("GET POST", r"tasks/\d+/annotations", _OPEN),
        ("GET POST", r"tasks/\d+/drafts", _OPEN),
        ("POST", r"tasks/\d+/annotations/(?P<id>\d+)/drafts", _OWN_ANNOTATION),
        ("GET PATCH PUT DELETE", r"annotations/(?P<id>\d+)", _OWN_ANNOTATION),
        ("POST", r"annotations/(?P<id>\d+)/convert-to-draft", _OWN_ANNOTATION),
        ("GET PATCH PUT DELETE", r"drafts/(?P<id>\d+)", _OWN_DRAFT),
        ("GET", r"label_links", _OPEN),
        ("GET", r"labels", _OPEN),
        ("GET", r"users", _SELF),
        ("GET PATCH", r"users/(?P<id>\d+)", _SELF),
        ("GET", r"users/(?P<id>\d+)/avatar", _SELF),
    )
)
_CURATOR_PAGES = re.compile(r"^/(projects/\d+/(settings|data/(import|export))|organization|people|models|admin|swagger)(/|\.|$)")
# The buttons of Label Studio 1.23's pages that lead to what the guard refuses (the project's
# Settings, Import, Export, the Data Manager's task actions, creating or editing a project):
# hidden from annotators by a style sheet in every page they load, so none ends in a 403.
_CURATOR_BUTTONS = ("a[href^='/projects/'][href$='/settings']", "[data-testid='dm-import-button']",
                    "[data-testid='dm-export-button']", "button[aria-label='Tasks Actions']",
                    "button[aria-label='Create new project']", "button[aria-label='Project options']")
_ANNOTATOR_STYLE = f"<style id=\"annotator-view\">{', '.join(_CURATOR_BUTTONS)} {{ display: none !important; }}</style>"
"""What every HTML page an annotator loads gets before its ``</head>``."""
# Fields of a Data Manager task row that describe everybody's annotations.
_ROW_FIELDS_OF_OTHERS = ("annotations_results", "annotations_ids")


def allowed(method: str, path: str) -> tuple[str, int | None] | None:
    """The rule under which an annotator's ``method path`` is let through, with the id of the object
    it must own (an annotation, a draft, a user), or None when the request is refused.

    Examples:
        >>> allowed("POST", "/api/tasks/7/annotations/"), allowed("PATCH", "/api/projects/1")
        (('open', None), None)
        >>> allowed("GET", "/api/annotations/12"), allowed("POST", "/api/tasks/7/annotations/12/drafts")
        (('own-annotation', 12), ('own-annotation', 12))
    """
    for methods, pattern, rule in _ALLOWED:
        match = pattern.match(path)
        if method in methods and match:
            owned = match.groupdict().get("id")
            return rule, None if owned is None else int(owned)
    return None


def _user_id(value: Any) -> Any:
    """A ``completed_by``/``user`` field as Label Studio writes it: an id, or ``{"id": …}``."""
    return value.get("id") if isinstance(value, dict) else value


def _others_annotation(item: Any, user_id: int) -> bool:
    """Whether ``item`` is an annotation (it has a ``result`` and an author) by someone else."""
    return isinstance(item, dict) and "result" in item and "completed_by" in item and _user_id(item["completed_by"]) != user_id


def scrub(payload: Any, user_id: int) -> Any:
    """``payload`` (decoded JSON) without other users' annotations, drafts and user records.

    - a list keeps no annotation by another user (an annotation: an object with ``result`` and
      ``completed_by``), wherever it is: a task's ``annotations``, or the bare list
      ``GET /api/tasks/{id}/annotations`` answers; a task's ``drafts`` keep those by ``user_id``;
    - a Data Manager row's ``annotators``, ``updated_by`` and ``comment_authors`` keep
      ``user_id`` only, its counts of annotations become the annotator's own (0 or 1 per task
      in a stream), and ``annotations_results``/``annotations_ids`` (everybody's, as text) are
      emptied, as is ``completed_at`` unless the annotator completed the task;
    - a list of user records keeps the annotator's own.

    Recurses through lists and objects; returns a new structure.

    Examples:
        >>> task = {"id": 3, "annotations": [{"id": 1, "completed_by": 2, "result": []}, {"id": 2, "completed_by": 5, "result": []}],
        ...         "annotators": [2, 5], "total_annotations": 2, "annotations_results": "against, favor"}
        >>> scrub({"tasks": [task], "total_annotations": 2}, user_id=5)
        {'tasks': [{'id': 3, 'annotations': [{'id': 2, 'completed_by': 5, 'result': []}], 'annotators': [5], 'total_annotations': 1, 'annotations_results': ''}], 'total_annotations': 0}
        >>> scrub([{"id": 1, "completed_by": {"id": 2}, "result": [], "ground_truth": True}], user_id=5)
        []
    """
    if isinstance(payload, list):
        if payload and all(isinstance(item, dict) and "email" in item and "id" in item for item in payload):
            return [item for item in payload if item["id"] == user_id]
        return [scrub(item, user_id) for item in payload if not _others_annotation(item, user_id)]
    if not isinstance(payload, dict):
        return payload
    out = {key: scrub(value, user_id) for key, value in payload.items()}
    if isinstance(out.get("drafts"), list):
        out["drafts"] = [d for d in out["drafts"] if not isinstance(d, dict) or _user_id(d.get("user")) in (user_id, None)]
    if isinstance(out.get("annotators"), list):
        mine = user_id in [_user_id(a) for a in out["annotators"]]
        out["annotators"] = [user_id] if mine else []
        for count in ("total_annotations", "annotations_count"):
            if isinstance(out.get(count), int):
                out[count] = int(mine)
        if "cancelled_annotations" in out:
            out["cancelled_annotations"] = 0
        if out.get("completed_at") and not mine:
            out["completed_at"] = None
    for key in ("updated_by", "comment_authors"):
        if isinstance(out.get(key), list):
            out[key] = [u for u in out[key] if isinstance(u, dict) and _user_id(u.get("user_id", u.get("id"))) == user_id]
    for key in _ROW_FIELDS_OF_OTHERS:
        if key in out:
            out[key] = ""
    if "tasks" in out and isinstance(out.get("total_annotations"), int):
        out["total_annotations"] = 0  # a page's total over every annotator
    return out


def _authenticated(request: Any) -> Any:
    """The request's user: the session's, or the owner of an API token (which Django's middleware
    does not see: Label Studio authenticates tokens in its views, through DRF)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    from jwt_auth.auth import TokenAuthenticationPhaseout
    from rest_framework.exceptions import AuthenticationFailed

    try:
        found = TokenAuthenticationPhaseout().authenticate(request)
    except AuthenticationFailed:
        return None  # the view answers 401 itself
    return found[0] if found else None


def _owns(rule: str, owned: int | None, user_id: int) -> bool:
    """Whether the object a request names (``owned``) is ``user_id``'s: the user itself, or an
    annotation or draft of theirs. A missing annotation or draft counts as theirs: the view answers 404."""
    if owned is None or rule not in (_OWN_ANNOTATION, _OWN_DRAFT, _SELF):
        return True
    if rule == _SELF:
        return owned == user_id
    from tasks.models import Annotation, AnnotationDraft

    model, owner = (Annotation, "completed_by_id") if rule == _OWN_ANNOTATION else (AnnotationDraft, "user_id")
    found = model.objects.filter(pk=owned).values_list(owner, flat=True).first()
    return found is None or found == user_id


def _with_content(response: Any, content: bytes) -> Any:
    """``response`` with its body replaced by ``content`` and its ``Content-Length``, if set, to match."""
    response.content = content
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(content))
    return response


class AnnotatorGuard:
    """Django middleware: an annotator reaches only the labeling stream's API and their own work.

    Added to Label Studio's ``MIDDLEWARE``, after its authentication middleware, by
    ``annotation.studio.launch``.
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        path = request.path
        if not (path.startswith("/api/") or _CURATOR_PAGES.match(path)):
            return self._styled(self.get_response(request), request)
        user = _authenticated(request)
        if user is None or user.is_superuser:
            return self.get_response(request)
        if not path.startswith("/api/"):
            return self._refuse(request, user.id, page=True)
        found = allowed(request.method, path)
        if found is None or not _owns(*found, user.id) or (found[0] == _NEXT_TASK_ONLY and request.GET.get("id") != "next_task"):
            return self._refuse(request, user.id)
        response = self.get_response(request)
        return self._scrubbed(response, user.id)

    @staticmethod
    def _styled(response: Any, request: Any) -> Any:
        """An HTML page for an annotator (a session user who is not a superuser) with ``_ANNOTATOR_STYLE``."""
        if getattr(response, "streaming", False) or "text/html" not in response.get("Content-Type", ""):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_superuser or b"</head>" not in response.content:
            return response
        return _with_content(response, response.content.replace(b"</head>", _ANNOTATOR_STYLE.encode("utf-8") + b"</head>", 1))

    @staticmethod
    def _scrubbed(response: Any, user_id: int) -> Any:
        if getattr(response, "streaming", False) or "json" not in response.get("Content-Type", ""):
            return response
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        try:
            payload = json.loads(response.content)
        except ValueError:
            return response
        return _with_content(response, json.dumps(scrub(payload, user_id)).encode("utf-8"))

    @staticmethod
    def _refuse(request: Any, user_id: int, *, page: bool = False) -> Any:
        from django.http import HttpResponseForbidden, JsonResponse

        logger.warning("refused %s %s for annotator (user %s)", request.method, request.path, user_id)
        if page:
            return HttpResponseForbidden(
                "<h1>For the campaign's curator</h1><p>Annotators label through the labeling stream: "
                "open the project and press <em>Label All Tasks</em>.</p>", content_type="text/html")
        return JsonResponse({"detail": f"annotators cannot {request.method} {request.path}: "
                                       "only the labeling stream and one's own annotations are open to them"}, status=403)
