"""A core for the endpoint, the others for the client under test.

With 2 cores, a client and a server that float between them also take turns on
the same one, and thread hand-offs then cross cores at random: per-call CPU
figures of threaded runs varied by +-30% from one process to the next. Pinned, the
server never competes with the client, and the figures repeat.
"""

from __future__ import annotations

import os


def _available() -> set[int]:
    if not hasattr(os, "sched_getaffinity"):
        return set()
    return set(os.sched_getaffinity(0))


def server_cpus() -> set[int]:
    """The endpoint's core: the last one, if there are at least two."""
    available = _available()
    return {max(available)} if len(available) >= 2 else set()


def client_cpus() -> set[int]:
    """Every other core, for the orchestrator and the workers."""
    available = _available()
    return available - server_cpus() if len(available) >= 2 else set()


def pin(cpus: set[int]) -> None:
    """Run this process (and the children it starts later) on ``cpus`` only."""
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)
