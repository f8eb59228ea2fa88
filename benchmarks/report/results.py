"""Write the results: ``benchmarks/RESULTS.md`` (tables) and ``results.png`` (chart)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.endpoint.loadcheck import LoadResult
from benchmarks.report.executors import section as executors_section
from benchmarks.report.fleet import section as fleet_section
from benchmarks.scenarios.runner import Row
from benchmarks.scenarios.static import Measured

BENCHMARKS = Path(__file__).resolve().parents[1]
ANALYSIS = BENCHMARKS / "ANALYSIS.md"  # hand-written findings, appended to every report


@dataclass
class Report:
    """Everything one ``python -m benchmarks`` run of the numbered scenarios measured."""

    header: dict[str, str]
    load: LoadResult | None = None
    rows: list[Row] = field(default_factory=list)
    cpu: dict[str, Any] | None = None
    static: dict[str, Any] | None = None
    fleet: dict[str, Any] | None = None  # scenarios 6d and 7 (issue 13)
    executors: dict[str, Any] | None = None  # scenario 9 (scenarios/executors.py)


@dataclass(frozen=True)
class Check:
    """One target of issue 7 and whether this run met it."""

    what: str
    limit: str
    measured: str
    met: bool | None  # None: not measured in this run


# --- small formatting helpers ------------------------------------------------------


def secs(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1e3:.0f} ms" if value < 1 else f"{value:.2f} s"


def spread(low: float | None, high: float | None) -> str:
    return "-" if low is None or high is None else f"{secs(low)} - {secs(high)}"


def table(head: list[str], lines: Iterable[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out + [""]


def verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


# --- the targets ---------------------------------------------------------------------


def find_row(rows: list[Row], prefix: str, label: str, workers: int) -> Row | None:
    for row in rows:
        if row.scenario.startswith(prefix) and row.approach == label:
            if row.workers == workers and row.median_s is not None:
                return row
    return None


def ratio_check(rows: list[Row], prefix: str, workers: int, limit: float) -> Check:
    row = find_row(rows, prefix, "multiregion", workers)
    what = f"scenario {prefix}: wall / bound"
    if row is None or row.ratio is None:
        return Check(what, f"<= {limit:.2f} x", "-", None)
    measured = f"{row.ratio:.2f} x ({secs(row.median_s)} / {secs(row.bound_s)})"
    return Check(what, f"<= {limit:.2f} x", measured, row.ratio <= limit)


def scenario3_checks(rows: list[Row]) -> list[Check]:
    checks = [ratio_check(rows, "3", 128, 1.3)]
    row = find_row(rows, "3", "multiregion", 128)
    rss = row.peak_rss_mb if row else None
    checks.append(
        Check(
            "scenario 3: peak RSS, 128 workers",
            "<= 400 MB",
            f"{rss:.0f} MB" if rss is not None else "-",
            None if rss is None else rss <= 400,
        )
    )
    per_target = row.creation_ms_per_target if row else None
    checks.append(
        Check(
            "scenario 3: client creation, CPU per target",
            "<= 2 ms",
            f"{per_target:.2f} ms" if per_target is not None else "-",
            None if per_target is None else per_target <= 2.0,
        )
    )
    return checks


#: Scenario 4 rows and the bare botocore figure each is compared with.
CPU_REFERENCE = {
    "bare call": "bare call",
    "multiregion, 1 target": "bare call",
    "bare calls, thread pool of 34": "bare call",
    "multiregion, 34 targets": "bare call",
    "creation: bare session.client()": "creation: bare session.client()",
    "creation: multiregion client_for()": "creation: bare session.client()",
    "creation + first call, less a warm call: bare, one by one": (
        "creation + first call, less a warm call: bare, one by one"
    ),
    "first fan-out less a warm one: multiregion, 34 targets": (
        "creation + first call, less a warm call: bare, one by one"
    ),
}
FIRST_FANOUT = "first fan-out less a warm one: multiregion, 34 targets"


def cpu_ratio(cpu: dict[str, Any], name: str) -> float:
    reference = cpu[CPU_REFERENCE.get(name, "bare call")]["median_ms"]
    return float(cpu[name]["median_ms"]) / float(reference)


def cpu_checks(cpu: dict[str, Any] | None) -> list[Check]:
    if cpu is None:
        return [Check("scenario 4: CPU per call", "<= 1.10 x bare", "-", None)]
    bare = cpu["bare call"]["median_ms"]
    checks = []
    for name in ("multiregion, 1 target", "multiregion, 34 targets"):
        ratio = cpu_ratio(cpu, name)
        measured = f"{ratio:.3f} x ({cpu[name]['median_ms']:.3f} / {bare:.3f} ms)"
        checks.append(
            Check(
                f"scenario 4: CPU per call, {name}",
                "<= 1.10 x bare",
                measured,
                ratio <= 1.10,
            )
        )
    creation = cpu[FIRST_FANOUT]["median_ms"]
    checks.append(
        Check(
            "scenario 4: client creation per target, amortized in a first fan-out",
            "<= 2 ms",
            f"{creation:.2f} ms",
            creation <= 2.0,
        )
    )
    return checks


def all_checks(report: Report) -> list[Check]:
    return [
        ratio_check(report.rows, "1", 64, 1.10),
        ratio_check(report.rows, "2", 64, 1.25),
        *scenario3_checks(report.rows),
        *cpu_checks(report.cpu),
    ]


# --- the Markdown --------------------------------------------------------------------


def load_section(load: LoadResult | None) -> list[str]:
    if load is None:
        return []
    server = load.server
    return [
        "## The endpoint under load",
        "",
        f"A raw asyncio client (no botocore) keeps {load.connections} keep-alive "
        f"connections busy: {load.requests} requests at a fixed {load.delay_ms:.0f} ms, "
        f"{load.requests // load.connections} per connection, all in lock-step (its worst case).",
        "",
        *table(
            ["figure", "value"],
            [
                ["server CPU per request", f"{server['cpu_per_request_us']:.0f} us"],
                [
                    "server overhead (received -> response ready, less the delay) p50 / p99 / max",
                    f"{server['overhead_p50_ms']:.2f} / {server['overhead_p99_ms']:.2f} / {server['overhead_max_ms']:.2f} ms",
                ],
                [
                    "client-observed overhead p50 / p99",
                    f"{load.client_overhead_p50_ms:.2f} / {load.client_overhead_p99_ms:.2f} ms",
                ],
                ["peak concurrent connections", str(server["peak_connections"])],
                [
                    "wall for all requests",
                    f"{secs(load.wall_s)} (ideal {secs(load.delay_ms / 1e3 * load.requests / load.connections)})",
                ],
            ],
        ),
    ]


FANOUT_HEAD = [
    "approach",
    "workers",
    "wall (median)",
    "min - max",
    "x bound",
    "first run",
    "CPU / run",
    "peak RSS",
    "clients",
    "ok",
    "server p99",
    "note",
]


def fanout_cells(row: Row) -> list[str]:
    ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
    if row.target_ratio is not None and row.ratio is not None:
        ratio += (
            " ✓" if row.ratio <= row.target_ratio else f" ✗ (target {row.target_ratio})"
        )
    server = row.server.get("overhead_p99_ms")
    return [
        row.approach,
        str(row.workers),
        secs(row.median_s),
        spread(row.min_s, row.max_s),
        ratio,
        secs(row.first_s),
        secs(row.cpu_s),
        f"{row.peak_rss_mb:.0f} MB" if row.peak_rss_mb else "-",
        str(row.clients_created) if row.clients_created is not None else "-",
        row.ok or "-",
        f"{server:.1f} ms" if server is not None else "-",
        row.note,
    ]


SCENARIO_INTRO = {
    "1": "Every region once at the table's delays (10-250 ms); clients made in an "
    "untimed set-up or a warm-up run. Bound: the slowest region's delay.",
    "2": "As 1, but each run makes a new boto3 Session and new clients (the models "
    "are parsed again): what a script pays on its first fan-out, imports aside.",
    "3": "30 profiles (distinct access keys) x 34 regions, every answer after 100 ms. "
    "Bound: ceil(n / workers) x 100 ms. 'first run' creates the 1,020 clients.",
    "6": "Issue 13. 6a: a new object per call at the table's delays, bound the slowest "
    "region. 6b: the first EC2 fan-out of a fresh process (imports done), each run in "
    "its own process. 6c: as scenario 3 at 128 workers; creation CPU per target = "
    "(first run CPU - warm run CPU) / n.",
}


def which_bound(row: Row) -> str:
    """Latency bound or CPU bound: one GIL runs ~all of the client's CPU."""
    if row.cpu_s is None or row.median_s is None:
        return ""
    binding = "CPU" if row.cpu_s > row.bound_s else "latency"
    return (
        f"- {row.approach}, {row.workers} workers: latency bound {secs(row.bound_s)}, "
        f"CPU per run {secs(row.cpu_s)} ({1e3 * row.cpu_s / row.n:.2f} ms per call): "
        f"the {binding} bound binds; wall = {row.median_s / max(row.cpu_s, row.bound_s):.2f} x it."
    )


def fanout_sections(rows: list[Row]) -> list[str]:
    out: list[str] = []
    for scenario in dict.fromkeys(row.scenario for row in rows):
        group = [row for row in rows if row.scenario == scenario]
        out += [f"## Scenario {scenario}", "", SCENARIO_INTRO.get(scenario[0], ""), ""]
        out += table(FANOUT_HEAD, (fanout_cells(row) for row in group))
        if scenario.startswith("3"):
            out += [which_bound(r) for r in group if r.median_s is not None] + [""]
    return out


def cpu_section(cpu: dict[str, Any] | None) -> list[str]:
    if cpu is None:
        return []
    lines = []
    for name, figure in cpu.items():
        if name.startswith("_"):
            continue
        reference = CPU_REFERENCE.get(name, "bare call")
        ratio = (
            f"{cpu_ratio(cpu, name):.2f} x" if reference != name else "1.00 x (ref.)"
        )
        lines.append(
            [
                name,
                f"{figure['median_ms']:.3f} ms",
                f"{figure['min_ms']:.3f} - {figure['max_ms']:.3f} ms",
                ratio,
            ]
        )
    return [
        "## Scenario 4. CPU per call (endpoint answers at once)",
        "",
        "CPU milliseconds per call (or per client), the median of batches taken in "
        "turns; each row is compared with the bare botocore figure above it.",
        "",
        *table(["what", "CPU (median)", "min - max", "x bare"], lines),
    ]


def static_section(static: dict[str, Any] | None) -> list[str]:
    if static is None:
        return []
    rows: list[Measured] = static["rows"]
    lines = [
        [
            m.what,
            secs(m.median_s),
            spread(m.min_s, m.max_s),
            f"{m.peak_rss_mb:.0f} MB" if m.peak_rss_mb else "-",
            m.note,
        ]
        for m in rows
    ]
    return [
        "## Scenario 5. Import and code generation",
        "",
        *table(["what", "wall (median)", "min - max", "peak RSS", "note"], lines),
        *[f"- {note}" for note in static["notes"]],
        "",
    ]


METHOD = [
    "How: the latency endpoint (`benchmarks/endpoint/server.py`, asyncio) runs in its own "
    "process pinned to the last core (the client side gets the others); each "
    "approach of each scenario runs in a fresh worker process "
    "(`python -m benchmarks.workers`), so imports, caches and peak RSS are its own. Wall is "
    "the median of the timed runs (min - max beside it); CPU is the worker's process "
    "CPU time (all threads) per run; 'first run' is the first run in the process; "
    "'clients' counts every botocore client the worker created; 'server p99' is the "
    "endpoint's own overhead (request in -> response ready, less the delay).",
    "",
]


def markdown(report: Report) -> str:
    out = ["# Benchmark results", ""]
    out += [f"- {key}: {value}" for key, value in report.header.items()] + [""]
    out += ["## Targets (issue 7)", ""]
    out += table(
        ["target", "limit", "measured", "verdict"],
        ([c.what, c.limit, c.measured, verdict(c.met)] for c in all_checks(report)),
    )
    out += ["![wall time per scenario and approach](results.png)", ""]
    out += METHOD
    out += load_section(report.load)
    out += fanout_sections(report.rows)
    out += cpu_section(report.cpu)
    out += static_section(report.static)
    if report.fleet is not None or any(r.scenario[0] == "6" for r in report.rows):
        out += fleet_section(report.rows, report.fleet or {})
    out += executors_section(report.executors)
    if ANALYSIS.exists():
        out += [ANALYSIS.read_text().rstrip(), ""]
    return "\n".join(out)


def write(report: Report, folder: Path) -> None:
    from benchmarks.report.chart import draw  # matplotlib: only when drawing

    path = folder / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    path.write_text(markdown(report) + "".join(f"\n{s}\n" for s in sections(old)))
    draw(report.rows, folder / "results.png", report.header.get("machine", ""))


# Marked sections (the data and typing scenarios', the chaos notes), kept by every report.
_SECTION = re.compile(r"<!-- ([\w-]+):begin -->.*?<!-- \1:end -->", re.DOTALL)


def sections(text: str) -> list[str]:
    return [m.group(0) for m in _SECTION.finditer(text)]


def write_section(name: str, body: str, results: Path) -> None:
    """``body`` between ``<!-- name:begin -->`` and ``<!-- name:end -->``, in place of
    the section of that name, or at the end."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = f"{begin}\n{body.strip()}\n{end}\n"
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    if begin in old and end in old:
        before, rest = old.split(begin, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        new = before + text + after
    else:
        new = old.rstrip("\n") + "\n\n" + text
    results.write_text(new, encoding="utf-8")


def save_raw(report: Report, path: Path) -> None:
    """Every figure as JSON (for ``--redraw`` and for comparing runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataclasses.asdict(report), indent=1))


def load_raw(path: Path) -> Report:
    raw = json.loads(path.read_text())
    static = raw["static"]
    if static is not None:
        static["rows"] = [Measured(**m) for m in static["rows"]]
    return Report(
        header=raw["header"],
        load=LoadResult(**raw["load"]) if raw["load"] else None,
        rows=[Row(**r) for r in raw["rows"]],
        cpu=raw["cpu"],
        static=static,
        fleet=raw.get("fleet"),
        executors=raw.get("executors"),
    )
