"""The Label Studio bridge: the local server's lifecycle (``server``), the client every call goes
through (``client``, on ``label_studio_sdk``), moving a campaign between servers (``migrate``) and
the demo's simulated annotators (``simulate``).

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.studio.client import PushReport, Studio, StudioError
from annotation.studio.server import (
    Credentials,
    ServerInfo,
    connect,
    database_env,
    redact_url,
    server_status,
    start_server,
    stop_server,
)

__all__ = [
    "StudioError",
    "Credentials",
    "ServerInfo",
    "Studio",
    "PushReport",
    "start_server",
    "stop_server",
    "server_status",
    "connect",
    "database_env",
    "redact_url",
]
