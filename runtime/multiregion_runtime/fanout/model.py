"""botocore's models of one service, as a fan-out looks them up: operations,
paginators, waiters, and the check of a call's parameters against them.

Every lookup fails with a clear error before any request: an unknown service or
waiter names the close matches; an operation the installed botocore lacks (older
than the generated code) is a BotocoreTooOldError with the versions and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import boto3
import botocore
from botocore.exceptions import (
    DataNotFoundError,
    ParamValidationError,
    UnknownServiceError,
)
from botocore.model import OperationModel, ServiceModel
from botocore.validate import validate_parameters
from botocore.waiter import SingleWaiterConfig, WaiterModel

from ..core.errors import BotocoreTooOldError, botocore_advice


class ServiceModels:
    """One service's models, loaded from the session's botocore (shared and cached
    by botocore); ``owner`` names the class using them in errors."""

    def __init__(
        self,
        session: boto3.Session,
        service: str,
        owner: str,
        generated_from: str | None,
    ) -> None:
        self.service = _load_model(session, service, generated_from)
        self._session = session._session
        self._owner = owner
        self._generated_from = generated_from

    @property
    def service_name(self) -> str:
        return str(self.service.service_name)

    def operation(self, name: str) -> OperationModel:
        if name not in self.service.operation_names:
            raise BotocoreTooOldError(
                f"{self._owner}: the installed botocore {botocore.__version__} has no "
                f"operation {name!r} in service {self.service_name!r}; this code "
                f"was generated from botocore {self._generated_from or '?'}"
                f"{botocore_advice(self._generated_from)}"
            )
        return self.service.operation_model(name)

    def validate(self, operation_name: str, params: Mapping[str, Any]) -> None:
        """botocore's own validator, once per call: one error, and nothing sent."""
        operation = self.operation(operation_name)
        if operation.input_shape is None:
            if params:
                raise ParamValidationError(
                    report=f"{operation.name} takes no parameters, got: {', '.join(params)}"
                )
            return
        validate_parameters(params, operation.input_shape)

    def paginator(self, operation_name: str) -> dict[str, Any]:
        model = self._session.get_paginator_model(self.service_name)
        try:
            return model.get_paginator(operation_name)  # type: ignore[no-any-return]
        except ValueError:
            raise ValueError(
                f"{self.service_name} operation {operation_name!r} cannot be paginated"
            ) from None

    def waiter(self, waiter_name: str) -> SingleWaiterConfig:
        try:
            model = self._session.get_waiter_model(self.service_name)
        except DataNotFoundError:
            model = WaiterModel({"version": 2, "waiters": {}})
        if waiter_name not in model.waiter_names:
            close = difflib.get_close_matches(waiter_name, model.waiter_names, n=3)
            raise ValueError(
                f"{self.service_name} has no waiter {waiter_name!r}; "
                f"did you mean {' or '.join(close) or 'one of ' + ', '.join(model.waiter_names)}?"
            )
        return model.get_waiter(waiter_name)


def result_key(paginator: Mapping[str, Any]) -> str:
    """The paginator's first result key: where its items are."""
    key = paginator["result_key"]
    return str(key[0] if isinstance(key, list) else key)


def token_paths(paginator: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(input token, output token expression) pairs of a paginator."""
    inputs, outputs = paginator["input_token"], paginator["output_token"]
    if isinstance(inputs, str):
        inputs, outputs = [inputs], [outputs]
    return tuple(zip(inputs, outputs, strict=True))


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
