"""What an AWS CLI user expects of the command line: pagination by default, resume
tokens, the global options, falsy values, flattening, help width, argument order,
--show-secrets, and planning errors. Run as a subprocess against moto servers (or a
small local HTTPS endpoint) that the tests start and stop."""

from __future__ import annotations

import csv
import datetime
import io
import ipaddress
import json
import os
import re
import shlex
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from multiregion_runtime.cli import main
from tests.cli.test_cli import cli
from tests.helpers import FAKE_SECRET, moto_in_process

EU, US = "eu-west-1", "us-east-1"
EU_GROUPS = [f"/eu/{i}" for i in range(7)]
US_GROUPS = [f"/us/{i}" for i in range(3)]
NOWHERE = "http://127.0.0.1:9"  # nothing listens: a usage error must come first


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A moto server: 7 log groups in eu-west-1, 3 in us-east-1, a queue in each."""
    with moto_in_process() as url:
        seeding = boto3.Session(aws_access_key_id="AKIASEED", aws_secret_access_key="s")
        for region, names in ((EU, EU_GROUPS), (US, US_GROUPS)):
            logs = seeding.client("logs", region, endpoint_url=url)
            for name in names:
                logs.create_log_group(logGroupName=name)
            sqs = seeding.client("sqs", region, endpoint_url=url)
            sqs.create_queue(QueueName=f"q-{region}")
        yield url


LOGS = ("logs", "describe-log-groups", "--regions", EU, US)


def names_in(text: str) -> list[str]:
    """Log group names in any output format, in order."""
    return re.findall(r"(?<!:)/(?:eu|us)/\d", text)  # not inside an ARN


# -- pagination -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table", "text"])
def test_every_page_is_fetched_by_default_in_every_format(
    server: str, fmt: str
) -> None:
    # --page-size 2: eu-west-1 answers in 4 pages, us-east-1 in 2.
    done = cli(*LOGS, "--page-size", "2", "--output", fmt, url=server)
    assert done.returncode == 0, done.stderr
    found = names_in(done.stdout)
    assert sorted(n for n in found if n.startswith("/eu/")) == EU_GROUPS
    assert sorted(n for n in found if n.startswith("/us/")) == US_GROUPS
    assert "truncated" not in done.stderr


def test_one_page_when_asked_and_the_truncation_is_said(server: str) -> None:
    by_hand = cli(*LOGS, "--limit", "2", url=server)  # the operation's own limit
    entries = {e["region"]: e["result"] for e in json.loads(by_hand.stdout)}
    assert len(entries[EU]["logGroups"]) == 2 and "nextToken" in entries[EU]
    assert "output truncated: eu-west-1, us-east-1 returned only their first page" in (
        by_hand.stderr
    )
    # A whole first page (moto's default page is 50 items) is not truncated.
    whole = cli(*LOGS, "--no-paginate", "--output", "csv", url=server)
    assert whole.returncode == 0 and len(names_in(whole.stdout)) == 10
    assert "truncated" not in whole.stderr


def test_max_items_prints_resume_tokens_that_starting_token_takes_back(
    server: str,
) -> None:
    first = cli(
        *LOGS, "--page-size", "2", "--max-items", "4", "--output", "csv", url=server
    )
    assert first.returncode == 0, first.stderr
    seen = names_in(first.stdout)
    assert [n for n in seen if n.startswith("/eu/")] == EU_GROUPS[:4]
    assert [n for n in seen if n.startswith("/us/")] == US_GROUPS  # 3 < 4: complete
    assert "output truncated by --max-items 4 in eu-west-1; resume with" in first.stderr
    resume = next(
        line for line in first.stderr.splitlines() if "--starting-token" in line
    )
    words = shlex.split(resume)
    assert words[0] == "--starting-token" and words[1].startswith("eu-west-1=")
    rest = cli(*LOGS, "--output", "csv", *words, url=server)
    assert rest.returncode == 0, rest.stderr
    assert "resuming 1 of 2 targets" in rest.stderr
    assert names_in(rest.stdout) == EU_GROUPS[4:]  # no item lost or repeated
    # A bare token is enough when there is one target.
    bare = words[1].split("=", 1)[1]
    alone = cli(
        "logs",
        "describe-log-groups",
        "--regions",
        EU,
        "--starting-token",
        bare,
        url=server,
    )
    assert [
        g["logGroupName"] for g in json.loads(alone.stdout)[0]["result"]["logGroups"]
    ] == EU_GROUPS[4:]


@pytest.mark.parametrize(
    "args, message",
    [
        ([*LOGS, "--no-paginate", "--max-items", "2"], "cannot take --max-items"),
        ([*LOGS, "--limit", "2", "--page-size", "2"], "limit fetches one page"),
        (
            ["sqs", "get-queue-url", "--queue-name", "q", "--max-items", "2"],
            "has no pages",
        ),
        ([*LOGS, "--page-size", "0"], "--page-size must be a positive integer"),
        ([*LOGS, "--starting-token", "nowhere=abc"], "names no target"),
    ],
)
def test_paging_mistakes_are_usage_errors(args: list[str], message: str) -> None:
    done = cli(*args, url=NOWHERE)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr


# -- output ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, json_value, cell",
    [
        ("length(QueueUrls[?contains(@, 'none')])", 0, "0"),
        ("`false`", False, "false"),
        ("''", "", ""),
    ],
)
def test_falsy_query_results_are_printed_in_every_format(
    server: str, query: str, json_value: Any, cell: str
) -> None:
    base = ("sqs", "list-queues", "--regions", EU, US, "--query", query)
    as_json = json.loads(cli(*base, url=server).stdout)
    assert [(e["region"], e["result"]) for e in as_json] == [
        (EU, json_value),
        (US, json_value),
    ]
    jsonl = cli(*base, "--output", "jsonl", url=server).stdout.splitlines()
    assert [json.loads(line) for line in jsonl] == [
        {"region": EU, "value": json_value},
        {"region": US, "value": json_value},
    ]
    rows = list(
        csv.reader(io.StringIO(cli(*base, "--output", "csv", url=server).stdout))
    )
    assert rows == [["region", "value"], [EU, cell], [US, cell]]
    text = cli(*base, "--output", "text", url=server).stdout
    as_aws_prints = str(json_value)  # the AWS CLI's text prints False, not false
    assert text == f"{EU}\t{as_aws_prints}\n{US}\t{as_aws_prints}\n"
    table = cli(*base, "--output", "table", url=server).stdout
    assert [
        line.split("|")[1].strip()
        for line in table.splitlines()
        if EU in line or US in line
    ] == [EU, US]
    assert all(
        f"| {cell}" in line for line in table.splitlines() if EU in line or US in line
    )


def test_flatten_gives_a_row_per_nested_element(server: str) -> None:
    ec2 = boto3.client("ec2", EU, endpoint_url=server)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro")
    base = ("ec2", "describe-instances", "--regions", EU, "--output", "csv")
    nested = cli(*base, url=server)
    assert nested.returncode == 0, nested.stderr
    assert len(list(csv.DictReader(io.StringIO(nested.stdout)))) == 1  # one reservation
    assert "hint: column Instances holds a list; --flatten Instances" in nested.stderr
    flat = cli(*base, "--flatten", "Instances", url=server)
    rows = list(csv.DictReader(io.StringIO(flat.stdout)))
    assert len(rows) == 2 and rows[0]["ReservationId"] == rows[1]["ReservationId"]
    assert {r["InstanceId"] for r in rows} == {
        i["InstanceId"]
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    assert "hint" not in flat.stderr
    table = cli(*base[:-1], "table", "--flatten", "Instances", url=server).stdout
    assert sum(r["InstanceId"] in table for r in rows) == 2
    refused = cli(*base[:-2], "--flatten", "Instances", url=NOWHERE)
    assert refused.returncode == 2 and "--flatten makes rows" in refused.stderr


def test_output_format_from_the_environment_and_the_profile(server: str) -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text("[default]\noutput = text\n[profile tabular]\noutput = table\n")
    base = ("sqs", "list-queues", "--regions", EU)
    assert cli(*base, url=server).stdout.startswith(f"{EU}\tQUEUEURLS\thttp")
    as_table = cli(*base, "--profile", "tabular", url=server)
    assert as_table.stdout.startswith("+--"), as_table.stderr
    env = {"AWS_DEFAULT_OUTPUT": "csv"}
    assert cli(*base, url=server, env=env).stdout.startswith("region,QueueUrls")
    assert cli(*base, "--output", "jsonl", url=server, env=env).stdout.startswith("{")
    config.write_text("[default]\noutput = yaml\n")
    bad = cli(*base, url=NOWHERE)
    assert bad.returncode == 2 and "unknown configured output 'yaml'" in bad.stderr


# -- global options -------------------------------------------------------------------


def test_no_cli_pager_is_accepted_and_changes_nothing(server: str) -> None:
    base = ("sqs", "list-queues", "--regions", EU)
    plain = cli(*base, url=server)
    no_pager = cli(*base, "--no-cli-pager", url=server)
    assert no_pager.returncode == 0 and no_pager.stdout == plain.stdout


def test_generate_cli_skeleton_input_feeds_cli_input_json(
    server: str, tmp_path: Path
) -> None:
    made = cli("sqs", "get-queue-url", "--generate-cli-skeleton", url=NOWHERE)
    assert made.returncode == 0, made.stderr
    template = json.loads(made.stdout)
    assert template == {"QueueName": "", "QueueOwnerAWSAccountId": ""}
    template["QueueName"] = f"q-{EU}"
    del template["QueueOwnerAWSAccountId"]
    path = tmp_path / "input.json"
    path.write_text(json.dumps(template))
    done = cli(
        "sqs",
        "get-queue-url",
        "--regions",
        EU,
        "--cli-input-json",
        f"file://{path}",
        url=server,
    )
    assert json.loads(done.stdout)[0]["result"]["QueueUrl"].endswith(f"/q-{EU}")
    output = cli(
        "sqs", "get-queue-url", "--generate-cli-skeleton", "output", url=NOWHERE
    )
    assert json.loads(output.stdout) == [
        {"region": "REGION", "result": {"QueueUrl": "QueueUrl"}}
    ]


def test_color_on_off_and_auto(server: str) -> None:
    base = ("sqs", "list-queues", "--regions", EU, "--output", "table")
    assert "\x1b[1m" in cli(*base, "--color", "on", url=server).stdout
    assert "\x1b[" not in cli(*base, "--color", "off", url=server).stdout
    assert "\x1b[" not in cli(*base, url=server).stdout  # auto, and not a terminal
    bad = cli(*base, "--color", "sometimes", url=NOWHERE)
    assert bad.returncode == 2 and "valid values: on, off, auto" in bad.stderr


def test_cli_binary_format(server: str) -> None:
    base = ("secretsmanager", "create-secret", "--regions", EU)
    secrets = boto3.client("secretsmanager", EU, endpoint_url=server)
    assert (
        cli(
            *base, "--name", "b64", "--secret-binary", "aGVsbG8=", url=server
        ).returncode
        == 0
    )
    assert secrets.get_secret_value(SecretId="b64")["SecretBinary"] == b"hello"
    raw = cli(
        *base,
        "--name",
        "raw",
        "--secret-binary",
        "hello",
        "--cli-binary-format",
        "raw-in-base64-out",
        url=server,
    )
    assert raw.returncode == 0, raw.stderr
    assert secrets.get_secret_value(SecretId="raw")["SecretBinary"] == b"hello"
    bad = cli(*base, "--name", "bad", "--secret-binary", "not base64!", url=NOWHERE)
    assert bad.returncode == 2 and "invalid base64" in bad.stderr


class _RecordingSQS(BaseHTTPRequestHandler):
    """Answers ListQueues; remembers whether each request was signed."""

    signed: list[bool] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.signed.append("Authorization" in self.headers)
        body = json.dumps({"QueueUrls": ["https://queue.example/q"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def https_endpoint(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS SQS endpoint with a self-signed certificate; yields (URL, cert path)."""
    cert_path = _self_signed_certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RecordingSQS)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert_path
    finally:
        server.shutdown()
        server.server_close()


def _self_signed_certificate(folder: Path) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path = folder / "cert.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def test_tls_checks_no_verify_ssl_and_ca_bundle(
    https_endpoint: tuple[str, Path],
) -> None:
    url, cert = https_endpoint
    base = ("sqs", "list-queues", "--regions", EU, "--timeout", "20")
    checked = cli(*base, url=url)
    assert checked.returncode == 1 and "SSL" in checked.stderr
    unchecked = cli(*base, "--no-verify-ssl", url=url)
    assert unchecked.returncode == 0, unchecked.stderr
    assert "TLS certificates are not checked" in unchecked.stderr
    assert "InsecureRequestWarning" not in unchecked.stderr
    bundle = cli(*base, "--ca-bundle", str(cert), url=url)
    assert bundle.returncode == 0, bundle.stderr
    assert json.loads(bundle.stdout)[0]["result"]["QueueUrls"] == [
        "https://queue.example/q"
    ]
    missing = cli(*base, "--ca-bundle", str(cert) + ".nope", url=url)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_no_sign_request_sends_unsigned_requests_without_credentials(
    https_endpoint: tuple[str, Path],
) -> None:
    url, cert = https_endpoint
    base = ("sqs", "list-queues", "--regions", EU, "--ca-bundle", str(cert))
    _RecordingSQS.signed.clear()
    assert cli(*base, url=url).returncode == 0
    assert _RecordingSQS.signed == [True]
    no_keys = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    unsigned = cli(*base, "--no-sign-request", url=url, env=no_keys)
    assert unsigned.returncode == 0, unsigned.stderr
    assert _RecordingSQS.signed == [True, False]


# -- help and argument order ----------------------------------------------------------


@pytest.mark.parametrize("columns", [60, 200])
def test_help_shows_whole_first_sentences_wrapped_to_the_terminal(columns: int) -> None:
    done = cli("ec2", "help", env={"COLUMNS": str(columns)})
    lines = done.stdout.splitlines()
    # Only an operation name longer than the terminal may overflow it, on its own line.
    assert all(len(line) <= columns or " " not in line.strip() for line in lines)
    words = " ".join(done.stdout.split())
    assert "accept-address-transfer Accepts an Elastic IP address transfer." in words
    assert (
        "Accepts a request to assign billing of the available capacity of a shared "
        "Capacity Reservation to your account." in words
    )
    if columns == 200:
        assert any(
            line.endswith("Accepts an Elastic IP address transfer.") for line in lines
        )


def test_a_service_after_a_list_option_is_not_taken_as_a_region(server: str) -> None:
    # resource-explorer-2 looks like a region name (letters, dashes, a number).
    done = cli(
        "--regions",
        EU,
        US,
        "resource-explorer-2",
        "list-indexes",
        "--timeout",
        "5",
        url=NOWHERE,
    )
    assert "unknown service" not in done.stderr
    assert done.returncode == 1 and "2 targets: 0 ok, 2 errors" in done.stderr
    ended = cli(
        "--regions", EU, US, "--", "sqs", "list-queues", "--output", "text", url=server
    )
    assert ended.returncode == 0, ended.stderr
    assert {line.split("\t")[0] for line in ended.stdout.splitlines()} == {EU, US}
    after = cli("sqs", "--output", "text", "list-queues", "--regions", EU, url=server)
    assert after.returncode == 0 and after.stdout.startswith(EU)
    first = cli(
        "--queue-name-prefix", "q-eu", "sqs", "list-queues", "--regions", EU, url=server
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)[0]["result"]["QueueUrls"][0].endswith(f"/q-{EU}")


# -- secrets --------------------------------------------------------------------------


def test_show_secrets_prints_credentials_only_for_calls_that_return_them(
    server: str,
) -> None:
    base = ("sts", "get-session-token", "--regions", EU)
    masked = json.loads(cli(*base, url=server).stdout)[0]["result"]["Credentials"]
    assert masked["SecretAccessKey"] == "****" and masked["SessionToken"] == "****"
    shown = cli(*base, "--show-secrets", "--debug", url=server)
    assert shown.returncode == 0, shown.stderr[-2000:]
    credentials = json.loads(shown.stdout)[0]["result"]["Credentials"]
    assert (
        credentials["SecretAccessKey"] != "****"
        and len(credentials["SecretAccessKey"]) > 20
    )
    # --debug stays redacted: the secret shown on stdout is in no log line.
    assert "GetSessionToken" in shown.stderr
    assert credentials["SecretAccessKey"] not in shown.stderr
    assert credentials["SessionToken"] not in shown.stderr
    refused = cli("sqs", "list-queues", "--show-secrets", url=NOWHERE)
    assert refused.returncode == 2 and "sts get-session-token" in refused.stderr
    assert FAKE_SECRET not in shown.stdout + shown.stderr


# -- planning (issue 11's findings about it) ------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--regions", ""],
        ["--regions", ","],
        ["--regions", " , "],
        ["--accounts", "", "--role-name", "Reader"],
        ["--organization", "--ous", "", "--role-name", "Reader"],
        ["--profile", ""],
    ],
)
def test_empty_lists_are_refused_before_any_request(args: list[str]) -> None:
    done = cli("sqs", "list-queues", *args, url=NOWHERE)
    assert done.returncode == 2, done.stderr
    assert "is empty" in done.stderr
    assert "targets" not in done.stderr  # no summary: nothing ran


def test_organization_failure_is_one_line_and_exit_1(moto_server: str) -> None:
    base = ("sqs", "list-queues", "--organization", "--role-name", "OrgReader")
    done = cli(*base, "--ous", "ou-abcd-12345678", url=moto_server)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "multiregion: cannot list the organization's accounts: "
        "ParentNotFoundException: You specified parent that doesn't exist."
    ]
    # moto lists no accounts when there is no organization (AWS raises an error).
    empty = cli(*base, url=moto_server)
    assert empty.returncode == 1
    assert empty.stderr.strip() == "multiregion: the organization listed no accounts"


def test_organization_listing_uses_the_endpoint_and_the_profile(
    moto_server: str,
) -> None:
    org = boto3.client("organizations", US, endpoint_url=moto_server)
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="m@example.com", AccountName="member")
    member_id = member["CreateAccountStatus"]["AccountId"]
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[org]\naws_access_key_id = AKIAORGPROFILE\naws_secret_access_key = {FAKE_SECRET}\n"
    )
    done = cli(
        "sts", "get-caller-identity", "--regions", EU, "--organization",
        "--role-name", "OrgReader", "--profile", "org", "--output", "csv", url=moto_server,
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},  # only the profile's
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    accounts = {row["account"] for row in csv.DictReader(io.StringIO(done.stdout))}
    assert member_id in accounts and len(accounts) == 2  # the member and the caller's


def test_enabled_regions_only_for_the_callers_own_account(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # In process, under moto: no --accounts, so the caller's own account is asked.
    args = [
        "sqs",
        "list-queues",
        "--regions",
        EU,
        "ap-east-1",
        "--enabled-regions-only",
    ]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert [entry["region"] for entry in json.loads(out)] == [EU]
    assert "skipped ap-east-1: region not enabled in this account" in err
