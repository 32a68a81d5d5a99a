"""Fixtures of the ``annotation.models`` tests."""

from __future__ import annotations

import pytest

from annotation.lexicon import Lexicon, load_lexicon


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()
