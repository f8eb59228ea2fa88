"""Arrow schemas from the generated schema data (``multiregion/_schemas/*.json``).

pyarrow is imported here only inside functions, when a schema is asked for, so
``import multiregion.<service>`` never pays for it. Each schema comes with a
*preparer*: the few conversions pyarrow cannot do alone from a botocore value
(JSON text for documents and for recursion cut off, "****" for credentials). Where a
shape needs none, the preparer is None and values go to pyarrow untouched.

Recursive shapes (a structure that contains itself, e.g. Cost Explorer's
``Expression``): a structure is expanded at most ``MAX_NESTING`` times on one path;
one level deeper, the value is kept as a JSON string.
"""

from __future__ import annotations

import base64
import datetime
import functools
import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.secrets import SECRET_KEYS

if TYPE_CHECKING:
    import pyarrow as pa

#: How many times one structure may appear on a path before the rest is JSON text.
MAX_NESTING = 2
#: Column names of the target a row came from (prefixed: AWS items have fields
#: named Region, Account and Endpoint of their own).
TARGET_COLUMNS = ("target_region", "target_account", "target_endpoint")

Prepare = Callable[[Any], Any]

#: Members botocore decodes from JSON text into dicts before we see them
#: (``handlers.json_decode_policies``: IAM's policyDocumentType): JSON text columns.
DECODED_DOCUMENTS = {
    "iam": frozenset(
        {"AssumeRolePolicyDocument", "Document", "PolicyDocument", "ResourcePolicy"}
    )
}


@dataclass(frozen=True)
class Typed:
    """An Arrow type and the preparer its Python values need first (None: none)."""

    type: pa.DataType
    prepare: Prepare | None


def schema_dir() -> Path:
    """Where the generated package keeps the schema data (found without importing it)."""
    spec = importlib.util.find_spec("multiregion")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the multiregion package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "_schemas"


@functools.lru_cache(maxsize=16)
def service_data(service_name: str) -> dict[str, Any]:
    path = schema_dir() / f"{service_name}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(
            f"no Arrow schema data for service {service_name!r} (looked for {path}); "
            "is it a botocore service this package was generated for?"
        ) from None
    data: dict[str, Any] = json.loads(text)
    return data


@functools.lru_cache(maxsize=256)
def output_type(service_name: str, operation_name: str) -> Typed:
    """The Arrow type of an operation's whole response (a struct; empty if none)."""
    data = service_data(service_name)
    if operation_name not in data["outputs"]:
        raise ValueError(f"{service_name} has no operation {operation_name!r}")
    code = data["outputs"][operation_name]
    if code is None:
        import pyarrow as pa

        return Typed(pa.struct([]), None)
    return _Builder(data["structures"], service_name).typed(code)


@functools.lru_cache(maxsize=256)
def item_type(service_name: str, operation_name: str) -> Typed:
    """The Arrow type of one item of the operation's iter_ method."""
    data = service_data(service_name)
    if operation_name not in data["items"]:
        raise ValueError(
            f"{service_name} operation {operation_name!r} has no iter_ items"
        )
    return _Builder(data["structures"], service_name).typed(
        data["items"][operation_name]
    )


class _Builder:
    """Expands type codes (see codegen/arrow.py) into Arrow types and preparers."""

    def __init__(
        self, structures: dict[str, dict[str, Any]], service_name: str = ""
    ) -> None:
        import pyarrow as pa

        self.pa = pa
        self.structures = structures
        self.documents = DECODED_DOCUMENTS.get(service_name, frozenset())
        self.scalars: dict[str, Any] = {
            "s": pa.string(),
            "i": pa.int64(),
            "f": pa.float64(),
            "b": pa.bool_(),
            "t": pa.timestamp("us", tz="UTC"),
            "y": pa.binary(),
            "j": pa.string(),
        }

    def typed(self, code: Any, path: tuple[str, ...] = ()) -> Typed:
        pa = self.pa
        if isinstance(code, list):
            inner = self.typed(code[1], path)
            if code[0] == "l":
                return Typed(pa.list_(inner.type), _each(inner.prepare))
            return Typed(pa.map_(pa.string(), inner.type), _each_value(inner.prepare))
        if code in self.scalars:
            return Typed(self.scalars[code], to_json if code == "j" else None)
        if path.count(code) >= MAX_NESTING:
            return Typed(pa.string(), to_json)
        return self.struct(code, path + (code,))

    def struct(self, name: str, path: tuple[str, ...]) -> Typed:
        fields, prepares = [], {}
        for key, code in self.structures[name].items():
            member = self.typed(code, path)
            if key in SECRET_KEYS:
                member = Typed(self.pa.string(), _mask)
            elif key in self.documents and code == "s":
                member = Typed(self.pa.string(), _document)
            fields.append(self.pa.field(key, member.type))
            if member.prepare is not None:
                prepares[key] = member.prepare
        return Typed(self.pa.struct(fields), _fields(prepares) if prepares else None)


def _each(prepare: Prepare | None) -> Prepare | None:
    if prepare is None:
        return None
    return lambda values: [None if v is None else prepare(v) for v in values]


def _each_value(prepare: Prepare | None) -> Prepare | None:
    if prepare is None:
        return None
    return lambda mapping: {
        k: None if v is None else prepare(v) for k, v in mapping.items()
    }


def _fields(prepares: dict[str, Prepare]) -> Prepare:
    def prepare(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        changed = dict(value)
        for key, fn in prepares.items():
            if changed.get(key) is not None:
                changed[key] = fn(changed[key])
        return changed

    return prepare


def _document(value: Any) -> str:
    return value if isinstance(value, str) else to_json(value)


def _mask(value: Any) -> str:
    return "****"


def to_json(value: Any) -> str:
    """JSON text of a botocore value: timestamps as ISO 8601, blobs as base64."""
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)
