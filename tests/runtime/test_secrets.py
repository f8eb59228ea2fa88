"""No secret is shown: a planted endpoint password, access key, secret key and session
token, walked through every output path of the library and the command line."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator

import pytest

from multiregion import DynamicService, StaticCredentials, Target, TargetResults
from tests.faultserver import Fault, FaultServer
from tests.helpers import free_port, run_cli

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

PASSWORD = "pl4nted-PASSWORD"
KEY_ID = "AKIAPLANTEDKEY000001"
SECRET = "planted-SECRET-key-0123456789"
TOKEN = "planted-SESSION-token-abcdef"
PLANTED = (PASSWORD, KEY_ID, SECRET, TOKEN)


def shown(error: BaseException) -> list[str]:
    """Every way an error gets shown: str, repr and a full traceback."""
    return [str(error), repr(error), "".join(traceback.format_exception(error))]


def library_texts(results: TargetResults[object]) -> Iterator[str]:
    """Every text a caller can get from ``results`` and its errors."""
    yield from (repr(results), str(results), results.summary())
    yield repr(results.resume_tokens())
    for result in results:
        yield from (repr(result), str(result))
        if result.error is not None:
            yield from shown(result.error)
            try:
                result.unwrap()
            except Exception as error:  # noqa: BLE001 - the TargetError, shown
                yield from shown(error)
    try:
        results.raise_for_errors()
    except ExceptionGroup as group:
        yield from shown(group)


def cli_texts(args: list[str], env: dict[str, str]) -> str:
    done = run_cli(*args, env=env)
    assert done.returncode == 1, done.stderr  # the failures were reported
    return done.stdout + done.stderr


def test_no_planted_secret_appears_in_any_output(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG, logger="multiregion")
    faults = {
        "deny": Fault("deny"),
        "reset": Fault("reset"),
        "failpage": Fault("fail_at_page", page=1),
        "eu-west-1": Fault("deny"),
    }
    with FaultServer(faults) as server:
        base = f"http://admin:{PASSWORD}@127.0.0.1:{server.port}"
        closed = f"http://admin:{PASSWORD}@127.0.0.1:{free_port()}"
        keys = StaticCredentials(KEY_ID, SECRET, TOKEN)
        places = [("ok", base + "/ok"), ("deny", base + "/deny")]
        places += [("reset", base + "/reset"), ("closed", closed)]
        targets = [
            Target(region="us-east-1", endpoint_url=url, credentials=keys, label=None)
            for _, url in places
        ]
        sqs = DynamicService("sqs", targets=targets, timeout=10)
        texts = [repr(sqs), repr(targets), *map(str, targets)]
        called = sqs.list_queues()
        assert [r.ok for r in called] == [True, False, False, False]
        texts += library_texts(called)

        paged_targets = [
            Target(
                region="us-east-1", endpoint_url=base + "/failpage", credentials=keys
            )
        ]
        paged = DynamicService("logs", targets=paged_targets)
        pages = paged.paginate("DescribeLogGroups")
        assert pages[0].value and pages[0].error is not None  # pages kept, with error
        texts += library_texts(pages)
        with pytest.raises(ExceptionGroup) as raised:
            for item in paged.items("DescribeLogGroups"):
                texts += [repr(item), str(item)]
        texts += shown(raised.value)

        # From the environment (AWS_ENDPOINT_URL_<SERVICE>), not a Target.
        monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", closed)
        from_env = DynamicService("sqs", regions=["us-east-1"]).list_queues()
        assert from_env[0].error is not None
        texts += library_texts(from_env)
        monkeypatch.delenv("AWS_ENDPOINT_URL_SQS")
        texts += [record.getMessage() for record in caplog.records]

        # The command line: --endpoint-url, AWS_ENDPOINT_URL, keys from the environment.
        env = {
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_SESSION_TOKEN": TOKEN,
        }
        regions = ["--regions", "us-east-1", "eu-west-1", "--no-progress"]
        for output in ("json", "table"):
            args = ["sqs", "list-queues", *regions, "--output", output]
            texts.append(cli_texts([*args, "--endpoint-url", base, "--debug"], env))
            texts.append(cli_texts(args, {**env, "AWS_ENDPOINT_URL": closed}))
            texts.append(cli_texts(args, {**env, "AWS_ENDPOINT_URL_SQS": closed}))

    everything = "\n".join(texts)
    assert "admin:****@127.0.0.1" in everything  # the URLs are there, masked
    assert "Could not connect to the endpoint URL" in everything
    for secret in PLANTED:
        assert secret not in everything, f"{secret} shown"
