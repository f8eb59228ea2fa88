"""botocore ``ServiceModel`` -> ``ServiceIR``: the shape-to-type mapping.

A structure can appear in three positions: in a request ("in"), nested in a
response ("out") or as an operation's whole response ("response"). Its TypedDict is
named ``<Shape>TypeDef`` for the first position it has (in that order). A second
TypedDict exists only where the type really differs: ``<Shape>OutputTypeDef`` when
the shape is used both ways and holds direction-dependent types (timestamps, blobs,
lists, maps, documents), ``<Shape>ResponseTypeDef`` when a whole response (which
gains ``ResponseMetadata``) is also used elsewhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)
from botocore.waiter import WaiterModel

from codegen import docs, names
from codegen.ir import (
    FieldIR,
    LiteralIR,
    OperationIR,
    PaginatorIR,
    ServiceIR,
    TypedDictIR,
    TypeExpr,
    UnionExpr,
    WaiterIR,
)

Direction = Literal["in", "out"]
Position = Literal["in", "out", "response"]
POSITIONS: tuple[Position, ...] = ("in", "out", "response")

# Names the shared module multiregion.type_defs defines; shapes never take them.
SHARED_NAMES = (
    "DocumentOutputValue",
    "DocumentValue",
    "EmptyResponseMetadataTypeDef",
    "EventStream",
    "ResponseMetadataTypeDef",
    "StreamingBody",
)
_SCALARS = {
    "integer": "int",
    "long": "int",
    "float": "float",
    "double": "float",
    "boolean": "bool",
}
_STR = TypeExpr("str")


def _trait(shape: Shape, name: str) -> object:
    # botocore keeps traits such as "deprecated" only in the raw shape dict (member
    # traits merged in); Shape exposes no accessor for them.
    raw: dict[str, object] = getattr(shape, "_shape_model", {})
    return raw.get(name)


def _is_document(shape: Shape) -> bool:
    return shape.type_name == "structure" and bool(shape.metadata.get("document"))


def _is_struct(shape: Shape) -> bool:
    return shape.type_name == "structure" and not _is_document(shape)


def _leaf_differs(shape: Shape) -> bool:
    """Whether a non-structure shape has different input and output types."""
    if shape.type_name in ("list", "map", "timestamp", "blob"):
        return True
    if shape.type_name == "string":
        return bool(shape.serialization.get("jsonvalue"))
    return _is_document(shape)


@dataclass
class _Usage:
    """Where each structure is used, which enums are reached, shape objects by name."""

    positions: dict[str, set[Position]] = field(
        default_factory=lambda: defaultdict(set)
    )
    structures: dict[str, StructureShape] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def walk(self, shape: Shape, position: Position) -> None:
        """Record ``shape`` and everything it reaches as used at ``position``."""
        if _is_struct(shape):
            assert isinstance(shape, StructureShape)
            if position in self.positions[shape.name]:
                return
            self.positions[shape.name].add(position)
            self.structures.setdefault(shape.name, shape)
            nested: Position = "in" if position == "in" else "out"
            for member in shape.members.values():
                self.walk(member, nested)
        elif isinstance(shape, ListShape):
            self.walk(shape.member, position)
        elif isinstance(shape, MapShape):
            self.walk(shape.key, position)
            self.walk(shape.value, position)
        elif isinstance(shape, StringShape) and shape.enum:
            self.enums.setdefault(shape.name, tuple(dict.fromkeys(shape.enum)))


def _differing_structures(structures: dict[str, StructureShape]) -> set[str]:
    """Structures whose input and output TypedDicts differ (fixpoint over references)."""
    differing = set()
    references: dict[str, set[str]] = {}
    for name, shape in structures.items():
        members = list(shape.members.values())
        if any(_leaf_differs(m) for m in members):
            differing.add(name)
        references[name] = {m.name for m in members if _is_struct(m)}
    changed = True
    while changed:
        changed = False
        for name, refs in references.items():
            if name not in differing and refs & differing:
                differing.add(name)
                changed = True
    return differing


class _Namer:
    """Gives every (structure, position) its TypedDict name, unique in the module."""

    def __init__(self, usage: _Usage, differing: set[str]) -> None:
        self.names: dict[tuple[str, Position], str] = {}
        taken = set(SHARED_NAMES)
        variants: list[tuple[str, Position, str]] = []
        for shape_name in sorted(usage.positions):
            positions = usage.positions[shape_name]
            first = next(p for p in POSITIONS if p in positions)
            primary = names.typed_dict_name(shape_name)
            primary = _unique(primary, taken)
            self.names[(shape_name, first)] = primary
            for position in POSITIONS:
                if position == first or position not in positions:
                    continue
                if position == "out" and shape_name not in differing:
                    self.names[(shape_name, position)] = primary
                else:
                    suffix = "Output" if position == "out" else "Response"
                    variants.append((shape_name, position, suffix))
        # Variants after all primary names, so a shape's own name always wins.
        for shape_name, position, suffix in variants:
            name = _unique(names.typed_dict_name(shape_name, suffix), taken)
            self.names[(shape_name, position)] = name

    def forms(self) -> Iterator[tuple[str, Position, str]]:
        """(shape name, position, TypedDict name) for every TypedDict, sorted by name."""
        seen = set()
        for (shape_name, position), name in sorted(self.names.items(), key=_by_name):
            if name not in seen:
                seen.add(name)
                yield shape_name, position, name


def _by_name(item: tuple[tuple[str, Position], str]) -> tuple[str, int]:
    (_, position), name = item
    return name, POSITIONS.index(position)


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with its ``TypeDef`` suffix numbered if a shape has it."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name.removesuffix('TypeDef')}{number}TypeDef"
    taken.add(candidate)
    return candidate


class _TypeMapper:
    """Maps a (member) shape and a direction to a type expression."""

    def __init__(self, namer: _Namer, differing: set[str]) -> None:
        self.namer = namer
        self.differing = differing

    def expr(self, shape: Shape, direction: Direction) -> TypeExpr:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, direction)
        if isinstance(shape, ListShape):
            item = self.expr(shape.member, direction)
            return TypeExpr("Sequence" if direction == "in" else "list", (item,))
        if isinstance(shape, MapShape):
            key = self.expr(shape.key, direction)
            value = self.expr(shape.value, direction)
            return TypeExpr("Mapping" if direction == "in" else "dict", (key, value))
        if kind == "string":
            return self._string(shape, direction)
        if kind == "blob":
            return self._blob(shape, direction)
        if kind == "timestamp":
            if direction == "in":
                return UnionExpr("|", (TypeExpr("datetime"), _STR))
            return TypeExpr("datetime")
        if kind in _SCALARS:
            return TypeExpr(_SCALARS[kind])
        raise ValueError(f"shape {shape.name!r} has unknown type {kind!r}")

    def _structure(self, shape: Shape, direction: Direction) -> TypeExpr:
        if _is_document(shape):
            return _document(direction)
        typed_dict = TypeExpr(self.namer.names[(shape.name, direction)], local=True)
        if shape.serialization.get("eventstream"):
            # botocore yields the events of an output stream; input streams (HTTP/2
            # only) take an iterable of events.
            wrapper = "EventStream" if direction == "out" else "Iterable"
            return TypeExpr(wrapper, (typed_dict,))
        return typed_dict

    def _string(self, shape: Shape, direction: Direction) -> TypeExpr:
        if shape.serialization.get("jsonvalue"):
            return _document(direction)
        if shape.serialization.get("streaming") and direction == "out":
            return TypeExpr("StreamingBody")
        if isinstance(shape, StringShape) and shape.enum:
            return TypeExpr(names.literal_name(shape.name))
        return _STR

    def _blob(self, shape: Shape, direction: Direction) -> TypeExpr:
        if direction == "in":
            io = TypeExpr("IO", (TypeExpr("Any"),))
            return UnionExpr("|", (TypeExpr("bytes"), _STR, io))
        if shape.serialization.get("streaming"):
            return TypeExpr("StreamingBody")
        return TypeExpr("bytes")


def _document(direction: Direction) -> TypeExpr:
    return TypeExpr("DocumentValue" if direction == "in" else "DocumentOutputValue")


def _typed_dict(
    shape: StructureShape, position: Position, name: str, mapper: _TypeMapper
) -> TypedDictIR:
    direction: Direction = "in" if position == "in" else "out"
    required = set(shape.required_members)
    fields = []
    for key, member in shape.members.items():
        differs = _leaf_differs(member) or member.name in mapper.differing
        fields.append(
            FieldIR(
                key=key,
                type=mapper.expr(member, direction),
                required=key in required,
                read_only=direction == "in" and differs,
                deprecated=bool(_trait(member, "deprecated")),
            )
        )
    if position == "response" and "ResponseMetadata" not in shape.members:
        fields.append(
            FieldIR("ResponseMetadata", TypeExpr("ResponseMetadataTypeDef"), True)
        )
    return TypedDictIR(
        name, shape.name, tuple(fields), bool(_trait(shape, "deprecated"))
    )


def _doc_url(model: ServiceModel, operation_name: str) -> str:
    uid = model.metadata.get("uid")
    if uid:
        return f"https://docs.aws.amazon.com/goto/WebAPI/{uid}/{operation_name}"
    return (
        "https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/"
        f"{model.service_name}/client/{names.method_name(operation_name)}.html"
    )


def _operation(model: ServiceModel, op: OperationModel, namer: _Namer) -> OperationIR:
    input_shape, output_shape = op.input_shape, op.output_shape
    request_type: str | None = None
    deprecated_params: tuple[str, ...] = ()
    if input_shape is not None and input_shape.members:
        request_type = namer.names[(input_shape.name, "in")]
        members = input_shape.members.items()
        deprecated_params = tuple(k for k, m in members if _trait(m, "deprecated"))
    raw: dict[str, object] = getattr(op, "_operation_model", {})
    return OperationIR(
        name=op.name,
        method_name=names.method_name(op.name),
        input_shape=input_shape.name if input_shape is not None else None,
        output_shape=output_shape.name if output_shape is not None else None,
        request_type=request_type,
        response_type=(
            namer.names[(output_shape.name, "response")]
            if output_shape is not None
            else "EmptyResponseMetadataTypeDef"
        ),
        summary=docs.summary(op.documentation),
        doc_url=_doc_url(model, op.name),
        deprecated=bool(op.deprecated),
        deprecated_message=str(raw.get("deprecatedMessage") or ""),
        deprecated_params=deprecated_params,
    )


def _collect_usage(model: ServiceModel) -> _Usage:
    usage = _Usage()
    for operation_name in model.operation_names:
        op = model.operation_model(operation_name)
        if op.input_shape is not None and op.input_shape.members:
            usage.walk(op.input_shape, "in")
        if op.output_shape is not None:
            usage.walk(op.output_shape, "response")
    return usage


def _paginators(
    model: ServiceModel,
    config: Mapping[str, Any],
    operations: Mapping[str, OperationIR],
    mapper: _TypeMapper,
) -> tuple[PaginatorIR, ...]:
    """A PaginatorIR per operation of botocore's paginator model (``paginators-1``)."""
    found = []
    for operation_name, paginator in config.get("pagination", {}).items():
        op = _operation_named(model, operations, operation_name, "paginator")
        result_key = paginator["result_key"]
        if isinstance(result_key, list):
            result_key = result_key[0]
        operation_model = model.operation_model(operation_name)
        _check_parameters(op, operation_model.input_shape, names.PAGINATE_PARAMS)
        item_type = _item_type(operation_model.output_shape, result_key, mapper)
        iter_method = names.iter_method_name(operation_name)
        found.append(
            PaginatorIR(
                operation=op,
                paginate_method=names.paginate_method_name(operation_name),
                iter_method=iter_method if item_type is not None else None,
                result_key=result_key,
                item_type=item_type,
            )
        )
    return tuple(sorted(found, key=lambda p: p.paginate_method))


def _item_type(
    output_shape: Shape | None, result_key: str, mapper: _TypeMapper
) -> TypeExpr | None:
    """The element type of the list ``result_key`` names (``DistributionList.Items``
    walks through a structure), or None if it names no list."""
    shape = output_shape
    for part in result_key.split("."):
        if not isinstance(shape, StructureShape) or part not in shape.members:
            return None
        shape = shape.members[part]
    if not isinstance(shape, ListShape):
        return None
    return mapper.expr(shape.member, "out")


def _waiters(
    model: ServiceModel,
    config: Mapping[str, Any],
    operations: Mapping[str, OperationIR],
) -> tuple[WaiterIR, ...]:
    """A WaiterIR per waiter of botocore's waiter model (``waiters-2``)."""
    if not config:
        return ()
    waiter_model = WaiterModel(dict(config))
    found = []
    for waiter_name in waiter_model.waiter_names:
        waiter = waiter_model.get_waiter(waiter_name)
        op = _operation_named(model, operations, waiter.operation, "waiter")
        input_shape = model.operation_model(waiter.operation).input_shape
        _check_parameters(op, input_shape, names.WAIT_PARAMS)
        found.append(
            WaiterIR(
                name=waiter_name,
                method_name=names.wait_method_name(waiter_name),
                operation=op,
                description=docs.summary(waiter.description),
                delay=waiter.delay,
                max_attempts=waiter.max_attempts,
            )
        )
    return tuple(sorted(found, key=lambda w: w.method_name))


def _operation_named(
    model: ServiceModel,
    operations: Mapping[str, OperationIR],
    operation_name: str,
    kind: str,
) -> OperationIR:
    try:
        return operations[operation_name]
    except KeyError:
        raise ValueError(
            f"{model.service_name}: a {kind} names operation {operation_name!r}, "
            "which the service model does not have"
        ) from None


def _check_parameters(
    op: OperationIR, input_shape: StructureShape | None, ours: Sequence[str]
) -> None:
    """Fail if a request key has the name of one of our keyword parameters."""
    keys = input_shape.members if input_shape is not None else {}
    clashing = sorted(set(ours) & set(keys))
    if clashing:
        raise ValueError(
            f"operation {op.name!r} has parameter(s) {', '.join(clashing)}, which "
            f"clash with the keyword parameters ({', '.join(ours)}) of its generated "
            "paginate_/iter_/wait_ methods: rename those in codegen/names.py"
        )


def _check_method_names(
    model: ServiceModel,
    operations: Sequence[OperationIR],
    paginators: Sequence[PaginatorIR],
    waiters: Sequence[WaiterIR],
) -> None:
    """Fail if two methods of the class, or a method and the runtime, share a name."""
    taken: dict[str, str] = {
        n: "the runtime's MultiRegionClient" for n in names.RESERVED_METHOD_NAMES
    }
    generated = [(op.method_name, f"operation {op.name}") for op in operations]
    for p in paginators:
        generated.append((p.paginate_method, f"the paginator of {p.operation.name}"))
        if p.iter_method is not None:
            generated.append((p.iter_method, f"the paginator of {p.operation.name}"))
    generated += [(w.method_name, f"waiter {w.name}") for w in waiters]
    for method, origin in generated:
        if method in taken:
            raise ValueError(
                f"{model.service_name}: method name {method!r} of {origin} is "
                f"already taken by {taken[method]}"
            )
        taken[method] = origin


def build_service(
    model: ServiceModel,
    botocore_version: str,
    paginators: Mapping[str, Any] | None = None,
    waiters: Mapping[str, Any] | None = None,
) -> ServiceIR:
    """The whole IR of one service: its operations and every type they reach.

    ``paginators`` and ``waiters`` are botocore's ``paginators-1`` and ``waiters-2``
    data for the service (``loader.load_paginators``), if it has any.
    """
    usage = _collect_usage(model)
    differing = _differing_structures(usage.structures)
    namer = _Namer(usage, differing)
    mapper = _TypeMapper(namer, differing)
    typed_dicts = tuple(
        _typed_dict(usage.structures[shape_name], position, name, mapper)
        for shape_name, position, name in namer.forms()
    )
    literals = tuple(
        LiteralIR(names.literal_name(shape_name), shape_name, values)
        for shape_name, values in sorted(usage.enums.items())
    )
    operations = sorted(
        (
            _operation(model, model.operation_model(n), namer)
            for n in model.operation_names
        ),
        key=lambda op: op.method_name,
    )
    by_name = {op.name: op for op in operations}
    paginator_irs = _paginators(model, paginators or {}, by_name, mapper)
    waiter_irs = _waiters(model, waiters or {}, by_name)
    _check_method_names(model, operations, paginator_irs, waiter_irs)
    return ServiceIR(
        service_name=model.service_name,
        module_name=names.module_name(model.service_name),
        class_name=names.class_name(model),
        # Plain text in practice, but cleaned like the docs: it goes into docstrings.
        full_name=docs.first_paragraph(str(model.metadata.get("serviceFullName", "")))
        or model.service_name,
        summary=docs.summary(model.documentation),
        botocore_version=botocore_version,
        operations=tuple(operations),
        typed_dicts=typed_dicts,
        literals=literals,
        paginators=paginator_irs,
        waiters=waiter_irs,
    )
