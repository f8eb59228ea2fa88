"""Account-wide operations once per account in the library, by default; named
regions still fan out, each bucket still listed once (moto in process)."""

from __future__ import annotations

import boto3

from multiregion import DynamicService, plan_targets
from multiregion_runtime.targets.account_wide import ACCOUNT_WIDE, one_per_account
from multiregion_runtime.targets.target import Target

A, B = "111111111111", "222222222222"
EU, US = "eu-west-1", "us-east-1"


def test_get_caller_identity_once_per_account_unless_regions_are_named(
    aws: None, session: boto3.Session
) -> None:
    plan = plan_targets("sts", accounts=[A, B], role_name="Reader", session=session)
    assert len(plan.targets) > 2  # every region of both accounts
    once = DynamicService("sts", targets=plan, session=session).get_caller_identity()
    assert [(r.target.account_id, r.region, r.unwrap()["Account"]) for r in once] == [
        (A, US, A),
        (B, US, B),
    ]
    named = plan_targets(
        "sts", regions=[EU, US], accounts=[A, B], role_name="Reader", session=session
    )
    fanned = DynamicService("sts", targets=named, session=session)
    assert len(fanned.get_caller_identity()) == 4
    assert len(DynamicService("sts", session=session).get_caller_identity()) == 1
    assert (
        len(DynamicService("sts", [EU, US], session=session).get_caller_identity()) == 2
    )


def test_list_buckets_lists_every_bucket_once_either_way(
    aws: None, session: boto3.Session
) -> None:
    boto3.client("s3", US).create_bucket(Bucket="in-us")
    boto3.client("s3", EU).create_bucket(
        Bucket="in-eu", CreateBucketConfiguration={"LocationConstraint": EU}
    )
    once = DynamicService("s3", session=session)
    for results in (once.list_buckets(), once.paginate("ListBuckets")):
        assert [r.region for r in results] == [US]
        assert sorted(b["Name"] for b in results[0].unwrap()["Buckets"]) == [
            "in-eu",
            "in-us",
        ]
    named = DynamicService("s3", [US, EU], session=session)
    for results in (named.list_buckets(), named.paginate("ListBuckets")):
        found = [(r.region, b["Name"]) for r in results for b in r.unwrap()["Buckets"]]
        assert sorted(found) == [(EU, "in-eu"), (US, "in-us")]


def test_one_per_account_keeps_identities_partitions_and_the_preferred_region() -> None:
    targets = [
        Target(EU, account_id=A),
        Target(US, account_id=A),
        Target(EU, account_id=B),
        Target("cn-north-1", account_id=A),
        Target(EU, profile="dev"),
    ]
    assert one_per_account(targets, prefer_region=US) == [
        targets[1],
        targets[2],
        targets[3],
        targets[4],
    ]
    assert all(reason for reason in ACCOUNT_WIDE.values())
