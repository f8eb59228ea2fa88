"""One call from the command line: its options read and checked, its targets planned,
the call made (with the live progress line), then reported."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore
import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel, ServiceModel

from ..fanout.dynamic import DynamicService
from ..results.results import TargetResults
from ..targets.target import Target
from ._args import GLOBAL_OPTIONS, CommandLine, UsageError, output_format, split_values
from ._console import Console, use_color
from ._data_output import check_data_options, resume_state, write_data
from ._options import (
    binary_format,
    compile_query,
    configured,
    flatten_key_of,
    known_profiles,
    show_secrets_of,
    verify_of,
)
from ._output import Renderer, target_columns
from ._paging import (
    Paging,
    choose_paging,
    paginator_config,
    shadowed_options,
    starting_tokens,
)
from ._params import build_params, decode_blobs
from ._plan import dynamic_service, once_per_account, planned_targets
from ._progress import LiveLine, Tracker
from ._report import EXIT_OK, interrupted, report


def run_call(
    line: CommandLine,
    session: botocore.session.Session,
    model: ServiceModel,
    operation: OperationModel,
    console: Console,
) -> int:
    """Call ``operation`` in every target, print the results and the summary."""
    base = boto3.Session(botocore_session=session)
    profiles = split_values(line, "--profile")
    fmt = output_format(line, configured(base, profiles, "output"))
    query = compile_query(line.value("--query"))
    config = paginator_config(session, model.service_name, operation.name)
    params, paging = _params_and_paging(line, operation, config, base, profiles)
    show_secrets = show_secrets_of(line, model, operation)
    flatten_key = flatten_key_of(line, fmt)
    verify = verify_of(line, console)
    if not line.flag("--no-sign-request"):  # else no credentials are loaded at all
        for source in [base, *known_profiles(base, profiles)]:
            console.learn_credentials(source)
    check_data_options(line, fmt, paging.enabled, model.service_name, operation.name)
    if line.flag("--resume") and _nothing_to_resume(line, fmt, operation, console):
        return EXIT_OK
    # Planning may ask AWS (the organization): the checks above come first.
    plan = planned_targets(line, model.service_name, base, profiles, verify, console)
    plan = once_per_account(
        plan, line, model.service_name, operation.name, base, console
    )
    services = dynamic_service(line, model, base, plan, verify)
    tokens = starting_tokens(paging.starting_tokens, services.targets)
    tracker = Tracker(services.targets if not tokens else tuple(tokens))
    services = services.with_options(on_result=tracker.record)
    if line.value("--out") is not None:  # parquet, arrow, duckdb: rows to a file
        data_services = services

        def write() -> TargetResults[Any]:
            return write_data(
                line,
                data_services,
                operation.name,
                params,
                paging.enabled,
                paging.max_items,
                paging.page_size,
            )

        return _call_and_report(line, write, tracker, None, console, paging, config)
    renderer = Renderer(
        fmt,
        operation.name,
        target_columns(services.targets),
        query,
        console.redact,
        flatten_key=flatten_key,
        show_secrets=show_secrets,
        color=use_color(line.value("--color"), sys.stdout),
    )
    call = functools.partial(_call, services, operation, params, paging, tokens)
    if tokens and len(tokens) < len(services.targets):
        console.err(f"resuming {len(tokens)} of {len(services.targets)} targets")
    return _call_and_report(line, call, tracker, renderer, console, paging, config)


def _nothing_to_resume(
    line: CommandLine, fmt: str, operation: OperationModel, console: Console
) -> bool:
    """--resume: says whether --out holds a stopped run; True when it holds a finished
    one (then nothing is sent: resuming it would fetch everything again)."""
    state = resume_state(line, fmt, operation.name)
    if state == "finished":
        console.err(
            f"nothing to resume: {line.value('--out')} holds a finished run "
            "(without --resume, everything is fetched again)"
        )
        return True
    if state == "none":
        console.err(f"no stopped run in {line.value('--out')}: fetching everything")
    return False


def _call(
    services: DynamicService,
    operation: OperationModel,
    params: dict[str, Any],
    paging: Paging,
    tokens: dict[Target, str],
) -> TargetResults[Any]:
    """One call per target, or every page (from the --starting-token given)."""
    if not paging.enabled:
        return services.call(operation.name, **params)
    return services.paginate(
        operation.name,
        max_items=paging.max_items,
        page_size=paging.page_size,
        starting_tokens=tokens or None,
        **params,
    )


def _params_and_paging(
    line: CommandLine,
    operation: OperationModel,
    config: dict[str, Any] | None,
    base: boto3.Session,
    profiles: list[str] | None,
) -> tuple[dict[str, Any], Paging]:
    """The API parameters and how to page, each decided once."""
    known = [option.name for option in GLOBAL_OPTIONS]
    cli_input = line.value("--cli-input-json")
    params = build_params(operation, line.params, cli_input, known)
    shadowed = shadowed_options(line, operation)
    paging = choose_paging(line, config, params, shadowed)
    if shadowed and not paging.enabled:  # Route 53's --max-items: the operation's own
        raw = {**line.params, **{name: line.values(name) for name in shadowed}}
        params = build_params(operation, raw, cli_input, known)
    if binary_format(line, base, profiles) == "base64":
        params = decode_blobs(params, operation.input_shape)
    return params, paging


def _call_and_report(
    line: CommandLine,
    call: Callable[[], TargetResults[Any]],
    tracker: Tracker,
    renderer: Renderer | None,
    console: Console,
    paging: Paging,
    config: dict[str, Any] | None,
) -> int:
    """Make the call, with the live line on a terminal; report it (or, on Ctrl-C,
    what had finished)."""
    live = None
    if sys.stderr.isatty() and not line.flag("--no-progress"):
        live = LiveLine(tracker, sys.stderr)
        live.start()
    start = time.monotonic()
    try:
        results = call()
    except ParamValidationError as error:
        raise UsageError(str(error)) from None
    except ConnectionError as error:  # --executor's scheduler: nothing was sent
        raise UsageError(str(error)) from None
    except KeyboardInterrupt:
        if live is not None:
            live.stop()
        return interrupted(tracker, renderer, console, time.monotonic() - start)
    finally:
        if live is not None:
            live.stop()
    return report(line, results, renderer, console, paging, config, start)
