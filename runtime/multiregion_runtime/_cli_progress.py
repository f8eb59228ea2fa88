"""Which targets have answered, seen through botocore's events on each target's client.

The runtime has no progress callback, so the CLI registers ``before-call``,
``after-call`` and ``after-call-error`` on every target's client (its own event
emitter, so this works for profile sessions too). The same record serves the live
progress line and, on Ctrl-C, the output of the targets that had finished.

``MULTIREGION_PROGRESS_DELAY`` (seconds, default 0.5) is how long a run goes before
the progress line appears; tests set it to 0.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
import time
from typing import Any, TextIO

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from ._results import RegionResult
from ._targets import Target

DEFAULT_DELAY = 0.5


class Tracker:
    """Per target: when its current call started, and the outcome of its last call."""

    def __init__(self, targets: tuple[Target, ...]) -> None:
        self.targets = targets
        self._lock = threading.Lock()
        self._started: dict[Target, float] = {}
        self._outcomes: dict[Target, RegionResult[Any]] = {}

    def watch(self, target: Target, client: BaseClient) -> None:
        events = client.meta.events
        events.register("before-call", functools.partial(self._before, target))
        events.register("after-call", functools.partial(self._after, target))
        events.register("after-call-error", functools.partial(self._failed, target))

    def _before(self, target: Target, **_: Any) -> None:
        with self._lock:
            self._started[target] = time.monotonic()

    def _after(
        self,
        target: Target,
        http_response: Any,
        parsed: dict[str, Any],
        model: Any,
        **_: Any,
    ) -> None:
        if http_response.status_code >= 300:
            self._record(target, None, ClientError(parsed, model.name))  # type: ignore[arg-type]
        else:
            self._record(target, parsed, None)

    def _failed(self, target: Target, exception: BaseException, **_: Any) -> None:
        self._record(target, None, exception)

    def _record(self, target: Target, value: Any, error: BaseException | None) -> None:
        with self._lock:
            started = self._started.pop(target, time.monotonic())
            elapsed = time.monotonic() - started
            self._outcomes[target] = RegionResult(target, value, error, elapsed)

    def snapshot(self) -> tuple[int, int, tuple[Target, float] | None]:
        """(targets done, of which failed, the slowest still running and its age)."""
        with self._lock:
            running = {t: s for t, s in self._started.items()}
            done = [r for t, r in self._outcomes.items() if t not in running]
        failed = sum(1 for r in done if r.error is not None)
        slowest = None
        if running:
            target, start = min(running.items(), key=lambda item: item[1])
            slowest = (target, time.monotonic() - start)
        return len(done), failed, slowest

    def finished(self) -> list[RegionResult[Any]]:
        """The last outcome of every target not in a call now, in target order."""
        with self._lock:
            return [
                self._outcomes[t]
                for t in self.targets
                if t in self._outcomes and t not in self._started
            ]


class LiveLine:
    """``12/34 done, 1 failed; slowest: ap-south-1 2.3 s`` redrawn on a terminal."""

    def __init__(self, tracker: Tracker, stream: TextIO) -> None:
        self._tracker = tracker
        self._stream = stream
        self._stop = threading.Event()
        self._drawn = False
        delay = os.environ.get("MULTIREGION_PROGRESS_DELAY", "")
        try:
            self._delay = float(delay) if delay else DEFAULT_DELAY
        except ValueError:
            self._delay = DEFAULT_DELAY
        self._thread = threading.Thread(
            target=self._run, name="multiregion-progress", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop drawing and erase the line, so the summary starts on a clean line."""
        self._stop.set()
        self._thread.join(timeout=1)
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()

    def _run(self) -> None:
        if self._stop.wait(self._delay):
            return  # a short run: no progress line at all
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(0.1)

    def _draw(self) -> None:
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self._stream.write("\r\x1b[K" + self.text()[:width])
        self._stream.flush()
        self._drawn = True

    def text(self) -> str:
        done, failed, slowest = self._tracker.snapshot()
        line = f"{done}/{len(self._tracker.targets)} targets done, {failed} failed"
        if slowest is not None:
            target, seconds = slowest
            line += f"; slowest running: {_short_name(target)} {seconds:.1f} s"
        return line


def _short_name(target: Target) -> str:
    """The target without its endpoint URL (which may hold user:password)."""
    prefix = target.account_id or target.profile
    return f"{prefix}/{target.region}" if prefix else target.region
