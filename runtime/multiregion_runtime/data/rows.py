"""Rows: target columns, one row per target's result, and items gathered into batches.

The column types come from the generated schema data (``schema``), never from
inference. This layer knows results and items only through the Protocols below, so it
sits under the results package, and imports pyarrow inside functions only
(``pip install multiregion[data]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ..core.secrets import without_password
from ..targets.target import Target, secrets_of
from .schema import TARGET_COLUMNS, Typed, output_type

if TYPE_CHECKING:
    import pyarrow as pa

#: Rows converted to Arrow at a time.
BATCH_ROWS = 8192


class ResultRow(Protocol):
    """What a row is made of: a TargetResult, as this layer sees it."""

    @property
    def target(self) -> Target: ...
    @property
    def value(self) -> Any: ...
    @property
    def error(self) -> BaseException | None: ...
    @property
    def ok(self) -> bool: ...
    @property
    def skipped(self) -> bool: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def elapsed(self) -> float: ...


class ResultRows(Protocol):
    """TargetResults, as this layer sees them: results, and the call that made them."""

    source: tuple[str, str] | None

    def __iter__(self) -> Iterator[Any]: ...


def import_pyarrow() -> Any:
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
    credential in the places botocore's messages put them (``core.secrets``)."""
    return secrets_of(target)(text)


def _target_fields(pa: Any) -> list[Any]:
    return [pa.field(name, pa.string()) for name in TARGET_COLUMNS]


# -- results: one row per target ----------------------------------------------------


def results_schema(typed: Typed) -> pa.Schema:
    pa = import_pyarrow()
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


def _source_of(results: ResultRows) -> tuple[str, str]:
    if results.source is None:
        raise ValueError(
            "these results do not say which operation made them, so there is no "
            "schema for them: call to_arrow() on what a MultiRegion method returned"
        )
    return results.source


def results_to_arrow(results: ResultRows) -> pa.Table:
    """One row per target: target columns, outcome columns and the typed value."""
    typed = output_type(*_source_of(results))
    rows = [_result_row(r, typed) for r in results]
    return import_pyarrow().Table.from_pylist(rows, schema=results_schema(typed))


def _result_row(result: ResultRow, typed: Typed) -> dict[str, Any]:
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


def attempts_of(result: ResultRow) -> int | None:
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
    pa = import_pyarrow()
    if pa.types.is_struct(typed.type):
        fields = [typed.type.field(i) for i in range(typed.type.num_fields)]
    else:
        fields = [pa.field("value", typed.type)]
    return pa.schema(_target_fields(pa) + fields)


class _RowBuffer:
    """Items gathered into Arrow record batches of ``BATCH_ROWS``."""

    def __init__(self, typed: Typed) -> None:
        self.pa = import_pyarrow()
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


def to_polars(table: pa.Table) -> Any:
    """A polars DataFrame of ``table`` (polars must be installed)."""
    import polars

    frame = polars.from_arrow(table)
    assert isinstance(frame, polars.DataFrame)
    return frame
