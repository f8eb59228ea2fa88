"""Errors the runtime raises itself (AWS errors stay botocore's own).

A target that did not answer ends in one of three ways, each its own class:
``NotStartedError`` (its turn never came: the deadline passed first, or the caller
stopped), ``DeadlineExceededError`` (it was in flight when the deadline passed), or
the error it failed with (botocore's ClientError, EndpointConnectionError...).
"""

from __future__ import annotations

from typing import ClassVar


class BotocoreTooOldError(RuntimeError):
    """The installed botocore lacks a service or operation the generated code knows."""


class FanOutError(Exception):
    """An outcome of the fan-out itself, not an answer from AWS; ``error_code`` names it."""

    error_code: ClassVar[str] = "FanOutError"


class NotStartedError(FanOutError):
    """The target's work never started: the deadline passed, or the call was stopped."""

    error_code = "NotStarted"

    def __init__(self, reason: str) -> None:
        super().__init__(f"not started: {reason}")
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:  # from a worker process: as it was
        return (type(self), (self.reason,))


class DeadlineExceededError(FanOutError, TimeoutError):
    """The target was in flight when its deadline passed; ``__cause__`` is the last
    attempt's error, if there was one."""

    error_code = "DeadlineExceeded"

    def __init__(self, seconds: float, last: BaseException | None = None) -> None:
        detail = f"; last attempt: {type(last).__name__}: {last}" if last else ""
        super().__init__(f"timed out in flight: deadline of {seconds:g} s{detail}")
        self.seconds = seconds
        self.__cause__ = last

    def __reduce__(self) -> tuple[object, ...]:
        """From a worker process: the same message (the last attempt's error named in
        it); its ``__cause__`` stays in the worker, where it may not pickle."""
        return (type(self), (self.seconds,), {"args": self.args})


class CancelledError(FanOutError):
    """The target was in flight when the caller stopped (left an ``iter_`` loop)."""

    error_code = "Cancelled"

    def __init__(self) -> None:
        super().__init__("stopped: the caller no longer waits for this target")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), ())


def botocore_advice(generated_from: str | None) -> str:
    """What to do about a missing service or operation: an older botocore than the
    generated code's is upgraded; a newer one lacks it because AWS removed it."""
    import botocore

    if generated_from is None or _release(botocore.__version__) < _release(
        generated_from
    ):
        return ": upgrade botocore"
    return (
        f": AWS removed it from botocore's models after {generated_from}; it works "
        f"with botocore {generated_from}"
    )


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit())
