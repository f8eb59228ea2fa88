"""API parameters from the command line, as the AWS CLI reads them.

``--instance-ids a b`` (lists), ``--max-results 5``, ``--dry-run`` / ``--no-dry-run``,
``--filters Name=x,Values=a,b`` (shorthand), ``--filters '[{"Name": ...}]'`` (JSON),
``file://path`` for any value, and ``--cli-input-json``. Every value is converted to
the type its shape in the model asks for, so errors name the option and the type.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
from pathlib import Path
from typing import Any

import botocore
from botocore.model import OperationModel, Shape, StructureShape
from botocore.utils import ArgumentGenerator

from ..core.modeltext import describe
from ._args import UsageError

_SCALARS = ("string", "integer", "long", "float", "double", "boolean", "timestamp")


def option_names(operation: OperationModel) -> dict[str, str]:
    """``{"--queue-name": "QueueName", ...}`` for the operation's input members."""
    shape = operation.input_shape
    members = shape.members if shape is not None else {}
    return {f"--{botocore.xform_name(name, '-')}": name for name in members}


def build_params(
    operation: OperationModel,
    raw: dict[str, list[str]],
    cli_input_json: str | None,
    known_options: list[str],
) -> dict[str, Any]:
    """The API parameters of ``operation`` from the command line's ``--options``."""
    shape = operation.input_shape
    params: dict[str, Any] = {}
    if cli_input_json is not None:
        params.update(_cli_input(cli_input_json, shape))
    names = option_names(operation)
    for option, values in raw.items():
        member, negated = _member_for(option, names, shape, known_options)
        assert shape is not None  # _member_for found a member
        member_shape = shape.members[member]
        if negated:
            if values:
                raise UsageError(f"{option} takes no value, got {' '.join(values)!r}")
            params[member] = False
        else:
            params[member] = convert(values, member_shape, option)
    _check_required(shape, params, names)
    return params


def _member_for(
    option: str,
    names: dict[str, str],
    shape: StructureShape | None,
    known_options: list[str],
) -> tuple[str, bool]:
    """The input member an ``--option`` sets, and whether it is a ``--no-`` flag."""
    if option in names:
        return names[option], False
    positive = "--" + option[len("--no-") :]
    if option.startswith("--no-") and positive in names:
        member = names[positive]
        assert shape is not None
        if shape.members[member].type_name == "boolean":
            return member, True
    close = difflib.get_close_matches(option, [*names, *known_options], n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    listed = ", ".join(names) if names else "none"
    raise UsageError(
        f"unknown parameter {option}{hint} (this operation takes: {listed})"
    )


def _check_required(
    shape: StructureShape | None, params: dict[str, Any], names: dict[str, str]
) -> None:
    if shape is None:
        return
    by_member = {member: option for option, member in names.items()}
    missing = [by_member[m] for m in shape.required_members if m not in params]
    if missing:
        raise UsageError(f"missing required parameter: {', '.join(missing)}")


def _cli_input(text: str, shape: StructureShape | None) -> dict[str, Any]:
    data = _load_json(read_value(text), "--cli-input-json")
    if not isinstance(data, dict):
        raise UsageError("--cli-input-json must be a JSON object of parameters")
    if shape is None:
        if data:
            raise UsageError("--cli-input-json: this operation takes no parameters")
        return {}
    return coerce(data, shape, "--cli-input-json")  # type: ignore[no-any-return]


def read_value(text: str) -> str:
    """``file://path`` is replaced by the file's text, as in the AWS CLI."""
    if text.startswith("file://"):
        path = Path(text[len("file://") :]).expanduser()
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot read {text}: {error.strerror}") from None
    return text


def convert(values: list[str], shape: Shape, option: str) -> Any:
    """The words after ``option`` as a value of ``shape``."""
    if shape.type_name == "list":
        return _convert_list(values, shape, option)
    if shape.type_name == "boolean" and not values:
        return True  # --dry-run
    if len(values) != 1:
        got = "nothing" if not values else f"{len(values)}: {' '.join(values)}"
        raise UsageError(f"{option} takes one value ({describe(shape)}), got {got}")
    return _convert_one(values[0], shape, option)


def _convert_list(values: list[str], shape: Shape, option: str) -> list[Any]:
    member: Shape = shape.member  # type: ignore[attr-defined]
    if not values:
        raise UsageError(f"{option} needs at least one value ({describe(shape)})")
    if len(values) == 1:
        text = read_value(values[0])
        if text.lstrip().startswith("["):
            return coerce(_load_json(text, option), shape, option)  # type: ignore[no-any-return]
        if member.type_name in _SCALARS and "," in text:
            values = text.split(",")  # AWS CLI shorthand: --instance-ids a,b
    return [_convert_one(value, member, option) for value in values]


def _convert_one(text: str, shape: Shape, option: str) -> Any:
    if text.startswith("fileb://") and shape.type_name == "blob":
        try:
            return Path(text[len("fileb://") :]).expanduser().read_bytes()
        except OSError as error:
            raise UsageError(f"cannot read {text}: {error.strerror}") from None
    text = read_value(text)
    if shape.type_name in ("structure", "map", "list"):
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            return coerce(_load_json(text, option), shape, option)
        return coerce(parse_shorthand(text, option), shape, option)
    return coerce(text, shape, option)


def _load_json(text: str, option: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{option}: invalid JSON: {error}") from None


def coerce(value: Any, shape: Shape, where: str) -> Any:
    """``value`` (from JSON or shorthand) converted to what ``shape`` asks for."""
    kind = shape.type_name
    if kind == "structure":
        return _coerce_structure(value, shape, where)  # type: ignore[arg-type]
    if kind == "map":
        if not isinstance(value, dict):
            raise UsageError(f"{where}: expected a map of key=value, got {value!r}")
        value_shape: Shape = shape.value  # type: ignore[attr-defined]
        return {k: coerce(v, value_shape, f"{where}.{k}") for k, v in value.items()}
    if kind == "list":
        items = value if isinstance(value, list) else [value]
        member: Shape = shape.member  # type: ignore[attr-defined]
        return [coerce(item, member, f"{where}[{i}]") for i, item in enumerate(items)]
    if isinstance(value, (list, dict)):
        raise UsageError(f"{where}: expected {describe(shape)}, got {value!r}")
    return _coerce_scalar(value, kind, where)


def _coerce_structure(value: Any, shape: StructureShape, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{where}: expected {describe(shape)}, got {value!r}")
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key not in shape.members:
            close = difflib.get_close_matches(key, list(shape.members), n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise UsageError(
                f"{where}: unknown key {key!r}{hint} "
                f"(valid keys: {', '.join(shape.members)})"
            )
        result[key] = coerce(item, shape.members[key], f"{where}.{key}")
    return result


def _coerce_scalar(value: Any, kind: str, where: str) -> Any:
    if not isinstance(value, str):
        return value  # typed already (JSON); botocore's validator checks it
    try:
        if kind in ("integer", "long"):
            return int(value)
        if kind in ("float", "double"):
            return float(value)
    except ValueError:
        raise UsageError(f"{where}: expected {kind}, got {value!r}") from None
    if kind == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise UsageError(f"{where}: expected true or false, got {value!r}")
        return lowered == "true"
    return value  # strings, timestamps (botocore parses them) and blobs


# -- shorthand: Name=x,Values=a,b  /  Key=[a,b],Other={K=v}  --------------------------


def parse_shorthand(text: str, option: str) -> Any:
    """The AWS CLI's shorthand syntax, parsed to dicts, lists and strings.

    ``Name=x,Values=a,b`` -> {"Name": "x", "Values": ["a", "b"]}: words after a comma
    with no ``=`` continue the previous key's list. ``[...]`` is a list, ``{...}`` a
    nested structure, and quotes keep commas and brackets in a value.
    """
    parser = _Shorthand(text, option)
    result = parser.structure(end="")
    return result


class _Shorthand:
    def __init__(self, text: str, option: str) -> None:
        self.text = text
        self.option = option
        self.pos = 0

    def fail(self, why: str) -> UsageError:
        return UsageError(
            f"{self.option}: {why} at character {self.pos + 1} of {self.text!r}; "
            "expected Key=value,Key2=value2 or JSON"
        )

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def structure(self, end: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            key = self.word(stop="=,{}[]").strip()
            if self.peek() != "=" or not key:
                raise self.fail("expected Key=")
            self.pos += 1
            result[key] = self.value(end)
            if self.peek() == ",":
                self.pos += 1
                continue
            if self.peek() == end:
                return result
            raise self.fail(f"unexpected {self.peek()!r}")

    def value(self, end: str) -> Any:
        char = self.peek()
        if char == "[":
            return self.bracketed_list()
        if char == "{":
            self.pos += 1
            nested = self.structure(end="}")
            self.pos += 1
            return nested
        first = self.scalar(end)
        more = []
        while self.peek() == "," and not self.key_follows():
            self.pos += 1
            more.append(self.scalar(end))
        return [first, *more] if more else first

    def key_follows(self) -> bool:
        """After a comma: does a ``Key=`` come next (else a list continues)?"""
        rest = self.text[self.pos + 1 :]
        if not rest:
            return True  # a trailing comma: the structure then asks for a Key=
        for char in rest:
            if char == "=":
                return True
            if char in ",[]{}\"'":
                return False
        return False

    def bracketed_list(self) -> list[Any]:
        self.pos += 1
        items: list[Any] = []
        while self.peek() != "]":
            if not self.peek():
                raise self.fail("missing ']'")
            if self.peek() == "{":
                self.pos += 1
                items.append(self.structure(end="}"))
                self.pos += 1
            else:
                items.append(self.scalar(end="]"))
            if self.peek() == ",":
                self.pos += 1
        self.pos += 1
        return items

    def scalar(self, end: str) -> str:
        if self.peek() in ("'", '"'):
            quote = self.peek()
            close = self.text.find(quote, self.pos + 1)
            if close < 0:
                raise self.fail(f"missing closing {quote}")
            word = self.text[self.pos + 1 : close]
            self.pos = close + 1
            return word
        return self.word(stop="," + end)

    def word(self, stop: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stop:
            self.pos += 1
        return self.text[start : self.pos]


def decode_blobs(value: Any, shape: Shape | None, where: str = "") -> Any:
    """``value`` with every blob given as text base64-decoded (--cli-binary-format
    base64, the AWS CLI v2 default); ``fileb://`` blobs are bytes already."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise UsageError(
                f"{where or 'a blob'}: invalid base64 {value[:40]!r}; pass base64, "
                "fileb://path, or --cli-binary-format raw-in-base64-out to send "
                "the text itself"
            ) from None
    if kind == "structure" and isinstance(value, dict):
        members = shape.members  # type: ignore[attr-defined]
        return {
            k: decode_blobs(v, members.get(k), f"{where}.{k}" if where else k)
            for k, v in value.items()
        }
    if kind == "list" and isinstance(value, list):
        member = shape.member  # type: ignore[attr-defined]
        return [decode_blobs(v, member, f"{where}[{i}]") for i, v in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        inner = shape.value  # type: ignore[attr-defined]
        return {k: decode_blobs(v, inner, f"{where}.{k}") for k, v in value.items()}
    return value


def skeleton(shape: Shape | None, output: bool) -> Any:
    """A template of ``shape`` as the AWS CLI's --generate-cli-skeleton prints it:
    empty values for input, member names as values for output."""
    if shape is None:
        return {}
    return ArgumentGenerator(use_member_names=output).generate_skeleton(shape)
