"""The command line, split into words, multiregion's own options and the call's parameters.

Hand-written rather than argparse: like the AWS CLI, our options may come before or
after ``<service> <operation>``, and every other ``--name`` is a parameter of the
operation that only its model (loaded later, and only for that one operation) knows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

# parquet, arrow and duckdb write --out FILE (cli/_data_output.py).
OUTPUT_FORMATS = ("json", "jsonl", "csv", "table", "text", "parquet", "arrow", "duckdb")
COLORS = ("on", "off", "auto")
BINARY_FORMATS = ("base64", "raw-in-base64-out")
SKELETONS = ("input", "output")


class UsageError(Exception):
    """A mistake on the command line: reported with exit code 2, nothing sent."""


#: "optional": one value from ``choices`` if the next word is one of them, else none.
Arity = Literal["flag", "one", "many", "optional"]


@dataclass(frozen=True)
class GlobalOption:
    """One of multiregion's own options (the rest of ``--names`` are API parameters).

    ``choices``, when given, are the only values accepted (checked while splitting).
    """

    name: str
    arity: Arity
    help: str
    metavar: str = ""
    choices: tuple[str, ...] = ()


GLOBAL_OPTIONS = (
    GlobalOption(
        "--regions",
        "many",
        "regions to call: names, 'all', or patterns such as 'eu-*' "
        "(default: every region offering the service); '--' ends the list",
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
    GlobalOption(
        "--no-paginate",
        "flag",
        "one call per target, the first page only (as when the operation's own "
        "token or limit parameter is given); by default every page is fetched",
    ),
    GlobalOption(
        "--paginate",
        "flag",
        "fetch every page (the default), even with the operation's own limit",
    ),
    GlobalOption(
        "--page-size", "one", "items per request; every page is still fetched", "N"
    ),
    GlobalOption(
        "--max-items",
        "one",
        "at most N items per target; prints the --starting-token to resume with",
        "N",
    ),
    GlobalOption(
        "--starting-token",
        "many",
        "resume where a --max-items run stopped: the TARGET=TOKEN words it printed "
        "(a bare TOKEN when there is one target)",
        "TARGET=TOKEN",
    ),
    GlobalOption(
        "--query",
        "one",
        "a JMESPath expression applied to each target's result",
        "EXPR",
    ),
    GlobalOption(
        "--output",
        "one",
        f"output format: {', '.join(OUTPUT_FORMATS)} (default: $AWS_DEFAULT_OUTPUT, "
        "the profile's output setting, else json). json is a list with one entry "
        'per target, [{"region": ..., "result": {...}}], the result being what the '
        "AWS CLI prints (jq '.[].result.Reservations'); an entry of a failed target "
        'holds "error". text is the AWS CLI\'s text layout, each line after the '
        "target's columns",
        "FORMAT",
    ),
    GlobalOption(
        "--flatten",
        "one",
        "csv, table, jsonl: one row per element of the list KEY in each row "
        "(e.g. Instances), the row's other fields repeated",
        "KEY",
    ),
    GlobalOption(
        "--color", "one", "color on a terminal: on, off or auto", "WHEN", COLORS
    ),
    GlobalOption(
        "--show-secrets",
        "flag",
        "print the credentials of calls that return them (sts get-session-token...); "
        "masked otherwise, and always in --debug",
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
        "--generate-cli-skeleton",
        "optional",
        "print a JSON template of the parameters (input, the default) or of a "
        "result (output); nothing is sent",
        "[input|output]",
        SKELETONS,
    ),
    GlobalOption(
        "--cli-binary-format",
        "one",
        "blob parameters: base64 (the default, as in AWS CLI v2) or "
        "raw-in-base64-out (the text itself is sent)",
        "FORMAT",
        BINARY_FORMATS,
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
        "the deadline of each target from its start, retries and pages included "
        "(default 60): a target not answered by then is reported as timed out",
        "SECONDS",
    ),
    GlobalOption(
        "--deadline",
        "one",
        "the deadline of the whole call (default: none): targets whose turn "
        "comes after it are reported as not started",
        "SECONDS",
    ),
    GlobalOption(
        "--cli-connect-timeout",
        "one",
        "the longest a connection attempt may take (0: no limit; default 5), "
        "always within --timeout",
        "SECONDS",
    ),
    GlobalOption(
        "--cli-read-timeout",
        "one",
        "the longest a socket read may wait (0: no limit; default 20), "
        "always within --timeout",
        "SECONDS",
    ),
    GlobalOption(
        "--rate-limit",
        "one",
        "client-side limit per account and region, e.g. ec2:mutating=20/2 "
        "(burst/per second; repeatable; KEY=none or 'off' to lift)",
        "KEY=B/R",
    ),
    GlobalOption(
        "--executor",
        "one",
        "where the calls run: threads (default), processes[:N] (local worker "
        "processes), or tcp://host:port / dask://host:port (a Dask scheduler)",
        "SPEC",
    ),
    GlobalOption("--no-progress", "flag", "no live progress line on a terminal"),
    GlobalOption(
        "--no-cli-pager",
        "flag",
        "accepted for AWS CLI scripts: multiregion never starts a pager",
    ),
    GlobalOption("--no-verify-ssl", "flag", "do not check TLS certificates"),
    GlobalOption(
        "--ca-bundle", "one", "check TLS certificates against this CA bundle", "PATH"
    ),
    GlobalOption(
        "--no-sign-request",
        "flag",
        "send requests unsigned; no credentials are loaded",
    ),
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
# at "sqs": a name ending in a number, "all", or a pattern. A service whose name looks
# like one (resource-explorer-2) is still a service: see split_command_line.
_REGION_WORD = re.compile(r"^(all|[a-z]{2,}(-[a-z0-9]+)*-\d+|.*[*?\[].*)$")
_ACCOUNT_WORD = re.compile(r"^\d{12}(,\d{12})*$")
_OU_WORD = re.compile(r"^(ou|r)-[a-z0-9-]+(,(ou|r)-[a-z0-9-]+)*$")
_TOKEN_WORD = re.compile(r"^[^=\s]+=\S+$")
# What the further words of a many-valued option look like (the service name after
# them must not be swallowed). `--` ends the values explicitly.
_MORE_WORDS = {
    "--regions": _REGION_WORD,
    "--accounts": _ACCOUNT_WORD,
    "--exclude-accounts": _ACCOUNT_WORD,
    "--ous": _OU_WORD,
    "--starting-token": _TOKEN_WORD,
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


def split_command_line(
    argv: list[str], is_service: Callable[[str], bool] = lambda word: False
) -> CommandLine:
    """Sort ``argv`` into words, our options and the operation's ``--parameters``.

    A many-valued option (``--regions a b``) takes the further words that look like
    its values, but never a service name (``is_service``); ``--`` ends its values.
    """
    line = CommandLine()
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":  # ends a list of values; nothing else to do
            i += 1
            continue
        if not token.startswith("-") or token == "-":
            line.words.append(token)
            i += 1
            continue
        name, inline = _split_inline_value(token)
        name = _ALIASES.get(name, name)
        option = _BY_NAME.get(name)
        if option is not None:
            i = _take_global(line, option, inline, argv, i + 1, is_service)
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
    line: CommandLine,
    option: GlobalOption,
    inline: str | None,
    argv: list[str],
    i: int,
    is_service: Callable[[str], bool],
) -> int:
    values = line.options.setdefault(option.name, [])
    if option.arity == "flag":
        if inline is not None:
            raise UsageError(f"{option.name} takes no value, got {inline!r}")
        return i
    if option.arity == "optional":
        if inline is None and i < len(argv) and argv[i] in option.choices:
            inline, i = argv[i], i + 1
        values.append(_checked(option, inline or option.choices[0]))
        return i
    if inline is not None:
        values.append(_checked(option, inline))
    elif i < len(argv) and argv[i] != "--" and not argv[i].startswith("--"):
        values.append(_checked(option, argv[i]))
        i += 1
    else:
        raise UsageError(f"{option.name} needs a value: {option.metavar}")
    if option.arity == "many" and inline is None:
        more = _MORE_WORDS[option.name]
        while i < len(argv) and more.match(argv[i]) and not is_service(argv[i]):
            values.append(argv[i])
            i += 1
    return i


def _checked(option: GlobalOption, value: str) -> str:
    if option.choices and value not in option.choices:
        raise UsageError(
            f"invalid {option.name} {value!r}; valid values: {', '.join(option.choices)}"
        )
    return value


def _take_param(
    line: CommandLine, name: str, inline: str | None, argv: list[str], i: int
) -> int:
    """A parameter takes every following word up to the next ``--option``; before
    ``<service> <operation>`` are both known, only one word (the rest are them)."""
    values = line.params.setdefault(name, [])
    if inline is not None:
        values.append(inline)
        return i
    most = len(argv) if len(line.words) >= 2 else i + 1
    while i < min(most, len(argv)) and not argv[i].startswith("--"):
        values.append(argv[i])
        i += 1
    return i


def split_values(line: CommandLine, name: str) -> list[str] | None:
    """``--regions a,b c`` -> ["a", "b", "c"] (also accounts, OUs): commas and spaces
    separate. None when the option is not given; a UsageError when it is given with
    nothing in it (``--regions ''``, ``--regions ,``): an empty list never means "all".
    """
    if name not in line.options:
        return None
    parts = [p.strip() for value in line.values(name) for p in value.split(",")]
    parts = [part for part in parts if part]
    if not parts:
        raise UsageError(f"{name} is empty: name at least one value")
    return parts


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


def positive_float(line: CommandLine, name: str, zero: bool = False) -> float | None:
    """A finite number of seconds above 0 (or 0 itself when ``zero``)."""
    text = line.value(name)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        lowest = "0 or more" if zero else "above 0"
        raise UsageError(
            f"{name} must be a finite number of seconds {lowest}, got {text!r}"
        )
    return number


def output_format(line: CommandLine, configured: str | None) -> str:
    """--output, else ``configured`` ($AWS_DEFAULT_OUTPUT, the profile's), else json."""
    fmt = line.value("--output") or configured or "json"
    if fmt not in OUTPUT_FORMATS:
        where = "--output" if line.value("--output") else "configured output"
        raise UsageError(
            f"unknown {where} {fmt!r}; valid formats: {', '.join(OUTPUT_FORMATS)}"
        )
    return fmt
