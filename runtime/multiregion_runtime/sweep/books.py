"""The bookkeeping of a sweep: ``_sweep_runs`` and ``_sweep_targets``, the same
columns in DuckDB and in a Parquet dataset, and the ``Store`` both outputs are."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..core.errors import NotStartedError
from ..data.rows import import_pyarrow, mask_text
from ..results.results import TargetResult
from ..targets.target import Target
from .pairs import (
    FAILED,
    NOT_STARTED,
    OK,
    SKIPPED,
    History,
    endpoint_column,
    pair_key,
)

if TYPE_CHECKING:
    import pyarrow as pa

RUNS, TARGETS = "_sweep_runs", "_sweep_targets"
#: The column naming a row's pair, before the target columns of data/rows.py.
TARGET = "target"


@dataclass(frozen=True)
class Run:
    """One run of a sweep (a row of ``_sweep_runs``)."""

    run_id: str
    spec_digest: str
    started: datetime.datetime
    ended: datetime.datetime | None
    options: str  # JSON: resume, retry_failed, max_age, executor...


@dataclass(frozen=True)
class PairDone:
    """A finished pair: its ``_sweep_targets`` row, and whether its new rows replace
    the old ones (False: a failed re-run keeps the rows of its last success)."""

    row: dict[str, Any]
    replace: bool = True

    @property
    def key(self) -> str:
        return str(self.row[TARGET])


def runs_schema() -> pa.Schema:
    pa = import_pyarrow()
    stamp = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("run_id", pa.string()),
            ("spec_digest", pa.string()),
            ("started", stamp),
            ("ended", stamp),
            ("options", pa.string()),
        ]
    )


def targets_schema() -> pa.Schema:
    pa = import_pyarrow()
    return pa.schema(
        [
            ("run_id", pa.string()),
            ("call", pa.string()),
            (TARGET, pa.string()),
            ("target_region", pa.string()),
            ("target_account", pa.string()),
            ("target_endpoint", pa.string()),
            ("status", pa.string()),
            ("error_code", pa.string()),
            ("error", pa.string()),
            ("attempts", pa.int64()),
            ("throttled", pa.int64()),
            ("rate_limit_wait", pa.float64()),
            ("items", pa.int64()),
            ("elapsed", pa.float64()),
            ("finished_at", pa.timestamp("us", tz="UTC")),
        ]
    )


def status_of(result: TargetResult[Any]) -> str:
    if result.error is None:
        return OK
    if result.skipped:
        return SKIPPED
    if isinstance(result.error, NotStartedError):
        return NOT_STARTED
    return FAILED


def outcome_row(
    run_id: str, call: str, result: TargetResult[Any], items: int
) -> dict[str, Any]:
    """The ``_sweep_targets`` row of a pair that ran; its error masked."""
    target, error = result.target, result.error
    return {
        **_target_fields(run_id, call, target),
        "status": status_of(result),
        "error_code": result.error_code,
        "error": None if error is None else mask_text(_text(error), target),
        "attempts": result.attempts,
        "throttled": result.throttled,
        "rate_limit_wait": result.rate_limit_wait,
        "items": items,
        "elapsed": result.elapsed,
        "finished_at": now(),
    }


def skipped_row(run_id: str, call: str, target: Target, why: str) -> dict[str, Any]:
    """The row of a pair this run chose not to run (fresh, or not failed)."""
    return {
        **_target_fields(run_id, call, target),
        "status": SKIPPED,
        "error_code": None,
        "error": why,
        "attempts": 0,
        "throttled": 0,
        "rate_limit_wait": 0.0,
        "items": 0,
        "elapsed": 0.0,
        "finished_at": now(),
    }


def _target_fields(run_id: str, call: str, target: Target) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "call": call,
        TARGET: pair_key(target),
        "target_region": target.region,
        "target_account": target.account_id,
        "target_endpoint": endpoint_column(target),
    }


def _text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def rows_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    return import_pyarrow().Table.from_pylist(list(rows), schema=targets_schema())


class Store(Protocol):
    """Where a sweep writes: a DuckDB file or a Parquet dataset."""

    def last_run(self) -> Run | None:
        """The latest run, finished or not."""

    def start_run(self, run: Run) -> None:
        """Record a new run (``ended`` empty)."""

    def end_run(self, run: Run) -> None:
        """Record that ``run`` ended."""

    def done_pairs(self, run_id: str, call: str) -> set[str]:
        """Targets of ``call`` with a ``_sweep_targets`` row in ``run_id``."""

    def history(self, call: str, before: str, retried: str | None) -> History:
        """Earlier runs' record of ``call``: the statuses in run ``retried``, and
        each target's last ok (runs other than ``before``)."""

    def begin_call(self, call: str, schema: pa.Schema) -> None:
        """Make the call's table (if new) and empty its staging area."""

    def commit(self, call: str, rows: pa.Table, done: Sequence[PairDone]) -> None:
        """Stage the rows of unfinished pairs; move the rows of the ``done`` pairs
        (staged and in ``rows``) into the call's table with their bookkeeping rows,
        at once: a pair is there whole, or not at all."""

    def end_call(self, call: str) -> None:
        """Every pair of the call is committed: drop its staging area."""

    def close(self) -> None: ...
