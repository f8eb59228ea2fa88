"""Which targets have finished, fed by the runtime's ``on_result`` hook.

The CLI runs with ``with_options(on_result=tracker.record)``, so each target's
complete result (every page, the real error, ``skipped``) arrives as soon as it is
known. The same record serves the live progress line and, on Ctrl-C, the output of
the targets that had finished.

``MULTIREGION_PROGRESS_DELAY`` (seconds, default 0.5) is how long a run goes before
the progress line appears; tests set it to 0.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from typing import Any, TextIO

from ..results.results import TargetResult
from ..targets.target import Target

DEFAULT_DELAY = 0.5


class Tracker:
    """The results that have arrived since the run started (made with the tracker)."""

    def __init__(self, targets: tuple[Target, ...]) -> None:
        self.targets = targets
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._results: dict[Target, TargetResult[Any]] = {}

    def record(self, result: TargetResult[Any]) -> None:
        """The ``on_result`` callback: called in a worker thread, once per target."""
        with self._lock:
            self._results[result.target] = result

    def snapshot(self) -> tuple[int, int, tuple[Target, float] | None]:
        """(targets done, of which failed, an unfinished target and the run's age).

        Every unfinished target has been running (or waiting for a worker) since
        the run started, so the first of them in target order stands for the rest.
        """
        with self._lock:
            done = list(self._results.values())
            waiting = [t for t in self.targets if t not in self._results]
        failed = sum(1 for r in done if r.error is not None and not r.skipped)
        slowest = None
        if waiting:
            slowest = (waiting[0], time.monotonic() - self._started)
        return len(done), failed, slowest

    def finished(self) -> list[TargetResult[Any]]:
        """The result of every target that has one, in target order."""
        with self._lock:
            return [self._results[t] for t in self.targets if t in self._results]


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
            line += f"; slowest running: {target.short_name} {seconds:.1f} s"
        return line
