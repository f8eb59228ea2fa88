"""The CLI's --rate-limit option and the request totals in its summary."""

from __future__ import annotations

from benchmarks.endpoint.process import EndpointProcess
from tests.helpers import run_cli as cli


def test_summary_counts_requests_and_throttles() -> None:
    # eu-west-1 always throttles: botocore's standard mode tries 3 times, then fails.
    with EndpointProcess(
        "--fixed-delay-ms", "0", "--throttle-regions", "eu-west-1"
    ) as ep:
        done = cli(
            "sqs",
            "list-queues",
            "--regions",
            "us-east-1",
            "eu-west-1",
            "--endpoint-url",
            ep.url,
            "--rate-limit",
            "sqs=100/50",
        )
    assert done.returncode == 1, done.stderr
    assert "2 targets: 1 ok, 1 error, 0 skipped in " in done.stderr
    assert "(4 requests, 3 throttled, " in done.stderr


def test_bad_rate_limit_is_a_usage_error_before_any_call() -> None:
    done = cli(
        "sqs", "list-queues", "--regions", "us-east-1", "--rate-limit", "sqs=fast"
    )
    assert done.returncode == 2
    assert "--rate-limit: rate limit for 'sqs' must be" in done.stderr
    off = cli("sqs", "list-queues", "--regions", "us-east-1", "--rate-limit", "x:y=1/1")
    assert off.returncode == 2 and "'x:y'" in off.stderr
