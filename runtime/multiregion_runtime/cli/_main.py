"""``multiregion <service> <operation> [--parameter value ...]``: the AWS CLI, fanned out.

Exit codes: 0 every target succeeded (or only skipped ones failed, or
``--allow-errors``), 1 some target failed, 2 usage error (nothing was sent),
130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import boto3
import botocore.session
import jmespath  # type: ignore[import-untyped]  # botocore depends on it
from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel, ServiceModel
from botocore.utils import is_valid_endpoint_url

from .. import __version__
from .._dynamic import DynamicService
from .._planning import (
    TargetPlan,
    account_targets,
    only_enabled_regions,
    organization_targets,
)
from .._results import TargetResult, TargetResults
from .._secrets import Redactor
from .._targets import Target
from ._args import (
    GLOBAL_OPTIONS,
    CommandLine,
    UsageError,
    output_format,
    positive_float,
    positive_int,
    split_command_line,
    split_values,
)
from ._data_output import check_data_options, write_data
from ._help import (
    USAGE,
    can_paginate,
    find_operation,
    find_service,
    operation_help,
    service_help,
    top_help,
)
from ._output import Renderer, error_fields, target_columns
from ._params import build_params
from ._progress import LiveLine, Tracker

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


_redact = Redactor()


def _err(text: str) -> None:
    sys.stderr.write(_redact(text) + "\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: run one command line, return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        _redact.add(os.environ.get(name))
    try:
        return _dispatch(split_command_line(args))
    except UsageError as error:
        _err(f"multiregion: error: {error}\n{USAGE}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `multiregion help | head`: the reader has gone
        _silence_stdout()
        return EXIT_OK


def _dispatch(line: CommandLine) -> int:
    """Help, version or a call, depending on the words given."""
    if line.flag("--version"):
        print(f"multiregion {__version__} (botocore {botocore.__version__})")
        return EXIT_OK
    if line.flag("--debug"):
        _enable_debug_logging()
    session = botocore.session.get_session()
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
    return _run(line, session, model, operation)


def _print(text: str) -> int:
    print(text)
    return EXIT_OK


def _run(
    line: CommandLine,
    session: botocore.session.Session,
    model: ServiceModel,
    operation: OperationModel,
) -> int:
    """Call ``operation`` in every target, print the results and the summary."""
    fmt = output_format(line)
    query = _compile_query(line.value("--query"))
    known = [option.name for option in GLOBAL_OPTIONS]
    params = build_params(operation, line.params, line.value("--cli-input-json"), known)
    max_items = positive_int(line, "--max-items")
    if max_items is not None and not line.flag("--paginate"):
        raise UsageError("--max-items needs --paginate")
    # Like the AWS CLI, --paginate is a no-op for an operation that has no pages.
    paginate = line.flag("--paginate") and can_paginate(
        session, model.service_name, operation.name
    )
    services = _dynamic_service(line, boto3.Session(botocore_session=session), model)
    tracker = Tracker(services.targets)
    services = services.with_options(on_result=tracker.record)
    check_data_options(line, fmt, paginate)
    if line.value("--out") is not None:  # parquet, arrow, duckdb: rows to a file
        data_services = services

        def write() -> TargetResults[Any]:
            return write_data(
                line, data_services, operation.name, params, paginate, max_items
            )

        return _call_and_report(line, write, tracker, None)
    columns = target_columns(services.targets)
    renderer = Renderer(fmt, operation.name, columns, query, _redact)

    def call() -> TargetResults[Any]:
        if paginate:
            return services.paginate(operation.name, max_items=max_items, **params)
        return services.call(operation.name, **params)

    return _call_and_report(line, call, tracker, renderer)


def _compile_query(expression: str | None) -> Callable[[Any], Any] | None:
    if expression is None:
        return None
    try:
        compiled = jmespath.compile(expression)
    except jmespath.exceptions.ParseError as error:
        raise UsageError(f"invalid --query {expression!r}: {error}") from None
    return compiled.search  # type: ignore[no-any-return]


def _dynamic_service(
    line: CommandLine, session: boto3.Session, model: ServiceModel
) -> DynamicService:
    """The targets: each profile (or the default credentials) x each region."""
    profiles = line.values("--profile")
    _check_profiles(session, profiles)
    regions: list[str] | str | None = split_values(line.values("--regions")) or None
    if regions is not None and "all" in regions:
        regions = "all"
    endpoint = line.value("--endpoint-url")
    if endpoint is not None:  # http://user:password@host: errors quote the URL
        _redact.add_endpoint(endpoint)
        if not is_valid_endpoint_url(endpoint):  # botocore's own check, before any call
            raise UsageError(
                f"invalid --endpoint-url {endpoint!r}: expected http(s)://host"
            )
    codes = [c for v in line.values("--ignore-error-codes") for c in v.split(",") if c]
    try:
        services = DynamicService(
            model.service_name,
            regions=regions,
            session=session,
            max_workers=positive_int(line, "--max-workers"),
            timeout=positive_float(line, "--timeout"),
            ignore_error_codes=codes,
        )
        account_plan = _account_plan(line, session, services.regions, profiles)
        if account_plan is not None:
            return services.with_targets(
                [replace(t, endpoint_url=endpoint) for t in account_plan]
            )
        if endpoint is None and not profiles:
            return services
        sources: list[str | None] = [*profiles] or [None]
        return services.with_targets(
            [
                Target(region=region, endpoint_url=endpoint, profile=profile)
                for profile in sources
                for region in services.regions
            ]
        )
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None


def _account_plan(
    line: CommandLine, session: boto3.Session, regions: list[str], profiles: list[str]
) -> list[Target] | None:
    """Targets from --accounts or --organization (None when neither is given).

    Accounts and regions left out (suspended, excluded, region not enabled) are
    listed on stderr: never silently.
    """
    accounts = split_values(line.values("--accounts"))
    organization = line.flag("--organization")
    if not accounts and not organization:
        return None
    role = line.value("--role-name")
    if role is None:
        raise UsageError("--accounts and --organization need --role-name NAME")
    if len(profiles) > 1:
        raise UsageError("--accounts and --organization take at most one --profile")
    base = boto3.Session(profile_name=profiles[0]) if profiles else session
    external_id = line.value("--external-id")
    exclude = split_values(line.values("--exclude-accounts"))
    if organization:
        ous = split_values(line.values("--ous"))
        plan = organization_targets(
            base, regions, role, ous=ous, exclude=exclude, external_id=external_id
        )
    else:
        chosen = [a for a in accounts if a not in exclude]
        targets = account_targets(
            regions,
            chosen,
            role,
            profile=profiles[0] if profiles else None,
            external_id=external_id,
        )
        plan = TargetPlan(targets, {a: "excluded" for a in accounts if a in exclude})
    if line.flag("--enabled-regions-only"):
        enabled = only_enabled_regions(plan.targets, session=base)
        plan = TargetPlan(enabled.targets, {**plan.skipped, **enabled.skipped})
    for name, reason in plan.skipped.items():
        _err(f"skipped {name}: {reason}")
    if not plan.targets:
        raise UsageError("no targets left to call (see the skipped lines above)")
    return plan.targets


def _check_profiles(session: boto3.Session, profiles: list[str]) -> None:
    known = session.available_profiles
    for profile in profiles:
        if profile not in known:
            listed = ", ".join(known) if known else "none are configured"
            raise UsageError(f"unknown profile {profile!r}; known profiles: {listed}")
    for source in [session, *(boto3.Session(profile_name=p) for p in profiles)]:
        _learn_secret(source)


def _learn_secret(session: boto3.Session) -> None:
    """Remember the session's secret so that no message or log can print it."""
    try:
        credentials = session.get_credentials()
    except Exception:  # noqa: BLE001 - no credentials: then each target reports it
        return
    if credentials is not None:
        _redact.add(credentials.access_key, credentials.secret_key, credentials.token)


def _call_and_report(
    line: CommandLine,
    call: Callable[[], TargetResults[Any]],
    tracker: Tracker,
    renderer: Renderer | None,
) -> int:
    live = None
    if sys.stderr.isatty() and not line.flag("--no-progress"):
        live = LiveLine(tracker, sys.stderr)
        live.start()
    start = time.monotonic()
    try:
        results = call()
    except ParamValidationError as error:
        raise UsageError(str(error)) from None
    except KeyboardInterrupt:
        if live is not None:
            live.stop()
        return _interrupted(tracker, renderer, time.monotonic() - start)
    finally:
        if live is not None:
            live.stop()
    if renderer is not None:  # None: the rows went to --out
        _write(renderer, results)
    _err(f"{results.summary()} in {time.monotonic() - start:.1f} s")
    _report_errors(results, line.flag("--debug"))
    failed = bool(results.errors())
    return EXIT_FAILED if failed and not line.flag("--allow-errors") else EXIT_OK


def _interrupted(tracker: Tracker, renderer: Renderer | None, elapsed: float) -> int:
    """Ctrl-C: print what had finished, say what had not, exit 130."""
    finished = TargetResults(tracker.finished())
    if renderer is not None:
        _write(renderer, finished)
    total = len(tracker.targets)
    failed = len(finished.errors())
    _err(
        f"interrupted after {elapsed:.1f} s: {len(finished)} of {total} targets "
        f"finished ({len(finished) - failed} ok, {failed} failed), "
        f"{total - len(finished)} did not"
    )
    _report_errors(finished, debug=False)
    return EXIT_INTERRUPTED


def _write(renderer: Renderer, results: Sequence[TargetResult[Any]]) -> None:
    try:
        renderer.write(results, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # `multiregion ... | head`: the reader has gone
        _silence_stdout()
    except jmespath.exceptions.JMESPathError as error:
        raise UsageError(f"--query failed: {error}") from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that exiting does not fail flushing it again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _report_errors(results: TargetResults[Any], debug: bool) -> None:
    """Each failed target's code and message; identical errors once, with their targets."""
    groups: dict[tuple[str, str], list[TargetResult[Any]]] = {}
    for result in results:
        if result.error is not None:
            fields = error_fields(result)
            groups.setdefault((fields["code"], fields["message"]), []).append(result)
    for (code, message), failed in groups.items():
        label = "skipped" if all(r.skipped for r in failed) else "error"
        names = [r.target.short_name for r in failed]
        where = names[0] if len(names) == 1 else f"{len(names)} targets"
        _err(f"  {label} {where}: {code}: {message}")
        if len(names) > 1:
            _err(f"    in {', '.join(names)}")
        if debug:
            error = failed[0].error
            assert error is not None
            _err("".join(traceback.format_exception(error)).rstrip())


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _redact(super().format(record))


def _enable_debug_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _RedactingFormatter("%(asctime)s %(threadName)s %(name)s: %(message)s")
    )
    for name in ("multiregion", "botocore", "boto3", "urllib3"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
