"""Per-target results: one TargetResult per target, gathered in a TargetResults list."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Literal,
    NamedTuple,
    SupportsIndex,
    TypeVar,
    overload,
)

from botocore.client import BaseClient

from ..core.display import PrettyPrinter, Row, Table, pretty
from ..core.errors import FanOutError
from ..core.secrets import masked
from ..targets.target import Target, secrets_of

if TYPE_CHECKING:
    import os

    import duckdb
    import pandas
    import polars
    import pyarrow as pa

if sys.version_info < (3, 11):  # pragma: no cover - exercised on 3.10 only
    from exceptiongroup import ExceptionGroup

T = TypeVar("T")
U = TypeVar("U")


class TargetError(Exception):
    """An error from one target, naming that target; the original is ``__cause__``."""

    def __init__(self, target: Target, error: BaseException) -> None:
        super().__init__(
            secrets_of(target)(f"{target.name}: {type(error).__name__}: {error}")
        )
        self.target = target
        self.error = error
        self.__cause__ = error


def error_code_of(error: BaseException | None) -> str | None:
    """The AWS error code of a botocore ClientError (``ThrottlingException``...), the
    fan-out's own (``NotStarted``, ``DeadlineExceeded``, ``Cancelled``), else None."""
    if isinstance(error, FanOutError):
        return error.error_code
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


class OnTarget:
    """Region and account of something that came from a target."""

    target: Target

    @property
    def region(self) -> str:
        return self.target.region

    @property
    def account_id(self) -> str | None:
        return self.target.account_id


@dataclass(frozen=True)
class _TargetResultFields(OnTarget, Generic[T]):
    """The fields of a TargetResult (see there); its constructor, equality and hash."""

    target: Target
    value: T | None = None
    error: BaseException | None = None
    elapsed: float = 0.0
    skipped: bool = False
    #: Gives ``client``; a result holds no client itself, so 10,000 results do not
    #: keep 10,000 clients (evicted from the bounded cache) in memory.
    client_source: Callable[[], BaseClient] | None = field(
        default=None, repr=False, compare=False
    )
    #: HTTP attempts made (retries included: 1 means no retry; 0: none was sent).
    attempts: int = field(default=0, compare=False)
    #: Attempts AWS answered with a throttling error (then retried with backoff).
    throttled: int = field(default=0, compare=False)
    #: Seconds spent waiting for the client-side rate limiter (``rate_limits=``).
    rate_limit_wait: float = field(default=0.0, compare=False)


class TargetResult(_TargetResultFields[T]):
    """What one target answered: a value, or an error.

    Both are set only when a paginated call failed part-way: ``value`` then holds
    the pages merged before ``error``. ``client`` is a client in the call's account,
    for follow-up calls in the same region, account and endpoint. ``skipped`` marks
    an error whose code the caller listed in ``ignore_error_codes``: it is kept (and
    visible) but not counted by ``errors()`` or ``raise_for_errors()``.
    """

    if TYPE_CHECKING:
        # For jedi (IPython, Jupyter, editors): it reads a field typed with a
        # TypedDict through the descriptor protocol and keeps a plain dict, so
        # `r.value["` offered no key; a property's return type it keeps. The type
        # is the field's, so mypy and pyright see no difference.
        @property
        def value(self) -> T | None: ...

    @property
    def ok(self) -> bool:
        """True when the target answered without an error."""
        return self.error is None

    @property
    def client(self) -> BaseClient | None:
        """A client for this target's credentials, region, endpoint and Config
        (the one the call used, or the same again if the cache has since evicted it)."""
        return self.client_source() if self.client_source is not None else None

    @property
    def error_code(self) -> str | None:
        """AWS's error code (``AccessDenied``...), or the fan-out's own
        (``NotStarted``, ``DeadlineExceeded``, ``Cancelled``); else None."""
        return error_code_of(self.error)

    def unwrap(self) -> T:
        """The value; raises this target's error (wrapped in TargetError) if it failed."""
        if self.error is not None:
            raise TargetError(self.target, self.error)
        return self.value  # type: ignore[return-value]  # ok result: value is a T

    def __repr__(self) -> str:
        if self.error is None:
            state = f"value={masked(self.value)!r}"
        else:
            prefix = "skipped" if self.skipped else "error"
            state = f"{prefix}={type(self.error).__name__}({self.error})"
            if self.value is not None:
                state += f", value={masked(self.value)!r}"
        text = f"TargetResult({self.target.name}, {state}, elapsed={self.elapsed:.3f})"
        return secrets_of(self.target)(text)


class DataFrames:
    """``to_pandas`` and ``to_polars`` of anything with a ``to_arrow``: results and
    items become DataFrames the same way, through Arrow."""

    def to_arrow(self) -> pa.Table:
        raise NotImplementedError

    def to_pandas(self) -> pandas.DataFrame:
        """Through Arrow; timestamps stay timezone-aware (UTC), blobs stay bytes."""
        return self.to_arrow().to_pandas()

    def to_polars(self) -> polars.DataFrame:
        """Through Arrow, as ``to_pandas`` (needs polars)."""
        from ..data.rows import to_polars

        frame: polars.DataFrame = to_polars(self.to_arrow())
        return frame


class CallTotals(NamedTuple):
    """What one call cost over every target; unpacks as the tuple it was before."""

    #: HTTP attempts, retries included.
    attempts: int
    #: Attempts AWS answered with a throttling error.
    throttled: int
    #: Seconds spent waiting for the client-side rate limiter.
    rate_limit_wait: float


class TargetResults(list[TargetResult[T]], DataFrames):
    """The results of one fan-out, in target order (not completion order)."""

    #: (service, operation) of the call that made these results: the Arrow schema.
    source: tuple[str, str] | None = None

    if TYPE_CHECKING:
        # list[TargetResult[T]]'s own methods, typed again for jedi, which loses T
        # through the generic base class (mypy and pyright do not); the runtime
        # keeps list's (a slice is a plain list).
        @overload
        def __getitem__(self, index: SupportsIndex) -> TargetResult[T]: ...
        @overload
        def __getitem__(self, index: slice) -> list[TargetResult[T]]: ...
        def __getitem__(
            self, index: SupportsIndex | slice
        ) -> TargetResult[T] | list[TargetResult[T]]: ...
        def __iter__(self) -> Iterator[TargetResult[T]]: ...

    def values(self) -> list[T]:
        """Values of the targets that succeeded, in target order."""
        return [r.value for r in self if r.error is None]  # type: ignore[misc]

    def failed_targets(self) -> list[Target]:
        """Targets that failed (skipped ones excluded): ``mr.with_targets(...)`` to retry."""
        return [r.target for r in self.errors()]

    def resume_tokens(self) -> dict[Target, str]:
        """Per target, the token to resume a paginated call where it stopped.

        A target stopped by ``max_items`` resumes after its last item; one that
        failed or timed out part-way resumes at the page that failed (its pages so
        far are in its value). Pass this to ``starting_tokens=``. A target that
        failed on its first page has no token: call it again
        (``failed_targets()``).
        """
        tokens: dict[Target, str] = {}
        for r in self:
            token = r.value.get("NextToken") if isinstance(r.value, dict) else None
            if isinstance(token, str) and token:
                tokens[r.target] = token
        return tokens

    def errors(self) -> list[TargetResult[T]]:
        """Results that failed (skipped ones excluded)."""
        return [r for r in self if r.error is not None and not r.skipped]

    def skipped(self) -> list[TargetResult[T]]:
        """Results whose error code was listed in ``ignore_error_codes``."""
        return [r for r in self if r.skipped]

    def succeeded(self) -> list[TargetResult[T]]:
        """Results without an error, in target order."""
        return [r for r in self if r.error is None]

    def by_target(self) -> dict[Target, TargetResult[T]]:
        """Results keyed by their Target (several accounts or endpoints per region)."""
        return {r.target: r for r in self}

    def by_region(self) -> dict[str, TargetResult[T]]:
        """Results keyed by region name.

        Raises ValueError when two targets share a region (several accounts or
        endpoints): use ``by_target()`` or ``group_by_region()`` then.
        """
        seen: dict[str, TargetResult[T]] = {}
        for r in self:
            if r.region in seen:
                raise ValueError(
                    f"several targets share region {r.region!r} "
                    f"({seen[r.region].target.name}, {r.target.name}); "
                    "use by_target() or group_by_region()"
                )
            seen[r.region] = r
        return seen

    def group_by_region(self) -> dict[str, list[TargetResult[T]]]:
        """Results grouped by region name, in target order within each group."""
        groups: dict[str, list[TargetResult[T]]] = {}
        for r in self:
            groups.setdefault(r.region, []).append(r)
        return groups

    def map(self, fn: Callable[[T], U]) -> list[U]:
        """``fn`` applied to each successful value, in target order."""
        return [fn(v) for v in self.values()]

    def raise_for_errors(self) -> TargetResults[T]:
        """Raise an ExceptionGroup of TargetError (one per failed target) if any failed."""
        failed = self.errors()
        if failed:
            raise ExceptionGroup(
                f"{len(failed)} of {len(self)} targets failed",
                [TargetError(r.target, r.error) for r in failed if r.error is not None],
            )
        return self

    def call_totals(self) -> CallTotals:
        """HTTP attempts, throttled attempts and seconds waited for the rate limiter,
        over every target (a named tuple: ``attempts, throttled, waited = ...`` too)."""
        return CallTotals(
            sum(r.attempts for r in self),
            sum(r.throttled for r in self),
            sum(r.rate_limit_wait for r in self),
        )

    def summary(self) -> str:
        """``34 targets: 32 ok, 1 error, 1 skipped``."""
        errors, skipped = len(self.errors()), len(self.skipped())
        ok = len(self) - errors - skipped
        return (
            f"{_count(len(self), 'target')}: {ok} ok, {_count(errors, 'error')}, "
            f"{skipped} skipped"
        )

    # Results as data (pip install multiregion[data]); see data/.

    def to_arrow(self) -> pa.Table:
        """One row per target: target columns, ok, error_code, error (secrets
        masked), attempts, elapsed and the typed ``value`` (a struct)."""
        from ..data.rows import results_to_arrow

        return results_to_arrow(self)

    def write_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write one row per target (as ``to_arrow``) to a Parquet file, written under a
        temporary name and renamed when complete."""
        from ..data.sinks import ParquetSink, write_table

        write_table(self.to_arrow(), ParquetSink(path))

    def to_duckdb(
        self,
        connection: duckdb.DuckDBPyConnection,
        table: str,
        *,
        mode: Literal["append", "replace"] = "replace",
    ) -> None:
        """Write one row per target (as ``to_arrow``) into a DuckDB table (``mode``:
        "replace" or "append")."""
        from ..data.sinks import DuckDBSink, write_table

        sink = DuckDBSink(connection, table, mode)  # checks table and mode first
        write_table(self.to_arrow(), sink)

    def __repr__(self) -> str:
        return f"TargetResults([{', '.join(map(repr, self))}])"

    # In a notebook (Jupyter, IPython): a table, failures first.

    def _repr_html_(self) -> str:
        return results_table(self, "TargetResults").html()

    def _repr_pretty_(self, printer: PrettyPrinter, cycle: bool) -> None:
        pretty(results_table(self, "TargetResults"), printer, cycle)


RESULT_COLUMNS = ("target", "result", "elapsed", "value or error")


def results_table(results: TargetResults[Any], name: str) -> Table:
    """One row per target: failed ones first (highlighted), then skipped, then ok;
    a row shows the target, ok or the error code, elapsed, and the value's top-level
    keys (with item counts) or the error's message."""
    failed = [i for i, r in enumerate(results) if r.error is not None and not r.skipped]
    skipped = [i for i, r in enumerate(results) if r.skipped]
    order = failed + skipped + [i for i, r in enumerate(results) if r.error is None]

    def row(position: int) -> Row:
        r = results[order[position]]
        cells = (r.target.name, _outcome(r), f"{r.elapsed:.2f} s", _gist(r))
        return Row(cells, failed=r.error is not None and not r.skipped)

    def hidden(start: int, stop: int) -> str:
        errors = max(0, min(len(failed), stop) - start)
        return f"{errors} failed" if errors else "none failed"

    first = ", failures first" if failed else ""
    title = f"{name}: {results.summary()}{first}"
    return Table(title, RESULT_COLUMNS, len(results), row, hidden, right_aligned=(2,))


def items_table(
    what: str, results: TargetResults[Any] | None, started: bool = False
) -> Table:
    """Items before they are fetched (what will run), while they are, or after
    (per target, its merged pages)."""
    if results is None:
        state = "being fetched" if started else "not fetched yet"
        title = f"Items of {what}: {state} (iterate, to_list() or to_arrow())"
        return Table(title, RESULT_COLUMNS, 0, lambda i: Row(()))
    return results_table(results, f"Items of {what}")


def _outcome(r: TargetResult[Any]) -> str:
    """``ok``, or the error code (``skipped`` before it when ignored, ``partial``
    after it when pages arrived before the error)."""
    if r.error is None:
        return "ok"
    code = r.error_code or type(r.error).__name__
    if r.skipped:
        code = f"skipped {code}"
    return f"{code} (partial)" if r.value is not None else code


def _gist(r: TargetResult[Any]) -> str:
    if r.error is not None:
        # The display hides what looks like a secret; this target's own keys and
        # endpoint password are hidden even where they look like nothing.
        return secrets_of(r.target)(_error_message(r.error))
    return value_gist(r.value)


def _error_message(error: BaseException) -> str:
    """AWS's own message when it sent one (its code is in the result column), else
    the error's type and text."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message")
        if message:
            return str(message)
    return f"{type(error).__name__}: {error}"


def value_gist(value: object) -> str:
    """A value's top-level keys, with the size of each list or dict: ``QueueUrls
    [3], NextToken``. Keys only, never their values (an unlisted key may hold a
    secret: SecretString)."""
    if isinstance(value, dict):
        keys = [k for k in value if k != "ResponseMetadata"]
        return ", ".join(_key_gist(k, value[k]) for k in keys) or "(no keys)"
    if isinstance(value, (list, tuple)):
        return f"[{len(value)}]"
    if value is None:
        return ""
    # A count (Items.write's result) or a flag; any other value only by its type.
    return str(value) if isinstance(value, (int, float)) else type(value).__name__


def _key_gist(key: str, value: object) -> str:
    return f"{key} [{len(value)}]" if isinstance(value, (list, dict)) else str(key)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"
