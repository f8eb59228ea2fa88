"""``python -m benchmarks.workers JSON-SPEC``: one measurement, one JSON object out.

The spec's ``kind`` names the measurement. Each kind's module is imported only when
asked for, so a measurement's process holds its own imports and nothing else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from benchmarks.endpoint.pinning import all_cores, client_cpus, pin

Measure = Callable[[dict[str, Any]], Any]


def fanout(spec: dict[str, Any]) -> Any:
    """Scenarios 1-3 and 6a-6c: one approach over the spec's places."""
    from benchmarks.workers.measure import measure_fanout

    return measure_fanout(spec)


def fleet(spec: dict[str, Any]) -> Any:
    """Scenario 8 (6d in the tables): 10,200 targets, a new object per run."""
    from benchmarks.workers.fleet import measure_fleet

    return measure_fleet(spec)


def fleet_bare(spec: dict[str, Any]) -> Any:
    """Scenario 8: bare botocore's CPU per target, on a sample."""
    from benchmarks.workers.fleet import measure_fleet_bare

    return measure_fleet_bare(spec)


def bare_premade(spec: dict[str, Any]) -> Any:
    """Bare botocore's CPU per call with clients made beforehand."""
    from benchmarks.workers.fleet import measure_bare_premade

    return measure_bare_premade(spec)


def throttle(spec: dict[str, Any]) -> Any:
    """Scenario 7: describe calls against AWS's token bucket."""
    from benchmarks.workers.fleet import measure_throttle

    return measure_throttle(spec)


def cpu(spec: dict[str, Any]) -> Any:
    """Scenario 4: CPU per call."""
    from benchmarks.workers.cpu import measure_cpu

    return measure_cpu(spec)


def executors(spec: dict[str, Any]) -> Any:
    """Scenario 9: one executor (or the limit) over N targets, on every core."""
    from benchmarks.workers.executors import measure_executor

    with all_cores():  # like the endpoint, which is not pinned in scenario 9
        return measure_executor(spec)


def data(spec: dict[str, Any]) -> Any:
    """The data scenario: one way of writing a million items."""
    from benchmarks.workers.data_run import measure_way

    return measure_way(spec)


def sweep(spec: dict[str, Any]) -> Any:
    """The sweep scenario: an inventory sweep into DuckDB on an executor."""
    from benchmarks.workers.sweep_run import measure_sweep

    with all_cores():  # its worker processes use every core, as the endpoint does
        return measure_sweep(spec)


#: The measurements the client side is pinned for (the endpoint has the last core).
PINNED: dict[str, Measure] = {
    "fanout": fanout,
    "fleet": fleet,
    "fleet-bare": fleet_bare,
    "bare-premade": bare_premade,
    "throttle": throttle,
    "cpu": cpu,
}
KINDS: dict[str, Measure] = {
    **PINNED,
    "executors": executors,
    "data": data,
    "sweep": sweep,
}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        raise SystemExit("usage: python -m benchmarks.workers JSON-SPEC")
    spec = json.loads(argv[0])
    kind = spec.get("kind")
    if kind not in KINDS:
        raise SystemExit(f"unknown measurement kind {kind!r}: one of {sorted(KINDS)}")
    if kind in PINNED:
        pin(client_cpus())
    json.dump(KINDS[kind](spec), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
