"""Progress of one fan-out in a notebook or a terminal (``progress=True``).

A ``Progress`` is an ``on_result`` callback: it counts results as they arrive (in
pool threads) and shows done / total, failures and the rate. It draws with tqdm's
auto mode when tqdm is installed (a widget in Jupyter, a bar in a terminal), else
with one plain line on stderr. The CLI keeps its own line (cli/_progress.py).
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from .results import TargetResult

OnResult = Callable[[TargetResult[Any]], None]

#: Seconds between two redraws of the plain line (tqdm paces itself).
REDRAW_EVERY = 0.1


def _tqdm_class() -> Any:
    """tqdm's auto class (notebook widget or terminal bar), or None without tqdm."""
    try:  # by name: tqdm is optional, and typed only by a separate stub package
        return importlib.import_module("tqdm.auto").tqdm
    except ImportError:
        return None


class Progress:
    """Counts one call's results and shows them; ``close()`` when the call ends."""

    def __init__(
        self,
        total: int,
        label: str,
        then: OnResult | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self.failed = 0
        self._then = then  # the caller's own on_result, still called
        self._stream = stream if stream is not None else sys.stderr
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn_at = 0.0
        tqdm = _tqdm_class()
        self._bar = (
            tqdm(total=total, desc=label, unit="target", file=self._stream)
            if tqdm is not None
            else None
        )

    def __call__(self, result: TargetResult[Any]) -> None:
        with self._lock:
            self.done += 1
            self.failed += result.error is not None and not result.skipped
            self._draw(final=False)
        if self._then is not None:
            self._then(result)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
            else:
                self._draw(final=True)

    def line(self) -> str:
        """``sqs ListQueues: 12/34 targets, 1 failed, 8.1/s``."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        return (
            f"{self.label}: {self.done}/{self.total} targets, {self.failed} failed, "
            f"{self.done / elapsed:.1f}/s"
        )

    def _draw(self, final: bool) -> None:
        if self._bar is not None:
            self._bar.set_postfix(failed=self.failed, refresh=False)
            self._bar.update(1)
            return
        now = time.monotonic()
        if final or now - self._drawn_at >= REDRAW_EVERY:
            self._drawn_at = now
            end = "\n" if final else ""
            self._stream.write(f"\r{self.line()}{end}")
            self._stream.flush()
