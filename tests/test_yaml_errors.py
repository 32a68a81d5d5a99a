"""Every YAML file a curator writes, broken, is one error line that names the file, line and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotation.campaign import CAMPAIGN_FILE, load_campaign
from annotation.errors import AnnotationError
from annotation.ingest import load_manifest
from annotation.lexicon import load_lexicon
from annotation.release.splits import read_split_manifest
from annotation.schema import load_schema

BROKEN = "title: x\nlabels: [\n"  # an unclosed list: PyYAML's message spans 4 lines

READERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "campaign": (CAMPAIGN_FILE, lambda path: load_campaign(path.parent)),
    "schema": ("schema.yml", load_schema),
    "manifest": ("manifest.yml", load_manifest),
    "lexicon": ("lexicon.yml", load_lexicon),
    "splits": ("splits.yml", read_split_manifest),
}


@pytest.mark.parametrize("reader", READERS)
def test_broken_yaml_is_one_line_naming_the_file_line_and_column(tmp_path: Path, reader: str) -> None:
    name, read = READERS[reader]
    (tmp_path / name).write_text(BROKEN)
    with pytest.raises(AnnotationError) as raised:
        read(tmp_path / name)
    message = str(raised.value)
    assert "\n" not in message and str(tmp_path / name) in message, message
    assert "the end of the file, after line 2: expected the node content" in message, message
