"""``annotation.release.errors``: the release's errors are the project's user errors, and still the
built-in types that callers caught before."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation.errors import AnnotationError
from annotation.release import MissingFileError, ReleaseError, read_split_manifest, update_datasheet


def test_release_errors_are_annotation_errors_and_keep_their_builtin_types() -> None:
    assert issubclass(ReleaseError, AnnotationError) and issubclass(ReleaseError, ValueError)
    assert issubclass(MissingFileError, ReleaseError) and issubclass(MissingFileError, FileNotFoundError)


def test_a_user_error_is_raised_as_a_release_error(tmp_path: Path) -> None:
    manifest = tmp_path / "splits.yml"
    manifest.write_text("a1: nowhere\n")
    with pytest.raises(ReleaseError, match="has split 'nowhere'"):
        read_split_manifest(manifest)
    with pytest.raises(MissingFileError, match="does not exist"):
        update_datasheet(tmp_path / "DATASHEET.md", tmp_path)
