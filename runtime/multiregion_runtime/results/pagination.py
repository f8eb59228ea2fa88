"""Pagination across targets: merged full results, and items streamed as pages arrive."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import jmespath  # type: ignore[import-untyped]  # botocore depends on it
from botocore.client import BaseClient
from botocore.paginate import PageIterator

from ..core.deadline import Deadline
from ..core.display import PrettyPrinter, Table, pretty
from ..core.secrets import masked
from ..targets.target import Target
from .results import DataFrames, OnTarget, TargetResults, items_table

if TYPE_CHECKING:
    import os

    import duckdb
    import pyarrow as pa

    from ..data.sinks import Sink
    from ..data.stream import OnItemsPage

T = TypeVar("T")
#: Called with each page as it arrives: (target, the client that fetched it, page);
#: no client when the page was fetched in another process.
OnPage = Callable[[Target, BaseClient | None, Any], None]


class PagesThenError(Exception):
    """A target failed part-way: ``value`` holds what it gathered before ``error``.

    Internal: the runtime unpacks it into a TargetResult with both value and error.
    """

    def __init__(self, value: Any, error: BaseException) -> None:
        super().__init__(str(error))
        self.value = value
        self.error = error


class _RecordingPages:
    """Wraps a PageIterator so a failing page ends iteration and is remembered.

    ``PageIterator.build_full_result`` is then run on this wrapper, so the merge is
    botocore's own (result keys concatenated, non-aggregate keys kept, NextToken as
    the resume token) and the pages gathered before an error are not lost.
    """

    def __init__(self, pages: Any, on_page: Callable[[Any], None] | None) -> None:
        self._pages = pages
        self._on_page = on_page
        self.error: BaseException | None = None
        self.last_page: Any = None

    def __iter__(self) -> Iterator[Any]:
        try:
            for page in self._pages:
                if self._on_page is not None:
                    self._on_page(page)
                self.last_page = page
                yield page
        except Exception as error:  # noqa: BLE001 - pages so far kept, error reported
            self.error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pages, name)


def _pages(
    client: BaseClient,
    method: str,
    params: dict[str, Any],
    pagination_config: dict[str, Any],
) -> PageIterator[Any]:
    paginator = client.get_paginator(method)
    return paginator.paginate(**params, PaginationConfig=pagination_config)


def paginate_full(
    client: BaseClient,
    method: str,
    params: dict[str, Any],
    pagination_config: dict[str, Any],
    on_page: Callable[[Any], None] | None = None,
    tokens: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """All pages of one target merged like botocore's ``build_full_result``.

    Raises PagesThenError (holding the merged pages so far) if a page request fails;
    with ``tokens`` (the paginator's (input token, output token) pairs), the merged
    result's ``NextToken`` then resumes exactly at the page that failed.
    """
    pages = _pages(client, method, params, pagination_config)
    recording = _RecordingPages(pages, on_page)
    merged: dict[str, Any] = PageIterator.build_full_result(recording)  # type: ignore[arg-type]
    if recording.error is not None:
        token = _next_page_token(pages, recording.last_page, tokens)
        if token is None:
            token = pagination_config.get("StartingToken")
        if token:
            merged["NextToken"] = token
        raise PagesThenError(merged, recording.error)
    return merged


@dataclass(frozen=True)
class ItemsPage:
    """One page of a streamed call: its items, and the token that starts the page
    after it (botocore's encoding; None: nothing follows)."""

    items: list[Any]
    next_token: str | None


def stream_items(
    client: BaseClient,
    method: str,
    params: dict[str, Any],
    pagination_config: dict[str, Any],
    result_key: str,
    tokens: list[tuple[str, str]],
    on_page: Callable[[ItemsPage], None],
) -> int:
    """Each page's items to ``on_page`` as it arrives, never merged (memory holds one
    page); a last, empty page with no token says the target is done. The number of
    items; PagesThenError(that number, the error) if a page fails.

    The same paging as ``paginate_full`` (botocore's paginator, the same recording and
    page tokens), so a stream resumes from any page's token as a paginate does.
    """
    pages = _pages(client, method, params, pagination_config)
    search = jmespath.compile(result_key).search
    count = 0

    def each(page: Any) -> None:
        nonlocal count
        items = list(search(page) or ())
        on_page(ItemsPage(items, _next_page_token(pages, page, tokens)))
        count += len(items)

    recording = _RecordingPages(pages, each)
    for _ in recording:
        pass
    if recording.error is not None:
        raise PagesThenError(count, recording.error)
    on_page(ItemsPage([], None))
    return count


def _next_page_token(
    pages: Any, page: Any, tokens: list[tuple[str, str]] | None
) -> str | None:
    """The StartingToken of the page after ``page``, in botocore's own encoding (its
    PageIterator.resume_token), or None if ``page`` names none."""
    if page is None or not tokens:
        return None
    values = {name: jmespath.search(path, page) for name, path in tokens}
    if all(value is None for value in values.values()):
        return None
    pages.resume_token = values  # botocore encodes it, as for max_items
    token = pages.resume_token
    return token if isinstance(token, str) else None


@dataclass(frozen=True)
class _ItemFields(OnTarget, Generic[T]):
    """The fields of an Item (see there)."""

    target: Target
    value: T
    client: BaseClient | None = field(default=None, repr=False, compare=False)


class Item(_ItemFields[T]):
    """One element of a paginated result key, tagged with the target it came from."""

    if TYPE_CHECKING:
        # For jedi: a property keeps a TypedDict's keys, a field does not (see
        # TargetResult.value).
        @property
        def value(self) -> T: ...

    def __repr__(self) -> str:
        return f"Item({self.target.name}, {masked(self.value)!r})"


@dataclass(frozen=True)
class ItemsSource:
    """The call behind an Items, and how to stream it: what ``data.stream`` needs to
    stream and resume it (its ``PageSource``)."""

    service_name: str
    operation_name: str
    params: dict[str, Any]
    targets: Sequence[Target]
    #: Runs the call in the targets ``starts`` names, each from its start token, on
    #: the executor the call names: ``on_page(target, items, next token)`` as each
    #: page arrives; per target, the number of items.
    stream: Callable[[Mapping[Target, str | None], OnItemsPage], TargetResults[int]]
    max_items: int | None = None
    page_size: int | None = None

    def stream_pages(
        self, starts: Mapping[Target, str | None], on_page: OnItemsPage
    ) -> TargetResults[int]:
        return self.stream(starts, on_page)


_DONE = object()


class Items(DataFrames, Generic[T]):
    """Items of every target, yielded as pages arrive (fast regions first).

    When iteration ends, ``results`` holds each target's merged result (for a failed
    target: what it gathered, with its error). If any target failed (and its error
    code was not ignored) the iteration ends by raising an ExceptionGroup of
    TargetError, after every item that did arrive was yielded: no error is dropped.
    """

    def __init__(
        self,
        fan_out: Callable[[OnPage, Deadline], TargetResults[Any]],
        result_key: str,
        new_deadline: Callable[[], Deadline],
        source: ItemsSource | None = None,
    ) -> None:
        self._fan_out = fan_out
        self._source = source
        self._search = jmespath.compile(result_key).search
        self._new_deadline = new_deadline
        self._deadline: Deadline | None = None
        self._pages: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.results: TargetResults[Any] | None = None
        self._error: BaseException | None = None
        self._used = False

    def _on_page(self, target: Target, client: BaseClient | None, page: Any) -> None:
        if self._deadline is not None and self._deadline.cancelled:
            raise self._deadline.error()  # the caller left: fetch no further page
        # Copy the items now: build_full_result extends the first page's lists in
        # place as later pages arrive, so reading the page later would repeat items.
        self._pages.put((target, client, list(self._search(page) or ())))

    def __iter__(self) -> Iterator[Item[T]]:
        """Items as they arrive. Leaving the loop early (break, an exception,
        ``close()``) stops the fan-out: targets not started are not, and no further
        page is fetched."""
        self._use()
        self._deadline = deadline = self._new_deadline()
        threading.Thread(target=self._run, args=(deadline,), daemon=True).start()
        finished = False
        try:
            while (entry := self._pages.get()) is not _DONE:
                target, client, values = entry
                for value in values:
                    yield Item(target, value, client)
            finished = True
        finally:
            if not finished:
                deadline.cancel()
        if self._error is not None:
            raise self._error
        assert self.results is not None
        self.results.raise_for_errors()

    def close(self) -> None:
        """Stop the fan-out (as leaving the loop does)."""
        if self._deadline is not None:
            self._deadline.cancel()

    def _run(self, deadline: Deadline) -> None:
        """The fan-out, in its own thread so that items can be yielded meanwhile."""
        try:
            self.results = self._fan_out(self._on_page, deadline)
        # re-raised in the iterating thread
        except BaseException as error:  # noqa: BLE001
            self._error = error
        self._pages.put(_DONE)

    def _use(self) -> None:
        if self._used:
            raise RuntimeError("Items can be iterated once; call the method again")
        self._used = True

    def _take_source(self) -> ItemsSource:
        """The call to stream from (``data.stream``), which then counts as this one's use."""
        if self._source is None:
            raise ValueError("these Items do not say which call made them")
        self._use()
        return self._source

    def to_list(self) -> list[Item[T]]:
        """Every item, after the fan-out ends (iterates the Items once)."""
        return list(self)

    # In a notebook: what will run; once iterated, a row per target.

    def _repr_html_(self) -> str:
        return self._table().html()

    def _repr_pretty_(self, printer: PrettyPrinter, cycle: bool) -> None:
        pretty(self._table(), printer, cycle)

    def _table(self) -> Table:
        source = self._source
        what = "a paginated call"
        if source is not None:
            what = f"{source.operation_name} over {len(source.targets)} targets"
        return items_table(what, self.results, started=self._used)

    # Results as data (pip install multiregion[data]); see data/. Each runs the call.

    def write(self, sink: Sink, *, resume: bool = False) -> TargetResults[int]:
        """Stream the items into ``sink`` (``data.sinks``); per target, the items
        written. ``resume=True`` continues a stopped run of the same call."""
        from ..data import stream

        results: TargetResults[int] = stream.write_items(
            self._take_source(), sink, resume
        )
        return results

    def to_arrow(self) -> pa.Table:
        """One row per item: target columns, then the item's typed fields."""
        from ..data import stream

        return stream.items_to_arrow(self._take_source())

    def write_parquet(
        self, path: str | os.PathLike[str], *, resume: bool = False
    ) -> TargetResults[int]:
        """Stream the items into a Parquet file, a row group at a time.

        ``resume=True`` records progress beside the file (``<path>.progress/``) and
        continues a run of the same call that was stopped. Returns, per target, the
        number of items written.
        """
        from ..data.sinks import ParquetSink

        return self.write(ParquetSink(path), resume=resume).raise_for_errors()

    def to_duckdb(
        self,
        connection: duckdb.DuckDBPyConnection,
        table: str,
        *,
        mode: Literal["append", "replace"] = "replace",
        resume: bool = False,
    ) -> TargetResults[int]:
        """Stream the items into a DuckDB table (``mode``: "replace" or "append").

        ``resume=True`` records progress in the same database, in the same
        transactions as the rows, and continues a stopped run of the same call.
        Our side holds a bounded number of rows; DuckDB itself caches up to the
        connection's ``memory_limit`` (by default 80% of RAM): set it to bound the
        whole process.
        """
        from ..data.sinks import DuckDBSink

        sink = DuckDBSink(connection, table, mode)
        return self.write(sink, resume=resume).raise_for_errors()
