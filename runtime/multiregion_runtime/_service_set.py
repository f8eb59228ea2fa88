"""ServiceSet: any operation of any service, fanned out, untyped."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from typing import Any

import botocore

from ._base import MultiRegionClient
from ._regions import RegionsArg
from ._results import RegionResults


class ServiceSet(MultiRegionClient):
    """``ServiceSet("sdb", regions=[...]).create_domain(DomainName="d")``.

    Attribute access gives a callable for any operation of the service, by its boto3
    (snake_case) name; results are ``RegionResults[Any]``. For typed results use the
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
            botocore.xform_name(op): op for op in self._model.operation_names
        }

    def __getattr__(self, name: str) -> Callable[..., RegionResults[Any]]:
        operations = self.__dict__.get("_operations")
        if name.startswith("_") or operations is None:
            raise AttributeError(name)
        operation = operations.get(name)
        if operation is None:
            close = difflib.get_close_matches(name, list(operations), n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise AttributeError(f"{self.service_name} has no operation {name!r}{hint}")
        return functools.partial(self.call, operation)

    def call(self, operation_name: str, **params: Any) -> RegionResults[Any]:
        """Call an operation by botocore's name ("ListQueues") or boto3's ("list_queues")."""
        operation = self._operations.get(operation_name, operation_name)
        return self._call(operation, params)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._operations))
