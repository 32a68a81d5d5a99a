"""The Label Studio server as the project runs it: ``label_studio.server`` with the toolkit's two additions.

``start_server`` runs ``python -m annotation.studio.launch start …`` (Label Studio's own command
line). It runs Label Studio's ``main`` with its Django set-up step wrapped, so that, once Label
Studio's own settings are loaded and before its WSGI handler is built:

- ``AnnotatorGuard`` (``annotation/studio/guard.py``) joins the middleware (appended to the list
  object Django's settings hold, after Label Studio's authentication middleware);
- the stream's next task for annotators comes from ``annotation/studio/stream.py``.

It also keeps Label Studio on the port it is given (see ``main``).

A settings module of our own that star-imports Label Studio's cannot do the first: Label Studio's
settings read ``django.conf.settings`` while they load (``init_sentry``), which would then be built
from the half-loaded module.
"""

from __future__ import annotations

import os
import sys

__all__ = ["GUARD"]

GUARD = "annotation.studio.guard.AnnotatorGuard"
"""The middleware's dotted path, as Django's ``MIDDLEWARE`` names it."""


def main() -> None:
    """Run Label Studio's server (``sys.argv`` as its command line) with the guard and the toolkit's stream."""
    from label_studio import server

    set_up = server._setup_env

    def set_up_with_toolkit() -> None:
        sys.path.insert(0, server.LS_PATH)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "label_studio.core.settings.label_studio")
        from django.conf import settings

        if GUARD not in settings.MIDDLEWARE:
            settings.MIDDLEWARE.append(GUARD)
        set_up()  # django.setup() and the WSGI handler, which now includes the guard
        from annotation.studio import stream

        stream.install_stream()

    server._setup_env = set_up_with_toolkit
    # Label Studio moves to the next port when a connect() to the one it was given succeeds. On
    # loopback such a connect() can succeed with nothing listening (TCP simultaneous open: the
    # client socket happens to get that port as its own ephemeral port), and the server then
    # answers on another port than the one recorded, so start_server waited its whole timeout.
    # start_server has checked the port already; binding it is Django's job, and a port that is
    # really taken ends the process ("That port is already in use"), which start_server reports.
    server.check_port_in_use = lambda host, port: False
    sys.exit(server.main())


if __name__ == "__main__":
    main()
