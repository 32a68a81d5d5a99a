"""Real per-annotator labels (BABE SG2: 8 experts, 18k labels) round-trip through Label Studio.

Every raw label goes in as an annotation by a Label Studio user standing for its original
annotator, under the project's own `schemas/babe.yml`; the pull and parse must give back the same
bias and opinion labels and, for the biased words found in their sentence, the same spans.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from annotation import studio
from annotation.exports import load_export, pseudonymize, to_votes
from annotation.external import match_words
from annotation.schema import DEFAULT_SCHEMA, load_schema, to_instructions, to_label_config
from tests.fixtures.studio import SHARED

pytestmark = pytest.mark.integration
SG2 = SHARED / "external" / "babe" / "raw_labels_SG2.csv"
SCHEMA = load_schema(DEFAULT_SCHEMA.parent / "babe.yml")


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _raw_labels() -> tuple[pd.DataFrame, dict[str, int]]:
    raw = pd.read_csv(SG2, dtype={"biased_words": "string"})
    raw["text"] = raw["text"].str.strip()
    known = raw["label_bias"].isin(SCHEMA.stance_names) & raw["label_opinion"].isin(SCHEMA.choices[1].names) & raw["text"].notna()
    excluded = {"label outside the published label set or no text": int((~known).sum())}
    # Label Studio keeps every annotation; the parser keeps an annotator's last one per task, as here.
    labels = raw[known].drop_duplicates(["text", "annotator_id"], keep="last").copy()
    excluded["repeated annotator x sentence (earlier copy)"] = int(known.sum() - len(labels))
    words = labels["biased_words"].fillna("").map(lambda cell: [w for w in cell.split(",") if w.strip()])
    matched = [match_words(text, ws) for text, ws in zip(labels["text"], words)]
    labels["spans"] = [spans for spans, _ in matched]
    excluded["biased words not found in their sentence"] = sum(len(unmatched) for _, unmatched in matched)
    return labels, excluded


def _region(name: str, value: dict) -> dict:
    return {"from_name": name, "to_name": "text", "type": "labels" if name == SCHEMA.span_name else "choices", "value": value}


@pytest.mark.skipif(not SG2.exists(), reason=f"{SG2} is not there (shared reference data)")
def test_babe_sg2_labels_round_trip_through_label_studio(admin: studio.Studio, tmp_path: Path) -> None:
    labels, excluded = _raw_labels()
    assert len(labels) > 18_000 and labels["annotator_id"].nunique() == 8
    users = {a: admin.add_annotator(f"babe-sg2-{a}@babe.invalid", f"babe-annotator-{a}-pw") for a in sorted(labels["annotator_id"].unique())}
    ids = {a: client.whoami()["id"] for a, client in users.items()}
    tasks = []
    for text, group in labels.groupby("text", sort=True):
        annotations = [
            {
                "completed_by": ids[row.annotator_id],
                "result": [_region("bias", {"choices": [row.label_bias]}), _region("opinion", {"choices": [row.label_opinion]})]
                + [_region(SCHEMA.span_name, {"start": s, "end": e, "text": text[s:e], "labels": ["biased"]}) for s, e in row.spans],
            }
            for row in group.itertuples()
        ]
        tasks.append({"data": {"task_key": _key(text), "text": text}, "annotations": annotations})
    project_id, _ = admin.ensure_project("babe-sg2-roundtrip", to_label_config(SCHEMA), to_instructions(SCHEMA))
    admin.push_tasks(project_id, tasks, batch_size=500)

    export = admin.pull_export(project_id, tmp_path)
    emails = admin.users()
    votes = to_votes(load_export(export.path), emails, schema=SCHEMA, salt="s", source=export.path.name)

    expected = pd.DataFrame({
        "task": labels["text"].map(_key),
        "worker": labels["annotator_id"].map(lambda a: pseudonymize(f"babe-sg2-{a}@babe.invalid", "s")),
        "label": labels["label_bias"],
        "opinion": labels["label_opinion"],
    }).sort_values(["task", "worker"], ignore_index=True)
    got = votes.annotations[["task", "worker", "label", "opinion"]]
    pd.testing.assert_frame_equal(got, expected)

    expected_spans = sorted(
        (_key(text), pseudonymize(f"babe-sg2-{a}@babe.invalid", "s"), s, e)
        for text, a, spans in zip(labels["text"], labels["annotator_id"], labels["spans"]) for s, e in spans
    )
    assert sorted(votes.spans[["task", "worker", "start", "end"]].itertuples(index=False, name=None)) == expected_spans
    print(f"round-tripped {len(got)} labels and {len(expected_spans)} spans; not loaded: {excluded}")
    assert excluded["biased words not found in their sentence"] > 0  # counted and reported, not silently dropped
