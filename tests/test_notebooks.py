"""The notebooks, run by ``annotation notebooks`` on a full, a first-day and a text-less release.

Each test runs every notebook in a kernel of its own (about 5 s each, plus the model fits of
02 and 03 on the demo release), with a private ``datasets`` cache so that a run neither reads
nor leaves a stale prepared copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import jupytext
import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from annotation.cli import app
from annotation.exports import Votes
from annotation.models import MIN_SCORED_ROWS
from annotation.notebooks import (
    OUT_ENV,
    RELEASE_ENV,
    NotebookRun,
    list_notebooks,
    release_paths,
    run_notebooks,
)
from annotation.release import build_release
from annotation.resources import NOTEBOOKS_DIR
from annotation.schema import load_schema
from tests.fixtures.release import write_campaign

NAMES = ["01_explore", "02_baselines", "03_error_analysis"]


@pytest.fixture(autouse=True)
def _private_datasets_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.delenv(RELEASE_ENV, raising=False)
    monkeypatch.delenv(OUT_ENV, raising=False)


@pytest.fixture
def first_day_release(
    tiny_votes: Callable[..., tuple[Votes, pd.DataFrame]], tmp_path: Path
) -> Path:
    """Day one of a campaign: one annotator, one article (all in train), three sentences with
    three of the four stance labels, no span."""
    votes, articles = tiny_votes({"t1": ["against"], "t2": ["favor"], "t3": ["neutral"]})
    campaign = write_campaign(tmp_path / "first-day", licence={"annotations": "cc-by-4.0", "texts": "Test texts.", "redistribute_texts": True})
    return build_release(votes, articles, campaign, schema=load_schema(), splits={"a1": "train"})


def succeeded(runs: list[NotebookRun]) -> Path:
    """The output directory of runs in which every notebook ran to the end."""
    assert {run.name: run.error for run in runs} == dict.fromkeys(NAMES)
    return runs[0].notebook.parent


def executed(out: Path) -> dict[str, tuple[list[str], str]]:
    """Per notebook: the figures it wrote, and all it displayed as text or markdown, ending
    with its conclusion."""
    result = {}
    for name in NAMES:
        notebook = nbformat.read(out / f"{name}.ipynb", as_version=4)
        shown = [
            output.get("text") or output.get("data", {}).get("text/markdown", "")
            for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs
        ]
        conclusion = notebook.cells[-1].outputs[-1]["data"]["text/markdown"]
        figures = sorted(p.name for p in (out / name).iterdir())
        for figure in figures:
            assert (out / name / figure).read_bytes().startswith(b"\x89PNG"), figure
        result[name] = (figures, "\n".join([*shown, conclusion]))
    return result


def test_notebooks_run_on_the_demo_release(demo_release: Path, tmp_path: Path) -> None:
    runs = executed(succeeded(run_notebooks(demo_release, tmp_path / "out")))
    assert {name: figures for name, (figures, _) in runs.items()} == {
        "01_explore": [
            "agreement_per_label.png", "annotator_activity.png", "label_distribution.png",
            "span_lengths.png",
        ],
        "02_baselines": [
            "loaded_language_f1.png", "stance_confusion_matrices.png", "stance_per_label_f1.png",
        ],
        "03_error_analysis": ["disagreement.png"],
    }
    explore, baselines, errors = (text for _, text in runs.values())
    assert "Overall stance alpha is" in explore and "spans are short" in explore
    assert "**These are synthetic demo annotations**" in explore
    assert "The best stance model is" in baselines and "macro-F1" in baselines
    assert "not scored" not in baselines
    assert "rows where their votes split" in errors


def test_notebooks_run_on_a_first_day_release_from_the_command_line(
    first_day_release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["notebooks", "--release", str(first_day_release), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for name in NAMES:
        assert f"{name}: ran in " in result.output
    assert f"3 of 3 notebook(s) ran; executed copies and figures in {out}" in result.output

    runs = executed(out)
    assert runs["01_explore"][0] == ["annotator_activity.png", "label_distribution.png"]
    assert runs["02_baselines"][0] == runs["03_error_analysis"][0] == []
    explore, baselines, errors = (text for _, text in runs.values())
    assert "rows per split: train 3, validation 0, test 0" in explore
    assert "**No agreement to show yet.** 0 of 3 rows have two or more annotators" in explore
    assert "Agreement is undefined so far: 0 rows have two or more annotators." in explore
    assert "No loaded-language span has been marked yet." in explore
    assert "These are human annotations." in explore
    too_few = f"only 3 rows: the baselines are scored on at least {MIN_SCORED_ROWS}"
    assert f"No baseline was scored: {too_few}" in baselines
    assert f"No row could be analysed: {too_few}" in errors


def test_notebooks_skip_the_text_cells_of_a_release_without_texts(
    textless_release: Path, tmp_path: Path
) -> None:
    runs = executed(succeeded(run_notebooks(textless_release, tmp_path / "out")))
    no_texts = (
        f"**No texts.** 24 of 24 sentence rows of {textless_release.name} have no text: the "
        "release does not carry the texts"
    )
    for name, (_, text) in runs.items():
        assert no_texts in text and "`annotation rehydrate`" in text, name
    assert runs["01_explore"][0] == [
        "agreement_per_label.png", "annotator_activity.png", "label_distribution.png",
    ]
    assert "span lengths in words need the texts" in runs["01_explore"][1]
    assert runs["02_baselines"][0] == runs["03_error_analysis"][0] == []
    refusal = "24 of 24 rows have no text: this release does not carry the sentence texts"
    assert f"No baseline was scored: {refusal}" in runs["02_baselines"][1]
    assert f"No row could be analysed: {refusal}" in runs["03_error_analysis"][1]


def test_a_failing_notebook_is_reported_and_the_others_still_run(
    first_day_release: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "10_broken.py"
    broken.write_text("# %%\nprint('first')\n\n# %%\n1 / 0\n\n# %%\nprint('never')\n")
    fine = tmp_path / "11_fine.py"
    fine.write_text("# %%\nimport os\nprint(os.environ['ANNOTATION_DATASET'])\n")
    runs = run_notebooks(first_day_release, tmp_path / "out", notebooks=[broken, fine])
    assert [run.error for run in runs] == [
        "code cell 2 failed with ZeroDivisionError: division by zero", None,
    ]
    failed = nbformat.read(runs[0].notebook, as_version=4)
    assert failed.cells[1].outputs[0]["ename"] == "ZeroDivisionError"
    assert failed.cells[2].outputs == []
    ran = nbformat.read(runs[1].notebook, as_version=4)
    assert ran.cells[0].outputs[0]["text"] == f"{first_day_release}\n"


def test_the_command_names_a_directory_that_is_not_a_release(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["notebooks", "--release", str(tmp_path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert f"error: {tmp_path} is not a release: it has no README.md or sentences" in (
        " ".join(result.output.split())
    )
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_release_paths_come_from_the_environment_or_the_campaign(
    demo_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(FileNotFoundError) as caught:
        release_paths()
    assert str(caught.value) == (
        f"no release to read: ${RELEASE_ENV} is not set and neither {elsewhere} nor a parent "
        f"holds a campaign.yml; run `annotation notebooks --release DIR --out DIR`, or set "
        f"{RELEASE_ENV}=DIR"
    )

    campaign = tmp_path.resolve() / "campaign"
    (campaign / "notebooks").mkdir(parents=True)
    (campaign / "campaign.yml").write_text("name: mine\n")
    shutil.copytree(demo_release, campaign / "dist" / demo_release.name)
    monkeypatch.chdir(campaign / "notebooks")
    assert release_paths() == (
        campaign / "dist" / demo_release.name, campaign / "notebooks" / "output"
    )
    assert (campaign / "notebooks" / "output").is_dir()

    monkeypatch.setenv(RELEASE_ENV, str(elsewhere))
    with pytest.raises(FileNotFoundError, match=f"{elsewhere} is not a release"):
        release_paths()
    monkeypatch.setenv(RELEASE_ENV, str(demo_release))
    monkeypatch.setenv(OUT_ENV, str(tmp_path / "figures"))
    assert release_paths() == (demo_release.resolve(), tmp_path / "figures")


def test_notebooks_follow_the_style_guide() -> None:
    assert list_notebooks() == [NOTEBOOKS_DIR / f"{name}.py" for name in NAMES]
    for path in list_notebooks():
        notebook = jupytext.read(path)
        first = notebook.cells[0]["source"].splitlines()
        assert first[1] == "-" * len(first[0]), f"{path.name} opens with a dashed heading"
        assert notebook.cells[-2]["source"].startswith("Conclusion\n----------"), path.name
        code = [cell["source"] for cell in notebook.cells if cell.cell_type == "code"]
        assert "release_paths()" in code[0], f"{path.name} names its inputs in the first cell"
        assert not [line for src in code for line in src.splitlines()
                    if line.startswith(("def ", "class "))], f"{path.name} defines no functions"
