"""boto3 clients, created once per (credentials, service, region, endpoint) and reused."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from ._targets import Target

# Why these defaults: "standard" retries back off on throttling (boto3's default,
# "legacy", retries fewer error codes); parameters are validated once per call by the
# runtime before fan-out, so each client need not validate them again.
_DEFAULT_CONFIG = Config(
    retries={"mode": "standard"},
    parameter_validation=False,
    user_agent_extra="multiregion",
)

ClientKey = tuple[str | None, str | None, str, str, str | None]


class ClientCache:
    """Creates and caches clients for one MultiRegion object and its copies.

    One boto3 Session per credential source (a profile, or the given/default session),
    never one per call: a fresh Session costs ~250 ms of CPU under threads. Sessions are
    not thread-safe, so clients are created under one lock; that lock also stops 34
    threads loading the same service model at once on a cold start.
    """

    def __init__(
        self, session: boto3.Session | None = None, config: Config | None = None
    ):
        self._session = session
        self._config = _DEFAULT_CONFIG.merge(config) if config else _DEFAULT_CONFIG
        self._sessions: dict[tuple[str | None, str | None], boto3.Session] = {}
        self._clients: dict[ClientKey, BaseClient] = {}
        self._lock = threading.Lock()
        self.created = 0

    @property
    def config(self) -> Config:
        return self._config

    def base_session(self) -> boto3.Session:
        """The session for targets with no profile of their own."""
        with self._lock:
            return self._session_for(None, None)

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

    def _create(self, service: str, target: Target) -> BaseClient:
        session = self._session_for(target.profile, target.role_arn)
        kwargs: dict[str, Any] = {"region_name": target.region, "config": self._config}
        if target.endpoint_url:
            kwargs["endpoint_url"] = target.endpoint_url
        self.created += 1
        return session.client(service, **kwargs)  # type: ignore[call-overload,no-any-return]

    def _session_for(self, profile: str | None, role_arn: str | None) -> boto3.Session:
        key = (profile, role_arn)
        session = self._sessions.get(key)
        if session is None:
            if role_arn is not None:
                raise NotImplementedError("Target.role_arn is not supported yet")
            if profile is None:
                session = self._session or boto3.Session()
            else:
                session = boto3.Session(profile_name=profile)
            self._sessions[key] = session
        return session


def _key(service: str, target: Target) -> ClientKey:
    return (
        target.profile,
        target.role_arn,
        service,
        target.region,
        target.endpoint_url,
    )
