"""The executor's result slots behave as concurrent.futures' for what it uses."""

from __future__ import annotations

import threading
import time

import pytest

from multiregion_runtime.engines.futures import Future, wait


def test_a_cancelled_future_never_runs_and_a_running_one_cannot_be_cancelled() -> None:
    cancelled: Future[int] = Future()
    assert cancelled.cancel() and cancelled.cancelled() and cancelled.done()
    assert not cancelled.set_running_or_notify_cancel()
    running: Future[int] = Future()
    assert running.set_running_or_notify_cancel()
    assert not running.cancel() and not running.done()
    running.set_result(7)
    assert running.done() and not running.cancelled() and running.result() == 7
    assert not running.cancel()


def test_result_before_the_end_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="has not finished"):
        Future[int]().result()


def test_wait_returns_when_all_are_done() -> None:
    futures: list[Future[int]] = [Future() for _ in range(3)]

    def finish() -> None:
        for i, future in enumerate(futures):
            time.sleep(0.01)
            future.set_result(i)

    thread = threading.Thread(target=finish)
    thread.start()
    wait(futures, timeout=10)
    assert all(f.done() for f in futures)  # before join: wait itself waited
    thread.join()
    assert [f.result() for f in futures] == [0, 1, 2]


def test_wait_gives_up_at_the_timeout() -> None:
    done: Future[int] = Future()
    done.set_result(1)
    never: Future[int] = Future()
    started = time.monotonic()
    wait([done, never], timeout=0.05)
    assert time.monotonic() - started >= 0.04  # waited (clock granularity aside)
    assert done.done() and not never.done()


def test_wait_knows_only_all_completed() -> None:
    with pytest.raises(ValueError, match="ALL_COMPLETED"):
        wait([], return_when="FIRST_COMPLETED")
