"""Reading botocore's service models, with botocore's own loader."""

from __future__ import annotations

import functools
from typing import Any

import botocore
import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.model import ServiceModel


def botocore_version() -> str:
    return str(botocore.__version__)


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def available_services() -> list[str]:
    """Every service botocore ships, sorted."""
    return sorted(_session().get_available_services())


def load_service(service_name: str) -> ServiceModel:
    return _session().get_service_model(service_name)


def load_paginators(model: ServiceModel) -> dict[str, Any]:
    """The service's ``paginators-1`` data, as ``Session.get_paginator_model`` and
    clients load it: same API version, ``.sdk-extras`` merged in; {} if it has none."""
    return _load_extra(model, "paginators-1")


def load_waiters(model: ServiceModel) -> dict[str, Any]:
    """The service's ``waiters-2`` data (see ``load_paginators``); {} if it has none."""
    return _load_extra(model, "waiters-2")


def _load_extra(model: ServiceModel, type_name: str) -> dict[str, Any]:
    data_loader = _session().get_component("data_loader")
    try:
        data = data_loader.load_service_model(
            model.service_name, type_name, model.api_version
        )
    except DataNotFoundError:
        return {}
    return dict(data)
