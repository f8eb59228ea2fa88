"""The generated classes and the installed botocore: the pinned one in `make test`,
the newest on PyPI in `make test-newest-botocore` (a user who upgraded botocore)."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import botocore
import botocore.session
import pytest
from packaging.version import Version

import multiregion
from multiregion import BotocoreTooOldError, DynamicService
from multiregion._version import BOTOCORE_VERSION
from multiregion.sqs import MultiRegionSQS

# The imported tree: `make update-botocore` runs this on the tree it generates.
PACKAGE = Path(multiregion.__file__).parent
_CALLED = re.compile(r'self\._call\("(\w+)"')


def test_the_installed_botocore_is_not_older_than_the_generated_code() -> None:
    """pyproject's floor is BOTOCORE_VERSION, so pip never installs an older one."""
    assert Version(botocore.__version__) >= Version(BOTOCORE_VERSION)
    assert MultiRegionSQS._generated_from == BOTOCORE_VERSION


def test_every_generated_operation_exists_in_the_installed_botocore() -> None:
    """A newer botocore keeps every operation the typed classes call; one it dropped
    would raise BotocoreTooOldError for users who upgraded."""
    session = botocore.session.get_session()
    available = set(session.get_available_services())
    missing = []
    for client in sorted(PACKAGE.glob("*/client.py")):
        service = re.search(r'_service_name = "([^"]+)"', client.read_text("utf-8"))
        assert service is not None, client
        if service[1] not in available:
            missing.append(service[1])
            continue
        known = set(session.get_service_model(service[1]).operation_names)
        called = set(_CALLED.findall(client.read_text(encoding="utf-8")))
        missing += [f"{service[1]}.{op}" for op in sorted(called - known)]
    assert not missing, f"gone from botocore {botocore.__version__}: {missing}"


def test_every_operation_of_the_installed_botocore_is_reachable_untyped(
    aws: None, session: boto3.Session
) -> None:
    """What the README promises a user with a newer botocore: operations newer than
    the typed class (none with the pinned botocore) are there through DynamicService."""
    untyped = DynamicService("sqs", regions=["eu-west-1"], session=session)
    installed = session._session.get_service_model("sqs").operation_names
    for operation in installed:
        assert callable(getattr(untyped, botocore.xform_name(operation))), operation

    session.client("sqs", region_name="eu-west-1").create_queue(QueueName="q")
    (result,) = untyped.list_queues()
    assert result.region == "eu-west-1"
    assert result.unwrap()["QueueUrls"][0].endswith("/q")


def test_a_service_gone_from_a_newer_botocore_is_explained_not_called_too_old(
    session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore 1.44 dropped seven services the 1.43 classes have: users who
    upgraded must not be told to upgrade."""

    class MultiRegionGone(MultiRegionSQS):
        _service_name = "gone-service"
        _generated_from = "99.0.0"  # newer than the installed botocore

    with pytest.raises(BotocoreTooOldError, match="upgrade botocore"):
        MultiRegionGone(regions=["eu-west-1"], session=session)
    monkeypatch.setattr(MultiRegionGone, "_generated_from", "0.1.0")
    with pytest.raises(BotocoreTooOldError) as error:
        MultiRegionGone(regions=["eu-west-1"], session=session)
    assert "AWS removed it from botocore's models after 0.1.0" in str(error.value)
    assert "upgrade" not in str(error.value)
