"""The package carries its own files: installed from a wheel, outside the checkout, it still works.

`pip install .` builds a wheel from a clean copy of the source tree and installs it into a fresh
venv in a temporary folder; `annotation init` and `annotation demo` then run from another temporary
folder, far from the checkout. The venv takes the dependencies from the project's own environment
through a `.pth` line (downloading every dependency again would take minutes and the network); the
project itself comes only from the wheel, which the test proves by where it imports from.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from annotation.resources import NOTEBOOKS_DIR, SCHEMA_DIR, SEED_CAMPAIGN, TEMPLATES_DIR

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
# What a source tree holds besides the package's sources: never part of a build.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "demo", "data", "dist", ".studio", "build", "*.egg-info", "__pycache__",
                                    ".pytest_cache", "output")


def test_every_resource_lies_inside_the_package() -> None:
    package = REPO / "annotation"
    for path in (SEED_CAMPAIGN, SCHEMA_DIR, NOTEBOOKS_DIR, TEMPLATES_DIR):
        assert path.is_relative_to(package), path
    assert (SEED_CAMPAIGN / "campaign.yml").read_bytes() == (REPO / "campaign.yml").read_bytes()  # one copy, linked
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.yml")) == ["babe.yml", "lexicon.yml", "stance_loaded.yml"]


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def test_a_wheel_installed_outside_the_checkout_runs_init_and_the_demo(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=NOT_SOURCE)
    venv = tmp_path / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)], check=True)
    (purelib,) = (venv / "lib").glob("python3*/site-packages")
    (purelib / "_project_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps",
          "--no-build-isolation", "."], cwd=source, env=dict(os.environ))

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", HF_DATASETS_CACHE=str(tmp_path / "hf-cache"))
    where = _run([str(venv / "bin" / "python"), "-c", "import annotation.resources as r; print(r.SEED_CAMPAIGN)"], work, env)
    assert Path(where.strip()).is_relative_to(purelib)  # the wheel's copy, not the checkout

    _run([str(venv / "bin" / "annotation"), "init", "mine"], work, env)
    assert filecmp.cmp(work / "mine" / "schemas" / "stance_loaded.yml", SCHEMA_DIR / "stance_loaded.yml", shallow=False)

    out = _run([str(venv / "bin" / "annotation"), "demo"], work, env)
    release = work / "demo" / "dist" / "loaded-stance-news-demo-0.1.0"
    assert f"the demo's release: {release}" in out
    stats = json.loads((release / "stats.json").read_text())
    assert stats["library_versions"]["annotation"] == "0.1.0"
    assert (release / "README.md").read_text().startswith("---\n")
    assert (work / "demo" / "data" / "baselines" / "metrics.json").exists()
