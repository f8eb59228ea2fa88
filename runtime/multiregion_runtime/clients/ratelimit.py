"""Client-side rate limits as AWS defines them: a token bucket per (account, region,
service, API class), shared by every thread and every MultiRegion object in the process.

AWS throttles each account separately in each region, per API class, with token
buckets. botocore's own adaptive limiter and retry quota are per *client*, so two
clients for the same account and region each think they own the bucket, and more
threads only bring more ``ThrottlingException``s. Here every HTTP attempt (retries
too) first takes a token from the process-wide bucket of its key; a throttling answer
empties that bucket and slows its refill (adaptive), and successes restore it.

The buckets live in ``shared_limiter()``, built lazily on first use, keyed by plain
data: a process or Dask executor has one per worker process.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from ..core.checks import check_positive
from ..core.deadline import current_deadline
from ..core.shared import PerProcess
from ..targets.target import Target
from .signing import current_identity

#: Error codes botocore's standard retry mode treats as throttling
#: (``botocore.retries.standard.ThrottledRetryableChecker``).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)

NON_MUTATING = "non-mutating"
MUTATING = "mutating"
UNFILTERED_DESCRIBE = "unfiltered-describe"
API_CLASSES = (NON_MUTATING, MUTATING, UNFILTERED_DESCRIBE)

_READ_PREFIXES = re.compile(
    r"^(Describe|Get|List|Search|Query|Scan|BatchGet|Head|Lookup|Select)[A-Z]"
)
#: EC2 actions AWS throttles harder when called with no filter and no pagination.
_UNFILTERED_DESCRIBES = frozenset(
    {
        "DescribeInstances",
        "DescribeVolumes",
        "DescribeSnapshots",
        "DescribeSecurityGroups",
    }
)
_NARROWING_PARAMS = re.compile(r"^(Filters?|MaxResults|NextToken|\w+Ids|GroupNames)$")


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``burst`` requests at once, then ``per_second`` on average."""

    burst: float
    per_second: float

    def __post_init__(self) -> None:
        for name in ("burst", "per_second"):
            value = getattr(self, name)
            if value is None:
                raise ValueError(
                    f"RateLimit.{name} must be a positive number, got None"
                )
            check_positive(f"RateLimit.{name}", value)

    def __str__(self) -> str:
        return f"{self.burst:g}/{self.per_second:g}"


def _published(burst: float, per_second: float) -> RateLimit:
    """An AWS-published bucket, less 10% of its burst: AWS's bucket starts counting
    when our first request arrives, a little after ours, and requests arrive with
    jitter; the margin absorbs up to 0.1 x burst / rate seconds of it (0.5 s for EC2).
    """
    return RateLimit(burst * 0.9, per_second)


#: AWS's published EC2 throttling figures ("Request throttling for the Amazon EC2
#: API": bucket size / refill rate per second, per account and region).
AWS_PUBLISHED: dict[tuple[str, str], RateLimit] = {
    ("ec2", NON_MUTATING): _published(100, 20),
    ("ec2", UNFILTERED_DESCRIBE): _published(50, 10),
    ("ec2", MUTATING): _published(50, 5),
}
#: Services AWS publishes no bucket for: conservative guesses, per class.
CONSERVATIVE: dict[str, RateLimit] = {
    NON_MUTATING: RateLimit(50, 10),
    UNFILTERED_DESCRIBE: RateLimit(50, 10),
    MUTATING: RateLimit(20, 5),
}

LimitValue = RateLimit | tuple[float, float] | str | None


@dataclass(frozen=True)
class RateLimits:
    """Which bucket each (service, API class) uses; overrides win over the defaults.

    Keys of ``overrides``, most specific first: ``"ec2:mutating"``, ``"ec2"``,
    ``"*:mutating"``, ``"*"``. A value of None means "no client-side limit".
    ``enabled=False`` turns every limit off.
    """

    overrides: tuple[tuple[str, RateLimit | None], ...] = ()
    enabled: bool = True
    _lookup: dict[str, RateLimit | None] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        self._lookup.update(self.overrides)

    def limit_for(self, service: str, api_class: str) -> RateLimit | None:
        """The limit for ``service``'s ``api_class`` calls, or None where none applies."""
        if not self.enabled:
            return None
        for key in (f"{service}:{api_class}", service, f"*:{api_class}", "*"):
            if key in self._lookup:
                return self._lookup[key]
        return AWS_PUBLISHED.get((service, api_class)) or CONSERVATIVE[api_class]

    def __str__(self) -> str:
        if not self.enabled:
            return "off"
        return ", ".join(f"{k}={v or 'none'}" for k, v in self.overrides) or "defaults"


DEFAULT_RATE_LIMITS = RateLimits()
RateLimitsArg = RateLimits | Mapping[str, LimitValue] | bool | None


def rate_limits(value: RateLimitsArg) -> RateLimits:
    """Check a ``rate_limits=`` argument: None/True (defaults), False (off), or a
    mapping such as ``{"ec2:mutating": (20, 2), "sqs": None, "*": "100/50"}``."""
    if value is None or value is True:
        return DEFAULT_RATE_LIMITS
    if value is False:
        return RateLimits(enabled=False)
    if isinstance(value, RateLimits):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            "rate_limits must be a mapping like {'ec2:mutating': (50, 5)}, "
            f"True/None (AWS's defaults) or False (off), got {value!r}"
        )
    overrides = tuple((_check_key(k), _limit(k, v)) for k, v in value.items())
    return RateLimits(overrides)


def parse_rate_limit(text: str) -> tuple[str, RateLimit | None]:
    """``"ec2:mutating=50/5"`` (burst/per second), ``"sqs=none"``: one CLI override."""
    key, sep, value = text.partition("=")
    if not sep:
        raise ValueError(
            f"rate limit {text!r}: write KEY=BURST/PER_SECOND, e.g. ec2:mutating=50/5, "
            "or KEY=none, or 'off'"
        )
    return _check_key(key.strip()), _limit(key, value.strip())


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"rate limit key must be a non-empty string, got {key!r}")
    service, _, api_class = key.partition(":")
    if not service or (api_class and api_class not in API_CLASSES):
        raise ValueError(
            f"rate limit key {key!r}: write SERVICE, SERVICE:CLASS, * or *:CLASS, "
            f"with CLASS one of {', '.join(API_CLASSES)}"
        )
    return key


def _limit(key: str, value: LimitValue) -> RateLimit | None:
    if value is None or (isinstance(value, str) and value.lower() == "none"):
        return None
    if isinstance(value, RateLimit):
        return value
    if isinstance(value, str):
        burst, sep, rate = value.partition("/")
        try:
            return RateLimit(float(burst), float(rate)) if sep else _bad(key, value)
        except ValueError:
            return _bad(key, value)
    if isinstance(value, tuple) and len(value) == 2:
        return RateLimit(*value)
    return _bad(key, value)


def _bad(key: str, value: object) -> RateLimit:
    raise ValueError(
        f"rate limit for {key!r} must be RateLimit(burst, per_second), a "
        f"(burst, per_second) pair, 'BURST/PER_SECOND' or None; got {value!r}"
    )


def api_class(service: str, operation: str, params: Mapping[str, Any]) -> str:
    """The AWS throttling class of one call, from its name and parameters."""
    if not _READ_PREFIXES.match(operation):
        return MUTATING
    if (
        service == "ec2"
        and operation in _UNFILTERED_DESCRIBES
        and not any(_NARROWING_PARAMS.match(name) for name in params)
    ):
        return UNFILTERED_DESCRIBE
    return NON_MUTATING


# --- the buckets -------------------------------------------------------------------


class TokenBucket:
    """Tokens refill continuously up to ``burst``; each request takes one.

    A request that finds no token reserves the next one (the count goes negative)
    and sleeps until its turn, outside the lock: waiting requests leave in order,
    spaced at the refill rate, with no thundering herd.
    """

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.rate = limit.per_second  # lowered after throttling, restored by successes
        self._clock = clock
        self._tokens = float(limit.burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; seconds to wait before using it (0.0 if one was there)."""
        with self._lock:
            self._refill()
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def throttled(self) -> None:
        """AWS said no: this key's bucket is emptier than ours thinks. Empty it and
        halve the refill rate (down to a tenth of the nominal one)."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)
            self.rate = max(self.rate / 2, self.limit.per_second / 10)

    def give_back(self) -> None:
        """Return a reserved token that will not be used."""
        with self._lock:
            self._tokens += 1.0

    def succeeded(self) -> None:
        """Each success gives back a twentieth of the nominal rate, up to it."""
        if self.rate < self.limit.per_second:
            with self._lock:
                step = self.limit.per_second / 20
                self.rate = min(self.limit.per_second, self.rate + step)

    def idle_and_full(self) -> bool:
        with self._lock:
            self._refill()
            return self._tokens >= self.limit.burst

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.limit.burst), self._tokens + elapsed * self.rate)
        self._updated = now


BucketKey = tuple[str, str, str, str, float, float]


class RateLimiter:
    """The process's buckets, one per (account, region, service, class, limit)."""

    #: Buckets kept; beyond it, full (idle) ones are forgotten (a new one starts full).
    MAX_BUCKETS = 20_000

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self._buckets: dict[BucketKey, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, key: tuple[str, str, str, str], limit: RateLimit) -> TokenBucket:
        """The bucket of ``key`` (account, region, service, API class), made on first use."""
        full_key = (*key, float(limit.burst), float(limit.per_second))
        bucket = self._buckets.get(full_key)
        if bucket is None:
            with self._lock:
                bucket = self._buckets.get(full_key)
                if bucket is None:
                    if len(self._buckets) >= self.MAX_BUCKETS:
                        self._forget_idle()
                    bucket = TokenBucket(limit, self.clock)
                    self._buckets[full_key] = bucket
        return bucket

    def acquire(self, bucket: TokenBucket) -> float:
        """Wait for a token of ``bucket``; the seconds waited."""
        wait = bucket.reserve()
        if wait > 0:
            # A wait is bounded like the request it precedes: never past the call's
            # deadline, so no worker sleeps for a request nobody waits for any more.
            deadline = current_deadline()
            if deadline is not None and wait >= deadline.left():
                bucket.give_back()
                raise deadline.error()
            self.sleep(wait)
        return wait

    def _forget_idle(self) -> None:
        """Forget full buckets (a new one starts full: nothing changes); if none is,
        the oldest tenth, so that a sweep of more keys than this never rescans."""
        idle = [k for k, b in self._buckets.items() if b.idle_and_full()]
        if not idle:
            idle = list(itertools.islice(self._buckets, self.MAX_BUCKETS // 10))
        for key in idle:
            del self._buckets[key]


_shared = PerProcess(RateLimiter)


def shared_limiter() -> RateLimiter:
    """The process-wide buckets (made on first use)."""
    return _shared.get()


# --- what one target's call did ----------------------------------------------------


@dataclass
class CallStats:
    """Counted for one target while its call runs (in its worker thread)."""

    limits: RateLimits = DEFAULT_RATE_LIMITS
    #: Who is throttled (``limiter_identity``); None: the client's own target's.
    identity: str | None = None
    attempts: int = 0
    throttled: int = 0
    waited: float = 0.0


#: The stats of the call running in this context: per-call state lives in context
#: variables, as the deadline does (``core.deadline``).
_current_stats: ContextVar[CallStats | None] = ContextVar(
    "multiregion_call_stats", default=None
)


@contextmanager
def counting(limits: RateLimits, target: Target | None = None) -> Iterator[CallStats]:
    """Count the HTTP attempts, throttles and rate-limit waits of the calls made in
    this context (thread) inside the block, under ``limits``, for ``target``'s
    account."""
    identity = limiter_identity(target) if target is not None else None
    stats = CallStats(limits, identity)
    token = _current_stats.set(stats)
    try:
        yield stats
    finally:
        _current_stats.reset(token)


def _current() -> CallStats | None:
    return _current_stats.get()


def limiter_identity(target: Target) -> str:
    """Who AWS throttles: the account, or what stands for it (never a secret)."""
    if target.account_id:
        return target.account_id
    if target.credentials is not None:  # a digest: access keys are secrets here
        key_id = target.credentials.access_key_id.encode()
        return f"key:{hashlib.sha256(key_id).hexdigest()[:16]}"
    if target.profile:
        return f"profile:{target.profile}"
    return "default"


_CLASS = "multiregion_api_class"
_BUCKET = "multiregion_bucket"


def attach_rate_limiter(client: BaseClient, target: Target) -> None:
    """Hook one client's events (botocore's public ``meta.events``) to the limiter.

    ``before-parameter-build`` classifies each call; ``request-created`` (every
    attempt, retries included, before signing) waits for a token;
    ``response-received`` (every attempt) feeds throttling back into the bucket.
    Limits come from the MultiRegion object running the call (``counting``), else
    the defaults, e.g. for a follow-up call on ``TargetResult.client``. The account
    is the call's target's: a shared client's first target is only its fallback.
    """
    service = client.meta.service_model.service_name
    region = client.meta.region_name or ""
    own_identity = limiter_identity(target)
    events = client.meta.events

    def classify(params: Mapping[str, Any], model: Any, context: Any, **_: Any) -> None:
        context[_CLASS] = api_class(service, model.name, params)

    def before_attempt(request: Any, **_: Any) -> None:
        stats = _current()
        limits = stats.limits if stats is not None else DEFAULT_RATE_LIMITS
        context = request.context
        cls = context.get(_CLASS, MUTATING)
        limit = limits.limit_for(service, cls)
        waited = 0.0
        if limit is not None:
            # Clients are shared by targets: the account is the running target's
            # (a label on the same keys is the caller's say), else the identity a
            # shared client signs as (a follow-up on TargetResult.client).
            signing = current_identity()
            identity = (
                (stats and stats.identity)
                or (signing and signing.account)
                or own_identity
            )
            limiter = shared_limiter()
            bucket = limiter.bucket((identity, region, service, cls), limit)
            context[_BUCKET] = bucket
            waited = limiter.acquire(bucket)
        if stats is not None:
            stats.attempts += 1
            stats.waited += waited

    def after_attempt(
        parsed_response: Any, context: Any, exception: Any = None, **_: Any
    ) -> None:
        code = None
        if isinstance(parsed_response, dict):
            code = parsed_response.get("Error", {}).get("Code")
        throttled = code in THROTTLING_CODES
        stats = _current()
        if throttled and stats is not None:
            stats.throttled += 1
        bucket = context.get(_BUCKET)
        if bucket is not None:
            if throttled:
                bucket.throttled()
            elif code is None and exception is None:  # a reset is not a success
                bucket.succeeded()

    events.register("before-parameter-build", classify)
    events.register_first("request-created", before_attempt)
    events.register("response-received", after_attempt)
