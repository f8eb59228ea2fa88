"""Building targets: regions x profiles, regions x accounts, a whole organization.

``plan_targets`` takes every planning choice at once (the command line calls it and
nothing else); the smaller functions below are its parts, public for finer use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, UnknownServiceError

from .fanout.dynamic import DynamicService
from .targets.regions import (
    RegionsArg,
    check_region,
    partition_endpoint_names,
    partition_of_region,
    resolve_regions,
)
from .targets.target import Target, TargetPlan, check_endpoint_url

__all__ = [
    "OrganizationAccounts",
    "PlanningError",
    "TargetPlan",
    "account_targets",
    "check_endpoint_url",
    "only_enabled_regions",
    "organization_accounts",
    "organization_targets",
    "plan_targets",
    "profile_targets",
]

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ENABLED = {"opt-in-not-required", "opted-in"}
# A region of each partition that no account can disable (not opt-in).
_ALWAYS_ENABLED = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
}


# Planning calls (Organizations, STS, EC2 DescribeRegions) back off on throttling.
_PLANNING_CONFIG = Config(retries={"mode": "standard"}, user_agent_extra="multiregion")


class PlanningError(Exception):
    """Planning needed AWS (the organization's accounts) and AWS said no.

    The message is one line naming the call, the error code and what to do; the
    botocore error is ``__cause__``.
    """


def profile_targets(regions: Sequence[str], profiles: Sequence[str]) -> list[Target]:
    """Every region for every named profile (each profile is a credential source)."""
    _check_list("profiles", profiles)
    _check_regions(regions)
    return [Target(region, profile=p) for p in profiles for region in regions]


def account_targets(
    regions: Sequence[str],
    account_ids: Sequence[str],
    role_name: str,
    *,
    profile: str | None = None,
    own_account_id: str | None = None,
    external_id: str | None = None,
    duration_seconds: int | None = None,
) -> list[Target]:
    """Every region of every account, assuming ``role_name`` in each account.

    The caller's own account (``own_account_id``) uses the caller's credentials
    directly: assuming a role into one's own account needs a trust policy that is
    often absent, and is not needed.
    """
    _check_account_ids("account_ids", account_ids)
    _check_role_name(role_name)
    _check_regions(regions)
    targets = []
    for account in account_ids:
        for region in regions:
            if account == own_account_id:
                targets.append(Target(region, profile=profile, account_id=account))
                continue
            partition = partition_of_region(region) or "aws"
            targets.append(
                Target(
                    region,
                    profile=profile,
                    role_arn=f"arn:{partition}:iam::{account}:role/{role_name.strip('/')}",
                    external_id=external_id,
                    duration_seconds=duration_seconds,
                )
            )
    return targets


@dataclass(frozen=True)
class OrganizationAccounts:
    """The accounts to call (id -> name), and those left out (id -> why)."""

    active: dict[str, str]
    skipped: dict[str, str]


def organization_accounts(
    session: boto3.Session,
    *,
    ous: Sequence[str] = (),
    exclude: Iterable[str] = (),
    endpoint_url: str | None = None,
    verify: bool | str | None = None,
) -> OrganizationAccounts:
    """The organization's ACTIVE accounts.

    ``skipped`` maps each account left out to why (its state, such as SUSPENDED, or
    "excluded"). Limited to ``ous``, searched recursively, when given. Organizations
    is asked at ``endpoint_url`` when given (an emulator, a proxy).
    """
    org: Any = _client(session, "organizations", endpoint_url, verify)
    accounts = (
        _accounts_under(org, ous)
        if ous
        else _paginate(org, "list_accounts", "Accounts")
    )
    excluded = set(exclude)
    skipped: dict[str, str] = {}
    active: dict[str, str] = {}
    for account in accounts:
        state = account.get("State") or account.get("Status")
        if account["Id"] in excluded:
            skipped[account["Id"]] = "excluded"
        elif state != "ACTIVE":
            skipped[account["Id"]] = str(state)
        else:
            active[account["Id"]] = str(account.get("Name", ""))
    return OrganizationAccounts(active, skipped)


def organization_targets(
    session: boto3.Session,
    regions: Sequence[str],
    role_name: str,
    *,
    ous: Sequence[str] = (),
    exclude: Iterable[str] = (),
    external_id: str | None = None,
    endpoint_url: str | None = None,
    verify: bool | str | None = None,
) -> TargetPlan:
    """Every region of every ACTIVE account of the organization, via ``role_name``.

    Call it with the management (or a delegated administrator) account's session.
    The caller's own account keeps its own credentials. Organizations and STS are
    asked at ``endpoint_url`` when given; the targets themselves carry no endpoint.
    """
    accounts = organization_accounts(
        session, ous=ous, exclude=exclude, endpoint_url=endpoint_url, verify=verify
    )
    if not accounts.active:  # every account suspended or excluded: say so, no error
        return TargetPlan([], dict(accounts.skipped))
    sts: Any = _client(session, "sts", endpoint_url, verify)
    own = sts.get_caller_identity()["Account"]
    targets = account_targets(
        regions,
        list(accounts.active),
        role_name,
        profile=session.profile_name if session.profile_name != "default" else None,
        own_account_id=own,
        external_id=external_id,
    )
    return TargetPlan(targets, dict(accounts.skipped))


def only_enabled_regions(
    targets: Sequence[Target],
    session: boto3.Session | None = None,
    *,
    verify: bool | str | None = None,
) -> TargetPlan:
    """Drop each account's targets in opt-in regions that the account has not enabled.

    One EC2 DescribeRegions per credential source (fanned out at once) tells which
    regions are enabled. An account whose regions cannot be read keeps its targets:
    its calls then fail (or not) on their own, visibly.
    """
    per_source: dict[tuple[object, ...], Target] = {}
    for target in targets:
        if target.endpoint_url is None:
            per_source.setdefault(target.credential_source, target)
    # Ask in a region every account has (an opt-in one may be the very one disabled).
    probes = [replace(t, region=_always_enabled(t.region)) for t in per_source.values()]
    if not probes:
        return TargetPlan(list(targets))
    # AllRegions=True and OptInStatus, not a filter: the status is what says "enabled".
    ec2 = DynamicService("ec2", targets=probes, session=session, verify=verify)
    answers = ec2.describe_regions(AllRegions=True)
    enabled = {
        r.target.credential_source: {
            x["RegionName"]
            for x in r.unwrap()["Regions"]
            if x.get("OptInStatus") in _ENABLED
        }
        for r in answers
        if r.ok
    }
    kept, skipped = [], {}
    for target in targets:
        regions = enabled.get(target.credential_source)
        if (
            regions is None
            or target.region in regions
            or target.endpoint_url is not None
            or target.region in partition_endpoint_names()  # a global service's
        ):
            kept.append(target)
        else:
            skipped[target.name] = "region not enabled in this account"
    return TargetPlan(kept, skipped)


def plan_targets(
    service: str | None = None,
    *,
    regions: RegionsArg = None,
    profiles: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    organization: bool = False,
    ous: Sequence[str] | None = None,
    exclude_accounts: Sequence[str] | None = None,
    role_name: str | None = None,
    external_id: str | None = None,
    endpoint_url: str | None = None,
    enabled_regions_only: bool = False,
    session: boto3.Session | None = None,
    verify: bool | str | None = None,
) -> TargetPlan:
    """Every planning choice at once, turned into the targets to call.

    - ``regions``: names, patterns ("eu-*"), "all" or None (every region offering
      ``service``; every region of the session's partition without a service). A
      global service (IAM...) collapses them to its one partition endpoint.
    - ``profiles``: each named profile calls every region (else: ``session``).
    - ``accounts`` (or ``organization``, optionally limited to ``ous``) with
      ``role_name`` (and ``external_id``): every region of every account, through the
      role; ``exclude_accounts`` are left out. At most one profile then, the source
      of the role's credentials (and of the organization's listing).
    - ``endpoint_url``: every call (and the organization's listing) goes there.
    - ``enabled_regions_only``: drop regions an account (the caller's own included)
      has not enabled; ignored at an ``endpoint_url``, which answers for any region.

    Everything is checked before any request: an empty or blank list, a malformed
    account id or URL raises ValueError. Listing the organization can fail
    (not its management account, access denied, throttled): PlanningError.
    ``skipped`` says what was left out and why.
    """
    session = session or boto3.Session()
    partition = partition_of_region(session.region_name or "") or "aws"
    names = _planned_regions(session, service, regions, partition)
    for name, values in (("profiles", profiles), ("ous", ous)):
        if values is not None:
            _check_list(name, values)
    for name, values in (
        ("accounts", accounts),
        ("exclude_accounts", exclude_accounts),
    ):
        if values is not None:
            _check_account_ids(name, values)
    if role_name is not None:
        _check_role_name(role_name)
    _check_profiles(session, profiles or ())
    if endpoint_url is not None:
        check_endpoint_url(endpoint_url)
    if accounts is not None or organization:
        plan = _account_plan(
            session,
            names,
            accounts=accounts,
            organization=organization,
            ous=ous or (),
            exclude=exclude_accounts or (),
            role_name=role_name,
            external_id=external_id,
            profiles=profiles or (),
            endpoint_url=endpoint_url,
            verify=verify,
        )
    else:
        if ous is not None or exclude_accounts is not None or role_name is not None:
            raise ValueError(
                "ous, exclude_accounts and role_name need accounts or organization"
            )
        targets = (
            profile_targets(names, profiles) if profiles else [Target(r) for r in names]
        )
        plan = TargetPlan(targets)
    if enabled_regions_only:
        source = _profile_session(session, profiles)
        enabled = only_enabled_regions(plan.targets, session=source, verify=verify)
        plan = TargetPlan(enabled.targets, {**plan.skipped, **enabled.skipped})
    targets = plan.targets
    if endpoint_url is not None:
        targets = [replace(t, endpoint_url=endpoint_url) for t in targets]
    return TargetPlan(
        targets,
        plan.skipped,
        regions_checked_in=partition,
        regions_named=regions is not None,
    )


def _planned_regions(
    session: boto3.Session, service: str | None, regions: RegionsArg, partition: str
) -> list[str]:
    """The region names chosen, each validated once (here, and not again)."""
    if isinstance(regions, str) and not regions.strip():
        raise ValueError("regions is blank: name at least one region, or 'all'")
    if isinstance(regions, Sequence) and not isinstance(regions, str):
        _check_list("regions", regions)
    if service is None:  # every region of the partition (EC2 is in all of them)
        return list(resolve_regions(regions, "ec2", partition).regions)
    return list(
        resolve_regions(regions, _endpoint_prefix(session, service), partition).regions
    )


def _endpoint_prefix(session: boto3.Session, service: str) -> str:
    try:
        model = session._session.get_service_model(service)
    except UnknownServiceError:
        raise ValueError(f"unknown service {service!r}") from None
    return str(model.endpoint_prefix or service)


def _account_plan(
    session: boto3.Session,
    regions: list[str],
    *,
    accounts: Sequence[str] | None,
    organization: bool,
    ous: Sequence[str],
    exclude: Sequence[str],
    role_name: str | None,
    external_id: str | None,
    profiles: Sequence[str],
    endpoint_url: str | None,
    verify: bool | str | None,
) -> TargetPlan:
    if role_name is None:
        raise ValueError("accounts and organization need a role_name")
    if accounts is not None and organization:
        raise ValueError("pass either accounts or organization, not both")
    if ous and not organization:
        raise ValueError("ous need organization (they limit its accounts)")
    if len(profiles) > 1:
        raise ValueError("accounts and organization take at most one profile")
    profile = profiles[0] if profiles else None
    if organization:
        source = _profile_session(session, profiles)
        try:
            plan = organization_targets(
                source,
                regions,
                role_name,
                ous=ous,
                exclude=exclude,
                external_id=external_id,
                endpoint_url=endpoint_url,
                verify=verify,
            )
        except (ClientError, BotoCoreError) as error:
            raise PlanningError(_organization_failure(error)) from error
        if not plan.targets and not plan.skipped:
            raise PlanningError(
                "the organization listed no accounts"
                + (" under the OUs given" if ous else "")
            )
        return plan
    assert accounts is not None
    excluded = set(exclude)
    chosen = [a for a in accounts if a not in excluded]
    skipped = {a: "excluded" for a in accounts if a in excluded}
    if not chosen:
        return TargetPlan([], skipped)
    targets = account_targets(
        regions, chosen, role_name, profile=profile, external_id=external_id
    )
    return TargetPlan(targets, skipped)


def _organization_failure(error: BaseException) -> str:
    """One line: what failed, AWS's code and message, and the usual cause."""
    code = ""
    message = str(error)
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        message = str(response.get("Error", {}).get("Message", "")) or message
    hint = ""
    if code in (
        "AccessDeniedException",
        "AccessDenied",
        "AWSOrganizationsNotInUseException",
    ):
        hint = " (list the organization as its management account or a delegated administrator)"
    elif "Throttl" in code or code == "TooManyRequestsException":
        hint = " (throttled even after retries: try again later)"
    label = f"{code}: " if code else f"{type(error).__name__}: "
    return f"cannot list the organization's accounts: {label}{message}{hint}"


def _check_profiles(session: boto3.Session, profiles: Sequence[str]) -> None:
    known = session.available_profiles
    for profile in profiles:
        if profile not in known:
            listed = ", ".join(known) if known else "none are configured"
            raise ValueError(f"unknown profile {profile!r}; known profiles: {listed}")


def _profile_session(
    session: boto3.Session, profiles: Sequence[str] | None
) -> boto3.Session:
    """The session of the one profile given, else ``session``."""
    if profiles and len(profiles) == 1:
        return boto3.Session(profile_name=profiles[0])
    return session


def _client(
    session: boto3.Session,
    service: str,
    endpoint_url: str | None,
    verify: bool | str | None,
) -> Any:
    kwargs: dict[str, Any] = {"config": _PLANNING_CONFIG}
    if endpoint_url is not None:
        kwargs["endpoint_url"] = endpoint_url
    if verify is not None:
        kwargs["verify"] = verify
    return session.client(service, **kwargs)  # type: ignore[call-overload]


def _always_enabled(region: str) -> str:
    partition = partition_of_region(region) or "aws"
    return _ALWAYS_ENABLED.get(partition, region)


def _accounts_under(org: Any, ous: Sequence[str]) -> list[dict[str, Any]]:
    accounts: list[dict[str, Any]] = []
    pending = list(ous)
    while pending:
        parent = pending.pop(0)
        accounts += _paginate(
            org, "list_accounts_for_parent", "Accounts", ParentId=parent
        )
        children = _paginate(
            org,
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            ParentId=parent,
        )
        pending += [child["Id"] for child in children]
    return accounts


def _paginate(
    client: Any, method: str, key: str, **params: Any
) -> list[dict[str, Any]]:
    pages = client.get_paginator(method).paginate(**params)
    return [item for page in pages for item in page[key]]


def _check_account_ids(name: str, account_ids: Sequence[str]) -> None:
    _check_list(name, account_ids)
    bad = [a for a in account_ids if not isinstance(a, str) or not _ACCOUNT_ID.match(a)]
    if bad:
        raise ValueError(f"{name}: account ids must be 12 digits, got {bad!r}")


def _check_role_name(role_name: str) -> None:
    if not isinstance(role_name, str) or not re.match(r"^[\w+=,.@/-]+$", role_name):
        raise ValueError(
            f"role_name must be an IAM role name (or path/name), got {role_name!r}"
        )


def _check_list(name: str, values: Sequence[str]) -> None:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{name} must be a non-empty list of strings, got {values!r}")
    blank = [v for v in values if not isinstance(v, str) or not v.strip()]
    if blank:
        raise ValueError(f"{name} holds blank or non-string values: {blank!r}")


def _check_regions(regions: Sequence[str]) -> None:
    _check_list("regions", regions)
    for region in regions:
        if region not in partition_endpoint_names():  # a global service's endpoint
            check_region(region, partition_of_region(region) or "aws")
