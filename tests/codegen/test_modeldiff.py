"""The `make update-botocore` report, on two small synthetic model sets."""

from __future__ import annotations

import copy
import json
from typing import Any

from botocore.model import ServiceModel

from codegen.modeldiff import diff, report, summarize
from tests.helpers import CODEGEN_FIXTURES

FIXTURES = CODEGEN_FIXTURES


def raw_widgets() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (FIXTURES / "widgets.json").read_text(encoding="utf-8")
    )
    return data


def models(**raw: dict[str, Any]) -> list[ServiceModel]:
    return [ServiceModel(model, service_name=name) for name, model in raw.items()]


def newer_widgets() -> dict[str, Any]:
    new = copy.deepcopy(raw_widgets())
    operations, shapes = new["operations"], new["shapes"]
    del operations["OldWidget"]
    operations["DeleteWidget"] = {
        "name": "DeleteWidget",
        "input": {"shape": "GetWidgetRequest"},
    }
    request = shapes["CreateWidgetRequest"]
    del request["members"]["Data"]
    request["members"]["Color"] = {"shape": "String"}
    request["members"]["Size"] = {"shape": "String"}  # was Integer
    request["members"]["Tags"] = {"shape": "String"}  # was TagList
    request["required"] = ["Name", "Kind"]  # Kind becomes required
    return new


def test_summary_describes_parameter_types() -> None:
    summary = summarize(models(widgets=raw_widgets()))
    create = summary["widgets"]["CreateWidget"]
    assert create["Name"] == "string (required)"
    assert create["Tags"] == "list[Tag]"
    assert create["Kind"] == "enum WidgetKind"
    assert summary["widgets"]["ListWidgets"] == {}


def test_diff_lists_every_kind_of_change() -> None:
    old = summarize(models(widgets=raw_widgets(), gone=raw_widgets()))
    new = summarize(models(widgets=newer_widgets(), fresh=raw_widgets()))
    assert diff(old, new) == [
        "services added (1): fresh",
        "services removed (1): gone",
        "widgets: operations added (1): DeleteWidget",
        "widgets: operations removed (1): OldWidget",
        "widgets.CreateWidget: parameter added: Color: string",
        "widgets.CreateWidget: parameter removed: Data: blob",
        "widgets.CreateWidget: parameter changed: Kind: enum WidgetKind -> enum WidgetKind (required)",
        "widgets.CreateWidget: parameter changed: Size: integer -> string",
        "widgets.CreateWidget: parameter changed: Tags: list[Tag] -> string",
    ]


def test_report_of_identical_sets() -> None:
    same = summarize(models(widgets=raw_widgets()))
    assert report(same, same, "1.0.0", "1.0.1") == (
        "botocore 1.0.0 -> 1.0.1: no service, operation or parameter changed"
    )
    changed = report(same, summarize(models(widgets=newer_widgets())), "1.0.0", "1.0.1")
    assert changed.splitlines()[:2] == [
        "botocore 1.0.0 -> 1.0.1:",
        "  widgets: operations added (1): DeleteWidget",
    ]
