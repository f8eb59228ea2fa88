"""``multiregion <service> <operation> [--parameter value ...]``: the AWS CLI, fanned out.

Dispatch: help, version, a skeleton, or a call (cli/_run.py). Exit codes: see
cli/_report.py."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence

import botocore
import botocore.session
from botocore.model import OperationModel

from .. import __version__
from ..planning import PlanningError
from ._args import CommandLine, UsageError, split_command_line
from ._console import Console, enable_debug_logging, silence, use_color
from ._help import (
    USAGE,
    can_paginate,
    find_operation,
    find_service,
    operation_help,
    service_help,
    service_name,
    top_help,
)
from ._output import jsonable
from ._params import skeleton
from ._report import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from ._run import run_call
from ._sweep import main as sweep_main


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: run one command line, return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    console = Console()  # one per run: what it learns to hide stays in this run
    console.learn_environment()
    if args[:1] == ["sweep"]:  # an inventory sweep has its own words: cli/_sweep.py
        return sweep_main(args[1:], console)
    try:
        session = botocore.session.get_session()
        line = split_command_line(args, _service_names(session))
        console.color = use_color(line.value("--color"), sys.stderr)
        return _dispatch(line, session, console)
    except UsageError as error:
        console.err(f"multiregion: error: {error}\n{USAGE}")
        return EXIT_USAGE
    except PlanningError as error:  # AWS refused to list the organization
        console.err(f"multiregion: {error}", alert=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        console.err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `multiregion help | head`: the reader has gone
        silence(sys.stdout)
        return EXIT_OK


def _service_names(session: botocore.session.Session) -> Callable[[str], bool]:
    """Whether a word is a service name; botocore's list is read only if asked."""
    names = functools.cache(lambda: frozenset(session.get_available_services()))
    return lambda word: service_name(word) in names()


def _dispatch(
    line: CommandLine, session: botocore.session.Session, console: Console
) -> int:
    """Help, version or a call, depending on the words given."""
    if line.flag("--version"):
        print(f"multiregion {__version__} (botocore {botocore.__version__})")
        return EXIT_OK
    if line.flag("--debug"):
        enable_debug_logging(console)
    words = [word for word in line.words if word != "help"]
    if len(words) > 2:
        raise UsageError(
            f"unexpected argument {words[2]!r} after the operation; "
            "parameters are written --name value"
        )
    if not words:
        if line.wants_help:
            return _print(top_help(session))
        raise UsageError("name a service and an operation ('multiregion help')")
    model = find_service(session, words[0])
    if len(words) == 1:
        if line.wants_help:
            return _print(service_help(model))
        raise UsageError(
            f"name an operation of {words[0]!r} "
            f"('multiregion {words[0]} help' lists them)"
        )
    operation = find_operation(model, words[1])
    if line.wants_help:
        pages = can_paginate(session, model.service_name, operation.name)
        return _print(operation_help(model, operation, pages))
    if line.options.get("--generate-cli-skeleton"):
        return _print_skeleton(operation, line.value("--generate-cli-skeleton"))
    return run_call(line, session, model, operation, console)


def _print(text: str) -> int:
    print(text)
    return EXIT_OK


def _print_skeleton(operation: OperationModel, which: str | None) -> int:
    """--generate-cli-skeleton: input for --cli-input-json, or one target's output."""
    if which == "output":
        entry = {"region": "REGION", "result": skeleton(operation.output_shape, True)}
        return _print(json.dumps(jsonable([entry]), indent=2))
    return _print(
        json.dumps(jsonable(skeleton(operation.input_shape, False)), indent=2)
    )
