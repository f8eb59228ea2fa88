"""S3's own rule: a bucket lives in one region, and is best addressed there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import boto3

#: GetBucketLocation's legacy answers: no constraint is us-east-1, "EU" is eu-west-1.
_LEGACY_LOCATIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


def bucket_region(location_constraint: str | None) -> str:
    """The region of a bucket from its GetBucketLocation ``LocationConstraint``."""
    return (
        _LEGACY_LOCATIONS.get(location_constraint, location_constraint) or "us-east-1"
    )


def locate_buckets(session: boto3.Session, buckets: Sequence[str]) -> dict[str, str]:
    """Each bucket's region, asked once per bucket (any region's endpoint answers)."""
    if isinstance(buckets, str) or not buckets:
        raise ValueError(
            f"buckets must be a non-empty list of bucket names, got {buckets!r}"
        )
    s3: Any = session.client("s3", region_name="us-east-1")
    return {
        name: bucket_region(
            s3.get_bucket_location(Bucket=name).get("LocationConstraint")
        )
        for name in buckets
    }
