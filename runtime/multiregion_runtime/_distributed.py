"""Where a fan-out runs: threads here (the default), a local process pool, or Dask.

The caller's side of running elsewhere: the executor is chosen by one argument
(``executor=`` on the object or in ``with_options``), targets are grouped into chunks
placed by (credentials, region), each chunk travels as a plain ``Work`` plus its
targets, and outcomes come back target by target and become the same TargetResults
the thread executor gives, in target order.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from botocore.errorfactory import ClientExceptionsFactory
from botocore.exceptions import ClientError
from botocore.model import ServiceModel

from ._deadline import Deadline
from ._executor import Outcome
from ._results import TargetResult, TargetResults
from ._targets import Target
from ._work import Packed, Work, unpack

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
    ) -> Iterator[Packed]:
        """Yield (target index, packed outcome) as each target ends.

        Stops at ``timeout``; a target never yielded is reported as timed out. A
        target whose worker was lost is yielded as a packed WorkerLostError.
        """

    @abstractmethod
    def close(self) -> None:
        """Release worker processes or connections this executor made."""


ExecutorArg = str | Executor | Any | None  # Any: a distributed.Client

_PROCESSES = re.compile(r"^processes(?::(\d+))?$")
_DASK = re.compile(r"^(dask|tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-_]+):(\d{1,5})$")
_SPEC_HELP = (
    "'threads', 'processes' or 'processes:N' (N worker processes), "
    "'tcp://host:port' or 'dask://host:port' (a Dask scheduler), "
    "a distributed.Client, or a ProcessPool/DaskExecutor"
)
# One executor per spec string in the process: naming "processes:4" twice (two objects,
# or with_options on every call) shares one pool instead of starting another.
_by_spec: dict[str, Executor] = {}
_by_spec_lock = threading.Lock()


def executor_from(value: ExecutorArg) -> Executor | None:
    """The executor ``value`` names (None: threads); ValueError if it names none.

    Nothing is started here: processes start, and a scheduler is reached, on the
    first call that uses them.
    """
    if value is None or value == "threads":
        return None
    if isinstance(value, Executor):
        return value
    if _is_dask_client(value):
        from ._dask import DaskExecutor

        return DaskExecutor(value)
    if not isinstance(value, str):
        raise TypeError(f"executor must be {_SPEC_HELP}; got {value!r}")
    with _by_spec_lock:
        executor = _by_spec.get(value)
        if executor is None:
            executor = _by_spec[value] = _parse_spec(value)
        return executor


def _parse_spec(spec: str) -> Executor:
    processes = _PROCESSES.match(spec)
    if processes:
        count = int(processes.group(1) or os.cpu_count() or 1)
        if count < 1:
            raise ValueError(f"executor {spec!r}: the number of processes must be >= 1")
        from ._process_pool import ProcessPool

        return ProcessPool(count)
    dask = _DASK.match(spec)
    if dask:
        scheme, host, port = dask.groups()
        if not 0 < int(port) < 65536:
            raise ValueError(f"executor {spec!r}: port {port} is out of range")
        from ._dask import DaskExecutor

        scheme = "tcp" if scheme == "dask" else scheme
        return DaskExecutor(f"{scheme}://{host}:{port}")
    raise ValueError(f"executor must be {_SPEC_HELP}; got {spec!r}")


def _is_dask_client(value: object) -> bool:
    """A distributed.Client, recognised without importing distributed."""
    cls = type(value)
    return cls.__name__ == "Client" and cls.__module__.startswith("distributed")


def check_count(name: str, value: object, minimum: int = 1) -> int:
    """``value`` if it is an integer >= ``minimum`` (not a bool); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return value


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


# --- the caller's side of a run ----------------------------------------------------


def run_remote(
    executor: Executor,
    work: Work,
    targets: Sequence[Target],
    model: ServiceModel,
    finish: Callable[[Target, Outcome[Any]], TargetResult[Any]],
    max_workers: int | None,
    deadline: Deadline,
) -> TargetResults[Any]:
    """Run ``work`` on ``executor``; ``finish`` makes (and reports) each TargetResult.

    ``finish`` runs here, in the calling process, as each target's outcome arrives,
    so ``on_result`` callbacks, progress lines and ``Items`` see results as they come.
    """
    exceptions = _exception_classes(model)
    results: list[TargetResult[Any] | None] = [None] * len(targets)
    for index, packed in executor.stream(
        work.sendable(), targets, max_workers, deadline.left()
    ):
        if results[index] is not None:
            continue  # a retried chunk may answer for a target twice: the first wins
        value, error, elapsed = unpack(packed, exceptions)
        target = targets[index]
        if work.on_page is not None and value is not None:
            work.on_page(target, None, value)  # type: ignore[arg-type]  # no client here
        results[index] = finish(target, Outcome(value, error, elapsed))
    # No answer by the deadline: labelled as the threads label work in flight.
    missing = Outcome[Any](None, deadline.error(), deadline.seconds)
    return TargetResults(
        result if result is not None else finish(target, missing)
        for target, result in zip(targets, results, strict=True)
    )


# One per process: botocore's factory builds a service's classes once and caches them.
_EXCEPTIONS = ClientExceptionsFactory()


def _exception_classes(model: ServiceModel) -> Callable[[str], type[ClientError]]:
    """Error code -> botocore's modeled exception class, as the service's client has."""

    def of(code: str) -> type[ClientError]:
        exceptions = _EXCEPTIONS.create_client_exceptions(model)
        found: type[ClientError] = exceptions.from_code(code)  # type: ignore[assignment]  # stubs say an instance
        return found

    return of
