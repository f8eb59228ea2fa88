"""Constants and helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3

from tests.zygote import ForkedRun, run_module

#: The repository's root folder.
ROOT = Path(__file__).resolve().parents[1]
#: Synthetic botocore models for the generator's tests.
CODEGEN_FIXTURES = ROOT / "tests" / "codegen" / "fixtures"

#: Three regions of three continents, for fan-outs.
THREE = ["us-east-1", "eu-west-1", "ap-southeast-2"]

FAKE_KEY_ID = "AKIAFAKEKEYID0000001"
FAKE_SECRET = "fake-secret-DO-NOT-PRINT-0123456789"


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """``python -m multiregion_runtime args...`` (``env`` over this one's), in a
    process of its own forked from one that has imported botocore (tests/zygote.py);
    no output may hold FAKE_SECRET."""
    done = run_module(list(args), {**os.environ, **(env or {})}, cwd, timeout)
    assert FAKE_SECRET not in done.stdout + done.stderr
    return done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_process() -> Iterator[str]:
    """A moto server in its own process (its own state), on loopback; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def count_calls(session: boto3.Session) -> list[str]:
    """Record the region of every API call made through ``session``'s clients."""
    regions: list[str] = []

    def record(context: dict[str, Any], **_: Any) -> None:
        regions.append(context["client_region"])

    session.events.register("before-call", record)
    return regions


def reset_moto(url: str) -> None:
    """Forget every resource a moto server holds. moto's state is global to the
    process, so an in-process server shares it with every other one: each is reset
    when it starts and stops, and no test module sees another's queues or groups."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


@contextlib.contextmanager
def moto_in_process() -> Iterator[str]:
    """A moto server in this process, on loopback, with no resource from any other
    (reset when it starts and when it stops); yields its URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        reset_moto(url)
        yield url
    finally:
        reset_moto(url)
        server.stop()


def kill_at_random_moments(
    start: Callable[[Path, int], subprocess.Popen[str] | ForkedRun],
    output: Callable[[int], Path],
    whole_run: float,
    chance: random.Random,
    tries: int,
    latest: float,
) -> tuple[Path, int]:
    """Runs ``start(out, attempt)`` one after another into one output, each killed
    (SIGKILL) at a random moment within ``latest`` of ``whole_run`` seconds, until one
    ends before its kill or ``tries`` were made; the output and the kills that landed.

    A round that ends before its first kill (a run quicker than the measured one, on
    a busy machine) starts again in a new output (``output(round)``), sooner."""
    killed = rounds = 0
    while not killed and rounds < 4:
        out, scale = output(rounds), whole_run / 2**rounds
        rounds += 1
        for attempt in range(tries):
            process = start(out, attempt)
            time.sleep(chance.uniform(0.05, latest) * scale)
            if process.poll() is not None:
                stderr = process.communicate(timeout=300)[1]
                assert process.returncode == 0, stderr[-3000:]
                break
            process.kill()  # no clean-up of any kind
            process.wait()
            killed += 1
    return out, killed
