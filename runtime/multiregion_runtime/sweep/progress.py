"""A sweep's progress for runs of hours: per call done / total, rate, ETA, failures
and throttles; a live line on a terminal, a heartbeat line every N seconds otherwise
(a log file, a CI job, ``nohup``)."""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO

from ..core.secrets import without_passwords
from ..results.results import TargetResult


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class SweepProgress:
    """Counts results (its ``on_result`` is thread-safe) and shows them.

    ``live``: redraw one line in place (a terminal), at most 5 times a second;
    otherwise a line every ``interval`` seconds, from a timer thread, so a call
    stuck on slow targets still says it is alive.
    """

    def __init__(
        self, stream: TextIO | None, live: bool, interval: float, calls: int
    ) -> None:
        self.stream = stream
        self.live = live
        self.interval = interval
        self.calls = calls
        self.lock = threading.Lock()
        self.call = ""
        self.number = 0
        self.total = self.done = self.failed = self.throttled = 0
        self.started = self.last_shown = time.monotonic()
        self.stopped = threading.Event()
        self.timer: threading.Thread | None = None
        if stream is not None:
            self.timer = threading.Thread(target=self._beat, daemon=True)
            self.timer.start()

    def start_call(self, call: str, total: int, skipped: int) -> None:
        with self.lock:
            self.call, self.number = call, self.number + 1
            self.total, self.done, self.failed, self.throttled = total, 0, 0, 0
            self.started = time.monotonic()
        if skipped:
            self._show(
                f"{self.prefix()} {skipped:,} pairs skipped (fresh or not failed)"
            )

    def on_result(self, result: TargetResult[Any]) -> None:
        with self.lock:
            self.done += 1
            self.failed += result.error is not None and not result.skipped
            self.throttled += result.throttled
        if self.live and time.monotonic() - self.last_shown >= 0.2:
            self._show(self.line())

    def prefix(self) -> str:
        return f"sweep [{self.number}/{self.calls}] {self.call}"

    def line(self) -> str:
        with self.lock:
            done, total = self.done, self.total
            failed, throttled = self.failed, self.throttled
            spent = max(time.monotonic() - self.started, 1e-9)
        rate = done / spent
        eta = _duration((total - done) / rate) if rate > 0 and done < total else "-"
        percent = 100 * done / total if total else 100
        return (
            f"{self.prefix()}: {done:,}/{total:,} ({percent:.0f}%) {rate:,.1f}/s "
            f"ETA {eta}, {failed:,} failed, {throttled:,} throttled"
        )

    def _beat(self) -> None:
        period = 1.0 if self.live else self.interval
        while not self.stopped.wait(period):
            if self.live or time.monotonic() - self.last_shown >= self.interval:
                self._show(self.line())

    def _show(self, text: str) -> None:
        if self.stream is None:
            return
        self.last_shown = time.monotonic()
        text = without_passwords(text)
        if self.live:
            self.stream.write(f"\r\x1b[2K{text}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def end_call(self) -> None:
        """The call's last line, kept (a newline after the live one)."""
        self._show(self.line())
        if self.live and self.stream is not None:
            self.stream.write("\n")

    def close(self) -> None:
        self.stopped.set()
        if self.timer is not None:
            self.timer.join(timeout=2)
