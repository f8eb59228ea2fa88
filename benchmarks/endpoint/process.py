"""Start the latency endpoint in its own process and stop it again.

A separate process keeps the server's CPU off the client's GIL: with 2 cores, the
client under test and the server each get one.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = (
    Path(__file__).resolve().parents[2]
)  # so ``-m benchmarks.endpoint.server`` resolves


class EndpointProcess:
    """``with EndpointProcess("--fixed-delay-ms", "100") as ep: ep.url ...``

    The child stops by itself when its time budget runs out or its stdin closes,
    so even a crashed parent cannot leave it running.
    """

    def __init__(
        self,
        *args: str,
        max_seconds: float | None = 600.0,
        module: str = "benchmarks.endpoint.server",
    ) -> None:
        """``module``: the server to run (``tests.faultserver`` for the chaos run,
        which takes no ``--max-seconds``: pass None)."""
        budget = [] if max_seconds is None else ["--max-seconds", str(max_seconds)]
        self.args = [*args, *budget]
        self.module = module
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EndpointProcess:
        command = [sys.executable, "-m", self.module, *self.args]
        self.proc = subprocess.Popen(
            command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().split()
        if len(line) != 3 or line[0] != "LISTENING":
            self.stop()
            raise RuntimeError(f"endpoint did not start: {line!r}")
        self.port = int(line[2])
        return self

    def stats(self, reset: bool = False) -> dict[str, Any]:
        """The endpoint's own overhead figures (see ``server.Stats``)."""
        # http.client rather than urllib: urllib would honour an HTTP_PROXY variable.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/__reset" if reset else "/__stats")
            result: dict[str, Any] = json.load(connection.getresponse())
            return result
        finally:
            connection.close()

    def stop(self) -> None:
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # the endpoint exits on stdin EOF
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> EndpointProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
