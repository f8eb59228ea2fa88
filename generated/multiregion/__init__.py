"""multiregion: run any AWS API call in every region at once, with typed results."""

from multiregion_runtime import (
    BotocoreTooOldError,
    CallOptions,
    MultiRegionClient,
    RegionResult,
    RegionResults,
    ResolvedRegions,
    ServiceSet,
    Target,
    TargetError,
    known_regions,
)

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
