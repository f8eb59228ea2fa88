"""`make demo`: multiregion against an embedded moto server; no AWS account needed.

Starts moto on loopback, seeds queues, security groups and SimpleDB domains in
several regions, replays the classic cross-region SimpleDB session through the
library, then lists queues and security groups of every region with the CLI.
"""

from __future__ import annotations

import logging
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from multiregion import DynamicService, Target, TargetResults

QUEUES = {
    "orders": ["us-east-1", "eu-west-1", "ap-southeast-2"],
    "invoices": ["eu-west-1"],
}
GROUPS = {"web": ["us-east-1", "eu-west-1"], "db": ["ap-southeast-2"]}
INVENTORY_REGIONS = ["eu-west-1", "us-west-2"]
DOMAIN = "demo-cities"
# SimpleDB signs with SigV2, whose requests name no region, so moto would put every
# region's domains in one; with SigV4 moto reads the region from the credential scope.
SDB_CONFIG = Config(signature_version="v4")


def use_fake_credentials() -> None:
    """Always fake keys, and no ~/.aws configuration: the demo never needs real ones."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_EC2"):
        os.environ.pop(name, None)
    os.environ["AWS_ACCESS_KEY_ID"] = "AKIADEMOFAKE00000000"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "demo-fake-secret"
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say(text: str = "") -> None:
    print(text, flush=True)


def seed(url: str) -> None:
    say("1. Seeding resources in several regions (plain boto3)")
    for name, regions in QUEUES.items():
        for region in regions:
            boto3.client("sqs", region, endpoint_url=url).create_queue(QueueName=name)
        say(f"   sqs: queue {name!r} in {', '.join(regions)}")
    for name, regions in GROUPS.items():
        for region in regions:
            ec2 = boto3.client("ec2", region, endpoint_url=url)
            ec2.create_security_group(GroupName=name, Description=f"{name} tier")
        say(f"   ec2: security group {name!r} in {', '.join(regions)}")
    for region in INVENTORY_REGIONS:
        sdb = boto3.client("sdb", region, endpoint_url=url, config=SDB_CONFIG)
        sdb.create_domain(DomainName="inventory")
        for item, count in (("apples", "12"), ("pears", "7")):
            attributes = [{"Name": "count", "Value": count, "Replace": True}]
            sdb.put_attributes(
                DomainName="inventory", ItemName=item, Attributes=attributes
            )
    say(f"   sdb: domain 'inventory' with 2 items in {', '.join(INVENTORY_REGIONS)}")
    say()


def step(label: str, call: Callable[[], TargetResults[Any]]) -> TargetResults[Any]:
    """Run one fan-out; print its summary, then one visible line per failed region."""
    started = time.monotonic()
    results = call()
    say(f"   {label:<50} {results.summary()} ({time.monotonic() - started:.2f} s)")
    for result in results:
        if result.error is not None:
            code = result.error_code or type(result.error).__name__
            # The first sentence: enough to see what failed, short enough for one line.
            message = str(result.error).splitlines()[0].split(". ")[0]
            say(f"      error in {result.region}: {code}: {message}")
    return results


def per_region(results: TargetResults[Any], show: Callable[[Any], str]) -> None:
    for result in results.succeeded():
        say(f"      {result.region:<16} {show(result.unwrap())}")


def attributes_of(value: Any) -> str:
    return ", ".join(f"{a['Name']}={a['Value']}" for a in value.get("Attributes", []))


def domains_of(value: Any) -> str:
    return ", ".join(value.get("DomainNames", [])) or "(none)"


def simpledb_session(url: str) -> None:
    regions = boto3.Session().get_available_regions("sdb")
    say("2. The classic cross-region SimpleDB session, through the library")
    say(f'   sdb = DynamicService("sdb", targets=<{len(regions)} regions at {url}>)')
    say("   (SimpleDB signs with SigV2, which names no region; the demo signs with")
    say("   SigV4 so that moto keeps each region's domains apart)")
    targets = [Target(region=r, endpoint_url=url) for r in regions]
    sdb = DynamicService("sdb", targets=targets, config=SDB_CONFIG)
    item = {"DomainName": DOMAIN, "ItemName": "home"}
    greeting = [{"Name": "greeting", "Value": "hello", "Replace": True}]
    step(f"create_domain({DOMAIN!r})", lambda: sdb.create_domain(DomainName=DOMAIN))
    step(
        "put_attributes('home', greeting)",
        lambda: sdb.put_attributes(**item, Attributes=greeting),
    )
    per_region(
        step("get_attributes('home')", lambda: sdb.get_attributes(**item)),
        attributes_of,
    )
    per_region(step("list_domains()", sdb.list_domains), domains_of)
    say("   select: moto does not implement SimpleDB Select, so every region answers")
    say("   with an error; it is shown, not skipped:")
    expression = f"select * from `{DOMAIN}`"
    step(f"select({expression!r})", lambda: sdb.select(SelectExpression=expression))
    step(f"delete_domain({DOMAIN!r})", lambda: sdb.delete_domain(DomainName=DOMAIN))
    left = [
        r.region
        for r in sdb.list_domains()
        if DOMAIN in (r.value or {}).get("DomainNames", [])
    ]
    say(
        f"   after delete_domain, {DOMAIN!r} is left in: {', '.join(left) or 'no region'}"
    )
    say()


def run_cli(url: str, *args: str) -> int:
    """Show the command as a user would type it, then run it."""
    shown = shlex.join(["multiregion", *args, "--endpoint-url", url])
    say(f"$ {shown}")
    command = [
        sys.executable,
        "-m",
        "multiregion_runtime",
        *args,
        "--endpoint-url",
        url,
    ]
    code = subprocess.run(command, timeout=120).returncode
    say(f"(exit code {code})")
    say()
    return code


def cli_tables(url: str) -> list[int]:
    say("3. The same from the command line: every region, as a table")
    say()
    query = (
        "SecurityGroups[].{GroupName:GroupName,GroupId:GroupId,Description:Description}"
    )
    return [
        run_cli(url, "sqs", "list-queues", "--regions", "all", "--output", "table"),
        run_cli(
            url, "ec2", "describe-security-groups", "--regions", "all",
            "--filters", "Name=group-name,Values=web,db", "--query", query,
            "--output", "table",
        ),
        # One region has the queue, the others do not: exit code 1 and the errors.
        run_cli(
            url, "sqs", "get-queue-url", "--queue-name", "invoices",
            "--regions", *QUEUES["orders"], "--output", "table",
        ),
    ]  # fmt: skip


def inventory_sweep(url: str) -> int:
    """examples/inventory.toml over a two-account organization on moto, into DuckDB,
    then one SQL query over the tables it wrote."""
    import dataclasses
    import tempfile
    from pathlib import Path

    import duckdb

    from multiregion import SweepSpec, sweep

    say("4. An inventory sweep of the organization into DuckDB")
    org = boto3.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    org.create_account(Email="workloads@example.com", AccountName="workloads")
    spec = SweepSpec.load(Path(__file__).with_name("inventory.toml"))
    # The example's targets, on moto: its regions only, every answer from loopback.
    targets = dataclasses.replace(
        spec.targets,
        regions=tuple(GROUPS["web"]),
        endpoint_url=url,
        enabled_regions_only=False,
    )
    say("   $ multiregion sweep examples/inventory.toml --out inventory.duckdb")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "inventory.duckdb"
        report = sweep(
            dataclasses.replace(spec, targets=targets),
            out,
            progress=True,
            progress_stream=sys.stdout,
        )
        say(report.summary())
        query = (
            "SELECT g.target_account AS account, g.target_region AS region, "
            "g.GroupName AS security_group, v.CidrBlock AS vpc_cidr "
            "FROM security_groups g JOIN vpcs v "
            "USING (target_account, target_region, VpcId) ORDER BY ALL"
        )
        say(f"   $ duckdb inventory.duckdb {query!r}")
        with duckdb.connect(str(out), read_only=True) as con:
            say(str(con.sql(query)))
    return 0 if report.ok else 1


def main() -> int:
    use_fake_credentials()
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # moto's request log
    from moto.server import ThreadedMotoServer

    started = time.monotonic()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    say("multiregion demo: one AWS API call, every region at once")
    say(
        f"moto server at {url} (embedded, fake credentials, nothing leaves this machine)"
    )
    say()
    try:
        seed(url)
        simpledb_session(url)
        codes = cli_tables(url)
        codes.append(inventory_sweep(url))
    finally:
        server.stop()
    say(f"Demo finished in {time.monotonic() - started:.1f} s.")
    return 0 if codes[:2] == [0, 0] and codes[2:] == [1, 0] else 1


if __name__ == "__main__":
    sys.exit(main())
