"""The package's layout holds: stages depend one way, each package's face is exactly its modules'
public names, and a module over ~450 lines says why in its opening docstring."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import annotation

PACKAGE = Path(annotation.__file__).resolve().parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "seed" not in p.relative_to(PACKAGE).parts)
SUBPACKAGES = sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]) if m.ispkg and m.name != "seed")


@pytest.mark.parametrize("module", ["annotation.release", "annotation.aggregate", "annotation.models", "annotation.raw",
                                    "annotation.exports", "annotation.spans"])
def test_the_release_side_never_imports_the_label_studio_bridge(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith('annotation.studio')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{module} imports {out.strip()}"


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_a_package_face_exports_exactly_its_modules_public_names(package: str) -> None:
    face = importlib.import_module(f"annotation.{package}")
    names: list[str] = []
    for info in pkgutil.iter_modules(face.__path__):
        names += getattr(importlib.import_module(f"annotation.{package}.{info.name}"), "__all__", [])
    assert sorted(face.__all__) == sorted(names)
    assert all(getattr(face, name) is not None for name in face.__all__)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_long_module_says_why_in_its_opening_docstring(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines > 450:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "450" in docstring, f"{path.name} has {lines} lines and no reason for it in its opening docstring"
