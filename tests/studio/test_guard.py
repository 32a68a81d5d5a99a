"""The annotator guard on a real server: what annotator B's API token reaches after annotator A labelled.

Each refusal is checked beside the admin's answer to the same request, which shows that what B
is denied exists and is served to the curator. The browser's view of the same (session login, Data
Manager, task view, settings) is in ``test_browser.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from annotation import studio
from annotation.schema import load_schema, to_instructions, to_label_config

pytestmark = pytest.mark.integration
STANCE = {"from_name": "stance", "to_name": "text", "type": "choices"}


@pytest.fixture(scope="module")
def labelled(admin: studio.Studio) -> dict[str, Any]:
    """A project of two tasks; annotator A labelled the first. Returns the clients and ids."""
    schema = load_schema()
    project_id, _ = admin.ensure_project("guard-test", to_label_config(schema), to_instructions(schema))
    admin.push_tasks(project_id, [{"data": {"task_key": f"guard-{i}|T", "sentence_id": f"guard-{i}", "article_id": "guard",
                                             "text": f"Sentence {i}.", "target": "T", "headline": "H",
                                             "context_before": "", "context_after": ""}} for i in range(2)])
    a = admin.add_annotator("guard-a@synthetic.invalid", "guard-a-password-1")
    b = admin.add_annotator("guard-b@synthetic.invalid", "guard-b-password-1")
    task = a.next_task(project_id)
    annotation_id = a.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["against"]}}], 2.0)
    return {"admin": admin, "a": a, "b": b, "project": project_id, "task": task["id"], "annotation": annotation_id,
            "a_id": int(a.whoami()["id"]), "b_id": int(b.whoami()["id"])}


def _get(client: studio.Studio, path: str) -> Any:
    response = client._http.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.json()


def test_the_task_view_shows_b_none_of_as_annotations(labelled: dict[str, Any]) -> None:
    path = f"/api/tasks/{labelled['task']}"
    assert [x["completed_by"]["id"] for x in _get(labelled["admin"], path)["annotations"]] == [labelled["a_id"]]
    seen = _get(labelled["b"], path)
    assert seen["annotations"] == [] and seen["annotators"] == [] and seen["total_annotations"] == 0


def test_the_annotation_list_of_a_task_holds_none_of_as_nor_the_gold(labelled: dict[str, Any]) -> None:
    admin, path = labelled["admin"], f"/api/tasks/{labelled['task']}/annotations/"
    admin._call("gold", lambda: admin.sdk.annotations.create(labelled["task"], result=[{**STANCE, "value": {"choices": ["favor"]}}],
                                                               ground_truth=True))
    seen_by_admin = _get(admin, path)
    assert len(seen_by_admin) == 2 and any(a["ground_truth"] for a in seen_by_admin)
    assert _get(labelled["b"], path) == []


def test_the_data_manager_rows_name_nobody_else(labelled: dict[str, Any]) -> None:
    path = f"/api/tasks?project={labelled['project']}&fields=all"
    row = {t["id"]: t for t in _get(labelled["admin"], path)["tasks"]}[labelled["task"]]
    assert labelled["a_id"] in row["annotators"] and "against" in row["annotations_results"]
    row = {t["id"]: t for t in _get(labelled["b"], path)["tasks"]}[labelled["task"]]
    assert row["annotators"] == [] and row["annotations_results"] == "" and row["annotations_ids"] == ""


def test_the_user_list_holds_only_oneself(labelled: dict[str, Any]) -> None:
    assert len(_get(labelled["admin"], "/api/users")) >= 3
    assert [u["email"] for u in _get(labelled["b"], "/api/users")] == ["guard-b@synthetic.invalid"]
    assert labelled["b"]._http.get(f"/api/users/{labelled['a_id']}").status_code == 403


@pytest.mark.parametrize("method, path, body", [
    ("PATCH", "/api/annotations/{annotation}", {"result": []}),
    ("DELETE", "/api/annotations/{annotation}", None),
    ("GET", "/api/annotations/{annotation}", None),
    ("PATCH", "/api/projects/{project}", {"maximum_annotations": 1}),
    ("DELETE", "/api/projects/{project}", None),
    ("POST", "/api/dm/actions?id=delete_tasks&project={project}", {"selectedItems": {"all": True}}),
    ("GET", "/api/projects/{project}/export?exportType=JSON", None),
    ("POST", "/api/projects/{project}/import", [{"text": "planted"}]),
    ("GET", "/api/invite", None),
    ("POST", "/api/projects", {"title": "annotator's own"}),
])
def test_b_cannot_touch_as_work_or_the_project(labelled: dict[str, Any], method: str, path: str, body: Any) -> None:
    path = path.format(**labelled)
    response = labelled["b"]._http.request(method, path, json=body)
    assert response.status_code == 403, response.text[:200]
    assert "annotators cannot" in response.json()["detail"]


def test_b_labels_and_edits_their_own_work_as_before(labelled: dict[str, Any]) -> None:
    b, admin = labelled["b"], labelled["admin"]
    task = b.next_task(labelled["project"])
    own = b.submit_annotation(task["id"], [{**STANCE, "value": {"choices": ["favor"]}}], 1.0)
    response = b._http.patch(f"/api/annotations/{own}", json={"result": [{**STANCE, "value": {"choices": ["neutral"]}}]})
    assert response.status_code == 200
    stored = admin._http.get(f"/api/annotations/{own}").json()
    assert stored["result"][0]["value"]["choices"] == ["neutral"] and stored["completed_by"] == labelled["b_id"]
    # A's annotation is untouched by everything B tried.
    assert admin._http.get(f"/api/annotations/{labelled['annotation']}").json()["result"][0]["value"]["choices"] == ["against"]


def test_each_refusal_is_logged_without_the_query_string(labelled: dict[str, Any], studio_root) -> None:
    labelled["b"]._http.get(f"/api/projects/{labelled['project']}/export?exportType=JSON&token=not-a-real-one")
    log = (studio_root / ".studio" / "server.log").read_text()
    line = f"refused GET /api/projects/{labelled['project']}/export for annotator (user {labelled['b_id']})"
    assert line in log and "not-a-real-one" not in log
