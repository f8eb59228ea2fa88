"""multiregion's hand-written runtime: targets, clients, executor and results.

Users import from ``multiregion``, which re-exports this API: ``__all__`` below is the
one hand-written list of public names.
"""

from typing import TYPE_CHECKING

from .clients.cache import (
    DEFAULT_MAX_CLIENTS,
    SharedClients,
    set_max_clients,
    shared_clients,
)
from .clients.ratelimit import RateLimit, RateLimiter, RateLimits, shared_limiter
from .core.deadline import DEFAULT_TIMEOUT
from .core.errors import (
    BotocoreTooOldError,
    CancelledError,
    DeadlineExceededError,
    FanOutError,
    NotStartedError,
)
from .engines.base import Executor
from .engines.dask_cluster import DaskExecutor
from .engines.processes import ProcessPool
from .engines.work import RemoteError, WorkerLostError
from .fanout.client import MultiRegionClient
from .fanout.dynamic import DynamicService
from .fanout.options import CallOptions
from .planning import (
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
from .results.pagination import Item, Items
from .results.results import TargetError, TargetResult, TargetResults
from .sweep import (
    SweepCall,
    SweepReport,
    SweepSpec,
    SweepSpecError,
    SweepTargets,
    sweep,
)
from .targets.regions import ResolvedRegions, known_regions
from .targets.s3 import bucket_region, locate_buckets
from .targets.target import StaticCredentials, Target

__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)

if TYPE_CHECKING:  # old names, for one release; at run time they warn (_deprecated)
    RegionResult = TargetResult
    RegionResults = TargetResults
    ServiceSet = DynamicService
else:
    from ._deprecated import __getattr__ as __getattr__

__all__ = [
    "BotocoreTooOldError",
    "CallOptions",
    "CancelledError",
    "DEFAULT_MAX_CLIENTS",
    "DEFAULT_TIMEOUT",
    "DaskExecutor",
    "DeadlineExceededError",
    "DynamicService",
    "Executor",
    "FanOutError",
    "Item",
    "Items",
    "MultiRegionClient",
    "NotStartedError",
    "OrganizationAccounts",
    "PlanningError",
    "ProcessPool",
    "RateLimit",
    "RateLimiter",
    "RateLimits",
    "RemoteError",
    "ResolvedRegions",
    "SharedClients",
    "StaticCredentials",
    "SweepCall",
    "SweepReport",
    "SweepSpec",
    "SweepSpecError",
    "SweepTargets",
    "Target",
    "TargetError",
    "TargetPlan",
    "TargetResult",
    "TargetResults",
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
    "sweep",
]
