"""The benchmarks' latency endpoint answers real boto3 calls the way AWS would.

It runs in its own process on loopback, as ``make bench`` runs it. Timing checks
compare lower bounds only (a sleep never ends early), so a busy machine cannot make
them fail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from benchmarks.endpoint import server
from benchmarks.endpoint.process import EndpointProcess

FAST, SLOW = "us-east-1", "eu-west-1"
SLOW_DELAY_S = 0.3
DENIED, THROTTLED = "eu-west-2", "eu-west-3"
# One attempt: a throttled call must surface as its ClientError, not be retried.
ONE_ATTEMPT = Config(retries={"mode": "standard", "max_attempts": 1})

Call = Callable[[str, str], Any]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[EndpointProcess]:
    args = [
        "--region-delay",
        f"{FAST}=0",
        "--region-delay",
        f"{SLOW}={SLOW_DELAY_S * 1000:.0f}",
        "--error-regions",
        DENIED,
        "--throttle-regions",
        THROTTLED,
    ]
    with EndpointProcess(*args, max_seconds=120) as running:
        yield running


@pytest.fixture
def call(endpoint: EndpointProcess) -> Call:
    """``call(service, region)``: SQS ListQueues or STS GetCallerIdentity there."""
    session = boto3.Session()

    def call_in(service: str, region: str) -> Any:
        client: Any = session.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=endpoint.url,
            config=ONE_ATTEMPT,
        )
        if service == "sqs":
            return client.list_queues()
        return client.get_caller_identity()

    return call_in


def test_sqs_list_queues_answers_in_json(call: Call) -> None:
    reply = call("sqs", SLOW)
    assert reply["QueueUrls"][0].startswith(f"https://sqs.{SLOW}.amazonaws.com/")
    assert reply["ResponseMetadata"]["HTTPHeaders"]["x-bench-region"] == SLOW


def test_sts_get_caller_identity_answers_in_xml(call: Call) -> None:
    reply = call("sts", FAST)
    assert len(reply["Account"]) == 12 and reply["Account"].isdigit()
    assert reply["Arn"] == f"arn:aws:iam::{reply['Account']}:user/bench"


def test_distinct_access_keys_are_distinct_accounts(endpoint: EndpointProcess) -> None:
    accounts = set()
    for key in ("BENCHKEY01", "BENCHKEY02"):
        session = boto3.Session(aws_access_key_id=key, aws_secret_access_key="fake")
        sts = session.client("sts", region_name=FAST, endpoint_url=endpoint.url)
        accounts.add(sts.get_caller_identity()["Account"])
    assert len(accounts) == 2


def elapsed(call: Call, service: str, region: str) -> float:
    start = time.perf_counter()
    call(service, region)
    return time.perf_counter() - start


@pytest.mark.parametrize("service", ["sqs", "sts"])
def test_delay_follows_the_signing_region(call: Call, service: str) -> None:
    call(service, FAST)  # connect first, so both regions are timed on warm clients
    fast = min(elapsed(call, service, FAST) for _ in range(3))
    slow = min(elapsed(call, service, SLOW) for _ in range(3))
    assert slow >= SLOW_DELAY_S  # the delay is a floor: a sleep never ends early
    # The fastest of three 0 ms calls stays far below 300 ms even on a busy machine.
    assert slow - fast >= SLOW_DELAY_S / 2


@pytest.mark.parametrize(
    ("service", "region", "status", "code"),
    [
        ("sqs", DENIED, 403, "UnrecognizedClientException"),
        ("sts", DENIED, 403, "InvalidClientTokenId"),
        ("sqs", THROTTLED, 400, "ThrottlingException"),
        ("sts", THROTTLED, 400, "Throttling"),
    ],
)
def test_error_and_throttling_modes(
    call: Call, service: str, region: str, status: int, code: str
) -> None:
    with pytest.raises(ClientError) as raised:
        call(service, region)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_stats_count_requests_from_a_reset(
    endpoint: EndpointProcess, call: Call
) -> None:
    endpoint.stats(reset=True)
    # Nothing since the reset, and asking for the figures is not a request.
    assert endpoint.stats(reset=True)["requests"] == 0
    call("sqs", FAST)
    call("sts", FAST)
    after = endpoint.stats()
    assert after["requests"] == 2
    assert after["distinct_access_keys"] == 1


class StoppedClock:
    """``time.perf_counter`` that moves only when the endpoint sleeps: each
    request's work then takes no time, and its delay exactly what it asked."""

    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await REAL_SLEEP(0)


REAL_SLEEP = asyncio.sleep


def test_overhead_leaves_out_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint's overhead figure is its own time per request: a 300 ms delay
    must not show in it (``make bench`` reports it to show the endpoint is not the
    bottleneck)."""
    clock = StoppedClock()
    stopped = SimpleNamespace(
        perf_counter=clock.perf_counter,
        monotonic=time.monotonic,
        process_time=time.process_time,
    )
    monkeypatch.setattr(server, "time", stopped)
    monkeypatch.setattr(asyncio, "sleep", clock.sleep)  # the server awaits it
    scope = f"Credential=AKIDBENCH/20261203/{SLOW}/sqs/aws4_request"
    headers = {
        "authorization": f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0",
        "x-amz-target": "AmazonSQS.ListQueues",
    }
    config = server.EndpointConfig(region_delay_ms={SLOW: SLOW_DELAY_S * 1000})

    async def two_requests() -> dict[str, float | int]:
        endpoint = server.Endpoint(config)
        for _ in range(2):
            reply = await endpoint.respond(server.Request("POST", "/", headers, b"{}"))
            assert reply.startswith(b"HTTP/1.1 200 ")
        return endpoint.stats.as_dict()

    stats = asyncio.run(two_requests())
    assert clock.now == pytest.approx(1000.0 + 2 * SLOW_DELAY_S)  # both slept
    assert stats["requests"] == 2
    assert stats["overhead_max_ms"] == 0.0


def test_endpoint_stops_by_itself_after_its_request_budget() -> None:
    with EndpointProcess("--max-requests", "1", max_seconds=30) as bounded:
        sqs = boto3.client("sqs", region_name=FAST, endpoint_url=bounded.url)
        sqs.list_queues()
        assert bounded.proc is not None
        assert bounded.proc.wait(timeout=10) == 0
