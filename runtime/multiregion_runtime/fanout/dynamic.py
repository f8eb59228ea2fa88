"""DynamicService: any operation of any service, fanned out, untyped."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping
from typing import Any

import botocore
from botocore.exceptions import DataNotFoundError

from ..results.pagination import Items
from ..results.results import TargetResults
from ..targets.regions import RegionsArg
from ..targets.target import Target
from .client import MultiRegionClient


class DynamicService(MultiRegionClient):
    """``DynamicService("sdb", regions=[...]).create_domain(DomainName="d")``.

    Attribute access gives a callable for any operation of the service, by its boto3
    (snake_case) name; results are ``TargetResults[Any]``. For typed results use the
    generated ``MultiRegion<Service>`` classes.
    """

    def __init__(self, service: str, regions: RegionsArg = None, **kwargs: Any) -> None:
        if not isinstance(service, str) or not service:
            raise ValueError(
                f"service must be a botocore service name, got {service!r}"
            )
        self._service_name = service  # type: ignore[misc]  # per instance here
        super().__init__(regions, **kwargs)
        self._operations = {
            botocore.xform_name(op): op for op in self._models.service.operation_names
        }

    def __getattr__(self, name: str) -> Callable[..., Any]:
        """``list_queues``, and as on the typed classes ``paginate_list_queues``,
        ``iter_list_queues`` and ``wait_instance_running``."""
        operations = self.__dict__.get("_operations")
        if name.startswith("_") or operations is None:
            raise AttributeError(name)
        if name in operations:
            return functools.partial(self.call, operations[name])
        for prefix, method in (("paginate_", self.paginate), ("iter_", self.items)):
            operation = operations.get(name.removeprefix(prefix))
            if name.startswith(prefix) and operation is not None:
                self._check_paginates(name, operation)
                return functools.partial(method, operation)
        waiter = self._waiters().get(name.removeprefix("wait_"))
        if name.startswith("wait_") and waiter is not None:
            return functools.partial(self.wait, waiter)
        close = difflib.get_close_matches(name, self._attribute_names(), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise AttributeError(f"{self.service_name} has no operation {name!r}{hint}")

    def _check_paginates(self, name: str, operation: str) -> None:
        try:
            self._models.paginator(operation)
        except ValueError as error:
            raise AttributeError(
                f"{name}: {error}; call {botocore.xform_name(operation)} instead"
            ) from None

    def _waiters(self) -> dict[str, str]:
        """``{"instance_running": "InstanceRunning", ...}``."""
        try:
            model = self.session._session.get_waiter_model(self.service_name)
        except DataNotFoundError:  # a service without waiters
            return {}
        return {botocore.xform_name(w): w for w in model.waiter_names}

    def _attribute_names(self) -> list[str]:
        """Every operation, and the paginate_/iter_/wait_ names the typed class has."""
        names = list(self._operations)
        for snake, operation in self._operations.items():
            try:
                self._models.paginator(operation)
            except ValueError:
                continue
            names += [f"paginate_{snake}", f"iter_{snake}"]
        return names + [f"wait_{snake}" for snake in self._waiters()]

    def call(self, operation_name: str, **params: Any) -> TargetResults[Any]:
        """Call an operation by botocore's name ("ListQueues") or boto3's ("list_queues")."""
        return self._call(self._operation_name(operation_name), params)

    def paginate(
        self,
        operation_name: str,
        *,
        max_items: int | None = None,
        page_size: int | None = None,
        starting_tokens: Mapping[Target, str] | None = None,
        **params: Any,
    ) -> TargetResults[Any]:
        """Every page in every target, merged per target (botocore's build_full_result)."""
        return self._paginate(
            self._operation_name(operation_name),
            params,
            max_items=max_items,
            page_size=page_size,
            starting_tokens=starting_tokens,
        )

    def items(
        self,
        operation_name: str,
        *,
        max_items: int | None = None,
        page_size: int | None = None,
        **params: Any,
    ) -> Items[Any]:
        """The elements of the operation's first result key from every target, as they come."""
        return self._items(
            self._operation_name(operation_name),
            params,
            max_items=max_items,
            page_size=page_size,
        )

    def wait(
        self,
        waiter_name: str,
        *,
        delay: float | None = None,
        max_attempts: int | None = None,
        **params: Any,
    ) -> TargetResults[None]:
        """Run a waiter ("instance_running" or "InstanceRunning") in every target at once."""
        name = waiter_name if "_" not in waiter_name else _pascal(waiter_name)
        return self._wait(name, params, delay=delay, max_attempts=max_attempts)

    def _operation_name(self, name: str) -> str:
        """botocore's name for ``name`` (snake_case or PascalCase), or AttributeError."""
        if name in self._models.service.operation_names:
            return name
        if name not in self._operations:
            getattr(self, name)  # raises AttributeError with close matches
        return self._operations[name]

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._attribute_names()))


def _pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))
