"""One shared, bounded pool of daemon threads that runs every fan-out in the process."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from ._futures import ALL_COMPLETED, Future, wait

T = TypeVar("T")

#: Upper bound on threads in the process-wide pool; each call is capped further by
#: its own ``max_workers``. Override with MULTIREGION_POOL_SIZE.
POOL_SIZE = int(os.environ.get("MULTIREGION_POOL_SIZE", "256"))
#: Default per-call concurrency: at ~1.5 ms of CPU per botocore call, 64 threads keep
#: one core busy at 100 ms of latency; more mostly adds GIL contention.
DEFAULT_MAX_WORKERS = 64


class _Pool:
    """Daemon threads fed from one queue; grown on demand up to ``size``.

    Daemon threads (unlike concurrent.futures' workers, which the interpreter joins at
    exit) let Ctrl-C end the process at once even while requests are in flight.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._idle == 0 and len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._work,
                    name=f"multiregion-{len(self._threads)}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
            elif self._idle:
                self._idle -= 1
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            job()
            with self._lock:
                self._idle += 1


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> _Pool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = _Pool(POOL_SIZE)
        return _pool


class Outcome(Generic[T]):
    """What one task did: its value or error, and how long it ran."""

    __slots__ = ("value", "error", "elapsed")

    def __init__(self, value: T | None, error: BaseException | None, elapsed: float):
        self.value = value
        self.error = error
        self.elapsed = elapsed


class _Run(Generic[T]):
    """One fan-out: ``workers`` runners take tasks in order until none are left."""

    def __init__(self, tasks: Sequence[Callable[[], T]]) -> None:
        self.tasks = tasks
        self.futures: list[Future[Outcome[T]]] = [Future() for _ in tasks]
        self._next = 0
        self._lock = threading.Lock()
        self.cancelled = False

    def _take(self) -> int | None:
        with self._lock:
            if self.cancelled or self._next >= len(self.tasks):
                return None
            index, self._next = self._next, self._next + 1
            return index

    def runner(self) -> None:
        while (index := self._take()) is not None:
            future = self.futures[index]
            if not future.set_running_or_notify_cancel():
                continue
            start = time.perf_counter()
            try:
                value = self.tasks[index]()
            except BaseException as error:  # noqa: BLE001 - every error is a result
                future.set_result(Outcome(None, error, time.perf_counter() - start))
            else:
                future.set_result(Outcome(value, None, time.perf_counter() - start))

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
        for future in self.futures:
            future.cancel()


def run_all(
    tasks: Sequence[Callable[[], T]],
    *,
    max_workers: int | None = None,
    timeout: float | None = None,
) -> list[Outcome[T]]:
    """Run ``tasks`` concurrently; outcomes come back in task order.

    At most ``max_workers`` run at once, in task order. After ``timeout`` seconds the
    unfinished tasks become ``TimeoutError`` outcomes and this returns (a request in
    flight then finishes in the background; its answer is dropped). On Ctrl-C pending
    tasks are cancelled and KeyboardInterrupt propagates at once.
    """
    if len(tasks) == 1 and timeout is None:
        # One target: run it here. A hand-off to a pool thread and back costs more
        # CPU than the runtime's own work for the call (measured in make bench).
        return [_run_inline(tasks[0])]
    workers = max(1, min(max_workers or DEFAULT_MAX_WORKERS, len(tasks) or 1))
    run = _Run(tasks)
    pool = _shared_pool()
    for _ in range(workers):
        pool.submit(run.runner)
    try:
        wait(run.futures, timeout=timeout, return_when=ALL_COMPLETED)
    except BaseException:
        run.cancel()
        raise
    run.cancel()
    return [_outcome(f, timeout) for f in run.futures]


def _run_inline(task: Callable[[], T]) -> Outcome[T]:
    start = time.perf_counter()
    try:
        value = task()
    # an error is an outcome; Ctrl-C propagates
    except Exception as error:  # noqa: BLE001
        return Outcome(None, error, time.perf_counter() - start)
    return Outcome(value, None, time.perf_counter() - start)


def _outcome(future: Future[Outcome[T]], timeout: float | None) -> Outcome[T]:
    if future.done() and not future.cancelled():
        return future.result()
    return Outcome(
        None,
        TimeoutError(f"no answer within the timeout of {timeout} s"),
        timeout or 0.0,
    )
