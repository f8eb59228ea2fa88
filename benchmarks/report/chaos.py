"""The chaos run's table (printed; RESULTS.md's chaos section is written by hand)."""

from __future__ import annotations

import json
from typing import Any


def table(calls: list[dict[str, Any]]) -> str:
    head = (
        "| call | ok | retried+ok | labelled failures | wall, longest target / deadline | "
        "busy workers (at return / +0.2 s) | threads alive | peak RSS | checks |"
    )
    lines = [head, "|" + "---|" * 9]
    for c in calls:
        labels = ", ".join(f"{k} {v}" for k, v in c["by_label"].items())
        checks = "all pass" if all(c["checks"].values()) else json.dumps(c["checks"])
        lines.append(
            f"| {c['call']} | {c['ok']} | {c['retried_ok']} | {c['labelled']} ({labels}) "
            f"| {c['wall_s']} s, {c['longest_target_s']} s / {c['deadline_s']:g} s "
            f"| {c['busy_workers_at_return']} / {c['busy_workers_0.2s_later']} "
            f"(pool {c['pool_threads']}) | {c['threads_alive']} | {c['peak_rss_mb']} MB "
            f"| {checks} |"
        )
    return "\n".join(lines)
