"""The sweep spec: which targets, then which calls; read from TOML or built in Python.

Everything is checked before any request, and every problem is reported at once
(``SweepSpecError``), each with close matches where there are any: unknown keys,
services, operations and regions, and parameters botocore's own validator refuses.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import hashlib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import botocore.session
from botocore import xform_name
from botocore.exceptions import UnknownServiceError
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

from ..data.schema import service_data, to_json
from ..targets.regions import check_region, known_regions, partition_of_region
from ..targets.target import check_endpoint_url

#: Table names: a letter first, then letters, digits and underscores (DuckDB, Hive
#: partitions and Athena all take them unquoted); ``_sweep`` names are bookkeeping.
_TABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_ACCOUNT = re.compile(r"^\d{12}$")

Kind = Literal["items", "call"]


class SweepSpecError(ValueError):
    """Every problem of a spec, one per line; nothing was sent."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the sweep spec has {count}; nothing was sent:\n{lines}")


@dataclass(frozen=True)
class SweepTargets:
    """Where every call goes: ``plan_targets``'s choices, with the same meaning."""

    regions: str | tuple[str, ...] | None = None
    profiles: tuple[str, ...] | None = None
    accounts: tuple[str, ...] | None = None
    organization: bool = False
    ous: tuple[str, ...] | None = None
    exclude_accounts: tuple[str, ...] | None = None
    role_name: str | None = None
    external_id: str | None = field(default=None, repr=False)
    endpoint_url: str | None = field(default=None, repr=False)
    enabled_regions_only: bool = False


@dataclass(frozen=True)
class SweepCall:
    """One operation in every target: its rows go to ``table`` (default
    ``<service>_<operation>``). ``regions`` limits it to those regions (names or
    patterns), e.g. ``["us-east-1"]`` for S3's ListBuckets once per account."""

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    regions: tuple[str, ...] | None = None
    table: str | None = None
    ignore_error_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckedCall:
    """A call the checks passed: botocore's operation name, its table, and whether
    it streams the items of a paginator or makes one plain call per target."""

    service: str
    operation: str
    params: Mapping[str, Any]
    regions: tuple[str, ...] | None
    table: str
    kind: Kind
    ignore_error_codes: tuple[str, ...]


@dataclass(frozen=True)
class SweepSpec:
    """Targets, then calls. ``SweepSpec.load("inventory.toml")`` reads one;
    ``check()`` validates it whole."""

    targets: SweepTargets
    calls: tuple[SweepCall, ...]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SweepSpec:
        """Read a TOML spec; SweepSpecError lists every problem (nothing is sent)."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise SweepSpecError(
                [f"cannot read {str(path)!r}: {error.strerror}"]
            ) from None
        return cls.from_toml(text)

    @classmethod
    def from_toml(cls, text: str) -> SweepSpec:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on 3.10 only
            import tomli as tomllib
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise SweepSpecError([f"not valid TOML: {error}"]) from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepSpec:
        """A spec from plain data (parsed TOML); checked whole before returning."""
        problems: list[str] = []
        _unknown_keys("the spec", data, ("targets", "calls"), problems)
        targets = _targets_from(data.get("targets", {}), problems)
        calls = _calls_from(data.get("calls"), problems)
        spec = cls(targets, tuple(calls))
        if problems:  # the model checks too, so that one message says everything
            problems += spec.problems(skip_structure=True)
            raise SweepSpecError(problems)
        spec.check()
        return spec

    def digest(self) -> str:
        """What identifies this spec (a resumed run must be of the same one)."""
        text = to_json(asdict(self)).encode()
        return hashlib.sha256(text).hexdigest()[:16]

    def check(
        self, session: botocore.session.Session | None = None
    ) -> list[CheckedCall]:
        """The calls, checked against botocore's models; SweepSpecError lists every
        problem at once."""
        problems = self.problems(session)
        if problems:
            raise SweepSpecError(problems)
        return [_checked(call) for call in self.calls]

    def problems(
        self,
        session: botocore.session.Session | None = None,
        skip_structure: bool = False,
    ) -> list[str]:
        """Every problem of the spec (empty: none)."""
        session = session or models_session()
        problems: list[str] = []
        problems += _target_problems(self.targets)
        if not skip_structure:
            if not self.calls:
                problems.append("calls: name at least one call ([[calls]])")
        tables: dict[str, int] = {}
        for number, call in enumerate(self.calls, 1):
            where = f"call {number} ({call.service} {call.operation})"
            problems += [f"{where}: {p}" for p in _call_problems(call, session)]
            if isinstance(call.service, str) and isinstance(call.operation, str):
                table = _table_of(call)
                # DuckDB matches names without case, even quoted: "Groups" is groups.
                same = str(table).lower()
                if same in tables:
                    problems.append(
                        f"{where}: table {table!r} is also call {tables[same]}'s "
                        '(case aside): give one of them another table = "..."'
                    )
                tables.setdefault(same, number)
        return problems


@functools.cache
def models_session() -> botocore.session.Session:
    """One botocore session for reading models: it loads each model once (a new
    session reads EC2's 4 MB of JSON again)."""
    return botocore.session.get_session()


# -- from plain data -----------------------------------------------------------------

_TARGET_KEYS = tuple(SweepTargets.__dataclass_fields__)
_CALL_KEYS = tuple(SweepCall.__dataclass_fields__)
_LISTS = ("profiles", "accounts", "ous", "exclude_accounts", "ignore_error_codes")


def _unknown_keys(
    where: str, data: Mapping[str, Any], known: Sequence[str], problems: list[str]
) -> None:
    for key in data:
        if key not in known:
            problems.append(f"{where}: unknown key {key!r}{_close(key, known)}")


def _close(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""


def _targets_from(data: Any, problems: list[str]) -> SweepTargets:
    if not isinstance(data, Mapping):
        problems.append(f"targets must be a table ([targets]), got {data!r}")
        return SweepTargets()
    _unknown_keys("targets", data, _TARGET_KEYS, problems)
    values = {k: v for k, v in data.items() if k in _TARGET_KEYS}
    for key, value in values.items():
        if isinstance(value, list):
            values[key] = tuple(value)
    return SweepTargets(**values)


def _calls_from(data: Any, problems: list[str]) -> list[SweepCall]:
    if not isinstance(data, list) or not data:
        problems.append("calls: name at least one call ([[calls]])")
        return []
    calls = []
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, Mapping):
            problems.append(f"call {number} must be a table, got {entry!r}")
            continue
        _unknown_keys(f"call {number}", entry, _CALL_KEYS, problems)
        values = {k: v for k, v in entry.items() if k in _CALL_KEYS}
        for key in ("service", "operation"):
            if key not in values:
                problems.append(f"call {number}: {key} is missing")
                values[key] = ""
        for key in ("regions", "ignore_error_codes"):
            if isinstance(values.get(key), list):
                values[key] = tuple(values[key])
        calls.append(SweepCall(**values))
    return calls


# -- checks ----------------------------------------------------------------------------


def _target_problems(targets: SweepTargets) -> list[str]:
    problems: list[str] = []
    for name in _LISTS:
        value = getattr(targets, name, None)
        if value is not None and not _is_strings(value):
            problems.append(f"targets.{name} must be a list of strings, got {value!r}")
    for name in ("accounts", "exclude_accounts"):
        value = getattr(targets, name)
        if _is_strings(value):
            bad = [a for a in value if not _ACCOUNT.match(a)]
            if bad:
                problems.append(f"targets.{name}: account ids are 12 digits: {bad}")
    for name in ("organization", "enabled_regions_only"):
        if not isinstance(getattr(targets, name), bool):
            problems.append(f"targets.{name} must be true or false")
    for name in ("role_name", "external_id"):  # the value may be secret: not shown
        if getattr(targets, name) is not None and not isinstance(
            getattr(targets, name), str
        ):
            problems.append(f"targets.{name} must be a string")
    if targets.organization and targets.accounts is not None:
        problems.append("targets: name accounts or organization = true, not both")
    uses_accounts = targets.organization or targets.accounts is not None
    if (targets.role_name or targets.ous or targets.exclude_accounts) and not (
        uses_accounts
    ):
        problems.append(
            "targets: role_name, ous and exclude_accounts need accounts or "
            "organization = true"
        )
    if uses_accounts and not targets.role_name:
        problems.append("targets: accounts and organization need role_name")
    if targets.ous and not targets.organization:
        problems.append("targets: ous need organization = true (they limit it)")
    if (
        uses_accounts
        and _is_strings(targets.profiles)
        and len(targets.profiles or ()) > 1
    ):
        problems.append("targets: accounts and organization take at most one profile")
    problems += _region_problems("targets.regions", targets.regions, allow_all=True)
    if targets.endpoint_url is not None:
        try:
            check_endpoint_url(targets.endpoint_url, "targets.endpoint_url")
        except ValueError as error:
            problems.append(str(error))
    return problems


def _is_strings(value: object) -> bool:
    return (
        isinstance(value, (list, tuple))
        and bool(value)
        and all(isinstance(v, str) and v.strip() for v in value)
    )


def _region_problems(where: str, regions: object, allow_all: bool) -> list[str]:
    if regions is None or (allow_all and regions == "all"):
        return []
    if isinstance(regions, str):
        regions = (regions,)
    if not _is_strings(regions):
        return [f"{where} must be a list of region names or patterns, got {regions!r}"]
    problems = []
    assert isinstance(regions, (list, tuple))
    for name in regions:
        if any(ch in name for ch in "*?["):
            if not fnmatch.filter(known_regions(), name):
                problems.append(f"{where}: pattern {name!r} matches no region")
            continue
        try:
            check_region(name, partition_of_region(name) or "aws")
        except ValueError as error:
            problems.append(f"{where}: {error}")
    return problems


def _call_problems(call: SweepCall, session: botocore.session.Session) -> list[str]:
    if not isinstance(call.service, str) or not isinstance(call.operation, str):
        return ["service and operation must be strings"]
    try:
        model = session.get_service_model(call.service)
    except UnknownServiceError:
        services = session.get_available_services()
        return [f"unknown service {call.service!r}{_close(call.service, services)}"]
    operation = operation_name(model, call.operation)
    if operation is None:
        names = list(model.operation_names)
        names += [xform_name(n) for n in names]
        return [f"unknown operation {call.operation!r}{_close(call.operation, names)}"]
    problems = _region_problems("regions", call.regions, allow_all=False)
    if call.table is not None and (
        not isinstance(call.table, str) or not _TABLE.match(call.table)
    ):
        problems.append(
            f"table {call.table!r} must be a letter, then letters, digits or _ "
            "(at most 63)"
        )
    if call.ignore_error_codes and not _is_strings(call.ignore_error_codes):
        problems.append("ignore_error_codes must be a list of error codes")
    if not isinstance(call.params, Mapping):
        return [*problems, f"params must be a table, got {call.params!r}"]
    return problems + _param_problems(model, operation, call.params)


def _param_problems(
    model: ServiceModel, operation: str, params: Mapping[str, Any]
) -> list[str]:
    """botocore's own validator, which reports every bad parameter at once."""
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return [f"{operation} takes no parameters"] if params else []
    report = ParamValidator().validate(dict(params), shape)
    if not report.has_errors():
        return []
    text = report.generate_report()
    names = list(shape.members)
    lines = []
    for line in text.splitlines():
        unknown = re.match(r'Unknown parameter in input: "(\w+)"', line)
        hint = _close(unknown.group(1), names) if unknown else ""
        lines.append(f"params: {line.split(', must be one of:')[0]}{hint}")
    return lines


def operation_name(model: ServiceModel, name: str) -> str | None:
    """botocore's name of ``name`` (PascalCase or snake_case), else None."""
    if name in model.operation_names:
        return name
    by_snake = {xform_name(n): n for n in model.operation_names}
    return by_snake.get(name)


def _table_of(call: SweepCall) -> str:
    if call.table:
        return call.table
    return f"{call.service}_{xform_name(call.operation)}".replace("-", "_").lower()


def _checked(call: SweepCall) -> CheckedCall:
    model = models_session().get_service_model(call.service)
    operation = operation_name(model, call.operation)
    assert operation is not None  # checked
    items = operation in service_data(call.service)["items"]
    # One region may be named alone (regions = "us-east-1"), as the checks allow.
    regions = (call.regions,) if isinstance(call.regions, str) else call.regions
    return CheckedCall(
        call.service,
        operation,
        dict(call.params),
        regions,
        _table_of(call),
        "items" if items else "call",
        tuple(call.ignore_error_codes),
    )
