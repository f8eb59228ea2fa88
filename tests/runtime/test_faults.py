"""Under faults (hangs, throttling, resets, failures mid-pagination), against the
fault-injection endpoint: bounded time, nothing lost, distinct outcomes, early stop."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from multiregion import DynamicService, Target
from multiregion_runtime.core.deadline import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
)
from multiregion_runtime.core.errors import (
    CancelledError,
    DeadlineExceededError,
    NotStartedError,
)
from multiregion_runtime.engines import threads as _executor
from multiregion_runtime.fanout import client as _multiregion
from tests.faultserver import Fault, FaultServer

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

PAGES = 4  # DescribeLogGroups pages per target, 2 log groups each


@pytest.fixture
def server() -> Iterator[FaultServer]:
    faults = {
        "hang": Fault("hang"),
        "deny": Fault("deny"),
        "throttle": Fault("throttle", times=2, every=3),
        "xmlthrottle": Fault("throttle", times=2, every=3),
        "e500": Fault("error500"),
        "reset": Fault("reset"),
        "slow": Fault("slow", seconds=0.05),
        "failpage": Fault("fail_at_page", page=2, times=1),
        "hangpage": Fault("hang_at_page", page=1, times=1),
    }
    with FaultServer(faults, pages=PAGES) as fault_server:
        yield fault_server


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> _executor._Pool:
    """A pool of 4 threads, as MULTIREGION_POOL_SIZE=4 gives."""
    pool = _executor._Pool(4)
    monkeypatch.setattr(_executor, "_pool", pool)
    return pool


def targets(server: FaultServer, *keys: str, region: str = "us-east-1") -> list[Target]:
    return [
        Target(region=region, endpoint_url=server.url_for(k), label=k) for k in keys
    ]


def sqs(server: FaultServer, *keys: str, **options: object) -> DynamicService:
    return DynamicService("sqs", targets=targets(server, *keys), **options)  # type: ignore[arg-type]


def logs(server: FaultServer, *keys: str, **options: object) -> DynamicService:
    return DynamicService("logs", targets=targets(server, *keys), **options)  # type: ignore[arg-type]


def warm(service: DynamicService) -> DynamicService:
    """``service`` with its clients made, so a short deadline is spent on requests
    (making a client can take a second on a loaded machine)."""
    for target in service.targets:
        service.client_for(target)
    return service


def all_idle(pool: _executor._Pool, within: float = 3.0) -> bool:
    """Whether every thread of ``pool`` is waiting for work (polled up to ``within`` s)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        with pool._lock:
            if pool._idle == len(pool._threads):
                return True
        time.sleep(0.02)
    return False


def settled_pages(server: FaultServer, quiet: float = 0.15, within: float = 3.0) -> int:
    """Pages ``server`` served, once no page came for ``quiet`` s (up to ``within``)."""
    end = time.monotonic() + within
    count = sum(server.pages_served.values())
    while time.monotonic() < end:
        time.sleep(quiet)
        now = sum(server.pages_served.values())
        if now == count:
            break
        count = now
    return count


def group_names(value: object) -> list[str]:
    assert isinstance(value, dict)
    return [g["logGroupName"] for g in value.get("logGroups", [])]


# -- finding 1: deadlines free the workers; a small pool is not starved ---------------


def test_hung_targets_free_their_workers_so_the_next_call_is_answered(
    server: FaultServer, small_pool: _executor._Pool
) -> None:
    hung = warm(sqs(server, "hang-1", "hang-2", "hang-3", "hang-4", timeout=2))
    first = hung.list_queues()
    assert [r.error_code for r in first] == ["DeadlineExceeded"] * 4
    # Each hung attempt ended at the deadline and no retry was sent after it.
    assert [server.requests[f"hang-{i}"] for i in range(1, 5)] == [1, 1, 1, 1]
    assert all_idle(small_pool)  # the 4 workers are back, not blocked for 3 x 60 s
    healthy = sqs(server, "ok-1", "ok-2", "ok-3", timeout=5).list_queues()
    assert healthy.summary() == "3 targets: 3 ok, 0 errors, 0 skipped"


def test_each_attempt_is_cut_at_the_time_left_not_at_the_read_timeout(
    server: FaultServer,
) -> None:
    # The read timeout is 20 s; the socket read still ends at the 2 s deadline.
    result = warm(sqs(server, "hang", "ok", timeout=2)).list_queues()[0]
    assert isinstance(result.error, DeadlineExceededError)
    assert isinstance(result.error.__cause__, ReadTimeoutError)


def test_a_hung_target_does_not_keep_healthy_ones_from_starting(
    server: FaultServer,
) -> None:
    # 4 workers, 4 hung targets first in line, 40 healthy ones behind them: every
    # healthy one is answered before the first hung one is given up on.
    order: list[str | None] = []
    keys = [f"hang-{i}" for i in range(4)] + [f"ok-{i}" for i in range(40)]
    service = sqs(server, *keys, max_workers=4, timeout=5)
    recorded = warm(service).with_options(
        on_result=lambda r: order.append(r.error_code)
    )
    results = recorded.list_queues()
    assert results.summary() == "44 targets: 40 ok, 4 errors, 0 skipped"
    assert order == [None] * 40 + ["DeadlineExceeded"] * 4


def test_targets_waiting_for_rate_limit_tokens_do_not_hold_the_workers(
    server: FaultServer,
) -> None:
    # 4 workers; first 6 targets of one account whose bucket gives a token every 2 s
    # (they wait 0, 2, 4 ... 10 s), then 40 targets of 40 other accounts. Waiting
    # targets are replaced after SLOW_AFTER, so all 40 others answer before the
    # busy account's 3rd target does (at 4 s); the waiting ones used to hold all 4
    # workers until then (busy-0's worker went on to busy-4, which waits 8 s).
    order: list[str] = []

    def at(account: str, label: str) -> Target:
        return Target(
            "us-east-1", endpoint_url=server.url, account_id=account, label=label
        )

    busy = [at("1" * 12, f"busy-{i}") for i in range(6)]
    others = [at(f"{i:012d}", f"other-{i}") for i in range(2, 42)]
    service = DynamicService(
        "sqs", targets=busy + others, max_workers=4, rate_limits={"sqs": (1, 0.5)}
    )
    recorded = warm(service).with_options(
        on_result=lambda r: order.append(r.target.name)
    )
    assert recorded.list_queues().summary() == (
        "46 targets: 46 ok, 0 errors, 0 skipped"
    )
    # the third busy answer, whichever busy target took the third token (a loaded
    # machine may start busy-2 before busy-0)
    third_busy = [i for i, name in enumerate(order) if name.startswith("busy-")][2]
    assert set(order[:third_busy]) >= {t.name for t in others}


def test_per_target_deadlines_at_scale_one_worker() -> None:
    # 200 targets of 25 ms on one worker: 5 s of work, 1.25 s each. The old per-call
    # rule left all but ~50 NotStarted; each target now has its 1.25 s from its start.
    # (The 700 targets at 100 ms under the default 60 s: `python -m benchmarks
    # --scenario deadlines`, 700/700 ok.)
    with FaultServer({"slow": Fault("slow", seconds=0.025)}) as slow:
        # 200 accounts at one endpoint, as a sweep has them: one client, and each
        # account its own rate-limit bucket (one account's SQS bucket would pace 200
        # calls at 10 a second after the first 50)
        url = slow.url_for("slow")
        fleet = [
            Target("us-east-1", endpoint_url=url, account_id=f"{i:012d}")
            for i in range(200)
        ]
        service = DynamicService("sqs", targets=fleet, max_workers=1, timeout=1.25)
        results = warm(service).list_queues()
    assert results.summary() == "200 targets: 200 ok, 0 errors, 0 skipped"


# -- finding 2: a deadline by default, documented values --------------------------------


def test_every_target_has_a_deadline_by_default(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert DEFAULT_TIMEOUT < 3 * 60  # botocore's own worst case: 3 attempts x 60 s
    monkeypatch.setattr(_multiregion, "DEFAULT_TIMEOUT", 2.0)
    results = warm(sqs(server, "hang", "ok")).list_queues()  # no timeout= given
    assert [r.error_code for r in results] == ["DeadlineExceeded", None]
    assert isinstance(results[0].error, DeadlineExceededError)
    assert results[0].error.seconds == 2.0


def test_targets_have_their_deadline_from_their_own_start_not_the_calls(
    server: FaultServer,
) -> None:
    # One worker, 40 targets of 50 ms (2 s of work), timeout 0.5 s each: under the
    # old per-call rule most would be NotStarted; each now has 0.5 s from its start.
    service = sqs(server, *[f"slow-{i}" for i in range(40)], max_workers=1, timeout=0.5)
    results = warm(service).list_queues()
    assert results.summary() == "40 targets: 40 ok, 0 errors, 0 skipped"


def test_attempt_timeouts_default_below_botocores_and_the_callers_config_wins(
    server: FaultServer,
) -> None:
    target = targets(server, "ok")[0]
    config: Any = sqs(server, "ok").client_for(target).meta.config
    assert (config.connect_timeout, config.read_timeout) == (
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_READ_TIMEOUT,
    )
    mine = DynamicService("sqs", targets=[target], config=Config(read_timeout=3))
    config = mine.client_for(target).meta.config
    assert (config.connect_timeout, config.read_timeout) == (DEFAULT_CONNECT_TIMEOUT, 3)


# -- finding 3: not started, timed out in flight, failed ---------------------------------


def test_not_started_timed_out_and_failed_are_different_errors(
    server: FaultServer,
) -> None:
    # NotStarted needs a whole-call deadline= now (timeout= bounds each target): one
    # worker, 100 targets of 50 ms each (5 s of work) behind a hung one, 1.5 s.
    keys = ["hang"] + [f"slow-{i}" for i in range(100)]
    service = sqs(server, *keys, max_workers=1, deadline=1.5)
    results = warm(service).list_queues()
    in_flight, *rest = results
    assert isinstance(in_flight.error, DeadlineExceededError)
    assert in_flight.error_code == "DeadlineExceeded"
    assert "timed out in flight: deadline of 1.5 s" in str(in_flight.error)
    never = rest[-1]
    assert isinstance(never.error, NotStartedError)
    assert never.error_code == "NotStarted"
    assert (
        str(never.error)
        == "not started: the deadline of 1.5 s passed before this target's turn"
    )
    assert server.requests[never.target.label or ""] == 0
    failed = sqs(server, "deny").list_queues()[0]
    assert isinstance(failed.error, ClientError)
    assert failed.error_code == "AccessDeniedException"


def test_throttled_then_answered_targets_succeed_in_both_protocols(
    server: FaultServer,
) -> None:
    json_value = sqs(server, "throttle").list_queues()[0].unwrap()
    assert json_value["ResponseMetadata"]["RetryAttempts"] == 2
    xml = DynamicService("sts", targets=targets(server, "xmlthrottle"))
    xml_value = xml.get_caller_identity()[0].unwrap()
    assert xml_value["ResponseMetadata"]["RetryAttempts"] == 2


def test_resets_and_500s_are_labelled_failures_and_lose_no_other_target(
    server: FaultServer,
) -> None:
    results = sqs(server, "reset", "e500", "ok", timeout=20).list_queues()
    assert results[0].error is not None and results[0].error_code is None
    assert type(results[0].error).__name__ == "ConnectionClosedError"
    assert results[1].error_code == "InternalFailure"
    assert results[2].ok
    assert (
        server.requests["e500"] == 3
    )  # botocore's standard retries, within the deadline


# -- finding 4: pages kept, resumed at the page that failed ------------------------------


def test_a_page_failing_keeps_earlier_pages_and_resumes_exactly_there(
    server: FaultServer,
) -> None:
    service = logs(server, "failpage", "fine")
    first = service.paginate("DescribeLogGroups")
    failed, fine = first
    assert failed.error_code == "AccessDeniedException"
    assert group_names(failed.value) == [
        f"failpage-{p}-{i}" for p in (0, 1) for i in (0, 1)
    ]
    assert len(group_names(fine.value)) == 2 * PAGES
    assert "NextToken" not in fine.unwrap()
    tokens = first.resume_tokens()
    assert list(tokens) == [failed.target]
    rest = service.paginate("DescribeLogGroups", starting_tokens=tokens)
    assert rest.summary() == "1 target: 1 ok, 0 errors, 0 skipped"
    every = group_names(failed.value) + group_names(rest[0].value)
    assert every == [f"failpage-{p}-{i}" for p in range(PAGES) for i in (0, 1)]


def test_a_page_timing_out_keeps_earlier_pages_and_resumes_exactly_there(
    server: FaultServer,
) -> None:
    results = warm(logs(server, "hangpage", timeout=2)).paginate("DescribeLogGroups")
    first = results[0]
    assert isinstance(first.error, DeadlineExceededError)
    assert group_names(first.value) == ["hangpage-0-0", "hangpage-0-1"]
    resumed = logs(server, "hangpage").paginate(
        "DescribeLogGroups", starting_tokens=results.resume_tokens()
    )[0]
    assert resumed.ok
    every = group_names(first.value) + group_names(resumed.value)
    assert every == [f"hangpage-{p}-{i}" for p in range(PAGES) for i in (0, 1)]


# -- finding 5: leaving an iter_ loop stops the fan-out ----------------------------------


@pytest.mark.parametrize("leave", ["break", "exception", "close"])
def test_leaving_an_items_loop_stops_fetching_and_frees_the_workers(
    leave: str, small_pool: _executor._Pool
) -> None:
    keys = [f"slow-{i}" for i in range(6)]
    # Relative to the threads alive before: other modules' servers and pools may live.
    threads_before = threading.active_count()
    with FaultServer({"slow": Fault("slow", seconds=0.05)}, pages=30) as slow:
        items = logs(slow, *keys, max_workers=2, timeout=30).items("DescribeLogGroups")
        if leave == "break":
            for _ in items:
                break
        elif leave == "exception":
            with pytest.raises(KeyError):
                for _ in items:
                    raise KeyError("the caller's own error")
        else:
            iterator = iter(items)
            next(iterator)
            iterator.close()  # type: ignore[attr-defined]
        assert all_idle(small_pool)
        served = settled_pages(slow)  # a request sent before the loop left may land
        time.sleep(0.3)
        assert sum(slow.pages_served.values()) == served  # nothing fetched meanwhile
        assert served < 30  # 2 workers x a few pages each, not 6 targets x 30 pages
        assert all(slow.requests[k] == 0 for k in keys[2:])  # never started
    # at most the small pool's 4 (idle) threads more: the fan-out's own has ended
    assert threading.active_count() <= threads_before + len(small_pool._threads)


def test_close_on_items_before_the_end_stops_the_fan_out() -> None:
    with FaultServer({"slow": Fault("slow", seconds=0.05)}, pages=30) as slow:
        items = logs(slow, "slow-1", "slow-2", max_workers=2).items("DescribeLogGroups")
        iterator = iter(items)
        next(iterator)
        items.close()
        with pytest.raises(ExceptionGroup) as raised:
            list(iterator)
        errors = [getattr(e, "error", None) for e in raised.value.exceptions]
        assert errors and all(
            isinstance(e, (CancelledError, NotStartedError)) for e in errors
        )
        assert sum(slow.pages_served.values()) < 30  # of 2 x 30


# -- finding 7 (the library's part): bad numbers and URLs are refused before sending ----


@pytest.mark.parametrize("option", ["timeout", "deadline"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, 0])
def test_non_finite_or_non_positive_timeouts_are_refused(
    option: str, bad: float
) -> None:
    with pytest.raises(
        ValueError, match=f"{option} must be a finite number of seconds above 0"
    ):
        DynamicService("sqs", regions=["us-east-1"], **{option: bad})
    with pytest.raises(ValueError, match=f"{option} must be a finite number"):
        DynamicService("sqs", regions=["us-east-1"]).with_options(**{option: bad})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1", "is not a valid URL"),
        ("ftp://user:pw@127.0.0.1", "has scheme 'ftp'; only http and https"),
        ("127.0.0.1:5000", "only http and https"),
        ("http://", "has no valid host"),
    ],
)
def test_malformed_urls_and_other_schemes_are_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        Target(region="us-east-1", endpoint_url=url)
    assert "pw" not in str(raised.value)
