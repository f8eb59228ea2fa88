"""``sweep(spec, out=...)``: every call of a spec in every target, into DuckDB or a
Parquet dataset, each (call, target) pair written whole with its bookkeeping.

A call runs a chunk of targets at a time (``CHUNK_TARGETS``), so what the process
holds (the results of one chunk) is bounded whatever the number of targets. A
paginated call's items stream into ``PairSink``; a plain call's results become one
row per target. Both end in ``Store.commit``: a pair's rows and its
``_sweep_targets`` row at once.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import boto3

from ..core.checks import check_positive
from ..core.errors import NotStartedError
from ..data.rows import import_pyarrow, items_schema
from ..data.schema import Typed, item_type, output_type
from ..data.sinks import DONE, Progress
from ..engines.choose import ExecutorArg, executor_from
from ..fanout.dynamic import DynamicService
from ..planning import plan_targets
from ..results.results import TargetResult
from ..targets.regions import partition_of_region
from ..targets.target import Target, TargetPlan
from .books import TARGET, PairDone, Run, Store, now, outcome_row, skipped_row
from .pairs import (
    FAILED,
    OK,
    call_targets,
    chosen_pairs,
    endpoint_column,
    pair_key,
    parse_age,
)
from .progress import SweepProgress
from .report import SweepReport
from .spec import CheckedCall, SweepSpec, SweepSpecError

if TYPE_CHECKING:
    import os

    import pyarrow as pa

#: Targets fanned out at once within a call; also the most results held at once.
CHUNK_TARGETS = 1000


def run_sweep(
    spec: SweepSpec | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    resume: bool = False,
    retry_failed: bool = False,
    max_age: str | float | None = None,
    executor: ExecutorArg = None,
    max_workers: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    session: boto3.Session | None = None,
    targets: Sequence[Target] | TargetPlan | None = None,
    progress: bool | None = None,
    progress_interval: float = 30.0,
    progress_stream: TextIO | None = None,
) -> SweepReport:
    """``multiregion.sweep`` (see there), loaded on its first use."""
    options = {"max_workers": max_workers, "timeout": timeout, "deadline": deadline}
    spec, calls, age = _checked(
        spec, resume, retry_failed, max_age, progress_interval, executor, options
    )
    try:
        store = open_store(out)
    except (ValueError, RuntimeError, OSError, ImportError) as error:
        raise SweepSpecError([f"out: {error}"]) from None  # still nothing sent
    try:
        chosen = _choose_run(store, spec, resume, retry_failed, age, executor)
        report = SweepReport(chosen.run.run_id, str(out), chosen.resumed, chosen.note)
        if chosen.nothing_to_do:
            report.run_id = None
            return report
        try:  # planning, and each call's targets, checked before any request
            planned = _plan(spec, targets, session)
            per_call = _targets_of(calls, planned, session)
        except ValueError as error:
            raise SweepSpecError([f"targets: {error}"]) from None
        if not chosen.resumed:
            store.start_run(chosen.run)
        stream = progress_stream or sys.stderr
        shown = progress if progress is not None else stream.isatty()
        # Its heartbeat thread starts now: nothing that can fail until it is closed.
        meter = SweepProgress(
            stream if shown else None, stream.isatty(), progress_interval, len(calls)
        )
        ends_at = None if deadline is None else time.monotonic() + deadline
        caller = _Caller(session, executor, max_workers, timeout, ends_at)
        try:
            for call, targets_of_call in zip(calls, per_call, strict=True):
                report.counts[call.table] = _run_call(
                    store, call, targets_of_call, chosen, caller, meter
                )
        finally:
            meter.close()
        store.end_run(_ended(chosen.run))
        return report
    finally:
        store.close()


def open_store(out: str | os.PathLike[str]) -> Store:
    path = Path(out)
    if path.suffix in (".duckdb", ".db"):
        from .duckdb_store import DuckDBStore

        return DuckDBStore(path)
    from .parquet_store import ParquetStore

    return ParquetStore(path)


def _checked(
    spec: SweepSpec | str | os.PathLike[str],
    resume: bool,
    retry_failed: bool,
    max_age: str | float | None,
    interval: float,
    executor: ExecutorArg,
    positive: Mapping[str, float | None],
) -> tuple[SweepSpec, list[CheckedCall], float | None]:
    """The spec's calls and the max age, or SweepSpecError naming every problem
    of the spec and of the options at once."""
    problems: list[str] = []
    calls: list[CheckedCall] = []
    try:
        spec = spec if isinstance(spec, SweepSpec) else SweepSpec.load(spec)
        calls = spec.check()
    except SweepSpecError as error:
        problems += error.problems
    age = None
    checks: list[Callable[[], object]] = [
        lambda: parse_age(max_age),
        lambda: check_positive("progress_interval", interval),
        lambda: executor_from(executor),  # a bad name fails now, nothing started
        *(
            functools.partial(check_positive, name, value)
            for name, value in positive.items()
        ),
    ]
    for check in checks:
        try:
            check()
        except (ValueError, TypeError) as error:
            problems.append(str(error))
    if max_age is not None and not problems:
        age = parse_age(max_age)
    if resume and (retry_failed or max_age is not None):
        problems.append(
            "resume continues a stopped run with its own choices: "
            "pass it without retry_failed or max_age"
        )
    if retry_failed and max_age is not None:
        problems.append("pass retry_failed or max_age, not both")
    if problems:
        raise SweepSpecError(problems)
    assert isinstance(spec, SweepSpec)
    return spec, calls, age


# -- which run ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Chosen:
    run: Run
    resumed: bool = False
    max_age: float | None = None
    retried: str | None = None  # retry_failed: the run whose failed pairs re-run
    note: str | None = None
    nothing_to_do: bool = False


def _choose_run(
    store: Store,
    spec: SweepSpec,
    resume: bool,
    retry_failed: bool,
    age: float | None,
    executor: ExecutorArg,
) -> _Chosen:
    """The run to continue or start; errors (SweepSpecError) before any request."""
    last = store.last_run()
    digest = spec.digest()
    if resume:
        if last is None:
            return _Chosen(
                _new_run(digest, {}), note="no run to resume: a new run fetches all"
            )
        if last.ended is not None:
            note = f"run {last.run_id} finished: nothing to resume, nothing sent"
            return _Chosen(last, note=note, nothing_to_do=True)
        if last.spec_digest != digest:
            raise SweepSpecError(
                [
                    f"the unfinished run {last.run_id} is of another spec "
                    f"(digest {last.spec_digest}, this one's {digest}): resume it "
                    "with its own spec, or start a new run without resume"
                ]
            )
        stored = json.loads(last.options)
        return _Chosen(
            last,
            resumed=True,
            max_age=stored.get("max_age"),
            retried=stored.get("retried"),
            note=f"resuming run {last.run_id}",
        )
    retried = None
    if retry_failed:
        if last is None:
            raise SweepSpecError(
                ["retry_failed: no earlier run to retry in this output"]
            )
        if last.ended is None:
            raise SweepSpecError(
                [
                    f"retry_failed: the last run {last.run_id} did not finish: "
                    "resume it first"
                ]
            )
        retried = last.run_id
    options = {
        "retry_failed": retry_failed,
        "max_age": age,
        "retried": retried,
        "executor": executor if isinstance(executor, str) else None,
    }
    return _Chosen(
        _new_run(digest, options),
        max_age=age,
        retried=retried,
    )


def _new_run(digest: str, options: Mapping[str, Any]) -> Run:
    started = now()
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    return Run(run_id, digest, started, None, json.dumps(options, sort_keys=True))


def _ended(run: Run) -> Run:
    return Run(run.run_id, run.spec_digest, run.started, now(), run.options)


def _plan(
    spec: SweepSpec,
    targets: Sequence[Target] | TargetPlan | None,
    session: boto3.Session | None,
) -> list[Target]:
    if targets is not None:
        return list(targets.targets if isinstance(targets, TargetPlan) else targets)
    t = spec.targets
    plan = plan_targets(
        None,
        regions=list(t.regions) if isinstance(t.regions, tuple) else t.regions,
        profiles=t.profiles,
        accounts=t.accounts,
        organization=t.organization,
        ous=t.ous,
        exclude_accounts=t.exclude_accounts,
        role_name=t.role_name,
        external_id=t.external_id,
        endpoint_url=t.endpoint_url,
        enabled_regions_only=t.enabled_regions_only,
        session=session,
    )
    return plan.targets


def _targets_of(
    calls: Sequence[CheckedCall],
    planned: Sequence[Target],
    session: boto3.Session | None,
) -> list[list[Target]]:
    """Each call's targets, before any call is made: two targets no column tells
    apart are refused now, not when their call comes after hours of others."""
    region = (session or boto3.Session()).region_name
    partition = partition_of_region(region or "") or "aws"
    return [call_targets(call, planned, partition) for call in calls]


# -- one call -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Caller:
    """How every call's fan-out runs (the same for every call of the sweep)."""

    session: boto3.Session | None
    executor: ExecutorArg
    max_workers: int | None
    timeout: float | None
    ends_at: float | None  # time.monotonic() of the sweep's deadline, if any

    def left(self) -> float | None:
        """Seconds left before the sweep's deadline (None: it has none)."""
        return None if self.ends_at is None else self.ends_at - time.monotonic()

    def service(self, call: CheckedCall, targets: Sequence[Target]) -> DynamicService:
        return DynamicService(
            call.service,
            targets=list(targets),
            session=self.session,
            executor=self.executor,
            max_workers=self.max_workers,
            timeout=self.timeout,
            ignore_error_codes=call.ignore_error_codes,
        )


def _run_call(
    store: Store,
    call: CheckedCall,
    targets_of_call: Sequence[Target],
    chosen: _Chosen,
    caller: _Caller,
    meter: SweepProgress,
) -> Counter[str]:
    targets = {pair_key(t): t for t in targets_of_call}
    run = chosen.run
    history = store.history(call.table, run.run_id, chosen.retried)
    # A resumed run's pairs recorded before it stopped: not run again, but counted,
    # so that the report (and the CLI's exit code) says what the whole run did.
    done = _recorded(store, call.table, run.run_id) if chosen.resumed else {}
    why = chosen_pairs(
        list(targets),
        retry_failed=chosen.retried is not None,
        max_age=chosen.max_age,
        started=run.started.timestamp(),
        history=history,
    )
    schema = call_schema(call)
    store.begin_call(call.table, schema)
    counts: Counter[str] = Counter(done.values())
    skipped = [
        PairDone(skipped_row(run.run_id, call.table, targets[k], reason), False)
        for k, reason in why.items()
        if reason is not None and k not in done
    ]
    if skipped:
        store.commit(call.table, schema.empty_table(), skipped)
        counts["skipped"] += len(skipped)
    todo = [t for k, t in targets.items() if why[k] is None and k not in done]
    meter.start_call(call.table, len(todo), len(skipped))
    if todo:
        books = _Books(store, call.table, run.run_id, set(history.last_ok), counts)
        service = caller.service(call, todo[:1])
        for start in range(0, len(todo), CHUNK_TARGETS):
            left = caller.left()
            if left is not None and left <= 0:  # recorded, never sent
                _not_started(books, todo[start:], schema, meter.on_result)
                break
            chunk = service.with_targets(todo[start : start + CHUNK_TARGETS])
            if left is not None:
                chunk = chunk.with_options(deadline=left)
            if call.kind == "items":
                _stream_chunk(chunk, call, books, schema, meter.on_result)
            else:
                _call_chunk(chunk, call, books, schema, meter.on_result)
    store.end_call(call.table)
    meter.end_call()
    return counts


def _recorded(store: Store, call: str, run_id: str) -> dict[str, str]:
    """Per pair of ``call`` recorded in run ``run_id``: its status."""
    return dict(store.history(call, run_id, run_id).last_status)


def call_schema(call: CheckedCall) -> pa.Schema:
    """The call's table: ``target``, the target columns, the typed fields."""
    pa = import_pyarrow()
    schema = items_schema(_typed(call))
    return schema.insert(0, pa.field(TARGET, pa.string()))


def _typed(call: CheckedCall) -> Typed:
    if call.kind == "items":
        return item_type(call.service, call.operation)
    return output_type(call.service, call.operation)


@dataclass
class _Books:
    """Turns finished pairs into ``Store.commit`` calls, counting as it goes."""

    store: Store
    call: str
    run_id: str
    had_ok: set[str]  # pairs with an earlier success: a failure keeps those rows
    counts: Counter[str]

    def commit(
        self, rows: pa.Table, results: Sequence[TargetResult[Any]], items: Counter[str]
    ) -> None:
        done = []
        for result in results:
            key = pair_key(result.target)
            row = outcome_row(self.run_id, self.call, result, items[key])
            # A failure replaces rows only where no success left better ones; a
            # pair that did not start, or whose error was ignored, keeps its rows.
            status = row["status"]
            replace = status == OK or (status == FAILED and key not in self.had_ok)
            done.append(PairDone(row, replace))
            self.counts[row["status"]] += 1
            self.counts["rows"] += items[key] if replace else 0
        self.store.commit(self.call, rows, done)


def _not_started(
    books: _Books,
    targets: Sequence[Target],
    schema: pa.Schema,
    on_result: Callable[[TargetResult[Any]], None],
) -> None:
    """The pairs the sweep's deadline left no time for: ``not_started``, no rows."""
    error = NotStartedError("the sweep's deadline passed before this call reached it")
    results: list[TargetResult[Any]] = [TargetResult(t, error=error) for t in targets]
    for result in results:
        on_result(result)
    books.commit(schema.empty_table(), results, Counter())


def _call_chunk(
    service: DynamicService,
    call: CheckedCall,
    books: _Books,
    schema: pa.Schema,
    on_result: Callable[[TargetResult[Any]], None],
) -> None:
    """A plain call: one row per target that answered, with the output's fields."""
    results = service.with_options(on_result=on_result).call(
        call.operation, **call.params
    )
    typed = _typed(call)
    answered = [r for r in results if r.error is None and isinstance(r.value, dict)]
    values = [_value(r.value or {}, typed) for r in answered]
    rows = _rows([r.target for r in answered], values, typed, schema)
    items = Counter(pair_key(r.target) for r in answered)
    books.commit(rows, results, items)


def _value(value: dict[str, Any], typed: Typed) -> dict[str, Any]:
    value = {k: v for k, v in value.items() if k != "ResponseMetadata"}
    return typed.prepare(value) if typed.prepare is not None else value


def _rows(
    targets: Sequence[Target], values: list[Any], typed: Typed, schema: pa.Schema
) -> pa.Table:
    pa = import_pyarrow()
    array = pa.array(values, type=typed.type)
    data = array.flatten() if pa.types.is_struct(typed.type) else [array]
    columns = [
        [pair_key(t) for t in targets],
        [t.region for t in targets],
        [t.account_id for t in targets],
        [endpoint_column(t) for t in targets],
    ]
    strings = [pa.array(c, type=pa.string()) for c in columns]
    return pa.Table.from_arrays(strings + list(data), schema=schema)


def _stream_chunk(
    service: DynamicService,
    call: CheckedCall,
    books: _Books,
    schema: pa.Schema,
    on_result: Callable[[TargetResult[Any]], None],
) -> None:
    sink = PairSink(books, service.targets, schema, on_result)
    items = service.with_options(on_result=sink.on_result).items(
        call.operation, **call.params
    )
    items.write(sink)


class PairSink:
    """A ``data.sinks.Sink`` that commits each (call, target) pair when it ends.

    A pair ends when its last page is written (``DONE`` in the progress a write
    brings) and its result has come (``on_result``), whichever is later; a pair that
    failed part-way ends with the stream (``finish``). Rows of pairs still running
    go to the store's staging area, so the process holds one batch at a time.
    """

    def __init__(
        self,
        books: _Books,
        targets: Sequence[Target],
        schema: pa.Schema,
        then: Callable[[TargetResult[Any]], None],
    ) -> None:
        self.books = books
        self.targets = list(targets)
        self.schema = schema
        self.then = then
        self.by_columns = {
            (t.region, t.account_id, endpoint_column(t)): pair_key(t) for t in targets
        }
        self.results: dict[str, TargetResult[Any]] = {}
        self.lock = threading.Lock()
        self.paged: set[str] = set()  # last page written
        self.committed: set[str] = set()
        self.items: Counter[str] = Counter()

    def on_result(self, result: TargetResult[Any]) -> None:
        with self.lock:
            self.results[pair_key(result.target)] = result
        self.then(result)

    def start(self, schema: pa.Schema, run: str | None) -> Progress:
        return {}

    def write(self, table: pa.Table, progress: Progress) -> None:
        rows = self._keyed(table)
        for name, state in progress.items():
            key = self._key_of(name)
            if state == DONE and key is not None:
                self.paged.add(key)
        with self.lock:
            ready = [k for k in self.paged - self.committed if k in self.results]
        self._commit(rows, ready)

    def finish(self, complete: bool) -> None:
        left = [pair_key(t) for t in self.targets]
        self._commit(
            self.schema.empty_table(), [k for k in left if k not in self.committed]
        )

    def _commit(self, rows: pa.Table, ready: list[str]) -> None:
        self.items.update(rows.column(TARGET).to_pylist())
        with self.lock:
            results = [self._result(k) for k in ready]
        self.books.commit(rows, results, self.items)
        self.committed.update(ready)

    def _result(self, key: str) -> TargetResult[Any]:
        result = self.results.get(key)
        if result is not None:
            return result
        target = next(t for t in self.targets if pair_key(t) == key)
        return TargetResult(target, error=NotStartedError("no result came back"))

    def _key_of(self, name: str) -> str | None:
        """The pair of a progress key of ``data.stream`` ("<index>:<target name>")."""
        index, _, target_name = name.partition(":")
        if index.isdigit() and int(index) < len(self.targets):
            key = pair_key(self.targets[int(index)])  # cached: no URL parsed
            if key == target_name:
                return key
        return None  # unknown form: the pair ends with the stream instead

    def _keyed(self, table: pa.Table) -> pa.Table:
        """``table`` with the ``target`` column first, from its target columns."""
        pa = import_pyarrow()
        columns = zip(
            table.column("target_region").to_pylist(),
            table.column("target_account").to_pylist(),
            table.column("target_endpoint").to_pylist(),
            strict=True,
        )
        keys = [self.by_columns[c] for c in columns]
        keyed = table.add_column(
            0, pa.field(TARGET, pa.string()), pa.array(keys, type=pa.string())
        )
        return keyed.select(self.schema.names)
