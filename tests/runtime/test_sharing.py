"""The process-wide client cache: sharing across objects, bounds, eviction, sessions."""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config

from benchmarks.endpoint.process import EndpointProcess
from multiregion import DynamicService, SharedClients, Target, shared_clients
from multiregion_runtime.clients import cache as _client_cache
from multiregion_runtime.core.shared import PerProcess
from tests.helpers import THREE


@pytest.fixture
def small_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[SharedClients]:
    """A process-wide cache of 2 clients for the duration of one test."""
    cache = SharedClients(max_clients=2)
    monkeypatch.setattr(_client_cache, "_shared", PerProcess(lambda: cache))
    yield cache
    cache.close()


def signing_keys(client: Any) -> list[str]:
    """Record the access key id each request of ``client`` is signed with."""
    keys: list[str] = []

    def record(request: Any, **_: Any) -> None:
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        keys.append(auth.split("Credential=")[1].split("/")[0])

    client.meta.events.register("before-send", record)
    return keys


def test_a_new_object_for_the_same_targets_makes_no_new_client(aws: None) -> None:
    first = DynamicService("sqs", regions=THREE)
    first.list_queues().raise_for_errors()
    created = shared_clients().created
    second = DynamicService("sqs", regions=THREE)
    second.list_queues().raise_for_errors()
    assert first.clients_created == 3
    assert second.clients_created == 0
    assert shared_clients().created == created
    for region in THREE:
        target = Target(region)
        assert second.client_for(target) == first.client_for(target)


def test_another_config_or_service_gets_its_own_clients(aws: None) -> None:
    plain = DynamicService("sqs", regions=["eu-west-1"])
    slow = DynamicService("sqs", regions=["eu-west-1"], config=Config(read_timeout=7))
    sns = DynamicService("sns", regions=["eu-west-1"])
    clients = [s.client_for(Target("eu-west-1")) for s in (plain, slow, sns)]
    assert len({id(c) for c in clients}) == 3
    assert getattr(clients[1].meta.config, "read_timeout") == 7  # noqa: B009
    # the same Config, given again, shares
    again = DynamicService("sqs", regions=["eu-west-1"], config=Config(read_timeout=7))
    assert again.client_for(Target("eu-west-1")) == clients[1]


def test_a_users_session_is_kept_apart_and_signs_with_its_own_keys(aws: None) -> None:
    user = boto3.Session(
        aws_access_key_id="AKIAUSERSESSIONKEY01",
        aws_secret_access_key="user-secret",
        region_name="us-east-1",
    )
    mine = DynamicService("sqs", regions=["eu-west-1"], session=user)
    default = DynamicService("sqs", regions=["eu-west-1"])
    assert mine.session is user
    my_client = mine.client_for(Target("eu-west-1"))
    default_client = default.client_for(Target("eu-west-1"))
    assert my_client != default_client
    mine_signed, default_signed = signing_keys(my_client), signing_keys(default_client)
    mine.list_queues().raise_for_errors()
    default.list_queues().raise_for_errors()
    assert mine_signed == ["AKIAUSERSESSIONKEY01"]
    # the environment's key (moto's mock sets its own)
    assert default_signed == [os.environ["AWS_ACCESS_KEY_ID"]]
    assert default_signed != mine_signed
    # a second object on the same user session shares that session's clients
    again = DynamicService("sqs", regions=["eu-west-1"], session=user)
    assert again.client_for(Target("eu-west-1")) == my_client
    # another user session with the same keys is still kept apart
    other = boto3.Session(
        aws_access_key_id="AKIAUSERSESSIONKEY01",
        aws_secret_access_key="user-secret",
        region_name="us-east-1",
    )
    theirs = DynamicService("sqs", regions=["eu-west-1"], session=other)
    assert theirs.client_for(Target("eu-west-1")) != my_client


def test_a_changed_environment_gets_new_sessions(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = DynamicService("sqs", regions=["eu-west-1"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACHANGEDKEYID0002")
    after = DynamicService("sqs", regions=["eu-west-1"])
    client = after.client_for(Target("eu-west-1"))
    assert client != before.client_for(Target("eu-west-1"))
    signed = signing_keys(client)
    after.list_queues().raise_for_errors()
    assert signed == ["AKIACHANGEDKEYID0002"]


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(
    aws: None, small_cache: SharedClients
) -> None:
    a, b, c = (Target(r) for r in THREE)
    sqs = DynamicService("sqs", targets=[a, b, c])
    for target in (a, b, a, c):  # a is used again after b: b is the oldest
        sqs.with_targets([target]).list_queues().raise_for_errors()
    assert len(small_cache) == 2 and small_cache.evicted == 1
    assert sqs.clients_created == 3
    sqs.client_for(a), sqs.client_for(c)
    assert sqs.clients_created == 3  # both still cached
    sqs.client_for(b)
    assert sqs.clients_created == 4  # b was evicted: made again (evicting a)
    small_cache.set_max_clients(1)
    assert len(small_cache) == 1 and small_cache.evicted == 3


def test_bad_cache_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="max_clients must be a positive integer"):
        SharedClients(max_clients=0)
    with pytest.raises(ValueError, match="got 'many'"):
        shared_clients().set_max_clients("many")  # type: ignore[arg-type]


def connections_to(port: int) -> int:
    """This process's established TCP connections to 127.0.0.1:``port`` (Linux)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            established = fields[3] == "01"
            count += established and remote_port == port and fields[9] in inodes
    return count


def test_eviction_and_close_close_the_connections(small_cache: SharedClients) -> None:
    # The benchmarks' endpoint keeps connections alive (moto's server closes them).
    with EndpointProcess("--fixed-delay-ms", "0", max_seconds=60) as endpoint:
        url, port = endpoint.url, endpoint.port
        targets = [Target(r, endpoint_url=url) for r in THREE]
        sqs = DynamicService("sqs", targets=targets)
        sqs.with_targets(targets[:2]).list_queues().raise_for_errors()
        assert connections_to(port) == 2
        # the third client evicts the least recently used one, and closes its socket
        sqs.with_targets(targets[2:]).list_queues().raise_for_errors()
        assert len(small_cache) == 2 and small_cache.evicted == 1
        assert connections_to(port) == 2
        # close() closes what this object used (still cached: 2 sockets)
        sqs.close()
        assert len(small_cache) == 0
        assert connections_to(port) == 0


def test_a_user_can_still_close_between_phases(aws: None) -> None:
    first = DynamicService("sqs", regions=THREE)
    first.list_queues().raise_for_errors()
    size = len(shared_clients())
    first.close()
    assert len(shared_clients()) == size - 3
    second = DynamicService("sqs", regions=THREE)
    second.list_queues().raise_for_errors()
    assert second.clients_created == 3


def test_proxies_from_the_environment_are_still_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    direct = DynamicService("sqs", regions=["eu-west-1"]).client_for(
        Target("eu-west-1")
    )
    direct_config: Any = direct.meta.config
    assert direct_config.proxies == {}  # no look-up needed
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    proxied = DynamicService("sqs", regions=["eu-west-1"]).client_for(
        Target("eu-west-1")
    )
    assert proxied != direct
    proxied_config: Any = proxied.meta.config
    assert proxied_config.proxies is None  # botocore looks them up


def test_results_do_not_keep_evicted_clients_alive(
    aws: None, small_cache: SharedClients
) -> None:
    a, b, c = (Target(r) for r in THREE)
    sqs = DynamicService("sqs", targets=[a, b, c])
    first = sqs.with_targets([a]).list_queues().raise_for_errors()
    # the client behind the result's view of it
    used = weakref.ref(first[0].client.shared)
    sqs.with_targets([b, c]).list_queues().raise_for_errors()  # evicts a's client
    gc.collect()
    assert used() is None  # the result did not hold it
    follow_up: Any = first[0].client  # the same again, for follow-up calls
    assert follow_up is not None and follow_up.meta.region_name == a.region
    assert follow_up.list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_threads_asking_for_one_key_at_once_make_one_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new client is in the cache before another thread may create one: none is
    made twice (the loser's client used once, then left unclosed)."""
    made: list[object] = []
    just_made = threading.local()

    class Client:
        def close(self) -> None: ...

    def create(*_: Any) -> Client:
        client = Client()
        made.append(client)
        just_made.value = True
        return client

    class SlowAfterCreating:
        """The cache's lock, taken late by a thread that has just made a client."""

        def __init__(self) -> None:
            self._lock = threading.Lock()

        def __enter__(self) -> None:
            if getattr(just_made, "value", False):
                just_made.value = False
                time.sleep(0.05)  # whatever else the thread does there
            self._lock.acquire()

        def __exit__(self, *_: object) -> None:
            self._lock.release()

    monkeypatch.setattr(_client_cache, "_create_client", create)
    cache = SharedClients()
    cache._lock = SlowAfterCreating()  # type: ignore[assignment]
    base: Any = object()
    key: Any = (("environment", "x"), ("shared", None), "sqs", "r", None, ((), None))

    def take(_: int) -> object:
        return cache.client(key, base, Target("eu-west-1"), Config())[0]

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(take, range(4)))
    assert len(made) == cache.created == 1
    assert all(client is made[0] for client in got)
