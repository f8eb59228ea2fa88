"""``multiregion <service> <operation> [--parameter value ...]``: the AWS CLI, fanned out.

Exit codes: 0 every target succeeded (or only skipped ones failed, or
``--allow-errors``), 1 some target failed (or listing the organization did), 2 usage
error (nothing was sent), 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.session
import jmespath  # type: ignore[import-untyped]  # botocore depends on it
from botocore.config import Config
from botocore.exceptions import ParamValidationError, ProfileNotFound
from botocore.model import OperationModel, ServiceModel

from .. import __version__
from ..clients.ratelimit import RateLimitsArg, parse_rate_limit
from ..fanout.dynamic import DynamicService
from ..planning import PlanningError, TargetPlan, plan_targets
from ..results.results import TargetResult, TargetResults
from ._args import (
    BINARY_FORMATS,
    GLOBAL_OPTIONS,
    CommandLine,
    UsageError,
    output_format,
    positive_float,
    positive_int,
    split_command_line,
    split_values,
)
from ._console import Console, silence, use_color
from ._data_output import check_data_options, resume_state, write_data
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
from ._output import (
    CREDENTIAL_OPERATIONS,
    Renderer,
    error_fields,
    jsonable,
    target_columns,
)
from ._paging import (
    Paging,
    choose_paging,
    paginator_config,
    shadowed_options,
    starting_tokens,
    truncation_notes,
)
from ._params import build_params, decode_blobs, skeleton
from ._progress import LiveLine, Tracker

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: run one command line, return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    console = Console()  # one per run: what it learns to hide stays in this run
    console.learn_environment()
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


def _rate_limits(line: CommandLine) -> RateLimitsArg:
    """``--rate-limit ec2:mutating=20/2 --rate-limit sqs=none``, or ``off``."""
    specs = line.values("--rate-limit")
    if "off" in specs:
        return False
    try:
        return dict(parse_rate_limit(spec) for spec in specs) or None
    except ValueError as error:
        raise UsageError(f"--rate-limit: {error}") from None


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
        _enable_debug_logging(console)
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
    return _run(line, session, model, operation, console)


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


def _run(
    line: CommandLine,
    session: botocore.session.Session,
    model: ServiceModel,
    operation: OperationModel,
    console: Console,
) -> int:
    """Call ``operation`` in every target, print the results and the summary."""
    base = boto3.Session(botocore_session=session)
    profiles = split_values(line, "--profile")
    fmt = output_format(line, _configured(base, profiles, "output"))
    query = _compile_query(line.value("--query"))
    config = paginator_config(session, model.service_name, operation.name)
    params, paging = _params_and_paging(line, operation, config, base, profiles)
    show_secrets = _show_secrets(line, model, operation)
    flatten_key = _flatten_key(line, fmt)
    verify = _verify(line, console)
    if not line.flag("--no-sign-request"):  # else no credentials are loaded at all
        for source in [base, *_known_profiles(base, profiles)]:
            console.learn_credentials(source)
    check_data_options(line, fmt, paging.enabled, model.service_name, operation.name)
    if line.flag("--resume"):
        state = resume_state(line, fmt, operation.name)
        if state == "finished":  # nothing sent: the file is already whole
            console.err(
                f"nothing to resume: {line.value('--out')} holds a finished run "
                "(without --resume, everything is fetched again)"
            )
            return EXIT_OK
        if state == "none":
            console.err(f"no stopped run in {line.value('--out')}: fetching everything")
    # Planning may ask AWS (the organization): the checks above come first.
    plan = _plan(line, model.service_name, base, profiles, verify, console)
    services = _dynamic_service(line, model, base, plan, verify)
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

    def call() -> TargetResults[Any]:
        if not paging.enabled:
            return services.call(operation.name, **params)
        return services.paginate(
            operation.name,
            max_items=paging.max_items,
            page_size=paging.page_size,
            starting_tokens=tokens or None,
            **params,
        )

    if tokens and len(tokens) < len(services.targets):
        console.err(f"resuming {len(tokens)} of {len(services.targets)} targets")
    return _call_and_report(line, call, tracker, renderer, console, paging, config)


def _configured(
    base: boto3.Session, profiles: list[str] | None, name: str
) -> str | None:
    """A setting of the AWS CLI's: $AWS_DEFAULT_<NAME>, else the profile's (the first
    --profile, else $AWS_PROFILE or default)."""
    if name == "output" and os.environ.get("AWS_DEFAULT_OUTPUT"):
        return os.environ["AWS_DEFAULT_OUTPUT"]
    try:
        source = base._session
        if profiles:
            source = boto3.Session(profile_name=profiles[0])._session
        value = source.get_scoped_config().get(name)
    except ProfileNotFound:  # reported as a usage error by the planning
        return None
    return str(value) if value is not None else None


def _known_profiles(
    base: boto3.Session, profiles: list[str] | None
) -> list[boto3.Session]:
    known = set(base.available_profiles)
    return [boto3.Session(profile_name=p) for p in profiles or () if p in known]


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
    if _binary_format(line, base, profiles) == "base64":
        params = decode_blobs(params, operation.input_shape)
    return params, paging


def _binary_format(
    line: CommandLine, base: boto3.Session, profiles: list[str] | None
) -> str:
    fmt = line.value("--cli-binary-format") or _configured(
        base, profiles, "cli_binary_format"
    )
    if fmt is None:
        return "base64"
    if fmt not in BINARY_FORMATS:  # from the profile (the option's value is checked)
        raise UsageError(
            f"invalid cli_binary_format {fmt!r} in the profile; valid values: "
            f"{', '.join(BINARY_FORMATS)}"
        )
    return fmt


def _flatten_key(line: CommandLine, fmt: str) -> str | None:
    key = line.value("--flatten")
    if key is not None and fmt in ("json", "text"):
        raise UsageError(
            "--flatten makes rows: use it with --output csv, table or jsonl "
            "(text already prints a line per element, as the AWS CLI does)"
        )
    return key


def _show_secrets(
    line: CommandLine, model: ServiceModel, operation: OperationModel
) -> bool:
    if not line.flag("--show-secrets"):
        return False
    if (model.service_name, operation.name) not in CREDENTIAL_OPERATIONS:
        calls = sorted(
            f"{s} {botocore.xform_name(o, '-')}" for s, o in CREDENTIAL_OPERATIONS
        )
        raise UsageError(
            "--show-secrets is for calls that return credentials: " + ", ".join(calls)
        )
    return True


def _verify(line: CommandLine, console: Console) -> bool | str | None:
    """botocore's ``verify``: False (--no-verify-ssl), a CA bundle, or its default."""
    bundle = line.value("--ca-bundle")
    if line.flag("--no-verify-ssl"):
        if bundle is not None:
            raise UsageError("--no-verify-ssl and --ca-bundle: choose one")
        # One line here instead of urllib3's warning for every request.
        warnings.filterwarnings("ignore", message="Unverified HTTPS request")
        console.err("warning: TLS certificates are not checked (--no-verify-ssl)")
        return False
    if bundle is not None and not Path(bundle).expanduser().is_file():
        raise UsageError(f"--ca-bundle {bundle!r}: no such file")
    return str(Path(bundle).expanduser()) if bundle is not None else None


def _plan(
    line: CommandLine,
    service: str,
    base: boto3.Session,
    profiles: list[str] | None,
    verify: bool | str | None,
    console: Console,
) -> TargetPlan:
    """The command line's planning choices, converted once; the library plans.

    Whatever the plan left out (suspended or excluded accounts, regions not
    enabled) is listed on stderr: never silently.
    """
    regions = split_values(line, "--regions")
    endpoint = line.value("--endpoint-url")
    if endpoint is not None:  # http://user:password@host: errors quote the URL
        console.redact.add_endpoint(endpoint)
    try:
        plan = plan_targets(
            service,
            regions="all" if regions and "all" in regions else regions,
            profiles=profiles,
            accounts=split_values(line, "--accounts"),
            organization=line.flag("--organization"),
            ous=split_values(line, "--ous"),
            exclude_accounts=split_values(line, "--exclude-accounts"),
            role_name=line.value("--role-name"),
            external_id=line.value("--external-id"),
            endpoint_url=endpoint,
            enabled_regions_only=line.flag("--enabled-regions-only"),
            session=base,
            verify=verify,
        )
    except (ValueError, TypeError) as error:
        raise UsageError(_as_options(str(error))) from None
    for name, reason in plan.skipped.items():
        console.err(f"skipped {name}: {reason}")
    if not plan.targets:
        raise UsageError("no targets left to call (see the skipped lines above)")
    return plan


# The library's names for the planning choices, as the command line spells them.
_OPTION_NAMES = {
    "role_name": "--role-name",
    "exclude_accounts": "--exclude-accounts",
    "endpoint_url": "--endpoint-url",
    "accounts": "--accounts",
    "organization": "--organization",
    "ous": "--ous",
}
_LIBRARY_NAMES = re.compile(r"(?<![\w-])(" + "|".join(_OPTION_NAMES) + r")\b")


def _as_options(message: str) -> str:
    """A planning error, worded with the options the user typed."""
    return _LIBRARY_NAMES.sub(lambda match: _OPTION_NAMES[match.group(1)], message)


def _dynamic_service(
    line: CommandLine,
    model: ServiceModel,
    base: boto3.Session,
    plan: TargetPlan,
    verify: bool | str | None,
) -> DynamicService:
    codes = [c for v in line.values("--ignore-error-codes") for c in v.split(",") if c]
    try:
        return DynamicService(
            model.service_name,
            targets=plan,
            session=base,
            config=_client_config(line),
            verify=verify,
            max_workers=positive_int(line, "--max-workers"),
            timeout=positive_float(line, "--timeout"),
            ignore_error_codes=codes,
            rate_limits=_rate_limits(line),
            executor=line.value("--executor"),
        )
    except (ValueError, TypeError, ImportError) as error:  # ImportError: no dask extra
        raise UsageError(str(error)) from None


def _client_config(line: CommandLine) -> Config | None:
    """botocore Config from the command line's options (None: the runtime's own).

    --cli-connect-timeout / --cli-read-timeout mean what they mean in the AWS CLI
    (seconds per attempt; 0: no limit, still cut to the deadline's time left).
    """
    chosen: dict[str, Any] = {}
    if line.flag("--no-sign-request"):
        chosen["signature_version"] = botocore.UNSIGNED
    for key, option in (
        ("connect_timeout", "--cli-connect-timeout"),
        ("read_timeout", "--cli-read-timeout"),
    ):
        value = positive_float(line, option, zero=True)
        if value is not None:
            chosen[key] = value or None
    return Config(**chosen) if chosen else None


def _compile_query(expression: str | None) -> Callable[[Any], Any] | None:
    if expression is None:
        return None
    try:
        compiled = jmespath.compile(expression)
    except jmespath.exceptions.ParseError as error:
        raise UsageError(f"invalid --query {expression!r}: {error}") from None
    return compiled.search  # type: ignore[no-any-return]


def _call_and_report(
    line: CommandLine,
    call: Callable[[], TargetResults[Any]],
    tracker: Tracker,
    renderer: Renderer | None,
    console: Console,
    paging: Paging,
    config: dict[str, Any] | None,
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
    except ConnectionError as error:  # --executor's scheduler: nothing was sent
        raise UsageError(str(error)) from None
    except KeyboardInterrupt:
        if live is not None:
            live.stop()
        return _interrupted(tracker, renderer, console, time.monotonic() - start)
    finally:
        if live is not None:
            live.stop()
    if renderer is not None:  # None: the rows went to --out
        _write(renderer, results)
    resume = results.resume_tokens() if paging.max_items else {}
    for note in truncation_notes(results, paging, config, resume):
        console.err(note)
    if renderer is not None and renderer.nested_columns and not renderer.flatten_key:
        first = renderer.nested_columns[0]
        console.err(
            f"hint: column {first} holds a list; --flatten {first} gives one row "
            "per element"
        )
    attempts, throttled, waited = results.call_totals()
    console.err(
        f"{results.summary()} in {time.monotonic() - start:.1f} s "
        f"({attempts} requests, {throttled} throttled, {waited:.1f} s rate-limited)"
    )
    _report_errors(results, line.flag("--debug"), console)
    failed = bool(results.errors())
    return EXIT_FAILED if failed and not line.flag("--allow-errors") else EXIT_OK


def _interrupted(
    tracker: Tracker, renderer: Renderer | None, console: Console, elapsed: float
) -> int:
    """Ctrl-C: print what had finished, say what had not, exit 130."""
    finished = TargetResults(tracker.finished())
    if renderer is not None:
        _write(renderer, finished)
    total = len(tracker.targets)
    failed = len(finished.errors())
    console.err(
        f"interrupted after {elapsed:.1f} s: {len(finished)} of {total} targets "
        f"finished ({len(finished) - failed} ok, {failed} failed), "
        f"{total - len(finished)} did not"
    )
    _report_errors(finished, False, console)
    return EXIT_INTERRUPTED


def _write(renderer: Renderer, results: Sequence[TargetResult[Any]]) -> None:
    try:
        renderer.write(results, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # `multiregion ... | head`: the reader has gone
        silence(sys.stdout)
    except jmespath.exceptions.JMESPathError as error:
        raise UsageError(f"--query failed: {error}") from None


def _report_errors(results: TargetResults[Any], debug: bool, console: Console) -> None:
    """Each failed target's code and message; identical errors once, with their targets."""
    groups: dict[tuple[str, str], list[TargetResult[Any]]] = {}
    for result in results:
        if result.error is not None:
            fields = error_fields(result)
            groups.setdefault((fields["code"], fields["message"]), []).append(result)
    for (code, message), failed in groups.items():
        skipped = all(r.skipped for r in failed)
        label = "skipped" if skipped else "error"
        names = [r.target.short_name for r in failed]
        where = names[0] if len(names) == 1 else f"{len(names)} targets"
        console.err(f"  {label} {where}: {code}: {message}", alert=not skipped)
        if len(names) > 1:
            console.err(f"    in {', '.join(names)}")
        if debug:
            error = failed[0].error
            assert error is not None
            console.err("".join(traceback.format_exception(error)).rstrip())


class _RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, redact: Callable[[str], str]) -> None:
        super().__init__(fmt)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def _enable_debug_logging(console: Console) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _RedactingFormatter(
            "%(asctime)s %(threadName)s %(name)s: %(message)s", console.redact
        )
    )
    for name in ("multiregion", "botocore", "boto3", "urllib3"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
