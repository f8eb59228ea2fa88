"""Results as data: Arrow tables, Parquet files and DuckDB tables, typed by botocore.

The column types come from the generated schema data (``_schema``), never from
inference. Items are streamed: pages go into Arrow batches as they arrive and are
written every ``CHECKPOINT_ROWS`` rows, so memory stays bounded whatever the total.
With ``resume=True`` every write is also a checkpoint of which targets are done and,
for the others, the pagination token after their last written page; a run killed at
any moment and started again with ``resume=True`` writes exactly the missing rows.

pyarrow, duckdb, pandas and polars are imported inside functions only
(``pip install multiregion[data]``).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ._pagination import Items, ItemsSource
from ._results import TargetResult, TargetResults
from ._schema import TARGET_COLUMNS, Typed, item_type, output_type, to_json
from ._secrets import Redactor, without_password
from ._targets import Target

if TYPE_CHECKING:
    import duckdb
    import pandas
    import polars
    import pyarrow as pa

Mode = Literal["append", "replace"]
MODES = ("append", "replace")
#: Rows converted to Arrow at a time, and rows per write (a Parquet row group, a
#: DuckDB transaction, a resume checkpoint).
BATCH_ROWS = 8192
CHECKPOINT_ROWS = 65536
#: Pages waiting to be written; a full queue makes the fetching threads wait.
QUEUE_PAGES = 16
#: State of a target whose every row is written (else: its next page token or None).
DONE = "done"
PROGRESS_TABLE = "multiregion_progress"

Source = TargetResults[Any] | Items[Any]


def _pa() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError(
            "results as data need pyarrow: pip install 'multiregion[data]'"
        ) from None
    return pyarrow


# -- target columns ---------------------------------------------------------------


def endpoint_of(target: Target) -> str | None:
    """The target's label, else its endpoint URL (any password shown as ****)."""
    if target.label:
        return target.label
    return without_password(target.endpoint_url) if target.endpoint_url else None


def mask_text(text: str, target: Target) -> str:
    """``text`` without the target's keys, token or endpoint password, nor any
    credential in the places botocore's messages put them (``_secrets``)."""
    redact = Redactor()
    credentials = target.credentials
    if credentials is not None:
        redact.add(
            credentials.access_key_id,
            credentials.secret_access_key,
            credentials.session_token,
        )
    if target.endpoint_url:
        redact.add_endpoint(target.endpoint_url)
    return redact(text)


def _target_fields(pa: Any) -> list[Any]:
    return [pa.field(name, pa.string()) for name in TARGET_COLUMNS]


# -- results: one row per target ----------------------------------------------------


def results_schema(typed: Typed) -> pa.Schema:
    pa = _pa()
    return pa.schema(
        _target_fields(pa)
        + [
            pa.field("ok", pa.bool_(), nullable=False),
            pa.field("skipped", pa.bool_(), nullable=False),
            pa.field("error_code", pa.string()),
            pa.field("error", pa.string()),
            pa.field("attempts", pa.int64()),
            pa.field("elapsed", pa.float64(), nullable=False),
            pa.field("value", typed.type),
        ]
    )


def _source_of(results: TargetResults[Any]) -> tuple[str, str]:
    if results.source is None:
        raise ValueError(
            "these results do not say which operation made them, so there is no "
            "schema for them: call to_arrow() on what a MultiRegion method returned"
        )
    return results.source


def results_to_arrow(results: TargetResults[Any]) -> pa.Table:
    """One row per target: target columns, outcome columns and the typed value."""
    typed = output_type(*_source_of(results))
    rows = [_result_row(r, typed) for r in results]
    return _pa().Table.from_pylist(rows, schema=results_schema(typed))


def _result_row(result: TargetResult[Any], typed: Typed) -> dict[str, Any]:
    target = result.target
    value = result.value
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "ResponseMetadata"}
        value = typed.prepare(value) if typed.prepare is not None else value
    else:
        value = None
    error = result.error
    return {
        "target_region": target.region,
        "target_account": target.account_id,
        "target_endpoint": endpoint_of(target),
        "ok": result.ok,
        "skipped": result.skipped,
        "error_code": result.error_code,
        "error": (
            None
            if error is None
            else mask_text(f"{type(error).__name__}: {error}", target)
        ),
        "attempts": attempts_of(result),
        "elapsed": result.elapsed,
        "value": value,
    }


def attempts_of(result: TargetResult[Any]) -> int | None:
    """HTTP attempts of the target's call, from botocore's ResponseMetadata
    (RetryAttempts + 1) of its value or of its error's response; None where botocore
    reports none (a paginated call's merged result, a connection error)."""
    for response in (result.value, getattr(result.error, "response", None)):
        if isinstance(response, dict):
            retries = response.get("ResponseMetadata", {}).get("RetryAttempts")
            if isinstance(retries, int):
                return retries + 1
    return None


# -- items: one row per item ----------------------------------------------------------


def items_schema(typed: Typed) -> pa.Schema:
    """Target columns, then the item's fields (a struct item) or ``value``."""
    pa = _pa()
    if pa.types.is_struct(typed.type):
        fields = [typed.type.field(i) for i in range(typed.type.num_fields)]
    else:
        fields = [pa.field("value", typed.type)]
    return pa.schema(_target_fields(pa) + fields)


class _RowBuffer:
    """Items gathered into Arrow record batches of ``BATCH_ROWS``."""

    def __init__(self, typed: Typed) -> None:
        self.pa = _pa()
        self.typed = typed
        self.schema = items_schema(typed)
        self.is_struct = self.pa.types.is_struct(typed.type)
        self.batches: list[Any] = []
        self.rows = 0
        self._clear()

    def _clear(self) -> None:
        self.columns: tuple[list[Any], ...] = ([], [], [])
        self.values: list[Any] = []

    def add(self, target: Target, values: list[Any]) -> None:
        prepare = self.typed.prepare
        if prepare is not None:
            values = [None if v is None else prepare(v) for v in values]
        for column, value in zip(
            self.columns,
            (target.region, target.account_id, endpoint_of(target)),
            strict=True,
        ):
            column.extend([value] * len(values))
        self.values.extend(values)
        self.rows += len(values)
        if len(self.values) >= BATCH_ROWS:
            self._convert()

    def _convert(self) -> None:
        if not self.values:
            return
        pa = self.pa
        values = pa.array(self.values, type=self.typed.type)
        data = values.flatten() if self.is_struct else [values]
        targets = [pa.array(c, type=pa.string()) for c in self.columns]
        self.batches.append(
            pa.RecordBatch.from_arrays(targets + data, schema=self.schema)
        )
        self._clear()

    def take(self) -> pa.Table:
        """The rows so far as one table; the buffer is empty afterwards."""
        self._convert()
        table = self.pa.Table.from_batches(self.batches, schema=self.schema)
        self.batches, self.rows = [], 0
        return table


# -- where rows go -----------------------------------------------------------------------

#: Per target key: DONE, or the token to start its next page from (None: start).
Progress = dict[str, str | None]


class Sink(Protocol):
    def start(self, schema: pa.Schema, run: str | None) -> Progress:
        """Prepare the output; with a ``run`` (resume), the progress recorded for it."""

    def write(self, table: pa.Table, progress: Progress) -> None:
        """Write rows and, atomically with them, the progress they complete."""

    def finish(self, complete: bool) -> None:
        """Close the output; ``complete``: every target done (progress not kept)."""


class MemorySink:
    def __init__(self) -> None:
        self.tables: list[Any] = []
        self.schema: Any = None

    def start(self, schema: pa.Schema, run: str | None) -> Progress:
        self.schema = schema
        return {}

    def write(self, table: pa.Table, progress: Progress) -> None:
        if table.num_rows:
            self.tables.append(table)

    def finish(self, complete: bool) -> None:
        pass

    def table(self) -> pa.Table:
        return _pa().concat_tables(self.tables or [self.schema.empty_table()])


class ParquetSink:
    """A Parquet file, written under a temporary name and renamed when complete.

    Resumable: row groups are written as part files in ``<path>.progress/``, each
    recorded (after it is on disk) in ``journal.jsonl`` with the progress it
    completes; the finished file is made from the parts.
    """

    def __init__(self, path: str | os.PathLike[str], compression: str = "zstd"):
        self.path = Path(path)
        self.compression = compression
        self.dir = self.path.with_name(self.path.name + ".progress")
        self.journal = self.dir / "journal.jsonl"
        self.writer: Any = None
        self.schema: Any = None
        self.parts: list[str] = []
        self.resumable = False

    def start(self, schema: pa.Schema, run: str | None) -> Progress:
        import pyarrow.parquet as pq

        self.schema = schema
        self.resumable = run is not None
        if run is None:
            tmp = self.path.with_name(self.path.name + ".tmp")
            self.writer = pq.ParquetWriter(tmp, schema, compression=self.compression)
            return {}
        progress = self._read_journal(run) if self.journal.exists() else None
        if progress is None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            self._append({"run": run})
            return {}
        for stale in set(os.listdir(self.dir)) - set(self.parts) - {"journal.jsonl"}:
            os.remove(self.dir / stale)  # written, but its journal line was not
        return progress

    def _read_journal(self, run: str) -> Progress | None:
        lines = self.journal.read_text(encoding="utf-8").splitlines()
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except ValueError:  # a line cut short by the kill: not committed
                break
        if not entries or entries[0].get("run") != run:
            return None
        progress: Progress = {}
        for entry in entries[1:]:
            if entry.get("part"):
                self.parts.append(entry["part"])
            progress.update(entry["progress"])
        return progress

    def write(self, table: pa.Table, progress: Progress) -> None:
        if not self.resumable:
            if table.num_rows:
                self.writer.write_table(table, row_group_size=CHECKPOINT_ROWS)
            return
        import pyarrow.parquet as pq

        part = None
        if table.num_rows:
            part = f"part-{len(self.parts):06d}.parquet"
            tmp = self.dir / (part + ".tmp")
            pq.write_table(table, tmp, compression=self.compression)
            _fsync(tmp)
            os.replace(tmp, self.dir / part)
            self.parts.append(part)
        self._append({"part": part, "progress": progress})

    def _append(self, entry: dict[str, Any]) -> None:
        with open(self.journal, "a", encoding="utf-8") as journal:
            journal.write(json.dumps(entry) + "\n")
            journal.flush()
            os.fsync(journal.fileno())

    def finish(self, complete: bool) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        if self.resumable:
            self._merge_parts(tmp)
        else:
            self.writer.close()
        os.replace(tmp, self.path)
        if self.resumable and complete:
            # The journal goes first: a kill while the parts are being deleted must
            # not leave a journal naming parts that are gone (a fresh run follows).
            os.remove(self.journal)
            shutil.rmtree(self.dir)

    def _merge_parts(self, tmp: Path) -> None:
        import pyarrow.parquet as pq

        with pq.ParquetWriter(tmp, self.schema, compression=self.compression) as out:
            for part in self.parts:  # one part in memory at a time
                out.write_table(pq.read_table(self.dir / part, schema=self.schema))


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


class ArrowFileSink:
    """An Arrow IPC file (Feather v2), written under a temporary name, then renamed."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.writer: Any = None

    def start(self, schema: pa.Schema, run: str | None) -> Progress:
        if run is not None:
            raise ValueError("an Arrow file cannot be resumed: use Parquet or DuckDB")
        self.writer = _pa().ipc.new_file(self.tmp, schema)
        return {}

    def write(self, table: pa.Table, progress: Progress) -> None:
        if table.num_rows:
            self.writer.write_table(table)

    def finish(self, complete: bool) -> None:
        self.writer.close()
        os.replace(self.tmp, self.path)


class DuckDBSink:
    """A DuckDB table; each write is one transaction holding the rows and, when
    resumable, the progress in table ``multiregion_progress`` of the same database."""

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, table: str, mode: Mode
    ) -> None:
        check_table_args(table, mode)
        self.con = connection
        self.table = table
        self.quoted = '"' + table.replace('"', '""') + '"'
        self.mode = mode
        self.resumable = False

    def start(self, schema: pa.Schema, run: str | None) -> Progress:
        self.resumable = run is not None
        self.con.execute(
            f'CREATE TABLE IF NOT EXISTS "{PROGRESS_TABLE}" '
            "(table_name VARCHAR, target VARCHAR, state VARCHAR)"
        )
        if run is not None:
            recorded = self._progress()
            if recorded.get("") == run:
                del recorded[""]
                return recorded
        empty = schema.empty_table()
        self.con.execute("BEGIN TRANSACTION")
        self.con.register("__multiregion_empty", empty)
        create = (
            "CREATE OR REPLACE TABLE"
            if self.mode == "replace"
            else "CREATE TABLE IF NOT EXISTS"
        )
        self.con.execute(f"{create} {self.quoted} AS SELECT * FROM __multiregion_empty")
        self.con.unregister("__multiregion_empty")
        self._set_progress({"": run} if run is not None else {}, clear=True)
        self.con.execute("COMMIT")
        return {}

    def _progress(self) -> Progress:
        rows = self.con.execute(
            f'SELECT target, state FROM "{PROGRESS_TABLE}" WHERE table_name = ?',
            [self.table],
        ).fetchall()
        return {str(target): state for target, state in rows}

    def _set_progress(self, progress: Progress, clear: bool = False) -> None:
        if clear:
            self.con.execute(
                f'DELETE FROM "{PROGRESS_TABLE}" WHERE table_name = ?', [self.table]
            )
        for target, state in progress.items():
            self.con.execute(
                f'DELETE FROM "{PROGRESS_TABLE}" WHERE table_name = ? AND target = ?',
                [self.table, target],
            )
            self.con.execute(
                f'INSERT INTO "{PROGRESS_TABLE}" VALUES (?, ?, ?)',
                [self.table, target, state],
            )

    def write(self, table: pa.Table, progress: Progress) -> None:
        self.con.execute("BEGIN TRANSACTION")
        if table.num_rows:
            self.con.register("__multiregion_batch", table)
            self.con.execute(
                f"INSERT INTO {self.quoted} BY NAME SELECT * FROM __multiregion_batch"
            )
            self.con.unregister("__multiregion_batch")
        if self.resumable:
            self._set_progress(progress)
        self.con.execute("COMMIT")
        # Moves the rows from the write-ahead log into the database file, so the
        # memory that held them can be released: memory stays bounded.
        self.con.execute("CHECKPOINT")

    def finish(self, complete: bool) -> None:
        if complete:
            self.con.execute(
                f'DELETE FROM "{PROGRESS_TABLE}" WHERE table_name = ?', [self.table]
            )


def check_table_args(table: object, mode: object) -> None:
    if not isinstance(table, str) or not table:
        raise ValueError(f"table must be a non-empty table name, got {table!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")


# -- streaming items: pages to rows ------------------------------------------------------


@dataclass
class _Page:
    key: str
    target: Target
    values: list[Any]
    token: str | None  # botocore's token for the next page; None: this was the last


@dataclass
class _PageStream:
    """Fetches every target's pages in a background fan-out, into a bounded queue."""

    source: ItemsSource
    starts: dict[Target, str | None]  # the targets to run, and where each starts
    keys: dict[Target, str]
    pages: queue.Queue[Any] = field(default_factory=lambda: queue.Queue(QUEUE_PAGES))
    stopped: threading.Event = field(default_factory=threading.Event)
    results: TargetResults[int] | None = None
    error: BaseException | None = None

    def __iter__(self) -> Iterator[_Page]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            while (page := self.pages.get()) is not None:
                yield page
        finally:
            self.stopped.set()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            targets = list(self.starts)
            self.results = self.source.client._run(targets, self._one)
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer
            self.error = error
        self.pages.put(None)

    def _one(self, target: Target, client: Any) -> int:
        from botocore.paginate import TokenEncoder

        source = self.source
        config: dict[str, Any] = {
            "MaxItems": source.max_items,
            "PageSize": source.page_size,
            "StartingToken": self.starts[target],
        }
        pages = client.get_paginator(source.method).paginate(
            **dict(source.params), PaginationConfig=config
        )
        count = 0
        for page in pages:
            values = list(source.search(page) or ())
            next_token = pages._get_next_token(page)  # botocore's own token reading
            more = any(v is not None for v in next_token.values())
            token = TokenEncoder().encode(next_token) if more else None
            self._put(_Page(self.keys[target], target, values, token))
            count += len(values)
        return count

    def _put(self, page: _Page) -> None:
        while not self.stopped.is_set():
            try:
                self.pages.put(page, timeout=0.2)
                return
            except queue.Full:
                continue
        raise RuntimeError("the writer stopped")


def _run_fingerprint(source: ItemsSource, keys: Mapping[Target, str]) -> str:
    """What identifies a run, so a resume never mixes two different runs' rows."""
    return to_json(
        {
            "service": source.client.service_name,
            "operation": source.operation_name,
            "params": source.params,
            "targets": list(keys.values()),
        }
    )


def write_items(
    items: Items[Any], sink: Sink, resume: bool = False
) -> TargetResults[int]:
    """Stream every item of ``items`` into ``sink``; per target, the items written
    (a failed target: its error, after the rows it gave were written)."""
    source = items._take_source()
    if resume and source.max_items is not None:
        raise ValueError("resume=True cannot be combined with max_items")
    targets = source.client.targets
    keys = {t: f"{i}:{t.name}" for i, t in enumerate(targets)}
    typed = item_type(source.client.service_name, source.operation_name)
    buffer = _RowBuffer(typed)
    run = _run_fingerprint(source, keys) if resume else None
    progress = sink.start(buffer.schema, run)
    starts = {t: progress.get(k) for t, k in keys.items() if progress.get(k) != DONE}
    stream = _PageStream(source, starts, keys)
    pending: Progress = {}
    for page in stream:
        buffer.add(page.target, page.values)
        pending[page.key] = page.token if page.token is not None else DONE
        if buffer.rows >= CHECKPOINT_ROWS:
            sink.write(buffer.take(), pending)
            progress.update(pending)
            pending = {}
    results = stream.results
    assert results is not None
    for result in results:
        if result.skipped:
            pending[keys[result.target]] = DONE
    progress.update(pending)
    sink.write(buffer.take(), pending)
    sink.finish(complete=all(progress.get(k) == DONE for k in keys.values()))
    results.source = (source.client.service_name, source.operation_name)
    return results


# -- the public entry points the results and items classes delegate to ------------------


def to_arrow(data: Source) -> pa.Table:
    if isinstance(data, Items):
        sink = MemorySink()
        write_items(data, sink).raise_for_errors()
        return sink.table()
    return results_to_arrow(data)


def write_parquet(
    data: Source, path: str | os.PathLike[str], *, resume: bool = False
) -> None:
    sink = ParquetSink(path)
    if isinstance(data, Items):
        write_items(data, sink, resume).raise_for_errors()
        return
    write_table(results_to_arrow(data), sink)


def to_duckdb(
    data: Source,
    connection: duckdb.DuckDBPyConnection,
    table: str,
    *,
    mode: Mode = "replace",
    resume: bool = False,
) -> None:
    sink = DuckDBSink(connection, table, mode)
    if isinstance(data, Items):
        write_items(data, sink, resume).raise_for_errors()
        return
    write_table(results_to_arrow(data), sink)


def write_table(table: pa.Table, sink: Sink) -> None:
    sink.start(table.schema, None)
    sink.write(table, {})
    sink.finish(complete=True)


def to_pandas(data: Source) -> pandas.DataFrame:
    """Through Arrow; timestamps stay timezone-aware (UTC), blobs stay bytes."""
    return to_arrow(data).to_pandas()


def to_polars(data: Source) -> polars.DataFrame:
    import polars

    frame = polars.from_arrow(to_arrow(data))
    assert isinstance(frame, polars.DataFrame)
    return frame
