"""multiregion's hand-written runtime: targets, clients, executor and results.

Users import from ``multiregion``, which re-exports this API.
"""

from ._accounts import (
    OrganizationAccounts,
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
from ._s3 import bucket_region, locate_buckets
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
    "OrganizationAccounts",
    "RegionResult",
    "RegionResults",
    "ResolvedRegions",
    "ServiceSet",
    "StaticCredentials",
    "Target",
    "TargetError",
    "TargetPlan",
    "account_targets",
    "bucket_region",
    "known_regions",
    "locate_buckets",
    "only_enabled_regions",
    "organization_accounts",
    "organization_targets",
    "profile_targets",
]
