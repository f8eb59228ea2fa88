"""Scenario 9 (issue 14): one CPU-bound fan-out on threads, a process pool and Dask.

N targets (34 regions x N/34 labels, one account: 34 clients per process, so the
calls, not client creation, are what is measured) at 20 ms each. On 2 cores one
process's CPU bound (N x ~0.6 ms) is well above the latency bound (N / 64 x 20 ms).

Where the endpoint runs: on 2 cores there is no core to spare for it, so it is not
pinned: it shares both cores with the processes under test, in every approach alike,
and its CPU is reported beside theirs. "limit" is bare botocore in N processes with
every client made (and used once) beforehand and the targets split evenly.

Each approach is measured in a fresh process: ``python -m benchmarks.executors SPEC``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from benchmarks.approaches import call_safely
from benchmarks.endpoint_process import EndpointProcess
from benchmarks.regions import all_regions
from benchmarks.scenarios import run_worker
from benchmarks.worker import is_ok

REPO = Path(__file__).resolve().parent.parent
DELAY_MS = 20
PROCESSES = 2
THREADS = 64  # calls in flight per process, in every approach
DASK_CHUNKS = (8, 32, 64, 128, 512)
POOL_CHUNKS = (64, 1024, 8192)
APPROACHES = ("threads", "limit", "processes", "dask")


# --- CPU and memory of processes, from /proc ------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (worker processes, Dask nannies and workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def tree_cpu(exclude: int) -> float:
    """CPU of this process and all below it, except the endpoint's."""
    pids = [os.getpid(), *descendants(os.getpid())]
    return sum(cpu_seconds(pid) for pid in pids if pid != exclude)


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


# --- one measurement, in a fresh process -------------------------------------------------


def bench_regions(n: int) -> list[str]:
    regions = all_regions()
    return [regions[i % len(regions)] for i in range(n)]


def timed_runs(service: Any, spec: dict[str, Any], reps: int) -> list[dict[str, Any]]:
    """Wall, CPU (this tree, and the endpoint's) and arrival times of ``reps`` calls."""
    runs = []
    for _ in range(reps):
        arrivals: list[float] = []  # when each result reached on_result
        traced = service.with_options(
            on_result=lambda _, seen=arrivals: seen.append(time.perf_counter())
        )
        cpu, server = tree_cpu(spec["endpoint_pid"]), cpu_seconds(spec["endpoint_pid"])
        driver = cpu_seconds(os.getpid())
        start = time.perf_counter()
        results = traced.list_queues()
        wall = time.perf_counter() - start
        arrivals = [t - start for t in arrivals]
        runs.append(
            {
                "wall": wall,
                "cpu": tree_cpu(spec["endpoint_pid"]) - cpu,
                "server_cpu": cpu_seconds(spec["endpoint_pid"]) - server,
                "driver_cpu": cpu_seconds(os.getpid()) - driver,
                "ok": sum(r.ok for r in results),
                "first": min(arrivals),
                "p50_arrival": statistics.median(arrivals),
            }
        )
    return runs


def multiregion_service(n: int, **options: Any) -> Any:
    from multiregion import DynamicService, Target

    targets = [
        Target(region=region, label=f"{i}/{region}")
        for i, region in enumerate(bench_regions(n))
    ]
    config = Config(max_pool_connections=THREADS)  # as the limit's clients have
    return DynamicService(
        "sqs", targets=targets, max_workers=THREADS, config=config, **options
    )


def measure_threads(spec: dict[str, Any]) -> dict[str, Any]:
    service = multiregion_service(spec["n"])
    service.list_queues()  # clients made, models loaded
    runs = timed_runs(service, spec, spec["reps"])
    return {"runs": runs, "rss_mb": [peak_rss_mb(os.getpid())]}


def measure_processes(spec: dict[str, Any]) -> dict[str, Any]:
    from multiregion_runtime.engines.processes import ProcessPool

    pool = ProcessPool(spec["processes"])
    service = multiregion_service(spec["n"], executor=pool)
    service.list_queues()  # workers started, their clients made
    runs = timed_runs(service, spec, spec["reps"])
    chunks = []
    for size in POOL_CHUNKS:
        pool.chunk_size = size
        chunks.append({"chunk": size, **timed_runs(service, spec, 1)[0]})
    rss = [peak_rss_mb(os.getpid())] + [peak_rss_mb(p) for p in pool.worker_pids()]
    pool.close()
    return {"runs": runs, "chunks": chunks, "rss_mb": rss}


def dask_task_cost(client: Any, tasks: int, endpoint_pid: int) -> dict[str, float]:
    """Wall and CPU (scheduler, workers, this process) per empty task, in batches."""
    client.gather(client.map(len, [[]] * 100, pure=False))  # warm
    cpu, start = tree_cpu(endpoint_pid), time.perf_counter()
    client.gather(client.map(len, [[]] * tasks, pure=False))
    wall = time.perf_counter() - start
    return {
        "wall_ms": 1e3 * wall / tasks,
        "cpu_ms": 1e3 * (tree_cpu(endpoint_pid) - cpu) / tasks,
    }


def measure_dask(spec: dict[str, Any]) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from multiregion_runtime.engines.dask_cluster import DaskExecutor

    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=spec["processes"],
            threads_per_worker=2,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        task_cost = dask_task_cost(client, 2000, spec["endpoint_pid"])
        service = multiregion_service(spec["n"], executor=DaskExecutor(client))
        service.list_queues()  # workers' clients made
        runs = timed_runs(service, spec, spec["reps"])
        chunks = []
        for size in DASK_CHUNKS:
            sized = service.with_options(executor=DaskExecutor(client, chunk_size=size))
            chunks.append({"chunk": size, **timed_runs(sized, spec, 1)[0]})
        pids = list(client.run(os.getpid).values())
        rss = [peak_rss_mb(os.getpid())] + [peak_rss_mb(p) for p in pids]
    return {"runs": runs, "chunks": chunks, "rss_mb": rss, "task_cost": task_cost}


def _limit_process(share: list[str], barrier: Any, reps: int, oks: Any) -> None:
    """Bare botocore: clients made and used once, then ``reps`` runs between barriers."""
    session = boto3.Session()
    config = Config(
        max_pool_connections=THREADS,
        parameter_validation=False,
        retries={"mode": "standard"},
    )
    clients = {
        r: session.client("sqs", region_name=r, config=config) for r in set(share)
    }
    for client in clients.values():
        client.list_queues()
    with ThreadPoolExecutor(THREADS) as pool:
        for _ in range(reps):
            barrier.wait()
            done = pool.map(lambda r: call_safely(clients[r].list_queues), share)
            oks.put(sum(map(is_ok, done)))
            barrier.wait()


def measure_limit(spec: dict[str, Any]) -> dict[str, Any]:
    regions, count = bench_regions(spec["n"]), spec["processes"]
    context = multiprocessing.get_context("spawn")
    barrier, oks = context.Barrier(count + 1), context.SimpleQueue()
    shares = [regions[i::count] for i in range(count)]
    workers = [
        context.Process(target=_limit_process, args=(share, barrier, spec["reps"], oks))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    runs = []
    for _ in range(spec["reps"]):
        barrier.wait()  # every process has its clients: go
        cpu, server = tree_cpu(spec["endpoint_pid"]), cpu_seconds(spec["endpoint_pid"])
        start = time.perf_counter()
        barrier.wait()  # every process is done
        runs.append(
            {
                "wall": time.perf_counter() - start,
                "cpu": tree_cpu(spec["endpoint_pid"]) - cpu,
                "server_cpu": cpu_seconds(spec["endpoint_pid"]) - server,
                "ok": sum(oks.get() for _ in workers),
            }
        )
    rss = [peak_rss_mb(w.pid) for w in workers if w.pid is not None]
    for worker in workers:
        worker.join()
    return {"runs": runs, "rss_mb": rss}


MEASURES = {
    "threads": measure_threads,
    "limit": measure_limit,
    "processes": measure_processes,
    "dask": measure_dask,
}


def main() -> None:
    spec = json.loads(sys.argv[1])
    os.sched_setaffinity(0, range(os.cpu_count() or 1))  # every core, like the endpoint
    json.dump(MEASURES[spec["approach"]](spec), sys.stdout)


# --- the scenario, run by python -m benchmarks ---------------------------------------


@contextmanager
def every_core() -> Iterator[None]:
    """Unpin (make bench pins itself off the endpoint's core) while the block runs."""
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        yield
    finally:
        os.sched_setaffinity(0, pinned)


def scenario_executors(quick: bool, env: dict[str, str]) -> dict[str, Any]:
    """Scenario 9: every approach on the same targets, the endpoint on every core."""
    from benchmarks.scenarios import progress

    n = 3_400 if quick else 10_200
    reps = 2 if quick else 3
    found: dict[str, Any] = {"n": n, "worker_processes": PROCESSES, "reps": reps}
    with (
        every_core(),
        EndpointProcess(
            "--fixed-delay-ms", str(DELAY_MS), max_seconds=3600
        ) as endpoint,
    ):
        assert endpoint.proc is not None
        for approach in APPROACHES:
            progress(f"9. executors: {approach} ({n} targets)")
            spec = {
                "approach": approach,
                "n": n,
                "reps": reps,
                "processes": PROCESSES,
                "endpoint_pid": endpoint.proc.pid,
            }
            found[approach] = run_worker(
                spec, env, endpoint.url, timeout=1800, module="benchmarks.executors"
            )
    return found


# --- the report's section --------------------------------------------------------------

LABELS = {
    "threads": "threads, 1 process (today's design)",
    "limit": "limit: bare botocore, {p} processes, clients premade",
    "processes": "local process pool, {p} processes",
    "dask": "Dask LocalCluster, {p} worker processes",
}
TARGET_RATIO = {"processes": 1.15, "dask": 1.25}
#: CPU to create one client, amortized in a fan-out (scenario 4 of this report).
CLIENT_CREATION_MS = 2.0


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def approach_cells(name: str, data: dict[str, Any], limit: float) -> list[str]:
    n, p, runs = data["n"], data["worker_processes"], data[name]["runs"]
    walls = sorted(r["wall"] for r in runs)
    wall = statistics.median(walls)
    cpu = 1e3 * median_of(runs, "cpu") / n
    over = cpu - 1e3 * median_of(data["limit"]["runs"], "cpu") / n
    ratio = wall / limit
    target = TARGET_RATIO.get(name)
    verdict = "baseline" if name == "threads" else "-"
    if target is not None:
        verdict = f"<= {target:.2f} x: {'met' if ratio <= target else '**missed**'}"
    rss = " / ".join(f"{mb:.0f}" for mb in data[name]["rss_mb"])
    return [
        LABELS[name].format(p=p),
        f"{ms(wall)} ({ms(walls[0])} - {ms(walls[-1])})",
        f"{ratio:.2f} x",
        verdict,
        f"{cpu:.3f}",
        "-" if name == "limit" else f"{over:+.3f}",
        "-" if name == "limit" else f"{1e3 * (wall - limit) / n:+.3f}",
        f"{1e3 * median_of(runs, 'server_cpu') / n:.3f}",
        rss,
        f"{min(r['ok'] for r in runs)}/{n}",
    ]


def chunk_rows(data: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name in ("processes", "dask"):
        for run in data[name]["chunks"]:
            rows.append(
                [
                    name,
                    str(run["chunk"]),
                    ms(run["wall"]),
                    f"{1e3 * run['cpu'] / data['n']:.3f}",
                    f"{1e3 * run['driver_cpu'] / data['n']:.3f}",
                    ms(run["first"]),
                    ms(run["p50_arrival"]),
                ]
            )
    return rows


def on_paper(data: dict[str, Any]) -> list[str]:
    """300,000 targets on M machines of 8 cores, from this run's per-target CPU."""
    n = data["n"]
    lines = [
        "300,000 targets (10,000 accounts x 30 regions) on M machines of 8 cores, one "
        "worker process per core, from the CPU per target measured above plus "
        f"{CLIENT_CREATION_MS:.0f} ms to create each (account, region) client "
        "(scenario 4), assuming the cores are the bound and 64 calls in flight per "
        "process keep them busy (true above ~100 calls/s per process at 100-250 ms of "
        "latency). The caller's process handles every result itself: its CPU per "
        "target is the floor whatever M is.",
        "",
    ]
    head = ["executor", "CPU per target", "M = 1", "M = 4", "M = 16", "caller's floor"]
    rows = []
    for name in ("processes", "dask"):
        runs = data[name]["runs"]
        per_target = median_of(runs, "cpu") / n + CLIENT_CREATION_MS / 1e3
        driver = median_of(runs, "driver_cpu") / n
        cells = [name, f"{per_target * 1e3:.2f} ms"]
        for machines in (1, 4, 16):
            cores = 8 * machines if name == "dask" or machines == 1 else 8
            cells.append(ms(300_000 * per_target / cores))
        cells.append(ms(300_000 * driver))
        rows.append(cells)
    lines += table(head, rows)
    lines.append(
        "A process pool lives on one machine, so for M > 1 its figure stays that of "
        "one machine; Dask's divides by M until the caller's floor (unpacking each "
        "result) or the scheduler (one task per chunk) is reached. Here Dask's "
        "caller figure includes the LocalCluster's scheduler, which runs in the "
        "caller's process; on a real cluster it has its own machine."
    )
    return lines + [""]


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(r) + " |" for r in rows] + [""]


def section(data: dict[str, Any] | None) -> list[str]:
    """The report's section for scenario 9 (empty if it did not run)."""
    if not data:
        return []
    n, p = data["n"], data["worker_processes"]
    limit = median_of(data["limit"]["runs"], "wall")
    out = [
        f"## Scenario 9. Executors: {n} targets at {DELAY_MS} ms, CPU-bound (issue 14)",
        "",
        f"34 regions x {n // 34} labels, one account (34 clients per process), "
        f"64 calls in flight per process, {data['reps']} timed runs after a warm one. "
        "The endpoint is not pinned: on 2 cores it shares both with the processes "
        "under test, in every approach alike. CPU per target is every process of the "
        "approach (caller, workers, Dask's scheduler and nannies), not the endpoint's, "
        "which has its own column; 'over the limit' is per target. Peak RSS: the "
        "caller's process first, then each worker's.",
        "",
    ]
    head = [
        "approach",
        "wall (median, min - max)",
        "x limit",
        "target",
        "CPU per target (ms)",
        "CPU over the limit (ms)",
        "wall over the limit (ms)",
        "endpoint CPU per target (ms)",
        "peak RSS per process (MB)",
        "ok",
    ]
    rows = [approach_cells(name, data, limit) for name in APPROACHES]
    out += table(head, rows)
    cost = data["dask"]["task_cost"]
    out += [
        f"Dask's own cost per task (2,000 empty tasks, {p} workers): "
        f"{cost['wall_ms']:.2f} ms of wall and {cost['cpu_ms']:.2f} ms of CPU, "
        "about one or two botocore calls: chunks of 64 targets keep it near 3%.",
        "",
        "Chunk size (one run each): CPU per target of all processes and of the "
        "caller alone; when the first result reached ``on_result``; when half of them "
        "had.",
        "",
    ]
    out += table(
        [
            "executor",
            "chunk",
            "wall",
            "CPU per target (ms)",
            "caller CPU per target (ms)",
            "first result",
            "median arrival",
        ],
        chunk_rows(data),
    )
    return out + on_paper(data)


if __name__ == "__main__":
    main()
