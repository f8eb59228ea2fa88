"""Help texts and name lookups, read from botocore's models one service at a time.

Listing services reads only the names of botocore's data directories
(``list_available_services``); a service's model is loaded only when it is asked for.
"""

from __future__ import annotations

import difflib
import re
import shutil
import textwrap

import botocore
import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.model import OperationModel, ServiceModel, Shape

from ..core.modeltext import describe, first_paragraph, text_of
from ._args import GLOBAL_OPTIONS, UsageError
from ._params import option_names

USAGE = "usage: multiregion [options] <service> <operation> [--parameter value ...]"


# The AWS CLI's names for services whose botocore name it gives to something else
# (awscli's command-table renames): `aws s3` is its file commands, so the API is
# `s3api`; `deploy` and `configservice` are its names for codedeploy and config.
SERVICE_ALIASES = {"s3api": "s3", "deploy": "codedeploy", "configservice": "config"}


def service_name(name: str) -> str:
    """botocore's name for a service the command line names (an AWS CLI alias too)."""
    return SERVICE_ALIASES.get(name, name)


def find_service(session: botocore.session.Session, name: str) -> ServiceModel:
    """The model of service ``name`` (or of an AWS CLI alias such as ``s3api``), or a
    UsageError naming close matches."""
    services = session.get_available_services()
    if service_name(name) not in services:
        names = [*services, *SERVICE_ALIASES]
        raise UsageError(
            f"unknown service {name!r}{_did_you_mean(name, names)}; "
            "'multiregion help' lists them all"
        )
    return session.get_service_model(service_name(name))


def operations_by_cli_name(model: ServiceModel) -> dict[str, str]:
    """``{"list-queues": "ListQueues", ...}``."""
    return {botocore.xform_name(op, "-"): op for op in model.operation_names}


def find_operation(model: ServiceModel, name: str) -> OperationModel:
    operations = operations_by_cli_name(model)
    if name not in operations:
        raise UsageError(
            f"unknown operation {name!r} for service {model.service_name!r}"
            f"{_did_you_mean(name, list(operations))}; "
            f"'multiregion {model.service_name} help' lists them all"
        )
    return model.operation_model(operations[name])


def width() -> int:
    """The terminal's width ($COLUMNS first), at least 40; 88 when not a terminal."""
    return max(40, shutil.get_terminal_size((88, 24)).columns)


def can_paginate(session: botocore.session.Session, service: str, op: str) -> bool:
    try:
        session.get_paginator_model(service).get_paginator(op)
    except (DataNotFoundError, ValueError):
        return False
    return True


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""


def top_help(session: botocore.session.Session) -> str:
    services = session.get_available_services()
    return "\n".join(
        [
            USAGE,
            "",
            "Runs one AWS API call in many regions (and profiles, or any endpoint) at",
            "once, with AWS CLI conventions, and prints every target's result.",
            "",
            "  multiregion sqs list-queues --regions all --output table",
            "  multiregion ec2 describe-security-groups --regions 'eu-*' \\",
            "      --filters Name=group-name,Values=web --query 'SecurityGroups[].GroupId'",
            "",
            "Options (before or after the operation):",
            *_global_option_lines(),
            "",
            "Exit codes: 0 all targets succeeded, 1 some failed, 2 usage error, "
            "130 interrupted.",
            "",
            f"Services ({len(services)}): 'multiregion <service> help' lists operations.",
            *_columns(services),
            "",
            "The AWS CLI's names work too: "
            + ", ".join(f"{alias} ({name})" for alias, name in SERVICE_ALIASES.items())
            + ".",
        ]
    )


def _global_option_lines() -> list[str]:
    lines = []
    for option in GLOBAL_OPTIONS:
        head = f"{option.name} {option.metavar}".strip()
        if option.arity == "many":
            head += " ..."
        lines += _term(head, option.help, 28)
    return lines


def _term(name: str, text: str, column: int) -> list[str]:
    """``  name   text...``, the text wrapped to the terminal in its own column; on the
    next line when the name is wider than the column."""
    indent = " " * (column + 3)
    body = textwrap.wrap(text, width() - len(indent), break_on_hyphens=False) or [""]
    if len(name) > column:
        return [f"  {name}"] + [indent + line for line in body]
    return [f"  {name:<{column}} {body[0]}".rstrip()] + [
        indent + line for line in body[1:]
    ]


def _columns(words: list[str]) -> list[str]:
    column = max(map(len, words), default=0) + 2
    per_line = max(1, (width() - 2) // column)
    return [
        "  " + "".join(w.ljust(column) for w in words[i : i + per_line]).rstrip()
        for i in range(0, len(words), per_line)
    ]


def service_help(model: ServiceModel) -> str:
    name = model.metadata.get("serviceFullName", model.service_name)
    lines = [
        f"multiregion {model.service_name} <operation> [--parameter value ...]",
        "",
        name,
        *_wrap(first_paragraph(model.documentation), indent="  "),
        "",
        *_wrap(
            f"Operations ('multiregion {model.service_name} <operation> help' "
            "shows parameters):",
            indent="",
        ),
    ]
    operations = operations_by_cli_name(model)
    # Names wider than a third of the line get their summary on the next line.
    longest = max(map(len, operations), default=0)
    column = min(longest + 1, width() // 3)
    for cli_name, op in operations.items():
        summary = first_sentence(model.operation_model(op).documentation)
        lines += _term(cli_name, summary, column)
    return "\n".join(lines)


def operation_help(model: ServiceModel, operation: OperationModel, pages: bool) -> str:
    cli_name = botocore.xform_name(operation.name, "-")
    lines = [
        f"multiregion {model.service_name} {cli_name} [--parameter value ...] [options]",
        "",
        *_wrap(text_of(operation.documentation), indent="  "),
        "",
    ]
    if pages:
        lines += [
            *_wrap(
                "Pageable: every page is fetched in every target by default; "
                "--no-paginate, --page-size, --max-items and --starting-token "
                "change that, as in the AWS CLI.",
                indent="  ",
            ),
            "",
        ]
    lines.append("Parameters:")
    shape = operation.input_shape
    if shape is None or not shape.members:
        lines.append("  (none)")
    else:
        required = set(shape.required_members)
        for option, member in option_names(operation).items():
            lines += _parameter_lines(option, shape.members[member], member in required)
    lines += ["", "Options: see 'multiregion help'."]
    return "\n".join(lines)


def _parameter_lines(option: str, shape: Shape, required: bool) -> list[str]:
    flag = " [required]" if required else ""
    lines = [f"  {option} ({describe(shape)}){flag}"]
    syntax = shorthand_example(shape)
    if shape.type_name == "boolean":
        syntax = f"{option} | --no-{option[2:]}"
    if syntax:
        lines.append(f"      Syntax: {syntax}")
    lines += _wrap(text_of(shape.documentation), indent="      ")
    return lines


def shorthand_example(shape: Shape) -> str | None:
    """``Name=string,Values=string,string`` for structures, lists of them and maps."""
    kind = shape.type_name
    if kind == "map":
        return "KeyName1=string,KeyName2=string  or JSON"
    if kind == "list" and shape.member.type_name == "structure":  # type: ignore[attr-defined]
        inner = shorthand_example(shape.member)  # type: ignore[attr-defined]
        return f"{inner} ..." if inner else None
    if kind != "structure":
        return None
    parts = []
    for name, member in shape.members.items():  # type: ignore[attr-defined]
        if member.type_name == "list":
            parts.append(f"{name}={member.member.type_name},{member.member.type_name}")
        elif member.type_name in ("structure", "map"):
            parts.append(f"{name}={{...}}")
        else:
            parts.append(f"{name}={member.type_name}")
    return ",".join(parts) + "  or JSON"


def first_sentence(documentation: str | None) -> str:
    paragraph = first_paragraph(documentation)
    match = re.match(r"(.+?[.!?])(\s|$)", paragraph)
    return match.group(1) if match else paragraph


def _wrap(text: str, indent: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        if lines:
            lines.append("")
        lines += textwrap.wrap(
            paragraph,
            width(),
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,  # never split --options or names
        )
    return lines
