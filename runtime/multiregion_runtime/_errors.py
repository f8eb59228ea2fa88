"""Errors the runtime raises itself (AWS errors stay botocore's own)."""

from __future__ import annotations


class BotocoreTooOldError(RuntimeError):
    """The installed botocore lacks a service or operation the generated code knows."""


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
