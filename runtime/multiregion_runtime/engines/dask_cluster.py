"""Fan-out on a Dask cluster (``pip install multiregion[dask]``); imported on first use."""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from typing import Any

from ..core.checks import check_count
from ..targets.target import Target
from .base import Executor, chunks, dask_installed
from .work import Sent, TargetOutcome, Work, WorkerLostError, pack, run_chunk

#: Targets per Dask task. A task costs ~1.4 ms of CPU and ~2 ms of scheduler time
#: (make bench, scenario 6), as much as one or two botocore calls: 64 targets keep
#: that near 3% of a call's CPU, while results still stream back a chunk (of one
#: region) at a time. The chunk-size table in benchmarks/RESULTS.md has the trade-off.
DEFAULT_CHUNK_SIZE = 64
#: Seconds to reach the scheduler before giving up with a ConnectionError, and to
#: wait for a worker when the cluster has none.
CONNECT_TIMEOUT_S = 5


class DaskExecutor(Executor):
    """Runs targets as Dask tasks: chunks of one region, placed by (credentials, region).

    ``cluster`` is a ``distributed.Client`` or a scheduler address ("tcp://host:8786").
    Workers call AWS with their own credentials (a worker IAM role, environment or
    profiles): Targets naming a ``role_arn`` assume it there. Targets carrying
    ``StaticCredentials`` are refused unless ``send_credentials=True``: the keys would
    be pickled into the scheduler's and workers' memory and cross the network.
    A chunk whose worker dies is re-run elsewhere by Dask (``retries`` more times if
    it fails); a chunk Dask gives up on comes back as WorkerLostError results.
    Unlike ProcessPool, no watchdog here kills a silent worker: tasks may queue
    behind other clients' on a shared cluster, so silence proves nothing (a dead
    worker is the scheduler's to notice, and ``deadline=`` bounds the wait).
    """

    def __init__(
        self,
        cluster: Any,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        retries: int = 2,
        send_credentials: bool = False,
    ) -> None:
        if not dask_installed():
            raise ImportError(
                "the Dask executor needs dask and distributed: "
                "pip install 'multiregion[dask]'"
            )
        check_count("chunk_size", chunk_size)
        check_count("retries", retries, minimum=0)
        self.address = cluster if isinstance(cluster, str) else None
        self._client = None if isinstance(cluster, str) else cluster
        self.chunk_size = chunk_size
        self.retries = retries
        self.send_credentials = send_credentials
        self._lock = threading.Lock()

    def client(self) -> Any:
        """The distributed.Client, connected on first use."""
        with self._lock:
            if self._client is None:
                from distributed import Client

                try:
                    self._client = Client(self.address, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
                except OSError as error:
                    raise ConnectionError(
                        f"cannot reach the Dask scheduler at {self.address}: {error}"
                    ) from None
            return self._client

    def stream(
        self,
        work: Work,
        targets: Sequence[Target],
        max_workers: int | None,
        timeout: float | None,
    ) -> Generator[Sent, None, None]:
        """Outcomes come back a chunk at a time (a Dask task's result), and so do a
        stream's pages: a worker holds a chunk's pages until the chunk ends (at most
        ``chunk_size`` targets' pages), where a ProcessPool sends each page on."""
        self._check_credentials(targets)
        from distributed import TimeoutError, as_completed

        client = self.client()
        workers = self._workers(client)
        futures = {}
        for slot, chunk in chunks(targets, workers, self.chunk_size):
            future = client.submit(
                run_chunk,
                work,
                chunk,
                max_workers,
                workers=[slot],
                allow_other_workers=True,  # placement is a preference: a lost worker's
                retries=self.retries,  # chunks go elsewhere
                pure=False,
            )
            futures[future] = chunk
        try:
            for future in as_completed(list(futures), timeout=timeout):  # type: ignore[no-untyped-call]
                yield from self._outcomes(future, futures[future])
        except TimeoutError:
            return  # the targets not yielded are reported as timed out
        finally:
            client.cancel([f for f in futures if not f.done()])

    @staticmethod
    def _workers(client: Any) -> list[str]:
        """The cluster's worker addresses. With none, waits up to CONNECT_TIMEOUT_S
        for one: a cluster still starting, or a nanny restarting a lost worker."""
        from distributed import TimeoutError as DaskTimeout

        workers = sorted(client.scheduler_info(n_workers=-1)["workers"])
        if workers:
            return workers
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (TimeoutError, DaskTimeout):
            raise RuntimeError(
                f"the Dask cluster {client.scheduler.address} has no workers "
                f"(none registered within {CONNECT_TIMEOUT_S} s)"
            ) from None
        return sorted(client.scheduler_info(n_workers=-1)["workers"])

    @staticmethod
    def _outcomes(
        future: Any, chunk: list[tuple[int, Target]]
    ) -> Generator[Sent, None, None]:
        if future.status == "finished":
            yield from future.result()
            return
        try:  # KilledWorker: its worker died too many times
            error: BaseException | None = future.exception()
        except Exception as cancelled:  # noqa: BLE001 - CancelledError: the reason
            error = cancelled
        lost = WorkerLostError(f"Dask gave up on this target's chunk: {error!r}")
        for index, _ in chunk:
            yield Sent(index, pack(TargetOutcome(None, lost, 0.0)))

    def _check_credentials(self, targets: Sequence[Target]) -> None:
        if self.send_credentials:
            return
        carrying = [t.name for t in targets if t.credentials is not None]
        if carrying:
            raise ValueError(
                f"targets {carrying[:3]} carry StaticCredentials: they are not sent to "
                "Dask workers unless DaskExecutor(..., send_credentials=True) "
                "(workers use their own credentials, e.g. an IAM role)"
            )

    def close(self) -> None:
        """Close the connection this executor opened (a Client it was given is left open)."""
        with self._lock:
            if self._client is not None and self.address is not None:
                self._client.close()
                self._client = None

    def __repr__(self) -> str:
        where = self.address or repr(self._client)
        return f"DaskExecutor({where}, chunk_size={self.chunk_size})"
