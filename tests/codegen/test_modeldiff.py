"""The `make update-botocore` report, on two small synthetic model sets."""

from __future__ import annotations

import copy
import json
from typing import Any

from botocore.model import ServiceModel

from codegen.modeldiff import counts, diff, report, summarize, summarize_service
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
    del shapes["OldWidgetRequest"]
    operations["DeleteWidget"] = {
        "name": "DeleteWidget",
        "input": {"shape": "GetWidgetRequest"},
    }
    request = shapes["CreateWidgetRequest"]
    del request["members"]["Data"]
    request["members"]["Color"] = {"shape": "String"}
    request["members"]["Size"] = {"shape": "String"}  # was Integer
    request["required"] = ["Name", "Kind"]  # Kind becomes required
    shapes["WidgetKind"]["enum"] = ["small", "huge"]  # "large" goes: narrowed
    shapes["Tag"]["members"]["Note"] = {"shape": "String"}  # a harmless addition
    return new


def test_summary_describes_members_and_enums() -> None:
    summary = summarize(models(widgets=raw_widgets()))["widgets"]
    create = summary["shapes"]["CreateWidgetRequest"]["members"]
    assert create["Name"] == "string (required)"
    assert create["Tags"] == "list[Tag]"
    assert create["Kind"] == "enum WidgetKind"
    assert summary["shapes"]["WidgetKind"] == {
        "enum": ["large", "small"],
        "input": True,
    }
    assert "input" not in summary["shapes"]["CreateWidgetResponse"]  # only read
    assert "String" not in summary["shapes"]  # plain scalars are not listed
    assert "ListWidgets" in summary["operations"]


def test_paginators_and_waiters_are_summarized() -> None:
    model = ServiceModel(
        json.loads((FIXTURES / "pages.json").read_text(encoding="utf-8")), "pages"
    )
    paginators = json.loads(
        (FIXTURES / "pages.paginators-1.json").read_text(encoding="utf-8")
    )
    waiters = json.loads((FIXTURES / "pages.waiters-2.json").read_text("utf-8"))
    summary = summarize_service(model, paginators, waiters)
    assert summary["paginators"] == sorted(paginators["pagination"])
    assert summary["waiters"] == sorted(waiters["waiters"])
    fewer = summarize_service(model, paginators, {})
    lines = [c.line() for c in diff({"pages": summary}, {"pages": fewer})]
    assert lines == [f"pages: waiter removed: {name}" for name in summary["waiters"]]


def test_diff_lists_every_kind_of_change_and_flags_the_breaking_ones() -> None:
    old = summarize(models(widgets=raw_widgets(), gone=raw_widgets()))
    new = summarize(models(widgets=newer_widgets(), fresh=raw_widgets()))
    changes = diff(old, new)
    assert [(c.line(), c.breaking) for c in changes] == [
        ("service added: fresh", False),
        ("service removed: gone", True),
        ("widgets: operation added: DeleteWidget", False),
        ("widgets: operation removed: OldWidget", True),
        ("widgets: shape removed: OldWidgetRequest", False),
        (
            "widgets: shape changed: CreateWidgetRequest (member added: Color: string; "
            "member removed: Data; member became required: Kind; "
            "member type changed: Size: integer -> string)",
            True,
        ),
        ("widgets: shape changed: Tag (member added: Note: string)", False),
        (
            "widgets: shape changed: WidgetKind (values added: huge; "
            "values removed: large)",
            True,
        ),
    ]
    assert counts(changes)["shapes"] == {"added": 0, "removed": 1, "changed": 3}


def test_report_gives_counts_then_breaking_changes_then_the_list() -> None:
    same = summarize(models(widgets=raw_widgets()))
    assert report(same, same, "1.0.0", "1.0.1").splitlines() == [
        "## botocore 1.0.0 -> 1.0.1",
        "",
        "No service, operation or shape changed.",
    ]
    changed = report(same, summarize(models(widgets=newer_widgets())), "1.0", "1.1")
    lines = changed.splitlines()
    assert lines[:8] == [
        "## botocore 1.0 -> 1.1",
        "",
        "- services: no change",
        "- operations: 1 added, 1 removed",
        "- paginators: no change",
        "- waiters: no change",
        "- shapes: 1 removed, 3 changed",
        "",
    ]
    assert lines[8:14] == [
        "### Breaking changes (3)",
        "",
        "- widgets: operation removed: OldWidget",
        "- widgets: shape changed: CreateWidgetRequest (member added: Color: string; "
        "member removed: Data; member became required: Kind; "
        "member type changed: Size: integer -> string)",
        "- widgets: shape changed: WidgetKind (values added: huge; values removed: large)",
        "",
    ]
    assert lines[14:] == [
        "### By service (1)",
        "",
        "- widgets: operations added (1): DeleteWidget; operations removed (1): "
        "OldWidget; shapes removed: 1; shapes changed (3): CreateWidgetRequest, "
        "Tag, WidgetKind",
    ]


def test_report_names_added_and_removed_services() -> None:
    old = summarize(models(widgets=raw_widgets(), gone=raw_widgets()))
    new = summarize(models(widgets=raw_widgets(), fresh=raw_widgets()))
    lines = report(old, new, "1.0", "1.1").splitlines()
    assert "- service removed: gone" in lines  # under the breaking changes
    assert lines[-2:] == ["- fresh: service added", "- gone: service removed"]


def test_a_newly_required_member_or_narrowed_enum_breaks_senders_only() -> None:
    """In a response, a required member or fewer enum values harm nobody."""
    raw = raw_widgets()
    raw["shapes"]["Outcome"] = {"type": "string", "enum": ["ok", "failed"]}
    response = raw["shapes"]["CreateWidgetResponse"]
    response["members"]["Outcome"] = {"shape": "Outcome"}
    new = copy.deepcopy(raw)
    new["shapes"]["Outcome"]["enum"] = ["ok"]
    response = new["shapes"]["CreateWidgetResponse"]
    response["members"]["Id"] = {"shape": "String"}
    response["required"] = ["Id", "Outcome"]
    changes = diff(summarize(models(w=raw)), summarize(models(w=new)))
    assert [(c.name, c.breaking) for c in changes] == [
        ("CreateWidgetResponse", False),
        ("Outcome", False),
    ]
    assert changes[0].details == (
        "member added: Id: string (required)",
        "member became required: Outcome",
    )
