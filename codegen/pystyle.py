"""Emit Python text exactly as black would format it, without running black on it all.

Templates lay out the common cases the way black does (one item per line with a
magic trailing comma when a line would be too long). The rare snippet that still has
an over-long line goes through ``black.format_str`` alone: black formats top-level
statements and class members independently, so the result is black-stable in the
file as well. Measured (2 cores, black 26.10): black over the whole generated tree
costs 107-113 s of CPU, about 55 s of wall time with 2 workers, on top of 8-16 s to
generate it, so beyond the 60 s budget; ``make check-generated`` runs ``black
--check`` over the whole tree instead, so an imitation that drifts from black fails.
"""

from __future__ import annotations

import re

from codegen.ir import TypeExpr, UnionExpr

LINE_LENGTH = 88
_DUMMY_CLASS = "class _Indented:\n"
# Escaped in literals: control characters, line separators, lone surrogates.
_UNPRINTABLE = re.compile(r"[^\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufffd]")


def py_string(value: str) -> str:
    """A string literal as black writes it: double quotes unless single needs fewer
    backslashes (black's own rule, so it never re-quotes what we emit)."""
    escaped = value.replace("\\", "\\\\")
    escaped = _UNPRINTABLE.sub(lambda m: _escape_char(m.group()), escaped)
    double = escaped.replace('"', '\\"')
    single = escaped.replace("'", "\\'")
    if single.count("\\") < double.count("\\"):
        return "'" + single + "'"
    return '"' + double + '"'


def _escape_char(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def render_type(expr: TypeExpr, quote_local: bool = False) -> str:
    """``expr`` as source; ``quote_local`` quotes same-module TypedDicts (forward refs)."""
    if isinstance(expr, UnionExpr):
        return " | ".join(render_type(arg, quote_local) for arg in expr.args)
    name = py_string(expr.name) if expr.local and quote_local else expr.name
    if not expr.args:
        return name
    return f"{name}[{', '.join(render_type(arg, quote_local) for arg in expr.args)}]"


def split_type(
    prefix: str, expr: TypeExpr, suffix: str, indent: int, quote_local: bool
) -> str:
    """``prefix + expr + suffix`` at ``indent``, split over lines as black splits it:
    at the outermost subscript bracket first (a right-hand split), then inside it;
    several arguments that do not fit on one line go one per line with a trailing
    comma. Lines that still do not fit are left for ``black_stable``."""
    pad = " " * indent
    line = f"{pad}{prefix}{render_type(expr, quote_local)}{suffix}"
    if len(line) <= LINE_LENGTH or not expr.args or isinstance(expr, UnionExpr):
        return line
    name = py_string(expr.name) if expr.local and quote_local else expr.name
    inner = indent + 4
    if len(expr.args) == 1:
        body = split_type("", expr.args[0], "", inner, quote_local)
    else:
        one_line = " " * inner + ", ".join(
            render_type(a, quote_local) for a in expr.args
        )
        if len(one_line) <= LINE_LENGTH:
            body = one_line
        else:
            body = "\n".join(
                split_type("", a, ",", inner, quote_local) for a in expr.args
            )
    return f"{pad}{prefix}{name}[\n{body}\n{pad}]{suffix}"


def all_list(names: list[str]) -> str:
    """``__all__ = [...]`` under ``if not TYPE_CHECKING:``, as black lays it out: on
    one line if it fits, else one name a line with a trailing comma.

    Type checkers are not shown it. mypy tests every module-level name for membership
    in ``__all__``, a list, on every pass over the module: with EC2's 2,400 names that
    cost a user's ``mypy --strict`` 0.04 s (0.11 s before the TypedDicts were put in
    dependency order; RESULTS.md). Without it a checker finds the same public names:
    the module's own definitions and its ``X as X`` re-exports (tested). ``import *``
    and documentation tools, which run the module, still see it.
    """
    pad = " " * 4
    if not names:
        assignment = f"{pad}__all__: list[str] = []"
    else:
        assignment = f"{pad}__all__ = [{', '.join(map(py_string, names))}]"
        if not fits(assignment):
            lines = [f"{pad}__all__ = [", *(f"{pad}    {py_string(n)}," for n in names)]
            assignment = "\n".join([*lines, f"{pad}]"])
    return f"if not TYPE_CHECKING:  # see codegen/pystyle.py all_list\n{assignment}"


def fits(text: str) -> bool:
    return all(len(line) <= LINE_LENGTH for line in text.split("\n"))


def docstring(text: str, indent: int) -> str:
    """The triple-quoted literal of a docstring body (see ``docs.docstring_body``),
    closed as black closes it: a one-line docstring on its line, whatever its length;
    a longer one on a line of its own."""
    if "\n" not in text:
        # A closing quote of the text would merge with the closing quotes: black pads.
        return f'"""{text} """' if text.endswith('"') else f'"""{text}"""'
    return f'"""{text}\n{" " * indent}"""'


def black_stable(snippet: str, indent: int = 0, checked: str | None = None) -> str:
    """``snippet`` (statements at ``indent`` spaces) as black formats it.

    Only the lines of ``checked`` (default: all of ``snippet``) are measured: callers
    leave out docstrings, whose long lines (URLs) black keeps as they are.
    """
    if fits(snippet if checked is None else checked):
        return snippet
    if indent:
        # Format inside a class so black counts the indentation in the line length.
        formatted = _black(_DUMMY_CLASS + snippet)
        return formatted[len(_DUMMY_CLASS) :].rstrip("\n")
    return _black(snippet).rstrip("\n")


def _black(source: str) -> str:
    # dev-only and slow to import: only when a snippet needs it
    from black import format_str
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY310}, line_length=LINE_LENGTH)
    return format_str(source, mode=mode)
