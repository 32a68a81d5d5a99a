"""The Label Studio bridge: the local server's lifecycle (``server``), the client every call goes
through (``client``, on ``label_studio_sdk``), moving a campaign between servers (``migrate``) and
the demo's simulated annotators (``simulate``). Two modules run inside the Label Studio server, not
here: ``guard`` (the middleware that keeps annotators apart), ``stream`` (the next task for annotators, by
``annotation.assignment``) and ``launch`` (Label Studio's server with both added).

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.studio.client import EXPORT_TIMEOUT_S, REQUEST_TIMEOUT_S, PushReport, Studio, StudioError
from annotation.studio.guard import AnnotatorGuard
from annotation.studio.launch import GUARD
from annotation.studio.migrate import MigrationReport, migrate_project
from annotation.studio.server import (
    Credentials,
    ServerInfo,
    connect,
    database_env,
    die_with_parent,
    queue_dir,
    redact_url,
    server_status,
    start_server,
    stop_server,
)
from annotation.studio.simulate import DEMO_ANNOTATORS, SimulatedAnnotator, reference_stance, run_simulated_annotators, simulate_result
from annotation.studio.stream import install_stream

__all__ = [
    "StudioError",
    "Credentials",
    "ServerInfo",
    "Studio",
    "PushReport",
    "REQUEST_TIMEOUT_S",
    "EXPORT_TIMEOUT_S",
    "start_server",
    "stop_server",
    "server_status",
    "connect",
    "database_env",
    "redact_url",
    "die_with_parent",
    "queue_dir",
    "AnnotatorGuard",
    "GUARD",
    "install_stream",
    "MigrationReport",
    "migrate_project",
    "SimulatedAnnotator",
    "DEMO_ANNOTATORS",
    "reference_stance",
    "simulate_result",
    "run_simulated_annotators",
]
