"""Deadlines: every target's work ends by a known time, whatever its endpoint does.

A call has one ``Deadline``: no end unless the caller gives ``deadline=``, and the
caller's stop (cancel, Ctrl-C, leaving an ``iter_`` loop). Each target gets its own
when it starts (``for_target``): ``timeout=`` seconds from then, never past the
call's, stopped with it. The executor enters a target's deadline around its task (a
context variable of the worker thread). Handlers on each client's botocore events
(``clients.hooks``) then obey it in that thread, so a worker is free again soon after
the deadline even if the endpoint hangs, and a pool is never held by requests that
nobody waits for any more.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from botocore.config import Config

from .errors import CancelledError, DeadlineExceededError

#: The deadline of every target, from the moment it starts, unless ``timeout=``
#: (``--timeout``) says otherwise. A third of botocore's worst case (3 attempts x 60 s
#: read timeout): long enough for a paginated listing of a few hundred pages, short
#: enough that one hung region is given up on within a minute. Per target, not per
#: call: a sweep of 300,000 targets is not cut because it is big.
DEFAULT_TIMEOUT = 60.0
"""Seconds each target has, from its start, unless ``timeout=`` (``--timeout``) says
otherwise (retries and pages included)."""
#: Per attempt, before the cap at the time left. A TCP connect to an AWS endpoint
#: takes well under a second; 5 s leaves room for a slow DNS or TLS set-up and lets a
#: lost SYN be retried within the deadline.
DEFAULT_CONNECT_TIMEOUT = 5.0
#: Per attempt: AWS answers list/describe calls in well under a second; 20 s lets a
#: stalled connection be retried twice within the default deadline.
DEFAULT_READ_TIMEOUT = 20.0
#: How long the executor waits past the deadline for in-flight work to hand back what
#: it has (pages fetched so far) before it labels the target and returns.
GRACE = 0.5

#: What the runtime's clients start from (the caller's Config is merged over it).
DEADLINE_CONFIG = Config(
    connect_timeout=DEFAULT_CONNECT_TIMEOUT, read_timeout=DEFAULT_READ_TIMEOUT
)


class Deadline:
    """When work must end (a monotonic time), and whether it was stopped.

    ``Deadline(math.inf)``: a call with no end of its own (the default), which can
    still be stopped. ``within``: the call's deadline this one never passes, and is
    stopped with (a target's, see ``for_target``).
    """

    def __init__(self, seconds: float, within: Deadline | None = None) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        if within is not None and within.at < self.at:
            # The call's deadline comes first: it is the one this work misses.
            self.seconds, self.at = within.seconds, within.at
        self._within = within
        #: When the work last moved on (started, or a page arrived): how long it
        #: has been stuck, for an executor that replaces stuck workers.
        self.progressed_at = time.monotonic()
        self._cancelled = False
        self._on_cancel: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def for_target(self, timeout: float | None) -> Deadline:
        """The deadline of a target starting now: ``timeout`` seconds (None: none of
        its own), never past this one, and stopped when this one is."""
        return Deadline(math.inf if timeout is None else timeout, within=self)

    def progressed(self) -> None:
        """The work under this deadline moved on (a page arrived)."""
        self.progressed_at = time.monotonic()

    @property
    def bounded(self) -> bool:
        """Whether this deadline has an end (a call's has one only if given)."""
        return not math.isinf(self.at)

    @property
    def cancelled(self) -> bool:
        return self._cancelled or (self._within is not None and self._within.cancelled)

    def left(self) -> float:
        """Seconds left (0 once passed or cancelled; inf if unbounded)."""
        return 0.0 if self.cancelled else max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.cancelled or time.monotonic() >= self.at

    def cancel(self) -> None:
        """Stop: nothing further starts, no further attempt or page is sent."""
        with self._lock:
            self._cancelled = True
            callbacks, self._on_cancel = self._on_cancel, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when ``cancel`` is called on this very deadline."""
        with self._lock:
            if not self._cancelled:
                self._on_cancel.append(callback)
                return
        callback()

    def error(self, last: BaseException | None = None) -> Exception:
        """The error of work that was in flight when this deadline passed or stopped."""
        if self.cancelled:
            return CancelledError()
        return DeadlineExceededError(self.seconds, last)


_current: ContextVar[Deadline | None] = ContextVar("multiregion_deadline", default=None)


@contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[None]:
    """Botocore calls made in this block (in this thread) obey ``deadline``."""
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


def current_deadline() -> Deadline | None:
    return _current.get()
