"""What changed between two sets of botocore models, and which changes break users.

``summarize`` reduces models to services, operations, paginators, waiters and shapes
(structure members with their types, enum values): small enough to save as JSON
before an upgrade. ``diff`` compares two summaries; ``report`` is the changelog entry.
``python -m codegen.modeldiff summarize FILE`` writes the installed botocore's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from botocore.model import (
    ListShape,
    MapShape,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)

from multiregion_runtime.core.modeltext import describe


class ServiceSummary(TypedDict):
    operations: list[str]
    paginators: list[str]
    waiters: list[str]
    # structure: {"members": {member: "type description"}}; enum: {"enum": [values]}
    shapes: dict[str, dict[str, Any]]


# {service: its summary}
Summary = dict[str, ServiceSummary]
KINDS = ("services", "operations", "paginators", "waiters", "shapes")


def summarize_shape(shape: Shape) -> dict[str, Any] | None:
    """A structure's members or an enum's values; None for other shapes."""
    if isinstance(shape, StructureShape):
        required = set(shape.required_members)
        return {
            "members": {
                key: describe(member, key in required, enum_values=0)
                for key, member in shape.members.items()
            }
        }
    if isinstance(shape, StringShape) and shape.enum:
        return {"enum": sorted(set(shape.enum))}
    return None


def summarize_service(
    model: ServiceModel,
    paginators: Mapping[str, Any] | None = None,
    waiters: Mapping[str, Any] | None = None,
) -> ServiceSummary:
    """``paginators``/``waiters``: botocore's paginators-1 / waiters-2 data, if any."""
    shapes = {}
    inputs = input_shapes(model)
    for name in model.shape_names:
        summary = summarize_shape(model.shape_for(name))
        if summary is not None:
            shapes[name] = {**summary, "input": True} if name in inputs else summary
    return {
        "operations": sorted(model.operation_names),
        "paginators": sorted((paginators or {}).get("pagination", {})),
        "waiters": sorted((waiters or {}).get("waiters", {})),
        "shapes": shapes,
    }


def input_shapes(model: ServiceModel) -> set[str]:
    """The shapes users send (reached from an operation's input): where a newly
    required member or a narrowed enum breaks callers."""
    seen: set[str] = set()
    stack: list[Shape | None] = [
        model.operation_model(op).input_shape for op in model.operation_names
    ]
    while stack:
        shape = stack.pop()
        if shape is None or shape.name in seen:
            continue
        seen.add(shape.name)
        if isinstance(shape, StructureShape):
            stack.extend(shape.members.values())
        elif isinstance(shape, ListShape):
            stack.append(shape.member)
        elif isinstance(shape, MapShape):
            stack += [shape.key, shape.value]
    return seen


def summarize(models: Iterable[ServiceModel]) -> Summary:
    return {model.service_name: summarize_service(model) for model in models}


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    action: str  # "added", "removed" or "changed"
    where: str  # "" for services, else the service name
    name: str  # the service, operation, paginator, waiter or shape
    details: tuple[str, ...] = ()  # for changed shapes: what changed
    breaking: bool = False

    def line(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        what = self.kind[:-1]
        text = f"{prefix}{what} {self.action}: {self.name}"
        return f"{text} ({'; '.join(self.details)})" if self.details else text


def diff(old: Summary, new: Summary) -> list[Change]:
    """Every change, services first, then per service in a stable order."""
    changes = _added_removed("services", "", old, new)
    for service in sorted(old.keys() & new.keys()):
        before, after = old[service], new[service]
        for kind in ("operations", "paginators", "waiters"):
            changes += _added_removed(
                kind, service, dict.fromkeys(before[kind]), dict.fromkeys(after[kind])
            )
        changes += _added_removed("shapes", service, before["shapes"], after["shapes"])
        for name in sorted(before["shapes"].keys() & after["shapes"].keys()):
            change = _shape_change(service, name, before["shapes"], after["shapes"])
            if change is not None:
                changes.append(change)
    return changes


def _added_removed(
    kind: str, where: str, old: Mapping[str, object], new: Mapping[str, object]
) -> list[Change]:
    # Removing a service, operation, paginator or waiter removes a method users call;
    # a removed shape is reported through the members and operations that used it.
    changes = [Change(kind, "added", where, n) for n in sorted(new.keys() - old.keys())]
    changes += [
        Change(kind, "removed", where, n, breaking=kind != "shapes")
        for n in sorted(old.keys() - new.keys())
    ]
    return changes


def _shape_change(
    service: str,
    name: str,
    old: Mapping[str, dict[str, Any]],
    new: Mapping[str, dict[str, Any]],
) -> Change | None:
    before, after = old[name], new[name]
    sent = bool(before.get("input") or after.get("input"))
    if _without_input(before) == _without_input(after):
        return None
    if "enum" in before and "enum" in after:
        details, breaking = _enum_details(before["enum"], after["enum"], sent)
    elif "members" in before and "members" in after:
        details, breaking = _member_details(before["members"], after["members"], sent)
    else:
        details, breaking = ["changed kind (structure/enum)"], True
    return Change("shapes", "changed", service, name, tuple(details), breaking)


def _without_input(shape: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in shape.items() if key != "input"}


def _enum_details(
    before: list[str], after: list[str], sent: bool
) -> tuple[list[str], bool]:
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    details = []
    if added:
        details.append(f"values added: {', '.join(added)}")
    if removed:
        details.append(f"values removed: {', '.join(removed)}")
    return details, sent and bool(removed)  # rejects values users may send


def _member_details(
    before: Mapping[str, str], after: Mapping[str, str], sent: bool
) -> tuple[list[str], bool]:
    """Removed members and changed types break readers and senders alike; a member
    that is (newly) required breaks only those who send the shape."""
    details, breaking = [], False
    for member in sorted(after.keys() - before.keys()):
        details.append(f"member added: {member}: {after[member]}")
        breaking |= sent and after[member].endswith("(required)")
    for member in sorted(before.keys() - after.keys()):
        details.append(f"member removed: {member}")
        breaking = True
    for member in sorted(before.keys() & after.keys()):
        old_type, new_type = before[member], after[member]
        if old_type == new_type:
            continue
        if old_type + " (required)" == new_type:
            details.append(f"member became required: {member}")
            breaking |= sent
            continue
        if old_type == new_type + " (required)":
            details.append(f"member became optional: {member}")
            continue
        details.append(f"member type changed: {member}: {old_type} -> {new_type}")
        breaking = True
    return details, breaking


def counts(changes: Iterable[Change]) -> dict[str, dict[str, int]]:
    """{kind: {action: how many}} for every kind and action."""
    table = {kind: dict.fromkeys(("added", "removed", "changed"), 0) for kind in KINDS}
    for change in changes:
        table[change.kind][change.action] += 1
    return table


def report(old: Summary, new: Summary, old_version: str, new_version: str) -> str:
    """The changelog entry (Markdown): counts, the breaking changes in detail, then
    per service what was added, removed or changed, by name."""
    changes = diff(old, new)
    lines = [f"## botocore {old_version} -> {new_version}", ""]
    if not changes:
        return "\n".join([*lines, "No service, operation or shape changed."])
    for kind, by_action in counts(changes).items():
        numbers = ", ".join(f"{n} {action}" for action, n in by_action.items() if n)
        lines.append(f"- {kind}: {numbers or 'no change'}")
    breaking = [c for c in changes if c.breaking]
    lines += ["", f"### Breaking changes ({len(breaking)})", ""]
    lines += [f"- {c.line()}" for c in breaking] or ["None."]
    by_service: dict[str, list[Change]] = {}
    for change in changes:
        by_service.setdefault(change.where or change.name, []).append(change)
    lines += ["", f"### By service ({len(by_service)})", ""]
    lines += [f"- {name}: {_service_line(group)}" for name, group in by_service.items()]
    return "\n".join(lines)


def _service_line(changes: list[Change]) -> str:
    parts = []
    for kind in KINDS:
        for action in ("added", "removed", "changed"):
            names = [c.name for c in changes if c.kind == kind and c.action == action]
            if kind == "services" and names:
                parts.append(f"service {action}")
            elif kind == "shapes" and action != "changed" and names:
                parts.append(f"shapes {action}: {len(names)}")
            elif names:
                parts.append(f"{kind} {action} ({len(names)}): {', '.join(names)}")
    return "; ".join(parts)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "summarize":
        print("usage: python -m codegen.modeldiff summarize FILE", file=sys.stderr)
        return 2
    from codegen import loader

    summary: Summary = {}
    for name in loader.available_services():
        model = loader.load_service(name)
        summary[name] = summarize_service(
            model, loader.load_paginators(model), loader.load_waiters(model)
        )
    Path(argv[1]).write_text(json.dumps(summary, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
