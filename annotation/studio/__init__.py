"""The Label Studio bridge: the local server's lifecycle and the client every call goes through.

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.studio.server import (
    Credentials,
    PushReport,
    RawExport,
    ServerInfo,
    Studio,
    StudioError,
    atomic_write_bytes,
    atomic_write_chunks,
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
    "RawExport",
    "start_server",
    "stop_server",
    "server_status",
    "connect",
    "database_env",
    "redact_url",
]
