"""botocore event handlers every runtime client gets once, when it is made.

They make a client obey the deadline of the thread that calls it (``core.deadline``):

- refuse to send an attempt once the deadline has passed, so no retry starts after it;
- cap botocore's retry back-off at the time left (never sleep past the deadline);
  and give each identity of a shared client its own retry quota (``signing``);
- cap each attempt's connect and read timeouts at the time left (``timeouts``).
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import botocore
from botocore.client import BaseClient
from botocore.retries import standard

from ..core.deadline import current_deadline
from .signing import current_identity


def install_deadline(client: BaseClient) -> None:
    """Make ``client`` obey the deadline of the thread that calls it: done once, when
    the client is made (``cache``, ``credentials``)."""
    events = client.meta.events
    events.register_first(
        "before-send", _refuse_past_deadline, unique_id="multiregion-deadline"
    )
    _cap_retry_delay(client)
    from .timeouts import cap_attempt_timeouts  # here, not on top: see there

    cap_attempt_timeouts(client)


def _refuse_past_deadline(**_: Any) -> None:
    deadline = current_deadline()
    if deadline is not None and deadline.expired:
        raise deadline.error()


def _cap_retry_delay(client: BaseClient) -> None:
    """Replace botocore's standard retry handler by the same handler, one per
    identity (``_RetriesPerIdentity``), behind a cap at the deadline.

    botocore registers its handler under a unique id; it is unregistered and
    botocore's own ``register_retry_handler`` builds each identity's. Legacy retries
    keep botocore's handler: the before-send check still stops them at the deadline,
    as it does where a botocore release no longer builds a handler this way (one is
    built first, to tell): the client then keeps botocore's, with a warning.
    """
    retries = getattr(client.meta.config, "retries", None) or {}
    if retries.get("mode") not in ("standard", "adaptive"):
        return
    per_identity = _RetriesPerIdentity(client, retries.get("total_max_attempts"))
    try:
        _Collected(client.meta.service_model).build(retries.get("total_max_attempts"))
    except Exception as error:  # noqa: BLE001 - any change of botocore's: keep its own
        warnings.warn(
            f"botocore {botocore.__version__}: no retry quota per account ({error!r}); "
            "a shared client's accounts share botocore's one",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    service = client.meta.service_model.service_id.hyphenize()
    event, unique_id = f"needs-retry.{service}", f"retry-config-{service}"
    events = client.meta.events
    events.unregister(event, unique_id=unique_id)
    events.register(
        event,
        functools.partial(_capped_retry, per_identity.needs_retry),
        unique_id=unique_id,
    )
    events.register(
        f"after-call.{service}",
        per_identity.release_quota,
        unique_id="multiregion-retry-quota",
    )


class _RetriesPerIdentity:
    """botocore's standard retry handler, with its retry quota, per identity.

    botocore's quota (500 units, 5 to 14 per retry) belongs to a client; a client
    shared by many accounts would let one failing account spend every other's
    retries. Each identity (``signing.current_identity``; None on a client of its
    own) gets a handler built by botocore's ``register_retry_handler``, onto an
    emitter that only collects what it registers.

    Only the ``MAX_QUOTAS`` identities that called last are kept: a handler is
    ~2.4 KB, and a region's client may serve every account of an organization. A
    forgotten identity starts again with a full quota, as a new client's does.
    """

    MAX_QUOTAS = 256

    def __init__(self, client: BaseClient, max_attempts: int | None) -> None:
        self._service_model = client.meta.service_model
        self._max_attempts = max_attempts
        self._handlers: OrderedDict[object, _Collected] = OrderedDict()
        self._lock = threading.Lock()

    def needs_retry(self, **kwargs: Any) -> Any:
        return self._for_current().needs_retry(**kwargs)

    def release_quota(self, **kwargs: Any) -> None:
        self._for_current().release_quota(**kwargs)

    def _for_current(self) -> _Collected:
        identity = current_identity()
        key = identity.key if identity is not None else None
        with self._lock:
            handler = self._handlers.get(key)
            if handler is not None:
                self._handlers.move_to_end(key)
                return handler
            handler = _Collected(self._service_model)
            handler.build(self._max_attempts)  # before another thread can see it
            self._handlers[key] = handler
            if len(self._handlers) > self.MAX_QUOTAS:
                self._handlers.popitem(last=False)
        return handler


class _Collected:
    """What ``standard.register_retry_handler`` registers, kept instead of registered:
    the handler's ``needs_retry`` and its quota's ``after-call`` release."""

    def __init__(self, service_model: Any) -> None:
        self.meta = SimpleNamespace(service_model=service_model, events=self)
        self.needs_retry: Callable[..., Any] = _no_retry
        self.release_quota: Callable[..., Any] = _no_retry

    def build(self, max_attempts: int | None) -> None:
        # botocore reads only meta.service_model and meta.events.register of it
        handler = standard.register_retry_handler(self, max_attempts=max_attempts)  # type: ignore[arg-type]
        self.needs_retry = handler.needs_retry

    def register(self, event: str, handler: Callable[..., Any], **_: Any) -> None:
        if event.startswith("after-call."):
            self.release_quota = handler


def _no_retry(**_: Any) -> None:
    return None


def _capped_retry(needs_retry: Callable[..., Any], **kwargs: Any) -> Any:
    delay = needs_retry(**kwargs)
    deadline = current_deadline()
    if deadline is None or not isinstance(delay, (int, float)) or delay is False:
        return delay
    if delay >= deadline.left():  # the retry would start after the deadline
        raise deadline.error(kwargs.get("caught_exception"))
    return delay
