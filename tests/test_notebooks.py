"""Execute the notebooks top to bottom against a demo release and check what they write."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_baselines_notebook_runs(
    demo_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "figures"
    monkeypatch.setenv("ANNOTATION_DATASET", str(demo_release))
    monkeypatch.setenv("ANNOTATION_NOTEBOOK_OUT", str(out))
    # A private datasets cache, so that the run neither reads nor leaves a stale prepared copy.
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    notebook = jupytext.read(NOTEBOOKS / "02_baselines.py")
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    for name in ("stance_per_label_f1.png", "stance_confusion_tfidf-lr.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG"), name
    conclusion = notebook.cells[-1]["outputs"][0]["data"]["text/markdown"]
    assert "macro-F1" in conclusion
