"""A core for the endpoint, the others for the client under test.

With 2 cores, a client and a server that float between them also take turns on
the same one, and thread hand-offs then cross cores at random: per-call CPU
figures of threaded runs varied by +-30% from one process to the next. Pinned, the
server never competes with the client, and the figures repeat.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


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


@contextmanager
def pinned(cpus: set[int]) -> Iterator[None]:
    """Run on ``cpus`` while the block runs (children started in it inherit them),
    then on the cores this process had before. No cores given: nothing changes."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def all_cores() -> AbstractContextManager[None]:
    """Every core while the block runs (``make bench`` pins itself off the
    endpoint's core for most scenarios)."""
    return pinned(set(range(os.cpu_count() or 1)))
