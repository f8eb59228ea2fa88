"""Targets beyond regions: accounts through roles, organizations, endpoints, S3."""

from __future__ import annotations

import logging
import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from moto import mock_aws

from multiregion import (
    DynamicService,
    PlanningError,
    StaticCredentials,
    Target,
    account_targets,
    only_enabled_regions,
    organization_targets,
    plan_targets,
    profile_targets,
)
from tests.helpers import FAKE_SECRET, moto_process

ACCOUNT_A, ACCOUNT_B = "111111111111", "222222222222"


def record(session: boto3.Session, event: str) -> list[str]:
    seen: list[str] = []
    session.events.register(
        event, lambda context, **_: seen.append(context["client_region"])
    )
    return seen


def as_account(account: str, region: str) -> Any:
    """A boto3 SQS client acting in ``account`` (moto keys its state by account)."""
    sts = boto3.client("sts", region_name=region)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/Reader", RoleSessionName="seed"
    )
    c = creds["Credentials"]
    return boto3.client(
        "sqs",
        region_name=region,
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )


def test_accounts_through_assumed_roles_see_their_own_resources(
    aws: None, session: boto3.Session
) -> None:
    as_account(ACCOUNT_A, "eu-west-1").create_queue(QueueName="a-queue")
    assume_regions = record(session, "before-call.sts.AssumeRole")
    targets = account_targets(
        ["eu-west-1", "us-west-2"], [ACCOUNT_A, ACCOUNT_B], "Reader"
    )
    assert [t.account_id for t in targets] == [
        ACCOUNT_A,
        ACCOUNT_A,
        ACCOUNT_B,
        ACCOUNT_B,
    ]
    results = DynamicService("sqs", targets=targets, session=session).list_queues()
    results.raise_for_errors()
    found = {(r.account_id, r.region): r.unwrap().get("QueueUrls", []) for r in results}
    assert found[(ACCOUNT_A, "eu-west-1")][0].endswith(f"/{ACCOUNT_A}/a-queue")
    assert (
        found[(ACCOUNT_B, "eu-west-1")] == [] and found[(ACCOUNT_A, "us-west-2")] == []
    )
    # One AssumeRole per account, sent to a regional STS endpoint of its targets.
    assert len(assume_regions) == 2
    assert set(assume_regions) <= {"eu-west-1", "us-west-2"}


def test_an_account_whose_role_cannot_be_assumed_fails_alone(
    aws: None, session: boto3.Session
) -> None:
    good = account_targets(["eu-west-1", "us-west-2"], [ACCOUNT_A], "Reader")
    # A session name STS refuses: the AssumeRole of account B fails every time.
    bad = [
        Target(
            r, role_arn=f"arn:aws:iam::{ACCOUNT_B}:role/Reader", role_session_name="x"
        )
        for r in ["eu-west-1", "us-west-2"]
    ]
    results = DynamicService("sqs", targets=good + bad, session=session).list_queues()
    assert [r.ok for r in results] == [True, True, False, False]
    assert all(isinstance(r.error, ParamValidationError) for r in results.errors())
    assert {r.account_id for r in results.errors()} == {ACCOUNT_B}


def test_expiring_credentials_are_refreshed_during_a_run(
    aws: None, session: boto3.Session
) -> None:
    # 900 s is inside botocore's refresh window: every use must refresh, by AssumeRole.
    assumed = record(session, "before-call.sts.AssumeRole")
    short = [
        Target(
            "eu-west-1",
            role_arn=f"arn:aws:iam::{ACCOUNT_A}:role/Reader",
            duration_seconds=900,
        )
    ]
    sqs = DynamicService("sqs", targets=short, session=session)
    sqs.list_queues().raise_for_errors()
    sqs.list_queues().raise_for_errors()
    assert len(assumed) >= 2
    long_lived = [Target("eu-west-1", role_arn=f"arn:aws:iam::{ACCOUNT_B}:role/Reader")]
    before = len(assumed)
    sqs_b = DynamicService("sqs", targets=long_lived, session=session)
    sqs_b.list_queues().raise_for_errors()
    sqs_b.list_queues().raise_for_errors()
    assert len(assumed) - before == 1


def test_organization_accounts_skip_suspended_and_excluded_and_recurse_ous(
    aws: None, session: boto3.Session
) -> None:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="prod")[
        "OrganizationalUnit"
    ]["Id"]
    child = org.create_organizational_unit(ParentId=ou, Name="prod-eu")[
        "OrganizationalUnit"
    ]
    ids = {}
    for name in ["web", "data", "old", "skipme"]:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        ids[name] = status["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=ids["web"], SourceParentId=root, DestinationParentId=ou)
    org.move_account(
        AccountId=ids["data"], SourceParentId=root, DestinationParentId=child["Id"]
    )
    org.move_account(AccountId=ids["old"], SourceParentId=root, DestinationParentId=ou)
    org.close_account(AccountId=ids["old"])
    plan = organization_targets(
        session, ["eu-west-1"], "OrgReader", exclude=[ids["skipme"]]
    )
    own = boto3.client("sts").get_caller_identity()["Account"]
    accounts = {t.account_id for t in plan.targets}
    assert {ids["web"], ids["data"], own} <= accounts
    assert ids["old"] not in accounts and plan.skipped[ids["skipme"]] == "excluded"
    assert plan.skipped[ids["old"]] in {"SUSPENDED", "PENDING_CLOSURE", "CLOSED"}
    own_target = next(t for t in plan.targets if t.account_id == own)
    assert own_target.role_arn is None  # the caller's own account: its own credentials
    in_ou = organization_targets(session, ["eu-west-1"], "OrgReader", ous=[ou])
    assert {t.account_id for t in in_ou.targets} == {ids["web"], ids["data"]}
    assert all(
        t.role_arn and t.role_arn.endswith(":role/OrgReader") for t in in_ou.targets
    )


def test_regions_not_enabled_are_skipped_visibly(
    aws: None, session: boto3.Session
) -> None:
    targets = account_targets(["eu-west-1", "ap-east-1"], [ACCOUNT_A], "Reader")
    plan = only_enabled_regions(targets, session=session)
    assert [t.region for t in plan.targets] == ["eu-west-1"]
    assert plan.skipped == {
        f"{ACCOUNT_A}/ap-east-1": "region not enabled in this account"
    }


def test_global_service_runs_once_per_account(
    aws: None, session: boto3.Session
) -> None:
    targets = account_targets(
        ["eu-west-1", "us-west-2"], [ACCOUNT_A, ACCOUNT_B], "Reader"
    )
    iam = DynamicService("iam", targets=targets, session=session)
    assert [(t.account_id, t.region) for t in iam.targets] == [
        (ACCOUNT_A, "aws-global"),
        (ACCOUNT_B, "aws-global"),
    ]
    assert len(iam.list_users().raise_for_errors()) == 2


def test_s3_buckets_appear_once_under_their_own_region(
    aws: None, session: boto3.Session
) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="east-bucket")
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="eu-bucket",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    regions = ["us-east-1", "eu-west-1", "ap-south-1"]
    results = DynamicService("s3", regions=regions, session=session).list_buckets()
    names = {r.region: [b["Name"] for b in r.unwrap()["Buckets"]] for r in results}
    assert names == {
        "us-east-1": ["east-bucket"],
        "eu-west-1": ["eu-bucket"],
        "ap-south-1": [],
    }


def test_custom_endpoints_with_their_own_credentials(session: boto3.Session) -> None:
    # Two moto servers, each in its own process (so with its own state).
    with moto_process() as first, moto_process() as second:
        keys = [
            StaticCredentials("AKIAFIRSTENDPOINT000", "first-secret-XYZ"),
            StaticCredentials("AKIASECONDENDPOINT00", "second-secret-XYZ"),
        ]
        boto3.client(
            "sqs",
            region_name="us-west-2",
            endpoint_url=second,
            aws_access_key_id="AKIASECONDENDPOINT00",
            aws_secret_access_key="second-secret-XYZ",
        ).create_queue(QueueName="on-second")
        targets = [
            Target("us-west-2", endpoint_url=first, credentials=keys[0], label="first"),
            Target(
                "us-west-2", endpoint_url=second, credentials=keys[1], label="second"
            ),
            Target("eu-west-1", endpoint_url=second, credentials=keys[1]),
            Target("eu-west-1"),  # an AWS region (here moto in process) mixed in
        ]
        with mock_aws():
            results = DynamicService(
                "sqs", targets=targets, session=session
            ).list_queues()
        results.raise_for_errors()
        found = [r.unwrap().get("QueueUrls", []) for r in results]
        assert found[0] == [] and found[2] == [] and found[3] == []
        assert found[1][0].endswith("/on-second") and found[1][0].startswith(second)
        shown = repr(results) + repr(targets) + str(keys[0])
        assert "first-secret" not in shown and "AKIAFIRST" not in shown


def test_no_secret_in_target_reprs_errors_or_logs(
    aws: None, session: boto3.Session, caplog: pytest.LogCaptureFixture
) -> None:
    secret = StaticCredentials(
        "AKIAEXPLICIT00000000", "explicit-secret-ABC", "token-DEF"
    )
    targets = [
        Target("eu-west-1", credentials=secret),
        Target(
            "eu-west-1",
            role_arn=f"arn:aws:iam::{ACCOUNT_A}:role/R",
            external_id="ext-GHI",
        ),
    ]
    # Our logger at DEBUG, everything else at INFO: botocore's own DEBUG output logs
    # signed request headers; that is botocore's, and off unless a user turns it on.
    with caplog.at_level(logging.INFO), caplog.at_level(logging.DEBUG, "multiregion"):
        results = DynamicService("sqs", targets=targets, session=session).get_queue_url(
            QueueName="missing"
        )
    text = "\n".join([repr(targets), str(targets[0]), repr(results), caplog.text])
    text += "\n".join(str(r.error) for r in results)
    assert "NonExistentQueue" in text
    for leaked in [
        "AKIAEXPLICIT",
        "explicit-secret",
        "token-DEF",
        "ext-GHI",
        FAKE_SECRET,
    ]:
        assert leaked not in text


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: account_targets(["eu-west-1"], ["12345"], "R"), "12 digits.*'12345'"),
        (
            lambda: account_targets(["eu-west-1"], [], "R"),
            "account_ids must be a non-empty",
        ),
        (lambda: account_targets(["eu-wset-1"], [ACCOUNT_A], "R"), "unknown region"),
        (lambda: account_targets(["eu-west-1"], [ACCOUNT_A], "bad role!"), "role_name"),
        (
            lambda: profile_targets(["eu-west-1"], "dev"),
            "profiles must be a non-empty list",
        ),
        (
            lambda: Target("eu-west-1", role_arn="Reader"),
            "role_arn must be an IAM role ARN",
        ),
    ],
)
def test_bad_target_input_is_refused(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# -- plan_targets: every planning choice at once --------------------------------------


def test_plan_targets_accounts_with_exclusions_and_an_endpoint(
    session: boto3.Session,
) -> None:
    plan = plan_targets(
        "sqs",
        regions=["eu-west-*", "us-east-1"],
        accounts=[ACCOUNT_A, ACCOUNT_B],
        exclude_accounts=[ACCOUNT_B],
        role_name="Reader",
        external_id="shared-secret-id",
        endpoint_url="http://user:pw@127.0.0.1:5000",
        session=session,
    )
    assert [(t.account_id, t.region) for t in plan.targets] == [
        (ACCOUNT_A, "eu-west-1"),
        (ACCOUNT_A, "eu-west-2"),
        (ACCOUNT_A, "eu-west-3"),
        (ACCOUNT_A, "us-east-1"),
    ]
    assert plan.skipped == {ACCOUNT_B: "excluded"}
    assert all(
        t.role_arn == f"arn:aws:iam::{ACCOUNT_A}:role/Reader" for t in plan.targets
    )
    assert {t.external_id for t in plan.targets} == {"shared-secret-id"}
    assert {t.endpoint_url for t in plan.targets} == {"http://user:pw@127.0.0.1:5000"}
    assert "pw" not in repr(plan)
    # A global service is called once per account, at its partition endpoint.
    iam = plan_targets("iam", regions="all", accounts=[ACCOUNT_A], role_name="R")
    assert [t.region for t in iam.targets] == ["aws-global"]


def test_a_plan_is_used_as_is_without_validating_its_regions_again(
    session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_targets("sqs", regions=["eu-west-1", "us-east-1"], session=session)
    checked: list[str] = []

    def counting(name: str, partition: str) -> None:
        checked.append(name)

    monkeypatch.setattr("multiregion_runtime.fanout.client.check_region", counting)
    sqs = DynamicService("sqs", targets=plan, session=session)
    assert [t.region for t in sqs.targets] == ["eu-west-1", "us-east-1"]
    assert checked == []  # planned once, validated once
    DynamicService("sqs", targets=list(plan.targets), session=session)
    assert checked == ["eu-west-1", "us-east-1"]  # a plain list is checked


def test_plan_targets_profiles_times_regions(
    session: boto3.Session, tmp_path: Any
) -> None:
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n"
    )
    plan = plan_targets(
        "sqs",
        regions=["eu-west-1", "us-east-1"],
        profiles=["a", "b"],
        session=boto3.Session(),
    )
    assert [(t.profile, t.region) for t in plan.targets] == [
        ("a", "eu-west-1"),
        ("a", "us-east-1"),
        ("b", "eu-west-1"),
        ("b", "us-east-1"),
    ]


def test_enabled_regions_only_works_for_the_callers_own_account(
    aws: None, session: boto3.Session
) -> None:
    plan = plan_targets(
        "sqs",
        regions=["eu-west-1", "ap-east-1"],
        enabled_regions_only=True,
        session=session,
    )
    assert [t.region for t in plan.targets] == ["eu-west-1"]
    assert plan.skipped == {"ap-east-1": "region not enabled in this account"}


def test_plan_targets_lists_the_organization_at_the_endpoint() -> None:
    with moto_process() as url:
        org = boto3.client("organizations", "us-east-1", endpoint_url=url)
        org.create_organization(FeatureSet="ALL")
        created = org.create_account(Email="w@example.com", AccountName="web")
        web = created["CreateAccountStatus"]["AccountId"]
        plan = plan_targets(
            "sqs",
            regions=["eu-west-1"],
            organization=True,
            role_name="OrgReader",
            endpoint_url=url,
        )
        assert web in {t.account_id for t in plan.targets}
        assert {t.endpoint_url for t in plan.targets} == {url}
        with pytest.raises(PlanningError, match="ParentNotFoundException"):
            plan_targets(
                "sqs",
                regions=["eu-west-1"],
                organization=True,
                ous=["ou-abcd-12345678"],
                role_name="OrgReader",
                endpoint_url=url,
            )


@pytest.mark.parametrize(
    "choices, message",
    [
        ({"regions": ""}, "regions is blank"),
        ({"regions": []}, "regions must be a non-empty list"),
        ({"regions": [" "]}, "regions holds blank"),
        ({"accounts": [], "role_name": "R"}, "accounts must be a non-empty list"),
        ({"accounts": [""], "role_name": "R"}, "accounts holds blank"),
        ({"organization": True, "ous": [], "role_name": "R"}, "ous must be"),
        ({"profiles": []}, "profiles must be a non-empty list"),
        ({"profiles": ["nobody"]}, "unknown profile 'nobody'"),
        ({"accounts": [ACCOUNT_A]}, "need a role_name"),
        ({"role_name": "R"}, "need accounts or organization"),
        ({"endpoint_url": "ftp://host"}, "endpoint_url 'ftp://host' has scheme 'ftp'"),
        (
            {"endpoint_url": "http://[::1"},
            "endpoint_url 'http://[::1' is not a valid URL",
        ),
        ({"regions": ["eu-wst-1"]}, "unknown region 'eu-wst-1'"),
        ({"accounts": ["12345"], "role_name": "R"}, "account ids must be 12 digits"),
        (
            {"organization": True, "exclude_accounts": ["x"], "role_name": "R"},
            "exclude_accounts: account ids must be 12 digits",
        ),
        ({"organization": True, "role_name": "no spaces"}, "role_name must be"),
    ],
)
def test_plan_targets_refuses_bad_choices_before_any_request(
    choices: dict[str, Any], message: str, session: boto3.Session
) -> None:
    calls = record(session, "before-call")
    with pytest.raises(ValueError, match=re.escape(message)):
        plan_targets("sqs", session=session, **choices)
    assert calls == []
