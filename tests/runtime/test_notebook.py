"""What a notebook shows: TargetResults, Items and TargetPlan as tables
(``_repr_html_``, ``_repr_pretty_``): failures first, bounded, masked, escaped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from multiregion import DynamicService, Target, TargetResult, TargetResults
from multiregion_runtime.core.display import CELL_CHARS, HEAD_ROWS, TAIL_ROWS
from multiregion_runtime.results import progress
from multiregion_runtime.targets.target import StaticCredentials, TargetPlan
from tests.helpers import FAKE_KEY_ID, FAKE_SECRET

URL_PASSWORD = "hunter2-url-password"
ENDPOINT = f"http://admin:{URL_PASSWORD}@localhost:4566"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


class Printer:
    """IPython's RepresentationPrinter, as far as _repr_pretty_ uses it."""

    def __init__(self) -> None:
        self.written = ""

    def text(self, obj: str) -> None:
        self.written += obj


def pretty_text(obj: Any) -> str:
    printer = Printer()
    obj._repr_pretty_(printer, False)
    return printer.written


def client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "ListQueues")


def queues(n: int) -> dict[str, Any]:
    urls = [f"https://sqs/{i}" for i in range(n)]
    return {"QueueUrls": urls, "ResponseMetadata": {"HTTPStatusCode": 200}}


def results_of(
    regions: list[str], failing: Mapping[str, BaseException]
) -> TargetResults[Any]:
    return TargetResults(
        (
            TargetResult(Target(region), error=failing[region], elapsed=0.25)
            if region in failing
            else TargetResult(Target(region), queues(3), elapsed=0.125)
        )
        for region in regions
    )


def body_rows(html: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", html.split("<tbody>", 1)[1])


def test_failures_come_first_highlighted_with_their_error_code() -> None:
    regions = [f"r-{i:02}" for i in range(34)]
    res = results_of(
        regions,
        {
            "r-05": client_error("AccessDenied", "not allowed"),
            "r-30": client_error("ThrottlingException", "slow down"),
        },
    )
    html = res._repr_html_()
    assert "34 targets: 32 ok, 2 errors, 0 skipped, failures first" in html
    rows = body_rows(html)
    assert len(rows) == 34
    assert "r-05" in rows[0] and "AccessDenied" in rows[0] and "not allowed" in rows[0]
    assert "r-30" in rows[1] and "ThrottlingException" in rows[1]
    assert all("background" in row for row in rows[:2])
    assert not any("background" in row for row in rows[2:])
    # ok rows in target order, each with its elapsed and its value's keys and counts
    assert "r-00" in rows[2] and "r-33" in rows[-1]
    assert "0.12 s" in rows[2] and "QueueUrls [3]" in rows[2]
    assert "ResponseMetadata" not in html
    text = pretty_text(res)
    assert text.splitlines()[2].split()[:2] == ["r-05", "AccessDenied"]


def test_ten_thousand_rows_show_head_and_tail_and_count_the_rest() -> None:
    regions = [f"r-{i:05}" for i in range(10_000)]
    failing = {f"r-{i:05}": client_error("Boom", "x") for i in range(0, 10_000, 200)}
    res = results_of(regions, failing)
    html = res._repr_html_()
    rows = body_rows(html)
    assert len(rows) == HEAD_ROWS + 1 + TAIL_ROWS
    hidden = 10_000 - HEAD_ROWS - TAIL_ROWS
    failed_hidden = len(failing) - HEAD_ROWS
    assert f"{hidden:,} more rows ({failed_hidden} failed)" in rows[HEAD_ROWS]
    assert "r-00000" in rows[0] and "r-09999" in rows[-1]
    text = pretty_text(res)
    assert len(text.splitlines()) == 2 + HEAD_ROWS + 1 + TAIL_ROWS
    assert f"{hidden:,} more rows" in text


def test_no_secret_in_an_error_or_an_endpoint_url_is_shown() -> None:
    # Each within the characters a cell shows: bare, in a URL, in a header, in JSON.
    messages = [
        f"bare {FAKE_KEY_ID} {FAKE_SECRET} {URL_PASSWORD}",
        f"at {ENDPOINT}/q: Credential={FAKE_KEY_ID}/2026",
        f'{{"SecretAccessKey": "{FAKE_SECRET}"}}',
    ]
    assert all(len(m) < CELL_CHARS for m in messages)
    target = Target(
        "us-east-1",
        endpoint_url=ENDPOINT,
        credentials=StaticCredentials(FAKE_KEY_ID, FAKE_SECRET),
    )
    secret_value = {"SecretString": FAKE_SECRET, "Name": "db"}
    res = TargetResults(
        [TargetResult(target, error=client_error("Nope", m)) for m in messages]
        + [TargetResult(Target("eu-west-1", endpoint_url=ENDPOINT), secret_value)]
    )
    plan = TargetPlan([target], skipped={"111111111111": f"failed at {ENDPOINT}"})
    shown = [res._repr_html_(), pretty_text(res), plan._repr_html_(), pretty_text(plan)]
    for text in shown:
        for secret in (URL_PASSWORD, FAKE_KEY_ID, FAKE_SECRET):
            assert secret not in text
        assert "admin:****@localhost" in text
    assert "SecretString" in shown[0]  # the key is shown, never its value


def test_everything_shown_is_html_escaped() -> None:
    evil = '<script>alert("x")</script>'
    res = TargetResults(
        [
            TargetResult(Target("us-east-1", label=evil), {evil: 1}),
            TargetResult(Target("eu-west-1"), error=client_error(evil, evil)),
        ]
    )
    plan = TargetPlan([Target("us-east-1", label=evil)], skipped={evil: evil})
    for html in (res._repr_html_(), plan._repr_html_()):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_plan_shows_what_was_skipped_first_and_where_credentials_come_from() -> None:
    plan = TargetPlan(
        [
            Target("us-east-1", role_arn="arn:aws:iam::222222222222:role/audit"),
            Target("eu-west-1", profile="dev"),
            Target("ap-southeast-2"),
        ],
        skipped={"333333333333": "suspended account"},
    )
    html = plan._repr_html_()
    assert "TargetPlan: 3 targets, 1 skipped" in html
    rows = body_rows(html)
    assert "333333333333" in rows[0] and "skipped: suspended account" in rows[0]
    assert "background" in rows[0] and "background" not in rows[1]
    assert "role arn:aws:iam::222222222222:role/audit" in rows[1]
    assert "222222222222" in rows[1]  # the account column, from the role
    assert "profile dev" in rows[2] and "default chain" in rows[3]
    assert pretty_text(plan).splitlines()[0] == "TargetPlan: 3 targets, 1 skipped"


def test_items_show_the_call_before_and_each_target_after(
    aws: None, session: boto3.Session
) -> None:
    boto3.client("sqs", region_name="eu-west-1").create_queue(QueueName="q")
    sqs = DynamicService("sqs", regions=["us-east-1", "eu-west-1"], session=session)
    items = sqs.items("list_queues")
    before = items._repr_html_()
    assert "Items of ListQueues over 2 targets: not fetched yet" in before
    assert "Items of ListQueues" in pretty_text(items)
    iterating = iter(items)
    assert next(iterating).region == "eu-west-1"
    assert "being fetched" in items._repr_html_() or items.results is not None
    assert list(iterating) == []
    rows = body_rows(items._repr_html_())
    assert len(rows) == 2
    assert "eu-west-1" in rows[1] and "QueueUrls [1]" in rows[1]


def test_progress_is_off_by_default(
    aws: None, session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    DynamicService("sqs", regions=REGIONS, session=session).call("list_queues")
    assert capsys.readouterr().err == ""


def test_progress_without_tqdm_is_one_line_on_stderr(
    aws: None,
    session: boto3.Session,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "_tqdm_class", lambda: None)
    seen: list[str] = []
    sqs = DynamicService("sqs", regions=REGIONS, session=session, progress=True)
    sqs.with_options(on_result=lambda r: seen.append(r.region)).call(
        "get_queue_url", QueueName="missing"
    )
    final = capsys.readouterr().err.split("\r")[-1]
    assert re.fullmatch(r"sqs GetQueueUrl: 3/3 targets, 3 failed, [\d.]+/s\n", final)
    assert sorted(seen) == sorted(REGIONS)  # the caller's on_result still runs


def test_progress_with_tqdm_draws_its_bar(
    aws: None,
    session: boto3.Session,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("tqdm")
    sqs = DynamicService("sqs", regions=REGIONS, session=session)
    sqs.with_options(progress=True).call("list_queues")
    err = capsys.readouterr().err
    assert "sqs ListQueues" in err and "3/3" in err and "failed=0" in err


def test_progress_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="progress must be True or False, got 'yes'"):
        DynamicService("sqs", regions=REGIONS, progress="yes")
