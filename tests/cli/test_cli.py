"""The `multiregion` console script, run as a subprocess against a moto server."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from multiregion import DynamicService, Target
from tests.helpers import FAKE_KEY_ID, FAKE_SECRET, THREE, moto_in_process, run_cli


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """One moto server for the module, with a queue and a security group per region.

    Each region of THREE has queue ``orders-<region>``; eu-west-1 alone has
    ``only-eu``; us-east-1 and eu-west-1 have security group ``web-<region>``; one
    region has log groups to page through.
    """
    with moto_in_process() as url:
        # Module-wide, so not the per-test fake credentials of conftest: its own keys.
        seeding = boto3.Session(aws_access_key_id="AKIASEED", aws_secret_access_key="s")
        for region in THREE:
            sqs = seeding.client("sqs", region, endpoint_url=url)
            sqs.create_queue(QueueName=f"orders-{region}")
        seeding.client("sqs", "eu-west-1", endpoint_url=url).create_queue(
            QueueName="only-eu"
        )
        for region in THREE[:2]:
            ec2 = seeding.client("ec2", region, endpoint_url=url)
            ec2.create_security_group(GroupName=f"web-{region}", Description="web tier")
        logs = seeding.client("logs", "eu-west-1", endpoint_url=url)
        for i in range(7):
            logs.create_log_group(logGroupName=f"/app/{i}")
        yield url


def cli(
    *args: str, url: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `multiregion args...` (at ``url``); no output may hold the secret key."""
    at = [] if url is None else ["--endpoint-url", url]
    return run_cli(*args, *at, env=env)


def library(url: str, regions: list[str], service: str = "sqs") -> DynamicService:
    targets = [Target(region=r, endpoint_url=url) for r in regions]
    return DynamicService(service, targets=targets, session=boto3.Session())


def without_metadata(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != "ResponseMetadata"}


# -- output formats, compared with the library's results ------------------------------


def test_json_groups_results_by_target_like_the_library(server: str) -> None:
    done = cli("sqs", "list-queues", "--regions", *THREE, url=server)
    assert done.returncode == 0, done.stderr
    expected = [
        {"region": r.region, "result": without_metadata(r.unwrap())}
        for r in library(server, THREE).list_queues()
    ]
    assert json.loads(done.stdout) == expected
    assert "3 targets: 3 ok, 0 errors, 0 skipped in " in done.stderr


def library_rows(url: str) -> set[tuple[str, str]]:
    results = library(url, THREE).list_queues()
    return {(r.region, u) for r in results for u in r.unwrap().get("QueueUrls", [])}


def test_jsonl_has_one_row_per_queue_with_its_region(server: str) -> None:
    done = cli(
        "sqs", "list-queues", "--regions", *THREE, "--output", "jsonl", url=server
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert {(row["region"], row["QueueUrls"]) for row in rows} == library_rows(server)
    assert len(rows) == 4


def test_csv_has_a_header_and_one_row_per_queue(server: str) -> None:
    done = cli("sqs", "list-queues", "--regions", *THREE, "--output", "csv", url=server)
    assert done.stdout.splitlines()[0] == "region,QueueUrls"
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {(row["region"], row["QueueUrls"]) for row in rows} == library_rows(server)


def test_text_is_the_aws_clis_layout_after_the_target_columns(server: str) -> None:
    done = cli(
        "sqs", "list-queues", "--regions", *THREE, "--output", "text", url=server
    )
    rows = {tuple(line.split("\t")) for line in done.stdout.splitlines()}
    assert rows == {(region, "QUEUEURLS", url) for region, url in library_rows(server)}


def test_table_of_every_region(server: str) -> None:
    every = DynamicService("sqs", session=boto3.Session()).regions
    done = cli(
        "sqs", "list-queues", "--regions", "all", "--output", "table", url=server
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "ListQueues" in lines[1] and lines[3].split() == [
        "|",
        "region",
        "|",
        "QueueUrls",
        "|",
    ]
    for region, url in library_rows(server):
        assert any(region in line and url in line for line in lines)
    assert f"{len(every)} targets: {len(every)} ok, 0 errors, 0 skipped" in done.stderr


def test_query_is_applied_per_region(server: str) -> None:
    done = cli(
        "sqs", "list-queues", "--regions", *THREE, "--query", "length(QueueUrls)",
        url=server,
    )  # fmt: skip
    counts = {entry["region"]: entry["result"] for entry in json.loads(done.stdout)}
    assert counts == {"us-east-1": 1, "eu-west-1": 2, "ap-southeast-2": 1}


def test_query_rows_become_table_columns(server: str) -> None:
    done = cli(
        "ec2", "describe-security-groups", "--regions", *THREE,
        "--filters", "Name=group-name,Values=web-us-east-1,web-eu-west-1",
        "--query", "SecurityGroups[].{Name:GroupName,Description:Description}",
        "--output", "csv", url=server,
    )  # fmt: skip
    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["region", "Name", "Description"],
        ["us-east-1", "web-us-east-1", "web tier"],
        ["eu-west-1", "web-eu-west-1", "web tier"],
    ]


# -- exit codes and the summary -------------------------------------------------------


def test_partial_failure_exits_1_and_names_the_failed_region(server: str) -> None:
    args = ("sqs", "get-queue-url", "--queue-name", "only-eu", "--regions", *THREE)
    done = cli(*args, url=server)
    assert done.returncode == 1
    assert "3 targets: 1 ok, 2 errors, 0 skipped in " in done.stderr
    assert "error 2 targets: AWS.SimpleQueueService.NonExistentQueue:" in done.stderr
    assert "in us-east-1, ap-southeast-2" in done.stderr
    entries = {e["region"]: e for e in json.loads(done.stdout)}
    assert entries["eu-west-1"]["result"]["QueueUrl"].endswith("/only-eu")
    assert entries["us-east-1"]["error"]["code"] == (
        "AWS.SimpleQueueService.NonExistentQueue"
    )
    assert cli(*args, "--allow-errors", url=server).returncode == 0
    skipped = cli(
        *args, "--ignore-error-codes", "AWS.SimpleQueueService.NonExistentQueue",
        url=server,
    )  # fmt: skip
    assert skipped.returncode == 0
    assert "3 targets: 1 ok, 0 errors, 2 skipped" in skipped.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["sqss", "list-queues"], "unknown service 'sqss'; did you mean 'sqs'"),
        (["sqs", "list-queue"], "unknown operation 'list-queue' for service 'sqs'"),
        (
            ["sqs", "list-queues", "--queue-name-prefx", "a"],
            "unknown parameter --queue-name-prefx; did you mean --queue-name-prefix",
        ),
        (["sqs", "get-queue-url"], "missing required parameter: --queue-name"),
        (["sqs", "list-queues", "--regions", "eu-wst-1"], "'eu-wst-1'; did you mean"),
        (["sqs", "list-queues", "--output", "yaml"], "valid formats: json, jsonl"),
        (["sqs", "list-queues", "--max-results", "many"], "expected integer"),
        (["sqs", "list-queues", "--query", "[["], "invalid --query '[['"),
        (["sqs", "list-queues", "--profile", "nobody"], "unknown profile 'nobody'"),
        (["sqs"], "name an operation of 'sqs'"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    args: list[str], message: str
) -> None:
    done = cli(*args, url="http://127.0.0.1:9")  # nothing listens: nothing is sent
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert done.stderr.startswith("multiregion: error: ")
    assert done.stdout == ""


# -- parameters in every syntax -------------------------------------------------------


def web_groups(done: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    assert done.returncode == 0, done.stderr
    return [
        (entry["region"], group["GroupName"])
        for entry in json.loads(done.stdout)
        for group in entry["result"]["SecurityGroups"]
    ]


def test_filters_as_shorthand_json_and_cli_input_json_agree(
    server: str, tmp_path: Path
) -> None:
    base = ("ec2", "describe-security-groups", "--regions", *THREE[:2])
    names = ["web-us-east-1", "web-eu-west-1"]
    shorthand = cli(
        *base, "--filters", f"Name=group-name,Values={','.join(names)}", url=server
    )
    as_json = json.dumps([{"Name": "group-name", "Values": names}])
    json_syntax = cli(*base, "--filters", as_json, url=server)
    input_file = tmp_path / "input.json"
    input_file.write_text(json.dumps({"Filters": json.loads(as_json)}))
    from_file = cli(*base, "--cli-input-json", f"file://{input_file}", url=server)
    expected = [("us-east-1", "web-us-east-1"), ("eu-west-1", "web-eu-west-1")]
    assert web_groups(shorthand) == web_groups(json_syntax) == expected
    assert web_groups(from_file) == expected


def test_list_of_strings_as_separate_words(server: str) -> None:
    done = cli(
        "ec2", "describe-security-groups", "--regions", "us-east-1",
        "--group-names", "web-us-east-1", "default", url=server,
    )  # fmt: skip
    assert sorted(web_groups(done)) == [
        ("us-east-1", "default"),
        ("us-east-1", "web-us-east-1"),
    ]


def test_boolean_flag_is_sent(server: str) -> None:
    base = ("ec2", "create-security-group", "--regions", "eu-west-1")
    dry = cli(
        *base, "--group-name", "dry", "--description", "d", "--dry-run", url=server
    )
    assert dry.returncode == 1
    assert "DryRunOperation" in dry.stderr


def test_map_shorthand_and_integer_values_reach_the_service(server: str) -> None:
    created = cli(
        "sqs", "create-queue", "--regions", "ap-southeast-2", "--queue-name", "slow",
        "--attributes", "VisibilityTimeout=45,DelaySeconds=3", url=server,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    queue_url = json.loads(created.stdout)[0]["result"]["QueueUrl"]
    sqs = boto3.client("sqs", "ap-southeast-2", endpoint_url=server)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "45"
    assert attributes["Attributes"]["DelaySeconds"] == "3"


def test_every_page_is_merged_and_max_items_caps_it(server: str) -> None:
    base = ("logs", "describe-log-groups", "--regions", "eu-west-1")
    one_page = json.loads(cli(*base, "--limit", "2", url=server).stdout)[0]["result"]
    assert len(one_page["logGroups"]) == 2 and "nextToken" in one_page
    every = json.loads(cli(*base, "--page-size", "2", url=server).stdout)[0]["result"]
    assert [g["logGroupName"] for g in every["logGroups"]] == [
        f"/app/{i}" for i in range(7)
    ]
    limited = cli(*base, "--limit", "2", "--paginate", url=server).stdout
    assert json.loads(limited)[0]["result"] == every  # --paginate: the limit pages
    capped = cli(*base, "--paginate", "--max-items", "3", url=server)
    assert len(json.loads(capped.stdout)[0]["result"]["logGroups"]) == 3


# -- help -----------------------------------------------------------------------------


def test_help_lists_services_operations_and_parameters() -> None:
    top = cli("help")
    assert top.returncode == 0 and "sqs" in top.stdout.split()
    assert "--regions REGION ..." in top.stdout
    service = cli("sqs", "--help")
    assert (
        "list-queues" in service.stdout
        and "Amazon Simple Queue Service" in service.stdout
    )
    operation = cli("sqs", "create-queue", "help").stdout
    assert "--queue-name (string) [required]" in operation
    assert "--attributes (map[enum QueueAttributeName, string])" in operation
    filters = cli("ec2", "describe-security-groups", "--help").stdout
    assert "--filters (list[Filter])" in filters
    assert "Syntax: Name=string,Values=string,string" in filters
    assert "--no-paginate" in filters


# -- progress on a terminal, and Ctrl-C -----------------------------------------------


def run_with_tty_stderr(args: list[str]) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; return its exit code and stderr."""
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "multiregion_runtime", *args],
        stdout=subprocess.DEVNULL,
        stderr=child,
        env={**os.environ, "MULTIREGION_PROGRESS_DELAY": "0"},
    )
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    code = process.wait(timeout=30)
    text = b"".join(chunks).decode()
    assert FAKE_SECRET not in text
    return code, text


def test_progress_line_only_on_a_terminal(server: str) -> None:
    args = ["sqs", "list-queues", "--regions", *THREE, "--endpoint-url", server]
    code, on_tty = run_with_tty_stderr(args)
    assert code == 0
    assert "/3 targets done, 0 failed" in on_tty
    assert "3 targets: 3 ok" in on_tty
    _, quiet = run_with_tty_stderr([*args, "--no-progress"])
    assert "targets done" not in quiet and "3 targets: 3 ok" in quiet
    piped = cli(*args, env={"MULTIREGION_PROGRESS_DELAY": "0"})
    assert "targets done" not in piped.stderr


class _SlowSQS(BaseHTTPRequestHandler):
    """Answers ListQueues at once in us-east-1; never answers in other regions."""

    release = threading.Event()
    seen: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        region = self.headers["Authorization"].split("/")[2]
        self.seen.append(region)
        if region != "us-east-1":
            self.release.wait(30)
            return
        body = json.dumps({"QueueUrls": ["https://queue.example/fast"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_ctrl_c_prints_what_finished_and_exits_130() -> None:
    slow = ThreadingHTTPServer(("127.0.0.1", 0), _SlowSQS)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{slow.server_address[1]}"
    process = subprocess.Popen(
        # -X faulthandler: if it hangs, SIGABRT prints where every thread is
        [sys.executable, "-X", "faulthandler", "-m", "multiregion_runtime"]
        + ["sqs", "list-queues", "--regions", "us-east-1", "eu-west-1"]
        + ["--endpoint-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while len(_SlowSQS.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the fast answer reaches the CLI
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            hung = process.communicate(timeout=10)[1]
            raise AssertionError(
                f"no exit 10 s after Ctrl-C; threads:\n{hung}"
            ) from None
    finally:
        _SlowSQS.release.set()
        slow.shutdown()
        process.kill()
    assert process.returncode == 130, err
    assert (
        "interrupted after" in err and "1 of 2 targets finished (1 ok, 0 failed)" in err
    )
    assert json.loads(out) == [
        {"region": "us-east-1", "result": {"QueueUrls": ["https://queue.example/fast"]}}
    ]
    assert FAKE_SECRET not in out + err


# -- profiles and secrets -------------------------------------------------------------


def test_each_profile_times_each_region(server: str) -> None:
    credentials = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text(
        "[alpha]\naws_access_key_id = AKIAALPHA\naws_secret_access_key = "
        f"{FAKE_SECRET}\n[beta]\naws_access_key_id = AKIABETA\n"
        f"aws_secret_access_key = {FAKE_SECRET}\n"
    )
    done = cli(
        "sqs", "list-queues", "--profile", "alpha", "--profile", "beta",
        "--regions", "us-east-1", "eu-west-1", "--output", "csv", url=server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {(r["profile"], r["region"]) for r in rows} == {
        (p, r) for p in ("alpha", "beta") for r in ("us-east-1", "eu-west-1")
    }
    assert "4 targets: 4 ok" in done.stderr


def test_debug_and_error_output_never_print_the_secret(server: str) -> None:
    done = cli(
        "sqs", "get-queue-url", "--queue-name", "nowhere", "--regions", "eu-west-1",
        "--debug", url=server,
    )  # fmt: skip
    assert done.returncode == 1
    assert "botocore" in done.stderr and "Traceback" in done.stderr
    # cli() asserted that FAKE_SECRET appears nowhere; the key id may appear.
    no_credentials = cli(
        "sqs", "list-queues", "--regions", "eu-west-1", url=server,
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )  # fmt: skip
    assert no_credentials.returncode == 1
    assert "Unable to locate credentials" in no_credentials.stderr


def test_endpoint_password_is_never_printed() -> None:
    # Nothing listens on port 9: the connection error quotes the endpoint URL.
    url = "http://demo:pw@127.0.0.1:9"
    args = ("sqs", "list-queues", "--regions", "eu-west-1", "--timeout", "5")
    for output in ("json", "table"):
        done = cli(*args, "--output", output, "--debug", url=url)
        assert done.returncode == 1
        assert "EndpointConnectionError" in done.stdout + done.stderr
        assert "pw@" not in done.stdout + done.stderr
        assert "demo:****@127.0.0.1:9" in done.stderr


def test_accounts_through_a_role_each_see_their_own_queues(server: str) -> None:
    seeding = boto3.Session(aws_access_key_id="AKIASEED", aws_secret_access_key="s")
    sts = seeding.client("sts", "eu-west-1", endpoint_url=server)
    creds = sts.assume_role(
        RoleArn="arn:aws:iam::111111111111:role/Reader", RoleSessionName="seed"
    )["Credentials"]
    boto3.client(
        "sqs",
        "eu-west-1",
        endpoint_url=server,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).create_queue(QueueName="account-a-queue")
    accounts = ["111111111111", "222222222222", "333333333333"]
    done = cli(
        "sqs", "list-queues", "--regions", "eu-west-1", "--accounts", *accounts,
        "--exclude-accounts", "333333333333", "--role-name", "Reader",
        "--output", "json", url=server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "skipped 333333333333: excluded" in done.stderr
    rows = json.loads(done.stdout)
    assert [(r["account"], r["region"]) for r in rows] == [
        ("111111111111", "eu-west-1"),
        ("222222222222", "eu-west-1"),
    ]
    assert rows[0]["result"]["QueueUrls"][0].endswith("/111111111111/account-a-queue")
    assert "QueueUrls" not in rows[1]["result"]
    missing_role = cli("sqs", "list-queues", "--accounts", accounts[0], url=server)
    assert missing_role.returncode == 2 and "--role-name" in missing_role.stderr


def test_debug_output_hides_assumed_role_credentials_and_key_ids(server: str) -> None:
    done = cli(
        "sts", "get-caller-identity", "--regions", "eu-west-1", "--accounts",
        "111111111111", "--role-name", "Reader", "--debug", "--output", "json",
        url=server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "AssumeRole" in done.stderr  # the debug log did show the role being assumed
    assert json.loads(done.stdout)[0]["result"]["Account"] == "111111111111"
    output = done.stdout + done.stderr
    for leaked in [
        FAKE_KEY_ID,
        "ASIA",
        "FQoGZXIvYXdzE",
    ]:  # moto's temporary keys/tokens
        assert leaked not in output
    assert "Credential=****/" in done.stderr


ASSUMED_ROLE_ARN = "arn:aws:sts::111111111111:assumed-role/Reader/masking"


def test_credentials_in_results_are_masked_in_every_format(server: str) -> None:
    for fmt in ["json", "jsonl", "csv", "table", "text"]:
        done = cli(
            "sts", "assume-role", "--regions", "eu-west-1", "--role-arn",
            "arn:aws:iam::111111111111:role/Reader", "--role-session-name", "masking",
            "--output", fmt, url=server,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        # Every format prints the result (so the leak check below reads real output):
        # the role's ARN, and the key id, secret and token each shown as ****.
        assert ASSUMED_ROLE_ARN in done.stdout, fmt
        assert done.stdout.count("****") >= 3, fmt
        for leaked in ["ASIA", "FQoGZXIvYXdzE"]:  # moto's temporary key ids and tokens
            assert leaked not in done.stdout, fmt


def test_a_malformed_endpoint_url_is_a_usage_error(server: str) -> None:
    done = cli(
        "sqs", "list-queues", "--regions", "eu-west-1", "--endpoint-url", "notaurl"
    )
    assert done.returncode == 2
    assert "--endpoint-url 'notaurl' has no scheme" in done.stderr
