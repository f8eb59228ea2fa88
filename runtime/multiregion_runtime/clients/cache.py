"""One process-wide, bounded cache of boto3 sessions, identities and clients.

Every MultiRegion object in the process (and, with a process or Dask executor, every
object inside one worker process) takes its clients from ``shared_clients()``: a new
object for targets already called makes no new client, and models are parsed once.

A client is keyed by plain data only (no botocore object), so a worker process builds
the same keys from the same work specs:

- the *scope*: the environment's AWS configuration (a digest of the ``AWS_*`` and
  proxy variables, so a changed profile or endpoint variable gets its own sessions),
  or a token standing for one session the user passed (their session's credentials
  are never mixed with anyone else's);
- the target's profile (a profile may carry configuration as well as credentials);
- service, region, endpoint URL;
- the effective botocore ``Config``, as a tuple of its options.

Targets that differ only in their identity (a role, explicit keys) share that client:
``ClientCache.client`` returns a ``TargetClient`` view of it that signs each request
with the target's own credentials (``signing``), assumed once per account. Where
per-request credentials cannot be right (``signing.own_client_reason``, an S3 Express
call, presigning), a target gets a client of its own, keyed by its full credential
source.

The cache holds at most ``max_clients`` clients (default ``DEFAULT_MAX_CLIENTS``,
or the ``MULTIREGION_MAX_CLIENTS`` environment variable; ``set_max_clients()``
changes it). Beyond that the least recently used client is evicted and its
connections are closed, so memory and open sockets stay bounded however many
accounts a process sweeps.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar, cast

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.config import Config

from ..core.checks import check_count
from ..core.shared import POOL_SIZE, PerProcess
from ..targets.target import Target
from .credentials import SHARED_COMPONENTS, identity_credentials, session_for
from .hooks import install_deadline
from .ratelimit import attach_rate_limiter, limiter_identity
from .signing import (
    UNUSABLE_KEYS,
    Identity,
    TargetClient,
    own_client_reason,
    share_across_accounts,
)


def _default_max_clients() -> int:
    """1,024, or half the soft limit on open files if that is lower.

    Each warm client keeps a socket open (the common soft limit is 1,024 file
    descriptors, half of which are left to the application) and holds 0.2 MB (SQS)
    to 1.4 MB (EC2) of memory. A fan-out over more targets than this still works: it
    creates (and evicts) clients as it goes, at ~1-4 ms of CPU each.
    """
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):  # no resource module (Windows)
        return 512
    if soft == resource.RLIM_INFINITY:
        return 1024
    return max(64, min(1024, soft // 2))


#: Clients kept per process; override with MULTIREGION_MAX_CLIENTS or
#: ``set_max_clients()``.
DEFAULT_MAX_CLIENTS = int(
    os.environ.get("MULTIREGION_MAX_CLIENTS") or _default_max_clients()
)
"""Clients the process-wide cache keeps (``MULTIREGION_MAX_CLIENTS``, else 1,024 or
half the open-files limit if lower)."""
#: Sessions (one per credential source) kept per process; evicted ones are rebuilt.
MAX_SESSIONS = 1024
#: Identities (credentials per account) kept: an evicted role is assumed again, so
#: this bounds memory (a few KB each), not a sweep's accounts.
MAX_IDENTITIES = 100_000
#: Connections a client keeps per host: as many as threads may use it at once. The
#: process's thread pool is capped at POOL_SIZE (core.shared), and a client may be
#: shared by all of them; urllib3 opens connections only when needed.
POOL_CONNECTIONS = POOL_SIZE

# Why these defaults: "standard" retries back off on throttling (boto3's default,
# "legacy", retries fewer error codes); parameters are validated once per call by the
# runtime before fan-out, so each client need not validate them again; a client is
# shared by every thread of the process, so its pool holds as many connections as a
# fan-out's threads may use it at once (else urllib3 warns "Connection pool is full").
_DEFAULT_CONFIG = Config(
    retries={"mode": "standard"},
    parameter_validation=False,
    user_agent_extra="multiregion",
    max_pool_connections=POOL_CONNECTIONS,
)

K = TypeVar("K")
V = TypeVar("V")
Scope = tuple[str, str]
ConfigKey = tuple[tuple[str, object], ...]
SessionKey = tuple[Scope, tuple[object, ...], "bool | str | None"]
#: (scope, credential source, service, region, endpoint, (Config, verify))
ClientKey = tuple[
    Scope, tuple[object, ...], str, str, "str | None", tuple[ConfigKey, object]
]


def environment_scope() -> Scope:
    """The scope of sessions built from the environment, as it is now: a digest of the
    variables that change which credentials, configuration or proxies botocore uses.

    A digest rather than the values: the variables hold secret keys, and keys are
    kept (and may be logged by a debugger) for as long as the process runs.
    """
    relevant = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name.startswith("AWS_") or name.lower().endswith("_proxy")
    )
    digest = hashlib.sha256(repr(relevant).encode()).hexdigest()[:32]
    return ("environment", digest)


def config_key(config: Config) -> ConfigKey:
    """The options of a botocore Config as plain, hashable data."""
    return tuple(
        (name, _frozen(getattr(config, name, None)))
        for name in sorted(Config.OPTION_DEFAULTS)
    )


def _frozen(value: object) -> object:
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class SharedClients:
    """The process's sessions and clients: thread-safe, bounded, least recently used out.

    Use ``shared_clients()`` for the process-wide instance; a separate instance is
    only for tests and benchmarks. Two locks: ``_lock`` guards the dictionaries and
    is held only for a lookup; ``_create_lock`` serializes creating sessions and
    clients (botocore sessions are not thread-safe, and client creation is CPU under
    the GIL anyway), so a lookup never waits for a creation.
    """

    def __init__(self, max_clients: int = DEFAULT_MAX_CLIENTS) -> None:
        check_count("max_clients", max_clients)
        self._max_clients = max_clients
        self._clients: OrderedDict[ClientKey, BaseClient] = OrderedDict()
        self._sessions: OrderedDict[SessionKey, boto3.Session] = OrderedDict()
        self._identities: OrderedDict[SessionKey, Identity] = OrderedDict()
        self._own_reasons: dict[ClientKey, str | None] = {}  # memo; a few per service
        self._user_sessions: weakref.WeakKeyDictionary[boto3.Session, Scope] = (
            weakref.WeakKeyDictionary()
        )
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()
        # Re-entrant: role sessions are built on a profile's session under it, and
        # STS clients for role assumption (made later, in worker threads) take it too.
        self._create_lock = threading.RLock()
        self._templates: dict[object, botocore.session.Session] = {}
        self.created = 0
        self.evicted = 0

    @property
    def max_clients(self) -> int:
        """How many clients the cache keeps before it evicts the least recently used."""
        return self._max_clients

    def set_max_clients(self, max_clients: int) -> None:
        """Change the bound; clients beyond it are evicted (and closed) now."""
        check_count("max_clients", max_clients)
        with self._lock:
            self._max_clients = max_clients
            evicted = self._evict_over_limit()
        _close_all(evicted)

    def __len__(self) -> int:
        return len(self._clients)

    # --- sessions --------------------------------------------------------------

    def scope_of(self, session: boto3.Session | None) -> Scope:
        """The scope for a user's session (kept apart), or for the environment."""
        if session is None:
            return environment_scope()
        with self._lock:
            scope = self._user_sessions.get(session)
            if scope is None:
                scope = ("session", str(next(self._tokens)))
                self._user_sessions[session] = scope
            return scope

    def base_session(self, scope: Scope, user: boto3.Session | None) -> boto3.Session:
        """The session of targets with no credentials of their own, in ``scope``."""
        if user is not None:
            return user
        key: SessionKey = (scope, (), None)
        session = self._get(self._sessions, key)
        if session is not None:
            return session
        with self._create_lock:
            session = self._sessions.get(key)
            if session is None:
                session = boto3.Session(botocore_session=self._new_botocore_session())
                self._put_session(key, session)
            return session

    def _new_botocore_session(self) -> botocore.session.Session:
        """A session from the environment that reuses the process's parsed models,
        endpoint data and exception classes (the first such session's)."""
        session = botocore.session.Session()
        data_path = session.get_config_variable("data_path")
        first = self._templates.setdefault(data_path, session)
        if first is not session:
            for name in SHARED_COMPONENTS:
                session.register_component(name, first.get_component(name))
        return session

    def _session_for(
        self,
        scope: Scope,
        base: boto3.Session,
        target: Target,
        verify: bool | str | None = None,
    ) -> boto3.Session:
        """One Session per (scope, credential source); a role's is built on its profile's."""
        if target.profile is None and target.role_arn is None:
            if target.credentials is None:
                return base  # default credentials: the scope's own session
        key: SessionKey = (scope, target.credential_source, verify)
        session = self._sessions.get(key)
        if session is None:
            if target.role_arn is not None and target.profile is not None:
                base = self._session_for(
                    scope, base, replace(target, role_arn=None), verify
                )
            session = session_for(target, base, self._create_lock, verify)
            self._put_session(key, session)
        return session

    def _put_session(self, key: SessionKey, session: boto3.Session) -> None:
        with self._lock:
            self._sessions[key] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)

    # --- clients ---------------------------------------------------------------

    def client(
        self,
        key: ClientKey,
        base: boto3.Session,
        target: Target,
        config: Config,
        verify: bool | str | None = None,
        shared: bool = False,
    ) -> tuple[BaseClient, bool]:
        """The client for ``key``, created if needed; True if this call created it.

        ``shared``: a client for every identity of ``target``'s profile, made with
        keys of no account (``signing``); else one with ``target``'s credentials.
        """
        client = self._get(self._clients, key)
        if client is not None:
            return client, False
        with self._create_lock:
            client = self._get(self._clients, key)
            if client is not None:  # another thread made it while we waited
                return client, False
            scope, _source, service, _region, _endpoint, _config = key
            if shared:
                profile_only = Target(target.region, profile=target.profile)
                session = self._session_for(scope, base, profile_only, verify)
            else:
                session = self._session_for(scope, base, target, verify)
            client = _create_client(session, service, target, config, verify, shared)
            self.created += 1
            # in the cache before the next creator looks, else it makes one too
            with self._lock:
                self._clients[key] = client
                evicted = self._evict_over_limit()
        _close_all(evicted)
        return client, True

    def own_client_reason(
        self, key: ClientKey, client: BaseClient, session: boto3.Session
    ) -> str | None:
        """Why the targets of the shared client ``client`` need their own (memoized);
        ``session`` is the scope's, for its configuration. (The shared client of such
        a kind is still made, once per region: it is what tells.)"""
        if key not in self._own_reasons:
            endpoint = key[4]
            setting = session._session.get_config_variable("endpoint_discovery_enabled")
            reason = own_client_reason(client, endpoint is not None, setting)
            self._own_reasons[key] = reason
        return self._own_reasons[key]

    def identity(
        self,
        scope: Scope,
        base: boto3.Session,
        target: Target,
        verify: bool | str | None = None,
    ) -> Identity:
        """Who ``target`` signs as: its session's credentials, made once per
        credential source (a role's are assumed on first use, then refreshed)."""
        key: SessionKey = (scope, target.credential_source, verify)
        identity = self._get(self._identities, key)
        if identity is not None:
            return identity
        with self._create_lock:
            identity = self._get(self._identities, key)
            if identity is None:
                # the session of the target's profile (or the scope's): the source
                # of a role, or the credentials themselves
                profile_only = Target(target.region, profile=target.profile)
                source = self._session_for(scope, base, profile_only, verify)
                credentials = identity_credentials(
                    target, source, self._create_lock, verify
                )
                identity = Identity(
                    target.credential_source, credentials, limiter_identity(target)
                )
                with self._lock:
                    self._identities[key] = identity
                    while len(self._identities) > MAX_IDENTITIES:
                        self._identities.popitem(last=False)
            return identity

    def close(self, keys: Iterator[ClientKey] | list[ClientKey] | None = None) -> int:
        """Close and forget the clients of ``keys`` (all if None); how many were closed."""
        with self._lock:
            if keys is None:
                closing = list(self._clients.values())
                self._clients.clear()
                self._sessions.clear()
                self._identities.clear()
            else:
                closing = [
                    c for c in map(self._clients.pop, keys, itertools.repeat(None)) if c
                ]
        _close_all(closing)
        return len(closing)

    def _get(self, store: OrderedDict[K, V], key: K) -> V | None:
        with self._lock:
            value = store.get(key)
            if value is not None:
                store.move_to_end(key)
            return value

    def _evict_over_limit(self) -> list[BaseClient]:
        """Pop the least recently used clients beyond the bound (``_lock`` held)."""
        evicted = []
        while len(self._clients) > self._max_clients:
            evicted.append(self._clients.popitem(last=False)[1])
        self.evicted += len(evicted)
        return evicted


def _close_all(clients: list[BaseClient]) -> None:
    """Close the clients' connection pools.

    Safe even if another thread is still using one of them: botocore's ``close()``
    only empties urllib3's pool manager, which opens a new pool on the next request.
    """
    for client in clients:
        client.close()


def _create_client(
    session: boto3.Session,
    service: str,
    target: Target,
    config: Config,
    verify: bool | str | None = None,
    shared: bool = False,
) -> BaseClient:
    kwargs: dict[str, Any] = {"region_name": target.region, "config": config}
    if target.endpoint_url:
        kwargs["endpoint_url"] = target.endpoint_url
    if verify is not None:  # TLS checks, as botocore takes them (a Config cannot)
        kwargs["verify"] = verify
    if shared:  # each request is signed with its target's credentials instead
        kwargs.update(UNUSABLE_KEYS)
    with _gc_paused():
        client: BaseClient = session.client(service, **kwargs)  # type: ignore[call-overload]
    if shared:
        share_across_accounts(client)
    attach_rate_limiter(client, target)
    install_deadline(client)  # it obeys the deadline of the thread calling it
    return client


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic GC while a client is being created.

    botocore allocates many cyclic objects per client: with the cyclic GC on, a burst
    of creations triggers 100+ collections that each walk every client made so far
    (half the CPU of a cold fan-out, measured in make bench). The collections are
    only deferred: the next allocation after this collects as usual. Nested and
    concurrent uses restore the GC's state once the last one ends.
    """
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


def _effective_config(config: Config | None) -> Config:
    """Our defaults, the caller's Config over them, and no proxy look-up if none is set.

    botocore looks proxies up in the environment for every client it creates (~0.3 ms
    of CPU, a tenth of a client, measured with cProfile); where no proxy variable is
    set that look-up always answers {}, so saying so in the Config is the same thing.
    """
    # Not a top-level import: it would add http.client, email and ssl to every user's
    # type check (see clients/timeouts.py).
    import urllib.request

    merged = _DEFAULT_CONFIG.merge(config) if config else _DEFAULT_CONFIG
    # botocore asks urllib (the environment; macOS and Windows settings too)
    if getattr(merged, "proxies", None) is None and not urllib.request.getproxies():
        merged = merged.merge(Config(proxies={}))
    return merged


_shared = PerProcess(lambda: SharedClients())


def shared_clients() -> SharedClients:
    """The process-wide cache every MultiRegion object uses (made on first use).

    Executors that run targets in other processes call this inside each worker
    process: the cache is per process, and its keys are plain data.
    """
    return _shared.get()


def set_max_clients(max_clients: int) -> None:
    """Bound the process-wide client cache (evicting, and closing, the excess now)."""
    shared_clients().set_max_clients(max_clients)


class ClientCache:
    """One MultiRegion object's (and its copies') view of the process-wide cache.

    It fixes the scope (the environment or the user's session) and the effective
    Config, counts the clients this object created, and remembers which keys it used
    so that ``close()`` closes exactly those.
    """

    def __init__(
        self,
        session: boto3.Session | None = None,
        config: Config | None = None,
        verify: bool | str | None = None,
        shared: SharedClients | None = None,
    ):
        self._shared = shared or shared_clients()
        self._user_session = session
        self._scope = self._shared.scope_of(session)
        self._config = _effective_config(config)
        self._verify = verify
        # verify changes the client, so it is part of the key, beside the Config
        self._config_key = (config_key(self._config), verify)
        self._used: dict[ClientKey, None] = {}
        self._base: boto3.Session | None = None
        self.created = 0

    @property
    def config(self) -> Config:
        return self._config

    @property
    def shared(self) -> SharedClients:
        return self._shared

    def base_session(self) -> boto3.Session:
        """The session for targets with no credentials of their own."""
        if self._base is None:
            self._base = self._shared.base_session(self._scope, self._user_session)
        return self._base

    def key(self, service: str, target: Target) -> ClientKey:
        """The key of the client ``target`` shares with every identity of its profile."""
        return self._key(("shared", target.profile), service, target)

    def own_key(self, service: str, target: Target) -> ClientKey:
        """The key of a client with ``target``'s own credentials."""
        return self._key(target.credential_source, service, target)

    def _key(
        self, source: tuple[object, ...], service: str, target: Target
    ) -> ClientKey:
        endpoint = target.endpoint_url
        return (self._scope, source, service, target.region, endpoint, self._config_key)

    def client(self, service: str, target: Target) -> BaseClient:
        """The client calls for ``target`` go through: a view of the shared client
        that signs as ``target`` (``TargetClient``), or a client of its own where
        one is needed."""
        key = self.key(service, target)
        shared = self._get_client(key, service, target, shared=True)
        if self._shared.own_client_reason(key, shared, self.base_session()):
            return self.own_client(service, target)
        identity = self._shared.identity(
            self._scope, self.base_session(), target, self._verify
        )
        own = functools.partial(self.own_client, service, target)
        # A view, not a BaseClient: it has the client's operations and attributes.
        return cast(BaseClient, TargetClient(shared, identity, own))

    def own_client(self, service: str, target: Target) -> BaseClient:
        """A client with ``target``'s own credentials (made on first use)."""
        return self._get_client(self.own_key(service, target), service, target)

    def _get_client(
        self, key: ClientKey, service: str, target: Target, shared: bool = False
    ) -> BaseClient:
        client, created = self._shared.client(
            key, self.base_session(), target, self._config, self._verify, shared
        )
        if key not in self._used:
            self._used[key] = None
        if created:
            self.created += 1
        return client

    def close(self) -> None:
        """Close the clients this object used (others made them again if needed)."""
        keys, self._used = list(self._used), {}
        self._shared.close(keys)
