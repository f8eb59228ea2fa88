"""Each call's targets (the pairs of a sweep), and which pairs a run takes.

A (call, target) pair is the unit a sweep writes whole or not at all, and the unit
``--resume``, ``--retry-failed`` and ``--max-age`` choose. A pair is named by its
call's table and its target's name (``account/region``, or the label).
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..data.rows import endpoint_of
from ..targets.account_wide import is_account_wide, one_per_account
from ..targets.regions import global_endpoint, partition_of_region, service_regions
from ..targets.target import Target
from .report import STATUSES
from .spec import CheckedCall, models_session

#: A pair's status in ``_sweep_targets``.
OK, FAILED, SKIPPED, NOT_STARTED = STATUSES


def call_targets(
    call: CheckedCall, planned: Sequence[Target], partition: str
) -> list[Target]:
    """The planned targets this call goes to: its regions only, regions that offer
    the service, and a global service (IAM) or an account-wide operation (S3
    ListBuckets) once per account, unless the call names its regions."""
    model = models_session().get_service_model(call.service)
    prefix = str(model.endpoint_prefix or call.service)
    targets = [t for t in planned if _in_regions(t.region, call.regions)]
    _check_partition(targets, partition)
    if call.regions is None and is_account_wide(call.service, call.operation):
        targets = one_per_account(targets)  # the same answer from every region
    global_name = global_endpoint(prefix, partition)
    if global_name is not None:
        return _once_per_account(targets, global_name)
    offered, source = service_regions(prefix, partition)
    if source == "endpoints":  # botocore lists the regions: others would fail
        chosen = set(offered)
        targets = [t for t in targets if t.endpoint_url or t.region in chosen]
    return _distinct(targets)


def _check_partition(targets: Iterable[Target], partition: str) -> None:
    """ValueError for a target of another partition (botocore's endpoints of this
    one do not list its region, so it would be left out of every call unsaid)."""
    for target in targets:
        its = partition_of_region(target.region)
        if target.endpoint_url is None and its not in (None, partition):
            raise ValueError(
                f"target {target.name!r} is in partition {its!r}, but the session's "
                f"is {partition!r}: sweep each partition with a session of its own"
            )


def _in_regions(region: str, regions: Sequence[str] | None) -> bool:
    return regions is None or any(fnmatch.fnmatch(region, r) for r in regions)


def _once_per_account(targets: Sequence[Target], global_name: str) -> list[Target]:
    """One target per identity and endpoint (``one_per_account``, as account-wide
    operations go), at the partition endpoint (a custom endpoint keeps the first
    region: it signs with it)."""
    return _distinct(
        t if t.endpoint_url else replace(t, region=global_name)
        for t in one_per_account(targets)
    )


def _distinct(targets: Iterable[Target]) -> list[Target]:
    """Targets in order, once each; a profile's targets get a label so that each
    pair's rows are told apart by the target columns (a profile has no account id
    until it is called)."""
    seen: dict[tuple[str | None, ...], Target] = {}
    for target in targets:
        if target.account_id is None and target.profile and not target.label:
            target = replace(target, label=f"{target.profile}/{target.region}")
        columns = (target.region, target.account_id, endpoint_column(target))
        other = seen.setdefault(columns, target)
        if other != target:
            raise ValueError(
                f"targets {other!r} and {target!r} would write rows no column tells "
                "apart: give them labels (Target(label=...))"
            )
    return list(seen.values())


@functools.lru_cache(maxsize=65536)
def pair_key(target: Target) -> str:
    """The name of a pair's target in the tables (``target`` column); cached: a
    name masks the endpoint URL's password, which parses the URL each time."""
    return target.name


@functools.lru_cache(maxsize=65536)
def endpoint_column(target: Target) -> str | None:
    """The target's ``target_endpoint`` column (``data.rows.endpoint_of``), cached."""
    return endpoint_of(target)


@dataclass(frozen=True)
class History:
    """What earlier runs recorded of one call's pairs."""

    last_status: Mapping[str, str]  # target -> status in the run chosen
    last_ok: Mapping[str, float]  # target -> when its last ok run finished (epoch s)


def chosen_pairs(
    keys: Sequence[str],
    *,
    retry_failed: bool,
    max_age: float | None,
    started: float,
    history: History,
) -> dict[str, str | None]:
    """Per target of the call: None (run it) or why it is skipped."""
    chosen: dict[str, str | None] = {}
    for key in keys:
        reason = None
        if retry_failed:
            status = history.last_status.get(key)
            if status not in (FAILED, NOT_STARTED):
                reason = f"not failed in the run retried ({status or 'not in it'})"
        elif max_age is not None:
            last = history.last_ok.get(key)
            if last is not None and started - last < max_age:
                reason = f"fresh: last ok {started - last:.0f} s before this run"
        chosen[key] = reason
    return chosen


def parse_age(text: str | float | int | None) -> float | None:
    """``"6h"``, ``"30m"``, ``"2d"``, ``"90s"`` or seconds, as seconds; ValueError
    naming the value and what is valid."""
    if text is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            seconds = float(text)
        else:
            number, unit = str(text)[:-1], str(text)[-1:]
            seconds = float(number) * units[unit]
    except (KeyError, ValueError):
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(
            f"max_age {text!r} is not a positive age: give a number and a unit, "
            "e.g. 90s, 30m, 6h or 2d"
        )
    return seconds
