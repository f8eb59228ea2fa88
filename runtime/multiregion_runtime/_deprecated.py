"""Names renamed in 0.1 that still work for one release, with a DeprecationWarning.

``RegionResult`` became ``TargetResult`` (the unit of work is a Target, not a region)
and ``ServiceSet`` became ``DynamicService`` (it is one service, untyped).
"""

from __future__ import annotations

import warnings
from typing import Any

#: old name -> (module that holds the new one, new name)
RENAMED = {
    "RegionResult": "TargetResult",
    "RegionResults": "TargetResults",
    "ServiceSet": "DynamicService",
}


def __getattr__(name: str) -> Any:
    """Module ``__getattr__`` (PEP 562) for the package roots that re-export it."""
    new = RENAMED.get(name)
    if new is None:
        raise AttributeError(f"module 'multiregion' has no attribute {name!r}")
    warnings.warn(
        f"{name} is deprecated, use {new}; the old name goes in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    import multiregion_runtime

    return getattr(multiregion_runtime, new)
