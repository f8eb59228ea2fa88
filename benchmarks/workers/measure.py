"""What every measurement counts (clients made, peak RSS, open fds, calls that
succeeded, wall and CPU), and the fan-out measurement of scenarios 1-3 and 6a-6c:
one approach's warm-up and timed runs over the spec's places.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable
from typing import Any

import botocore.session

from benchmarks.endpoint.regions import all_regions
from benchmarks.workers.approaches import APPROACHES, Fanout, Place


class ClientCounter:
    """Counts botocore clients created in this process, whoever creates them."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        original = botocore.session.Session.create_client

        def counting(session: Any, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.count += 1
            return original(session, *args, **kwargs)

        # setattr: mypy refuses a plain assignment to a method
        setattr(botocore.session.Session, "create_client", counting)  # noqa: B010


def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def open_fds() -> int:
    """File descriptors open now: mostly the kept-alive sockets of live clients."""
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1


def places_for(accounts: int, regions: list[str] | None = None) -> list[Place]:
    """Every region, once per account profile (none: the default credentials)."""
    regions = regions or all_regions()
    if accounts == 0:
        return [Place(region) for region in regions]
    return [Place(r, f"bench-{a:02d}") for a in range(accounts) for r in regions]


def is_ok(result: Any) -> bool:
    return isinstance(result, dict) and "ResponseMetadata" in result


def timed(run: Callable[[], list[Any]]) -> dict[str, Any]:
    """Wall and CPU seconds of one run, and how many of its calls succeeded."""
    wall, cpu = time.perf_counter(), time.process_time()
    results = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ok = sum(map(is_ok, results))
    errors = sorted({type(r).__name__ for r in results if not is_ok(r)})
    return {"wall": wall, "cpu": cpu, "ok": ok, "n": len(results), "errors": errors}


def measure_fanout(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm-up runs, then timed runs, of one approach over the spec's places."""
    counter = ClientCounter()
    approach: Fanout = APPROACHES[spec["approach"]](
        places_for(spec.get("accounts", 0)),
        spec.get("service", "sqs"),
        spec.get("operation", "list_queues"),
        spec["workers"],
        spec["cold"],
    )
    approach.setup()
    warmups = [timed(approach.run) for _ in range(spec["warmups"])]
    clients_before_runs = counter.count
    runs = [timed(approach.run) for _ in range(spec["reps"])]
    return {
        "warmups": warmups,
        "runs": runs,
        "clients_created": counter.count,
        "clients_created_in_runs": counter.count - clients_before_runs,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "open_fds": open_fds(),
    }
