"""``python -m benchmarks``: the one entry point of the benchmarks.

``--list`` names every scenario; ``--scenario N|NAME`` (repeatable) runs those, and
none runs the default set (``make bench``). The numbered scenarios make one report,
RESULTS.md and results.png, rewritten with every marked section kept. The named ones
write their own marked section of it (data, typing) or only print their table and
set the exit status (chaos).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import botocore

from benchmarks.endpoint.loadcheck import run_loadcheck
from benchmarks.endpoint.pinning import all_cores, client_cpus, pinned
from benchmarks.report import chaos as chaos_report
from benchmarks.report.data import section as data_section
from benchmarks.report.results import Report, load_raw, save_raw, write, write_section
from benchmarks.report.sweep import section as sweep_section
from benchmarks.report.typing_cost import report as typing_report
from benchmarks.scenarios import (
    chaos,
    data,
    deadlines,
    executors,
    fanout,
    fleet,
    fleet_shared,
    sweep,
    typing_cost,
)
from benchmarks.scenarios.runner import Plan, Row, progress, worker_environment
from benchmarks.scenarios.static import measure_static

HERE = Path(__file__).resolve().parent
RAW = Path("out") / "results.json"  # under --out; benchmarks/out/ is git-ignored


@dataclass(frozen=True)
class Scenario:
    """One line of ``--list``."""

    what: str
    default: bool = True  # run by ``python -m benchmarks`` with no --scenario


#: Every scenario, by the name ``--scenario`` takes (``run`` orders the numbered ones).
SCENARIOS = {
    "0": Scenario("the endpoint's own load check: 256 connections"),
    "1": Scenario("34 regions, warm: multiregion beside loops and thread pools"),
    "2": Scenario("34 regions, cold: a new Session and clients per run"),
    "3": Scenario("1,020 targets (30 accounts x 34 regions) at 100 ms"),
    "4": Scenario("CPU per call and per client, against bare botocore"),
    "5": Scenario("import time and code generation"),
    "6": Scenario("a new object per call, the first EC2 fan-out, client creation"),
    "7": Scenario("throttling: 2,000 EC2 describes against AWS's token bucket"),
    "8": Scenario("10,200 targets (300 accounts x 34 regions) in one process"),
    "9": Scenario("executors: threads, a process pool and Dask, CPU-bound"),
    "data": Scenario("results as data: 1 million items to Parquet and DuckDB"),
    "chaos": Scenario(
        "1,020 targets under hangs, throttling, resets and failures "
        "(make chaos; exit status 1 if a check fails)",
        default=False,
    ),
    "deadlines": Scenario(
        "1,000 targets of which 5 % hang (per-target deadline 10 s), and 700 "
        "targets at 100 ms on one worker with default options (issue 21)",
        default=False,
    ),
    "fleet-shared": Scenario(
        "10,200 targets (300 accounts x 34 regions), each account's own keys: "
        "one client per region shared by every account (issue 21)",
        default=False,
    ),
    "fleet-102k": Scenario(
        "the same with 102,000 targets (3,000 accounts x 34 regions; minutes)",
        default=False,
    ),
    "fleet-102k-processes": Scenario(
        "the same 102,000 targets on processes:2 (minutes)", default=False
    ),
    "sweep": Scenario(
        "an inventory sweep: 30,000 targets, 3 pages each, into DuckDB on "
        "processes:2 (minutes)",
        default=False,
    ),
    "typing": Scenario(
        "a user's mypy --strict beside types-boto3 (make bench-typing; needs pip)",
        default=False,
    ),
    "typing-stubs": Scenario(
        "the same, with boto3-stubs on both sides (make bench-typing)", default=False
    ),
}
DEFAULT = [name for name, scenario in SCENARIOS.items() if scenario.default]


def listing() -> str:
    width = max(map(len, SCENARIOS)) + 2
    lines = [f"  {name:<{width}}{s.what}" for name, s in SCENARIOS.items()]
    default = ", ".join(DEFAULT)
    return "\n".join(["scenarios (--scenario NAME):", *lines, f"default: {default}"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the multiregion benchmarks; write RESULTS.md and results.png.",
    )
    parser.add_argument("--list", action="store_true", help="name every scenario")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        metavar="N|NAME",
        help="run only this scenario (repeatable; see --list); "
        "none: the default set",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer runs, no full codegen"
    )
    parser.add_argument(
        "--out", type=Path, default=HERE, help="the folder of RESULTS.md"
    )
    parser.add_argument(
        "--redraw",
        action="store_true",
        help="measure nothing: rewrite the report from <out>/out/results.json",
    )
    return parser.parse_args(argv)


def header(plan: Plan, started: float, chosen: list[str]) -> dict[str, str]:
    cores = os.cpu_count() or 0
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{cores} cores, {platform.machine()}, Python {platform.python_version()}",
        "botocore": botocore.__version__,
        "scenarios": ", ".join(chosen),
        "runs": f"{plan.warmups} warm-up + {plan.reps} timed per approach "
        f"({plan.slow_reps} for the slow ones)",
        "whole run": f"{time.perf_counter() - started:.0f} s",
    }


def run(plan: Plan, chosen: list[str]) -> Report:
    """The numbered scenarios in ``chosen`` (9 before 5: 5 runs a full codegen)."""
    report = Report(header={})
    # Children inherit the cores; the endpoint moves to its own.
    with pinned(client_cpus()), worker_environment() as env:
        if "0" in chosen:
            progress("0. endpoint load check")
            report.load = run_loadcheck()
        if "1" in chosen:
            report.rows += fanout.scenario_all_regions(False, plan, env)
        if "2" in chosen:
            report.rows += fanout.scenario_all_regions(True, plan, env)
        if "3" in chosen:
            per_task = session_task_cpu(report.rows)
            report.rows += fanout.scenario_many_targets(plan, env, per_task)
        if "4" in chosen:
            report.cpu = fanout.scenario_cpu(plan, env)
        if "9" in chosen:  # executors (issue 14): unpins itself, endpoint included
            report.executors = executors.scenario_executors(plan == Plan.quick(), env)
        if "5" in chosen:
            progress("5. imports and codegen")
            report.static = measure_static(plan.import_runs, plan.full_codegen, env)
        if "6" in chosen:
            report.rows += fleet.run_all(plan, env)
        if "7" in chosen:
            report.fleet = report.fleet or {}
            report.fleet["throttle"] = fleet.scenario_throttle(plan, env)
        if "8" in chosen:
            report.fleet = report.fleet or {}
            report.fleet["fleet"] = fleet.scenario_fleet(plan, env)
    return report


def session_task_cpu(rows: list[Row]) -> float | None:
    """CPU seconds per task of the Session-per-task pattern, from scenario 1."""
    for row in rows:
        if row.approach.endswith("Session() per task") and row.cpu_s:
            return row.cpu_s / row.n
    return None


def run_report(args: argparse.Namespace, numbered: list[str]) -> None:
    """The numbered scenarios' report, rewritten (with --redraw, from the raw file)."""
    if args.redraw:
        report = load_raw(args.out / RAW)
    else:
        plan = Plan.quick() if args.quick else Plan()
        started = time.perf_counter()
        report = run(plan, numbered)
        report.header = header(plan, started, numbered)
        save_raw(report, args.out / RAW)
    args.out.mkdir(parents=True, exist_ok=True)
    write(report, args.out)
    progress(f"wrote {args.out / 'RESULTS.md'} and {args.out / 'results.png'}")


# --- the named scenarios: each returns an exit status ---------------------------------


def run_data(results: Path) -> int:
    with all_cores():  # the synthetic source runs in this process, beside the worker
        rows, forms = data.measure()
    text = data_section(rows, forms)
    write_section("data", text, results)
    print(text)
    return 0


def run_chaos(results: Path) -> int:
    calls = chaos.run()
    print(chaos_report.table(calls))
    return 0 if chaos.passed(calls) else 1


def run_deadlines(results: Path) -> int:
    found = deadlines.measure()
    text = deadlines.section(found)
    write_section("deadlines", text, results)
    print(text)
    return 0 if deadlines.passed(found) else 1


def run_fleet_shared(
    results: Path, accounts: int, name: str, processes: int | None = None
) -> int:
    found = {**fleet_shared.measure(accounts, processes), "scenario": name}
    text = fleet_shared.section(found)
    write_section(name, text, results)
    print(text)
    return 0


def run_sweep(results: Path) -> int:
    text = sweep_section(sweep.measure())
    write_section("sweep", text, results)
    print(text)
    return 0


def run_typing(results: Path, with_stubs: bool) -> int:
    text = "\n".join(typing_report(typing_cost.measure(with_stubs), with_stubs))
    print(text)
    write_section("typing-stubs" if with_stubs else "typing", text, results)
    return 0


NAMED: dict[str, Callable[[Path], int]] = {
    "data": run_data,
    "chaos": run_chaos,
    "deadlines": run_deadlines,
    "fleet-shared": lambda results: run_fleet_shared(results, 300, "fleet-shared"),
    "fleet-102k": lambda results: run_fleet_shared(results, 3000, "fleet-102k"),
    "fleet-102k-processes": lambda results: run_fleet_shared(
        results, 3000, "fleet-102k-processes", processes=2
    ),
    "sweep": run_sweep,
    "typing": lambda results: run_typing(results, with_stubs=False),
    "typing-stubs": lambda results: run_typing(results, with_stubs=True),
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print(listing())
        return 0
    if args.redraw:
        run_report(args, [])
        return 0
    chosen = [name for name in SCENARIOS if name in (args.scenario or DEFAULT)]
    numbered = [name for name in chosen if name not in NAMED]
    if numbered:
        run_report(args, numbered)
    status = 0
    for name in chosen:
        if name in NAMED:
            status = max(status, NAMED[name](args.out / "RESULTS.md"))
    return status
