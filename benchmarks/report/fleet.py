"""The section of scenarios 6, 7 and 8 (issue 13): targets met or missed, the
10,200-target fleet, throttling. (6a-6c's own tables are fan-out tables.)"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.scenarios.runner import Row


def _secs(value: float) -> str:
    return f"{value * 1e3:.0f} ms" if value < 1 else f"{value:.2f} s"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def checks(rows: list[Row], data: dict[str, Any]) -> list[list[str]]:
    """[target, limit, measured, verdict] for every target of issue 13."""
    out = []
    for row in rows:
        limit = row.target_ratio  # each case carries its own target
        if row.scenario.startswith(("6a", "6b")) and limit and row.ratio:
            out.append(
                [
                    f"{row.scenario}: wall / bound",
                    f"<= {limit:.2f} x",
                    f"{row.ratio:.2f} x ({_secs(row.median_s or 0)} / {_secs(row.bound_s)})",
                    _verdict(row.ratio <= limit),
                ]
            )
    for row in rows:
        per_target = row.creation_ms_per_target
        if row.scenario.startswith("6c") and per_target is not None:
            out.append(
                [
                    "6c. client creation CPU per target, 1,020 targets",
                    "<= 1.5 ms",
                    f"{per_target:.2f} ms",
                    _verdict(per_target <= 1.5),
                ]
            )
    out += fleet_checks(data.get("fleet"))
    out += throttle_checks(data.get("throttle"))
    return out


def fleet_checks(fleet: dict[str, Any] | None) -> list[list[str]]:
    if not fleet:
        return []
    bound = max(fleet["latency_bound_s"], fleet["cpu_bound_s"])
    wall = statistics.median(r["wall"] for r in fleet["runs"])
    fds_limit = fleet["cache_limit"] + 64
    return [
        [
            "6d. 10,200 targets: wall / max(latency, bare CPU bound)",
            "<= 1.30 x",
            f"{wall / bound:.2f} x ({_secs(wall)} / {_secs(bound)})",
            _verdict(wall <= 1.3 * bound),
        ],
        [
            "6d. 10,200 targets: peak RSS",
            "<= 500 MB",
            f"{fleet['peak_rss_mb']:.0f} MB",
            _verdict(fleet["peak_rss_mb"] <= 500),
        ],
        [
            "6d. 10,200 targets: open fds after the run",
            f"<= cache limit + 64 = {fds_limit}",
            str(fleet["open_fds"]),
            _verdict(fleet["open_fds"] <= fds_limit),
        ],
    ]


def throttle_checks(throttle: dict[str, Any] | None) -> list[list[str]]:
    if not throttle or "limited" not in throttle:
        return []
    limited = throttle["limited"]
    minimum = throttle["minimum_s"]
    return [
        [
            "7. with the limiter: throttling errors (server-side throttles)",
            "0",
            f"{limited['server']['throttled']} ({len(limited['failures'])} kinds of failure)",
            _verdict(limited["server"]["throttled"] == 0 and not limited["failures"]),
        ],
        [
            "7. with the limiter: wall / the bucket's own minimum",
            "<= 1.15 x",
            f"{limited['wall'] / minimum:.3f} x ({_secs(limited['wall'])} / {_secs(minimum)})",
            _verdict(limited["wall"] <= 1.15 * minimum),
        ],
    ]


def section(rows: list[Row], data: dict[str, Any]) -> list[str]:
    """The Markdown of scenarios 6 and 7 (tables of 6a-6c are the fan-out tables)."""
    lines = ["## Issue 13 targets (scenarios 6 and 7)", ""]
    lines += _table(["target", "limit", "measured", "verdict"], checks(rows, data))
    fleet = data.get("fleet")
    if fleet:
        lines += [
            "### Scenario 6d. 10,200 targets (300 accounts x 34 regions), 100 ms",
            "",
        ]
        lines += _table(
            ["run", "wall", "CPU", "GC", "ok", "errors"],
            [
                [
                    str(i + 1),
                    _secs(r["wall"]),
                    _secs(r["cpu"]),
                    _secs(r["gc_s"]),
                    f"{r['ok']}/{r['n']}",
                    ", ".join(r["errors"]) or "-",
                ]
                for i, r in enumerate(fleet["runs"])
            ],
        )
        lines += [
            f"- {fleet['workers']} workers; latency bound {_secs(fleet['latency_bound_s'])}; "
            f"bare botocore CPU bound {_secs(fleet['cpu_bound_s'])} "
            f"({1e3 * fleet['bare_cpu_per_target_s']:.2f} ms per target, one by one: "
            "a Session per account, then per target a client, its call, its close)",
            f"- client cache limit {fleet['cache_limit']}: {fleet['clients_created']} clients "
            f"created, {fleet['evicted']} evicted, {fleet['cached']} cached at the end; "
            f"{fleet['open_fds']} fds open; peak RSS {fleet['peak_rss_mb']:.0f} MB; "
            f"{fleet['gc_collections']} GC collections",
            f"- endpoint: {fleet['server']['requests']} requests from "
            f"{fleet['server']['distinct_access_keys']} access keys, "
            f"p99 overhead {fleet['server']['overhead_p99_ms']:.1f} ms",
            "",
        ]
    throttle = data.get("throttle")
    if throttle and "limited" in throttle:
        lines += [
            f"### Scenario 7. Throttling: {throttle['calls']} EC2 describe calls, one "
            f"account and region, bucket {throttle['bucket']}",
            "",
            f"The bucket's own minimum: {_secs(throttle['minimum_s'])} "
            "(the burst at once, the rest at the refill rate).",
            "",
        ]
        lines += _table(
            [
                "client",
                "wall",
                "x minimum",
                "ok",
                "HTTP attempts",
                "throttled (client / server)",
                "calls retried",
                "rate-limit wait (sum)",
                "failures",
            ],
            [_throttle_cells(throttle, key) for key in ("limited", "unlimited")],
        )
    return lines


def _throttle_cells(throttle: dict[str, Any], key: str) -> list[str]:
    r = throttle[key]
    failures = ", ".join(f"{code} x {n}" for code, n in r["failures"].items())
    return [
        "multiregion, default rate limits" if key == "limited" else "rate_limits=False",
        _secs(r["wall"]),
        f"{r['wall'] / throttle['minimum_s']:.3f}" if throttle["minimum_s"] else "-",
        f"{r['ok']}/{r['calls']}",
        str(r["attempts"]),
        f"{r['throttled']} / {r['server']['throttled']}",
        str(r["retried_calls"]),
        _secs(r["rate_limit_wait_s"]),
        failures or "-",
    ]


def _table(head: list[str], lines: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out + [""]
