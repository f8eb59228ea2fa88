"""The command line's options read into what the library takes: settings of the
AWS CLI's configuration, TLS, botocore Config, rate limits, --query, --show-secrets."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.session
import jmespath  # type: ignore[import-untyped]  # botocore depends on it
from botocore.config import Config
from botocore.exceptions import ProfileNotFound
from botocore.model import OperationModel, ServiceModel

from ..clients.ratelimit import RateLimitsArg, parse_rate_limit
from ._args import BINARY_FORMATS, CommandLine, UsageError, positive_float
from ._console import Console
from ._output import CREDENTIAL_OPERATIONS


def configured(
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


def known_profiles(
    base: boto3.Session, profiles: list[str] | None
) -> list[boto3.Session]:
    known = set(base.available_profiles)
    return [boto3.Session(profile_name=p) for p in profiles or () if p in known]


def binary_format(
    line: CommandLine, base: boto3.Session, profiles: list[str] | None
) -> str:
    fmt = line.value("--cli-binary-format") or configured(
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


def flatten_key_of(line: CommandLine, fmt: str) -> str | None:
    key = line.value("--flatten")
    if key is not None and fmt in ("json", "text"):
        raise UsageError(
            "--flatten makes rows: use it with --output csv, table or jsonl "
            "(text already prints a line per element, as the AWS CLI does)"
        )
    return key


def show_secrets_of(
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


def verify_of(line: CommandLine, console: Console) -> bool | str | None:
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


def rate_limits(line: CommandLine) -> RateLimitsArg:
    """``--rate-limit ec2:mutating=20/2 --rate-limit sqs=none``, or ``off``."""
    specs = line.values("--rate-limit")
    if "off" in specs:
        return False
    try:
        return dict(parse_rate_limit(spec) for spec in specs) or None
    except ValueError as error:
        raise UsageError(f"--rate-limit: {error}") from None


def client_config(line: CommandLine) -> Config | None:
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


def compile_query(expression: str | None) -> Callable[[Any], Any] | None:
    if expression is None:
        return None
    try:
        compiled = jmespath.compile(expression)
    except jmespath.exceptions.ParseError as error:
        raise UsageError(f"invalid --query {expression!r}: {error}") from None
    return compiled.search  # type: ignore[no-any-return]
