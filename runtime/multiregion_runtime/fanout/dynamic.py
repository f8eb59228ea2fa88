"""DynamicService: any operation of any service, fanned out, untyped."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping
from typing import Any

import botocore

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

    def __getattr__(self, name: str) -> Callable[..., TargetResults[Any]]:
        operations = self.__dict__.get("_operations")
        if name.startswith("_") or operations is None:
            raise AttributeError(name)
        operation = operations.get(name)
        if operation is None:
            close = difflib.get_close_matches(name, list(operations), n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise AttributeError(f"{self.service_name} has no operation {name!r}{hint}")
        return functools.partial(self.call, operation)

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
        return sorted(set(super().__dir__()) | set(self._operations))


def _pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))
