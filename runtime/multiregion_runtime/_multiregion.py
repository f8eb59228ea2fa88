"""The base of every MultiRegion<Service> class: targets, validation and fan-out."""

from __future__ import annotations

import copy
import difflib
import functools
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import boto3
import botocore
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import (
    DataNotFoundError,
    ParamValidationError,
    UnknownServiceError,
)
from botocore.model import OperationModel, ServiceModel
from botocore.validate import validate_parameters
from botocore.waiter import SingleWaiterConfig, WaiterModel
from typing_extensions import Self

from ._client_cache import ClientCache
from ._errors import BotocoreTooOldError, botocore_advice
from ._executor import Outcome, run_all
from ._pagination import Items, OnPage, PagesThenError, paginate_full
from ._regions import (
    RegionsArg,
    RegionSource,
    check_region,
    global_endpoint,
    partition_of_region,
    resolve_regions,
)
from ._results import TargetResult, TargetResults, error_code_of
from ._targets import Target, TargetPlan

logger = logging.getLogger("multiregion")

#: Operations that answer for every region wherever they are called, and take a
#: parameter to limit them to one: each target passes its own region, so each item
#: appears once, under its own region (S3 ListBuckets lists every bucket from every
#: regional endpoint unless given BucketRegion).
REGION_FILTER_PARAMS: dict[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "BucketRegion"
}


@dataclass(frozen=True)
class CallOptions:
    """How a fan-out runs; set at construction or per call with ``with_options``."""

    max_workers: int | None = None
    timeout: float | None = None
    ignore_error_codes: frozenset[str] = frozenset()
    #: Called in the worker thread with each target's result as soon as it is known
    #: (progress displays, streaming); it must be quick and must not raise.
    on_result: Callable[[TargetResult[Any]], None] | None = None


class MultiRegionClient:
    """Fans each operation of one AWS service out over many targets.

    ``regions`` is "all" or None (every region botocore's endpoint data offers the
    service in, in the session's partition; every region of the partition if the
    service is not listed there: see ``regions_source``), a region name, a list of
    names, or patterns such as "eu-*". Global services (IAM, Route 53, CloudFront,
    Organizations...) are called once per partition, at the partition endpoint, and
    their result's ``region`` is that endpoint's name (e.g. "aws-global").
    ``targets`` replaces ``regions`` with explicit Targets (accounts, endpoints), or
    a TargetPlan (``plan_targets``). ``verify`` is botocore's: False skips TLS
    certificate checks, a path names the CA bundle to check them with.
    """

    _service_name: ClassVar[str]
    _generated_from: ClassVar[str | None] = None

    def __init__(
        self,
        regions: RegionsArg = None,
        *,
        session: boto3.Session | None = None,
        targets: Sequence[Target] | TargetPlan | None = None,
        config: Config | None = None,
        verify: bool | str | None = None,
        max_workers: int | None = None,
        timeout: float | None = None,
        ignore_error_codes: Collection[str] = (),
    ) -> None:
        self._options = _check_options(
            CallOptions(), max_workers, timeout, ignore_error_codes
        )
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"config must be a botocore.config.Config, got {config!r}")
        self._clients = ClientCache(session, config, verify)
        base = self._clients.base_session()
        self._botocore_session = base._session
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
    def session(self) -> boto3.Session:
        """The boto3 Session of targets that have no credentials of their own."""
        return self._clients.base_session()

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
        on_result: Callable[[TargetResult[Any]], None] | None = None,
    ) -> Self:
        """A copy that runs calls with these options and shares this one's clients."""
        clone = copy.copy(self)
        clone._options = _check_options(
            self._options, max_workers, timeout, ignore_error_codes
        )
        if on_result is not None:
            if not callable(on_result):
                raise TypeError(f"on_result must be callable, got {on_result!r}")
            clone._options = replace(clone._options, on_result=on_result)
        return clone

    def with_targets(self, targets: Sequence[Target] | TargetPlan) -> Self:
        """A copy limited to (or moved to) ``targets``, sharing this one's clients."""
        clone = copy.copy(self)
        clone.targets = self._check_targets(targets)
        return clone

    def close(self) -> None:
        """Release the clients (and their sockets) this object and its copies made.

        A long run over many accounts calls this between phases so memory and open
        files do not grow with every target ever called. Clients are made again on
        the next call.
        """
        self._clients.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def client_for(self, target: Target) -> BaseClient:
        """The boto3 client that calls go through for ``target`` (cached)."""
        return self._clients.client(self.service_name, target)

    def _call(
        self, operation_name: str, params: Mapping[str, Any]
    ) -> TargetResults[Any]:
        """Validate ``params`` once, then call the operation in every target."""
        _validate(params, self._operation_model(operation_name))
        method = botocore.xform_name(operation_name)
        region_param = REGION_FILTER_PARAMS.get((self.service_name, operation_name))

        def one(target: Target, client: BaseClient) -> Any:
            # A shallow copy per target: some botocore handlers rewrite top-level params.
            target_params = dict(params)
            if region_param and region_param not in target_params:
                target_params[region_param] = target.region
            return getattr(client, method)(**target_params)

        return self._run(self.targets, one)

    def _paginate(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        max_items: int | None = None,
        page_size: int | None = None,
        starting_tokens: Mapping[Target, str] | None = None,
    ) -> TargetResults[Any]:
        """Every page of the operation in every target, merged per target.

        The merge is botocore's ``build_full_result``. ``max_items`` caps each target;
        a target that stopped early has a ``NextToken`` in its result
        (``TargetResults.resume_tokens()``). ``starting_tokens`` resumes exactly the
        targets it names. A target failing mid-way keeps the pages it had, with its
        error.
        """
        fan_out = self._pages(
            operation_name, params, max_items, page_size, starting_tokens
        )
        return fan_out(None)

    def _items(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        max_items: int | None = None,
        page_size: int | None = None,
    ) -> Items[Any]:
        """The elements of the paginator's first result key, from every target."""
        result_key = self._paginator_config(operation_name)["result_key"]
        if isinstance(result_key, list):
            result_key = result_key[0]
        fan_out = self._pages(operation_name, params, max_items, page_size, None)
        return Items(fan_out, result_key)

    def _pages(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        max_items: int | None,
        page_size: int | None,
        starting_tokens: Mapping[Target, str] | None,
    ) -> Callable[[OnPage | None], TargetResults[Any]]:
        """Check a paginated call now (nothing is sent); the function returned runs it.

        ``on_page``, when given to that function, sees each page as it arrives.
        """
        limit_key = self._paginator_config(operation_name).get("limit_key")
        checked = dict(params)
        if page_size is not None and limit_key:  # botocore sets it from page_size
            checked.setdefault(limit_key, page_size)
        _validate(checked, self._operation_model(operation_name))
        _check_positive("max_items", max_items)
        _check_positive("page_size", page_size)
        method = botocore.xform_name(operation_name)
        targets = self.targets
        if starting_tokens is not None:
            targets = self._check_tokens(starting_tokens)

        def fan_out(on_page: OnPage | None) -> TargetResults[Any]:
            def one(target: Target, client: BaseClient) -> dict[str, Any]:
                config: dict[str, Any] = {"MaxItems": max_items, "PageSize": page_size}
                if starting_tokens is not None:
                    config["StartingToken"] = starting_tokens[target]
                callback = on_page and functools.partial(on_page, target, client)
                return paginate_full(client, method, dict(params), config, callback)

            return self._run(targets, one)

        return fan_out

    def _wait(
        self,
        waiter_name: str,
        params: Mapping[str, Any],
        *,
        delay: float | None = None,
        max_attempts: int | None = None,
    ) -> TargetResults[None]:
        """Wait in every target at once; a failure or time-out is that target's error."""
        waiter = self._waiter_model(waiter_name)
        _validate(params, self._operation_model(waiter.operation))
        _check_positive("delay", delay)
        _check_positive("max_attempts", max_attempts)
        config = {
            k: v for k, v in (("Delay", delay), ("MaxAttempts", max_attempts)) if v
        }
        name = botocore.xform_name(waiter_name)
        return self._run(
            self.targets,
            lambda _, client: client.get_waiter(name).wait(
                **dict(params), WaiterConfig=config
            ),
        )

    def _run(
        self,
        targets: Sequence[Target],
        call: Callable[[Target, BaseClient], Any],
    ) -> TargetResults[Any]:
        """Run ``call(target, its client)`` for every target."""

        def task(target: Target) -> TargetResult[Any]:
            start = time.perf_counter()
            try:
                client = self.client_for(target)
                value = call(target, client)
                outcome: Outcome[Any] = Outcome(
                    value, None, time.perf_counter() - start
                )
            # every error is this target's result
            except Exception as error:  # noqa: BLE001
                outcome = Outcome(None, error, time.perf_counter() - start)
            result = self._result(target, outcome)
            if self._options.on_result is not None:
                self._options.on_result(result)
            return result

        tasks = [functools.partial(task, target) for target in targets]
        outcomes = run_all(
            tasks, max_workers=self._options.max_workers, timeout=self._options.timeout
        )
        # A task's value is its TargetResult; an outcome without one timed out (or was
        # interrupted) before the task could finish.
        return TargetResults(
            (
                outcome.value
                if outcome.value is not None
                else self._result(target, outcome)
            )
            for target, outcome in zip(targets, outcomes, strict=True)
        )

    def _result(self, target: Target, outcome: Outcome[Any]) -> TargetResult[Any]:
        value, error, skipped = outcome.value, outcome.error, False
        if isinstance(error, PagesThenError):
            value, error = error.value, error.error
        if error is not None:
            code = error_code_of(error)
            skipped = code is not None and code in self._options.ignore_error_codes
            logger.debug(
                "%s %s: %s%s",
                self.service_name,
                target.name,
                type(error).__name__,
                f" {code}" if code else "",
            )
        client = self._clients.cached(self.service_name, target)
        return TargetResult(target, value, error, outcome.elapsed, skipped, client)

    def _paginator_config(self, operation_name: str) -> dict[str, Any]:
        model = self._botocore_session.get_paginator_model(self.service_name)
        try:
            return model.get_paginator(operation_name)  # type: ignore[no-any-return]
        except ValueError:
            raise ValueError(
                f"{self.service_name} operation {operation_name!r} cannot be paginated"
            ) from None

    def _waiter_model(self, waiter_name: str) -> SingleWaiterConfig:
        try:
            model = self._botocore_session.get_waiter_model(self.service_name)
        except DataNotFoundError:
            model = WaiterModel({"version": 2, "waiters": {}})
        if waiter_name not in model.waiter_names:
            close = difflib.get_close_matches(waiter_name, model.waiter_names, n=3)
            raise ValueError(
                f"{self.service_name} has no waiter {waiter_name!r}; "
                f"did you mean {' or '.join(close) or 'one of ' + ', '.join(model.waiter_names)}?"
            )
        return model.get_waiter(waiter_name)

    def _check_tokens(self, tokens: Mapping[Target, str]) -> tuple[Target, ...]:
        if not isinstance(tokens, Mapping) or not tokens:
            raise ValueError(
                f"starting_tokens must map Targets to resume tokens, got {tokens!r}; "
                "see TargetResults.resume_tokens()"
            )
        unknown = [t.name for t in tokens if t not in self.targets]
        if unknown:
            raise ValueError(
                f"starting_tokens names targets not in this object: {unknown}"
            )
        return tuple(t for t in self.targets if t in tokens)

    def _operation_model(self, operation_name: str) -> OperationModel:
        if operation_name not in self._model.operation_names:
            raise BotocoreTooOldError(
                f"{type(self).__name__}: the installed botocore {botocore.__version__} has no "
                f"operation {operation_name!r} in service {self.service_name!r}; this code "
                f"was generated from botocore {self._generated_from or '?'}"
                f"{botocore_advice(self._generated_from)}"
            )
        return self._model.operation_model(operation_name)

    def _check_targets(
        self, targets: Sequence[Target] | TargetPlan
    ) -> tuple[Target, ...]:
        checked_in = None
        if isinstance(targets, TargetPlan):  # its regions were validated when planned
            checked_in = targets.regions_checked_in
            targets = targets.targets
        if isinstance(targets, Target) or not isinstance(targets, Sequence):
            raise TypeError(f"targets must be a list of Target, got {targets!r}")
        if not targets:
            raise ValueError("targets is empty: name at least one Target")
        checked: dict[Target, None] = {}  # ordered, and dedupes in O(1)
        global_name = self._global_name
        for target in targets:
            if not isinstance(target, Target):
                raise TypeError(f"targets must hold Target objects, got {target!r}")
            target = self._at_global_endpoint(target)
            if (
                target.endpoint_url is None
                and target.region != global_name
                and checked_in != self.partition
            ):
                check_region(target.region, self.partition)
            checked[target] = None  # a global service is called once per source
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
                f"this code was generated from botocore {generated_from}"
                f"{botocore_advice(generated_from)}"
            ) from None
        known = session.get_available_services()
        close = difflib.get_close_matches(service, known, n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown service {service!r}{hint}") from None


def _validate(params: Mapping[str, Any], operation: OperationModel) -> None:
    """botocore's own validator, once per call: one error, and nothing sent."""
    if operation.input_shape is None:
        if params:
            raise ParamValidationError(
                report=f"{operation.name} takes no parameters, got: {', '.join(params)}"
            )
        return
    validate_parameters(params, operation.input_shape)


def _check_positive(name: str, value: float | None, *, integer: bool = False) -> None:
    """Raise ValueError unless ``value`` is None or a positive number (or integer)."""
    kinds = (int,) if integer else (int, float)
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, kinds) or value <= 0
    ):
        kind = "integer" if integer else "number"
        raise ValueError(f"{name} must be a positive {kind}, got {value!r}")


def _check_options(
    base: CallOptions,
    max_workers: int | None,
    timeout: float | None,
    ignore_error_codes: Collection[str] | None,
) -> CallOptions:
    _check_positive("max_workers", max_workers, integer=True)
    _check_positive("timeout", timeout)
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
    return replace(
        base,
        max_workers=max_workers if max_workers is not None else base.max_workers,
        timeout=timeout if timeout is not None else base.timeout,
        ignore_error_codes=codes,
    )
