"""The base of every MultiRegion<Service> class: targets, options and requests.

What the generated classes (one per service) see of it is small, and is all they may use:

- ``self._call(operation_name, params)``: one request in every target;
- ``self._paginate(operation_name, params, *, max_items=, page_size=,
  starting_tokens=)``: every page in every target, merged per target;
- ``self._items(operation_name, params, *, max_items=, page_size=)``: the items of
  every page, as they arrive;
- ``self._wait(waiter_name, params, *, delay=, max_attempts=)``: a waiter everywhere;
- the class attributes ``_service_name`` and ``_generated_from``.

Their names and signatures do not change without regenerating the classes. Behind
them: options (``options``), botocore's models (``model``), and the running of a
``Work`` and making of results (``engines.run``), the same for threads and remote
executors.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from typing_extensions import Self

from ..clients.cache import ClientCache
from ..clients.ratelimit import RateLimitsArg
from ..core import deadline as _deadline
from ..core.checks import check_positive
from ..core.deadline import DEFAULT_TIMEOUT, Deadline
from ..core.modeltext import WAIT_KEYWORDS, botocore_config
from ..engines.choose import ExecutorArg
from ..engines.run import Runner
from ..engines.work import Kind, Work, config_options
from ..results.pagination import Items, ItemsPage, ItemsSource, OnPage
from ..results.progress import Progress
from ..results.results import TargetResult, TargetResults
from ..targets.account_wide import is_account_wide, one_per_account
from ..targets.regions import (
    RegionsArg,
    RegionSource,
    check_region,
    global_endpoint,
    partition_of_region,
    resolve_regions,
)
from ..targets.target import Target, TargetPlan, check_endpoint_url
from .model import ServiceModels, result_key, token_paths
from .options import CallOptions, with_changes

if TYPE_CHECKING:
    from ..data.stream import OnItemsPage

#: Operations that answer for every region wherever they are called, and take a
#: parameter to limit them to one: each target passes its own region, so each item
#: appears once, under its own region (S3 ListBuckets lists every bucket from every
#: regional endpoint unless given BucketRegion).
REGION_FILTER_PARAMS: dict[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "BucketRegion"
}


class MultiRegionClient:
    """Fans each operation of one AWS service out over many targets.

    ``regions`` is "all" or None (every region botocore's endpoint data offers the
    service in, in the session's partition; every region of the partition if the
    service is not listed there: see ``regions_source``), a region name, a list of
    names, or patterns such as "eu-*". Global services (IAM, Route 53, CloudFront,
    Organizations...) are called once per partition, at the partition endpoint, and
    their result's ``region`` is that endpoint's name (e.g. "aws-global").
    ``targets`` replaces ``regions`` with explicit Targets (accounts, endpoints), or
    a TargetPlan (``plan_targets``). ``endpoint_url`` sends every target's calls
    there (moto, LocalStack, a VPC endpoint), as boto3's ``endpoint_url`` does.
    ``verify`` is botocore's: False skips TLS certificate checks, a path names the
    CA bundle to check them with.
    ``executor`` is where the calls run: "threads" (the default, in this process),
    "processes" or "processes:N" (local worker processes), "tcp://host:8786" or a
    ``distributed.Client`` (a Dask cluster), or a ProcessPool/DaskExecutor. Results
    are the same wherever they run; see the large-runs guide. ``progress=True``
    shows each call's progress in a notebook or terminal (tqdm if installed).
    ``timeout`` bounds each target from the moment it starts (60 s by default,
    retries and pages included); ``deadline`` bounds the whole call (no default):
    targets whose turn comes after it are ``NotStarted``.
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
        deadline: float | None = None,
        ignore_error_codes: Collection[str] = (),
        rate_limits: RateLimitsArg = None,
        executor: ExecutorArg = None,
        progress: bool = False,
        endpoint_url: str | None = None,
    ) -> None:
        if endpoint_url is not None:
            check_endpoint_url(endpoint_url)
        self._options = with_changes(
            CallOptions(),
            max_workers=max_workers,
            timeout=timeout,
            deadline=deadline,
            ignore_error_codes=ignore_error_codes,
            rate_limits=rate_limits,
            executor=executor,
            progress=progress,
        )
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"config must be a botocore.config.Config, got {config!r}")
        # Per-attempt timeouts below botocore's 60 s (the caller's Config wins).
        config = _deadline.DEADLINE_CONFIG.merge(config) if config else None
        self._clients = ClientCache(
            session, config or _deadline.DEADLINE_CONFIG, verify
        )
        base = self._clients.base_session()
        self._models = ServiceModels(
            base, self.service_name, type(self).__name__, self._generated_from
        )
        self._runner = Runner(self._clients, self._models.service)
        self.partition = partition_of_region(base.region_name or "") or "aws"
        if targets is not None:
            if regions is not None:
                raise ValueError("pass either regions= or targets=, not both")
            self.targets = self._check_targets(_at(endpoint_url, targets))
            self.regions_source: RegionSource = "explicit"
            self._regions_named = getattr(targets, "regions_named", True)
        else:
            resolved = resolve_regions(regions, self._endpoint_prefix, self.partition)
            self.targets = tuple(
                Target(region=r, endpoint_url=endpoint_url) for r in resolved.regions
            )
            self.regions_source = resolved.source
            self._regions_named = regions is not None

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
        """How many botocore clients this object (and its copies) made so far."""
        return self._clients.created

    @property
    def _endpoint_prefix(self) -> str:
        return str(self._models.service.endpoint_prefix or self.service_name)

    def with_options(
        self,
        *,
        max_workers: int | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        ignore_error_codes: Collection[str] | None = None,
        on_result: Callable[[TargetResult[Any]], None] | None = None,
        rate_limits: RateLimitsArg = None,
        executor: ExecutorArg = None,
        progress: bool | None = None,
    ) -> Self:
        """A copy that runs calls with these options and shares this one's clients.

        ``rate_limits`` overrides the client-side limits, e.g.
        ``{"ec2:mutating": (20, 2)}`` (burst, per second), or False to turn them off.
        """
        clone = copy.copy(self)
        clone._options = with_changes(
            self._options,
            max_workers=max_workers,
            timeout=timeout,
            deadline=deadline,
            ignore_error_codes=ignore_error_codes,
            on_result=on_result,
            rate_limits=rate_limits,
            executor=executor,
            progress=progress,
        )
        return clone

    def with_targets(self, targets: Sequence[Target] | TargetPlan) -> Self:
        """A copy limited to (or moved to) ``targets``, sharing this one's clients."""
        clone = copy.copy(self)
        clone.targets = self._check_targets(targets)
        clone._regions_named = getattr(targets, "regions_named", True)
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
        """A client for ``target``: the region's shared botocore client, signing every
        request with ``target``'s own credentials (the same calls as a boto3 client)."""
        return self._clients.client(self.service_name, target)

    def _call(
        self, operation_name: str, params: Mapping[str, Any]
    ) -> TargetResults[Any]:
        """Validate ``params`` once, then call the operation in every target."""
        self._models.validate(operation_name, params)
        targets = self._targets_for(operation_name)
        region_param = self._region_param(operation_name, targets)
        work = self._work("call", operation_name, params, region_param=region_param)
        return self._run(work, targets, self._new_deadline())

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
        work = self._paging(operation_name, params, max_items, page_size)
        targets = self._targets_for(operation_name)
        work = replace(work, region_param=self._region_param(operation_name, targets))
        if starting_tokens is not None:
            targets = self._check_tokens(starting_tokens)
            work = replace(work, starting_tokens=dict(starting_tokens))
        return self._run(work, targets, self._new_deadline())

    def _items(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        max_items: int | None = None,
        page_size: int | None = None,
    ) -> Items[Any]:
        """The elements of the paginator's first result key, from every target."""
        work = self._paging(operation_name, params, max_items, page_size)
        key = result_key(self._models.paginator(operation_name))
        targets = self._targets_for(operation_name)
        work = replace(work, region_param=self._region_param(operation_name, targets))
        stream = replace(work, kind="stream", result_key=key)
        source = ItemsSource(
            self.service_name,
            operation_name,
            dict(params),
            targets,
            lambda starts, on_page: self._stream(stream, starts, on_page),
            max_items,
            page_size,
        )

        def fan_out(on_page: OnPage, deadline: Deadline) -> TargetResults[Any]:
            return self._run(replace(work, on_page=on_page), targets, deadline)

        return Items(fan_out, key, self._new_deadline, source)

    def _wait(
        self,
        waiter_name: str,
        params: Mapping[str, Any],
        *,
        delay: float | None = None,
        max_attempts: int | None = None,
    ) -> TargetResults[None]:
        """Wait in every target at once; a failure or time-out is that target's error.

        Without ``timeout=``, each target's deadline is the waiter's own limit
        (delay x attempts) plus the default timeout, so a long wait is not cut short.
        """
        waiter = self._models.waiter(waiter_name)
        self._models.validate(waiter.operation, params)
        check_positive("delay", delay)
        check_positive("max_attempts", max_attempts)
        config = botocore_config(
            WAIT_KEYWORDS, {"delay": delay, "max_attempts": max_attempts}
        )
        budget = (delay or waiter.delay) * (max_attempts or waiter.max_attempts)
        seconds = self._options.timeout or budget + DEFAULT_TIMEOUT
        work = self._work("wait", waiter_name, params, waiter_config=config)
        work = replace(work, target_timeout=seconds)
        return self._run(work, self.targets, self._new_deadline())

    # -- requests ----------------------------------------------------------------

    def _work(
        self, kind: Kind, name: str, params: Mapping[str, Any], **more: Any
    ) -> Work:
        """The plain description of a call that every executor runs in each target:
        the one place a call's options become part of it."""
        config = config_options(self._clients.config)
        limits = self._options.rate_limits
        return Work(
            self.service_name,
            kind,
            name,
            dict(params),
            config,
            **more,
            rate_limits=limits,
            target_timeout=self._options.timeout or DEFAULT_TIMEOUT,
        )

    def _paging(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        max_items: int | None,
        page_size: int | None,
    ) -> Work:
        """A paginated call, checked now (nothing is sent)."""
        paginator = self._models.paginator(operation_name)
        limit_key = paginator.get("limit_key")
        checked = dict(params)
        if page_size is not None and limit_key:  # botocore sets it from page_size
            checked.setdefault(limit_key, page_size)
        self._models.validate(operation_name, checked)
        check_positive("max_items", max_items)
        check_positive("page_size", page_size)
        return self._work(
            "paginate",
            operation_name,
            params,
            max_items=max_items,
            page_size=page_size,
            token_paths=token_paths(paginator),
        )

    def _stream(
        self,
        work: Work,
        starts: Mapping[Target, str | None],
        on_items: OnItemsPage,
    ) -> TargetResults[int]:
        """A stream's pages from each start (only the targets ``starts`` names), on
        the executor this object names; ``on_items`` sees each page."""

        def on_page(target: Target, client: BaseClient | None, page: Any) -> None:
            assert isinstance(page, ItemsPage)
            on_items(target, page.items, page.next_token)

        targets = [t for t in self.targets if t in starts]
        work = replace(work, starting_tokens=dict(starts), on_page=on_page)
        return self._run(work, targets, self._new_deadline())

    def _targets_for(self, operation_name: str) -> tuple[Target, ...]:
        """Every target; once per account for an operation that answers alike in
        every region (targets/account_wide.py) when the regions were not named."""
        if self._regions_named or not is_account_wide(
            self.service_name, operation_name
        ):
            return self.targets
        return tuple(one_per_account(self.targets, self.session.region_name))

    def _region_param(
        self, operation_name: str, targets: Sequence[Target]
    ) -> str | None:
        """The parameter that limits each target's call to its own region (S3
        ListBuckets' BucketRegion), where an account is called in several regions:
        each item then appears once, under its own region. An account called in one
        region gets every item, once."""
        param = REGION_FILTER_PARAMS.get((self.service_name, operation_name))
        if param is None or len(one_per_account(targets)) == len(targets):
            return None
        return param

    def _new_deadline(self) -> Deadline:
        """The deadline of a call starting now: ``deadline=`` seconds, else none
        (each target still has its own ``timeout``); it carries the caller's stop."""
        seconds = self._options.deadline
        return Deadline(seconds if seconds is not None else math.inf)

    def _run(
        self, work: Work, targets: Sequence[Target], deadline: Deadline
    ) -> TargetResults[Any]:
        options, progress = self._options, None
        if options.progress:
            label = f"{self.service_name} {work.name}"
            progress = Progress(len(targets), label, then=options.on_result)
            options = replace(options, on_result=progress)
        try:
            results = self._runner.run(work, targets, options, deadline)
        finally:
            if progress is not None:
                progress.close()
        if work.kind != "wait":  # a waiter's name is no operation with a schema
            results.source = (self.service_name, work.name)
        return results

    # -- targets -----------------------------------------------------------------

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


def _at(
    endpoint_url: str | None, targets: Sequence[Target] | TargetPlan
) -> Sequence[Target] | TargetPlan:
    """``targets`` with every call sent to ``endpoint_url`` (unchanged if None)."""
    if endpoint_url is None:
        return targets
    listed = targets.targets if isinstance(targets, TargetPlan) else targets
    moved = [
        replace(t, endpoint_url=endpoint_url) if isinstance(t, Target) else t
        for t in listed
    ]
    if isinstance(targets, TargetPlan):
        return replace(targets, targets=moved)
    return moved
