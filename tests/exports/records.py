"""Export records for the tests of ``annotation.exports``: the recorded demo export and hand-made tasks."""

from __future__ import annotations

from pathlib import Path

from annotation.exports import Votes, load_export, read_users, to_votes
from annotation.schema import load_schema

DATA = Path(__file__).resolve().parents[1] / "data" / "demo_export"


RENDERING = Path(__file__).resolve().parents[1] / "data" / "rendering_export"


USERS = read_users(DATA / "users.json")


def votes_of(export: list[dict]) -> Votes:
    return to_votes(export, USERS, schema=load_schema(), salt="s", source="t")


def rendering_votes() -> Votes:
    return to_votes(load_export(RENDERING / "export.json"), read_users(RENDERING / "users.json"), schema=load_schema(),
                    salt="s", source="rendering")


def make_task(text: str, result: list[dict], **annotation) -> dict:
    return {
        "id": 1,
        "data": {"task_key": "a-0001|T", "text": text, "target": "T", "sentence_id": "a-0001", "article_id": "a"},
        "annotations": [{"id": 10, "completed_by": 2, "result": result, "updated_at": "2026-01-01T00:00:00Z", **annotation}],
    }


def stance_region(label: str = "against") -> dict:
    return {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [label]}}


def span_region(start: int, end: int, text: str, label: str = "loaded-negative") -> dict:
    return {"from_name": "loaded", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}
