"""Building targets: regions x profiles, regions x accounts, a whole organization."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import boto3

from ._dynamic import DynamicService
from ._regions import check_region, partition_endpoint_names, partition_of_region
from ._targets import Target

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ENABLED = {"opt-in-not-required", "opted-in"}
# A region of each partition that no account can disable (not opt-in).
_ALWAYS_ENABLED = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
}


@dataclass(frozen=True)
class TargetPlan:
    """Targets to call, and what was left out and why (never silently)."""

    targets: list[Target]
    skipped: dict[str, str] = field(default_factory=dict)


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
    _check_list("account_ids", account_ids)
    bad = [a for a in account_ids if not isinstance(a, str) or not _ACCOUNT_ID.match(a)]
    if bad:
        raise ValueError(f"account ids must be 12 digits, got {bad!r}")
    if not isinstance(role_name, str) or not re.match(r"^[\w+=,.@/-]+$", role_name):
        raise ValueError(
            f"role_name must be an IAM role name (or path/name), got {role_name!r}"
        )
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
) -> OrganizationAccounts:
    """The organization's ACTIVE accounts.

    ``skipped`` maps each account left out to why (its state, such as SUSPENDED, or
    "excluded"). Limited to ``ous``, searched recursively, when given.
    """
    org: Any = session.client("organizations")
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
) -> TargetPlan:
    """Every region of every ACTIVE account of the organization, via ``role_name``.

    Call it with the management (or a delegated administrator) account's session.
    The caller's own account keeps its own credentials.
    """
    accounts = organization_accounts(session, ous=ous, exclude=exclude)
    own = session.client("sts").get_caller_identity()["Account"]
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
    targets: Sequence[Target], session: boto3.Session | None = None
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
    answers = DynamicService("ec2", targets=probes, session=session).describe_regions(
        AllRegions=True
    )
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
        ):
            kept.append(target)
        else:
            skipped[target.name] = "region not enabled in this account"
    return TargetPlan(kept, skipped)


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


def _check_list(name: str, values: Sequence[str]) -> None:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{name} must be a non-empty list of strings, got {values!r}")


def _check_regions(regions: Sequence[str]) -> None:
    _check_list("regions", regions)
    for region in regions:
        if region not in partition_endpoint_names():  # a global service's endpoint
            check_region(region, partition_of_region(region) or "aws")
