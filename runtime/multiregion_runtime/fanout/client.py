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

from ..clients.cache import ClientCache
from ..clients.ratelimit import CallStats, RateLimits, RateLimitsArg, counting
from ..clients.ratelimit import rate_limits as _rate_limits
from ..core import deadline as _deadline
from ..core.checks import check_count, check_positive
from ..core.deadline import DEFAULT_TIMEOUT, Deadline, current_deadline
from ..core.errors import BotocoreTooOldError, FanOutError, botocore_advice
from ..core.modeltext import WAIT_KEYWORDS, botocore_config
from ..core.secrets import mask_error
from ..engines.base import Executor
from ..engines.choose import ExecutorArg, executor_from
from ..engines.remote import run_remote
from ..engines.threads import Outcome, run_all
from ..engines.work import Kind, Work, config_options
from ..results.pagination import Items, ItemsSource, OnPage, PagesThenError
from ..results.results import TargetResult, TargetResults, error_code_of
from ..targets.regions import (
    RegionsArg,
    RegionSource,
    check_region,
    global_endpoint,
    partition_of_region,
    resolve_regions,
)
from ..targets.target import Target, TargetPlan

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
    #: Seconds every target of a call has, from the call's start (None: the default,
    #: ``DEFAULT_TIMEOUT``); each HTTP attempt is capped at the time left.
    timeout: float | None = None
    ignore_error_codes: frozenset[str] = frozenset()
    #: Called with each target's result as soon as it is known (progress displays,
    #: streaming): in a pool thread, or in the calling thread when another executor
    #: runs the calls; it must be quick and must not raise.
    on_result: Callable[[TargetResult[Any]], None] | None = None
    #: Client-side token buckets per (account, region, service, API class).
    rate_limits: RateLimits = RateLimits()
    #: Where the calls run: None for threads in this process, or a ProcessPool or
    #: DaskExecutor (see ``executor=`` of MultiRegionClient).
    executor: Executor | None = None


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
    ``executor`` is where the calls run: "threads" (the default, in this process),
    "processes" or "processes:N" (local worker processes), "tcp://host:8786" or a
    ``distributed.Client`` (a Dask cluster), or a ProcessPool/DaskExecutor. Results
    are the same wherever they run; see README "Large runs".
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
        rate_limits: RateLimitsArg = None,
        executor: ExecutorArg = None,
    ) -> None:
        self._options = _check_options(
            CallOptions(), max_workers, timeout, ignore_error_codes
        )
        self._options = replace(self._options, rate_limits=_rate_limits(rate_limits))
        self._options = replace(self._options, executor=executor_from(executor))
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"config must be a botocore.config.Config, got {config!r}")
        # Per-attempt timeouts below botocore's 60 s (the caller's Config wins).
        config = _deadline.DEADLINE_CONFIG.merge(config) if config else None
        self._clients = ClientCache(
            session, config or _deadline.DEADLINE_CONFIG, verify
        )
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
        rate_limits: RateLimitsArg = None,
        executor: ExecutorArg = None,
    ) -> Self:
        """A copy that runs calls with these options and shares this one's clients.

        ``rate_limits`` overrides the client-side limits, e.g.
        ``{"ec2:mutating": (20, 2)}`` (burst, per second), or False to turn them off.
        """
        clone = copy.copy(self)
        clone._options = _check_options(
            self._options, max_workers, timeout, ignore_error_codes
        )
        if rate_limits is not None:
            clone._options = replace(
                clone._options, rate_limits=_rate_limits(rate_limits)
            )
        if executor is not None:
            clone._options = replace(clone._options, executor=executor_from(executor))
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

        Clients live in the process-wide cache (``shared_clients()``), which is
        bounded and closes the least recently used ones by itself; this closes the
        ones this object used now. Other objects sharing them, and this one, get
        new clients on their next call.
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
        region_param = REGION_FILTER_PARAMS.get((self.service_name, operation_name))
        work = self._work("call", operation_name, params, region_param=region_param)
        results = self._run(self.targets, work)
        results.source = (self.service_name, operation_name)
        return results

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
        results = fan_out(None, self._new_deadline())
        results.source = (self.service_name, operation_name)
        return results

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
        source = ItemsSource(
            self, operation_name, dict(params), result_key, max_items, page_size
        )
        return Items(fan_out, result_key, self._new_deadline, source)

    def _pages(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        max_items: int | None,
        page_size: int | None,
        starting_tokens: Mapping[Target, str] | None,
    ) -> Callable[[OnPage | None, Deadline], TargetResults[Any]]:
        """Check a paginated call now (nothing is sent); the function returned runs it.

        ``on_page``, when given to that function, sees each page as it arrives.
        """
        paginator_config = self._paginator_config(operation_name)
        limit_key = paginator_config.get("limit_key")
        tokens = _token_paths(paginator_config)
        checked = dict(params)
        if page_size is not None and limit_key:  # botocore sets it from page_size
            checked.setdefault(limit_key, page_size)
        _validate(checked, self._operation_model(operation_name))
        check_positive("max_items", max_items)
        check_positive("page_size", page_size)
        targets = self.targets
        if starting_tokens is not None:
            targets = self._check_tokens(starting_tokens)
        work = self._work(
            "paginate",
            operation_name,
            params,
            max_items=max_items,
            page_size=page_size,
            starting_tokens=dict(starting_tokens) if starting_tokens else None,
            token_paths=tuple(tokens),
        )

        def fan_out(on_page: OnPage | None, deadline: Deadline) -> TargetResults[Any]:
            return self._run(targets, replace(work, on_page=on_page), deadline)

        return fan_out

    def _wait(
        self,
        waiter_name: str,
        params: Mapping[str, Any],
        *,
        delay: float | None = None,
        max_attempts: int | None = None,
    ) -> TargetResults[None]:
        """Wait in every target at once; a failure or time-out is that target's error.

        Without ``timeout=``, the deadline is the waiter's own limit (delay x
        attempts) plus the default deadline, so a long wait is not cut short.
        """
        waiter = self._waiter_model(waiter_name)
        _validate(params, self._operation_model(waiter.operation))
        check_positive("delay", delay)
        check_positive("max_attempts", max_attempts)
        config = botocore_config(
            WAIT_KEYWORDS, {"delay": delay, "max_attempts": max_attempts}
        )
        budget = (delay or waiter.delay) * (max_attempts or waiter.max_attempts)
        seconds = self._options.timeout or budget + DEFAULT_TIMEOUT
        work = self._work("wait", waiter_name, params, waiter_config=config)
        return self._run(self.targets, work, Deadline(seconds))

    def _work(
        self, kind: Kind, name: str, params: Mapping[str, Any], **more: Any
    ) -> Work:
        """The plain description of a call that every executor runs in each target."""
        config = config_options(self._clients.config)
        return Work(self.service_name, kind, name, dict(params), config, **more)

    def _new_deadline(self) -> Deadline:
        """The deadline of a call starting now (``timeout``, else the default)."""
        return Deadline(self._options.timeout or DEFAULT_TIMEOUT)

    def _run(
        self,
        targets: Sequence[Target],
        call: Callable[[Target, BaseClient], Any],
        deadline: Deadline | None = None,
    ) -> TargetResults[Any]:
        """Run ``call(target, its client)`` for every target, within one deadline."""
        deadline = deadline or self._new_deadline()
        executor = self._options.executor
        if executor is not None and isinstance(call, Work):  # in other processes
            options = self._options
            finish = functools.partial(self._finish, options.on_result)
            return run_remote(
                executor,
                call,
                targets,
                self._model,
                finish,
                options.max_workers,
                deadline,
            )

        def task(target: Target) -> TargetResult[Any]:
            start = time.perf_counter()
            with counting(self._options.rate_limits, target) as stats:
                try:
                    client = self.client_for(target)
                    value = call(target, client)
                    outcome: Outcome[Any] = Outcome(
                        value, None, time.perf_counter() - start
                    )
                # every error is this target's result
                except Exception as error:  # noqa: BLE001
                    outcome = Outcome(None, error, time.perf_counter() - start)
            result = self._result(target, outcome, stats)
            if self._options.on_result is not None:
                self._options.on_result(result)
            return result

        tasks = [functools.partial(task, target) for target in targets]
        outcomes = run_all(
            tasks,
            max_workers=self._options.max_workers,
            deadline=deadline,
        )
        # A task's value is its TargetResult; an outcome without one was not started,
        # or was still in flight when the executor stopped waiting.
        return TargetResults(
            (
                outcome.value
                if outcome.value is not None
                else self._result(target, outcome)
            )
            for target, outcome in zip(targets, outcomes, strict=True)
        )

    def _finish(
        self,
        on_result: Callable[[TargetResult[Any]], None] | None,
        target: Target,
        outcome: Outcome[Any],
    ) -> TargetResult[Any]:
        result = self._result(target, outcome)
        if on_result is not None:
            on_result(result)
        return result

    def _result(
        self, target: Target, outcome: Outcome[Any], stats: CallStats | None = None
    ) -> TargetResult[Any]:
        value, error, skipped = outcome.value, outcome.error, False
        if isinstance(error, PagesThenError):
            value, error = error.value, error.error
        if error is not None:
            error = mask_error(_in_flight_label(error))
            code = error_code_of(error)
            skipped = code is not None and code in self._options.ignore_error_codes
            logger.debug(
                "%s %s: %s%s",
                self.service_name,
                target.name,
                type(error).__name__,
                f" {code}" if code else "",
            )
        stats = stats or CallStats()
        return TargetResult(
            target,
            value,
            error,
            outcome.elapsed,
            skipped,
            functools.partial(self._clients.client, self.service_name, target),
            attempts=stats.attempts,
            throttled=stats.throttled,
            rate_limit_wait=stats.waited,
        )

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


def _in_flight_label(error: BaseException) -> BaseException:
    """A transport error or timeout after the deadline is "timed out in flight"; an
    answer from AWS (a ClientError) stays what it is, even if it came late."""
    deadline = current_deadline()
    if (
        deadline is None
        or not deadline.expired
        or isinstance(error, FanOutError)
        or getattr(error, "response", None) is not None
    ):
        return error
    return deadline.error(error)


def _token_paths(paginator_config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(input token, output token expression) pairs of a paginator."""
    inputs, outputs = paginator_config["input_token"], paginator_config["output_token"]
    if isinstance(inputs, str):
        inputs, outputs = [inputs], [outputs]
    return list(zip(inputs, outputs, strict=True))


def _check_options(
    base: CallOptions,
    max_workers: int | None,
    timeout: float | None,
    ignore_error_codes: Collection[str] | None,
) -> CallOptions:
    if max_workers is not None:
        check_count("max_workers", max_workers)
    check_positive("timeout", timeout, seconds=True)
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
