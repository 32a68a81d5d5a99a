"""Execute the notebooks top to bottom against a demo release and check what they write."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FIGURES = {
    "01_explore": (
        "label_distribution.png", "agreement_per_label.png", "annotator_activity.png",
        "span_lengths.png",
    ),
    "02_baselines": (
        "stance_per_label_f1.png", "stance_confusion_matrices.png", "loaded_language_f1.png",
    ),
    "03_error_analysis": ("disagreement.png",),
}
CONCLUSIONS = {
    "01_explore": "Overall stance alpha",
    "02_baselines": "macro-F1",
    "03_error_analysis": "rows where their votes split",
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebook_runs(
    name: str, demo_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "figures"
    monkeypatch.setenv("ANNOTATION_DATASET", str(demo_release))
    monkeypatch.setenv("ANNOTATION_NOTEBOOK_OUT", str(out))
    # A private datasets cache, so that the run neither reads nor leaves a stale prepared copy.
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    notebook = jupytext.read(NOTEBOOKS / f"{name}.py")
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    for figure in FIGURES[name]:
        assert (out / figure).read_bytes().startswith(b"\x89PNG"), figure
    assert sorted(p.name for p in out.iterdir()) == sorted(FIGURES[name])
    conclusion = notebook.cells[-1]["outputs"][0]["data"]["text/markdown"]
    assert CONCLUSIONS[name] in conclusion
    first = notebook.cells[0]["source"].splitlines()
    assert first[1] == "-" * len(first[0]), "a notebook opens with a heading underlined by dashes"
