"""The intermediate representation: services, operations and types, no text yet.

``build.build_service`` makes a ``ServiceIR`` from a botocore ``ServiceModel``;
``render`` turns it into files. Everything here is plain, ordered data, so the same
model always gives the same output.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TypeExpr:
    """A type expression: a name, optionally subscripted (``Sequence[TagTypeDef]``).

    ``local`` marks a TypedDict of the same module, which the functional TypedDict
    syntax must quote because it is evaluated at import time.
    """

    name: str
    args: tuple[TypeExpr, ...] = ()
    local: bool = False

    def names(self) -> set[str]:
        """Every name the expression mentions."""
        found = {self.name}
        for arg in self.args:
            found |= arg.names()
        return found


@dataclass(frozen=True)
class UnionExpr(TypeExpr):
    """``a | b | c``; ``name`` is unused ("|")."""


@dataclass(frozen=True)
class FieldIR:
    """One key of a TypedDict."""

    key: str
    type: TypeExpr
    required: bool
    # Input keys whose type differs from the output's are read-only, so that a value
    # read from a response (list, datetime) can be passed into a request (Sequence).
    read_only: bool = False
    deprecated: bool = False


@dataclass(frozen=True)
class TypedDictIR:
    name: str
    shape_name: str
    fields: tuple[FieldIR, ...]
    deprecated: bool = False

    def names(self) -> set[str]:
        """Every name its fields' types mention."""
        found: set[str] = set()
        for f in self.fields:
            found |= f.type.names()
        return found


@dataclass(frozen=True)
class LiteralIR:
    name: str
    shape_name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class OperationIR:
    """One API operation (its paginator and waiters: ``PaginatorIR``, ``WaiterIR``)."""

    name: str  # botocore's PascalCase name, passed to MultiRegionClient._call
    method_name: str
    input_shape: str | None  # botocore shape names, None when the operation has none
    output_shape: str | None
    request_type: str | None  # TypedDict names in type_defs; None: no parameters
    response_type: str
    summary: str  # first paragraph of the documentation, plain text
    doc_url: str
    deprecated: bool = False
    deprecated_message: str = ""
    deprecated_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaginatorIR:
    """An operation botocore can paginate: ``paginate_<op>`` and ``iter_<op>``."""

    operation: OperationIR
    paginate_method: str  # "paginate_describe_instances"
    # Items of the paginator's first result key: None when that key is not a list
    # (a map, a structure, a string), so the operation has no iter_ method.
    iter_method: str | None  # "iter_describe_instances"
    result_key: str  # the first result key, a JMESPath: "Reservations", "A.Items"
    item_type: TypeExpr | None  # the list's element type, output form


@dataclass(frozen=True)
class WaiterIR:
    """One of botocore's waiters: ``wait_<waiter>``."""

    name: str  # botocore's PascalCase name, passed to MultiRegionClient._wait
    method_name: str  # "wait_instance_running"
    operation: OperationIR  # the operation it polls (its parameters are the waiter's)
    description: str  # plain text, often empty
    delay: float  # botocore's defaults: seconds between polls, polls at most
    max_attempts: int


@dataclass(frozen=True)
class ServiceIR:
    service_name: str  # botocore's: "sqs", "lambda", "sdb"
    module_name: str  # "sqs", "lambda_", "sdb"
    class_name: str  # "MultiRegionSQS"
    full_name: str  # "Amazon Simple Queue Service"
    summary: str
    botocore_version: str
    operations: tuple[OperationIR, ...]
    typed_dicts: tuple[TypedDictIR, ...]
    literals: tuple[LiteralIR, ...]
    paginators: tuple[PaginatorIR, ...] = ()  # sorted by operation method name
    waiters: tuple[WaiterIR, ...] = ()  # sorted by method name
