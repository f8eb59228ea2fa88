"""``--output parquet|arrow|duckdb --out FILE``: results as data, from the command line.

With ``--paginate``, an operation whose pages hold a list of items (``iter_`` in the
library) is streamed: one row per item, written as pages arrive, and ``--resume``
continues a stopped run. Otherwise one row per target, with the typed value.
pyarrow and duckdb are imported only when one of these formats is asked for.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import botocore

from ..data import schema as _schema
from ..data import sinks
from ..fanout.dynamic import DynamicService
from ..results.results import TargetResults
from ._args import CommandLine, UsageError

DATA_FORMATS = ("parquet", "arrow", "duckdb")
_DATA_ONLY = ("--out", "--table", "--append", "--resume")


def check_data_options(
    line: CommandLine, fmt: str, paginate: bool, service: str, operation: str
) -> None:
    """Every mistake in the data options, before anything is sent (or planned)."""
    if fmt not in DATA_FORMATS:
        given = [name for name in _DATA_ONLY if name in line.options]
        if given:
            raise UsageError(f"{given[0]} needs --output {' or '.join(DATA_FORMATS)}")
        return
    if line.value("--out") is None:
        raise UsageError(f"--output {fmt} needs --out FILE")
    if line.value("--query") is not None:
        raise UsageError(f"--query does not apply to --output {fmt}: the file is typed")
    if fmt != "duckdb":
        for name in ("--table", "--append"):
            if line.flag(name):
                raise UsageError(f"{name} needs --output duckdb")
    if line.flag("--resume"):
        if fmt == "arrow":
            raise UsageError("--resume needs --output parquet or duckdb")
        if not paginate:
            raise UsageError(
                "--resume needs pages (progress is kept per page): drop --no-paginate"
            )
        if line.value("--max-items") is not None:
            raise UsageError("--resume cannot be combined with --max-items")
        if operation not in _schema.service_data(service)["items"]:
            raise UsageError(
                f"--resume needs an operation whose pages list items; {operation}'s "
                "do not (its rows are one per target)"
            )
    if paginate and line.value("--starting-token") is not None:
        raise UsageError(
            f"--starting-token does not apply to --output {fmt}: --resume continues "
            "a stopped run from the tokens it kept"
        )
    _import_data_packages()


def resume_state(line: CommandLine, fmt: str, operation: str) -> str:
    """With --resume: whether ``--out`` holds a "stopped" run to continue, a
    "finished" one (a finished run keeps no progress: resuming it would fetch
    everything again), or "none"."""
    out = line.value("--out")
    assert out is not None  # check_data_options saw it
    if fmt == "parquet":
        if sinks.ParquetSink(out).journal.exists():
            return "stopped"
        return "finished" if os.path.exists(out) else "none"
    if not os.path.exists(out):
        return "none"
    import duckdb

    table = line.value("--table") or botocore.xform_name(operation)
    with duckdb.connect(os.fspath(out), read_only=True) as connection:
        names = {row[0] for row in connection.execute("SHOW TABLES").fetchall()}
        if sinks.PROGRESS_TABLE in names:
            kept = connection.execute(
                f'SELECT count(*) FROM "{sinks.PROGRESS_TABLE}" WHERE table_name = ?',
                [table],
            ).fetchone()
            if kept and kept[0]:
                return "stopped"
    return "finished" if table in names else "none"


def _import_data_packages() -> None:
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as error:
        raise UsageError(
            f"--output needs {error.name}: pip install 'multiregion[data]'"
        ) from None


def write_data(
    line: CommandLine,
    services: DynamicService,
    operation_name: str,
    params: dict[str, Any],
    paginate: bool,
    max_items: int | None,
    page_size: int | None,
) -> TargetResults[Any]:
    """Run the call and write its rows to ``--out``; the per-target results."""
    fmt = line.value("--output")
    out = line.value("--out")
    assert fmt is not None and out is not None  # check_data_options saw them
    with contextlib.ExitStack() as stack:
        sink = _sink(line, fmt, out, operation_name, stack)
        items_data = _schema.service_data(services.service_name)["items"]
        if paginate and operation_name in items_data:
            items = services.items(
                operation_name, max_items=max_items, page_size=page_size, **params
            )
            return items.write(sink, resume=line.flag("--resume"))
        if paginate:
            results = services.paginate(
                operation_name, max_items=max_items, page_size=page_size, **params
            )
        else:
            results = services.call(operation_name, **params)
        sinks.write_table(results.to_arrow(), sink)
        return results


def _sink(
    line: CommandLine,
    fmt: str,
    out: str,
    operation_name: str,
    stack: contextlib.ExitStack,
) -> sinks.Sink:
    if fmt == "parquet":
        return sinks.ParquetSink(out)
    if fmt == "arrow":
        return sinks.ArrowFileSink(out)
    import duckdb

    table = line.value("--table") or botocore.xform_name(operation_name)
    mode: sinks.Mode = "append" if line.flag("--append") else "replace"
    connection = stack.enter_context(duckdb.connect(os.fspath(out)))
    return sinks.DuckDBSink(connection, table, mode)
