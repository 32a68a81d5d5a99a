"""Run the analysis notebooks against a chosen release, and what the notebooks share.

The notebooks (``notebooks/NN_topic.py``, jupytext percent format, shipped with the source
repository) read one release and write their figures to one directory. ``run_notebooks`` names
both for each notebook's kernel through ``$ANNOTATION_DATASET`` and ``$ANNOTATION_NOTEBOOK_OUT``,
runs the notebooks top to bottom with nbclient (the kernel is this Python, whatever kernels the
user has installed), and writes each executed notebook, outputs included, to
``<out>/<NN_topic>.ipynb`` and its figures to ``<out>/<NN_topic>/``; the working directory
never matters. Opened in Jupyter without those variables, a notebook reads the newest release
of the campaign it sits in (``release_paths``).

The notebooks read a release with ``annotation.release.load_release_tables``: the three configs
as pandas tables with label names from the release's own features, so a campaign with its own
scheme is read with its own labels. A release can be a campaign's first day (one annotator, one
article, empty splits, no spans) or carry no texts (``licence.redistribute_texts: false``); the
notebooks then say what they cannot show and why, rather than fail.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotation.campaign import CAMPAIGN_FILE
from annotation.release import MissingFileError, check_release, newest_release
from annotation.resources import NOTEBOOKS_DIR

__all__ = [
    "RELEASE_ENV",
    "OUT_ENV",
    "CELL_TIMEOUT",
    "NotebookRun",
    "release_paths",
    "list_notebooks",
    "run_notebooks",
]

RELEASE_ENV = "ANNOTATION_DATASET"
"""The environment variable naming the release directory a notebook reads."""
OUT_ENV = "ANNOTATION_NOTEBOOK_OUT"
"""The environment variable naming the directory a notebook writes its figures to."""
CELL_TIMEOUT = 600
"""Seconds one notebook cell may run before ``run_notebooks`` stops that notebook."""


def _campaign_root(start: Path) -> Path | None:
    return next((p for p in [start, *start.parents] if (p / CAMPAIGN_FILE).is_file()), None)


def release_paths(start: str | Path | None = None) -> tuple[Path, Path]:
    """The release a notebook reads and the directory (created) its figures go to.

    The release is ``$ANNOTATION_DATASET`` if set, else the newest release in ``dist/`` of the
    campaign that holds ``start`` (the first of ``start`` and its parents with a
    ``campaign.yml``). The figures go to ``$ANNOTATION_NOTEBOOK_OUT`` if set, else to
    ``notebooks/output/`` of that campaign (or of ``start`` when there is none).

    Args:
        start: Where to look for the campaign; the working directory by default.

    Raises:
        MissingFileError: The release does not exist or is not one (see ``check_release``),
            or none is named and no campaign (or no release in it) is found.
    """
    start = Path(start or Path.cwd()).resolve()
    root = _campaign_root(start)
    if os.environ.get(RELEASE_ENV):
        release = check_release(os.environ[RELEASE_ENV])
    elif root is None:
        raise MissingFileError(
            f"no release to read: ${RELEASE_ENV} is not set and neither {start} nor a parent "
            f"holds a {CAMPAIGN_FILE}; run `annotation notebooks --release DIR --out DIR`, or "
            f"set {RELEASE_ENV}=DIR"
        )
    else:
        release = check_release(newest_release(root / "dist"))
    out = Path(os.environ.get(OUT_ENV) or (root or start) / "notebooks" / "output")
    out.mkdir(parents=True, exist_ok=True)
    return release, out


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook.

    Attributes:
        name: The notebook's name (``01_explore``).
        notebook: The executed notebook written by ``run_notebooks`` (``<out>/<name>.ipynb``).
        figures: The directory the notebook wrote its figures to (``<out>/<name>/``).
        seconds: How long it ran.
        error: ``None``, or which cell failed and how (the executed notebook shows the
            traceback in that cell's output).
    """

    name: str
    notebook: Path
    figures: Path
    seconds: float
    error: str | None


def list_notebooks() -> list[Path]:
    """The ``NN_topic.py`` notebooks in ``NOTEBOOKS_DIR``, in order.

    Raises:
        MissingFileError: There are none (the package ships them; an installation that lost
            them is broken).
    """
    found = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py"))
    if not found:
        raise MissingFileError(f"no notebooks (NN_topic.py) in {NOTEBOOKS_DIR}; reinstall the toolkit")
    return found


def _failure(notebook: Any, err: Exception) -> str:
    """Which cell of an executed notebook failed, and with what."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    failed = next(
        (
            i
            for i, cell in enumerate(code_cells, 1)
            if any(output.get("output_type") == "error" for output in cell.get("outputs", []))
        ),
        None,
    )
    where = f"code cell {failed}" if failed else "the kernel"
    what = f"{err.ename}: {err.evalue}" if hasattr(err, "ename") else f"{type(err).__name__}: {err}"
    return f"{where} failed with {what}"


def run_notebooks(
    release: str | Path,
    out: str | Path,
    *,
    notebooks: list[Path] | None = None,
    progress: Callable[[NotebookRun], None] | None = None,
) -> list[NotebookRun]:
    """Execute the notebooks against ``release`` and write the executed copies to ``out``.

    Each notebook runs in a fresh kernel of this Python (so it imports this ``annotation``),
    whose working directory is ``out``, with ``$ANNOTATION_DATASET`` set to ``release`` and
    ``$ANNOTATION_NOTEBOOK_OUT`` to ``out/<name>/``. A failing notebook does not stop the
    others: its executed copy, written as far as it ran, shows the traceback, and its
    ``NotebookRun.error`` says which cell failed.

    Args:
        release: A release directory (``dist/<name>-<version>/``).
        out: Where the executed notebooks and their figures go (created).
        notebooks: The notebooks to run; ``list_notebooks()`` by default.
        progress: Called with each ``NotebookRun`` as soon as it is done.

    Returns:
        One ``NotebookRun`` per notebook, in order.

    Raises:
        MissingFileError: ``release`` is not a release, or there are no notebooks.
    """
    import jupytext
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    release = check_release(release)
    out = Path(out).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for path in notebooks if notebooks is not None else list_notebooks():
        notebook = jupytext.read(path)
        figures = out / path.stem
        # No kernel directories: only the native kernel of this Python, never a user's python3.
        kernel = AsyncKernelManager(
            kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[])
        )
        client = NotebookClient(
            notebook, km=kernel, timeout=CELL_TIMEOUT, extra_arguments=["--log-level=ERROR"],
            resources={"metadata": {"path": str(out)}},
        )
        env = {**os.environ, RELEASE_ENV: str(release), OUT_ENV: str(figures)}
        started = time.perf_counter()
        error = None
        try:
            client.execute(env=env)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            error = _failure(notebook, err)
        target = out / f"{path.stem}.ipynb"
        partial = target.with_name(f".{target.name}.tmp")
        nbformat.write(notebook, partial)
        partial.replace(target)
        run = NotebookRun(path.stem, target, figures, time.perf_counter() - started, error)
        runs.append(run)
        if progress is not None:
            progress(run)
    return runs
