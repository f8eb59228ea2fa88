"""Client-side rate limits: classes, buckets, per-key independence, overrides, counts."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator

import boto3
import pytest

from benchmarks.endpoint.process import EndpointProcess
from multiregion import (
    DynamicService,
    RateLimit,
    RateLimiter,
    RateLimits,
    StaticCredentials,
    Target,
)
from multiregion_runtime.clients import ratelimit as _ratelimit
from multiregion_runtime.clients.ratelimit import (
    AWS_PUBLISHED,
    CONSERVATIVE,
    TokenBucket,
    api_class,
    parse_rate_limit,
    rate_limits,
)
from multiregion_runtime.core.deadline import Deadline, deadline_scope
from multiregion_runtime.core.errors import DeadlineExceededError
from multiregion_runtime.core.shared import PerProcess
from tests.helpers import free_port


class FrozenClock:
    """Time that never moves: a wait is only what the bucket asked for (recorded)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    """A process-wide limiter on a frozen clock, for one test."""
    frozen = FrozenClock()
    limiter = RateLimiter(frozen, frozen.sleep)
    monkeypatch.setattr(_ratelimit, "_shared", PerProcess(lambda: limiter))
    yield frozen


def labelled(account: str, calls: int, region: str = "eu-west-1") -> list[Target]:
    """``calls`` distinct targets that all go to one account and region."""
    return [
        Target(region, account_id=account, label=f"{account}-{i}") for i in range(calls)
    ]


def test_api_classes_follow_aws_ec2_rules() -> None:
    assert api_class("ec2", "DescribeInstances", {}) == "unfiltered-describe"
    assert api_class("ec2", "DescribeInstances", {"Filters": []}) == "non-mutating"
    assert api_class("ec2", "DescribeVolumes", {"MaxResults": 5}) == "non-mutating"
    assert api_class("ec2", "DescribeSnapshots", {"SnapshotIds": ["s"]}) == (
        "non-mutating"
    )
    assert api_class("ec2", "DescribeRegions", {}) == "non-mutating"
    assert api_class("ec2", "RunInstances", {}) == "mutating"
    assert api_class("ec2", "Describes", {}) == "mutating"  # not a Describe* verb
    assert api_class("sqs", "ListQueues", {}) == "non-mutating"
    assert api_class("sqs", "CreateQueue", {}) == "mutating"


def test_defaults_are_aws_published_figures_less_a_margin() -> None:
    defaults = RateLimits()
    assert defaults.limit_for("ec2", "non-mutating") == RateLimit(90, 20)
    assert defaults.limit_for("ec2", "unfiltered-describe") == RateLimit(45, 10)
    assert defaults.limit_for("ec2", "mutating") == RateLimit(45, 5)
    assert defaults.limit_for("sqs", "mutating") == CONSERVATIVE["mutating"]
    assert ("sqs", "mutating") not in AWS_PUBLISHED


def test_overrides_most_specific_first() -> None:
    limits = rate_limits(
        {
            "ec2:mutating": (10, 1),
            "ec2": "30/3",
            "*:mutating": RateLimit(7, 7),
            "*": None,
        }
    )
    assert limits.limit_for("ec2", "mutating") == RateLimit(10, 1)
    assert limits.limit_for("ec2", "non-mutating") == RateLimit(30, 3)
    assert limits.limit_for("sqs", "mutating") == RateLimit(7, 7)
    assert limits.limit_for("sqs", "non-mutating") is None
    assert rate_limits(False).limit_for("ec2", "mutating") is None
    assert rate_limits(None) == rate_limits(True) == RateLimits()
    assert parse_rate_limit("ec2:mutating=50/5") == ("ec2:mutating", RateLimit(50, 5))
    assert parse_rate_limit("sqs=none") == ("sqs", None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"ec2:writes": (1, 1)}, "'ec2:writes'.*non-mutating, mutating"),
        ({"ec2": (0, 1)}, "RateLimit.burst must be a positive number, got 0"),
        ({"ec2": "fast"}, "'ec2' must be RateLimit.*got 'fast'"),
        ({"ec2": (1, 2, 3)}, "got \\(1, 2, 3\\)"),
        ({"": (1, 1)}, "non-empty string"),
        ("100/20", "must be a mapping"),
    ],
)
def test_bad_rate_limits_are_refused_before_anything_is_sent(
    value: object, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        DynamicService("sqs", regions=["eu-west-1"], rate_limits=value)
    with pytest.raises(ValueError, match="KEY=BURST/PER_SECOND"):
        parse_rate_limit("ec2:mutating")


def test_bucket_reserves_in_turn_and_adapts_to_throttling() -> None:
    now = [0.0]
    bucket = TokenBucket(RateLimit(2, 4), lambda: now[0])
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.0, 0.25, 0.5]
    now[0] = 0.5  # two tokens refilled: both already reserved
    assert bucket.reserve() == 0.25
    bucket.throttled()
    # one reserved already, and the refill halved: the next waits 2 tokens / 2 per s
    assert bucket.rate == 2 and bucket.reserve() == 1.0
    for _ in range(3):
        bucket.throttled()
    assert bucket.rate == pytest.approx(0.4)  # never below a tenth
    for _ in range(100):
        bucket.succeeded()
    assert bucket.rate == 4


def test_two_accounts_do_not_slow_each_other(aws: None, clock: FrozenClock) -> None:
    limits = {"sqs": (5, 1)}  # 5 at once, then 1 a second
    alone = DynamicService(
        "sqs", targets=labelled("111111111111", 10), rate_limits=limits
    )
    waited_alone = sum(r.rate_limit_wait for r in alone.list_queues())
    # calls 6..10 wait 1, 2, 3, 4, 5 s behind the ones before them
    assert waited_alone == pytest.approx(15)
    both = DynamicService(
        "sqs",
        targets=labelled("222222222222", 10) + labelled("333333333333", 10),
        rate_limits=limits,
    )
    results = both.list_queues().raise_for_errors()
    for account in ("222222222222", "333333333333"):
        mine = [r for r in results if r.account_id == account]
        assert sum(r.rate_limit_wait for r in mine) == pytest.approx(15)
        assert [r.attempts for r in mine] == [1] * 10
    # another region of the same account has its own bucket
    other = DynamicService(
        "sqs", targets=labelled("111111111111", 5, "us-west-2"), rate_limits=limits
    )
    assert sum(r.rate_limit_wait for r in other.list_queues()) == 0


def test_the_bucket_is_shared_by_objects_and_overrides_apply(
    aws: None, clock: FrozenClock
) -> None:
    limits = {"sqs:non-mutating": (3, 2)}
    first = DynamicService("sqs", targets=labelled("1", 3), rate_limits=limits)
    assert sum(r.rate_limit_wait for r in first.list_queues()) == 0
    # a new object on the same key finds the bucket the first one emptied
    second = DynamicService("sqs", targets=labelled("1", 2), rate_limits=limits)
    assert sum(r.rate_limit_wait for r in second.list_queues()) == pytest.approx(1.5)
    off = second.with_options(rate_limits=False).list_queues()
    unlimited = second.with_options(rate_limits={"sqs": None}).list_queues()
    assert [r.rate_limit_wait for r in off + unlimited] == [0.0] * 4
    assert [r.attempts for r in off + unlimited] == [1] * 4
    assert len(clock.sleeps) == 2


def test_throttled_then_successful_calls_are_counted(clock: FrozenClock) -> None:
    """Against an endpoint that throttles as AWS does (1 token, 10 a second)."""
    session = boto3.Session(
        aws_access_key_id="AKIATHROTTLETEST0001",
        aws_secret_access_key="not-a-secret",
        region_name="eu-west-1",
    )
    narrow = {"Filters": [{"Name": "tag:a", "Values": ["b"]}]}
    with EndpointProcess("--fixed-delay-ms", "0", "--token-bucket", "1/10") as ep:
        targets = [
            Target("eu-west-1", endpoint_url=ep.url, label=f"c{i}") for i in range(6)
        ]
        ec2 = DynamicService("ec2", targets=targets, session=session)
        results = ec2.with_options(rate_limits=False).describe_instances(**narrow)
        server = ep.stats(reset=True)
        # a limit far above the server's: throttles still come, and slow the bucket
        loose = RateLimit(100, 100)
        again = ec2.with_options(rate_limits={"ec2": loose}).describe_instances(
            **narrow
        )
        server_again = ep.stats()
    attempts, throttled, waited = results.call_totals()
    assert server["throttled"] >= 1  # 6 at once against a bucket of 1
    assert throttled == server["throttled"] and waited == 0
    assert attempts == server["requests"]
    for r in results + again:
        assert r.attempts == r.throttled + (1 if r.ok else 0)
        assert r.ok or r.error_code == "RequestLimitExceeded"
    assert again.call_totals()[1] == server_again["throttled"] >= 1
    bucket = _ratelimit.shared_limiter().bucket(
        ("default", "eu-west-1", "ec2", "non-mutating"), loose
    )
    assert bucket.rate < loose.per_second  # fed back: halved, not yet restored


def test_a_wait_past_the_deadline_fails_at_once_and_gives_its_token_back() -> None:
    now = [0.0]
    slept: list[float] = []
    limiter = RateLimiter(lambda: now[0], slept.append)
    bucket = limiter.bucket(("a", "r", "ec2", "mutating"), RateLimit(1, 0.1))
    assert limiter.acquire(bucket) == 0.0  # the burst's one token
    with deadline_scope(Deadline(5.0)):  # the next token is 10 s away
        with pytest.raises(DeadlineExceededError):
            limiter.acquire(bucket)
    assert slept == []  # no sleep for a request that could not be sent in time
    assert limiter.acquire(bucket) == pytest.approx(10.0)  # the token came back
    assert slept == [pytest.approx(10.0)]


def test_the_limiter_forgets_buckets_beyond_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    limiter = RateLimiter(lambda: now[0], lambda _: None)
    monkeypatch.setattr(RateLimiter, "MAX_BUCKETS", 10)
    limit = RateLimit(2, 1)
    busy = limiter.bucket(("a", "r", "sqs", "mutating"), limit)
    limiter.acquire(busy)
    for i in range(9):
        limiter.bucket((f"idle-{i}", "r", "sqs", "mutating"), limit)
    limiter.bucket(("new", "r", "sqs", "mutating"), limit)  # forgets the 9 full ones
    assert limiter.bucket(("a", "r", "sqs", "mutating"), limit) is busy
    for i in range(20):  # none idle: the oldest tenth goes each time
        limiter.acquire(limiter.bucket((f"busy-{i}", "r", "sqs", "mutating"), limit))
    assert len(limiter._buckets) <= 10


def test_who_is_limited_is_the_account_and_never_shows_a_key() -> None:
    keys = StaticCredentials("AKIAKEYIDNOTSHOWN001", "secret")
    by_key = _ratelimit.limiter_identity(Target("eu-west-1", credentials=keys))
    assert "AKIAKEYIDNOTSHOWN001" not in by_key and by_key.startswith("key:")
    assert by_key == _ratelimit.limiter_identity(Target("us-east-1", credentials=keys))
    assert _ratelimit.limiter_identity(Target("eu-west-1", profile="dev")) == (
        "profile:dev"
    )
    with_account = Target("eu-west-1", credentials=keys, account_id="123456789012")
    assert _ratelimit.limiter_identity(with_account) == "123456789012"


def test_an_attempt_that_gets_no_answer_does_not_restore_the_rate(
    clock: FrozenClock,
) -> None:
    limit = RateLimit(5, 1)
    bucket = _ratelimit.shared_limiter().bucket(
        ("4", "eu-west-1", "sqs", "non-mutating"), limit
    )
    bucket.throttled()
    slowed = bucket.rate
    nobody = f"http://127.0.0.1:{free_port()}"  # every attempt: connection refused
    target = Target("eu-west-1", account_id="4", endpoint_url=nobody, label="t")
    session = boto3.Session(
        aws_access_key_id="AKIANOANSWER00000001",
        aws_secret_access_key="not-a-secret",
        region_name="eu-west-1",
    )
    sqs = DynamicService(
        "sqs", targets=[target], session=session, rate_limits={"sqs": limit}
    )
    (result,) = sqs.list_queues()
    assert not result.ok and result.attempts >= 1
    assert bucket.rate == slowed


def test_counting_is_per_context_like_the_deadline() -> None:
    """A context variable, not a thread-local: another context in the same thread
    (an asyncio task, ``copy_context().run``) does not count into this call."""
    elsewhere = contextvars.copy_context()  # taken before the block
    with _ratelimit.counting(RateLimits()) as stats:
        assert _ratelimit._current() is stats
        assert elsewhere.run(_ratelimit._current) is None
        with _ratelimit.counting(RateLimits(enabled=False)) as inner:
            assert _ratelimit._current() is inner
        assert _ratelimit._current() is stats  # restored after a nested block
    assert _ratelimit._current() is None
