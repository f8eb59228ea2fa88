"""Tables for notebooks and IPython: what ``_repr_html_`` and ``_repr_pretty_`` show.

Every cell is masked here (secrets.py: URL passwords, keys and tokens in free text)
and HTML-escaped, whatever built it. A table of any size shows its first and last
rows and counts the others, so a 10,000-target result renders as fast as a
30-target one.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .secrets import Redactor

#: Rows shown at the top and at the bottom of a longer table: every region of a
#: partition (34 in aws) fits in one table.
HEAD_ROWS = 40
TAIL_ROWS = 10
#: Characters of one cell shown (an error message can be long).
CELL_CHARS = 160

# No known secret to add: what it hides is what looks like one (URL passwords,
# Credential=..., security tokens, keys in JSON or XML).
_hide_secrets = Redactor()


@dataclass(frozen=True)
class Row:
    cells: Sequence[str]
    #: Shown highlighted (a failed target, a skipped account).
    failed: bool = False


@dataclass(frozen=True)
class Table:
    """``size`` rows, of which only the shown ones are built (``row(i)``)."""

    title: str
    columns: Sequence[str]
    size: int
    row: Callable[[int], Row]
    #: What the rows left out (display positions start to stop) are: "2 failed".
    describe_hidden: Callable[[int, int], str] | None = None
    #: Columns of numbers, aligned right.
    right_aligned: Sequence[int] = ()

    def shown(self) -> tuple[list[Row], list[Row], int]:
        """(first rows, last rows, how many are left out between them)."""
        if self.size <= HEAD_ROWS + TAIL_ROWS:
            return [self.row(i) for i in range(self.size)], [], 0
        head = [self.row(i) for i in range(HEAD_ROWS)]
        tail = [self.row(i) for i in range(self.size - TAIL_ROWS, self.size)]
        return head, tail, self.size - HEAD_ROWS - TAIL_ROWS

    def html(self) -> str:
        head, tail, hidden = self.shown()
        parts = [
            '<table class="multiregion" style="border-collapse:collapse;'
            'font-size:13px;text-align:left">',
            '<caption style="text-align:left;font-weight:bold;padding:4px 0">'
            f"{_escape(self.title)}</caption>",
            "<thead><tr>",
            *(f'<th style="{_CELL}">{_escape(c)}</th>' for c in self.columns),
            "</tr></thead><tbody>",
            *(self._html_row(r) for r in head),
        ]
        if hidden:
            parts.append(
                f'<tr><td colspan="{len(self.columns)}" style="{_CELL}'
                'text-align:center;font-style:italic;opacity:.75">'
                f"&#8943; {_escape(self._hidden_text(hidden))} &#8943;</td></tr>"
            )
        parts += [self._html_row(r) for r in tail]
        parts.append("</tbody></table>")
        return "".join(parts)

    def _html_row(self, row: Row) -> str:
        last = len(row.cells) - 1
        cells = (
            _td(text, row.failed, i == last, i in self.right_aligned)
            for i, text in enumerate(row.cells)
        )
        return "<tr>" + "".join(cells) + "</tr>"

    def text(self) -> str:
        head, tail, hidden = self.shown()
        rows = [[_clean(c) for c in r.cells] for r in head + tail]
        header = [_clean(c) for c in self.columns]
        widths = [
            max(len(x) for x in column) for column in zip(header, *rows, strict=True)
        ]
        lines = [_clean(self.title), _line(header, widths)]
        lines += [_line(cells, widths) for cells in rows[: len(head)]]
        if hidden:
            lines.append(f"... {_clean(self._hidden_text(hidden))} ...")
        lines += [_line(cells, widths) for cells in rows[len(head) :]]
        return "\n".join(lines)

    def _hidden_text(self, hidden: int) -> str:
        note = ""
        if self.describe_hidden is not None:
            start = HEAD_ROWS
            note = f" ({self.describe_hidden(start, start + hidden)})"
        return f"{hidden:,} more rows{note}"


class PrettyPrinter(Protocol):
    """What IPython passes to ``_repr_pretty_`` (its RepresentationPrinter)."""

    def text(self, obj: str) -> None: ...


def pretty(table: Table, printer: PrettyPrinter, cycle: bool) -> None:
    """``_repr_pretty_``: the table as text (a result cannot contain itself)."""
    printer.text(table.text())


def _clean(text: str) -> str:
    """One cell: secrets hidden, on one line, cut to CELL_CHARS."""
    text = " ".join(_hide_secrets(str(text)).split())
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _escape(text: str) -> str:
    return html.escape(_clean(text))


_CELL = "padding:2px 10px;border-bottom:1px solid rgba(128,128,128,.3);"


def _td(text: str, failed: bool, last: bool, right: bool) -> str:
    style = _CELL
    # Only the last column (messages) wraps: a region name broken at its hyphens
    # ("ap-northeast-" over "1") reads as two.
    style += "" if last else "white-space:nowrap;"
    style += "text-align:right;" if right else ""
    style += "background:rgba(220,40,40,.14);" if failed else ""
    return f'<td style="{style}">{_escape(text)}</td>'


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
