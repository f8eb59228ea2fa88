"""The chart: wall time per scenario and approach, with each scenario's bound."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a build machine

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from benchmarks.scenarios.runner import Row

APPROACH_COLORS = {
    "sequential boto3 loop": "#9e9e9e",
    "thread pool, boto3.Session() per task": "#e57373",
    "thread pool, boto3.client() per task": "#ffb74d",
    "thread pool, clients made first": "#64b5f6",
    "multiregion": "#2e7d32",
}


def group_name(row: Row) -> str:
    """The x-axis group: the scenario, and the pool size where that varies."""
    number, _, rest = row.scenario.partition(". ")
    if number == "3":
        return f"{number}. {row.n} targets, 100 ms\n{row.workers} workers"
    return f"{number}. {rest}\n({row.n} regions)"


def draw(rows: list[Row], path: Path, machine: str) -> None:
    measured = [r for r in rows if r.median_s is not None]
    groups = list(dict.fromkeys(group_name(r) for r in measured))
    if not groups:
        return
    fig, ax = plt.subplots(figsize=(12, 6.5), dpi=110)
    width = 0.8 / max(len(group_rows(measured, g)) for g in groups)
    for index, group in enumerate(groups):
        draw_group(ax, group_rows(measured, group), index, width)
    ax.set_yscale("log")
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("wall time per fan-out, seconds (log scale)")
    ax.set_title(f"Fan-out wall time: median, whiskers min-max ({machine})")
    ax.legend(handles=legend_handles(measured), loc="upper left", fontsize=9)
    ax.grid(axis="y", which="both", alpha=0.25)
    ax.margins(y=0.15)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def group_rows(rows: list[Row], group: str) -> list[Row]:
    """The group's rows, in the legend's order of approaches."""
    order = list(APPROACH_COLORS)
    members = [r for r in rows if group_name(r) == group and r.approach in order]
    return sorted(members, key=lambda r: order.index(r.approach))


def legend_handles(rows: list[Row]) -> list[Any]:
    present = {r.approach for r in rows}
    handles: list[Any] = [
        Patch(color=color, label=approach)
        for approach, color in APPROACH_COLORS.items()
        if approach in present
    ]
    handles.append(Line2D([], [], color="black", linestyle="--", label="bound"))
    return handles


def draw_group(ax: Axes, rows: list[Row], index: int, width: float) -> None:
    """The group's bars side by side around ``index``, and its bound."""
    for slot, row in enumerate(rows):
        assert row.median_s is not None
        x = index + (slot - (len(rows) - 1) / 2) * width
        low = row.median_s - (row.min_s or row.median_s)
        high = (row.max_s or row.median_s) - row.median_s
        color = APPROACH_COLORS[row.approach]
        ax.bar(x, row.median_s, width, color=color, yerr=[[low], [high]], capsize=2)
        ax.annotate(
            seconds_text(row.median_s),
            (x, row.max_s or row.median_s),  # above the whisker, not on it
            ha="center",
            va="bottom",
            fontsize=7,
            xytext=(0, 2),
            textcoords="offset points",
        )
    bound = next((r.bound_s for r in rows if r.bound_s), 0.0)
    if bound:
        left = index - (len(rows) / 2) * width - 0.05
        ax.hlines(bound, left, -left + 2 * index, colors="black", linestyles="dashed")
        ax.annotate(
            f"bound {seconds_text(bound)}",
            (left, bound),
            fontsize=7,
            ha="left",
            va="top",
            xytext=(0, -3),
            textcoords="offset points",
        )


def seconds_text(value: float) -> str:
    return f"{value * 1e3:.0f} ms" if value < 1 else f"{value:.1f} s"
