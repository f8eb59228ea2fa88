"""A pool of local worker processes, each running chunks of targets on its own threads.

Why not ``concurrent.futures.ProcessPoolExecutor``: its task returns only when the
whole chunk is done (no result per target), one death breaks the whole pool, and its
workers re-import the caller's ``__main__``. Here each worker is ``python -c`` reading
pickled chunks on stdin and writing one pickled outcome per target on stdout, as each
target ends (and a stream's pages as each arrives): a pipe per worker, so a killed worker is seen at once (end of file) and
cannot corrupt another's messages.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from ..core.checks import check_count
from ..core.deadline import GRACE, Deadline, deadline_scope
from ..targets.target import Target
from .base import Chunk, Executor, Slot, chunks
from .threads import DEFAULT_MAX_WORKERS, SLOW_AFTER, SLOW_RUNNERS, not_started
from .work import (
    Sent,
    TargetOutcome,
    Work,
    WorkerLostError,
    in_worker,
    pack,
    run_target,
    worker_clients,
)

#: Targets per message to a worker. Outcomes stream back as each target ends whatever
#: this is; small messages cost the driver a pipe write each, and a worker busy with
#: its calls reads them slowly (64 per message was 1.2 s for 3,400 targets in make
#: bench; 1,024: 0.1 s).
DEFAULT_CHUNK_SIZE = 1024
_BOOT = "from multiregion_runtime.engines.processes import worker_main; worker_main()"
_LOST = object()  # a worker's reader puts (_LOST, slot) in each run's queue
#: Messages waiting, per run here and per worker process there: a stream's pages wait
#: for the writer, so a worker fetches ahead of it by a bounded number of pages (and
#: the pipe's buffer), not by a whole listing. A full inbox holds up that worker's
#: other runs until its reader drains it.
QUEUED_MESSAGES = 16
#: How often a worker process looks for slow targets (see ``_WorkerRuns._watch``).
_WATCH_TICK = 0.1
#: A worker that has sent nothing to a run for its targets' timeout + GRACE + this,
#: with targets of that run still pending, is wedged (stopped, or stuck in C code
#: holding the GIL) and is killed (see ``_Silence``). A healthy one cannot be that
#: quiet: each target ends within its own timeout from its start, and a new thread
#: takes the next target as one ends, so something comes back within a timeout.
#: This margin covers the rest: a new worker's start (0.3 s with its first SQS client,
#: ``/usr/bin/time``; many times that on a loaded machine), pickling a big result, a
#: GC pause. Small next to the 60 s default timeout.
SILENCE_MARGIN = 10.0
#: How often a caller with nothing to take looks for wedged workers.
_IDLE_TICK = 0.25
logger = logging.getLogger("multiregion")


class _Worker:
    """One worker process, and the thread reading what it sends back."""

    def __init__(self, slot: int, pool: ProcessPool) -> None:
        env = dict(os.environ)
        # The worker imports what this process can: its sys.path, in order.
        env["PYTHONPATH"] = os.pathsep.join(p or os.getcwd() for p in sys.path)
        self.slot = slot
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.started_at = time.monotonic()
        #: Its reader is handing a batch to the runs: it may wait there while some
        #: run's consumer is behind, and nothing this worker sends gets through.
        self.delivering = False
        self._write_lock = threading.Lock()
        self._pool = pool
        threading.Thread(
            target=self._read, name=f"multiregion-process-{slot}", daemon=True
        ).start()

    def send(self, message: Any) -> bool:
        """False if the worker has gone (its reader reports the loss)."""
        assert self.process.stdin is not None
        try:
            with self._write_lock:
                pickle.dump(message, self.process.stdin)
                self.process.stdin.flush()
        except OSError:
            return False
        return True

    def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            try:
                batch = pickle.load(self.process.stdout)
            except Exception:  # noqa: BLE001 - end of file or a torn message: lost
                break
            self.delivering = True
            self._pool.deliver(batch)
            self.delivering = False
        self.process.wait()
        self._pool.lost(self)

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # the worker exits at end of file
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class ProcessPool(Executor):
    """``processes`` local worker processes, started on first use, kept for reuse.

    Each worker keeps its own clients (one per credentials, service, region and
    endpoint) across calls, and a target's (credentials, region) always goes to the
    same worker, so its client, connection pool and retry quota are not duplicated.
    A worker that dies is replaced; the targets it had not answered are sent again
    ``retries`` times (default once), then come back as WorkerLostError results. A
    worker alive but wedged (stopped, or stuck holding the GIL) is killed first, once
    it has sent nothing for longer than its targets' timeout could take (see
    SILENCE_MARGIN), so a call without ``deadline=`` still ends.
    """

    def __init__(
        self,
        processes: int | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        retries: int = 1,
    ) -> None:
        count = processes if processes is not None else os.cpu_count() or 1
        check_count("processes", count)
        check_count("chunk_size", chunk_size)
        check_count("retries", retries, minimum=0)
        self.processes = count
        self.chunk_size = chunk_size
        self.retries = retries
        self._workers: list[_Worker | None] = [None] * count
        self._runs: dict[int, queue.Queue[Any]] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (for monitoring, and tests)."""
        with self._lock:
            return [w.process.pid for w in self._workers if w is not None]

    def stream(
        self,
        work: Work,
        targets: Sequence[Target],
        max_workers: int | None,
        timeout: float | None,
    ) -> Generator[Sent, None, None]:
        """Yield (target index, packed outcome) as each target ends in a worker."""
        deadline = None if timeout is None else time.monotonic() + timeout
        run_id, inbox = next(self._ids), queue.Queue[Any](QUEUED_MESSAGES)
        with self._lock:
            self._runs[run_id] = inbox
        try:
            # Target order: each outcome streams back alone, so no need to group
            # regions (which would also crowd one client's connection pool).
            placed = chunks(
                targets, range(self.processes), self.chunk_size, by_region=False
            )
            yield from self._collect(run_id, inbox, work, placed, max_workers, deadline)
        finally:
            with self._lock:
                del self._runs[run_id]

    def _collect(
        self,
        run_id: int,
        inbox: queue.Queue[Any],
        work: Work,
        placed: list[tuple[Slot, Chunk]],
        max_workers: int | None,
        deadline: float | None,
    ) -> Generator[Sent, None, None]:
        pending: dict[int, tuple[int, Target]] = {}  # target index -> (slot, target)
        for slot, chunk in placed:
            pending.update((i, (int(slot), t)) for i, t in chunk)
        silence = _Silence(work.target_timeout)
        # Sent from another thread: outcomes are collected (and streamed) meanwhile.
        messages = [
            (int(slot), (run_id, work, chunk, max_workers)) for slot, chunk in placed
        ]
        threading.Thread(
            target=self._send_all, args=(messages, silence), daemon=True
        ).start()
        tries = dict.fromkeys(range(self.processes), 0)
        paged: set[int] = set()  # targets that sent a page of a stream
        while pending:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            try:
                event = inbox.get(timeout=silence.wait(left))
            except queue.Empty:
                # Nothing waits to be taken: no consumer here holds workers back.
                self._kill_wedged(silence, pending)
                continue
            if isinstance(event, Sent):
                if event.position in pending:
                    silence.heard(pending[event.position][0])
                    if event.last:
                        del pending[event.position]
                    else:
                        paged.add(event.position)
                    yield event
                continue
            slot = event[1]
            again = self._lost(slot, pending, paged, tries[slot] < self.retries)
            if again:
                tries[slot] += 1
                self._send(slot, (run_id, work, again, max_workers))
            yield from self._give_up(slot, pending, again)

    def _kill_wedged(
        self, silence: _Silence, pending: dict[int, tuple[int, Target]]
    ) -> None:
        """Kill every worker that owes this run targets and is wedged (see
        SILENCE_MARGIN; SIGKILL ends a stopped process too): its reader then reports
        it lost, and its targets are sent again or come back as WorkerLostError."""
        overdue = silence.overdue()  # none without a timeout per target
        if not overdue:
            return
        owing = {slot for slot, _ in pending.values()}
        for slot in overdue:
            if slot not in owing:
                silence.forget(slot)
                continue
            with self._lock:
                worker = self._workers[slot]
            quiet = silence.too_long(slot, worker)
            if worker is None or quiet is None:
                continue
            logger.warning(
                "worker process %d (pid %d) sent nothing for %.1f s with targets "
                "pending (their timeout is %.1f s): killed as wedged",
                slot,
                worker.process.pid,
                quiet,
                silence.timeout,
            )
            worker.process.kill()
            silence.heard(slot)  # once: its loss comes next

    def _lost(
        self,
        slot: int,
        pending: dict[int, tuple[int, Target]],
        paged: set[int],
        may_retry: bool,
    ) -> Chunk:
        """The targets of a lost worker to send again: none once its retries are
        spent, and never one that sent pages (they would come twice)."""
        if not may_retry:
            return []
        return [(i, t) for i, (s, t) in pending.items() if s == slot and i not in paged]

    @staticmethod
    def _give_up(
        slot: int, pending: dict[int, tuple[int, Target]], again: Chunk
    ) -> Generator[Sent, None, None]:
        """Every target of the lost worker not sent again: a WorkerLostError each."""
        retried = {index for index, _ in again}
        lost = [i for i, (s, _) in pending.items() if s == slot and i not in retried]
        for index in lost:
            del pending[index]
            yield Sent(index, _lost_outcome(slot))

    def _send_all(self, messages: list[tuple[int, Any]], silence: _Silence) -> None:
        for slot, message in messages:
            # from now the worker owes an answer (a wedged one may block this write)
            silence.heard(slot)
            self._send(slot, message)

    def _send(self, slot: int, message: Any) -> None:
        with self._lock:
            worker = self._workers[slot]
            if worker is None or worker.process.poll() is not None:
                worker = self._workers[slot] = _Worker(slot, self)
        worker.send(message)  # if it died meanwhile, its reader reports the loss

    def deliver(self, batch: list[tuple[int, Sent]]) -> None:
        """Hand each message to its run (a run that ended, timed out, drops it)."""
        for run_id, sent in batch:
            self._put(run_id, sent)

    def lost(self, worker: _Worker) -> None:
        """A worker's output ended: every run still going hears of it."""
        with self._lock:
            if self._workers[worker.slot] is worker:
                self._workers[worker.slot] = None
            run_ids = list(self._runs)
        for run_id in run_ids:
            self._put(run_id, (_LOST, worker.slot))

    def _put(self, run_id: int, message: Any) -> None:
        """Wait while the run's inbox is full (its consumer is behind), unless the
        run ends meanwhile; outside the lock, which ending a run takes."""
        while True:
            with self._lock:
                inbox = self._runs.get(run_id)
            if inbox is None:
                return
            try:
                inbox.put(message, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Stop the worker processes (they are started again on the next call)."""
        with self._lock:
            workers, self._workers = self._workers, [None] * self.processes
        for worker in workers:
            if worker is not None:
                worker.stop()

    def __repr__(self) -> str:
        return f"ProcessPool(processes={self.processes}, chunk_size={self.chunk_size})"


class _Silence:
    """When one run last heard from each worker slot, or began writing it targets:
    a worker silent longer than ``limit`` (its targets' timeout + GRACE +
    SILENCE_MARGIN) is wedged. None: targets have no timeout, nobody is judged."""

    def __init__(self, target_timeout: float | None) -> None:
        self.timeout = target_timeout
        self.limit = (
            None if target_timeout is None else target_timeout + GRACE + SILENCE_MARGIN
        )
        self._since: dict[int, float] = {}  # a slot not written to yet owes nothing

    def wait(self, left: float | None) -> float | None:
        """How long the caller waits for a message: the call's time left, or a tick
        while there are workers to judge."""
        if self.limit is None:
            return left
        return _IDLE_TICK if left is None else min(left, _IDLE_TICK)

    def heard(self, slot: int) -> None:
        self._since[slot] = time.monotonic()

    def forget(self, slot: int) -> None:
        """The slot owes this run nothing more."""
        self._since.pop(slot, None)

    def overdue(self) -> list[int]:
        """The slots silent past the limit, before any excuse (a quick look: the
        caller looks further only at these)."""
        if self.limit is None:
            return []
        long_ago = time.monotonic() - self.limit
        return [slot for slot, since in list(self._since.items()) if since < long_ago]

    def too_long(self, slot: int, worker: _Worker | None) -> float | None:
        """Seconds the slot's worker has been silent, if past the limit.

        Not while it is being replaced, nor while its reader waits for some run's
        consumer (another run on this pool may be the slow one): then the clock
        starts again. A new worker's clock starts when it does."""
        since = self._since.get(slot)
        if since is None or self.limit is None:
            return None
        now = time.monotonic()
        if worker is None or worker.delivering:
            self._since[slot] = now
            return None
        since = self._since[slot] = max(since, worker.started_at)
        quiet = now - since
        return quiet if quiet > self.limit else None


def _lost_outcome(slot: int) -> bytes:
    error = WorkerLostError(f"worker process {slot} died before this target answered")
    return pack(TargetOutcome(None, error, 0.0))


# --- in the worker process -------------------------------------------------------


@dataclass
class _WorkerRun:
    """One run in a worker process: its targets to do, and what they share."""

    work: Work
    deadline: Deadline  # the worker's own, of the time left the work carries
    todo: queue.SimpleQueue[tuple[int, Target]]
    indexes: dict[Target, int]  # a stream's page says which target it is of
    threads: int = 0
    max_workers: int = DEFAULT_MAX_WORKERS
    #: target index -> its own deadline, while in flight; those stuck longer than
    #: SLOW_AFTER, whose threads no longer count against max_workers
    in_flight: dict[int, Deadline] = field(default_factory=dict)
    slow: set[int] = field(default_factory=set)

    def healthy_threads(self) -> int:
        return self.threads - len(self.slow)


class _WorkerRuns:
    """The runs this worker process is working on, each a queue of its targets.

    All chunks of one run share its queue, drained by at most ``max_workers``
    threads: a run has no more targets in flight per worker process than that,
    however many chunks it came in. As on threads (``threads._Run``), a target in
    flight longer than SLOW_AFTER stops counting: ``_watch`` starts another thread
    in its stead, up to SLOW_RUNNERS (or max_workers) more.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        # Bounded: a fetching thread waits while the caller is behind (see
        # QUEUED_MESSAGES), so a stream's pages never pile up in the worker.
        self._done: queue.Queue[tuple[int, Sent]] = queue.Queue(QUEUED_MESSAGES)
        threading.Thread(target=self._send, daemon=True).start()
        self._lock = threading.Lock()
        self._runs: dict[int, _WorkerRun] = {}
        threading.Thread(target=self._watch, daemon=True).start()

    def add(self, run_id: int, work: Work, chunk: Chunk, max_workers: int) -> None:
        with self._lock:
            run = self._runs.get(run_id) or self._start(run_id, work)
            run.max_workers = max_workers
            for index, target in chunk:
                run.indexes[target] = index
                run.todo.put((index, target))
            wanted = min(max_workers, run.healthy_threads() + len(chunk))
            more = max(0, wanted - run.healthy_threads())
            run.threads += more
        self._spawn(run_id, run, more)

    def _spawn(self, run_id: int, run: _WorkerRun, threads: int) -> None:
        for _ in range(threads):
            threading.Thread(
                target=self._drain, args=(run_id, run), daemon=True
            ).start()

    def _watch(self) -> None:
        """Every tick: a thread whose target is slow is replaced by another."""
        while True:
            time.sleep(_WATCH_TICK)
            now, spawn = time.monotonic(), []
            with self._lock:
                for run_id, run in self._runs.items():
                    run.slow = {
                        index
                        for index, own in run.in_flight.items()
                        if now - own.progressed_at >= SLOW_AFTER
                    }
                    cap = run.max_workers + max(run.max_workers, SLOW_RUNNERS)
                    wanted = min(cap, run.max_workers + len(run.slow))
                    more = max(0, wanted - run.threads) if not run.todo.empty() else 0
                    run.threads += more
                    spawn.append((run_id, run, more))
            for run_id, run, more in spawn:
                self._spawn(run_id, run, more)

    def _start(self, run_id: int, work: Work) -> _WorkerRun:
        indexes: dict[Target, int] = {}
        sending = in_worker(work, indexes, lambda sent: self._done.put((run_id, sent)))
        run = _WorkerRun(sending, work.deadline(), queue.SimpleQueue(), indexes)
        self._runs[run_id] = run
        return run

    def _drain(self, run_id: int, run: _WorkerRun) -> None:
        clients = worker_clients(run.work.config)
        while True:
            with self._lock:
                # checked under the lock ``add`` fills it under; a thread beyond
                # max_workers healthy ones (its slow target answered) ends
                if run.todo.empty() or run.healthy_threads() > run.max_workers:
                    run.threads -= 1
                    if not run.threads:
                        del self._runs[run_id]
                    return
                index, target = run.todo.get()
                # the caller's timeout from now, within the call's deadline
                own = run.deadline.for_target(run.work.target_timeout)
                run.in_flight[index] = own
            outcome = self._outcome_of(run, target, clients, own)
            with self._lock:
                del run.in_flight[index]
                run.slow.discard(index)
            self._done.put((run_id, Sent(index, pack(outcome))))

    @staticmethod
    def _outcome_of(
        run: _WorkerRun, target: Target, clients: Any, own: Deadline
    ) -> TargetOutcome:
        """The target's outcome, run inside its own deadline: labelled here, where
        it ran, so a hung target frees this thread at its deadline even if the
        caller waits for no deadline."""
        if run.deadline.expired:
            return TargetOutcome(None, not_started(run.deadline), 0.0)
        with deadline_scope(own):
            return run_target(run.work, target, clients)

    def _send(self) -> None:
        """Write messages as they come: each write takes every one that is ready.

        One message (and one system call) per batch, not per target; a lone outcome
        is written at once, so batching never delays one.
        """
        while True:
            batch = [self._done.get()]
            while not self._done.empty():
                batch.append(self._done.get())
            pickle.dump(batch, self._out)
            self._out.flush()


def worker_main() -> None:
    """Run chunks from stdin until it closes; write each target's outcome to stdout."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # A stray print in the worker goes to stderr and cannot tear a message.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    runs = _WorkerRuns(out)
    while True:
        try:
            run_id, work, chunk, max_workers = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        runs.add(run_id, work, chunk, max_workers or DEFAULT_MAX_WORKERS)
