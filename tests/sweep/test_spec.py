"""A bad sweep spec is refused whole: every problem in one message, exit 2, nothing
sent (a loopback endpoint counts every request) and no output made."""

from __future__ import annotations

from pathlib import Path

import pytest

from multiregion_runtime import SweepCall, SweepSpec, SweepSpecError, SweepTargets
from tests.faultserver import FaultServer
from tests.helpers import run_cli

GOOD_CALL = '[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\n'

#: (spec text after [targets], the fragments the one message must hold)
BAD_SPECS = {
    "typos everywhere": (
        'regions = ["us-east-1", "eu-wset-1"]\nacounts = ["1"]\n'
        '[[calls]]\nservice = "ec3"\noperation = "DescribeInstances"\n'
        '[[calls]]\nservice = "ec2"\noperation = "DescribeInstance"\n'
        '[[calls]]\nservice = "logs"\noperation = "describe_log_groups"\n'
        'tabel = "x"\nparams = { limitt = 5 }\nregions = ["moon-1"]\n',
        [
            "8 problems",  # seven in the spec, and --max-age 6x
            "unknown key 'acounts'; did you mean 'accounts'",
            "unknown region 'eu-wset-1'; did you mean 'eu-west-1'",
            "unknown service 'ec3'",
            "'ec2'",
            "unknown operation 'DescribeInstance'; did you mean 'DescribeInstances'",
            "unknown key 'tabel'; did you mean 'table'",
            "Unknown parameter in input: \"limitt\"; did you mean 'limit'",
            "unknown region 'moon-1'",
        ],
    ),
    "bad values": (
        'accounts = ["12345"]\nous = ["ou-1"]\n'
        '[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\n'
        'params = { limit = "ten" }\ntable = "1bad"\n' + GOOD_CALL + GOOD_CALL,
        [
            "account ids are 12 digits: ['12345']",
            "need role_name",
            "ous need organization",
            "Invalid type for parameter limit",
            "table '1bad' must be a letter",
            "table 'logs_describe_log_groups' is also call 2's",
        ],
    ),
    "wrong types": (
        'accounts = ["123456789012"]\nrole_name = 5\nexternal_id = 7\n' + GOOD_CALL,
        ["targets.role_name must be a string", "targets.external_id must be a string"],
    ),
    "no calls": ('regions = ["us-east-1"]\n', ["name at least one call"]),
    "not TOML": ('regions = ["us-east-1"\n', ["not valid TOML"]),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_every_bad_spec_is_refused_with_exit_2_and_nothing_sent(
    tmp_path: Path, name: str
) -> None:
    body, fragments = BAD_SPECS[name]
    with FaultServer() as server:
        spec = tmp_path / "spec.toml"
        spec.write_text(f'[targets]\nendpoint_url = "{server.url}"\n{body}')
        out = tmp_path / "inventory.duckdb"
        done = run_cli("sweep", str(spec), "--out", str(out), "--max-age", "6x")
        assert sum(server.requests.values()) == 0
    assert done.returncode == 2, done.stderr
    assert not out.exists()
    message = done.stderr
    assert message.count("nothing was sent") == 1  # one message, every problem
    for fragment in fragments + ["max_age '6x' is not a positive age"]:
        assert fragment in message, (fragment, message)


def test_the_python_api_refuses_the_same_way_before_any_request(
    tmp_path: Path,
) -> None:
    from multiregion_runtime import sweep

    spec = SweepSpec(
        SweepTargets(regions=("us-east-1",)),
        (SweepCall("logs", "DescribeLogGroups", {"limit": "x"}, regions=("mars-*",)),),
    )
    with FaultServer() as server:
        with pytest.raises(SweepSpecError) as raised:
            sweep(spec, tmp_path / "out.duckdb", executor="fibers")
        assert sum(server.requests.values()) == 0
    problems = raised.value.problems
    assert len(problems) == 3, problems
    assert "pattern 'mars-*' matches no region" in problems[0]
    assert "Invalid type for parameter limit" in problems[1]
    assert "executor must be" in problems[2]


def test_a_good_spec_names_its_calls_kind_and_table() -> None:
    spec = SweepSpec.from_toml(
        '[targets]\nregions = "all"\n'
        + GOOD_CALL
        + '[[calls]]\nservice = "sqs"\noperation = "get_queue_url"\n'
        'params = { QueueName = "q" }\ntable = "queue_urls"\n'
    )
    calls = spec.check()
    assert [(c.operation, c.kind, c.table) for c in calls] == [
        ("DescribeLogGroups", "items", "logs_describe_log_groups"),
        ("GetQueueUrl", "call", "queue_urls"),
    ]
    assert (
        spec.digest()
        == SweepSpec.from_toml(
            '[targets]\nregions = "all"\n'
            + GOOD_CALL
            + '[[calls]]\nservice = "sqs"\noperation = "get_queue_url"\n'
            'params = { QueueName = "q" }\ntable = "queue_urls"\n'
        ).digest()
    )


def test_the_example_inventory_spec_is_valid() -> None:
    from tests.helpers import ROOT

    spec = SweepSpec.load(ROOT / "examples" / "inventory.toml")
    calls = {c.table: (c.service, c.operation, c.kind) for c in spec.check()}
    assert calls["s3_buckets"] == ("s3", "ListBuckets", "items")
    assert calls["iam_roles"] == ("iam", "ListRoles", "items")
    assert spec.targets.organization and spec.targets.enabled_regions_only


def test_a_call_limited_to_one_region_named_alone_goes_there() -> None:
    """``regions = "eu-west-1"`` passes the checks, so it must mean that region (its
    letters, taken one by one as patterns, matched no target: the call was dropped)."""
    from multiregion_runtime import Target
    from multiregion_runtime.sweep.pairs import call_targets

    spec = SweepSpec.from_toml(
        '[targets]\n[[calls]]\nservice = "logs"\noperation = "DescribeLogGroups"\n'
        'regions = "eu-west-1"\n'
    )
    call = spec.check()[0]
    planned = [Target(region=r) for r in ("us-east-1", "eu-west-1")]
    assert [t.region for t in call_targets(call, planned, "aws")] == ["eu-west-1"]
    assert call.regions == ("eu-west-1",)


def test_two_tables_that_differ_only_in_case_are_refused() -> None:
    """DuckDB takes "Groups" and "groups" for one table: the second call's rows would
    replace the first's, pair by pair."""
    with pytest.raises(SweepSpecError) as raised:
        SweepSpec.from_toml(
            "[targets]\n"
            + GOOD_CALL
            + 'table = "Groups"\n'
            + '[[calls]]\nservice = "sqs"\noperation = "ListQueues"\n'
            + 'table = "groups"\n'
        )
    assert raised.value.problems == [
        "call 2 (sqs ListQueues): table 'groups' is also call 1's (case aside): "
        'give one of them another table = "..."'
    ]
