"""The caller's side of a run elsewhere: outcomes in, TargetResults out, in target order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from botocore.errorfactory import ClientExceptionsFactory
from botocore.exceptions import ClientError
from botocore.model import ServiceModel

from ..core.deadline import Deadline
from ..results.results import TargetResult, TargetResults
from ..targets.target import Target
from .base import Executor
from .threads import Outcome
from .work import Work, unpack


def run_remote(
    executor: Executor,
    work: Work,
    targets: Sequence[Target],
    model: ServiceModel,
    finish: Callable[[Target, Outcome[Any]], TargetResult[Any]],
    max_workers: int | None,
    deadline: Deadline,
) -> TargetResults[Any]:
    """Run ``work`` on ``executor``; ``finish`` makes (and reports) each TargetResult.

    ``finish`` runs here, in the calling process, as each target's outcome arrives,
    so ``on_result`` callbacks, progress lines and ``Items`` see results as they come.
    """
    exceptions = _exception_classes(model)
    results: list[TargetResult[Any] | None] = [None] * len(targets)
    for index, packed in executor.stream(
        work.sendable(), targets, max_workers, deadline.left()
    ):
        if results[index] is not None:
            continue  # a retried chunk may answer for a target twice: the first wins
        value, error, elapsed = unpack(packed, exceptions)
        target = targets[index]
        if work.on_page is not None and value is not None:
            work.on_page(target, None, value)  # type: ignore[arg-type]  # no client here
        results[index] = finish(target, Outcome(value, error, elapsed))
    # No answer by the deadline: labelled as the threads label work in flight.
    missing = Outcome[Any](None, deadline.error(), deadline.seconds)
    return TargetResults(
        result if result is not None else finish(target, missing)
        for target, result in zip(targets, results, strict=True)
    )


# One per process: botocore's factory builds a service's classes once and caches them.
_EXCEPTIONS = ClientExceptionsFactory()


def _exception_classes(model: ServiceModel) -> Callable[[str], type[ClientError]]:
    """Error code -> botocore's modeled exception class, as the service's client has."""

    def of(code: str) -> type[ClientError]:
        exceptions = _EXCEPTIONS.create_client_exceptions(model)
        found: type[ClientError] = exceptions.from_code(code)  # type: ignore[assignment]  # stubs say an instance
        return found

    return of
