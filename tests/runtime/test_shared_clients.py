"""One client per region for every account: each request signed with its own target's
keys, the fallbacks to a client of its own, and a retry quota per account."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import NoCredentialsError
from botocore.retries import standard

from benchmarks.endpoint.server import account_for
from multiregion import DynamicService, SharedClients, Target
from multiregion_runtime.clients import cache as _client_cache
from multiregion_runtime.clients import hooks as _hooks
from multiregion_runtime.clients.cache import ClientCache
from multiregion_runtime.clients.hooks import _RetriesPerIdentity
from multiregion_runtime.clients.signing import (
    Identity,
    MissingIdentityError,
    TargetClient,
    signing_as,
)
from multiregion_runtime.core.shared import PerProcess
from multiregion_runtime.targets.target import StaticCredentials
from tests.faultserver import Fault, FaultServer
from tests.helpers import moto_in_process


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[SharedClients]:
    """A process-wide cache of its own, so counts start at zero."""
    cache = SharedClients()
    monkeypatch.setattr(_client_cache, "_shared", PerProcess(lambda: cache))
    yield cache
    cache.close()


def key_id(n: int) -> str:
    return f"AKIAACCOUNT{n:09d}"


def account_target(n: int, region: str, url: str | None = None) -> Target:
    keys = StaticCredentials(key_id(n), f"secret-of-account-{n}")
    return Target(region, endpoint_url=url, credentials=keys, label=f"{n}/{region}")


def signed_key(request: Any) -> str:
    auth = request.headers.get("Authorization", b"")
    auth = auth.decode() if isinstance(auth, bytes) else auth
    return str(auth.split("Credential=")[1].split("/")[0]) if auth else ""


class _Raw:
    """The raw body of a stubbed answer (what botocore reads from urllib3)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def answer_with(
    client: Any, body: bytes, sent: list[tuple[str, str]] | None = None
) -> list[tuple[str, str]]:
    """Answer every request of ``client`` with ``body``, without sending it; record
    (url, signing key id) of each."""
    sent = [] if sent is None else sent

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append((request.url, signed_key(request)))
        return AWSResponse(request.url, 200, HTTPHeaders(), _Raw(body))

    client.meta.events.register_first("before-send", answer)
    return sent


# --- one client, many accounts --------------------------------------------------------


def test_100_accounts_share_one_client_and_each_request_carries_its_own_key(
    fresh_cache: SharedClients,
) -> None:
    with FaultServer() as server:
        targets = [account_target(n, "eu-west-1", server.url) for n in range(100)]
        sqs = DynamicService("sqs", targets=targets, max_workers=64, rate_limits=False)
        results = sqs.list_queues().raise_for_errors()
        assert sqs.clients_created == 1
        # the endpoint names the account of the key each request was signed with
        for n, result in enumerate(results):
            (url,) = result.unwrap()["QueueUrls"]
            assert f"/{account_for(key_id(n))}/" in url
        assert server.access_keys == {key_id(n): 1 for n in range(100)}
        # a follow-up on a result calls in the result's own account
        follow_up: Any = results[42].client
        assert f"/{account_for(key_id(42))}/" in follow_up.list_queues()["QueueUrls"][0]
        assert server.access_keys[key_id(42)] == 2
        assert sqs.clients_created == 1


def test_a_shared_client_called_outside_a_target_fails_before_sending(
    fresh_cache: SharedClients,
) -> None:
    with FaultServer() as server:
        sqs = DynamicService(
            "sqs", targets=[account_target(1, "eu-west-1", server.url)]
        )
        view: Any = sqs.client_for(sqs.targets[0])
        assert isinstance(view, TargetClient)
        shared: Any = view.shared
        with pytest.raises(MissingIdentityError, match="shared by several accounts"):
            shared.list_queues()
        assert sum(server.requests.values()) == 0
        assert view.list_queues()["QueueUrls"]  # through the view: signed, sent


def test_paginators_of_a_view_sign_as_its_target(
    fresh_cache: SharedClients,
) -> None:
    with FaultServer(pages=3) as server:
        targets = [account_target(n, "eu-west-1", server.url) for n in (1, 2)]
        logs = DynamicService("logs", targets=targets, rate_limits=False)
        view: Any = logs.client_for(targets[1])
        pages = list(view.get_paginator("describe_log_groups").paginate())
        assert len(pages) == 3
        assert server.access_keys == {key_id(2): 3}
        assert logs.describe_log_groups().raise_for_errors()  # both accounts
        assert server.access_keys == {key_id(1): 1, key_id(2): 4}
        assert logs.clients_created == 1


def test_waiters_of_a_view_sign_as_its_target() -> None:
    cache = ClientCache(shared=SharedClients())
    view: Any = cache.client("dynamodb", account_target(7, "us-east-1"))
    sent = answer_with(view.shared, b'{"Table": {"TableStatus": "ACTIVE"}}')
    view.get_waiter("table_exists").wait(TableName="t")
    assert [key for _url, key in sent] == [key_id(7)]


def test_botocore_signs_with_the_request_credentials_of_the_signing_context() -> None:
    """The key botocore reads (RequestSigner.sign): if a botocore release stops
    honouring it, this fails (``make test-newest-botocore``)."""
    session = botocore.session.get_session()
    client: Any = session.create_client(
        "sqs",
        region_name="eu-west-1",
        aws_access_key_id="AKIACLIENTSOWNKEY001",
        aws_secret_access_key="client-secret",
    )
    other = Credentials("AKIAREQUESTKEY000001", "request-secret")

    def sign_as_other(request: Any, **_: Any) -> None:
        request.context.setdefault("signing", {})["request_credentials"] = other

    client.meta.events.register("before-sign.sqs", sign_as_other)
    sent = answer_with(client, b'{"QueueUrls": []}')
    client.list_queues()
    assert [key for _url, key in sent] == ["AKIAREQUESTKEY000001"]


# --- roles ------------------------------------------------------------------------


def test_roles_share_one_client_per_region_and_are_refreshed_mid_run(
    aws: None, session: boto3.Session, fresh_cache: SharedClients
) -> None:
    # 900 s is inside botocore's refresh window: every use refreshes, by AssumeRole.
    assumed: list[str] = []
    session.events.register(
        "before-parameter-build.sts.AssumeRole",
        lambda params, **_: assumed.append(params["RoleArn"]),
    )
    accounts = ["111111111111", "222222222222"]
    regions = ["eu-west-1", "us-west-2"]
    targets = [
        Target(r, role_arn=f"arn:aws:iam::{a}:role/Reader", duration_seconds=900)
        for a in accounts
        for r in regions
    ]
    sqs = DynamicService("sqs", targets=targets, session=session, rate_limits=False)
    keys: list[str] = []
    for target in targets[:2]:  # one client per region, whatever the account
        view: Any = sqs.client_for(target)
        view.shared.meta.events.register(
            "before-send", lambda request, **_: keys.append(signed_key(request))
        )
    sqs.list_queues().raise_for_errors()
    first_keys, first_assumed = set(keys), len(assumed)
    sqs.list_queues().raise_for_errors()
    assert sqs.clients_created == 2
    # each account was assumed, and again before its credentials expired
    assert set(assumed) == {t.role_arn for t in targets}
    assert len(assumed) > first_assumed >= 2
    # the refreshed keys signed the second run: moto issues new ones each time
    assert len(set(keys) - first_keys) >= 2
    # and no request was signed with the session's own keys
    assert session.get_credentials().access_key not in keys  # type: ignore[union-attr]


def test_a_target_out_of_time_while_assuming_a_role_leaves_the_role_usable(
    aws: None, session: boto3.Session, fresh_cache: SharedClients
) -> None:
    """Its deadline is that target's, not the account's: the next call assumes the
    role again. (An answer from STS, such as AccessDenied, is kept for the account.)"""
    slow = [True]

    def assume_role_late(**_: Any) -> None:
        if slow[0]:
            time.sleep(0.3)  # past the target's deadline before AssumeRole is sent

    session.events.register("before-parameter-build.sts.AssumeRole", assume_role_late)
    target = Target("eu-west-1", role_arn="arn:aws:iam::111111111111:role/Reader")
    sqs = DynamicService("sqs", targets=[target], session=session, rate_limits=False)
    (late,) = sqs.with_options(timeout=0.1).list_queues()
    assert late.error_code == "DeadlineExceeded"
    slow[0] = False
    (again,) = sqs.list_queues()
    assert again.ok, again.error
    # an answer from STS is the account's: kept, not asked again for each target
    denied = Target("eu-west-1", role_arn="arn:aws:iam::222222222222:role/Denied")
    asked: list[str] = []

    def deny(params: dict[str, Any], **_: Any) -> Any:
        if "Denied" not in str(params.get("body")):
            return None
        asked.append("AssumeRole")
        error = {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}
        return AWSResponse("", 403, HTTPHeaders(), _Raw(b"")), error

    session.events.register("before-call.sts.AssumeRole", deny)
    for _ in range(2):
        (result,) = sqs.with_targets([denied]).list_queues()
        assert result.error_code == "AccessDenied"
    assert asked == ["AssumeRole"]


def test_a_role_at_two_endpoints_is_assumed_at_each(fresh_cache: SharedClients) -> None:
    """A target's STS is its endpoint's (moto, LocalStack): keys one endpoint issued
    do not sign requests to another."""
    session = boto3.Session(
        aws_access_key_id="AKIASOURCEKEY0000001",
        aws_secret_access_key="source-secret",
        region_name="eu-west-1",
    )
    assumed_at: list[str] = []
    session.events.register(
        "before-send.sts.AssumeRole",
        lambda request, **_: assumed_at.append(request.url.split("/")[2]),
    )
    role = "arn:aws:iam::111111111111:role/Reader"
    with moto_in_process() as first, moto_in_process() as second:
        targets = [
            Target("eu-west-1", endpoint_url=u, role_arn=role) for u in (first, second)
        ]
        sqs = DynamicService("sqs", targets=targets, session=session, rate_limits=False)
        sqs.list_queues().raise_for_errors()
        assert sorted(assumed_at) == sorted(u.split("/")[2] for u in (first, second))


# --- where a client of its own is needed -------------------------------------------


CREATE_SESSION = b"""<CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Credentials><SessionToken>token</SessionToken><SecretAccessKey>s</SecretAccessKey>
<AccessKeyId>ASIASESSION</AccessKeyId><Expiration>2099-01-01T00:00:00Z</Expiration>
</Credentials></CreateSessionResult>"""
LISTING = b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>'


def test_s3_express_buckets_go_to_a_client_of_the_accounts_own() -> None:
    # A loopback endpoint that nothing answers: every request is stubbed.
    cache = ClientCache(shared=SharedClients())
    targets = [account_target(n, "us-east-1", "http://127.0.0.1:9") for n in (1, 2)]
    views: list[Any] = [cache.client("s3", t) for t in targets]
    assert views[0].shared is views[1].shared
    on_shared = answer_with(views[0].shared, LISTING)
    on_own: list[tuple[str, str]] = []
    for target in targets:
        own = cache.own_client("s3", target)
        answer_with(own, CREATE_SESSION, on_own)
    # an ordinary bucket: the shared client, signed with the account's key
    views[1].list_objects_v2(Bucket="ordinary")
    assert [key for _url, key in on_shared] == [key_id(2)]
    # a directory bucket: refused by the shared client before anything was sent,
    # then CreateSession on the account's own client, with the account's own key
    for view in views:
        view.list_objects_v2(Bucket="mybucket--use1-az4--x-s3")
    sessions = [key for url, key in on_own if url.endswith("?session")]
    assert sessions == [key_id(1), key_id(2)]
    assert len(on_shared) == 1


def test_account_endpoints_are_the_accounts_of_each_request() -> None:
    """account_id_endpoint_mode=required: the account of a DynamoDB endpoint comes
    from each request's identity, as botocore takes it from a client's own keys."""
    config = Config(account_id_endpoint_mode="required")
    cache = ClientCache(config=config, shared=SharedClients())
    view: Any = cache.client("dynamodb", Target("us-east-1"))
    shared = view.shared
    sent = answer_with(shared, b'{"TableNames": []}')
    for n, account in ((1, "111111111111"), (2, "222222222222")):
        keys = Credentials(key_id(n), "secret", account_id=account)
        with signing_as(Identity((n,), keys, account)):
            shared.list_tables()
    assert sent == [
        ("https://111111111111.ddb.us-east-1.amazonaws.com/", key_id(1)),
        ("https://222222222222.ddb.us-east-1.amazonaws.com/", key_id(2)),
    ]
    # keys that name no account: the error a client of their own would give
    with signing_as(Identity((3,), Credentials(key_id(3), "secret"), "3")):
        with pytest.raises(Exception, match="AccountId"):
            shared.list_tables()


@pytest.mark.parametrize(
    ("service", "config", "why"),
    [
        ("timestream-write", None, "discovered endpoints are cached per client"),
        ("sqs", Config(retries={"mode": "adaptive"}), "adaptive: a limiter per client"),
    ],
)
def test_per_client_state_gets_a_client_per_account(
    service: str, config: Config | None, why: str
) -> None:
    cache = ClientCache(config=config, shared=SharedClients())
    one, two = (cache.client(service, account_target(n, "us-east-1")) for n in (1, 2))
    assert not isinstance(one, TargetClient), why
    assert one is not two
    assert one is cache.client(service, account_target(1, "us-east-1"))


def test_presigning_uses_the_accounts_own_client() -> None:
    cache = ClientCache(shared=SharedClients())
    views: list[Any] = [
        cache.client("s3", account_target(n, "eu-west-1")) for n in (1, 2)
    ]
    urls = [
        v.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
        for v in views
    ]
    assert [key_id(1) in urls[0], key_id(2) in urls[1]] == [True, True]
    assert cache.created == 3  # the shared client, and one of its own per account


# --- retries and connections -------------------------------------------------------


def test_a_failing_account_does_not_spend_another_accounts_retries(
    fresh_cache: SharedClients,
) -> None:
    failing, flaky = key_id(1), key_id(2)
    faults = {failing: Fault("error500"), flaky: Fault("error500", times=1)}
    with FaultServer(faults) as server:
        # 60 calls of one account, 2 retries each at 5 units: more than the 500
        # units of botocore's quota, which is per client.
        burners = [
            Target(
                "eu-west-1",
                endpoint_url=server.url,
                credentials=StaticCredentials(failing, "s"),
                label=f"burn-{i}",
            )
            for i in range(60)
        ]
        sqs = DynamicService("sqs", targets=burners, max_workers=60, rate_limits=False)
        burnt = sqs.list_queues()
        assert not any(r.ok for r in burnt)
        assert min(r.attempts for r in burnt) < 3  # that account's quota ran out
        # the other account, on the same shared client, still gets its retry
        other = sqs.with_targets([account_target(2, "eu-west-1", server.url)])
        (result,) = other.list_queues()
        assert result.ok and result.attempts == 2
        assert sqs.clients_created == 1
        assert server.access_keys[flaky] == 2


def test_a_shared_client_holds_a_connection_per_thread_without_warnings(
    fresh_cache: SharedClients, caplog: pytest.LogCaptureFixture
) -> None:
    with FaultServer({"eu-west-1": Fault("slow", seconds=0.3)}) as server:
        targets = [account_target(n, "eu-west-1", server.url) for n in range(128)]
        sqs = DynamicService("sqs", targets=targets, max_workers=128, rate_limits=False)
        with caplog.at_level(logging.WARNING, logger="urllib3"):
            sqs.list_queues().raise_for_errors()
        assert sqs.clients_created == 1
        assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_no_credentials_fail_as_botocore_would_unless_requests_are_unsigned() -> None:
    anonymous = Identity(("anonymous",), None, "anonymous")
    for config, signed in ((None, True), (Config(signature_version=UNSIGNED), False)):
        view: Any = ClientCache(config=config, shared=SharedClients()).client(
            "sqs", Target("eu-west-1")
        )
        sent = answer_with(view.shared, b'{"QueueUrls": []}')
        with signing_as(anonymous):
            if signed:
                with pytest.raises(NoCredentialsError):
                    view.shared.list_queues()
                assert sent == []
            else:
                view.shared.list_queues()
                assert [key for _url, key in sent] == [""]  # no Authorization


def test_retry_quotas_of_a_shared_client_stay_bounded_however_many_accounts(
    fresh_cache: SharedClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[_RetriesPerIdentity] = []

    class Recorded(_RetriesPerIdentity):
        MAX_QUOTAS = 8

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            made.append(self)

    monkeypatch.setattr(_hooks, "_RetriesPerIdentity", Recorded)
    with FaultServer() as server:
        targets = [account_target(n, "eu-west-1", server.url) for n in range(30)]
        sqs = DynamicService("sqs", targets=targets, max_workers=4, rate_limits=False)
        sqs.list_queues().raise_for_errors()
        assert server.access_keys == {key_id(n): 1 for n in range(30)}
    (per_identity,) = made  # the shared client's
    # every account got a quota while it called, but the client keeps the most
    # recent few (2.4 KB each), not one for every account it ever served
    assert 0 < len(per_identity._handlers) <= 8


def test_a_botocore_that_builds_retry_handlers_otherwise_keeps_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The per-account quota borrows botocore's ``register_retry_handler``; should a
    release read more of the client than service_model and events, calls still work,
    with botocore's own quota (and a warning), instead of failing every one."""
    real = standard.register_retry_handler

    def reads_more(client: Any, **kwargs: Any) -> Any:
        client.meta.config  # noqa: B018 - what a later botocore might read
        return real(client, **kwargs)

    monkeypatch.setattr(standard, "register_retry_handler", reads_more)
    with pytest.warns(RuntimeWarning, match="no retry quota per account"):
        view: Any = ClientCache(shared=SharedClients()).client(
            "sqs", account_target(1, "eu-west-1")
        )
    sent = answer_with(view.shared, b'{"QueueUrls": []}')
    assert view.list_queues()["QueueUrls"] == []
    assert [key for _url, key in sent] == [key_id(1)]
