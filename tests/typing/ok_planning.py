"""User-style planning: plan_targets, a TargetPlan handed to a typed class."""

from typing_extensions import assert_type

from multiregion import PlanningError, Target, TargetPlan, plan_targets
from multiregion.sqs import MultiRegionSQS


def audit_queues() -> None:
    try:
        plan = plan_targets(
            "sqs",
            regions=["eu-*"],
            organization=True,
            ous=["ou-ab12-prod"],
            exclude_accounts=["333333333333"],
            role_name="OrgReader",
            enabled_regions_only=True,
        )
    except PlanningError as error:
        print(error)
        return
    assert_type(plan, TargetPlan)
    assert_type(plan.targets, list[Target])
    for name, reason in plan.skipped.items():
        print(name, reason)
    sqs = MultiRegionSQS(targets=plan)
    for result in sqs.with_targets(plan).list_queues():
        print(result.account_id, result.region, result.ok)
