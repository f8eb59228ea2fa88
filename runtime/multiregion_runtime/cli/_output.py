"""Output formats: json (grouped by target), and rows for jsonl, csv, table and text.

Every row starts with the target's columns (``region``, and ``account`` or
``profile`` when targets carry them), so rows from many regions stay apart.
"""

from __future__ import annotations

import base64
import csv
import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from .._results import TargetResult
from .._secrets import masked
from .._targets import Target

Query = Callable[[Any], Any]


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


def shown_value(result: TargetResult[Any], query: Query | None) -> Any:
    """What is printed for one target: its value without ResponseMetadata or
    credentials (shown as "****"), queried."""
    value = result.value
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "ResponseMetadata"}
    value = jsonable(masked(value))
    return query(value) if query is not None and value is not None else value


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
    one; else the value itself as a single row. Empty results give no rows.
    """
    if not value:
        return []
    if isinstance(value, list):
        return [_record(item, "value") for item in value]
    if isinstance(value, dict):
        lists = [key for key, item in value.items() if isinstance(item, list)]
        if len(lists) == 1:
            return [_record(item, lists[0]) for item in value[lists[0]]]
        return [value]
    return [{"value": value}]


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
    """Writes the results of one run in one format."""

    def __init__(
        self,
        fmt: str,
        title: str,
        columns: list[str],
        query: Query | None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.fmt = fmt
        self.title = title
        self.columns = columns
        self.query = query
        self.redact = redact

    def write(self, results: Sequence[TargetResult[Any]], out: TextIO) -> None:
        if self.fmt == "json":
            json.dump(self.grouped(results), out, indent=2)
            out.write("\n")
            return
        if self.fmt == "jsonl":
            for row in self.rows(results):
                out.write(json.dumps(row) + "\n")
            return
        flat = [flatten(row, self.fmt == "table") for row in self.rows(results)]
        header = _header(self.columns, flat)
        if self.fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([row.get(c, "") for c in header] for row in flat)
        elif self.fmt == "text":
            for row in flat:
                out.write("\t".join(row.get(c, "") for c in header) + "\n")
        else:
            out.write(table(self.title, header, flat))

    def grouped(self, results: Sequence[TargetResult[Any]]) -> list[dict[str, Any]]:
        """json: one entry per target, holding its result or its error (or both)."""
        entries = []
        for result in results:
            entry = _target_fields(result.target, self.columns)
            if result.value is not None or result.error is None:
                entry["result"] = shown_value(result, self.query)
            if result.error is not None:
                entry["error"] = error_fields(result, self.redact)
            entries.append(entry)
        return entries

    def rows(self, results: Sequence[TargetResult[Any]]) -> list[dict[str, Any]]:
        """Rows of every target (errors are reported on stderr, not as rows)."""
        rows = []
        for result in results:
            fields = _target_fields(result.target, self.columns)
            for record in records(shown_value(result, self.query)):
                # The target's columns come first and win over a same-named key.
                rows.append({**fields, **_without(record, fields)})
        return rows


def _without(record: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in fields}


def _header(columns: list[str], rows: list[dict[str, str]]) -> list[str]:
    names = dict.fromkeys(columns)
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def table(title: str, header: list[str], rows: list[dict[str, str]]) -> str:
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
    lines = ["+" + "-" * inner + "+", "|" + title.center(inner) + "|", rule]
    lines.append(_table_line(header, widths))
    lines.append(rule)
    for row in rows:
        lines.append(_table_line([row.get(name, "") for name in header], widths))
    if not rows:
        lines.append("|" + "(no rows)".center(inner) + "|")
    lines.append(rule)
    return "\n".join(lines) + "\n"


def _table_line(cells: list[str], widths: list[int]) -> str:
    return (
        "|" + "|".join(f" {c:<{w}} " for c, w in zip(cells, widths, strict=True)) + "|"
    )
