"""multiregion's hand-written runtime: targets, clients, executor and results.

Users import from ``multiregion``, which re-exports this API.
"""

from ._accounts import (
    TargetPlan,
    account_targets,
    only_enabled_regions,
    organization_accounts,
    organization_targets,
    profile_targets,
)
from ._base import CallOptions, MultiRegionClient
from ._errors import BotocoreTooOldError
from ._regions import ResolvedRegions, known_regions
from ._results import RegionResult, RegionResults, TargetError
from ._service_set import ServiceSet
from ._pagination import Item, Items
from ._targets import StaticCredentials, Target

__version__ = "0.1.0"

__all__ = [
    "BotocoreTooOldError",
    "CallOptions",
    "Item",
    "Items",
    "MultiRegionClient",
    "RegionResult",
    "RegionResults",
    "ResolvedRegions",
    "ServiceSet",
    "StaticCredentials",
    "Target",
    "TargetError",
    "TargetPlan",
    "account_targets",
    "known_regions",
    "only_enabled_regions",
    "organization_accounts",
    "organization_targets",
    "profile_targets",
]
