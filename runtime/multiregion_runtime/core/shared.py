"""One instance per process of a thing that is expensive or must be unique, made on
first use (the client cache, the rate limiter's buckets, the thread pool)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Threads the process-wide pool may hold at most (``MULTIREGION_POOL_SIZE``): the
#: thread pool's hard cap, and so the connections one shared client may need at once.
POOL_SIZE = int(os.environ.get("MULTIREGION_POOL_SIZE", "256"))


class PerProcess(Generic[T]):
    """``get()`` makes the instance once (thread-safe), then returns it every time.

    A worker process that imports the runtime makes its own: nothing here pickles.
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._instance: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        instance = self._instance
        if instance is None:
            with self._lock:
                if self._instance is None:
                    self._instance = self._make()
                instance = self._instance
        return instance
