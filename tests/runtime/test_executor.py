"""The shared executor: concurrency caps, ordering, timeouts and Ctrl-C."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Callable

from multiregion_runtime.core.deadline import current_deadline
from multiregion_runtime.core.errors import DeadlineExceededError, NotStartedError
from multiregion_runtime.engines.threads import SLOW_AFTER, run_all
from multiregion_runtime.results.results import error_code_of


def test_max_workers_caps_concurrency_and_all_tasks_run() -> None:
    lock = threading.Lock()
    running = peak = 0

    def task(i: int) -> Callable[[], int]:
        def run() -> int:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            threading.Event().wait(0.02)
            with lock:
                running -= 1
            return i * i

        return run

    outcomes = run_all([task(i) for i in range(20)], max_workers=3)
    assert [o.value for o in outcomes] == [i * i for i in range(20)]
    assert peak == 3


def test_errors_are_outcomes_not_exceptions() -> None:
    def boom() -> int:
        raise RuntimeError("nope")

    outcomes = run_all([lambda: 1, boom, lambda: 3])
    assert [o.value for o in outcomes] == [1, None, 3]
    assert isinstance(outcomes[1].error, RuntimeError)


def test_under_a_call_deadline_running_tasks_time_out_and_queued_ones_never_start() -> (
    None
):
    # deadline= bounds the whole call (timeout= used to; it now bounds each task).
    started: list[int] = []
    gate = threading.Event()

    def task(i: int) -> Callable[[], int]:
        def run() -> int:
            started.append(i)
            gate.wait(5)
            return i

        return run

    outcomes = run_all([task(i) for i in range(4)], max_workers=2, deadline=0.2)
    gate.set()
    assert [type(o.error) for o in outcomes] == [DeadlineExceededError] * 2 + [
        NotStartedError
    ] * 2
    assert [error_code_of(o.error) for o in outcomes] == ["DeadlineExceeded"] * 2 + [
        "NotStarted"
    ] * 2
    assert "timed out in flight" in str(outcomes[0].error)
    assert "not started: the deadline of 0.2 s passed" in str(outcomes[3].error)
    assert sorted(started) == [0, 1]  # queued tasks were cancelled, not started


def test_a_timeout_bounds_each_task_from_its_start_and_every_task_starts() -> None:
    # Per task: the 3rd and 4th start after the first two time out (their runners
    # are replaced), and each has its own 0.2 s; none is "not started".
    gate = threading.Event()
    own_deadlines: list[float] = []

    def task() -> int:
        deadline = current_deadline()
        assert deadline is not None
        own_deadlines.append(deadline.seconds)
        gate.wait(5)
        return 0

    outcomes = run_all([task] * 4, max_workers=2, timeout=0.2)
    gate.set()
    assert [type(o.error) for o in outcomes] == [DeadlineExceededError] * 4
    assert own_deadlines == [0.2] * 4


def test_hung_tasks_do_not_keep_healthy_ones_from_starting() -> None:
    # 4 workers, 4 hung tasks first in line, then 40 healthy ones. A hung task is
    # released only once every healthy one is done, else it returns at its own
    # deadline (30 s): all 4 must report "released", so the 40 healthy tasks ran
    # while all 4 hung ones still held their threads.
    healthy_done = threading.Event()
    lock = threading.Lock()
    done = 0

    def hung() -> str:
        deadline = current_deadline()
        assert deadline is not None
        return "released" if healthy_done.wait(deadline.left()) else "timed out"

    def healthy() -> str:
        nonlocal done
        time.sleep(0.01)
        with lock:
            done += 1
            if done == 40:
                healthy_done.set()
        return "ok"

    outcomes = run_all([hung] * 4 + [healthy] * 40, max_workers=4, timeout=30)
    assert [o.value for o in outcomes] == ["released"] * 4 + ["ok"] * 40


def test_a_task_that_keeps_paging_is_not_replaced() -> None:
    # Each task takes 4 x SLOW_AFTER but reports a page every tenth of it: it is
    # busy, not stuck, so no runner is added and at most 2 run at once.
    lock = threading.Lock()
    running = peak = 0

    def paging() -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        deadline = current_deadline()
        assert deadline is not None
        for _ in range(40):
            time.sleep(SLOW_AFTER / 10)
            deadline.progressed()
        with lock:
            running -= 1
        return 0

    outcomes = run_all([paging] * 4, max_workers=2, timeout=30)
    assert [o.value for o in outcomes] == [0] * 4
    assert peak == 2


def test_a_task_ignoring_its_deadline_is_labelled_and_not_waited_for() -> None:
    gate = threading.Event()
    outcomes = run_all([lambda: gate.wait(30), lambda: 1], max_workers=1, timeout=0.3)
    gate.set()
    assert isinstance(outcomes[0].error, DeadlineExceededError)
    assert "deadline of 0.3 s" in str(outcomes[0].error)
    assert outcomes[1].value == 1


def test_an_idle_pool_keeps_nothing_of_a_finished_run() -> None:
    # A pool thread waiting for its next job used to hold its last one: the run,
    # its futures and every result (a 102,000-target call's, until the next call).
    class Value:
        pass

    made: list[weakref.ref[Value]] = []

    def task() -> Value:
        value = Value()
        made.append(weakref.ref(value))
        return value

    outcomes = run_all([task] * 8, max_workers=4)
    assert all(isinstance(o.value, Value) for o in outcomes)
    del outcomes
    time.sleep(0.2)  # the pool's threads are back waiting for work
    gc.collect()
    assert [ref() for ref in made] == [None] * 8


def test_ctrl_c_returns_promptly_and_leaves_no_thread_blocking_exit() -> None:
    # A child process fans out tasks that would block for a minute, then gets SIGINT.
    # It must raise KeyboardInterrupt and exit at once: no worker thread may keep the
    # interpreter alive, and no queued task may start after the interrupt.
    script = textwrap.dedent("""
        import sys, threading, time
        from multiregion_runtime.engines.threads import SLOW_AFTER, run_all
        started = []
        def task():
            started.append(1)
            print("started", flush=True)
            time.sleep(60)
        try:
            run_all([task] * 10, max_workers=2)
        except KeyboardInterrupt:
            time.sleep(0.3)
            print("interrupted", len(started), flush=True)
            sys.exit(130)
        """)
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.stdout is not None
    seen = ""
    while seen.count("started") < 2:  # both workers are inside a task
        char = child.stdout.read(1)
        assert char, f"the child ended early: {seen!r}"
        seen += char
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=20)
    assert child.returncode == 130
    assert out.split()[-2:] == ["interrupted", "2"]
