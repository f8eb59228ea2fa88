"""The CLI reference page, read from the command line's own parser data.

The options are ``GLOBAL_OPTIONS`` and the exit codes the ``EXIT_*`` numbers, found in
whichever module of ``multiregion_runtime.cli`` holds them (its file names may change;
the package is the entry point). What this file adds is what the parser cannot know:
each option's AWS CLI equivalent and what each exit code means. An option or exit
code without one fails the build, so the page cannot fall behind the parser.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

#: Each global option's AWS CLI equivalent ("" when the AWS CLI has none).
AWS_CLI: dict[str, str] = {
    "--regions": "`--region` (one region; `--region` is accepted here too)",
    "--profile": "`--profile` (one profile)",
    "--accounts": "",
    "--organization": "",
    "--ous": "",
    "--exclude-accounts": "",
    "--role-name": "a profile with `role_arn` (one account)",
    "--external-id": "a profile's `external_id`",
    "--enabled-regions-only": "",
    "--endpoint-url": "`--endpoint-url`",
    "--no-paginate": "`--no-paginate`",
    "--paginate": "(paginates by default)",
    "--page-size": "`--page-size`",
    "--max-items": "`--max-items` (per target here)",
    "--starting-token": "`--starting-token` (one token; here one per target)",
    "--query": "`--query` (applied to each target's result here)",
    "--output": "`--output` (json, text, table; yaml is not offered here)",
    "--flatten": "",
    "--color": "`--color`",
    "--show-secrets": "(prints credentials as they come)",
    "--out": "",
    "--table": "",
    "--append": "",
    "--resume": "",
    "--cli-input-json": "`--cli-input-json`",
    "--generate-cli-skeleton": "`--generate-cli-skeleton`",
    "--cli-binary-format": "`--cli-binary-format`",
    "--ignore-error-codes": "",
    "--allow-errors": "",
    "--max-workers": "",
    "--timeout": "",
    "--deadline": "",
    "--cli-connect-timeout": "`--cli-connect-timeout`",
    "--cli-read-timeout": "`--cli-read-timeout`",
    "--rate-limit": "",
    "--executor": "",
    "--no-progress": "",
    "--no-cli-pager": "`--no-cli-pager`",
    "--no-verify-ssl": "`--no-verify-ssl`",
    "--ca-bundle": "`--ca-bundle`",
    "--no-sign-request": "`--no-sign-request`",
    "--debug": "`--debug`",
    "--version": "`--version`",
    "--help": "`help` (`aws <service> <operation> help`)",
}

#: What each exit code means, by the name of its constant.
EXIT_MEANINGS: dict[str, str] = {
    "EXIT_OK": "every target succeeded (or the only failures were error codes "
    "listed in `--ignore-error-codes`, or `--allow-errors` was given); also help "
    "and `--version`",
    "EXIT_FAILED": "some target failed, or the organization's accounts could not "
    "be listed; what succeeded is printed all the same",
    "EXIT_USAGE": "a usage error: a mistake on the command line, found before any "
    "request was sent",
    "EXIT_INTERRUPTED": "interrupted (Ctrl-C): what had finished is printed, and "
    "stderr says which targets had not",
}


def cli_modules() -> Iterator[ModuleType]:
    """``multiregion_runtime.cli`` and every module inside it."""
    package = importlib.import_module("multiregion_runtime.cli")
    yield package
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        yield importlib.import_module(info.name)


def find(name: str) -> Any:
    """``name`` from the first module of ``multiregion_runtime.cli`` that has it."""
    for module in cli_modules():
        if name in vars(module):
            return vars(module)[name]
    raise LookupError(f"no module of multiregion_runtime.cli has {name}")


def global_options() -> tuple[Any, ...]:
    return tuple(find("GLOBAL_OPTIONS"))


def aliases() -> dict[str, str]:
    """The AWS CLI spellings the parser also accepts (``--region``, ``-h``)."""
    try:
        return dict(find("_ALIASES"))
    except LookupError:
        return {}


def exit_codes() -> dict[str, int]:
    """``{"EXIT_OK": 0, ...}`` from the module that defines them, sorted by code."""
    for module in cli_modules():
        codes = {
            name: value
            for name, value in vars(module).items()
            if name.startswith("EXIT_") and isinstance(value, int)
        }
        if codes:
            return dict(sorted(codes.items(), key=lambda item: item[1]))
    raise LookupError("no module of multiregion_runtime.cli defines EXIT_* codes")


def check() -> list[str]:
    """What the tables above lack or hold too much of, against the parser."""
    problems = []
    names = [option.name for option in global_options()]
    problems += [
        f"{n}: no AWS CLI equivalent in AWS_CLI" for n in names if n not in AWS_CLI
    ]
    problems += [
        f"{n}: in AWS_CLI but not an option" for n in AWS_CLI if n not in names
    ]
    codes = exit_codes()
    problems += [
        f"{n}: no meaning in EXIT_MEANINGS" for n in codes if n not in EXIT_MEANINGS
    ]
    problems += [
        f"{n}: in EXIT_MEANINGS but not defined"
        for n in EXIT_MEANINGS
        if n not in codes
    ]
    return problems


def _value(option: Any) -> str:
    if option.arity == "flag":
        return ""
    text = f"`{option.metavar}`" if option.metavar else "`VALUE`"
    if option.arity == "many":
        text += " ..."
    if option.choices:
        text += " (" + ", ".join(f"`{c}`" for c in option.choices) + ")"
    return text


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return text.replace("|", "\\|").replace("\n", " ")


def _plain(text: str) -> str:
    """The parser's help text, with Markdown's special characters escaped."""
    for char in "\\*_<[]`":
        text = text.replace(char, "\\" + char)
    return _cell(text)


def markdown_page() -> str:
    problems = check()
    if problems:
        raise ValueError("CLI reference out of date: " + "; ".join(problems))
    usage = find("USAGE")
    lines = [
        "---",
        "hide:",
        "  - toc",
        "---",
        "",
        "# Command line reference",
        "",
        "```text",
        str(usage),
        "```",
        "",
        "This page is generated from the parser itself (`GLOBAL_OPTIONS` and the exit "
        "codes of `multiregion_runtime.cli`) on every `make docs`. Options go before "
        "or after `<service> <operation>`; every other `--name` is a parameter of the "
        "operation, as in the AWS CLI (`multiregion <service> <operation> help` lists "
        "them). `--` ends a list of values such as `--regions a b`. For a guided tour, "
        "see [the command line for AWS CLI users](../guides/cli.md).",
        "",
        "## Global options",
        "",
        '<div class="cli-options" markdown>',
        "",
        "| Option | Value | What it does | AWS CLI equivalent |",
        "|---|---|---|---|",
    ]
    for option in global_options():
        lines.append(
            f"| `{option.name}` | {_cell(_value(option))} | {_plain(option.help)} | "
            f"{_cell(AWS_CLI[option.name]) or 'none'} |"
        )
    lines += ["", "</div>"]
    alias_lines = [f"`{a}` for `{n}`" for a, n in aliases().items()]
    if alias_lines:
        lines += ["", "Accepted as AWS CLI habits: " + ", ".join(alias_lines) + "."]
    lines += [
        "",
        "## Exit codes",
        "",
        "| Code | Meaning |",
        "|--:|---|",
    ]
    for name, code in exit_codes().items():
        lines.append(f"| {code} | {_cell(EXIT_MEANINGS[name])} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_page(), end="")
