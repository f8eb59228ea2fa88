"""Sessions per credential source: explicit keys, profiles, and assumed roles."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    Credentials,
    DeferredRefreshableCredentials,
)

from ..core.deadline import DEADLINE_CONFIG
from ..targets.regions import partition_endpoint_names
from ..targets.target import Target
from .hooks import install_deadline

Lock = AbstractContextManager[Any]

#: At most this many AssumeRole calls in flight per process: with hundreds of accounts,
#: unbounded AssumeRole bursts are throttled by STS.
ASSUME_ROLE_CONCURRENCY = 8
_assume_role_slots = threading.BoundedSemaphore(ASSUME_ROLE_CONCURRENCY)
# STS throttles AssumeRole bursts: retry them with backoff, more than the default 3 times.
_STS_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8})


def session_for(
    target: Target,
    base: boto3.Session,
    lock: Lock,
    verify: bool | str | None = None,
) -> boto3.Session:
    """A new boto3 Session for the target's credential source (``lock`` guards ``base``).

    ``verify`` (TLS checks, as botocore takes it) applies to the STS calls of roles.
    """
    if target.credentials is not None:
        creds = target.credentials
        return boto3.Session(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            botocore_session=sharing_models(base),
        )
    if target.role_arn is not None:
        return _assumed_role_session(target, base, lock, verify)
    if target.profile is not None:
        return boto3.Session(
            profile_name=target.profile, botocore_session=sharing_models(base)
        )
    return base


def identity_credentials(
    target: Target,
    base: boto3.Session,
    lock: Lock,
    verify: bool | str | None = None,
) -> Credentials | None:
    """What ``target``'s requests are signed with: its explicit keys, or its role
    (assumed from ``base``'s credentials on first use), else ``base``'s own.

    No session is made for them: a botocore Session costs ~5 ms of CPU (its 127
    built-in handlers), more than the calls of an account in a dozen regions.
    """
    if target.credentials is not None:
        keys = target.credentials
        return Credentials(
            keys.access_key_id, keys.secret_access_key, keys.session_token
        )
    if target.role_arn is not None:
        return _assumed_role_credentials(target, base, lock, verify)
    return base.get_credentials()


#: Session components that hold parsed data and no credentials: sharing the loader
#: means models and endpoint data are parsed once per process. (botocore deprecates
#: getting its other components, e.g. the endpoint resolver, so they are not shared.)
SHARED_COMPONENTS = ("data_loader",)


def sharing_models(base: boto3.Session) -> botocore.session.Session:
    """A botocore session that reuses ``base``'s parsed models and endpoint data."""
    session = botocore.session.Session()
    for name in SHARED_COMPONENTS:
        session.register_component(name, base._session.get_component(name))
    return session


def _assumed_role_session(
    target: Target, base: boto3.Session, lock: Lock, verify: bool | str | None
) -> boto3.Session:
    """A session whose credentials are the role's (``_assumed_role_credentials``)."""
    session = sharing_models(base)
    credentials = _assumed_role_credentials(target, base, lock, verify)
    session._credentials = credentials  # type: ignore[attr-defined]  # as botocore's own providers do
    return boto3.Session(botocore_session=session)


def _assumed_role_credentials(
    target: Target, base: boto3.Session, lock: Lock, verify: bool | str | None
) -> DeferredRefreshableCredentials:
    """Credentials from AssumeRole, fetched lazily in the worker and refreshed by botocore.

    STS is called at the regional endpoint of the target's region (regional STS issues
    tokens valid in opt-in regions; the global endpoint's are not). One failure is kept
    and re-raised, so an account whose role cannot be assumed fails each of its targets
    at once instead of calling AssumeRole again for every region.
    """
    source = base.get_credentials()
    if source is None:
        raise ValueError(
            f"no credentials to assume {target.role_arn} from: configure a profile"
        )
    sts_region = (
        target.region if target.region not in partition_endpoint_names() else None
    )

    def create_sts(service: str, **kwargs: Any) -> Any:
        # A custom endpoint (moto, LocalStack) answers STS itself.
        if target.endpoint_url is not None:
            kwargs["endpoint_url"] = target.endpoint_url
        if verify is not None:
            kwargs["verify"] = verify
        with lock:  # creating clients from one Session is not thread-safe
            client = base.client(  # type: ignore[call-overload]
                service,
                region_name=sts_region or base.region_name or "us-east-1",
                config=DEADLINE_CONFIG.merge(_STS_CONFIG),
                **kwargs,
            )
        install_deadline(client)  # AssumeRole obeys the target's deadline too
        return client

    extra: dict[str, Any] = {"RoleSessionName": target.role_session_name}
    if target.external_id is not None:
        extra["ExternalId"] = target.external_id
    if target.duration_seconds is not None:
        extra["DurationSeconds"] = target.duration_seconds
    role_arn = str(target.role_arn)
    fetcher = AssumeRoleCredentialFetcher(
        create_sts, source, role_arn, extra_args=extra
    )
    return DeferredRefreshableCredentials(
        refresh_using=_FailOnce(fetcher.fetch_credentials), method="assume-role"
    )


class _FailOnce:
    """Calls ``fetch`` within the process-wide AssumeRole bound; remembers STS's refusal.

    Only an answer from STS (AccessDenied...) is the account's. A deadline, a
    cancelled call or a lost connection belongs to the target that was fetching:
    remembered, it would fail the account's every later target, in every call.
    """

    def __init__(self, fetch: Callable[[], dict[str, Any]]) -> None:
        self._fetch = fetch
        self._error: Exception | None = None

    def __call__(self) -> dict[str, Any]:
        if self._error is not None:
            raise self._error
        with _assume_role_slots:
            try:
                return self._fetch()
            except Exception as error:
                if getattr(error, "response", None) is not None:  # a ClientError
                    self._error = error
                raise
