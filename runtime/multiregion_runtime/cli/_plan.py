"""The targets of a run: the planning options given to ``plan_targets`` as they are
(its errors worded with the options typed), and the ``DynamicService`` that calls them.
"""

from __future__ import annotations

import dataclasses
import re

import boto3
from botocore.model import ServiceModel

from ..fanout.dynamic import DynamicService
from ..planning import TargetPlan, plan_targets
from ..targets.account_wide import is_account_wide, one_per_account
from ._args import CommandLine, UsageError, positive_float, positive_int, split_values
from ._console import Console
from ._options import client_config, rate_limits


def planned_targets(
    line: CommandLine,
    service: str,
    base: boto3.Session,
    profiles: list[str] | None,
    verify: bool | str | None,
    console: Console,
) -> TargetPlan:
    """The command line's planning choices, converted once; the library plans.

    Whatever the plan left out (suspended or excluded accounts, regions not
    enabled) is listed on stderr: never silently.
    """
    regions = split_values(line, "--regions")
    endpoint = line.value("--endpoint-url")
    if endpoint is not None:  # http://user:password@host: errors quote the URL
        console.redact.add_endpoint(endpoint)
    try:
        plan = plan_targets(
            service,
            regions="all" if regions and "all" in regions else regions,
            profiles=profiles,
            accounts=split_values(line, "--accounts"),
            organization=line.flag("--organization"),
            ous=split_values(line, "--ous"),
            exclude_accounts=split_values(line, "--exclude-accounts"),
            role_name=line.value("--role-name"),
            external_id=line.value("--external-id"),
            endpoint_url=endpoint,
            enabled_regions_only=line.flag("--enabled-regions-only"),
            session=base,
            verify=verify,
        )
    except (ValueError, TypeError) as error:
        raise UsageError(_as_options(str(error))) from None
    for name, reason in plan.skipped.items():
        console.err(f"skipped {name}: {reason}")
    if not plan.targets:
        raise UsageError("no targets left to call (see the skipped lines above)")
    return plan


def once_per_account(
    plan: TargetPlan,
    line: CommandLine,
    service: str,
    operation: str,
    base: boto3.Session,
    console: Console,
) -> TargetPlan:
    """An operation that answers alike in every region (targets/account_wide.py),
    without --regions: one target per account and partition, in the session's region
    where it can. Said on stderr, with how to fan it out anyway."""
    if split_values(line, "--regions") is not None:
        return plan
    if not is_account_wide(service, operation):
        return plan
    targets = one_per_account(plan.targets, base.region_name)
    if len(targets) < len(plan.targets):
        console.err(
            f"{operation} answers alike in every region: called once per account "
            "(--regions calls it in each)"
        )
    return dataclasses.replace(plan, targets=targets)


# The library's names for the planning choices, as the command line spells them.
_OPTION_NAMES = {
    "role_name": "--role-name",
    "exclude_accounts": "--exclude-accounts",
    "endpoint_url": "--endpoint-url",
    "accounts": "--accounts",
    "organization": "--organization",
    "ous": "--ous",
}


_LIBRARY_NAMES = re.compile(r"(?<![\w-])(" + "|".join(_OPTION_NAMES) + r")\b")


def _as_options(message: str) -> str:
    """A planning error, worded with the options the user typed."""
    return _LIBRARY_NAMES.sub(lambda match: _OPTION_NAMES[match.group(1)], message)


def dynamic_service(
    line: CommandLine,
    model: ServiceModel,
    base: boto3.Session,
    plan: TargetPlan,
    verify: bool | str | None,
) -> DynamicService:
    codes = [c for v in line.values("--ignore-error-codes") for c in v.split(",") if c]
    try:
        return DynamicService(
            model.service_name,
            targets=plan,
            session=base,
            config=client_config(line),
            verify=verify,
            max_workers=positive_int(line, "--max-workers"),
            timeout=positive_float(line, "--timeout"),
            deadline=positive_float(line, "--deadline"),
            ignore_error_codes=codes,
            rate_limits=rate_limits(line),
            executor=line.value("--executor"),
        )
    except (ValueError, TypeError, ImportError) as error:  # ImportError: no dask extra
        raise UsageError(str(error)) from None
