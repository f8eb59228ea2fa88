"""One shared, bounded pool of daemon threads that runs every fan-out in the process."""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from ..core.deadline import GRACE, Deadline, deadline_scope
from ..core.errors import NotStartedError
from .futures import ALL_COMPLETED, Future, wait

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


# A plain module variable, not a PerProcess: tests and `make chaos` swap in or
# inspect the pool itself.
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
    """One fan-out: ``workers`` runners take tasks in order until none are left.

    A task whose turn comes after the deadline (or after the caller stopped) is not
    started; the others run inside the deadline's scope (see ``_deadline``).
    """

    def __init__(self, tasks: Sequence[Callable[[], T]], deadline: Deadline) -> None:
        self.tasks = tasks
        self.deadline = deadline
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
            if self.deadline.expired:
                future.set_result(Outcome(None, not_started(self.deadline), 0.0))
                continue
            future.set_result(_run_one(self.tasks[index], self.deadline))

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
    deadline: Deadline | None = None,
) -> list[Outcome[T]]:
    """Run ``tasks`` concurrently; outcomes come back in task order.

    At most ``max_workers`` run at once, in task order. Every task shares one
    deadline: ``deadline``, else ``timeout`` seconds from now (None: no deadline).
    A task not started by then is a ``NotStartedError`` outcome; one still running
    ``GRACE`` seconds after it is a ``DeadlineExceededError`` outcome. (Tasks that
    call botocore through clients with ``clients.hooks.install_deadline`` stop on their own by
    then.) ``deadline.cancel()`` from another thread stops the run the same way. On
    Ctrl-C pending tasks are cancelled and KeyboardInterrupt propagates at once.
    A single task runs in the calling thread, inside the deadline's scope: it ends
    on time only if it obeys the deadline itself (botocore calls do, see above).
    """
    if deadline is None:
        deadline = Deadline(timeout if timeout is not None else math.inf)
    if len(tasks) == 1:
        # One target: run it here. A hand-off to a pool thread and back costs more
        # CPU than the runtime's own work for the call (measured in make bench).
        if deadline.expired:
            return [Outcome(None, not_started(deadline), 0.0)]
        return [_run_one(tasks[0], deadline, inline=True)]
    workers = max(1, min(max_workers or DEFAULT_MAX_WORKERS, len(tasks) or 1))
    run = _Run(tasks, deadline)
    deadline.on_cancel(run.cancel)
    pool = _shared_pool()
    for _ in range(workers):
        pool.submit(run.runner)
    try:
        wait(run.futures, timeout=_wait_time(deadline), return_when=ALL_COMPLETED)
    except BaseException:
        run.cancel()
        raise
    run.cancel()
    return [_outcome(f, deadline) for f in run.futures]


def _wait_time(deadline: Deadline) -> float | None:
    left = deadline.at - time.monotonic()
    return None if math.isinf(left) else max(0.0, left) + GRACE


def _run_one(
    task: Callable[[], T], deadline: Deadline, inline: bool = False
) -> Outcome[T]:
    start = time.perf_counter()
    try:
        with deadline_scope(deadline):
            value = task()
    except Exception as error:  # noqa: BLE001 - every error is a result
        return Outcome(None, error, time.perf_counter() - start)
    except BaseException as error:  # Ctrl-C: propagates from the calling thread
        if inline:
            raise
        return Outcome(None, error, time.perf_counter() - start)
    return Outcome(value, None, time.perf_counter() - start)


def not_started(deadline: Deadline) -> NotStartedError:
    if deadline.cancelled:
        return NotStartedError("the call was stopped before this target's turn")
    return NotStartedError(
        f"the deadline of {deadline.seconds:g} s passed before this target's turn"
    )


def _outcome(future: Future[Outcome[T]], deadline: Deadline) -> Outcome[T]:
    if future.done() and not future.cancelled():
        return future.result()
    if future.running():  # still in flight after the grace
        return Outcome(None, deadline.error(), deadline.seconds)
    return Outcome(None, not_started(deadline), 0.0)
