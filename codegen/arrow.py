"""botocore output shapes -> the compact Arrow schema data of one service.

The data is one JSON file per service, ``multiregion/_schemas/<service>.json``, that
the runtime (``multiregion_runtime.data.schema``) reads and turns into pyarrow types only
when a schema is asked for. A data file rather than generated Python: it is about a
third of the size, needs no pyarrow import to load, and keeps recursive shapes as
references, cut at run time (see benchmarks/RESULTS.md, "Arrow schema forms").

Type codes, one per botocore type (the Arrow type the runtime makes):

    "s" string and enum (string)        "i" integer, long (int64)
    "f" float, double (float64)         "b" boolean (bool)
    "t" timestamp (timestamp[us, UTC])  "y" blob (binary)
    "j" document / JSON value (string holding JSON)
    ["l", T] list (list<T>)             ["m", T] map (map<string, T>)
    any other string: the name of a structure in "structures" (struct)

Streaming bodies and event streams are not data one can hold in a table: their
members are left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

TypeCode = str | list[Any]

_SCALARS = {
    "string": "s",
    "integer": "i",
    "long": "i",
    "float": "f",
    "double": "f",
    "boolean": "b",
    "timestamp": "t",
    "blob": "y",
}
SCALAR_CODES = frozenset(_SCALARS.values()) | {"j"}


class _Collector:
    """Walks output shapes, recording each structure once (references stay names)."""

    def __init__(self) -> None:
        self.structures: dict[str, dict[str, TypeCode]] = {}

    def code(self, shape: Shape) -> TypeCode | None:
        """The type code of ``shape``; None for a stream, which has no table form."""
        if shape.serialization.get("streaming") or shape.serialization.get(
            "eventstream"
        ):
            return None
        if shape.type_name == "structure":
            if shape.metadata.get("document"):
                return "j"
            assert isinstance(shape, StructureShape)
            return self._structure(shape)
        if isinstance(shape, ListShape):
            item = self.code(shape.member)
            return None if item is None else ["l", item]
        if isinstance(shape, MapShape):
            value = self.code(shape.value)
            return None if value is None else ["m", value]
        if shape.type_name == "string" and shape.serialization.get("jsonvalue"):
            return "j"
        if shape.type_name in _SCALARS:
            return _SCALARS[shape.type_name]
        raise ValueError(f"shape {shape.name!r} has unknown type {shape.type_name!r}")

    def _structure(self, shape: StructureShape) -> str:
        if shape.name in SCALAR_CODES:
            raise ValueError(f"structure {shape.name!r} has the name of a type code")
        if shape.name not in self.structures:
            fields: dict[str, TypeCode] = {}
            self.structures[shape.name] = fields  # before members: shapes recurse
            for key, member in shape.members.items():
                code = self.code(member)
                if code is not None:
                    fields[key] = code
        return shape.name


def _item_shape(output: Shape | None, result_key: str) -> Shape | None:
    """The element shape of the list ``result_key`` names (a dotted path), or None."""
    shape = output
    for part in result_key.split("."):
        if not isinstance(shape, StructureShape) or part not in shape.members:
            return None
        shape = shape.members[part]
    return shape.member if isinstance(shape, ListShape) else None


def schema_data(model: ServiceModel, paginators: Mapping[str, Any]) -> dict[str, Any]:
    """Output type of every operation, item type of every iter_ method, structures."""
    collector = _Collector()
    outputs: dict[str, TypeCode | None] = {}
    for name in sorted(model.operation_names):
        output = model.operation_model(name).output_shape
        outputs[name] = None if output is None else collector.code(output)
    items: dict[str, TypeCode] = {}
    for name, config in sorted(paginators.get("pagination", {}).items()):
        result_key = config["result_key"]
        if isinstance(result_key, list):
            result_key = result_key[0]
        output = model.operation_model(name).output_shape
        item = _item_shape(output, result_key)
        code = None if item is None else collector.code(item)
        if code is not None:
            items[name] = code
    return {
        # No botocore version here: it is in _version.py only, so that a model
        # update rewrites only the files whose models changed.
        "generated": "by multiregion's codegen from botocore's models; do not edit",
        "service": model.service_name,
        "outputs": outputs,
        "items": items,
        "structures": dict(sorted(collector.structures.items())),
    }


def render_schema_data(data: Mapping[str, Any]) -> str:
    """Compact, stable JSON with one line per operation and per structure, so a
    botocore update shows as a readable diff."""
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            entries = [f"{_compact(k)}:{_compact(v)}" for k, v in value.items()]
            value_text = "{\n" + ",\n".join(entries) + "\n}" if entries else "{}"
        else:
            value_text = _compact(value)
        lines.append(f"{_compact(key)}:{value_text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
