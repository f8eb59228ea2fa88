"""The one check for counts, sizes and durations that callers pass in.

Every option that takes a number goes through here, so each says the same thing when
it is wrong: its name, what it must be, and the value it got, before anything is sent.
"""

from __future__ import annotations

import math


def check_count(name: str, value: object, minimum: int = 1) -> int:
    """``value`` if it is an integer >= ``minimum`` (not a bool); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return value


def check_positive(name: str, value: object, *, seconds: bool = False) -> None:
    """ValueError unless ``value`` is None or a finite number above 0 (not a bool).

    ``seconds`` says so in the message (a timeout, a delay).
    """
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        kind = "a finite number of seconds above 0" if seconds else "a positive number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
