"""botocore event handlers every runtime client gets once, when it is made.

They make a client obey the deadline of the thread that calls it (``core.deadline``):

- refuse to send an attempt once the deadline has passed, so no retry starts after it;
- cap botocore's retry back-off at the time left (never sleep past the deadline);
- cap each attempt's connect and read timeouts at the time left (``timeouts``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from botocore.client import BaseClient
from botocore.retries import standard

from ..core.deadline import current_deadline


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
    deadline = current_deadline()
    if deadline is None or not isinstance(delay, (int, float)) or delay is False:
        return delay
    if delay >= deadline.left():  # the retry would start after the deadline
        raise deadline.error(kwargs.get("caught_exception"))
    return delay
