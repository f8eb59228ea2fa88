"""How a fan-out runs (``CallOptions``), and the checks of every option a caller sets."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from ..clients.ratelimit import RateLimits, RateLimitsArg
from ..clients.ratelimit import rate_limits as checked_rate_limits
from ..core.checks import check_count, check_positive
from ..engines.base import Executor
from ..engines.choose import ExecutorArg, executor_from
from ..results.results import TargetResult


@dataclass(frozen=True)
class CallOptions:
    """How a fan-out runs; set at construction or per call with ``with_options``."""

    max_workers: int | None = None
    #: Seconds each target has from the moment it starts, retries and pages included
    #: (None: the default, ``DEFAULT_TIMEOUT``); each HTTP attempt is capped at the
    #: time left.
    timeout: float | None = None
    #: Seconds the whole call has, from its start (None: no limit, the default):
    #: targets whose turn comes later are ``NotStarted``.
    deadline: float | None = None
    ignore_error_codes: frozenset[str] = frozenset()
    #: Called with each target's result as soon as it is known (progress displays,
    #: streaming): in a pool thread, or in the calling thread when another executor
    #: runs the calls; it must be quick and must not raise.
    on_result: Callable[[TargetResult[Any]], None] | None = None
    #: Client-side token buckets per (account, region, service, API class).
    rate_limits: RateLimits = RateLimits()
    #: Where the calls run: None for threads in this process, or a ProcessPool or
    #: DaskExecutor (see ``executor=`` of MultiRegionClient).
    executor: Executor | None = None
    #: Show each call's progress (results/progress.py): a tqdm bar when tqdm is
    #: installed, else a line on stderr. Off by default: a library stays quiet.
    progress: bool = False


def with_changes(
    base: CallOptions,
    *,
    max_workers: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    ignore_error_codes: Collection[str] | None = None,
    on_result: Callable[[TargetResult[Any]], None] | None = None,
    rate_limits: RateLimitsArg = None,
    executor: ExecutorArg = None,
    progress: bool | None = None,
) -> CallOptions:
    """``base`` with every option given (not None) checked and set; a bad value is
    refused here, before any request, naming the value and what is valid."""
    changes: dict[str, Any] = {}
    if max_workers is not None:
        changes["max_workers"] = check_count("max_workers", max_workers)
    if timeout is not None:
        check_positive("timeout", timeout, seconds=True)
        changes["timeout"] = timeout
    if deadline is not None:
        check_positive("deadline", deadline, seconds=True)
        changes["deadline"] = deadline
    if ignore_error_codes is not None:
        changes["ignore_error_codes"] = _error_codes(ignore_error_codes)
    if on_result is not None:
        if not callable(on_result):
            raise TypeError(f"on_result must be callable, got {on_result!r}")
        changes["on_result"] = on_result
    if rate_limits is not None:
        changes["rate_limits"] = checked_rate_limits(rate_limits)
    if executor is not None:  # "threads" sets it back to None
        changes["executor"] = executor_from(executor)
    if progress is not None:
        if not isinstance(progress, bool):
            raise TypeError(f"progress must be True or False, got {progress!r}")
        changes["progress"] = progress
    return replace(base, **changes)


def _error_codes(codes: Collection[str]) -> frozenset[str]:
    if isinstance(codes, str) or not all(isinstance(c, str) for c in codes):
        raise TypeError(
            f"ignore_error_codes must be a collection of error code strings, got {codes!r}"
        )
    return frozenset(codes)
