"""The command line under faults: timeouts, bad numbers and URLs, a reader that goes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.faultserver import Fault, FaultServer
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    """us-east-1 answers; eu-west-1 is denied; ap-south-1 hangs."""
    faults = {"eu-west-1": Fault("deny"), "ap-south-1": Fault("hang")}
    with FaultServer(faults) as fault_server:
        yield fault_server


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--no-progress")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "inf"], "--timeout must be a finite number of seconds above 0"),
        (["--timeout", "nan"], "--timeout must be a finite number"),
        (["--deadline", "0"], "--deadline must be a finite number of seconds above 0"),
        (["--cli-read-timeout", "inf"], "--cli-read-timeout must be a finite number"),
        (["--cli-connect-timeout", "-1"], "--cli-connect-timeout must be a finite"),
        (["--endpoint-url", "http://[::1"], "'http://[::1' is not a valid URL"),
        (["--endpoint-url", "ftp://127.0.0.1"], "only http and https are supported"),
    ],
)
def test_bad_numbers_and_urls_exit_2_with_one_clear_line(
    args: list[str], message: str
) -> None:
    done = cli("sqs", "list-queues", "--regions", "us-east-1", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_timeout_is_the_deadline_of_each_target(server: FaultServer) -> None:
    regions = ["--regions", "us-east-1", "ap-south-1", "--endpoint-url", server.url]
    done = cli("sqs", "list-queues", *regions, "--timeout", "3")
    assert done.returncode == 1
    assert "error ap-south-1: DeadlineExceeded: timed out in flight" in done.stderr
    assert "1 ok, 1 error" in done.stderr


def test_deadline_bounds_the_whole_call(server: FaultServer) -> None:
    regions = ["--regions", "us-east-1", "ap-south-1", "--endpoint-url", server.url]
    done = cli("sqs", "list-queues", *regions, "--timeout", "50", "--deadline", "2")
    assert done.returncode == 1
    assert (
        "error ap-south-1: DeadlineExceeded: timed out in flight: deadline of 2 s"
        in (done.stderr)
    )


def test_cli_read_timeout_limits_each_attempt(server: FaultServer) -> None:
    # Within a long deadline, each attempt reads for 1 s; botocore's 3 attempts then
    # give up with a read timeout, not at the deadline.
    regions = ["--regions", "ap-south-1", "--endpoint-url", server.url]
    done = cli(
        "sqs", "list-queues", *regions, "--timeout", "50", "--cli-read-timeout", "1"
    )
    assert done.returncode == 1
    assert "ReadTimeoutError" in done.stderr
    assert "DeadlineExceeded" not in done.stderr


def test_a_failing_run_exits_1_when_its_readers_leave_early(
    server: FaultServer, tmp_path: object
) -> None:
    # `multiregion ... 2>&1 | head -c0`: stdout and stderr both closed before any
    # output; the failure must still give exit code 1, not 0.
    command = [sys.executable, "-m", "multiregion_runtime", "sqs", "list-queues"]
    command += ["--regions", "us-east-1", "eu-west-1", "--endpoint-url", server.url]
    reader, writer = os.pipe()
    child = subprocess.Popen(command, stdout=writer, stderr=writer)
    os.close(writer)
    os.close(reader)  # the reader has gone
    assert child.wait(timeout=60) == 1
    # stdout gone, stderr kept: no traceback, the error still reported.
    reader, writer = os.pipe()
    kept = subprocess.Popen(command, stdout=writer, stderr=subprocess.PIPE, text=True)
    os.close(writer)
    os.close(reader)
    _, stderr = kept.communicate(timeout=60)
    assert kept.returncode == 1
    assert "Traceback" not in stderr
    assert "error eu-west-1: AccessDeniedException" in stderr
