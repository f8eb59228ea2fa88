"""boto3 clients, created once per (credentials, service, region, endpoint) and reused."""

from __future__ import annotations

import gc
import threading
from dataclasses import replace
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from ._credentials import session_for
from ._targets import Target

# Why these defaults: "standard" retries back off on throttling (boto3's default,
# "legacy", retries fewer error codes); parameters are validated once per call by the
# runtime before fan-out, so each client need not validate them again.
_DEFAULT_CONFIG = Config(
    retries={"mode": "standard"},
    parameter_validation=False,
    user_agent_extra="multiregion",
)

ClientKey = tuple[tuple[object, ...], str, str, str | None]


class ClientCache:
    """Creates and caches clients for one MultiRegion object and its copies.

    One boto3 Session per credential source (a profile, or the given/default session),
    never one per call: a fresh Session costs ~250 ms of CPU under threads. Sessions are
    not thread-safe, so clients are created under one lock; that lock also stops 34
    threads loading the same service model at once on a cold start.
    """

    def __init__(
        self,
        session: boto3.Session | None = None,
        config: Config | None = None,
        verify: bool | str | None = None,
    ):
        self._session = session
        self._verify = verify
        self._config = _DEFAULT_CONFIG.merge(config) if config else _DEFAULT_CONFIG
        self._sessions: dict[tuple[object, ...], boto3.Session] = {}
        self._clients: dict[ClientKey, BaseClient] = {}
        # Re-entrant: role sessions are built from the profile's session under it, and
        # STS clients for role assumption (made later, in worker threads) take it too.
        self._lock = threading.RLock()
        self.created = 0

    @property
    def config(self) -> Config:
        return self._config

    def base_session(self) -> boto3.Session:
        """The session for targets with no credentials of their own."""
        with self._lock:
            if self._session is None:
                self._session = boto3.Session()
            return self._session

    def cached(self, service: str, target: Target) -> BaseClient | None:
        """The client already made for ``target``, if any (never creates one)."""
        return self._clients.get(_key(service, target))

    def client(self, service: str, target: Target) -> BaseClient:
        key = _key(service, target)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._create(service, target)
                self._clients[key] = client
            return client

    def close(self) -> None:
        """Close every client's connections and forget them (they are made again if needed)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
            self._sessions.clear()
        for client in clients:
            client.close()

    def _create(self, service: str, target: Target) -> BaseClient:
        session = self._session_for(target)
        kwargs: dict[str, Any] = {"region_name": target.region, "config": self._config}
        if target.endpoint_url:
            kwargs["endpoint_url"] = target.endpoint_url
        if self._verify is not None:
            kwargs["verify"] = self._verify
        self.created += 1
        # botocore allocates many cyclic objects per client: with the cyclic GC on,
        # a burst of creations triggers 100+ collections that each walk every client
        # made so far (half the CPU of a cold fan-out, measured in make bench). Off
        # while creating; the next allocation after this collects as usual.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return session.client(service, **kwargs)  # type: ignore[call-overload,no-any-return]
        finally:
            if gc_was_enabled:
                gc.enable()

    def _session_for(self, target: Target) -> boto3.Session:
        """One Session per credential source; a role's is built on the profile's."""
        key = target.credential_source
        session = self._sessions.get(key)
        if session is None:
            base = self._session or boto3.Session()
            self._session = base
            if target.role_arn is not None and target.profile is not None:
                base = self._session_for(replace(target, role_arn=None))
            session = session_for(target, base, self._lock, self._verify)
            self._sessions[key] = session
        return session


def _key(service: str, target: Target) -> ClientKey:
    return (target.credential_source, service, target.region, target.endpoint_url)
