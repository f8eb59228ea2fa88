"""One measurement in a fresh process: ``python -m benchmarks.worker JSON-SPEC``.

A process per (scenario, approach) keeps peak RSS, imports and botocore's caches
from leaking between measurements. It prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import botocore.session

from benchmarks.approaches import APPROACHES, Fanout, Place
from benchmarks.pinning import client_cpus, pin
from benchmarks.regions import all_regions


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


#: Scenarios 6 and 7 (benchmarks/fleet.py): kind -> function.
FLEET_KINDS = {
    "fleet": "measure_fleet",
    "fleet-bare": "measure_fleet_bare",
    "throttle": "measure_throttle",
}


def main() -> None:
    spec = json.loads(sys.argv[1])
    pin(client_cpus())  # the endpoint has the last core to itself
    if spec["kind"] == "fanout":
        result = measure_fanout(spec)
    elif spec["kind"] in FLEET_KINDS:
        from benchmarks import fleet

        result = getattr(fleet, FLEET_KINDS[spec["kind"]])(spec)
    elif spec["kind"] == "cpu":
        from benchmarks.cpu import measure_cpu

        result = measure_cpu(spec)
    else:
        raise SystemExit(f"unknown measurement kind {spec['kind']!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
