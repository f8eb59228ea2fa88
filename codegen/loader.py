"""Reading botocore's service models, with botocore's own loader."""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path
from typing import Any

import botocore
import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.model import ServiceModel

# The runtime API the generated package re-exports at least; the rest comes from the
# runtime's own __all__ (read from its source, so generation needs no import of it).
REQUIRED_RUNTIME_NAMES = (
    "MultiRegionClient",
    "RegionResult",
    "RegionResults",
    "ServiceSet",
    "Target",
)
_REPO_RUNTIME_INIT = (
    Path(__file__).resolve().parents[1] / "runtime/multiregion_runtime/__init__.py"
)


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


def runtime_public_names() -> list[str]:
    """``multiregion_runtime.__all__`` plus the names the package must re-export."""
    path = _runtime_init()
    names = set(REQUIRED_RUNTIME_NAMES)
    if path is not None:
        names |= _module_all(path.read_text(encoding="utf-8"))
    return sorted(names)


def _runtime_init() -> Path | None:
    if _REPO_RUNTIME_INIT.exists():
        return _REPO_RUNTIME_INIT
    spec = importlib.util.find_spec("multiregion_runtime")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin)


def _module_all(source: str) -> set[str]:
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign):
            continue
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return {str(name) for name in ast.literal_eval(node.value)}
    return set()
