"""Names: modules, classes (as boto3 names clients), methods."""

from __future__ import annotations

import boto3
import pytest

from codegen import loader, names
from multiregion_runtime import MultiRegionClient


@pytest.mark.parametrize(
    ("service", "module", "class_name"),
    [
        ("ec2", "ec2", "EC2"),
        ("sdb", "sdb", "SimpleDB"),
        ("sqs", "sqs", "SQS"),
        ("dynamodb", "dynamodb", "DynamoDB"),
        ("lambda", "lambda_", "Lambda"),
        ("network-firewall", "network_firewall", "NetworkFirewall"),
    ],
)
def test_module_and_class_names_follow_boto3(
    service: str, module: str, class_name: str
) -> None:
    client = boto3.client(service, region_name="us-east-1")  # type: ignore[call-overload]
    assert type(client).__name__ == class_name
    assert names.module_name(service) == module
    assert names.class_name(loader.load_service(service)) == "MultiRegion" + class_name


def test_method_names_avoid_keywords_and_runtime_attributes() -> None:
    assert names.method_name("ListQueues") == "list_queues"
    assert names.method_name("Import") == "import_"
    assert names.method_name("Regions") == "regions_"


def test_reserved_names_cover_the_runtime_base_class() -> None:
    public = {name for name in dir(MultiRegionClient) if not name.startswith("_")}
    assert public <= names.RESERVED_METHOD_NAMES


def test_package_reexports_the_runtime_api() -> None:
    import multiregion
    import multiregion_runtime

    assert multiregion.__all__ == multiregion_runtime.__all__
    for name in multiregion_runtime.__all__:
        assert getattr(multiregion, name) is getattr(multiregion_runtime, name)
    assert {
        "TargetResult",
        "TargetResults",
        "Target",
        "DynamicService",
        "MultiRegionClient",
    } <= set(multiregion.__all__)


def test_old_names_still_work_with_a_deprecation_warning() -> None:
    import multiregion

    with pytest.warns(DeprecationWarning, match="RegionResults is deprecated"):
        assert multiregion.RegionResults is multiregion.TargetResults
    with pytest.warns(DeprecationWarning, match="ServiceSet is deprecated"):
        assert multiregion.ServiceSet is multiregion.DynamicService
    with pytest.raises(AttributeError):
        multiregion.NoSuchName  # type: ignore[attr-defined]  # noqa: B018
