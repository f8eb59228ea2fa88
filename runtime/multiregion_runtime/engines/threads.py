"""One shared, bounded pool of daemon threads that runs every fan-out in the process."""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from ..core.deadline import GRACE, Deadline, deadline_scope
from ..core.errors import NotStartedError
from ..core.shared import POOL_SIZE
from .futures import Future

T = TypeVar("T")

#: Default per-call concurrency: at ~1.5 ms of CPU per botocore call, 64 threads keep
#: one core busy at 100 ms of latency; more mostly adds GIL contention.
DEFAULT_MAX_WORKERS = 64
#: A target in flight this long (seconds) since it started or its last page is taken
#: for hung, or waiting (a rate-limit token, a waiter's delay): its runner stops
#: counting against ``max_workers`` and another starts in its stead. AWS answers a
#: list or describe request in well under that; a thread blocked on a socket costs
#: little (its stack, no CPU). Each hung target costs a runner about this long
#: (plus a tick), so lower is better for the healthy ones behind it.
SLOW_AFTER = 0.5
#: Runners a call may add for slow targets: as many as its ``max_workers``, and at
#: least this many, never past POOL_SIZE (the process-wide hard cap).
SLOW_RUNNERS = 64
#: How often the calling thread looks for slow targets while it waits.
_TICK = 0.1


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
            # An idle thread must not keep its last run (its tasks, futures and
            # results) alive until its next job.
            del job
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
    """One fan-out: runners take tasks in order until none are left.

    ``workers`` runners stand for healthy targets. A task in flight longer than
    ``SLOW_AFTER`` since it started or its last page (a hung socket, a rate-limit
    wait) no longer counts as one of them: the supervising thread starts another
    runner in its stead, up to ``cap``, so a hung target never keeps a healthy one
    from starting. A runner beyond ``workers`` healthy ones ends once its task does.

    Each task runs inside its own deadline (``timeout`` from its start, within the
    call's ``deadline``); a task whose turn comes after the call's deadline (or after
    the caller stopped) is not started.
    """

    def __init__(
        self,
        tasks: Sequence[Callable[[], T]],
        deadline: Deadline,
        timeout: float | None,
        workers: int,
    ) -> None:
        self.tasks = tasks
        self.deadline = deadline
        self.timeout = timeout
        self.workers = workers
        self.cap = max(workers, min(POOL_SIZE, workers + max(workers, SLOW_RUNNERS)))
        self.futures: list[Future[Outcome[T]]] = [Future() for _ in tasks]
        #: task index -> (its start, its own deadline), while it runs
        self.in_flight: dict[int, tuple[float, Deadline]] = {}
        self.slow: set[int] = set()
        self.runners = 0
        self.done = 0
        self.all_done = threading.Event()
        self._next = 0
        self._lock = threading.Lock()
        self.cancelled = False

    def start(self, pool: _Pool) -> None:
        with self._lock:
            self.runners = self.workers
        for _ in range(self.workers):
            pool.submit(self.runner)

    def _take(self) -> tuple[int, Deadline | None] | None:
        """The next task and its own deadline (None: too late to start it)."""
        with self._lock:
            if self.cancelled or self._next >= len(self.tasks):
                return None
            if self.runners - len(self.slow) > self.workers:
                return None  # an extra runner whose slow task was answered: retire
            index, self._next = self._next, self._next + 1
            if self.deadline.expired:
                return index, None
            own = self.deadline.for_target(self.timeout)
            self.in_flight[index] = (time.monotonic(), own)
            return index, own

    def runner(self) -> None:
        try:
            while (taken := self._take()) is not None:
                index, own = taken
                future = self.futures[index]
                if not future.set_running_or_notify_cancel():
                    self._finished(index, counted=True)  # by ``cancel``
                    continue
                if own is None:
                    outcome: Outcome[T] = Outcome(None, not_started(self.deadline), 0)
                else:
                    outcome = _run_one(self.tasks[index], own)
                future.set_result(outcome)
                self._finished(index)
        finally:
            with self._lock:
                self.runners -= 1

    def _finished(self, index: int, counted: bool = False) -> None:
        with self._lock:
            self.in_flight.pop(index, None)
            self.slow.discard(index)
            if not counted:
                self._count_done(1)

    def _count_done(self, count: int) -> None:
        self.done += count
        if self.done == len(self.tasks):
            self.all_done.set()

    def supervise(self, pool: _Pool) -> None:
        """Wait until every task is done, replacing runners held by slow tasks.

        Returns early once the call's deadline is GRACE past, or once nothing is
        left to start and every task still in flight is GRACE past its own deadline
        (it ignores it: it is labelled as timed out in flight, not waited for).
        """
        while not self.all_done.wait(_TICK):
            now = time.monotonic()
            if self.deadline.cancelled:  # what is in flight stops at its next step
                self.all_done.wait(GRACE)
                return
            if now >= self.deadline.at + GRACE:
                return
            with self._lock:
                self.slow = {
                    index
                    for index, (_, own) in self.in_flight.items()
                    if now - own.progressed_at >= SLOW_AFTER
                }
                pending = self._next < len(self.tasks)
                wanted = min(self.cap, self.workers + len(self.slow)) if pending else 0
                more = max(0, wanted - self.runners)
                self.runners += more
                overdue = all(
                    own.at + GRACE <= now for _, own in self.in_flight.values()
                )
            for _ in range(more):
                pool.submit(self.runner)
            if not pending and overdue:
                return

    def outcome(self, index: int) -> Outcome[T]:
        """Task ``index``'s outcome once the run ends, labelled if it had none."""
        future = self.futures[index]
        if future.done() and not future.cancelled():
            return future.result()
        with self._lock:
            started = self.in_flight.get(index)
        if future.running() and started is not None:  # in flight past its deadline
            own = started[1]
            return Outcome(None, own.error(), time.monotonic() - started[0])
        return Outcome(None, not_started(self.deadline), 0.0)

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
        cancelled = sum(future.cancel() for future in self.futures)
        with self._lock:
            self._count_done(cancelled)


def run_all(
    tasks: Sequence[Callable[[], T]],
    *,
    max_workers: int | None = None,
    timeout: float | None = None,
    deadline: Deadline | float | None = None,
) -> list[Outcome[T]]:
    """Run ``tasks`` concurrently; outcomes come back in task order.

    At most ``max_workers`` healthy tasks run at once, in task order (a task stuck
    longer than SLOW_AFTER is replaced by another runner, see ``_Run``).
    Each task has ``timeout`` seconds from its start (None: no limit of its own),
    within the call's ``deadline`` (a Deadline, or seconds from now; None: none). A
    task whose turn comes after the call's deadline is a ``NotStartedError``
    outcome; one still running ``GRACE`` seconds after its deadline is a
    ``DeadlineExceededError`` outcome. (Tasks that call botocore through clients
    with ``clients.hooks.install_deadline`` stop on their own by then.)
    ``deadline.cancel()`` from another thread stops the run the same way. On Ctrl-C
    pending tasks are cancelled and KeyboardInterrupt propagates at once. A single
    task runs in the calling thread, inside its deadline: it ends on time only if it
    obeys the deadline itself (botocore calls do, see above).
    """
    if not isinstance(deadline, Deadline):
        deadline = Deadline(math.inf if deadline is None else deadline)
    if len(tasks) == 1:
        # One target: run it here. A hand-off to a pool thread and back costs more
        # CPU than the runtime's own work for the call (measured in make bench).
        if deadline.expired:
            return [Outcome(None, not_started(deadline), 0.0)]
        return [_run_one(tasks[0], deadline.for_target(timeout), inline=True)]
    workers = max(1, min(max_workers or DEFAULT_MAX_WORKERS, len(tasks) or 1))
    run = _Run(tasks, deadline, timeout, workers)
    deadline.on_cancel(run.cancel)
    pool = _shared_pool()
    run.start(pool)
    try:
        run.supervise(pool)
    except BaseException:
        run.cancel()
        raise
    run.cancel()
    return [run.outcome(index) for index in range(len(tasks))]


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
