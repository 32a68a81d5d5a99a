"""Helpers for the tests and the benchmarks (as ``numpy.testing``): not part of the pipeline.

Real Label Studio and PostgreSQL servers, payloads and faults, shared by ``tests/`` (whose pytest
fixtures wrap them) and ``bench/``; nothing here imports either of those. Only the tests and the
benchmarks import this package.

The public names of the package; each lives in the submodule it is imported from."""

from __future__ import annotations

from annotation.testing.faults import KilledPush, killed_push
from annotation.testing.load import HEADER, LEGEND, LoadReport, run_load
from annotation.testing.payloads import seed_copy_tasks
from annotation.testing.postgres import throwaway_postgres

__all__ = ["seed_copy_tasks", "KilledPush", "killed_push", "throwaway_postgres", "run_load", "LoadReport", "HEADER", "LEGEND"]
