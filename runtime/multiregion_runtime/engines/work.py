"""What one fan-out does in each target, as plain data, and how one target runs it.

A ``Work`` is the whole description of a call (service, operation, parameters, paging
or waiter settings, the client config's options, the rate limits, the time left of
the deadline): plain values that pickle, so a process pool or a Dask cluster can run
it. The thread executor runs the same object through the same ``run_target``, so a
call does, and counts, exactly the same thing wherever it runs. botocore clients,
sessions and credentials are never in it: each worker process makes its own
(``worker_clients``).
"""

from __future__ import annotations

import functools
import math
import pickle
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

import botocore
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

from ..clients.cache import ClientCache
from ..clients.ratelimit import DEFAULT_RATE_LIMITS, RateLimits, counting
from ..core.deadline import Deadline, current_deadline
from ..core.errors import FanOutError
from ..core.modeltext import ITEMS_KEYWORDS, botocore_config
from ..results.pagination import OnPage, PagesThenError, paginate_full, stream_items
from ..targets.target import Target
from .threads import Outcome, run_all

#: call: one request; paginate: every page, merged; stream: every page's items, sent
#: on as each arrives (never merged); wait: a waiter.
Kind = Literal["call", "paginate", "stream", "wait"]


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
    #: Where each target's pages start (a target not named, or None: the first page).
    starting_tokens: Mapping[Target, str | None] | None = None
    waiter_config: Mapping[str, int] = field(default_factory=dict)
    #: (input token, output token) pairs, so a page that fails keeps its token.
    token_paths: tuple[tuple[str, str], ...] = ()
    #: The items' expression of a stream (the paginator's first result key).
    result_key: str | None = None
    #: Client-side token buckets every attempt waits for (and counts against).
    rate_limits: RateLimits = DEFAULT_RATE_LIMITS
    #: Seconds left of the call's deadline when it was sent (None: no deadline); a
    #: worker process makes its own Deadline of them.
    deadline_left: float | None = None
    #: Seconds each target has from its start (``timeout=``; a waiter's own budget),
    #: wherever it runs: a worker enters a Deadline of them around each target.
    target_timeout: float | None = None
    #: Sees each page as it arrives; the caller's, so it never leaves this process
    #: (a worker sets its own, which sends a stream's pages back).
    on_page: OnPage | None = field(default=None, compare=False, repr=False)

    def __call__(self, target: Target, client: BaseClient) -> Any:
        method = botocore.xform_name(self.name)
        # A shallow copy per target: some botocore handlers rewrite top-level params.
        params = dict(self.params)
        if self.kind == "wait":
            waiter = client.get_waiter(method)
            return waiter.wait(**params, WaiterConfig=dict(self.waiter_config))
        if self.region_param and self.region_param not in params:
            params[self.region_param] = target.region
        if self.kind in ("paginate", "stream"):
            return self._pages(target, client, method, params)
        return getattr(client, method)(**params)

    def _pages(
        self, target: Target, client: BaseClient, method: str, params: dict[str, Any]
    ) -> Any:
        config = botocore_config(
            ITEMS_KEYWORDS, {"max_items": self.max_items, "page_size": self.page_size}
        )
        start = (self.starting_tokens or {}).get(target)
        if start is not None:
            config["StartingToken"] = start
        on_page = _progressing(
            self.on_page and functools.partial(self.on_page, target, client)
        )
        tokens = list(self.token_paths)
        if self.kind == "stream":
            assert self.result_key is not None  # set for every stream
            return stream_items(
                client, method, params, config, self.result_key, tokens, on_page
            )
        return paginate_full(client, method, params, config, on_page, tokens or None)

    def sendable(self) -> Work:
        """This work without the caller's callback: what travels to a worker."""
        return replace(self, on_page=None)

    def deadline(self) -> Deadline:
        """A Deadline of the call's time left when this work was sent (a worker's
        own); each target's is ``deadline().for_target(target_timeout)``."""
        left = self.deadline_left
        return Deadline(left if left is not None else math.inf)


def _progressing(on_page: Callable[[Any], None] | None) -> Callable[[Any], None]:
    """``on_page``, after telling the target's deadline that a page arrived: a
    target paging on is not stuck, and its worker is not replaced (see
    ``threads.SLOW_AFTER``)."""
    deadline = current_deadline()

    def arrived(page: Any) -> None:
        if deadline is not None:
            deadline.progressed()
        if on_page is not None:
            on_page(page)

    return arrived


def config_options(config: Config) -> dict[str, Any]:
    """What a Config was built from, so a worker can build the same one."""
    return dict(config._user_provided_options)  # type: ignore[attr-defined]


# --- one target, wherever it runs ----------------------------------------------------


@dataclass(frozen=True)
class TargetOutcome:
    """What running a Work in one target gave, and what its requests counted."""

    value: Any
    error: BaseException | None
    elapsed: float
    #: HTTP attempts, attempts AWS throttled, seconds waited for the rate limiter.
    attempts: int = 0
    throttled: int = 0
    rate_limit_wait: float = 0.0


def run_target(work: Work, target: Target, clients: ClientCache) -> TargetOutcome:
    """Run ``work`` in ``target`` with a client of ``clients``, counting its attempts,
    throttles and rate-limit waits: the one function the thread executor and every
    worker process run for a target."""
    start = time.perf_counter()
    value: Any = None
    error: BaseException | None = None
    with counting(work.rate_limits, target) as stats:
        try:
            value = work(target, clients.client(work.service, target))
        except PagesThenError as partial:  # pages gathered, then a failure: both
            value, error = partial.value, in_flight_label(partial.error)
        # every error is this target's result
        except Exception as caught:  # noqa: BLE001
            error = in_flight_label(caught)
    elapsed = time.perf_counter() - start
    return TargetOutcome(
        value, error, elapsed, stats.attempts, stats.throttled, stats.waited
    )


def in_flight_label(error: BaseException) -> BaseException:
    """A transport error or timeout after the deadline is "timed out in flight"; an
    answer from AWS (a ClientError) stays what it is, even if it came late. Labelled
    where the target ran, inside its deadline's scope (a worker's own deadline)."""
    deadline = current_deadline()
    if (
        deadline is None
        or not deadline.expired
        or isinstance(error, FanOutError)
        or getattr(error, "response", None) is not None
    ):
        return error
    return deadline.error(error)


def unfinished(outcome: Outcome[Any]) -> TargetOutcome:
    """A target the executor gave up on (not started, or in flight at the deadline)."""
    return TargetOutcome(None, outcome.error, outcome.elapsed)


def run_targets(
    work: Work,
    targets: Sequence[Target],
    clients: ClientCache,
    max_workers: int | None,
    deadline: Deadline,
    finish: Callable[[Target, TargetOutcome], Any],
) -> list[Outcome[Any]]:
    """``finish(target, run_target(...))`` for every target on this process's threads,
    each inside its own deadline (``work.target_timeout`` from its start, within
    ``deadline``, the call's); the outcomes of ``finish`` in target order (a target
    not started, or in flight at its deadline, has an outcome without a value)."""

    def task(target: Target) -> Any:
        return finish(target, run_target(work, target, clients))

    tasks = [functools.partial(task, target) for target in targets]
    return run_all(
        tasks, max_workers=max_workers, timeout=work.target_timeout, deadline=deadline
    )


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


class Sent(NamedTuple):
    """What a worker sends back for one target (``position``: its index in the
    call): a page of a stream (``last`` False: more follow), or its packed outcome."""

    position: int
    packed: bytes
    last: bool = True


def in_worker(
    work: Work, indexes: Mapping[Target, int], send: Callable[[Sent], None]
) -> Work:
    """``work`` as a worker runs it: a stream's pages are sent back as they arrive
    (``indexes``: each target's index in the call)."""
    if work.kind != "stream":
        return work

    def send_page(target: Target, client: BaseClient | None, page: Any) -> None:
        send(Sent(indexes[target], pickle.dumps(page), last=False))

    return replace(work, on_page=send_page)


def run_chunk(
    work: Work, chunk: Sequence[tuple[int, Target]], max_workers: int | None
) -> list[Sent]:
    """Run ``work`` in each target of ``chunk``; what it sends back, all together (a
    Dask task's result: a stream's pages come back a chunk at a time)."""
    sent: list[Sent] = []
    indexes = {target: index for index, target in chunk}
    work = in_worker(work, indexes, sent.append)

    def finish(target: Target, outcome: TargetOutcome) -> bool:
        sent.append(Sent(indexes[target], pack(outcome)))
        return True

    targets = [target for _, target in chunk]
    clients = worker_clients(work.config)
    ran = run_targets(work, targets, clients, max_workers, work.deadline(), finish)
    for target, outcome in zip(targets, ran, strict=True):
        if outcome.value is None:  # not started, or in flight at the deadline
            sent.append(Sent(indexes[target], pack(unfinished(outcome))))
    return sent


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


def pack(outcome: TargetOutcome) -> bytes:
    """One target's outcome as bytes; anything that cannot be pickled becomes an error.

    ClientErrors travel as their response and operation name: botocore's modeled
    exception classes (``QueueDoesNotExist``...) are made per client and do not
    pickle, so the caller's side rebuilds them (``unpack``).
    """
    counts = (outcome.attempts, outcome.throttled, outcome.rate_limit_wait)
    error = _packed_error(outcome.error)
    try:
        return pickle.dumps((outcome.value, error, outcome.elapsed, counts))
    except Exception as failure:  # noqa: BLE001 - reported as the target's error
        unsent = RemoteError(
            type(failure).__name__,
            f"the result could not be sent back from the worker: {failure}",
        )
        return pickle.dumps((None, ("exception", unsent), outcome.elapsed, counts))


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
) -> TargetOutcome:
    """The outcome ``pack`` packed; ``exceptions`` maps an error code to its class."""
    value, error, elapsed, counts = pickle.loads(packed)
    return TargetOutcome(value, _unpacked_error(error, exceptions), elapsed, *counts)


def _unpacked_error(
    error: tuple[Any, ...] | None, exceptions: Callable[[str], type[ClientError]]
) -> BaseException | None:
    if error is None:
        return None
    if error[0] == "client":
        response, operation = error[1], error[2]
        info = response.get("Error", {})
        # As botocore's client picks the class (awsQueryCompatible codes first).
        code = str(info.get("QueryErrorCode") or info.get("Code") or "")
        return exceptions(code)(response, operation)
    if error[0] == "waiter":
        name, reason, last_response = error[1:]
        return WaiterError(name, reason, last_response)
    exception: BaseException = error[1]
    return exception
