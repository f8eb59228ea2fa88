"""One client for every account: each request signed with its own target's credentials.

A botocore client per (service, region, endpoint, Config) serves every target whose
only difference is its identity. Only the signature depends on the account, and
botocore's ``RequestSigner.sign`` signs with ``request.context["signing"]
["request_credentials"]`` when a handler has set it. So a *shared* client is made
with keys that belong to no account, and gets handlers, on botocore's public events,
that act for the identity of the call running in this context (a context variable):

- ``before-sign``: sign with the identity's credentials (a role's are assumed lazily
  and refreshed by botocore when they near expiry, as with a client of its own);
- ``before-endpoint-resolution``: ``AWS::Auth::AccountId`` (DynamoDB's account
  endpoints, ``account_id_endpoint_mode``) from the identity's credentials, as botocore
  takes it from a client's own;
- ``before-call.s3``: an S3 Express directory bucket is refused before anything is
  sent (botocore caches its session credentials per client), and the call goes to a
  client of the target's own.

``TargetClient`` is what callers get: a view of the shared client for one target that
sets the identity around each call. A call on a shared client with no identity fails
loudly (``MissingIdentityError``) rather than sign with anyone's keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import botocore
from botocore.client import BaseClient
from botocore.credentials import Credentials
from botocore.exceptions import NoCredentialsError

#: Keys a shared client is made with: they belong to no account, so a request that
#: escaped the handlers below would be refused by AWS, never signed as someone else.
UNUSABLE_KEYS = {
    "aws_access_key_id": "MULTIREGION-SHARED-CLIENT-NO-IDENTITY",
    "aws_secret_access_key": "not-a-secret-no-account-has-this-key",
}

#: Public methods of a client that are not API operations but are safe on the shared
#: client (they sign nothing, or call operations through this view).
_SHARED_METHODS = frozenset({"can_paginate", "close", "get_paginator", "get_waiter"})


class MissingIdentityError(RuntimeError):
    """A shared client was called outside any target's identity."""

    def __init__(self, service: str) -> None:
        super().__init__(
            f"this {service} client is shared by several accounts and was called "
            "with no target's identity: call it through the client of a target "
            "(MultiRegion.client_for(target), TargetResult.client), which signs "
            "each request with that target's credentials"
        )


class NeedsOwnClient(Exception):
    """Raised by a shared client's handler, before anything is sent, for a call whose
    credentials must be the client's own (``TargetClient`` repeats it on one)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Identity:
    """Who a target's requests are signed as: its credentials, never shown.

    ``key`` (the target's credential source) tells identities apart; ``account``
    is what the rate limiter and a repr may show (an account id, a digest, a profile).
    """

    __slots__ = ("key", "credentials", "account")

    def __init__(
        self, key: tuple[object, ...], credentials: Credentials | None, account: str
    ) -> None:
        self.key = key
        self.credentials = credentials
        self.account = account

    def __repr__(self) -> str:
        return f"Identity({self.account})"


_current: ContextVar[Identity | None] = ContextVar(
    "multiregion_signing_identity", default=None
)


def current_identity() -> Identity | None:
    """The identity of the call running in this context, if a target set one."""
    return _current.get()


@contextmanager
def signing_as(identity: Identity) -> Iterator[None]:
    """Requests of shared clients made in this block are signed as ``identity``."""
    token = _current.set(identity)
    try:
        yield
    finally:
        _current.reset(token)


# --- the handlers of a shared client -------------------------------------------------


def share_across_accounts(client: BaseClient) -> None:
    """Install the handlers that make ``client`` act for the current identity."""
    service = client.meta.service_model.service_name
    service_id = client.meta.service_model.service_id.hyphenize()
    events = client.meta.events
    events.register_first(
        f"before-sign.{service_id}",
        functools.partial(_sign_as_current, service),
        unique_id="multiregion-sign-as-target",
    )
    events.register(
        f"before-endpoint-resolution.{service_id}",
        functools.partial(_account_of_current, service),
        unique_id="multiregion-account-of-target",
    )
    if service == "s3":
        events.register(
            "before-call.s3", _refuse_s3_express, unique_id="multiregion-s3-express"
        )


def _identity_for(service: str) -> Identity:
    identity = _current.get()
    if identity is None:
        raise MissingIdentityError(service)
    return identity


def _sign_as_current(
    service: str, request: Any, signature_version: object = None, **_: Any
) -> None:
    """Sign with the identity's credentials (botocore freezes, and refreshes, them)."""
    credentials = _identity_for(service).credentials
    if signature_version is botocore.UNSIGNED:  # Config(signature_version=UNSIGNED)
        return
    if credentials is None:  # what a client of its own would say
        raise NoCredentialsError()
    request.context.setdefault("signing", {})["request_credentials"] = credentials


#: botocore's name for the account builtin of endpoint rulesets (EndpointResolverBuiltins).
ACCOUNT_ID_BUILTIN = "AWS::Auth::AccountId"


def _account_of_current(service: str, builtins: dict[str, Any], **_: Any) -> None:
    """The account of account-based endpoints: the identity's, read only if the
    ruleset asks (botocore's own deferred read of a client's credentials)."""
    credentials = _identity_for(service).credentials
    builtins[ACCOUNT_ID_BUILTIN] = (
        credentials.get_deferred_property("account_id") if credentials else None
    )


def _refuse_s3_express(context: dict[str, Any], **_: Any) -> None:
    if context.get("endpoint_properties", {}).get("backend") == "S3Express":
        raise NeedsOwnClient("S3 Express caches its session credentials per client")


def own_client_reason(
    client: BaseClient, custom_endpoint: bool, discovery_setting: object = None
) -> str | None:
    """Why targets of ``client``'s kind need clients of their own (None: they share).

    - endpoint discovery, where botocore turns it on: it caches discovered endpoints
      per client, and they are per account (Timestream's cells);
    - adaptive retries: botocore's client-side rate limiter is per client, so one
      throttled account would slow every other (the runtime's own limiter is per
      account: ``ratelimit``).

    ``custom_endpoint``: the client was made with an ``endpoint_url``;
    ``discovery_setting``: the session's ``endpoint_discovery_enabled``.
    """
    if not custom_endpoint and _discovers_endpoints(client, discovery_setting):
        return "endpoint discovery caches endpoints per client"
    retries = getattr(client.meta.config, "retries", None) or {}
    if retries.get("mode") == "adaptive":
        return "adaptive retries rate-limit per client"
    return None


def _discovers_endpoints(client: BaseClient, setting: object) -> bool:
    """botocore's own rule (``ClientCreator._register_endpoint_discovery``, which
    skips custom endpoints): on if configured so; by default ("auto") only for a
    service with an operation that requires it."""
    model = client.meta.service_model
    if model.endpoint_discovery_operation is None:
        return False
    configured = getattr(client.meta.config, "endpoint_discovery_enabled", None)
    enabled = str(configured if configured is not None else setting or "auto")
    if enabled.lower() in ("true", "false"):
        return enabled.lower() == "true"
    for name in model.operation_names:
        discovery: Any = model.operation_model(name).endpoint_discovery
        if discovery and discovery.get("required"):
            return True
    return False


# --- the view callers get ------------------------------------------------------------


class TargetClient:
    """A shared client as one target sees it: every call is signed as the target.

    API operations, paginators and waiters run on the shared client inside the
    target's identity. Other public methods (presigning, S3 transfers, which may
    read the client's own credentials or run in other threads) go to a client of the
    target's own, made on first use, as does an S3 Express call. Everything else
    (``meta``, ``exceptions``) is the shared client's.
    """

    __slots__ = ("shared", "identity", "_own")

    def __init__(
        self,
        shared: BaseClient,
        identity: Identity,
        own: Callable[[], BaseClient],
    ) -> None:
        self.shared = shared
        self.identity = identity
        self._own = own

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.shared, name)
        if name in self.shared.meta.method_to_api_mapping:
            return self._operation(name, value)
        if name.startswith("_") or name in _SHARED_METHODS or not callable(value):
            return value  # botocore's internals, read by its own methods below
        return getattr(self._own(), name)

    def _operation(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            with signing_as(self.identity):
                try:
                    return method(*args, **kwargs)
                except NeedsOwnClient:
                    pass  # refused before anything was sent
            return getattr(self._own(), name)(*args, **kwargs)

        return call

    # botocore's own methods, run with this view as the client, so that the
    # paginator's and the waiter's calls are this view's operations.
    def get_paginator(self, operation_name: str) -> Any:
        return BaseClient.get_paginator(self, operation_name)  # type: ignore[arg-type]

    def get_waiter(self, waiter_name: str) -> Any:
        return BaseClient.get_waiter(self, waiter_name)  # type: ignore[arg-type]

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self.shared)) | {"shared", "identity"})

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TargetClient)
            and other.shared is self.shared
            and other.identity.key == self.identity.key
        )

    def __hash__(self) -> int:
        return hash((id(self.shared), self.identity.key))

    def __repr__(self) -> str:
        return f"<{type(self.shared).__name__} client for {self.identity.account}>"
