"""Inventory sweeps: many calls over a whole organization, into one DuckDB file or a
Parquet dataset, typed, resumable, failures kept (``sweep``, ``SweepSpec``).

Above planning: a sweep plans its targets once, then fans each call out with
``DynamicService`` and writes every (call, target) pair whole, or not at all. Only
the spec and the report load with ``multiregion``; the machinery (``run``, the
stores) loads when a sweep runs.

May import: core, targets, clients, data, results, engines, fanout, planning.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from .report import SweepReport
from .spec import SweepCall, SweepSpec, SweepSpecError, SweepTargets

if TYPE_CHECKING:
    import boto3

    from ..engines.choose import ExecutorArg
    from ..targets.target import Target, TargetPlan

__all__ = [
    "SweepCall",
    "SweepReport",
    "SweepSpec",
    "SweepSpecError",
    "SweepTargets",
    "sweep",
]


def sweep(
    spec: SweepSpec | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    resume: bool = False,
    retry_failed: bool = False,
    max_age: str | float | None = None,
    executor: ExecutorArg = None,
    max_workers: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    session: boto3.Session | None = None,
    targets: Sequence[Target] | TargetPlan | None = None,
    progress: bool | None = None,
    progress_interval: float = 30.0,
    progress_stream: TextIO | None = None,
) -> SweepReport:
    """Run every call of ``spec`` (a SweepSpec or a TOML file) in every target.

    ``out``: a ``.duckdb`` (or ``.db``) file, else a folder for a Parquet dataset.
    ``resume``: continue the last unfinished run. ``retry_failed``: only the pairs
    that failed (or never started) in the last run. ``max_age`` ("6h", seconds):
    only the pairs whose last success is older. ``executor``, ``max_workers`` and
    ``timeout`` (each target's) are every call's (``executor="processes:4"``...).
    ``deadline``: seconds for the whole sweep; pairs it leaves no time for are
    ``not_started`` (``retry_failed`` runs them next time). ``targets``
    replaces the spec's targets (explicit Targets or a plan). ``progress``: None
    shows it on a terminal only; lines go to ``progress_stream`` (stderr), a
    heartbeat every ``progress_interval`` seconds when it is not a terminal.

    Everything is checked before any request: SweepSpecError names every problem
    of the spec and of these options at once. See docs/guides/sweeps.md.
    """
    from .run import run_sweep  # the machinery loads on first use

    return run_sweep(
        spec,
        out,
        resume=resume,
        retry_failed=retry_failed,
        max_age=max_age,
        executor=executor,
        max_workers=max_workers,
        timeout=timeout,
        deadline=deadline,
        session=session,
        targets=targets,
        progress=progress,
        progress_interval=progress_interval,
        progress_stream=progress_stream,
    )
