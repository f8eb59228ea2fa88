"""Output formats: json (grouped by target), rows for jsonl, csv and table, and text
in the AWS CLI's layout.

Every row starts with the target's columns (``region``, and ``account`` or
``profile`` when targets carry them), so rows from many regions stay apart. A
target's rows are the items of its one list (``QueueUrls``, ``Reservations``);
``--flatten KEY`` turns one more level of lists (``Instances``) into rows.
"""

from __future__ import annotations

import base64
import csv
import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..core.secrets import masked
from ..results.results import TargetResult
from ..targets.target import Target

Query = Callable[[Any], Any]

#: Calls whose purpose is to return credentials: --show-secrets may print them.
CREDENTIAL_OPERATIONS = frozenset(
    {
        ("sts", "AssumeRole"),
        ("sts", "AssumeRoleWithSAML"),
        ("sts", "AssumeRoleWithWebIdentity"),
        ("sts", "AssumeRoot"),
        ("sts", "GetFederationToken"),
        ("sts", "GetSessionToken"),
        ("sso", "GetRoleCredentials"),
        ("iam", "CreateAccessKey"),
        ("cognito-identity", "GetCredentialsForIdentity"),
        ("ecr", "GetAuthorizationToken"),
        ("ecr-public", "GetAuthorizationToken"),
        ("codeartifact", "GetAuthorizationToken"),
        ("redshift", "GetClusterCredentials"),
        ("redshift", "GetClusterCredentialsWithIAM"),
        ("redshift-serverless", "GetCredentials"),
    }
)
_BOLD, _RED, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[0m"


def bold(text: str, color: bool) -> str:
    return f"{_BOLD}{text}{_RESET}" if color and text else text


def red(text: str, color: bool) -> str:
    return f"{_RED}{text}{_RESET}" if color and text else text


def target_columns(targets: Sequence[Target]) -> list[str]:
    columns = ["region"]
    if any(t.account_id for t in targets):
        columns.append("account")
    if any(t.profile for t in targets):
        columns.append("profile")
    return columns


def _target_fields(target: Target, columns: list[str]) -> dict[str, Any]:
    # Never the endpoint URL: it may carry user:password.
    every = {
        "region": target.region,
        "account": target.account_id,
        "profile": target.profile,
    }
    return {name: every[name] for name in columns}


def jsonable(value: Any) -> Any:
    """``value`` with only JSON types: timestamps as ISO 8601, blobs as base64."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def shown_value(
    result: TargetResult[Any], query: Query | None, show_secrets: bool = False
) -> Any:
    """What is printed for one target: its value without ResponseMetadata, with
    credentials shown as "****" (unless ``show_secrets``), queried."""
    value = result.value
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "ResponseMetadata"}
    value = jsonable(value if show_secrets else masked(value))
    return query(value) if query is not None and value is not None else value


def gathered_before_error(result: TargetResult[Any]) -> bool:
    """Whether a failed target's value holds something that came before its error.

    botocore's merge of no page at all is ``{}``, and a stream that wrote nothing
    counts 0 items: neither is output of the target.
    """
    return result.value is not None and result.value != {} and result.value != 0


def error_fields(
    result: TargetResult[Any], redact: Callable[[str], str] = str
) -> dict[str, Any]:
    """The error's code and message; ``redact`` hides secrets (an endpoint password)."""
    error = result.error
    code = result.error_code or type(error).__name__
    message = redact(error_message(error))
    return {"code": code, "message": message, "skipped": result.skipped}


def error_message(error: BaseException | None) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        message = response.get("Error", {}).get("Message")
        if message:
            return str(message)
    return str(error)


def records(value: Any) -> list[Any]:
    """The rows in one target's value.

    The items of its one list (``QueueUrls``, ``SecurityGroups``) when it has exactly
    one; else the value itself as a single row. Empty results (None, [], {}) give no
    rows; 0, false and "" are values like any other, one row each.
    """
    if value is None or value == [] or value == {}:
        return []
    if isinstance(value, list):
        return [_record(item, "value") for item in value]
    if isinstance(value, dict):
        lists = [key for key, item in value.items() if isinstance(item, list)]
        if len(lists) == 1:
            return [_record(item, lists[0]) for item in value[lists[0]]]
        return [value]
    return [{"value": value}]


def flattened(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """One row per element of each row's list ``key``, with the row's other fields.

    ``--flatten Instances`` on describe-instances: a row per instance, each with its
    reservation's ReservationId and OwnerId. An element's own fields win over its
    parent's of the same name. A row without the list (or with an empty one) stays.
    """
    out = []
    for row in rows:
        items = row.get(key)
        if not isinstance(items, list) or not items:
            out.append(row)
            continue
        parent = {k: v for k, v in row.items() if k != key}
        out += [{**parent, **_record(item, key)} for item in items]
    return out


def nested_list_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Keys whose values are lists of structures: candidates for --flatten."""
    names: dict[str, None] = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, list) and any(isinstance(v, dict) for v in value):
                names[key] = None
    return list(names)


def _record(item: Any, key: str) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if isinstance(item, list):
        return {str(i + 1): element for i, element in enumerate(item)}
    return {key: item}


def flatten(value: Any, nested_as_count: bool, prefix: str = "") -> dict[str, str]:
    """One level of cells: nested keys joined with '.', lists of scalars with ','.

    Lists of structures become compact JSON, or "N items" in a table.
    """
    if isinstance(value, dict):
        cells: dict[str, str] = {}
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            cells.update(flatten(item, nested_as_count, name))
        return cells
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return {prefix: ",".join(_cell(v) for v in value)}
        text = f"{len(value)} items" if nested_as_count else _compact(value)
        return {prefix: text}
    return {prefix: _cell(value)}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


class Renderer:
    """Writes the results of one run in one format.

    ``flatten_key`` (row formats) makes one row per element of that list;
    ``show_secrets`` prints credentials instead of "****"; ``color`` makes the
    table's title and header bold.
    """

    def __init__(
        self,
        fmt: str,
        title: str,
        columns: list[str],
        query: Query | None,
        redact: Callable[[str], str] = str,
        *,
        flatten_key: str | None = None,
        show_secrets: bool = False,
        color: bool = False,
    ) -> None:
        self.fmt = fmt
        self.title = title
        self.columns = columns
        self.query = query
        self.redact = redact
        self.flatten_key = flatten_key
        self.show_secrets = show_secrets
        self.color = color
        #: After write: list columns a --flatten would have turned into rows.
        self.nested_columns: list[str] = []

    def write(self, results: Sequence[TargetResult[Any]], out: TextIO) -> None:
        if self.fmt == "json":
            json.dump(self.grouped(results), out, indent=2)
            out.write("\n")
            return
        if self.fmt == "text":
            self.write_text(results, out)
            return
        rows = self.rows(results)
        if self.flatten_key is not None:
            rows = flattened(rows, self.flatten_key)
        if self.fmt == "jsonl":
            for row in rows:
                out.write(json.dumps(row) + "\n")
            return
        self.nested_columns = nested_list_columns(rows)
        flat = [flatten(row, self.fmt == "table") for row in rows]
        header = _header(self.columns, flat)
        if self.fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([row.get(c, "") for c in header] for row in flat)
        else:
            out.write(table(self.title, header, flat, self.color))

    def write_text(self, results: Sequence[TargetResult[Any]], out: TextIO) -> None:
        """text: each target's value in the AWS CLI's text layout, every line
        starting with the target's columns (a failed target prints no line)."""
        for result in results:
            if result.error is not None and not gathered_before_error(result):
                continue
            fields = _target_fields(result.target, self.columns)
            prefix = "".join(f"{_cell(value)}\t" for value in fields.values())
            shown = shown_value(result, self.query, self.show_secrets)
            for line in text_lines(shown):
                out.write(prefix + line + "\n")

    def grouped(self, results: Sequence[TargetResult[Any]]) -> list[dict[str, Any]]:
        """json: one entry per target, holding its result or its error (or both)."""
        entries = []
        for result in results:
            entry = _target_fields(result.target, self.columns)
            if result.error is None or gathered_before_error(result):
                entry["result"] = shown_value(result, self.query, self.show_secrets)
            if result.error is not None:
                entry["error"] = error_fields(result, self.redact)
            entries.append(entry)
        return entries

    def rows(self, results: Sequence[TargetResult[Any]]) -> list[dict[str, Any]]:
        """Rows of every target (errors are reported on stderr, not as rows)."""
        rows = []
        for result in results:
            fields = _target_fields(result.target, self.columns)
            shown = shown_value(result, self.query, self.show_secrets)
            for record in records(shown):
                # The target's columns come first and win over a same-named key.
                rows.append({**fields, **_without(record, fields)})
        return rows


def text_lines(value: Any) -> list[str]:
    """``value`` as the AWS CLI's ``--output text`` prints it (awscli/text.py).

    A structure's scalars make one line, in key order, after the upper-cased name of
    the key that held it; its lists and structures follow, each under its own key.
    The structures of one list share one set of columns. A list of scalars is one
    line per item under a key, or one tab-separated line at the top. Scalars are
    printed as Python prints them (True, None), as the AWS CLI does.
    """
    lines: list[str] = []
    _text(value, None, None, lines)
    return lines


def _text(
    item: Any, name: str | None, keys: list[str] | None, lines: list[str]
) -> None:
    if isinstance(item, dict):
        _text_structure(item, name, keys, lines)
    elif isinstance(item, list):
        _text_list(item, name, lines)
    else:
        lines.append(str(item))


def _text_list(items: list[Any], name: str | None, lines: list[str]) -> None:
    if any(isinstance(item, dict) for item in items):
        keys = sorted(
            {
                key
                for item in items
                if isinstance(item, dict)
                for key, value in item.items()
                if not isinstance(value, (dict, list))
            }
        )
        for item in items:
            _text(item, name, keys, lines)
        return
    scalars = [item for item in items if not isinstance(item, list)]
    if scalars and name is not None:
        lines += [f"{name.upper()}\t{item}" for item in scalars]
    elif scalars:
        lines.append("\t".join(str(item) for item in scalars))
    for nested in (item for item in items if isinstance(item, list)):
        _text(nested, name, None, lines)


def _text_structure(
    item: dict[str, Any], name: str | None, keys: list[str] | None, lines: list[str]
) -> None:
    """One line of scalars (``keys``: the columns its list shares), then the rest."""
    if keys is None:
        keys = sorted(k for k, v in item.items() if not isinstance(v, (dict, list)))
    scalars = [str(item.get(key, "")) for key in keys]
    if scalars:
        lines.append("\t".join(scalars if name is None else [name.upper(), *scalars]))
    for key in sorted(set(item) - set(keys)):
        _text(item[key], key, None, lines)


def _without(record: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in fields}


def _header(columns: list[str], rows: list[dict[str, str]]) -> list[str]:
    names = dict.fromkeys(columns)
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def table(
    title: str, header: list[str], rows: list[dict[str, str]], color: bool = False
) -> str:
    """An AWS-CLI-like box: the title, a header line, one line per row."""
    widths = [len(name) for name in header]
    for row in rows:
        for i, name in enumerate(header):
            widths[i] = max(widths[i], len(row.get(name, "")))
    spare = len(title) + 2 - (sum(widths) + 3 * len(widths) - 1)
    if spare > 0 and widths:  # a title wider than the columns widens the last one
        widths[-1] += spare
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    inner = len(rule) - 2
    centred = title.center(inner)
    padding = centred[: len(centred) - len(centred.lstrip())]
    titled = padding + bold(title, color) + " " * (inner - len(padding) - len(title))
    lines = ["+" + "-" * inner + "+", "|" + titled + "|", rule]
    lines.append(_table_line(header, widths, color))
    lines.append(rule)
    for row in rows:
        lines.append(_table_line([row.get(name, "") for name in header], widths))
    if not rows:
        lines.append("|" + "(no rows)".center(inner) + "|")
    lines.append(rule)
    return "\n".join(lines) + "\n"


def _table_line(cells: list[str], widths: list[int], color: bool = False) -> str:
    padded = [
        " " + bold(c, color) + " " * (w - len(c) + 1)
        for c, w in zip(cells, widths, strict=True)
    ]
    return "|" + "|".join(padded) + "|"
