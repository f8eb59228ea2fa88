"""Running a Work in every target, here or elsewhere, and the one place results are made.

The thread executor and remote executors (processes, Dask) run the same ``Work``
through the same ``work.run_target``; this module is the caller's side of both: it
picks the executor the options name, and turns each target's outcome (attempts,
throttles and rate-limit waits included) into a TargetResult as it arrives.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import pickle
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from botocore.errorfactory import ClientExceptionsFactory
from botocore.exceptions import ClientError
from botocore.model import ServiceModel

from ..clients.cache import ClientCache
from ..core.deadline import GRACE, Deadline
from ..core.secrets import mask_error
from ..results.results import TargetResult, TargetResults, error_code_of
from ..targets.target import Target, secrets_of
from .base import Executor
from .work import TargetOutcome, Work, run_targets, unfinished, unpack

logger = logging.getLogger("multiregion")

OnResult = Callable[[TargetResult[Any]], None]


class RunOptions(Protocol):
    """What a run needs of the caller's options (``fanout.options.CallOptions``)."""

    @property
    def executor(self) -> Executor | None: ...
    @property
    def max_workers(self) -> int | None: ...
    @property
    def ignore_error_codes(self) -> Collection[str]: ...
    @property
    def on_result(self) -> OnResult | None: ...


@dataclass(frozen=True)
class Runner:
    """Runs one service's Works with ``clients`` (threads) or on an executor."""

    clients: ClientCache
    model: ServiceModel

    def run(
        self,
        work: Work,
        targets: Sequence[Target],
        options: RunOptions,
        deadline: Deadline,
    ) -> TargetResults[Any]:
        """One TargetResult per target, in target order, within ``deadline``."""
        left = deadline.left() if deadline.bounded else None
        work = replace(work, deadline_left=left)
        finish = functools.partial(self._finish, options)
        if options.executor is not None:  # in other processes
            return self._remote(work, targets, options, deadline, finish)
        ran = run_targets(
            work, targets, self.clients, options.max_workers, deadline, finish
        )
        # A task's value is its TargetResult; an outcome without one was not started,
        # or was still in flight when the executor stopped waiting.
        return TargetResults(
            (
                outcome.value
                if outcome.value is not None
                else self.result(target, unfinished(outcome), options)
            )
            for target, outcome in zip(targets, ran, strict=True)
        )

    def _remote(
        self,
        work: Work,
        targets: Sequence[Target],
        options: RunOptions,
        deadline: Deadline,
        finish: Callable[[Target, TargetOutcome], TargetResult[Any]],
    ) -> TargetResults[Any]:
        """``finish`` runs here, in the calling process, as each target's outcome
        arrives, so ``on_result`` callbacks, progress lines and ``Items`` see results
        (and a stream's pages) as they come."""
        assert options.executor is not None
        exceptions = _exception_classes(self.model)
        results: list[TargetResult[Any] | None] = [None] * len(targets)
        # GRACE, as threads wait: a worker's own deadline labels what was in flight
        # (with the pages it had) and what never started; that comes back in time.
        # No deadline of the call: each worker labels its targets at their own.
        wait = deadline.left() + GRACE if deadline.bounded else None
        stream = options.executor.stream(
            work.sendable(), targets, options.max_workers, wait
        )
        with contextlib.closing(stream):  # the run ends now, even on an error here
            for index, packed, last in stream:
                if results[index] is not None:
                    continue  # a retried chunk may answer twice: the first wins
                if not last:
                    _page(work, targets[index], pickle.loads(packed))
                    continue
                outcome = unpack(packed, exceptions)
                results[index] = finish(
                    targets[index], _merged(work, outcome, targets[index])
                )
        # No answer by the deadline: labelled as the threads label work in flight.
        missing = TargetOutcome(None, deadline.error(), deadline.seconds)
        return TargetResults(
            result if result is not None else finish(target, missing)
            for target, result in zip(targets, results, strict=True)
        )

    def _finish(
        self, options: RunOptions, target: Target, outcome: TargetOutcome
    ) -> TargetResult[Any]:
        result = self.result(target, outcome, options)
        if options.on_result is not None:
            options.on_result(result)
        return result

    def result(
        self, target: Target, outcome: TargetOutcome, options: RunOptions
    ) -> TargetResult[Any]:
        """The TargetResult of one target's outcome: its error labelled and masked."""
        error, skipped = outcome.error, False
        if error is not None:
            error = mask_error(error, secrets_of(target))
            code = error_code_of(error)
            skipped = code is not None and code in options.ignore_error_codes
            logger.debug(
                "%s %s: %s%s",
                self.model.service_name,
                target.name,
                type(error).__name__,
                f" {code}" if code else "",
            )
        return TargetResult(
            target,
            outcome.value,
            error,
            outcome.elapsed,
            skipped,
            functools.partial(self.clients.client, self.model.service_name, target),
            attempts=outcome.attempts,
            throttled=outcome.throttled,
            rate_limit_wait=outcome.rate_limit_wait,
        )


def _page(work: Work, target: Target, page: Any) -> None:
    if work.on_page is not None:
        work.on_page(target, None, page)  # no client here: it ran elsewhere


def _merged(work: Work, outcome: TargetOutcome, target: Target) -> TargetOutcome:
    """A paginated target's pages came back merged: ``on_page`` sees them as one."""
    if work.kind == "paginate" and outcome.value is not None:
        _page(work, target, outcome.value)
    return outcome


# One per process: botocore's factory builds a service's classes once and caches them.
_EXCEPTIONS = ClientExceptionsFactory()


def _exception_classes(model: ServiceModel) -> Callable[[str], type[ClientError]]:
    """Error code -> botocore's modeled exception class, as the service's client has."""

    def of(code: str) -> type[ClientError]:
        exceptions = _EXCEPTIONS.create_client_exceptions(model)
        found: type[ClientError] = exceptions.from_code(code)  # type: ignore[assignment]  # stubs say an instance
        return found

    return of
