"""The Label Studio server as the project runs it: ``label_studio.server`` with ``AnnotatorGuard`` added.

``start_server`` runs ``python -m annotation.studio.launch start …`` (Label Studio's own command line).
This loads Label Studio's own settings module first, as ``label_studio.server`` would, appends
the guard (``annotation/studio/guard.py``) to its ``MIDDLEWARE`` (the list object Django's settings
hold), then hands over to ``label_studio.server``, whose WSGI handlers are built afterwards and so
include the guard. A settings module of our own that star-imports Label Studio's cannot do this:
Label Studio's settings read ``django.conf.settings`` while they load (``init_sentry``), which would
then be built from the half-loaded module.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

__all__ = ["GUARD", "main"]

GUARD = "annotation.studio.guard.AnnotatorGuard"
"""The middleware's dotted path, as Django's ``MIDDLEWARE`` names it."""


def main() -> None:
    """Run ``label_studio.server`` (``sys.argv`` as its command line) with the guard in its middleware."""
    import label_studio

    sys.path.insert(0, str(Path(label_studio.__file__).parent))  # Label Studio imports `core`, `tasks`, … top-level
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "label_studio.core.settings.label_studio")
    from django.conf import settings

    if GUARD not in settings.MIDDLEWARE:
        settings.MIDDLEWARE.append(GUARD)  # after Label Studio's authentication middleware
    runpy.run_module("label_studio.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
