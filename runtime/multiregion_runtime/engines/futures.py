"""The part of concurrent.futures the executor uses: a result slot and ``wait``.

Why not concurrent.futures itself: its type stubs import multiprocessing (pickle,
ctypes, socket...), about 35 modules that mypy then reads for every user script that
imports multiregion (measured: 0.13 s of a 1.6 s ``mypy --strict`` run). The executor
needs only completion slots; threads come from its own pool.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

ALL_COMPLETED = "ALL_COMPLETED"  # the only way ``wait`` waits
_PENDING, _RUNNING, _CANCELLED, _FINISHED = range(4)
# Guards state changes of every Future: each holds it only to flip one field.
_STATE_LOCK = threading.Lock()


class Future(Generic[T]):
    """A task's result slot, with concurrent.futures.Future's semantics for the
    methods kept: a running task cannot be cancelled, a cancelled one never runs."""

    __slots__ = ("_state", "_result", "_done")

    def __init__(self) -> None:
        self._state = _PENDING
        self._result: T | None = None
        # Made only for ``wait``: an Event (a Condition and its locks) is ~1 KB, one
        # per target, and a run of the thread executor waits on its own count.
        self._done: threading.Event | None = None

    def _event(self) -> threading.Event:
        """The event set when this future is done, made on first use."""
        with _STATE_LOCK:
            if self._done is None:
                self._done = threading.Event()
                if self._state in (_CANCELLED, _FINISHED):
                    self._done.set()
            return self._done

    def set_running_or_notify_cancel(self) -> bool:
        """False if cancelled (do not run the task); otherwise marks it running."""
        with _STATE_LOCK:
            if self._state == _CANCELLED:
                return False
            self._state = _RUNNING
            return True

    def set_result(self, result: T) -> None:
        with _STATE_LOCK:
            self._result, self._state = result, _FINISHED
            done = self._done
        if done is not None:
            done.set()

    def cancel(self) -> bool:
        """Cancel a task that has not started; False once it runs or has finished."""
        with _STATE_LOCK:
            if self._state in (_RUNNING, _FINISHED):
                return False
            self._state = _CANCELLED
            done = self._done
        if done is not None:
            done.set()
        return True

    def cancelled(self) -> bool:
        return self._state == _CANCELLED

    def running(self) -> bool:
        return self._state == _RUNNING

    def done(self) -> bool:
        return self._state in (_CANCELLED, _FINISHED)

    def result(self) -> T:
        """The result of a finished task (the executor asks only once ``done()``)."""
        if self._state != _FINISHED:
            raise RuntimeError("result() of a future that has not finished")
        return self._result  # type: ignore[return-value]  # set with the state


def wait(
    futures: Iterable[Future[T]],
    timeout: float | None = None,
    return_when: str = ALL_COMPLETED,
) -> None:
    """Block until every future is done (finished or cancelled), or ``timeout``."""
    if return_when != ALL_COMPLETED:
        raise ValueError(f"return_when must be {ALL_COMPLETED!r}, got {return_when!r}")
    deadline = None if timeout is None else time.monotonic() + timeout
    for future in futures:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not future._event().wait(remaining):
            return
