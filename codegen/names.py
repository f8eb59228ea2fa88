"""Python names for services, classes, methods and types, derived from botocore's."""

from __future__ import annotations

import keyword
import re

from botocore import xform_name
from botocore.model import ServiceModel
from botocore.utils import get_service_module_name

from multiregion_runtime.core.modeltext import PAGINATE_KEYWORDS, WAIT_KEYWORDS

# Public attributes of the runtime's MultiRegionClient (and of object); a generated
# method with one of these names would shadow it. tests/test_codegen_names.py checks
# that this list still covers the runtime class.
RESERVED_METHOD_NAMES = frozenset(
    {
        "client_for",
        "close",
        "clients_created",
        "partition",
        "regions",
        "regions_source",
        "service_name",
        "session",
        "targets",
        "with_options",
        "with_targets",
    }
)

# Keyword parameters of the generated paginate_ and wait_ methods (their one table is
# multiregion_runtime.core.modeltext), beside the operation's own (**kwargs): a request
# key with one of these names would clash with them, so generation fails on one.
PAGINATE_PARAMS = tuple(extra.name for extra in PAGINATE_KEYWORDS)
WAIT_PARAMS = tuple(extra.name for extra in WAIT_KEYWORDS)

_NOT_IDENTIFIER_CHARS = re.compile(r"\W")


def module_name(service_name: str) -> str:
    """``lambda`` -> ``lambda_``, ``network-firewall`` -> ``network_firewall``."""
    name = service_name.replace("-", "_").replace(".", "_")
    return name + "_" if keyword.iskeyword(name) else name


def class_name(service_model: ServiceModel) -> str:
    """``MultiRegion`` + the class name boto3 gives the client (``EC2``, ``SimpleDB``)."""
    return "MultiRegion" + get_service_module_name(service_model)


def method_name(operation_name: str) -> str:
    """The boto3 method name (``ListQueues`` -> ``list_queues``), made safe."""
    name = xform_name(operation_name)
    if keyword.iskeyword(name) or name in RESERVED_METHOD_NAMES:
        return name + "_"
    return name


def paginate_method_name(operation_name: str) -> str:
    """``DescribeInstances`` -> ``paginate_describe_instances`` (never a keyword)."""
    return "paginate_" + xform_name(operation_name)


def iter_method_name(operation_name: str) -> str:
    return "iter_" + xform_name(operation_name)


def wait_method_name(waiter_name: str) -> str:
    """``InstanceRunning`` -> ``wait_instance_running`` (boto3's waiter name, prefixed)."""
    return "wait_" + xform_name(waiter_name)


def identifier(name: str) -> str:
    """A shape name as a Python identifier (shape names are almost always already)."""
    name = _NOT_IDENTIFIER_CHARS.sub("_", name)
    return "_" + name if name[:1].isdigit() else name


def typed_dict_name(shape_name: str, suffix: str = "") -> str:
    """``Tag`` -> ``TagTypeDef``; ``IpPermission`` + ``Output`` -> ``IpPermissionOutputTypeDef``."""
    return identifier(shape_name) + suffix + "TypeDef"


def literal_name(shape_name: str) -> str:
    """``QueueAttributeName`` -> ``QueueAttributeNameType`` (boto3-stubs' convention)."""
    return identifier(shape_name) + "Type"


def is_class_field_name(name: str) -> bool:
    """Whether ``name`` can be a field of a class-syntax TypedDict."""
    return name.isidentifier() and not keyword.iskeyword(name)
