"""A sweep into one DuckDB file: a table per call, ``_sweep_runs``, ``_sweep_targets``.

Rows of a pair still running wait in ``_sweep_staging_<table>``; when the pair ends,
its rows move into the call's table, replacing its old ones, in the same transaction
as its ``_sweep_targets`` row. A ``kill -9`` leaves a pair whole or absent, and the
staging area is emptied when the call starts again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..data.sinks import quote_identifier
from .books import RUNS, TARGET, TARGETS, PairDone, Run, rows_table, runs_schema
from .books import targets_schema as _targets_schema
from .pairs import OK, History

if TYPE_CHECKING:
    import pyarrow as pa


#: DuckDB's memory limit while a sweep writes (its own default: 80% of RAM).
MEMORY_LIMIT = "1GB"


def _staging(call: str) -> str:
    return quote_identifier(f"_sweep_staging_{call}")


class DuckDBStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            import duckdb
        except ImportError:
            raise ImportError(
                "a sweep into DuckDB needs duckdb: pip install 'multiregion[data]'"
            ) from None
        try:
            self.con = duckdb.connect(os.fspath(path))
        except duckdb.Error as error:  # not a DuckDB file, or another writer's lock
            raise ValueError(f"cannot write {os.fspath(path)!r}: {error}") from None
        # DuckDB's buffer cache may grow to 80% of RAM by default; a sweep's inserts
        # and deletes need little of it (they spill to disk past the limit).
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self._create(RUNS, runs_schema())
        self._create(TARGETS, _targets_schema())

    def _create(self, name: str, schema: pa.Schema) -> None:
        self.con.register("__sweep_empty", schema.empty_table())
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS {quote_identifier(name)} AS SELECT * FROM __sweep_empty"
        )
        self.con.unregister("__sweep_empty")

    # -- runs ------------------------------------------------------------------------

    def last_run(self) -> Run | None:
        row = self.con.execute(
            f"SELECT run_id, spec_digest, started, ended, options FROM {RUNS} "
            "ORDER BY started DESC, run_id DESC LIMIT 1"
        ).fetchone()
        return Run(*row) if row else None

    def start_run(self, run: Run) -> None:
        self.con.execute(
            f"INSERT INTO {RUNS} VALUES (?, ?, ?, ?, ?)",
            [run.run_id, run.spec_digest, run.started, run.ended, run.options],
        )

    def end_run(self, run: Run) -> None:
        self.con.execute(
            f"UPDATE {RUNS} SET ended = ? WHERE run_id = ?", [run.ended, run.run_id]
        )
        self.con.execute("CHECKPOINT")

    def done_pairs(self, run_id: str, call: str) -> set[str]:
        rows = self.con.execute(
            f"SELECT {TARGET} FROM {TARGETS} WHERE run_id = ? AND call = ?",
            [run_id, call],
        ).fetchall()
        return {str(r[0]) for r in rows}

    def history(self, call: str, before: str, retried: str | None) -> History:
        statuses = self.con.execute(
            f"SELECT {TARGET}, status FROM {TARGETS} WHERE run_id = ? AND call = ?",
            [retried or "", call],
        ).fetchall()
        last_ok = self.con.execute(
            f"SELECT {TARGET}, epoch(max(finished_at)) FROM {TARGETS} "
            "WHERE call = ? AND status = ? AND run_id <> ? GROUP BY 1",
            [call, OK, before],
        ).fetchall()
        return History(
            {str(k): str(s) for k, s in statuses},
            {str(k): float(t) for k, t in last_ok},
        )

    # -- a call's rows -----------------------------------------------------------------

    def begin_call(self, call: str, schema: pa.Schema) -> None:
        self.con.register("__sweep_empty", schema.empty_table())
        for name in (quote_identifier(call), _staging(call)):
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {name} AS SELECT * FROM __sweep_empty"
            )
            self._add_new_columns(name)
        self.con.unregister("__sweep_empty")
        self.con.execute(f"DELETE FROM {_staging(call)}")  # pairs cut by a kill

    def _add_new_columns(self, table: str) -> None:
        """Fields a newer botocore added since the table was made: new columns
        (empty in the old rows), so that rows by name still fit."""
        have = {r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()}
        wanted = self.con.execute("DESCRIBE __sweep_empty").fetchall()
        for name, kind, *_ in wanted:
            if name not in have:
                self.con.execute(
                    f"ALTER TABLE {table} ADD COLUMN {quote_identifier(name)} {kind}"
                )

    def commit(self, call: str, rows: pa.Table, done: Sequence[PairDone]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        finished = pa.array([d.key for d in done], type=pa.string())
        replacing = pa.table({TARGET: [d.key for d in done if d.replace]})
        kept = pa.table({TARGET: [d.key for d in done if not d.replace]})
        is_done = pc.is_in(rows.column(TARGET), value_set=finished)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            self._register(
                __sweep_now=rows.filter(is_done),
                __sweep_later=rows.filter(pc.invert(is_done)),
                __sweep_replace=replacing,
                __sweep_keep=kept,
                __sweep_books=rows_table([d.row for d in done]),
            )
            table, staging = quote_identifier(call), _staging(call)
            con.execute(f"INSERT INTO {staging} BY NAME SELECT * FROM __sweep_later")
            con.execute(
                f"DELETE FROM {table} WHERE {TARGET} IN "
                f"(SELECT {TARGET} FROM __sweep_replace)"
            )
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * FROM __sweep_now "
                f"WHERE {TARGET} IN (SELECT {TARGET} FROM __sweep_replace)"
            )
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * FROM {staging} "
                f"WHERE {TARGET} IN (SELECT {TARGET} FROM __sweep_replace)"
            )
            con.execute(
                f"DELETE FROM {staging} WHERE {TARGET} IN "
                f"(SELECT {TARGET} FROM __sweep_replace UNION ALL "
                f"SELECT {TARGET} FROM __sweep_keep)"
            )
            con.execute(f"INSERT INTO {TARGETS} BY NAME SELECT * FROM __sweep_books")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in ("now", "later", "replace", "keep", "books"):
                con.unregister(f"__sweep_{name}")

    def end_call(self, call: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {_staging(call)}")

    def _register(self, **tables: Any) -> None:
        for name, table in tables.items():
            self.con.register(name, table)

    def close(self) -> None:
        self.con.execute("CHECKPOINT")
        self.con.close()
