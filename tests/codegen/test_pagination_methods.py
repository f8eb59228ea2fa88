"""Generated paginate_/iter_/wait_ methods: on a small synthetic model
(tests/fixtures/codegen/pages*.json), on botocore's real models, and through the
generated classes against moto."""

from __future__ import annotations

import copy
import importlib.util
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.model import ServiceModel

from codegen import loader
from codegen.build import build_service
from codegen.ir import PaginatorIR, ServiceIR, WaiterIR
from codegen.pystyle import render_type
from codegen.render import render_package, render_service
from multiregion import Target, TargetResults
from multiregion.apigateway import MultiRegionAPIGateway
from multiregion.ec2 import MultiRegionEC2
from multiregion.logs import MultiRegionCloudWatchLogs
from multiregion.sqs import MultiRegionSQS
from tests.helpers import CODEGEN_FIXTURES, ROOT

FIXTURES = CODEGEN_FIXTURES
RUNTIME = ROOT / "runtime"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def fixture(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return raw


def build_pages(
    model: dict[str, Any] | None = None,
    paginators: dict[str, Any] | None = None,
    waiters: dict[str, Any] | None = None,
) -> ServiceIR:
    return build_service(
        ServiceModel(model or fixture("pages.json"), "pages"),
        "9.9.9",
        paginators=paginators or fixture("pages.paginators-1.json"),
        waiters=waiters or fixture("pages.waiters-2.json"),
    )


@pytest.fixture(scope="module")
def pages() -> ServiceIR:
    return build_pages()


def paginator(service: ServiceIR, operation_name: str) -> PaginatorIR:
    return next(p for p in service.paginators if p.operation.name == operation_name)


def waiter(service: ServiceIR, name: str) -> WaiterIR:
    return next(w for w in service.waiters if w.name == name)


def item_type(service: ServiceIR, operation_name: str) -> str | None:
    found = paginator(service, operation_name).item_type
    return None if found is None else render_type(found)


# --- the IR ---------------------------------------------------------------------


def test_paginator_ir(pages: ServiceIR) -> None:
    assert [p.paginate_method for p in pages.paginators] == [
        "paginate_get_report",
        "paginate_get_stats",
        "paginate_list_kinds",
        "paginate_list_names",
        "paginate_list_stamps",
        "paginate_list_things",
    ]
    things = paginator(pages, "ListThings")
    assert (things.iter_method, things.result_key) == ("iter_list_things", "Things")
    assert things.operation.request_type == "ListThingsRequestTypeDef"
    assert things.operation.response_type == "ListThingsResponseTypeDef"


def test_item_types_are_the_output_forms_of_list_members(pages: ServiceIR) -> None:
    assert item_type(pages, "ListThings") == "ThingTypeDef"
    assert item_type(pages, "ListNames") == "str"
    assert item_type(pages, "ListStamps") == "datetime"
    assert item_type(pages, "ListKinds") == "KindType"
    # The first of several result keys, a JMESPath through a structure.
    report = paginator(pages, "GetReport")
    assert report.result_key == "Report.Rows"
    assert item_type(pages, "GetReport") == "RowTypeDef"


def test_no_iter_method_when_the_result_key_is_not_a_list(pages: ServiceIR) -> None:
    stats = paginator(pages, "GetStats")
    assert (stats.iter_method, stats.item_type) == (None, None)
    assert stats.paginate_method == "paginate_get_stats"


def test_waiter_ir(pages: ServiceIR) -> None:
    assert [w.method_name for w in pages.waiters] == [
        "wait_names_listed",
        "wait_thing_exists",
        "wait_thing_ready",
    ]
    ready = waiter(pages, "ThingReady")
    assert ready.operation.name == "DescribeThing"
    assert ready.description == "Wait until a thing is ready."
    assert (ready.delay, ready.max_attempts) == (5, 20)
    assert waiter(pages, "ThingExists").description == ""
    assert waiter(pages, "NamesListed").operation.request_type is None


def test_services_without_paginators_or_waiters() -> None:
    service = build_service(ServiceModel(fixture("pages.json"), "pages"), "9.9.9")
    assert (service.paginators, service.waiters) == ((), ())
    client = render_service(service)["pages/client.py"]
    assert "Mapping" not in client and "Items" not in client


# --- loud failures ----------------------------------------------------------------


def test_a_request_key_named_like_our_keywords_fails_generation() -> None:
    model = fixture("pages.json")
    model["shapes"]["ListThingsRequest"]["members"]["page_size"] = {"shape": "Integer"}
    with pytest.raises(ValueError, match="'ListThings' has parameter.*page_size"):
        build_pages(model=model)
    model = fixture("pages.json")
    model["shapes"]["DescribeThingRequest"]["members"]["delay"] = {"shape": "Integer"}
    with pytest.raises(ValueError, match="'DescribeThing' has parameter.*delay"):
        build_pages(model=model)


def test_a_method_name_collision_fails_generation() -> None:
    model = fixture("pages.json")
    model["operations"]["WaitThingReady"] = {
        **copy.deepcopy(model["operations"]["DescribeThing"]),
        "name": "WaitThingReady",
    }
    with pytest.raises(ValueError, match="'wait_thing_ready' of waiter ThingReady"):
        build_pages(model=model)
    model = fixture("pages.json")
    model["operations"]["PaginateListNames"] = {
        **copy.deepcopy(model["operations"]["ListNames"]),
        "name": "PaginateListNames",
    }
    with pytest.raises(ValueError, match="'paginate_list_names'.*already taken"):
        build_pages(model=model)


def test_a_paginator_or_waiter_of_an_unknown_operation_fails_generation() -> None:
    paginators = fixture("pages.paginators-1.json")
    paginators["pagination"]["ListGhosts"] = {"result_key": "Ghosts"}
    with pytest.raises(ValueError, match="paginator names operation 'ListGhosts'"):
        build_pages(paginators=paginators)
    waiters = fixture("pages.waiters-2.json")
    waiters["waiters"]["GhostGone"] = {**waiters["waiters"]["ThingExists"]}
    waiters["waiters"]["GhostGone"]["operation"] = "DescribeGhost"
    with pytest.raises(ValueError, match="waiter names operation 'DescribeGhost'"):
        build_pages(waiters=waiters)


# --- the rendered methods -----------------------------------------------------------


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pages service written as a package, with the shared package files."""
    root = tmp_path_factory.mktemp("generated")
    files = render_package("9.9.9")
    files.update(render_service(build_pages()))
    for path, text in files.items():
        target = root / "multiregion" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def run(command: list[str], package: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{package}{os.pathsep}{RUNTIME}"}
    env["MYPYPATH"] = env["PYTHONPATH"]
    return subprocess.run(command, cwd=package, env=env, text=True, capture_output=True)


@pytest.fixture(scope="module")
def pages_class(package: Path) -> type[Any]:
    """The generated MultiRegionPages class. Its module imports type_defs only while
    type checking, so it loads on its own, leaving the real multiregion alone."""
    path = package / "multiregion/pages/client.py"
    spec = importlib.util.spec_from_file_location("_pages_client_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cls: type[Any] = module.MultiRegionPages
    return cls


def signature(cls: type[Any], method: str) -> list[tuple[str, str, object]]:
    """(name, kind, default) of each parameter; annotations are checked by mypy."""
    params = inspect.signature(getattr(cls, method)).parameters.values()
    return [(p.name, p.kind.name, p.default) for p in params]


EMPTY = inspect.Parameter.empty


def test_signatures(pages_class: type[Any]) -> None:
    assert signature(pages_class, "paginate_list_things") == [
        ("self", "POSITIONAL_OR_KEYWORD", EMPTY),
        ("max_items", "KEYWORD_ONLY", None),
        ("page_size", "KEYWORD_ONLY", None),
        ("starting_tokens", "KEYWORD_ONLY", None),
        ("kwargs", "VAR_KEYWORD", EMPTY),
    ]
    assert signature(pages_class, "iter_list_things") == [
        ("self", "POSITIONAL_OR_KEYWORD", EMPTY),
        ("max_items", "KEYWORD_ONLY", None),
        ("page_size", "KEYWORD_ONLY", None),
        ("kwargs", "VAR_KEYWORD", EMPTY),
    ]
    assert signature(pages_class, "wait_thing_ready") == [
        ("self", "POSITIONAL_OR_KEYWORD", EMPTY),
        ("delay", "KEYWORD_ONLY", None),
        ("max_attempts", "KEYWORD_ONLY", None),
        ("kwargs", "VAR_KEYWORD", EMPTY),
    ]
    # Operations without input take no **kwargs.
    assert [name for name, *_ in signature(pages_class, "paginate_list_names")] == [
        "self",
        "max_items",
        "page_size",
        "starting_tokens",
    ]
    assert [name for name, *_ in signature(pages_class, "wait_names_listed")] == [
        "self",
        "delay",
        "max_attempts",
    ]
    assert not hasattr(pages_class, "iter_get_stats")


class Recorder:
    """Stands in for the runtime's _paginate/_items/_wait: records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> str:
            self.calls.append((name, args, kwargs))
            return name

        return record


def test_bodies_call_the_runtime(pages_class: type[Any]) -> None:
    recorder = Recorder()
    pages = object.__new__(pages_class)
    for name in ("_paginate", "_items", "_wait"):
        setattr(pages, name, getattr(recorder, name))
    token = {Target("us-east-1"): "t"}
    pages.paginate_list_things(page_size=2, starting_tokens=token, Kind="big")
    pages.paginate_list_names(max_items=3)
    pages.iter_get_report(ReportId="r", Limit=5)
    pages.wait_thing_ready(Id="x", delay=0.5)
    pages.wait_names_listed(max_attempts=2)
    assert recorder.calls == [
        (
            "_paginate",
            ("ListThings", {"Kind": "big"}),
            {"max_items": None, "page_size": 2, "starting_tokens": token},
        ),
        (
            "_paginate",
            ("ListNames", {}),
            {"max_items": 3, "page_size": None, "starting_tokens": None},
        ),
        (
            "_items",
            ("GetReport", {"ReportId": "r", "Limit": 5}),
            {"max_items": None, "page_size": None},
        ),
        ("_wait", ("ThingReady", {"Id": "x"}), {"delay": 0.5, "max_attempts": None}),
        ("_wait", ("NamesListed", {}), {"delay": None, "max_attempts": 2}),
    ]


def test_docstrings_and_deprecation(pages_class: type[Any]) -> None:
    doc = inspect.getdoc(pages_class.paginate_list_things) or ""
    assert doc.startswith(
        "Every page of ListThings in every target, merged per target (botocore's\n"
        "build_full_result).\n\nLists the things.\n\n"
    )
    assert doc.endswith(
        "https://docs.aws.amazon.com/goto/WebAPI/pages-2021-01-01/ListThings"
    )
    iter_doc = inspect.getdoc(pages_class.iter_get_report) or ""
    assert iter_doc.startswith("Each element of Report.Rows in every page of GetReport")
    wait_doc = inspect.getdoc(pages_class.wait_thing_ready) or ""
    assert wait_doc.startswith("Wait until a thing is ready.\n\nPolls DescribeThing")
    assert "every 5 seconds and at most 20 times" in " ".join(wait_doc.split())
    client = render_service(build_pages())["pages/client.py"]
    for method in ("list_kinds", "paginate_list_kinds", "iter_list_kinds"):
        assert (
            f'    @deprecated("ListKinds is deprecated.")\n    def {method}(' in client
        )


def test_imports_are_type_only(package: Path) -> None:
    client = (package / "multiregion/pages/client.py").read_text(encoding="utf-8")
    runtime_part, type_checking = client.split("if TYPE_CHECKING:\n", 1)
    assert "Mapping" not in runtime_part and "Items" not in runtime_part
    type_only = type_checking.split("\n\n\n")[0]
    for line in (
        "    from collections.abc import Mapping",
        "    from datetime import datetime",
        "    from multiregion_runtime import Items, Target",
        "    from . import type_defs\n    from .literals import (\n        KindType,\n    )",
    ):
        assert line in type_only, line
    # TypedDicts through their module, literals by name (see render.TYPE_DEFS).
    assert "-> Items[type_defs.RowTypeDef]:" in client
    assert "Unpack[type_defs.ListThingsRequestTypeDef]" in client
    assert "-> Items[KindType]:" in client


def test_black_and_mypy_accept_the_output(package: Path) -> None:
    sources = [str(p) for p in sorted(package.rglob("*.py"))]
    black = [sys.executable, "-m", "black", "--check", "-l", "88", "-t", "py310"]
    result = run(black + sources, package)
    assert result.returncode == 0, result.stderr
    mypy = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10"]
    result = run(mypy + ["--no-incremental", "-p", "multiregion"], package)
    assert result.returncode == 0, result.stdout


# --- botocore's real models -----------------------------------------------------------


def real_service(service_name: str) -> ServiceIR:
    model = loader.load_service(service_name)
    return build_service(
        model,
        loader.botocore_version(),
        paginators=loader.load_paginators(model),
        waiters=loader.load_waiters(model),
    )


def test_sdk_extras_are_merged_into_the_paginator_model() -> None:
    ec2 = loader.load_paginators(loader.load_service("ec2"))
    findings = ec2["pagination"]["GetNetworkInsightsAccessScopeAnalysisFindings"]
    # Only in paginators-1.sdk-extras.json.
    assert findings["non_aggregate_keys"] == [
        "AnalysisStatus",
        "NetworkInsightsAccessScopeAnalysisId",
    ]


@pytest.mark.parametrize(
    ("service", "operation", "result_key", "item"),
    [
        ("ec2", "DescribeInstances", "Reservations", "ReservationTypeDef"),
        ("sqs", "ListQueues", "QueueUrls", "str"),
        ("s3", "ListObjectsV2", "Contents", "ObjectTypeDef"),
        (
            "cloudfront",
            "ListDistributions",
            "DistributionList.Items",
            "DistributionSummaryTypeDef",
        ),
        ("athena", "GetQueryResults", "ResultSet.Rows", "RowTypeDef"),
        ("dynamodb", "Scan", "Items", "dict[str, AttributeValueOutputTypeDef]"),
    ],
)
def test_real_item_types(
    service: str, operation: str, result_key: str, item: str
) -> None:
    found = paginator(real_service(service), operation)
    assert found.result_key == result_key
    assert item_type(real_service(service), operation) == item


def test_a_required_limit_key_stays_required() -> None:
    """cognito-identity ListIdentityPools requires MaxResults (its limit_key): the
    request type keeps it required, as the runtime's validation does."""
    service = real_service("cognito-identity")
    found = paginator(service, "ListIdentityPools")
    request = next(
        td for td in service.typed_dicts if td.name == found.operation.request_type
    )
    assert {f.key: f.required for f in request.fields}["MaxResults"] is True


def test_generated_classes_have_the_methods() -> None:
    assert callable(MultiRegionEC2.paginate_describe_instances)
    assert callable(MultiRegionEC2.iter_describe_instances)
    assert callable(MultiRegionEC2.wait_instance_running)
    assert callable(MultiRegionSQS.paginate_list_queues)
    # API Gateway GetUsage pages a map ("items"): no iter_ method.
    assert callable(MultiRegionAPIGateway.paginate_get_usage)
    assert not hasattr(MultiRegionAPIGateway, "iter_get_usage")


# --- through the generated classes, against moto -------------------------------------------


def make_log_groups(per_region: dict[str, int]) -> None:
    for region, count in per_region.items():
        logs = boto3.client("logs", region_name=region)
        for i in range(count):
            logs.create_log_group(logGroupName=f"g{i}-{region}")


def run_instances(region: str, count: int) -> list[str]:
    ec2 = boto3.client("ec2", region_name=region)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    reservation = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count)
    return [i["InstanceId"] for i in reservation["Instances"]]


def test_paginate_merges_like_botocore(aws: None, session: boto3.Session) -> None:
    make_log_groups({"us-east-1": 5, "eu-west-1": 3})
    logs = MultiRegionCloudWatchLogs(regions=REGIONS, session=session)
    results = logs.paginate_describe_log_groups(page_size=2).raise_for_errors()
    assert isinstance(results, TargetResults)
    for result in results:
        client = boto3.Session(region_name=result.region).client("logs")
        paginator = client.get_paginator("describe_log_groups")
        expected = paginator.paginate(limit=2).build_full_result()
        assert result.unwrap()["logGroups"] == expected["logGroups"]
    counts = [len(r.unwrap()["logGroups"]) for r in results]
    assert counts == [5, 3, 0]
    # max_items, then resuming exactly the target that stopped early.
    first = logs.paginate_describe_log_groups(max_items=3, page_size=2)
    tokens = first.resume_tokens()
    assert list(tokens) == [Target("us-east-1")]
    rest = logs.paginate_describe_log_groups(starting_tokens=tokens)
    assert len(rest[0].unwrap()["logGroups"]) == 2


def test_iter_yields_reservations_tagged_with_their_region(
    aws: None, session: boto3.Session
) -> None:
    run_instances("us-east-1", 2)
    run_instances("eu-west-1", 1)
    ec2 = MultiRegionEC2(regions=REGIONS, session=session)
    items = list(ec2.iter_describe_instances())
    assert sorted(item.region for item in items) == ["eu-west-1", "us-east-1"]
    for item in items:
        assert item.target == Target(item.region)
        for instance in item.value["Instances"]:
            zone = instance["Placement"]["AvailabilityZone"]
            assert zone.startswith(item.region)
    assert {i.region: len(i.value["Instances"]) for i in items} == {
        "us-east-1": 2,
        "eu-west-1": 1,
    }


def test_wait_in_every_target(aws: None, session: boto3.Session) -> None:
    ids = run_instances("us-east-1", 1)
    ec2 = MultiRegionEC2(regions=["us-east-1"], session=session)
    running = ec2.wait_instance_running(InstanceIds=ids, delay=0.05, max_attempts=3)
    assert running[0].ok and running[0].value is None
    stopped = ec2.wait_instance_stopped(InstanceIds=ids, delay=0.05, max_attempts=2)
    assert not stopped[0].ok and "Max attempts exceeded" in str(stopped[0].error)
