"""Where rows go: Parquet and Arrow files and DuckDB tables, written resumably.

Every write is also a checkpoint: with a run id (resume), the progress of each target
(done, or the page token to start from) is written atomically with the rows it
completes, so a run killed at any moment continues exactly where it stopped.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .rows import import_pyarrow

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

Mode = Literal["append", "replace"]
MODES = ("append", "replace")
#: Rows per write (a Parquet row group, a DuckDB transaction, a resume checkpoint).
CHECKPOINT_ROWS = 65536
#: State of a target whose every row is written (else: its next page token or None).
DONE = "done"
PROGRESS_TABLE = "multiregion_progress"

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
        return import_pyarrow().concat_tables(
            self.tables or [self.schema.empty_table()]
        )


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
            fsync_file(tmp)
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


def fsync_file(path: Path) -> None:
    """Make ``path``'s bytes durable before it is renamed into place."""
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def quote_identifier(name: str) -> str:
    """``name`` as a DuckDB identifier, whatever quotes it holds."""
    return '"' + name.replace('"', '""') + '"'


class ArrowFileSink:
    """An Arrow IPC file (Feather v2), written under a temporary name, then renamed."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.writer: Any = None

    def start(self, schema: pa.Schema, run: str | None) -> Progress:
        if run is not None:
            raise ValueError("an Arrow file cannot be resumed: use Parquet or DuckDB")
        self.writer = import_pyarrow().ipc.new_file(self.tmp, schema)
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
        self.quoted = quote_identifier(table)
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


def write_table(table: pa.Table, sink: Sink) -> None:
    """A whole table into ``sink`` at once (results: one row per target)."""
    sink.start(table.schema, None)
    sink.write(table, {})
    sink.finish(complete=True)
