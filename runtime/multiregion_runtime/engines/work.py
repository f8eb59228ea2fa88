"""What one fan-out does in each target, as plain data, and how a worker process runs it.

A ``Work`` is the whole description of a call (service, operation, parameters, paging
or waiter settings, the client config's options): plain values that pickle, so a
process pool or a Dask cluster can run it. The thread executor runs the same object,
so a call does exactly the same thing wherever it runs. botocore clients, sessions and
credentials are never in it: each worker process makes its own (``worker_clients``).
"""

from __future__ import annotations

import functools
import pickle
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import botocore
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

from ..clients.cache import ClientCache
from ..core.modeltext import ITEMS_KEYWORDS, botocore_config
from ..results.pagination import OnPage, PagesThenError, paginate_full
from ..targets.target import Target
from .threads import run_all

Kind = Literal["call", "paginate", "wait"]
#: (target index, its packed outcome): what a worker sends back per target.
Packed = tuple[int, bytes]


@dataclass(frozen=True)
class Work:
    """One operation to run in every target; callable as ``work(target, client)``."""

    service: str
    kind: Kind
    #: botocore's operation name ("ListQueues"), or the waiter's ("InstanceRunning").
    name: str
    params: Mapping[str, Any]
    #: The client config's user-provided options (a Config itself is rebuilt remotely).
    config: Mapping[str, Any] = field(default_factory=dict)
    #: A parameter that takes the target's own region (S3 ListBuckets' BucketRegion).
    region_param: str | None = None
    max_items: int | None = None
    page_size: int | None = None
    starting_tokens: Mapping[Target, str] | None = None
    waiter_config: Mapping[str, int] = field(default_factory=dict)
    #: (input token, output token) pairs, so a page that fails keeps its token.
    token_paths: tuple[tuple[str, str], ...] = ()
    #: Sees each page as it arrives; the caller's, so it never leaves this process.
    on_page: OnPage | None = field(default=None, compare=False, repr=False)

    def __call__(self, target: Target, client: BaseClient) -> Any:
        method = botocore.xform_name(self.name)
        # A shallow copy per target: some botocore handlers rewrite top-level params.
        params = dict(self.params)
        if self.kind == "wait":
            waiter = client.get_waiter(method)
            return waiter.wait(**params, WaiterConfig=dict(self.waiter_config))
        if self.kind == "paginate":
            config = botocore_config(
                ITEMS_KEYWORDS,
                {"max_items": self.max_items, "page_size": self.page_size},
            )
            if self.starting_tokens is not None:
                config["StartingToken"] = self.starting_tokens[target]
            callback = self.on_page and functools.partial(self.on_page, target, client)
            tokens = list(self.token_paths) or None
            return paginate_full(client, method, params, config, callback, tokens)
        if self.region_param and self.region_param not in params:
            params[self.region_param] = target.region
        return getattr(client, method)(**params)

    def sendable(self) -> Work:
        """This work without the caller's callback: what travels to a worker."""
        return replace(self, on_page=None)


def config_options(config: Config) -> dict[str, Any]:
    """What a Config was built from, so a worker can build the same one."""
    return dict(config._user_provided_options)  # type: ignore[attr-defined]


# --- in the worker process -------------------------------------------------------

_caches: dict[str, ClientCache] = {}
_caches_lock = threading.Lock()


def worker_clients(options: Mapping[str, Any]) -> ClientCache:
    """This process's client cache for a client config, made on first use.

    Module state, so it lives as long as the worker process and is shared by every
    chunk (and Dask task thread) it runs: one client per (credentials, service,
    region, endpoint) per process. Sessions come from the worker's own credential
    chain (its IAM role, environment or profiles), never from the caller's.
    """
    key = repr(sorted(options.items()))
    with _caches_lock:
        cache = _caches.get(key)
        if cache is None:
            cache = _caches[key] = ClientCache(None, Config(**options))
        return cache


def run_one(work: Work, target: Target) -> bytes:
    """Run ``work`` in one target with this process's clients; its packed outcome."""
    cache = worker_clients(work.config)
    start = time.perf_counter()
    value: Any = None
    error: BaseException | None = None
    try:
        value = work(target, cache.client(work.service, target))
    except Exception as caught:  # noqa: BLE001 - every error is this target's result
        error = caught
    return pack(value, error, time.perf_counter() - start)


def run_chunk(
    work: Work,
    chunk: Sequence[tuple[int, Target]],
    max_workers: int | None,
    deliver: Callable[[int, bytes], None],
) -> None:
    """Run ``work`` in each target of ``chunk``; ``deliver`` each outcome as it ends."""

    def task(index: int, target: Target) -> None:
        deliver(index, run_one(work, target))

    tasks = [functools.partial(task, index, target) for index, target in chunk]
    run_all(tasks, max_workers=max_workers)


def run_chunk_collected(
    work: Work, chunk: Sequence[tuple[int, Target]], max_workers: int | None
) -> list[Packed]:
    """``run_chunk`` whose outcomes come back all together (a Dask task's result)."""
    done: list[Packed] = []
    run_chunk(work, chunk, max_workers, lambda i, packed: done.append((i, packed)))
    return done


# --- outcomes across the process boundary -----------------------------------------


class RemoteError(Exception):
    """An error raised in a worker whose own type could not be sent back.

    ``type_name`` is the original class's qualified name; the message is its text.
    """

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (RemoteError, (self.type_name, self.message))


class WorkerLostError(Exception):
    """The worker running this target died (or was lost) before it answered."""


def pack(value: Any, error: BaseException | None, elapsed: float) -> bytes:
    """One target's outcome as bytes; anything that cannot be pickled becomes an error.

    ClientErrors travel as their response and operation name: botocore's modeled
    exception classes (``QueueDoesNotExist``...) are made per client and do not
    pickle, so the caller's side rebuilds them (``unpack``).
    """
    pages = None
    if isinstance(error, PagesThenError):
        pages, error = error.value, error.error
    if value is None:
        value = pages
    try:
        return pickle.dumps((value, _packed_error(error), elapsed))
    except Exception as failure:  # noqa: BLE001 - reported as the target's error
        unsent = RemoteError(
            type(failure).__name__,
            f"the result could not be sent back from the worker: {failure}",
        )
        return pickle.dumps((None, ("exception", unsent), elapsed))


def _packed_error(error: BaseException | None) -> tuple[Any, ...] | None:
    if error is None:
        return None
    if isinstance(error, ClientError):
        return ("client", error.response, error.operation_name)
    if isinstance(error, WaiterError):  # its pickle drops last_response
        kwargs = error.kwargs
        return ("waiter", kwargs["name"], kwargs["reason"], error.last_response)
    try:  # many exceptions pickle but cannot be rebuilt from their pickle
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - sent as its name and message instead
        name = f"{type(error).__module__}.{type(error).__qualname__}"
        return ("exception", RemoteError(name, str(error)))
    return ("exception", error)


def unpack(
    packed: bytes, exceptions: Callable[[str], type[ClientError]]
) -> tuple[Any, BaseException | None, float]:
    """(value, error, elapsed) from ``pack``; ``exceptions`` maps an error code to its class."""
    value, error, elapsed = pickle.loads(packed)
    if error is None:
        return value, None, elapsed
    if error[0] == "client":
        response, operation = error[1], error[2]
        info = response.get("Error", {})
        # As botocore's client picks the class (awsQueryCompatible codes first).
        code = str(info.get("QueryErrorCode") or info.get("Code") or "")
        return value, exceptions(code)(response, operation), elapsed
    if error[0] == "waiter":
        name, reason, last_response = error[1:]
        return value, WaiterError(name, reason, last_response), elapsed
    return value, error[1], elapsed
