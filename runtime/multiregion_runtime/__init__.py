"""multiregion's hand-written runtime: targets, clients, executor and results.

Users import from ``multiregion``, which re-exports this API.
"""

from ._base import CallOptions, MultiRegionClient
from ._errors import BotocoreTooOldError
from ._regions import ResolvedRegions, known_regions
from ._results import RegionResult, RegionResults, TargetError
from ._service_set import ServiceSet
from ._targets import Target

__version__ = "0.1.0"

__all__ = [
    "BotocoreTooOldError",
    "CallOptions",
    "MultiRegionClient",
    "RegionResult",
    "RegionResults",
    "ResolvedRegions",
    "ServiceSet",
    "Target",
    "TargetError",
    "known_regions",
]
