"""What changed between two sets of botocore models: services, operations, parameters.

``summarize`` reduces models to {service: {operation: {parameter: type}}}, small
enough to save as JSON before an upgrade; ``diff`` compares two summaries.
``python -m codegen.modeldiff summarize FILE`` writes the installed botocore's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from botocore.model import ServiceModel

from multiregion_runtime._modeltext import describe

# {service: {operation: {parameter: "type description"}}}
Summary = dict[str, dict[str, dict[str, str]]]


def summarize_service(model: ServiceModel) -> dict[str, dict[str, str]]:
    operations = {}
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        params: dict[str, str] = {}
        if shape is not None:
            required = set(shape.required_members)
            for key, member in shape.members.items():
                params[key] = describe(member, key in required, enum_values=0)
        operations[name] = params
    return operations


def summarize(models: Iterable[ServiceModel]) -> Summary:
    return {model.service_name: summarize_service(model) for model in models}


def diff(old: Summary, new: Summary) -> list[str]:
    """Human-readable lines, one per change, in a stable order."""
    lines = _added_removed("services", old, new, prefix="")
    for service in sorted(old.keys() & new.keys()):
        before, after = old[service], new[service]
        lines += _added_removed("operations", before, after, prefix=f"{service}: ")
        for operation in sorted(before.keys() & after.keys()):
            lines += _parameter_changes(
                f"{service}.{operation}", before[operation], after[operation]
            )
    return lines


def _added_removed(
    what: str, old: Mapping[str, object], new: Mapping[str, object], prefix: str
) -> list[str]:
    lines = []
    added, removed = sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())
    if added:
        lines.append(f"{prefix}{what} added ({len(added)}): {', '.join(added)}")
    if removed:
        lines.append(f"{prefix}{what} removed ({len(removed)}): {', '.join(removed)}")
    return lines


def _parameter_changes(
    where: str, old: Mapping[str, str], new: Mapping[str, str]
) -> list[str]:
    lines = []
    for name in sorted(new.keys() - old.keys()):
        lines.append(f"{where}: parameter added: {name}: {new[name]}")
    for name in sorted(old.keys() - new.keys()):
        lines.append(f"{where}: parameter removed: {name}: {old[name]}")
    for name in sorted(old.keys() & new.keys()):
        if old[name] != new[name]:
            lines.append(
                f"{where}: parameter changed: {name}: {old[name]} -> {new[name]}"
            )
    return lines


def report(old: Summary, new: Summary, old_version: str, new_version: str) -> str:
    lines = diff(old, new)
    title = f"botocore {old_version} -> {new_version}:"
    if not lines:
        return f"{title} no service, operation or parameter changed"
    return "\n".join([title, *("  " + line for line in lines)])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "summarize":
        print("usage: python -m codegen.modeldiff summarize FILE", file=sys.stderr)
        return 2
    from codegen import loader

    summary = summarize(
        loader.load_service(name) for name in loader.available_services()
    )
    Path(argv[1]).write_text(json.dumps(summary, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
