"""The one place that names the executors: ``executor=`` to a ProcessPool or DaskExecutor."""

from __future__ import annotations

import os
import re
import threading
from typing import Any

from .base import Executor
from .dask_cluster import DaskExecutor
from .processes import ProcessPool

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
        return ProcessPool(count)
    dask = _DASK.match(spec)
    if dask:
        scheme, host, port = dask.groups()
        if not 0 < int(port) < 65536:
            raise ValueError(f"executor {spec!r}: port {port} is out of range")
        scheme = "tcp" if scheme == "dask" else scheme
        return DaskExecutor(f"{scheme}://{host}:{port}")
    raise ValueError(f"executor must be {_SPEC_HELP}; got {spec!r}")


def _is_dask_client(value: object) -> bool:
    """A distributed.Client, recognised without importing distributed."""
    cls = type(value)
    return cls.__name__ == "Client" and cls.__module__.startswith("distributed")
