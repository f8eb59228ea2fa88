"""The command line, split into words, multiregion's own options and the call's parameters.

Hand-written rather than argparse: like the AWS CLI, our options may come before or
after ``<service> <operation>``, and every other ``--name`` is a parameter of the
operation that only its model (loaded later, and only for that one operation) knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# parquet, arrow and duckdb write --out FILE (cli/_data_output.py).
OUTPUT_FORMATS = ("json", "jsonl", "csv", "table", "text", "parquet", "arrow", "duckdb")


class UsageError(Exception):
    """A mistake on the command line: reported with exit code 2, nothing sent."""


Arity = Literal["flag", "one", "many"]


@dataclass(frozen=True)
class GlobalOption:
    """One of multiregion's own options (the rest of ``--names`` are API parameters)."""

    name: str
    arity: Arity
    help: str
    metavar: str = ""


GLOBAL_OPTIONS = (
    GlobalOption(
        "--regions",
        "many",
        "regions to call: names, 'all', or patterns such as 'eu-*' "
        "(default: every region offering the service)",
        "REGION",
    ),
    GlobalOption(
        "--profile",
        "one",
        "a named profile; repeat it to call every region of each profile",
        "NAME",
    ),
    GlobalOption(
        "--accounts",
        "many",
        "account ids to call, each through --role-name (with every region)",
        "ID",
    ),
    GlobalOption(
        "--organization",
        "flag",
        "every ACTIVE account of the organization, through --role-name",
    ),
    GlobalOption(
        "--ous",
        "many",
        "with --organization: only accounts under these OUs (recursively)",
        "OU",
    ),
    GlobalOption("--exclude-accounts", "many", "account ids to leave out", "ID"),
    GlobalOption(
        "--role-name",
        "one",
        "the IAM role to assume in each account (your own account uses your credentials)",
        "NAME",
    ),
    GlobalOption("--external-id", "one", "the external id the role requires", "ID"),
    GlobalOption(
        "--enabled-regions-only",
        "flag",
        "skip regions an account has not enabled (asks EC2 once per account)",
    ),
    GlobalOption(
        "--endpoint-url",
        "one",
        "send every call to this URL (an emulator such as moto, or a proxy)",
        "URL",
    ),
    GlobalOption("--paginate", "flag", "fetch every page and merge them per target"),
    GlobalOption(
        "--max-items", "one", "with --paginate: at most N items per target", "N"
    ),
    GlobalOption(
        "--query",
        "one",
        "a JMESPath expression applied to each target's result",
        "EXPR",
    ),
    GlobalOption(
        "--output", "one", f"output format: {', '.join(OUTPUT_FORMATS)}", "FORMAT"
    ),
    GlobalOption(
        "--out", "one", "with --output parquet, arrow or duckdb: the file", "FILE"
    ),
    GlobalOption(
        "--table",
        "one",
        "with --output duckdb: the table (default: the operation, snake_case)",
        "NAME",
    ),
    GlobalOption("--append", "flag", "with --output duckdb: add rows, not replace"),
    GlobalOption(
        "--resume",
        "flag",
        "with --paginate and --output parquet or duckdb: record progress, and "
        "continue a stopped run of the same command",
    ),
    GlobalOption(
        "--cli-input-json",
        "one",
        "the parameters as JSON (or file://path); options given on the line win",
        "JSON",
    ),
    GlobalOption(
        "--ignore-error-codes",
        "one",
        "error codes to report as skipped, not failed (comma-separated, repeatable)",
        "CODES",
    ),
    GlobalOption("--allow-errors", "flag", "exit 0 even when some targets failed"),
    GlobalOption(
        "--max-workers", "one", "at most N calls in flight at once (default 64)", "N"
    ),
    GlobalOption(
        "--timeout",
        "one",
        "give up on targets that have not answered after SECONDS",
        "SECONDS",
    ),
    GlobalOption("--no-progress", "flag", "no live progress line on a terminal"),
    GlobalOption("--debug", "flag", "log what botocore does (secrets are redacted)"),
    GlobalOption("--version", "flag", "print the version and exit"),
    GlobalOption(
        "--help", "flag", "show help: for the tool, a service or an operation"
    ),
)
_BY_NAME = {option.name: option for option in GLOBAL_OPTIONS}
# AWS CLI habits: --region (singular) and -h.
_ALIASES = {"--region": "--regions", "-h": "--help"}
# What a region argument looks like, so `--regions eu-west-1 sqs list-queues` stops
# at "sqs": a name ending in a number, "all", or a pattern.
_REGION_WORD = re.compile(r"^(all|[a-z]{2,}(-[a-z0-9]+)*-\d+|.*[*?\[].*)$")
_ACCOUNT_WORD = re.compile(r"^\d{12}(,\d{12})*$")
_OU_WORD = re.compile(r"^(ou|r)-[a-z0-9-]+(,(ou|r)-[a-z0-9-]+)*$")
# What the further words of a many-valued option look like (the service name after
# them must not be swallowed).
_MORE_WORDS = {
    "--regions": _REGION_WORD,
    "--accounts": _ACCOUNT_WORD,
    "--exclude-accounts": _ACCOUNT_WORD,
    "--ous": _OU_WORD,
}


@dataclass
class CommandLine:
    """What the user typed, sorted: positional words, our options, the API parameters."""

    words: list[str] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, list[str]] = field(default_factory=dict)

    def flag(self, name: str) -> bool:
        return name in self.options

    def value(self, name: str) -> str | None:
        """The last value of a one-value option (the last one wins, as in argparse)."""
        values = self.options.get(name)
        return values[-1] if values else None

    def values(self, name: str) -> list[str]:
        return self.options.get(name, [])

    @property
    def wants_help(self) -> bool:
        return self.flag("--help") or "help" in self.words


def split_command_line(argv: list[str]) -> CommandLine:
    """Sort ``argv`` into words, our options and the operation's ``--parameters``."""
    line = CommandLine()
    i = 0
    while i < len(argv):
        token = argv[i]
        if not token.startswith("-") or token == "-":
            line.words.append(token)
            i += 1
            continue
        name, inline = _split_inline_value(token)
        name = _ALIASES.get(name, name)
        option = _BY_NAME.get(name)
        if option is not None:
            i = _take_global(line, option, inline, argv, i + 1)
        elif name.startswith("--") and len(name) > 2:
            i = _take_param(line, name, inline, argv, i + 1)
        else:
            raise UsageError(f"unknown option {token!r}; options start with '--'")
    return line


def _split_inline_value(token: str) -> tuple[str, str | None]:
    """``--name=value`` -> ("--name", "value"); ``--name`` -> ("--name", None)."""
    if token.startswith("--") and "=" in token:
        name, value = token.split("=", 1)
        return name, value
    return token, None


def _take_global(
    line: CommandLine, option: GlobalOption, inline: str | None, argv: list[str], i: int
) -> int:
    values = line.options.setdefault(option.name, [])
    if option.arity == "flag":
        if inline is not None:
            raise UsageError(f"{option.name} takes no value, got {inline!r}")
        return i
    if inline is not None:
        values.append(inline)
    elif i < len(argv) and not argv[i].startswith("--"):
        values.append(argv[i])
        i += 1
    else:
        raise UsageError(f"{option.name} needs a value: {option.metavar}")
    if option.arity == "many" and inline is None:
        more = _MORE_WORDS[option.name]
        while i < len(argv) and more.match(argv[i]):
            values.append(argv[i])
            i += 1
    return i


def _take_param(
    line: CommandLine, name: str, inline: str | None, argv: list[str], i: int
) -> int:
    """A parameter takes every following word up to the next ``--option``."""
    values = line.params.setdefault(name, [])
    if inline is not None:
        values.append(inline)
        return i
    while i < len(argv) and not argv[i].startswith("--"):
        values.append(argv[i])
        i += 1
    return i


def split_values(values: list[str]) -> list[str]:
    """``--regions a,b c`` -> ["a", "b", "c"] (also accounts, OUs): commas and spaces separate."""
    return [part for value in values for part in value.split(",") if part]


def positive_int(line: CommandLine, name: str) -> int | None:
    text = line.value(name)
    if text is None:
        return None
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise UsageError(f"{name} must be a positive integer, got {text!r}")
    return number


def positive_float(line: CommandLine, name: str) -> float | None:
    text = line.value(name)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise UsageError(f"{name} must be a positive number of seconds, got {text!r}")
    return number


def output_format(line: CommandLine) -> str:
    fmt = line.value("--output") or "json"
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(
            f"unknown --output {fmt!r}; valid formats: {', '.join(OUTPUT_FORMATS)}"
        )
    return fmt
