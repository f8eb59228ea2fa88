"""multiregion's hand-written runtime: targets, clients, executor and results.

Users import from ``multiregion``, which re-exports this API: ``__all__`` below is the
one hand-written list of public names.
"""

from typing import TYPE_CHECKING

from ._client_cache import (
    DEFAULT_MAX_CLIENTS,
    SharedClients,
    set_max_clients,
    shared_clients,
)
from ._dask import DaskExecutor
from ._deadline import DEFAULT_TIMEOUT
from ._distributed import Executor
from ._dynamic import DynamicService
from ._errors import (
    BotocoreTooOldError,
    CancelledError,
    DeadlineExceededError,
    FanOutError,
    NotStartedError,
)
from ._multiregion import CallOptions, MultiRegionClient
from ._pagination import Item, Items
from ._planning import (
    OrganizationAccounts,
    PlanningError,
    TargetPlan,
    account_targets,
    only_enabled_regions,
    organization_accounts,
    organization_targets,
    plan_targets,
    profile_targets,
)
from ._process_pool import ProcessPool
from ._ratelimit import RateLimit, RateLimiter, RateLimits, shared_limiter
from ._regions import ResolvedRegions, known_regions
from ._results import TargetError, TargetResult, TargetResults
from ._s3 import bucket_region, locate_buckets
from ._targets import StaticCredentials, Target
from ._work import RemoteError, WorkerLostError

__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)

if TYPE_CHECKING:  # old names, for one release; at run time they warn (_deprecated)
    RegionResult = TargetResult
    RegionResults = TargetResults
    ServiceSet = DynamicService
else:
    from ._deprecated import __getattr__ as __getattr__

__all__ = [
    "DEFAULT_MAX_CLIENTS",
    "BotocoreTooOldError",
    "CallOptions",
    "CancelledError",
    "DEFAULT_TIMEOUT",
    "DeadlineExceededError",
    "FanOutError",
    "NotStartedError",
    "DaskExecutor",
    "Executor",
    "Item",
    "Items",
    "MultiRegionClient",
    "OrganizationAccounts",
    "PlanningError",
    "RateLimit",
    "RateLimiter",
    "RateLimits",
    "SharedClients",
    "ProcessPool",
    "RemoteError",
    "TargetResult",
    "TargetResults",
    "ResolvedRegions",
    "DynamicService",
    "StaticCredentials",
    "Target",
    "TargetError",
    "TargetPlan",
    "WorkerLostError",
    "account_targets",
    "bucket_region",
    "known_regions",
    "locate_buckets",
    "only_enabled_regions",
    "organization_accounts",
    "organization_targets",
    "plan_targets",
    "profile_targets",
    "set_max_clients",
    "shared_clients",
    "shared_limiter",
]
