"""Each attempt's connect and read timeouts, capped at the time left (``core.deadline``).

Kept apart from ``hooks``, which imports it only when a client is set up: a
user's type checker reads the top-level imports of every module ``multiregion``
reaches, and urllib3's annotations bring in ~60 modules (ssl, http.client, email)
that took 0.2 s of each ``mypy --strict`` run on a user's script (RESULTS.md).
"""

from __future__ import annotations

from botocore.client import BaseClient
from urllib3.util.timeout import Timeout

from ..core.deadline import current_deadline


class TimeLeftTimeout(Timeout):
    """A urllib3 Timeout whose per-request copy is capped at the thread's time left.

    urllib3 copies the pool's Timeout (``clone``) at the start of every request, in
    the thread that sends it, so the cap is per attempt and per thread.
    """

    def clone(self) -> Timeout:
        deadline = current_deadline()
        if deadline is None:
            return Timeout(connect=self.connect_timeout, read=self.read_timeout)
        left = max(deadline.left(), 0.001)  # 0 would mean "non-blocking"
        return Timeout(
            connect=_capped(self.connect_timeout, left),
            read=_capped(self.read_timeout, left),
        )


def _capped(value: object, left: float) -> float:
    return min(value, left) if isinstance(value, (int, float)) else left


def cap_attempt_timeouts(client: BaseClient) -> None:
    """Give the client's connection pools a Timeout capped at the time left.

    botocore (1.43) takes timeouts only per client; its HTTP session hands one urllib3
    Timeout to every pool it makes. If that layout is not found (another HTTP
    session), attempts keep the client's own timeouts: the deadline still stops
    retries and the executor still returns on time.
    """
    session = getattr(getattr(client, "_endpoint", None), "http_session", None)
    manager = getattr(session, "_manager", None)
    timeout = getattr(session, "_timeout", None)
    if manager is None or not isinstance(timeout, Timeout):
        return
    capped = TimeLeftTimeout(connect=timeout.connect_timeout, read=timeout.read_timeout)
    session._timeout = capped  # type: ignore[union-attr]  # proxy pools made later
    manager.connection_pool_kw["timeout"] = capped
    for key in list(manager.pools.keys()):
        pool = manager.pools.get(key)
        if pool is not None:
            pool.timeout = capped
