"""Where the files that ship with the package lie: the one owner of these paths.

The package carries the seed campaign (``seed/``: its ``campaign.yml``, corpus, scheme and lexicon,
datasheet, changelog and notebooks) and the card and datasheet templates (``templates/``), so that
``pip install .`` works outside the checkout: ``annotation demo`` copies the seed campaign and
``annotation init`` the scheme, lexicon and datasheet template. In the repository, ``seed/`` holds
symbolic links to the repository root (the seed campaign itself), so there is one copy of each
file; a built wheel holds the files.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PACKAGE_DIR", "SEED_CAMPAIGN", "SCHEMA_DIR", "NOTEBOOKS_DIR", "TEMPLATES_DIR"]

PACKAGE_DIR = Path(__file__).resolve().parent
SEED_CAMPAIGN = PACKAGE_DIR / "seed"
"""The seed campaign: in the repository, links to the repository root; installed, a copy."""
SCHEMA_DIR = SEED_CAMPAIGN / "schemas"
"""The default scheme (``stance_loaded.yml``), lexicon (``lexicon.yml``) and ``babe.yml``."""
NOTEBOOKS_DIR = SEED_CAMPAIGN / "notebooks"
"""The baseline notebooks (``NN_topic.py``, jupytext percent format) that ``annotation notebooks`` runs."""
TEMPLATES_DIR = PACKAGE_DIR / "templates"
"""The dataset card and datasheet templates."""
