"""The two forms the generated Arrow schemas could take, measured.

- data (what is generated): ``multiregion/_schemas/<service>.json``, type codes and
  structures by name (codegen/arrow.py), read at run time.
- Python: a module per service building the same types with pyarrow calls, one line
  per structure (``Tag = pa.struct([pa.field("Key", pa.string()), ...])``), rendered
  here from the same data. It leaves out what a real module would add (an order
  that respects references, recursion cut into copies, headers), so its size is a
  lower bound.
"""

from __future__ import annotations

import json
import time
from typing import Any

from multiregion_runtime.data import schema as _schema

_PY_SCALARS = {
    "s": "pa.string()",
    "i": "pa.int64()",
    "f": "pa.float64()",
    "b": "pa.bool_()",
    "t": 'pa.timestamp("us", tz="UTC")',
    "y": "pa.binary()",
    "j": "pa.string()",
}


def _py_type(code: Any) -> str:
    if isinstance(code, list):
        inner = _py_type(code[1])
        return (
            f"pa.list_({inner})" if code[0] == "l" else f"pa.map_(pa.string(), {inner})"
        )
    return _PY_SCALARS.get(code, str(code))


def python_form(data: dict[str, Any]) -> str:
    lines = ["import pyarrow as pa", ""]
    for name, fields in data["structures"].items():
        members = ", ".join(
            f'pa.field("{k}", {_py_type(c)})' for k, c in fields.items()
        )
        lines.append(f"{name} = pa.struct([{members}])")
    for table in ("outputs", "items"):
        entries = ", ".join(
            f'"{op}": {_py_type(code) if code else None}'
            for op, code in data[table].items()
        )
        lines.append(f"{table.upper()} = {{{entries}}}")
    return "\n".join(lines) + "\n"


def measure() -> dict[str, Any]:
    """Bytes of each form over every service, and the cost of reading EC2's data."""
    data_bytes = python_bytes = services = 0
    for path in sorted(_schema.schema_dir().glob("*.json")):
        text = path.read_text(encoding="utf-8")
        data_bytes += len(text.encode())
        python_bytes += len(python_form(json.loads(text)).encode())
        services += 1
    ec2 = (_schema.schema_dir() / "ec2.json").read_text(encoding="utf-8")
    started = time.perf_counter()
    for _ in range(20):
        json.loads(ec2)
    load_ms = (time.perf_counter() - started) / 20 * 1e3
    started = time.perf_counter()
    import pyarrow  # noqa: F401  # its import is not the schema's cost

    pyarrow_import_ms = (time.perf_counter() - started) * 1e3
    started = time.perf_counter()
    _schema.item_type("ec2", "DescribeInstances")
    first_schema_ms = (time.perf_counter() - started) * 1e3
    return {
        "services": services,
        "data_bytes": data_bytes,
        "python_bytes": python_bytes,
        "ec2_data_bytes": len(ec2.encode()),
        "ec2_json_load_ms": load_ms,
        "ec2_first_schema_ms": first_schema_ms,
        "pyarrow_import_ms": pyarrow_import_ms,
    }
