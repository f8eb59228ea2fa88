"""What every executor that runs work elsewhere is: the base class and chunk placement.

It names no implementation: ``choose`` maps ``executor=`` to one. Targets are grouped
into chunks placed by (credentials, region); each chunk travels as a plain ``Work``
plus its targets, and outcomes come back target by target (``run`` turns them into
the same TargetResults the thread executor gives).
"""

from __future__ import annotations

import importlib.util
import zlib
from abc import ABC, abstractmethod
from collections.abc import Generator, Sequence

from ..targets.target import Target
from .work import Sent, Work

#: A slot is where a chunk is sent: a worker process's index, or a Dask worker address.
Slot = int | str
Chunk = list[tuple[int, Target]]


class Executor(ABC):
    """Runs the targets of a ``Work`` somewhere else; outcomes come back as they end."""

    #: At most this many targets travel (and, on Dask, run) as one task.
    chunk_size: int

    @abstractmethod
    def stream(
        self,
        work: Work,
        targets: Sequence[Target],
        max_workers: int | None,
        timeout: float | None,
    ) -> Generator[Sent, None, None]:
        """Yield each target's packed outcome as it ends (a stream's pages before it).

        Stops at ``timeout``; a target never yielded is reported as timed out. A
        target whose worker was lost is yielded as a packed WorkerLostError.
        """

    @abstractmethod
    def close(self) -> None:
        """Release worker processes or connections this executor made."""


def dask_installed() -> bool:
    return importlib.util.find_spec("distributed") is not None


# --- placement -----------------------------------------------------------------------


def place(target: Target, slots: Sequence[Slot]) -> Slot:
    """The slot a target's (credentials, region) goes to: the same one on every call.

    Rendezvous hashing (highest score wins): adding or losing a worker moves only the
    targets that were on it, so clients and rate limits mostly stay where they were.
    crc32, not hash(): it is the same in every process and every run.
    """
    key = f"{target.credential_source}|{target.region}|{target.endpoint_url}"
    return max(slots, key=lambda slot: zlib.crc32(f"{key}|{slot}".encode()))


def chunks(
    targets: Sequence[Target],
    slots: Sequence[Slot],
    chunk_size: int,
    by_region: bool = True,
) -> list[tuple[Slot, Chunk]]:
    """Targets in chunks of at most ``chunk_size``, each for one slot.

    ``by_region``: one region per chunk, for executors whose results come back a
    chunk at a time: targets of alike latency together, so a slow region never
    holds back a fast one's results. The largest groups go first.
    """
    groups: dict[tuple[Slot, str], Chunk] = {}
    for index, target in enumerate(targets):
        region = target.region if by_region else ""
        groups.setdefault((place(target, slots), region), []).append((index, target))
    found: list[tuple[Slot, Chunk]] = []
    for (slot, _), group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        for start in range(0, len(group), chunk_size):
            found.append((slot, group[start : start + chunk_size]))
    return found
