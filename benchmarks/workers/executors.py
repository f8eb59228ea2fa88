"""Worker side of scenario 9 (``scenarios/executors.py``): one approach's runs.

"threads", "processes" and "dask" are multiregion on each executor; "limit" is bare
botocore in N processes with every client made (and used once) beforehand and the
targets split evenly. CPU is read from /proc for this process and all below it, the
endpoint's apart.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from benchmarks.endpoint.regions import all_regions
from benchmarks.workers.approaches import call_safely
from benchmarks.workers.measure import is_ok

THREADS = 64  # calls in flight per process, in every approach
DASK_CHUNKS = (8, 32, 64, 128, 512)
POOL_CHUNKS = (64, 1024, 8192)


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


def measure_executor(spec: dict[str, Any]) -> dict[str, Any]:
    """The runs of the spec's approach (one of ``MEASURES``)."""
    return MEASURES[spec["approach"]](spec)
