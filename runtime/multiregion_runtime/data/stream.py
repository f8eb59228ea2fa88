"""Items streamed into a sink: pages go into Arrow batches as they arrive.

Rows are written every ``CHECKPOINT_ROWS``, so memory stays bounded whatever the
total. With ``resume=True`` every write is also a checkpoint of which targets are done
and, for the others, the pagination token after their last written page; a run killed
at any moment and started again with ``resume=True`` writes exactly the missing rows.
The pages come from a ``PageSource`` (the call behind an ``Items``), which fetches
them wherever the call runs.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..targets.target import Target
from . import sinks
from .rows import ResultRows, _RowBuffer
from .schema import item_type, to_json
from .sinks import DONE, MemorySink, Progress, Sink

if TYPE_CHECKING:
    import pyarrow as pa

#: Pages waiting to be written; a full queue makes the fetching threads wait.
QUEUE_PAGES = 16
#: Called with each page: (target, its items, the token of the next page or None).
OnItemsPage = Callable[[Target, list[Any], "str | None"], None]


class PageSource(Protocol):
    """The call behind an ``Items``, as this layer sees it."""

    @property
    def service_name(self) -> str: ...
    @property
    def operation_name(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def max_items(self) -> int | None: ...
    @property
    def targets(self) -> Sequence[Target]: ...

    def stream_pages(
        self, starts: Mapping[Target, str | None], on_page: OnItemsPage
    ) -> ResultRows:
        """Fetch each target's pages from its start token, ``on_page`` for each;
        per target, the number of items (its TargetResults)."""
        ...


@dataclass
class _Page:
    key: str
    target: Target
    values: list[Any]
    token: str | None  # botocore's token for the next page; None: this was the last


@dataclass
class _PageStream:
    """Fetches every target's pages in a background fan-out, into a bounded queue."""

    source: PageSource
    starts: dict[Target, str | None]  # the targets to run, and where each starts
    keys: dict[Target, str]
    pages: queue.Queue[Any] = field(default_factory=lambda: queue.Queue(QUEUE_PAGES))
    stopped: threading.Event = field(default_factory=threading.Event)
    results: ResultRows | None = None
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
            self.results = self.source.stream_pages(self.starts, self._on_page)
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer
            self.error = error
        self.pages.put(None)

    def _on_page(self, target: Target, values: list[Any], token: str | None) -> None:
        self._put(_Page(self.keys[target], target, values, token))

    def _put(self, page: _Page) -> None:
        while not self.stopped.is_set():
            try:
                self.pages.put(page, timeout=0.2)
                return
            except queue.Full:
                continue
        raise RuntimeError("the writer stopped")


def _run_fingerprint(source: PageSource, keys: Mapping[Target, str]) -> str:
    """What identifies a run, so a resume never mixes two different runs' rows."""
    return to_json(
        {
            "service": source.service_name,
            "operation": source.operation_name,
            "params": source.params,
            "targets": list(keys.values()),
        }
    )


def write_items(source: PageSource, sink: Sink, resume: bool = False) -> Any:
    """Stream every item of ``source`` into ``sink``; per target, the items written
    (a failed target: its error, after the rows it gave were written): the
    TargetResults[int] that ``source.stream_pages`` gives."""
    if resume and source.max_items is not None:
        raise ValueError("resume=True cannot be combined with max_items")
    targets = source.targets
    keys = {t: f"{i}:{t.name}" for i, t in enumerate(targets)}
    typed = item_type(source.service_name, source.operation_name)
    buffer = _RowBuffer(typed)
    run = _run_fingerprint(source, keys) if resume else None
    progress = sink.start(buffer.schema, run)
    starts = {t: progress.get(k) for t, k in keys.items() if progress.get(k) != DONE}
    stream = _PageStream(source, starts, keys)
    pending: Progress = {}
    for page in stream:
        buffer.add(page.target, page.values)
        pending[page.key] = page.token if page.token is not None else DONE
        if buffer.rows >= sinks.CHECKPOINT_ROWS:  # read late: tests lower it
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
    results.source = (source.service_name, source.operation_name)
    return results


def items_to_arrow(source: PageSource) -> pa.Table:
    """Every item of the call as one table (in memory)."""
    sink = MemorySink()
    write_items(source, sink).raise_for_errors()
    return sink.table()
