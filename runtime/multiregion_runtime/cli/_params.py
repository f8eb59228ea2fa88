"""API parameters from the command line, as the AWS CLI reads them.

``--instance-ids a b`` (lists), ``--max-results 5``, ``--dry-run`` / ``--no-dry-run``,
``--filters Name=x,Values=a,b`` (shorthand, cli/_shorthand.py), ``--filters
'[{"Name": ...}]'`` (JSON), ``file://path`` / ``fileb://path`` for any value, and
``--cli-input-json``. Shorthand is typed by the model as the AWS CLI v2 types it;
JSON is sent as given (botocore's validator checks its types before any request).
Errors name the option, and the key within it.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
import os
from pathlib import Path
from typing import Any

import botocore
from botocore.model import OperationModel, Shape, StructureShape
from botocore.utils import ArgumentGenerator

from ..core.modeltext import describe
from ._args import UsageError
from ._shorthand import ShorthandParser, read_paramfile

_COMPLEX = ("structure", "list", "map")


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
            params[member] = convert(values, member_shape, option, operation)
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
    return check_json(data, shape, "--cli-input-json")  # type: ignore[no-any-return]


def read_value(text: str) -> Any:
    """``file://path`` is the file's text and ``fileb://path`` its bytes, as in the
    AWS CLI; any other value is itself."""
    if text.startswith(("file://", "fileb://")):
        return read_paramfile(text)
    return text


def convert(
    values: list[str],
    shape: Shape,
    option: str,
    operation: OperationModel | None = None,
) -> Any:
    """The words after ``option`` as a value of ``shape``, as AWS CLI v2 reads them:
    a single word may be ``file://``/``fileb://``; JSON if it starts with ``[`` or
    ``{``; else shorthand for structures, maps and lists of them; else the words as
    they are, each converted to the member's type (commas are not split)."""
    if shape.type_name == "boolean" and not values:
        return True  # --dry-run
    if not values:
        raise UsageError(f"{option} needs a value ({describe(shape)})")
    if shape.type_name != "list" and len(values) != 1:
        raise UsageError(
            f"{option} takes one value ({describe(shape)}), got {len(values)}: "
            f"{' '.join(values)}"
        )
    value: Any = values if shape.type_name == "list" else values[0]
    if len(values) == 1 and values[0].startswith(("file://", "fileb://")):
        value = read_paramfile(values[0])  # for a list too: its text, not a list
    if isinstance(value, bytes):
        return _bytes_value(value, shape, option)
    first = value if isinstance(value, str) else value[0]
    if first.strip().startswith(("[", "{")):
        return _json_value(value, shape, option)
    if _takes_shorthand(shape):
        return _shorthand_value(value, shape, option, operation)
    if shape.type_name == "list":
        if isinstance(value, str):  # from file://: the AWS CLI reads JSON only
            raise UsageError(f"{option}: a file for a list must hold a JSON list")
        return [_scalar_value(word, shape.member, option) for word in value]  # type: ignore[attr-defined]
    if shape.type_name in ("structure", "map"):  # a document: JSON only
        raise UsageError(f"{option}: expected JSON ({describe(shape)}), got {first!r}")
    return _scalar_value(value, shape, option)


def _bytes_value(value: bytes, shape: Shape, option: str) -> bytes:
    if shape.type_name != "blob":
        raise UsageError(
            f"{option}: fileb:// gives bytes, which only a blob takes; this is "
            f"{describe(shape)} (use file:// for text)"
        )
    return value


def _json_value(value: Any, shape: Shape, option: str) -> Any:
    """JSON, as typed: the types are botocore's validator's to check."""
    if isinstance(value, list):
        if len(value) == 1:
            return check_json(_load_json(value[0], option), shape, option)
        if shape.type_name == "list":  # --filters '{"Name": ...}' '{"Name": ...}'
            member: Shape = shape.member  # type: ignore[attr-defined]
            return [
                check_json(_load_json(word, option), member, f"{option}[{i}]")
                for i, word in enumerate(value)
            ]
    return check_json(_load_json(value, option), shape, option)


def _takes_shorthand(shape: Shape) -> bool:
    """Structures, maps and lists of them, but no document (JSON only), as in the
    AWS CLI."""
    if _is_document(shape):
        return False
    if shape.type_name == "list":
        member: Shape = shape.member  # type: ignore[attr-defined]
        return member.type_name in _COMPLEX and not _is_document(member)
    return shape.type_name in ("structure", "map")


def _is_document(shape: Shape) -> bool:
    return bool(getattr(shape, "is_document_type", False))


# The AWS CLI's "old list case": a list of one-member structures is given as bare
# values (elb register-instances-with-load-balancer --instances i-1 i-2), for these
# operations only (awscli/argprocess.py keeps the same table).
_BARE_VALUE_LISTS = {
    ("firehose", "PutRecordBatch", "Records"),
    ("workspaces", "RebootWorkspaces", "RebootWorkspaceRequests"),
    ("workspaces", "RebuildWorkspaces", "RebuildWorkspaceRequests"),
    ("workspaces", "TerminateWorkspaces", "TerminateWorkspaceRequests"),
    ("elb", "RemoveTags", "Tags"),
    ("elb", "DescribeInstanceHealth", "Instances"),
    ("elb", "DeregisterInstancesFromLoadBalancer", "Instances"),
    ("elb", "RegisterInstancesWithLoadBalancer", "Instances"),
}


def _shorthand_value(
    value: Any, shape: Shape, option: str, operation: OperationModel | None
) -> Any:
    words = value if isinstance(value, list) else [value]
    bare_key = _bare_value_key(shape, option, operation)
    if bare_key is not None:
        return [{bare_key: word} for word in words]
    if _is_value_wrapper(shape) and "=" not in words[0]:
        return {"Value": words[0]}  # --instance-initiated-shutdown-behavior stop
    if isinstance(value, str) and shape.type_name == "list":
        raise UsageError(f"{option}: a file for a list must hold a JSON list")
    parsed = [ShorthandParser(option).parse(word) for word in words]
    if shape.type_name == "list":
        member: Shape = shape.member  # type: ignore[attr-defined]
        return [
            from_shorthand(item, member, f"{option}[{i}]")
            for i, item in enumerate(parsed)
        ]
    return from_shorthand(parsed[0], shape, option)


def _bare_value_key(
    shape: Shape, option: str, operation: OperationModel | None
) -> str | None:
    if operation is None or shape.type_name != "list":
        return None
    member: Shape = shape.member  # type: ignore[attr-defined]
    if member.type_name != "structure" or len(member.members) != 1:  # type: ignore[attr-defined]
        return None
    service = operation.service_model.service_name
    input_shape = operation.input_shape
    names = option_names(operation) if input_shape is not None else {}
    if (service, operation.name, names.get(option)) not in _BARE_VALUE_LISTS:
        return None
    return str(next(iter(member.members)))  # type: ignore[attr-defined]


def _is_value_wrapper(shape: Shape) -> bool:
    """A structure whose only member is the string ``Value`` (EC2's attribute
    values): the AWS CLI takes a bare word for it."""
    members = (
        getattr(shape, "members", None) if shape.type_name == "structure" else None
    )
    return (
        members is not None
        and list(members) == ["Value"]
        and members["Value"].type_name == "string"
    )


def _scalar_value(text: str, shape: Shape, option: str) -> Any:
    """A word as a scalar of ``shape``; a streaming blob is a path to a file, as in
    the AWS CLI (``s3api put-object --body ./file``)."""
    if shape.type_name == "blob" and shape.serialization.get("streaming"):
        path = Path(os.path.expandvars(os.path.expanduser(text)))
        if not path.is_file():
            raise UsageError(f"{option}: {text!r} is not a file (a streaming blob)")
        return path.read_bytes()
    return _coerce_scalar(text, shape.type_name, option)


def _load_json(text: Any, option: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{option}: invalid JSON: {error}") from None


def check_json(value: Any, shape: Shape, where: str) -> Any:
    """``value`` (JSON) as given, after checking every structure's keys: its types
    are botocore's validator's to check, before any request, as in the AWS CLI."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict) and not _is_document(shape):
        members = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            _check_key(key, members, where)
            check_json(item, members[key], f"{where}.{key}")
    elif kind == "list" and isinstance(value, list):
        member: Shape = shape.member  # type: ignore[attr-defined]
        for i, item in enumerate(value):
            check_json(item, member, f"{where}[{i}]")
    elif kind == "map" and isinstance(value, dict):
        value_shape: Shape = shape.value  # type: ignore[attr-defined]
        for key, item in value.items():
            check_json(item, value_shape, f"{where}.{key}")
    return value


def _check_key(key: str, members: dict[str, Shape], where: str) -> None:
    if key not in members:
        close = difflib.get_close_matches(key, list(members), n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise UsageError(
            f"{where}: unknown key {key!r}{hint} (valid keys: {', '.join(members)})"
        )


def from_shorthand(value: Any, shape: Shape, where: str) -> Any:
    """Parsed shorthand typed by the model, as the AWS CLI types it: numbers and
    booleans converted, a single value where a list is expected wrapped in one.

    Where the AWS CLI would send a value botocore's validator then refuses, this
    fails at once with the key that is wrong.
    """
    kind = shape.type_name
    if _is_document(shape):
        raise UsageError(
            f"{where}: shorthand cannot give a document; pass this parameter as JSON"
        )
    if kind == "structure":
        if not isinstance(value, dict):
            raise UsageError(f"{where}: expected {describe(shape)}, got {value!r}")
        members = shape.members  # type: ignore[attr-defined]
        for key in value:
            _check_key(key, members, where)
        return {
            k: from_shorthand(v, members[k], f"{where}.{k}") for k, v in value.items()
        }
    if kind == "list":
        member: Shape = shape.member  # type: ignore[attr-defined]
        if not isinstance(value, list):
            return [_wrapped(value, member, where)]
        return [from_shorthand(v, member, f"{where}[{i}]") for i, v in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise UsageError(f"{where}: expected a map of key=value, got {value!r}")
        value_shape: Shape = shape.value  # type: ignore[attr-defined]
        return {
            k: from_shorthand(v, value_shape, f"{where}.{k}") for k, v in value.items()
        }
    if isinstance(value, (list, dict)):
        raise UsageError(f"{where}: expected {describe(shape)}, got {value!r}")
    if isinstance(value, bytes):
        return _bytes_value(value, shape, where)
    return _coerce_scalar(value, kind, where)


def _wrapped(value: Any, member: Shape, where: str) -> Any:
    """``Values=a`` for a list: the AWS CLI wraps the value as it is, untyped."""
    if member.type_name in ("integer", "long", "float", "double", "boolean"):
        raise UsageError(
            f"{where}: one {member.type_name} in a list is written [{value}] in "
            "shorthand (the AWS CLI would send it as text)"
        )
    return check_json(value, member, f"{where}[0]")


def _coerce_scalar(value: Any, kind: str, where: str) -> Any:
    if not isinstance(value, str):
        return value
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


def parse_shorthand(text: str, option: str) -> Any:
    """The AWS CLI's shorthand syntax, parsed to dicts, lists and strings
    (cli/_shorthand.py holds the grammar)."""
    return ShorthandParser(option).parse(text)


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
