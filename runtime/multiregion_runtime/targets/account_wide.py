"""Operations whose answer does not depend on the region: called once per account.

A regional service's endpoint answers them the same from every region, so calling them
in every region of an account repeats one answer (34 times in the aws partition) at
34 times the cost. By default they are sent once per account (per identity and
endpoint) and partition, from one of the regions planned for it; naming the regions
explicitly (``--regions``, ``regions=[...]``) still fans them out.

Global services (IAM, Organizations...) need no entry: botocore's endpoint data gives
them one endpoint per partition, and planning already collapses their regions.
"""

from __future__ import annotations

from collections.abc import Sequence

from .regions import partition_of_region
from .target import Target

#: (service, operation) -> why its answer is the same in every region.
ACCOUNT_WIDE: dict[tuple[str, str], str] = {
    ("sts", "GetCallerIdentity"): (
        "the caller's account, user id and ARN: one identity, whichever regional STS "
        "endpoint is asked"
    ),
    ("sts", "GetAccessKeyInfo"): (
        "the account an access key belongs to: keys are not regional"
    ),
    ("s3", "ListBuckets"): (
        "every bucket the account owns, from any regional endpoint (each bucket's "
        "BucketRegion in the answer); fanned out, each region passes BucketRegion "
        "so that every bucket is still listed once"
    ),
    ("ec2", "DescribeRegions"): (
        "the regions enabled for the account (or all with AllRegions): the same list "
        "from every region"
    ),
}


def is_account_wide(service: str, operation: str) -> bool:
    return (service, operation) in ACCOUNT_WIDE


def one_per_account(
    targets: Sequence[Target], prefer_region: str | None = None
) -> list[Target]:
    """One target per identity, endpoint and partition, in the order first seen: the
    one in ``prefer_region`` (the session's region, as the AWS CLI would use) when the
    identity has it, else its first."""
    chosen: dict[tuple[object, ...], Target] = {}
    for target in targets:
        key = _identity(target)
        if key not in chosen or (
            target.region == prefer_region and chosen[key].region != prefer_region
        ):
            chosen[key] = target
    return list(chosen.values())


def _identity(target: Target) -> tuple[object, ...]:
    partition = partition_of_region(target.region) or target.region
    return (
        target.account_id,
        target.endpoint_url,
        partition,
        *target.credential_source,
    )
