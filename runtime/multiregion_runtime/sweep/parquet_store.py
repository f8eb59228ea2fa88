"""A sweep into a Parquet dataset (a folder), hive-partitioned for Athena, Spark or
DuckDB: ``call=<table>/account=<a>/region=<r>/<pair>.parquet``,
``_sweep_runs/<run>.json`` and ``_sweep_targets/run=<run>/*.parquet``.

Every file is written under a temporary name, fsynced and renamed into place: a pair's
file is whole or absent, and a re-run pair's new file replaces the old one in one
rename. A pair's file is renamed before its ``_sweep_targets`` row is: a kill in
between re-runs the pair, which writes the same file name again (never twice).
Rows of a pair still running wait in ``_sweep_staging/`` as part files.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..data.sinks import fsync_file
from .books import RUNS, TARGET, TARGETS, PairDone, Run, rows_table
from .pairs import OK, History

if TYPE_CHECKING:
    import pyarrow as pa

COMPRESSION = "zstd"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(table: pa.Table, path: Path) -> None:
    """``table`` at ``path``, whole or not at all."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression=COMPRESSION)
    fsync_file(tmp)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _part(value: str | None) -> str:
    """A value as a hive partition folder name (``__HIVE_DEFAULT_PARTITION__``: none)."""
    if not value:
        return "__HIVE_DEFAULT_PARTITION__"
    return urllib.parse.quote(value, safe="")


def _file_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]


class ParquetStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.root = Path(path)
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(
                f"{str(self.root)!r} is a file; a Parquet dataset is a folder "
                "(use a .duckdb name for DuckDB)"
            )
        for folder in (RUNS, TARGETS, "_sweep_staging"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.lock = _lock(self.root / ".sweep.lock")
        # A sweep killed mid-write leaves that file's ".<name>.tmp" (renamed into place
        # only once whole): with the lock held no writer has one open, so all are stale.
        for stale in self.root.rglob(".*.tmp"):
            stale.unlink()
        self.schemas: dict[str, pa.Schema] = {}
        self.staged: dict[tuple[str, str], int] = {}  # (call, target) -> parts

    # -- runs ------------------------------------------------------------------------

    def _runs(self) -> list[Run]:
        runs = []
        for path in (self.root / RUNS).glob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            for key in ("started", "ended"):
                if data[key] is not None:
                    data[key] = datetime.datetime.fromisoformat(data[key])
            runs.append(Run(**data))
        return runs

    def last_run(self) -> Run | None:
        runs = self._runs()
        return max(runs, key=lambda r: (r.started, r.run_id)) if runs else None

    def start_run(self, run: Run) -> None:
        self._write_run(run)

    def end_run(self, run: Run) -> None:
        self._write_run(run)

    def _write_run(self, run: Run) -> None:
        data = {
            "run_id": run.run_id,
            "spec_digest": run.spec_digest,
            "started": run.started.isoformat(),
            "ended": run.ended.isoformat() if run.ended else None,
            "options": run.options,
        }
        path = self.root / RUNS / f"{run.run_id}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    def _books(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """A query over ``_sweep_targets`` (DuckDB reads the folder, not memory)."""
        import duckdb

        files = self.root / TARGETS / "*" / "*.parquet"
        if not any((self.root / TARGETS).glob("*/*.parquet")):
            return []
        con = duckdb.connect()
        try:  # the path as a parameter: a folder's name may hold a quote
            view = "read_parquet(?, hive_partitioning = false)"
            query = sql.replace("BOOKS", view)
            return con.execute(query, [str(files), *params]).fetchall()
        finally:
            con.close()

    def done_pairs(self, run_id: str, call: str) -> set[str]:
        rows = self._books(
            f"SELECT {TARGET} FROM BOOKS WHERE run_id = ? AND call = ?", [run_id, call]
        )
        return {str(r[0]) for r in rows}

    def history(self, call: str, before: str, retried: str | None) -> History:
        statuses = self._books(
            f"SELECT {TARGET}, status FROM BOOKS WHERE run_id = ? AND call = ?",
            [retried or "", call],
        )
        last_ok = self._books(
            f"SELECT {TARGET}, epoch(max(finished_at)) FROM BOOKS "
            "WHERE call = ? AND status = ? AND run_id <> ? GROUP BY 1",
            [call, OK, before],
        )
        return History(
            {str(k): str(s) for k, s in statuses},
            {str(k): float(t) for k, t in last_ok},
        )

    # -- a call's rows -----------------------------------------------------------------

    def begin_call(self, call: str, schema: pa.Schema) -> None:
        self.schemas[call] = schema
        staging = self.root / "_sweep_staging" / call
        shutil.rmtree(staging, ignore_errors=True)  # pairs cut by a kill
        staging.mkdir(parents=True)

    def commit(self, call: str, rows: pa.Table, done: Sequence[PairDone]) -> None:
        import pyarrow.compute as pc

        finished = {d.key for d in done}
        for key in set(rows.column(TARGET).to_pylist()) - finished:
            self._stage(call, key, rows.filter(pc.equal(rows.column(TARGET), key)))
        for pair in done:
            mine = rows.filter(pc.equal(rows.column(TARGET), pair.key))
            if pair.replace:
                self._replace(call, pair, mine)
            self._drop_staged(call, pair.key)
        if done:
            self._write_books(done)

    def _stage(self, call: str, key: str, rows: pa.Table) -> None:
        number = self.staged.get((call, key), 0)
        path = self.root / "_sweep_staging" / call / f"{_file_of(key)}-{number}.parquet"
        _write_atomically(rows, path)
        self.staged[(call, key)] = number + 1

    def _staged_parts(self, call: str, key: str) -> list[Path]:
        folder = self.root / "_sweep_staging" / call
        return [
            folder / f"{_file_of(key)}-{n}.parquet"
            for n in range(self.staged.get((call, key), 0))
        ]

    def _drop_staged(self, call: str, key: str) -> None:
        for part in self._staged_parts(call, key):
            part.unlink(missing_ok=True)
        self.staged.pop((call, key), None)

    def _replace(self, call: str, pair: PairDone, rows: pa.Table) -> None:
        """The pair's file: its staged parts and ``rows``, renamed over the old one
        (no rows: the old file removed)."""
        import pyarrow.parquet as pq

        row = pair.row
        folder = (
            self.root
            / f"call={call}"
            / f"account={_part(row['target_account'])}"
            / f"region={_part(row['target_region'])}"
        )
        path = folder / f"{_file_of(pair.key)}.parquet"
        parts = self._staged_parts(call, pair.key)
        if not parts and not rows.num_rows:
            if path.exists():
                path.unlink()
                _fsync_dir(folder)
            return
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        with pq.ParquetWriter(tmp, rows.schema, compression=COMPRESSION) as out:
            for part in parts:  # one part in memory at a time
                out.write_table(pq.read_table(part, schema=rows.schema))
            out.write_table(rows)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(folder)

    def _write_books(self, done: Sequence[PairDone]) -> None:
        run_id = done[0].row["run_id"]
        folder = self.root / TARGETS / f"run={run_id}"
        folder.mkdir(parents=True, exist_ok=True)
        number = len(list(folder.glob("*.parquet")))
        _write_atomically(
            rows_table([d.row for d in done]), folder / f"part-{number:06d}.parquet"
        )

    def end_call(self, call: str) -> None:
        shutil.rmtree(self.root / "_sweep_staging" / call, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root / "_sweep_staging", ignore_errors=True)
        self.lock.close()  # and with it the lock


def _lock(path: Path) -> IO[bytes]:
    """An exclusive lock on the dataset while this sweep writes it (DuckDB locks its
    file itself): a second sweep into the same folder is refused, not interleaved.
    The kernel drops the lock when the process dies, kill -9 included."""
    handle = open(path, "ab")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks here
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise RuntimeError(
            f"another sweep is writing {str(path.parent)!r}: wait for it to end"
        ) from None
    return handle
