"""The base of every MultiRegion<Service> class: targets, validation and fan-out."""

from __future__ import annotations

import copy
import difflib
import functools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import boto3
import botocore
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ParamValidationError, UnknownServiceError
from botocore.model import OperationModel, ServiceModel
from botocore.validate import validate_parameters
from typing_extensions import Self

from ._clients import ClientCache
from ._errors import BotocoreTooOldError
from ._executor import Outcome, run_all
from ._regions import (
    RegionsArg,
    RegionSource,
    check_region,
    global_endpoint,
    partition_of_region,
    resolve_regions,
)
from ._results import RegionResult, RegionResults, error_code_of
from ._targets import Target

logger = logging.getLogger("multiregion")


@dataclass(frozen=True)
class CallOptions:
    """How a fan-out runs; set at construction or per call with ``with_options``."""

    max_workers: int | None = None
    timeout: float | None = None
    ignore_error_codes: frozenset[str] = frozenset()


class MultiRegionClient:
    """Fans each operation of one AWS service out over many targets.

    ``regions`` is "all" or None (every region botocore's endpoint data offers the
    service in, in the session's partition; every region of the partition if the
    service is not listed there: see ``regions_source``), a region name, a list of
    names, or patterns such as "eu-*". Global services (IAM, Route 53, CloudFront,
    Organizations...) are called once per partition, at the partition endpoint, and
    their result's ``region`` is that endpoint's name (e.g. "aws-global").
    ``targets`` replaces ``regions`` with explicit Targets (accounts, endpoints).
    """

    _service_name: ClassVar[str]
    _generated_from: ClassVar[str | None] = None

    def __init__(
        self,
        regions: RegionsArg = None,
        *,
        session: boto3.Session | None = None,
        targets: Sequence[Target] | None = None,
        config: Config | None = None,
        max_workers: int | None = None,
        timeout: float | None = None,
        ignore_error_codes: Collection[str] = (),
    ) -> None:
        self._options = _check_options(
            CallOptions(), max_workers, timeout, ignore_error_codes
        )
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"config must be a botocore.config.Config, got {config!r}")
        self._clients = ClientCache(session, config)
        base = self._clients.base_session()
        self._model = _load_model(base, self.service_name, self._generated_from)
        self.partition = partition_of_region(base.region_name or "") or "aws"
        if targets is not None:
            if regions is not None:
                raise ValueError("pass either regions= or targets=, not both")
            self.targets = self._check_targets(targets)
            self.regions_source: RegionSource = "explicit"
        else:
            resolved = resolve_regions(regions, self._endpoint_prefix, self.partition)
            self.targets = tuple(Target(region=r) for r in resolved.regions)
            self.regions_source = resolved.source

    @property
    def service_name(self) -> str:
        """botocore's name of the service ("sqs", "sdb", "lambda")."""
        return self._service_name

    @property
    def regions(self) -> list[str]:
        """The distinct regions of the targets, in target order."""
        return list(dict.fromkeys(t.region for t in self.targets))

    @property
    def clients_created(self) -> int:
        return self._clients.created

    @property
    def _endpoint_prefix(self) -> str:
        return str(self._model.endpoint_prefix or self.service_name)

    def with_options(
        self,
        *,
        max_workers: int | None = None,
        timeout: float | None = None,
        ignore_error_codes: Collection[str] | None = None,
    ) -> Self:
        """A copy that runs calls with these options and shares this one's clients."""
        clone = copy.copy(self)
        clone._options = _check_options(
            self._options, max_workers, timeout, ignore_error_codes
        )
        return clone

    def with_targets(self, targets: Sequence[Target]) -> Self:
        """A copy limited to (or moved to) ``targets``, sharing this one's clients."""
        clone = copy.copy(self)
        clone.targets = self._check_targets(targets)
        return clone

    def client_for(self, target: Target) -> BaseClient:
        """The boto3 client that calls go through for ``target`` (cached)."""
        return self._clients.client(self.service_name, target)

    def _call(self, operation_name: str, params: dict[str, Any]) -> RegionResults[Any]:
        """Validate ``params`` once, then call the operation in every target."""
        operation = self._operation_model(operation_name)
        _validate(params, operation)
        method = botocore.xform_name(operation_name)
        tasks = [
            functools.partial(self._call_one, target, method, params)
            for target in self.targets
        ]
        outcomes = run_all(
            tasks, max_workers=self._options.max_workers, timeout=self._options.timeout
        )
        return RegionResults(
            self._result(target, outcome)
            for target, outcome in zip(self.targets, outcomes)
        )

    def _call_one(self, target: Target, method: str, params: dict[str, Any]) -> Any:
        client = self.client_for(target)
        # A shallow copy per target: some botocore handlers rewrite top-level params.
        return getattr(client, method)(**dict(params))

    def _result(self, target: Target, outcome: Outcome[Any]) -> RegionResult[Any]:
        skipped = False
        if outcome.error is not None:
            code = error_code_of(outcome.error)
            skipped = code is not None and code in self._options.ignore_error_codes
            logger.debug(
                "%s %s: %s%s",
                self.service_name,
                target.name,
                type(outcome.error).__name__,
                f" {code}" if code else "",
            )
        return RegionResult(
            target, outcome.value, outcome.error, outcome.elapsed, skipped
        )

    def _operation_model(self, operation_name: str) -> OperationModel:
        if operation_name not in self._model.operation_names:
            raise BotocoreTooOldError(
                f"{type(self).__name__}: the installed botocore {botocore.__version__} has no "
                f"operation {operation_name!r} in service {self.service_name!r}; this code "
                f"was generated from botocore {self._generated_from or '?'}: upgrade botocore"
            )
        return self._model.operation_model(operation_name)

    def _check_targets(self, targets: Sequence[Target]) -> tuple[Target, ...]:
        if isinstance(targets, Target) or not isinstance(targets, Sequence):
            raise TypeError(f"targets must be a list of Target, got {targets!r}")
        if not targets:
            raise ValueError("targets is empty: name at least one Target")
        checked: list[Target] = []
        for target in targets:
            if not isinstance(target, Target):
                raise TypeError(f"targets must hold Target objects, got {target!r}")
            target = self._at_global_endpoint(target)
            if target.endpoint_url is None and target.region != self._global_name:
                check_region(target.region, self.partition)
            if target not in checked:  # a global service is called once per source
                checked.append(target)
        return tuple(checked)

    @property
    def _global_name(self) -> str | None:
        return global_endpoint(self._endpoint_prefix, self.partition)

    def _at_global_endpoint(self, target: Target) -> Target:
        name = self._global_name
        if name is None or target.endpoint_url is not None:
            return target
        return replace(target, region=name)

    def __repr__(self) -> str:
        shown = ", ".join(t.name for t in self.targets[:5])
        more = f", ... ({len(self.targets)} in all)" if len(self.targets) > 5 else ""
        return f"{type(self).__name__}(targets=[{shown}{more}])"


def _load_model(
    session: boto3.Session, service: str, generated_from: str | None
) -> ServiceModel:
    try:
        return session._session.get_service_model(service)
    except UnknownServiceError:
        if generated_from is not None:
            raise BotocoreTooOldError(
                f"the installed botocore {botocore.__version__} has no service {service!r}; "
                f"this code was generated from botocore {generated_from}: upgrade botocore"
            ) from None
        known = session.get_available_services()
        close = difflib.get_close_matches(service, known, n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown service {service!r}{hint}") from None


def _validate(params: dict[str, Any], operation: OperationModel) -> None:
    """botocore's own validator, once per call: one error, and nothing sent."""
    if operation.input_shape is None:
        if params:
            raise ParamValidationError(
                report=f"{operation.name} takes no parameters, got: {', '.join(params)}"
            )
        return
    validate_parameters(params, operation.input_shape)


def _check_options(
    base: CallOptions,
    max_workers: int | None,
    timeout: float | None,
    ignore_error_codes: Collection[str] | None,
) -> CallOptions:
    if max_workers is not None and (
        isinstance(max_workers, bool)
        or not isinstance(max_workers, int)
        or max_workers < 1
    ):
        raise ValueError(f"max_workers must be a positive integer, got {max_workers!r}")
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or timeout <= 0
    ):
        raise ValueError(
            f"timeout must be a positive number of seconds, got {timeout!r}"
        )
    codes = base.ignore_error_codes
    if ignore_error_codes is not None:
        if isinstance(ignore_error_codes, str) or not all(
            isinstance(c, str) for c in ignore_error_codes
        ):
            raise TypeError(
                "ignore_error_codes must be a collection of error code strings, "
                f"got {ignore_error_codes!r}"
            )
        codes = frozenset(ignore_error_codes)
    return CallOptions(
        max_workers if max_workers is not None else base.max_workers,
        timeout if timeout is not None else base.timeout,
        codes,
    )
