"""The same calls on a local process pool and on a Dask LocalCluster as on threads.

Workers are separate processes, so AWS is a moto server (and the latency endpoint of
``make bench``) in its own process on loopback. One pool and one cluster of 2 worker
processes serve the whole module (the fixture is parametrised: pytest runs every
test on the pool, then every test on the cluster).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from benchmarks.endpoint.process import EndpointProcess
from benchmarks.endpoint.regions import all_regions
from multiregion_runtime import (
    DynamicService,
    StaticCredentials,
    Target,
    TargetResult,
    TargetResults,
)
from multiregion_runtime.core.errors import DeadlineExceededError
from multiregion_runtime.engines import processes
from multiregion_runtime.engines.base import Executor
from multiregion_runtime.engines.choose import executor_from
from multiregion_runtime.engines.dask_cluster import DaskExecutor
from multiregion_runtime.engines.processes import ProcessPool
from multiregion_runtime.engines.work import WorkerLostError

from ..faultserver import Fault, FaultServer
from ..helpers import FAKE_KEY_ID, FAKE_SECRET, moto_process

REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"]
FAST, SLOW = ["us-east-1", "us-east-2", "us-west-2"], "eu-west-1"
SLOW_MS = 2500
ROLE = "arn:aws:iam::111111111111:role/auditor"


def worker_env(folder: Path) -> dict[str, str]:
    """What the workers run with: fake keys, no AWS configuration of this machine."""
    return {
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(folder / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
    }


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with moto_process() as url:
        yield url


@pytest.fixture(scope="module")
def latency() -> Iterator[str]:
    """The bench endpoint: a few fast regions, one slow, every other at 1.5 s."""
    delays = [f"{r}=0" for r in FAST] + [f"{SLOW}={SLOW_MS}"]
    args = [arg for d in delays for arg in ("--region-delay", d)]
    with EndpointProcess(*args, "--fixed-delay-ms", "1500", max_seconds=600) as ep:
        yield ep.url


@pytest.fixture(scope="module", params=["processes", "dask"])
def executor(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Executor]:
    env = worker_env(tmp_path_factory.mktemp("worker-aws"))
    if request.param == "processes":
        saved = dict(os.environ)
        os.environ.update(env)  # the pool's workers start with this environment
        pool = ProcessPool(2)
        try:
            pool.worker_pids()  # nothing started yet: workers start on first use
            yield pool
        finally:
            pool.close()
            os.environ.clear()
            os.environ.update(saved)
        return
    from distributed import Client, LocalCluster

    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2,
            threads_per_worker=2,
            processes=True,
            dashboard_address=None,
            env=env,
        ) as cluster,
        Client(cluster) as dask,  # type: ignore[no-untyped-call]
    ):
        dask.wait_for_workers(2)  # both registered before the first test
        yield DaskExecutor(dask, chunk_size=4)


def client(service: DynamicService, region: str, url: str) -> Any:
    """The boto3 client this process uses for (region, url), to set up data."""
    return service.client_for(Target(region=region, endpoint_url=url))


def sqs_on(url: str, regions: list[str] = REGIONS) -> DynamicService:
    return DynamicService(
        "sqs", targets=[Target(region=r, endpoint_url=url) for r in regions]
    )


def comparable(result: TargetResult[Any]) -> tuple[Any, ...]:
    """What must match between executors (request ids and dates may not)."""
    value = result.value
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "ResponseMetadata"}
    error = result.error
    return (
        result.target,
        value,
        # modeled exception classes are made per client: equal by name, not identity
        type(error).__qualname__,
        result.error_code,
        str(error) if not isinstance(error, ClientError) else None,
        result.skipped,
    )


def test_results_equal_those_of_threads(moto: str, executor: Executor) -> None:
    sqs = sqs_on(moto)
    for region in REGIONS[:2]:
        client(sqs, region, moto).create_queue(QueueName=f"eq-{region}")
    remote = sqs.with_options(executor=executor)
    calls: tuple[Callable[[DynamicService], TargetResults[Any]], ...] = (
        lambda s: s.list_queues(QueueNamePrefix="eq-"),
        lambda s: s.get_queue_url(QueueName=f"eq-{REGIONS[0]}"),
        lambda s: s.with_options(
            ignore_error_codes=["AWS.SimpleQueueService.NonExistentQueue"]
        ).get_queue_url(QueueName=f"eq-{REGIONS[1]}"),
    )
    on_threads = [call(sqs) for call in calls]
    made_here = sqs.clients_created
    for call, here in zip(calls, on_threads, strict=True):
        there = call(remote)
        assert type(there) is type(here)
        assert [comparable(r) for r in there] == [comparable(r) for r in here]
    failed = remote.get_queue_url(QueueName="missing")
    # botocore's modeled exception class, rebuilt here from the worker's response
    assert all(type(r.error).__name__ == "QueueDoesNotExist" for r in failed)
    assert sqs.clients_created == made_here  # the remote calls made no client here


def test_executor_per_object_or_per_call(moto: str, executor: Executor) -> None:
    per_object = DynamicService(
        "sqs",
        targets=[Target(region="us-east-1", endpoint_url=moto)],
        executor=executor,
    )
    assert per_object.list_queues()[0].ok
    assert per_object.clients_created == 0  # the call ran in a worker
    threads = per_object.with_options(executor="threads")
    assert threads.list_queues()[0].ok and threads.clients_created == 1


def test_pagination_items_and_resume_tokens(moto: str, executor: Executor) -> None:
    sqs = sqs_on(moto)
    eu = client(sqs, "eu-west-1", moto)
    for i in range(5):
        eu.create_queue(QueueName=f"page-{i}")
    remote = sqs.with_options(executor=executor)
    here = sqs.paginate("list_queues", QueueNamePrefix="page-", page_size=2)
    there = remote.paginate("list_queues", QueueNamePrefix="page-", page_size=2)
    assert [comparable(r) for r in there] == [comparable(r) for r in here]
    assert len(there.by_region()["eu-west-1"].unwrap()["QueueUrls"]) == 5
    items = remote.items("list_queues", QueueNamePrefix="page-", page_size=2)
    got = sorted((i.target.region, i.value) for i in items)
    assert [region for region, _ in got] == ["eu-west-1"] * 5
    assert items.results is not None and len(items.results) == 3
    capped = remote.paginate(
        "list_queues", QueueNamePrefix="page-", page_size=2, max_items=3
    )
    tokens = capped.resume_tokens()
    assert [t.region for t in tokens] == ["eu-west-1"]
    rest = remote.paginate(
        "list_queues", QueueNamePrefix="page-", starting_tokens=tokens
    )
    assert len(rest[0].unwrap()["QueueUrls"]) == 2


def test_items_stream_into_arrow_from_the_workers(
    moto: str, executor: Executor
) -> None:
    sqs = sqs_on(moto)
    us = client(sqs, "us-east-1", moto)
    for i in range(5):
        us.create_queue(QueueName=f"stream-{i}")
    made_here = sqs.clients_created
    remote = sqs.with_options(executor=executor)
    items = remote.items("list_queues", QueueNamePrefix="stream-", page_size=2)
    table = items.to_arrow()  # the stream runs on the executor, page by page
    assert sorted(table.column("target_region").to_pylist()) == ["us-east-1"] * 5
    assert sorted(table.column("value").to_pylist()) == sorted(
        us.list_queues(QueueNamePrefix="stream-")["QueueUrls"]
    )
    assert sqs.clients_created == made_here  # no client made here for it


def test_waiter_runs_in_the_workers(moto: str, executor: Executor) -> None:
    target = Target(region="us-east-1", endpoint_url=moto)
    s3 = DynamicService("s3", targets=[target])
    client(s3, "us-east-1", moto).create_bucket(Bucket="waited-for")
    remote = s3.with_options(executor=executor)
    assert remote.wait("bucket_exists", Bucket="waited-for")[0].ok
    missing = remote.wait("bucket_exists", Bucket="absent", delay=1, max_attempts=1)
    here = s3.wait("bucket_exists", Bucket="absent", delay=1, max_attempts=1)
    assert type(missing[0].error) is type(here[0].error)  # WaiterError
    assert "Max attempts exceeded" in str(missing[0].error)


def test_roles_are_assumed_on_the_workers(moto: str, executor: Executor) -> None:
    targets = [Target(region=r, endpoint_url=moto, role_arn=ROLE) for r in REGIONS]
    sts = DynamicService("sts", targets=targets, executor=executor)
    identities = sts.get_caller_identity().raise_for_errors().values()
    assert {i["Account"] for i in identities} == {"111111111111"}
    assert all(":assumed-role/auditor/" in i["Arn"] for i in identities)
    assert sts.clients_created == 0  # no session, client or STS call in this process


def test_a_fast_region_arrives_before_a_slow_one_finishes(
    latency: str, executor: Executor
) -> None:
    arrived: list[str] = []
    sqs = sqs_on(latency, [SLOW, *FAST]).with_options(
        executor=executor, on_result=lambda r: arrived.append(r.region)
    )
    results = sqs.list_queues().raise_for_errors()
    assert [r.region for r in results] == [SLOW, *FAST]  # target order, as ever
    assert arrived[-1] == SLOW and sorted(arrived[:-1]) == sorted(FAST)


def test_a_worker_labels_a_target_at_its_own_deadline_and_is_free_again(
    latency: str, executor: Executor
) -> None:
    # The slow region answers after 2.5 s; each target has 1 s and the call has no
    # deadline, so the caller waits for every answer: only the worker, enforcing the
    # target's deadline where it runs, can label it (else it would come back ok).
    sqs = sqs_on(latency, [SLOW, *FAST]).with_options(executor=executor, timeout=1)
    results = sqs.list_queues()
    slow, *fast = results
    assert slow.error_code == "DeadlineExceeded"
    assert isinstance(slow.error, DeadlineExceededError)
    assert slow.error.seconds == 1
    assert all(r.ok for r in fast), results.errors()
    again = sqs_on(latency, FAST).with_options(executor=executor).list_queues()
    assert (
        again.summary() == f"{len(FAST)} targets: {len(FAST)} ok, 0 errors, 0 skipped"
    )


def test_a_slow_target_does_not_hold_a_worker_process_s_only_thread(
    latency: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One worker process, one thread per run (max_workers=1), the slow region first:
    # a second after it started, it no longer counts, and the fast regions run.
    for name, value in worker_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    pool = ProcessPool(1)
    arrived: list[str] = []
    try:
        sqs = sqs_on(latency, [SLOW, *FAST]).with_options(
            executor=pool, max_workers=1, on_result=lambda r: arrived.append(r.region)
        )
        results = sqs.list_queues()
    finally:
        pool.close()
    assert all(r.ok for r in results), results.errors()
    assert arrived[-1] == SLOW and sorted(arrived[:-1]) == sorted(FAST)


def test_a_killed_worker_loses_no_target(latency: str, executor: Executor) -> None:
    regions = [r for r in all_regions() if r not in FAST and r != SLOW][:12]
    sqs = sqs_on(latency, regions).with_options(executor=executor)
    sqs.list_queues()  # workers up and their clients made
    victim = worker_pids(executor)[0]
    killer = threading.Timer(
        0.5, os.kill, (victim, signal.SIGKILL)
    )  # mid-run: 1.5 s each
    killer.start()
    results = sqs.list_queues()
    killer.join()
    assert victim not in worker_pids(executor)
    assert [r.region for r in results] == regions
    assert all(r.ok for r in results), results.errors()


def test_lost_targets_come_back_labelled_without_retries(latency: str) -> None:
    pool = ProcessPool(2, retries=0)
    try:
        slow_regions = [r for r in all_regions() if r not in FAST and r != SLOW]
        sqs = sqs_on(latency, slow_regions[:8]).with_options(executor=pool)
        sqs.list_queues()
        victim = pool.worker_pids()[0]
        threading.Timer(0.5, os.kill, (victim, signal.SIGKILL)).start()
        results = sqs.list_queues()
    finally:
        pool.close()
    assert len(results) == 8
    lost = [r for r in results if not r.ok]
    assert lost and all(isinstance(r.error, WorkerLostError) for r in lost)
    assert [r.region for r in results] == slow_regions[:8]  # every target back


def fault_sqs(
    server: FaultServer, keys: list[str], pool: ProcessPool, timeout: float = 2
) -> Any:
    """SQS on one fault-server key per target, on ``pool``."""
    targets = [Target(region="us-east-1", endpoint_url=server.url_for(k)) for k in keys]
    return DynamicService("sqs", targets=targets).with_options(
        executor=pool, timeout=timeout
    )


def requested(server: FaultServer, keys: list[str]) -> None:
    """Wait until each key has had a request (the worker started every target)."""
    waited = time.monotonic() + 10
    while not all(server.requests[k] for k in keys):
        assert time.monotonic() < waited, "the worker did not start its targets"
        time.sleep(0.01)


def in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """``call()`` started in a thread, and where its return value will be."""
    returned: list[Any] = []
    thread = threading.Thread(target=lambda: returned.append(call()), daemon=True)
    thread.start()
    return thread, returned


@pytest.fixture
def quick_watchdog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers with fake keys; a wedged one is killed timeout + 0.5 + 0.5 s after
    its last word (a worker's start, ~0.3 s, still fits in that margin)."""
    for name, value in worker_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(processes, "SILENCE_MARGIN", 0.5)


@pytest.mark.usefixtures("quick_watchdog")
@pytest.mark.parametrize("retries", [1, 0])
def test_a_stopped_worker_is_killed_and_its_targets_answered_without_a_deadline(
    retries: int, caplog: pytest.LogCaptureFixture
) -> None:
    # Each key's first request hangs, a second answers at once. The worker is stopped
    # once every target has sent its request: it will never answer, nor label them
    # at their 2 s timeout, and the call has no deadline= of its own.
    keys = [f"wedge-{i}" for i in range(4)]
    pool = ProcessPool(1, retries=retries)
    with FaultServer({"wedge": Fault("hang", times=1)}) as server:
        try:
            fault_sqs(server, ["up"], pool).list_queues().raise_for_errors()
            victim = pool.worker_pids()[0]
            with caplog.at_level(logging.WARNING, logger="multiregion"):
                call, returned = in_thread(fault_sqs(server, keys, pool).list_queues)
                requested(server, keys)
                os.kill(victim, signal.SIGSTOP)
                call.join(30)  # killed after 3 s of silence, then sent again
            if call.is_alive():  # the caller would wait for ever: end it, and fail
                os.kill(victim, signal.SIGKILL)
        finally:
            pool.close()
    assert returned, "the caller still waits for the stopped worker"
    results = returned[0]
    assert victim not in pool.worker_pids()
    assert f"(pid {victim})" in caplog.text and "killed as wedged" in caplog.text
    assert [r.target.endpoint_url for r in results] == [server.url_for(k) for k in keys]
    if retries:
        assert all(r.ok for r in results), results.errors()
        assert all(server.requests[k] == 2 for k in keys)  # sent again, once
    else:
        assert all(isinstance(r.error, WorkerLostError) for r in results), results


@pytest.mark.usefixtures("quick_watchdog")
@pytest.mark.parametrize("targets", [3, 24], ids=["inbox-has-room", "inbox-full"])
def test_a_slow_consumer_gets_no_healthy_worker_killed(
    targets: int, caplog: pytest.LogCaptureFixture
) -> None:
    # Run A's consumer sleeps on its first result for longer than the 2 s limit of
    # silence (1 s timeout): its worker's outcomes wait in A's inbox. With 24
    # targets, more than the inbox holds, the worker's reader waits for A too, so
    # run B, on the same worker, hears nothing meanwhile. Not the worker's fault.
    a_keys = [f"run-a-{i}" for i in range(targets)]
    pool = ProcessPool(1)
    with FaultServer() as server:
        try:
            fault_sqs(server, ["up"], pool).list_queues().raise_for_errors()
            pids = pool.worker_pids()
            first = threading.Event()

            def slow_consumer(_: TargetResult[Any]) -> None:
                if not first.is_set():
                    first.set()
                    time.sleep(2.5)

            slow = fault_sqs(server, a_keys, pool, timeout=1).with_options(
                on_result=slow_consumer
            )
            with caplog.at_level(logging.WARNING, logger="multiregion"):
                a, a_returned = in_thread(slow.list_queues)
                assert first.wait(10)
                requested(server, a_keys)
                time.sleep(0.3)  # their outcomes reach the reader before B's
                idle = fault_sqs(server, ["run-b"], pool, timeout=1)
                b, b_returned = in_thread(idle.list_queues)
                a.join(30)
                b.join(30)
            assert pool.worker_pids() == pids
        finally:
            pool.close()
    assert "wedged" not in caplog.text
    assert a_returned and all(r.ok for r in a_returned[0]), a_returned
    assert b_returned and all(r.ok for r in b_returned[0]), b_returned


def worker_pids(executor: Executor) -> list[int]:
    if isinstance(executor, ProcessPool):
        return executor.worker_pids()
    assert isinstance(executor, DaskExecutor)
    deadline = time.monotonic() + 30
    while True:  # a killed worker is restarted by its nanny: wait for both
        pids = list(executor.client().run(os.getpid).values())
        if len(pids) == 2 or time.monotonic() > deadline:
            return pids
        time.sleep(0.2)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("processes:0", "must be >= 1"),
        ("process:2", "'threads', 'processes'"),
        ("tcp://scheduler", "'tcp://host:port'"),
        ("dask://scheduler:99999", "out of range"),
        ("http://scheduler:8786", "'tcp://host:port'"),
        (42, "executor must be"),
    ],
)
def test_bad_executor_specs_fail_before_any_request(spec: Any, message: str) -> None:
    calls: list[object] = []
    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-call", lambda **kw: calls.append(kw))
    with pytest.raises((ValueError, TypeError), match=message):
        DynamicService("sqs", regions=REGIONS, session=session, executor=spec)
    sqs = DynamicService("sqs", regions=REGIONS, session=session)
    with pytest.raises((ValueError, TypeError), match=message):
        sqs.with_options(executor=spec)
    assert calls == []


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ProcessPool(0), "processes must be a positive integer, got 0"),
        (lambda: ProcessPool(2, chunk_size=0), "chunk_size must be a positive"),
        (lambda: ProcessPool(2, retries=-1), "retries must be an integer >= 0"),
        (
            lambda: DaskExecutor("tcp://127.0.0.1:1", chunk_size=True),
            "chunk_size must be a positive integer, got True",
        ),
        (
            lambda: DaskExecutor("tcp://127.0.0.1:1", retries=-1),
            "retries must be an integer >= 0, got -1",
        ),
    ],
)
def test_bad_executor_arguments_are_refused_before_anything_starts(
    make: Callable[[], Executor], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_specs_name_one_shared_executor() -> None:
    pool = executor_from("processes:3")
    assert isinstance(pool, ProcessPool) and pool.processes == 3
    assert executor_from("processes:3") is pool  # one pool, however often named
    assert executor_from("threads") is None and executor_from(None) is None
    dask = executor_from("dask://127.0.0.1:8786")
    assert isinstance(dask, DaskExecutor) and dask.address == "tcp://127.0.0.1:8786"


def test_static_credentials_travel_to_dask_only_when_allowed(moto: str) -> None:
    keys = StaticCredentials(FAKE_KEY_ID, FAKE_SECRET)
    target = Target(region="us-east-1", endpoint_url=moto, credentials=keys)
    dask = DaskExecutor("tcp://127.0.0.1:1")  # never reached: refused before
    sqs = DynamicService("sqs", targets=[target], executor=dask)
    with pytest.raises(ValueError, match="send_credentials=True") as refused:
        sqs.list_queues()
    assert FAKE_SECRET not in str(refused.value)


def test_importing_a_service_does_not_import_dask() -> None:
    # Naming a scheduler does not import it either: only the first call does.
    code = (
        "import sys, multiregion.ec2, multiregion.sqs;"
        "multiregion.sqs.MultiRegionSQS(regions=['us-east-1'], executor='tcp://h:1');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
