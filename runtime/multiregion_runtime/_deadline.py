"""Deadlines: every target's work ends by a known time, whatever its endpoint does.

The executor enters the call's ``Deadline`` around each task (a context variable of
the worker thread). Handlers on each client's botocore events then, in that thread:

- refuse to send an attempt once the deadline has passed, so no retry starts after it;
- cap botocore's retry back-off at the time left (never sleep past the deadline);
- cap each attempt's connect and read timeouts at the time left (``_timeouts``).

So a worker is free again soon after the deadline even if the endpoint hangs, and a
pool is never held by requests that nobody waits for any more.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from botocore.client import BaseClient
from botocore.config import Config
from botocore.retries import standard

from ._errors import CancelledError, DeadlineExceededError

#: The deadline of every call unless ``timeout=`` (``--timeout``) says otherwise. A
#: third of botocore's worst case (3 attempts x 60 s read timeout): long enough for
#: a paginated listing of a few hundred pages, short enough that one hung region
#: does not hold a scan of all the others for minutes.
DEFAULT_TIMEOUT = 60.0
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
    """When one call's work must end (a monotonic time), and whether it was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.cancelled = False
        self._on_cancel: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def left(self) -> float:
        """Seconds left (0 once passed or cancelled)."""
        return 0.0 if self.cancelled else max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.cancelled or time.monotonic() >= self.at

    def cancel(self) -> None:
        """Stop: nothing further starts, no further attempt or page is sent."""
        with self._lock:
            self.cancelled = True
            callbacks, self._on_cancel = self._on_cancel, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self.cancelled:
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


def check_timeout(name: str, value: float | None) -> None:
    """ValueError unless ``value`` is None or a finite number of seconds above 0."""
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"{name} must be a finite number of seconds above 0, got {value!r}"
        )


# --- botocore handlers -----------------------------------------------------------


def install(client: BaseClient) -> None:
    """Make ``client`` obey the deadline of the thread that calls it: done once, when
    the client is made (``_client_cache``, ``_credentials``)."""
    events = client.meta.events
    events.register_first(
        "before-send", _refuse_past_deadline, unique_id="multiregion-deadline"
    )
    _cap_retry_delay(client)
    from ._timeouts import cap_attempt_timeouts  # here, not on top: see there

    cap_attempt_timeouts(client)


def _refuse_past_deadline(**_: Any) -> None:
    deadline = _current.get()
    if deadline is not None and deadline.expired:
        raise deadline.error()


def _cap_retry_delay(client: BaseClient) -> None:
    """Wrap botocore's own standard retry handler so its back-off ends by the deadline.

    botocore registers its handler under a unique id; it is replaced by the same
    handler (botocore's ``register_retry_handler``) behind a cap. Legacy retries keep
    botocore's handler: the before-send check still stops them at the deadline.
    """
    retries = getattr(client.meta.config, "retries", None) or {}
    if retries.get("mode") not in ("standard", "adaptive"):
        return
    service = client.meta.service_model.service_id.hyphenize()
    event, unique_id = f"needs-retry.{service}", f"retry-config-{service}"
    events = client.meta.events
    events.unregister(event, unique_id=unique_id)
    max_attempts = retries.get("total_max_attempts")
    handler = standard.register_retry_handler(client, max_attempts=max_attempts)
    events.unregister(event, unique_id=unique_id)
    events.register(
        event,
        functools.partial(_capped_retry, handler.needs_retry),
        unique_id=unique_id,
    )


def _capped_retry(needs_retry: Callable[..., Any], **kwargs: Any) -> Any:
    delay = needs_retry(**kwargs)
    deadline = _current.get()
    if deadline is None or not isinstance(delay, (int, float)) or delay is False:
        return delay
    if delay >= deadline.left():  # the retry would start after the deadline
        raise deadline.error(kwargs.get("caught_exception"))
    return delay
