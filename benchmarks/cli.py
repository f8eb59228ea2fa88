"""``python -m benchmarks [--quick] [--scenario N ...]``: run, then write the report."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

import botocore

from benchmarks import scenarios, scenarios_fleet
from benchmarks.executors import scenario_executors
from benchmarks.loadcheck import run_loadcheck
from benchmarks.pinning import client_cpus, pin
from benchmarks.report import Report, load_raw, save_raw, write
from benchmarks.scenarios import Plan, Row, progress, worker_environment
from benchmarks.static import measure_static

HERE = Path(__file__).resolve().parent
RAW = Path("out") / "results.json"  # under --out; benchmarks/out/ is git-ignored
ALL_SCENARIOS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the multiregion benchmarks; write RESULTS.md and results.png.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer runs, no full codegen"
    )
    parser.add_argument(
        "--scenario",
        type=int,
        action="append",
        choices=ALL_SCENARIOS,
        help="run only this scenario (repeatable); 0 is the endpoint's own load check",
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="where to write the report"
    )
    parser.add_argument(
        "--redraw",
        action="store_true",
        help="measure nothing: rewrite the report from <out>/out/results.json",
    )
    return parser.parse_args(argv)


def header(plan: Plan, started: float, chosen: list[int]) -> dict[str, str]:
    cores = os.cpu_count() or 0
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{cores} cores, {platform.machine()}, Python {platform.python_version()}",
        "botocore": botocore.__version__,
        "scenarios": ", ".join(map(str, chosen)),
        "runs": f"{plan.warmups} warm-up + {plan.reps} timed per approach "
        f"({plan.slow_reps} for the slow ones)",
        "whole run": f"{time.perf_counter() - started:.0f} s",
    }


def run(plan: Plan, chosen: list[int]) -> Report:
    report = Report(header={})
    pin(client_cpus())  # children inherit it; the endpoint moves to its own core
    with worker_environment() as env:
        if 0 in chosen:
            progress("0. endpoint load check")
            report.load = run_loadcheck()
        if 1 in chosen:
            report.rows += scenarios.scenario_all_regions(False, plan, env)
        if 2 in chosen:
            report.rows += scenarios.scenario_all_regions(True, plan, env)
        if 3 in chosen:
            per_task = session_task_cpu(report.rows)
            report.rows += scenarios.scenario_many_targets(plan, env, per_task)
        if 4 in chosen:
            report.cpu = scenarios.scenario_cpu(plan, env)
        if 9 in chosen:  # executors (issue 14): unpins itself, endpoint included
            report.executors = scenario_executors(plan == Plan.quick(), env)
        if 5 in chosen:
            progress("5. imports and codegen")
            report.static = measure_static(plan.import_runs, plan.full_codegen, env)
        if 6 in chosen:
            report.rows += scenarios_fleet.run_all(plan, env)
        if 7 in chosen:
            report.fleet = report.fleet or {}
            report.fleet["throttle"] = scenarios_fleet.scenario_throttle(plan, env)
        if 8 in chosen:
            report.fleet = report.fleet or {}
            report.fleet["fleet"] = scenarios_fleet.scenario_fleet(plan, env)
    return report


def session_task_cpu(rows: list[Row]) -> float | None:
    """CPU seconds per task of the Session-per-task pattern, from scenario 1."""
    for row in rows:
        if row.approach.endswith("Session() per task") and row.cpu_s:
            return row.cpu_s / row.n
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.redraw:
        report = load_raw(args.out / RAW)
    else:
        plan = Plan.quick() if args.quick else Plan()
        chosen = sorted(set(args.scenario or ALL_SCENARIOS))
        started = time.perf_counter()
        report = run(plan, chosen)
        report.header = header(plan, started, chosen)
        save_raw(report, args.out / RAW)
    args.out.mkdir(parents=True, exist_ok=True)
    write(report, args.out)
    progress(f"wrote {args.out / 'RESULTS.md'} and {args.out / 'results.png'}")
    return 0
