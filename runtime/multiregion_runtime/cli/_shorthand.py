"""The AWS CLI's shorthand syntax, parsed as AWS CLI v2 parses it (awscli/shorthand.py).

Grammar (whitespace may surround ``=``, ``@=``, ``,`` and the inside of brackets, and
may span lines)::

    parameter = keyval *("," keyval)
    keyval    = key "=" [values] / key "@=" [values]      ; @= reads file:// / fileb://
    key       = 1*(letter / digit / "-" / "_" / "." / "#" / "/" / ":")
    values    = csv-list / "[" [value *("," value)] "]" / "{" [keyval *("," keyval)] "}"
    csv-list  = value *("," value)                         ; "a,b,c=d": c=d is the next key
    value     = 'single quoted' / "double quoted" / word

Behaviour where the user guide is silent, read from the AWS CLI's parser and kept:

- A word ends at ``,`` (and at ``]`` / ``}`` in first position); trailing whitespace
  is trimmed; ``\\,`` is a literal comma. Any other backslash stays as typed.
- Inside quotes, ``\\'`` (or ``\\"``) is the quote and ``\\\\`` a backslash.
- After the first value of a list, a word holding ``=`` starts the next key.
- ``key@=file://path`` is the file's text, ``fileb://path`` its bytes; the flag holds
  for the key's values, and a ``{...}`` inside resets it, as in the AWS CLI.
- Input must start with a key and end after a value: leading whitespace, or
  whitespace after a closing bracket at the very end, are errors there too.

Stricter than the AWS CLI (it silently keeps the last value): a key repeated inside
``{...}`` is an error here, as it is at the top level in both. Every error is one line
that names the option and the character it stopped at.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable
from typing import Any

from ._args import UsageError

_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_.#/:")
_QUOTES = ("'", '"')
# Characters no unquoted word may start with, or hold at all (besides whitespace,
# which ends a word only where the next character cannot continue it).
_NOT_FIRST = frozenset(" \"',=[{")
_NOT_IN_FIRST = frozenset("\"',]}")  # in a first value (or a list's or a map's value)
_NOT_IN_LATER = frozenset("\"',=")  # in the second and later values of a csv list


def _can_start(char: str) -> bool:
    return "\u0020" < char <= "\uffff" and char not in _NOT_FIRST


def _can_follow(char: str, excluded: frozenset[str]) -> bool:
    if char.isspace() or char in "\x1c\x1d\x1e\x1f":  # what a regex's \s matches
        return True
    return "\u0020" < char <= "\uffff" and char not in excluded


class ShorthandError(UsageError):
    """Shorthand that does not parse: one line naming the option and the position."""


class _Backtrack(Exception):
    """A later csv value turned out to be the next key: give the comma back."""


class ShorthandParser:
    """Parses one shorthand string to dicts, lists and strings (bytes for fileb://)."""

    def __init__(self, option: str, read_file: Callable[[str], Any] | None = None):
        self.option = option
        self.read_file = read_file or read_paramfile
        self.text = ""
        self.pos = 0
        self.resolve_files = False

    def parse(self, text: str) -> dict[str, Any]:
        self.text, self.pos, self.resolve_files = text, 0, False
        result: dict[str, Any] = {}
        while True:
            start = self.pos
            key, value = self.keyval()
            if key in result:
                raise self.error(f"key {key!r} given twice", start)
            result[key] = value
            if self.at_end():
                return result
            self.expect(",")

    # -- errors and low-level reading -------------------------------------------------

    def error(self, why: str, at: int | None = None) -> ShorthandError:
        where = self.pos if at is None else at
        return ShorthandError(
            f"{self.option}: {why} at character {where + 1} of {self.text!r} "
            "(shorthand: Key=value,Key2=value2, or JSON)"
        )

    def current(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_space(self) -> None:
        while not self.at_end() and self.text[self.pos] in string.whitespace:
            self.pos += 1

    def expect(self, char: str, skip_space: bool = True) -> None:
        if skip_space:
            self.skip_space()
        if self.current() != char:
            found = repr(self.current()) if self.current() else "the end"
            raise self.error(f"expected {char!r}, found {found}")
        self.pos += 1
        if skip_space:
            self.skip_space()

    # -- grammar --------------------------------------------------------------------

    def keyval(self) -> tuple[str, Any]:
        key = self.key()
        self.skip_space()
        self.resolve_files = self.current() == "@"
        if self.resolve_files:
            self.pos += 1
        if self.current() in _QUOTES and not key:
            raise self.error("a key cannot be quoted")
        self.expect("=")
        return key, self.values()

    def key(self) -> str:
        start = self.pos
        while not self.at_end() and self.text[self.pos] in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def values(self) -> Any:
        if self.at_end():
            return ""
        if self.current() == "[":
            return self.explicit_list()
        if self.current() == "{":
            return self.hash_literal()
        return self.csv_value()

    def csv_value(self) -> Any:
        first = self.first_value()
        self.skip_space()
        if self.current() != ",":
            return first
        found = [first]
        while True:
            comma = self.pos
            self.expect(",")
            try:
                found.append(self.later_value())
            except _Backtrack:
                self.pos = comma  # "a,b,c=d": c=d is the next key
                break
            self.skip_space()
            if self.at_end() or self.current() != ",":
                if not self.at_end():
                    self.pos = comma  # the last value is really the next key
                    found.pop()
                break
        return found if len(found) > 1 else first

    def later_value(self) -> Any:
        """A csv list's second or later value; _Backtrack if it is really a key."""
        if self.current() in _QUOTES:
            return self.quoted()
        if not _can_start(self.current()):
            if self.at_end():
                raise self.error("expected a value after ','")
            raise _Backtrack
        return self.word(_NOT_IN_LATER)

    def explicit_list(self) -> list[Any]:
        self.expect("[")
        items: list[Any] = []
        while self.current() != "]":
            items.append(self.explicit_value())
            self.skip_space()
            if self.current() != "]":
                self.expect(",", skip_space=False)
                self.skip_space()
        self.pos += 1
        return items

    def explicit_value(self) -> Any:
        if self.current() == "[":
            return self.explicit_list()
        if self.current() == "{":
            return self.hash_literal()
        return self.first_value()

    def hash_literal(self) -> dict[str, Any]:
        self.expect("{")
        result: dict[str, Any] = {}
        while self.current() != "}":
            start = self.pos
            key = self.key()
            self.skip_space()
            self.resolve_files = self.current() == "@"
            if self.resolve_files:
                self.pos += 1
            self.expect("=")
            if key in result:
                raise self.error(f"key {key!r} given twice", start)
            result[key] = self.explicit_value()
            self.skip_space()
            if self.current() != "}":
                self.expect(",", skip_space=False)
                self.skip_space()
        self.pos += 1
        return result

    def first_value(self) -> Any:
        if self.current() in _QUOTES:
            return self.quoted()
        if not _can_start(self.current()):
            return ""
        return self.word(_NOT_IN_FIRST)

    def word(self, excluded: frozenset[str]) -> Any:
        """An unquoted value; its first character is checked by the caller (it may
        be a ``]`` or ``}`` that could not come later)."""
        start = self.pos
        self.pos += 2 if self.text.startswith("\\,", self.pos) else 1
        while not self.at_end():
            if self.text.startswith("\\,", self.pos):
                self.pos += 2
            elif _can_follow(self.text[self.pos], excluded):
                self.pos += 1
            else:
                break
        text = self.text[start : self.pos].replace("\\,", ",").rstrip()
        return self.maybe_file(text, start)

    def quoted(self) -> Any:
        """'...' or "...": the quote is escaped by a backslash, as is a backslash."""
        quote, start = self.current(), self.pos
        end = self.closing_quote(quote)
        if end is None:
            raise self.error(f"missing closing {quote}", start)
        self.pos = end + 1
        text = self.text[start + 1 : end]
        text = text.replace("\\" + quote, quote).replace("\\\\", "\\")
        return self.maybe_file(text, start)

    def closing_quote(self, quote: str) -> int | None:
        """Where the quoted value ends. Without a bare closing quote, the last
        escaped one closes it (``'a\\'`` is ``a\\``), as the AWS CLI reads it."""
        i, last_escaped = self.pos + 1, None
        while i < len(self.text):
            if self.text[i] == "\\" and self.text[i + 1 : i + 2] == quote:
                last_escaped = i + 1
                i += 2
            elif self.text[i] == quote:
                return i
            else:
                i += 1
        return last_escaped

    def maybe_file(self, text: str, at: int) -> Any:
        if not self.resolve_files or not text.startswith(("file://", "fileb://")):
            return text
        try:
            return self.read_file(text)
        except UsageError as error:
            raise self.error(str(error), at) from None


def read_paramfile(text: str) -> str | bytes:
    """``file://path``: the file's text; ``fileb://path``: its bytes (AWS CLI v2: ``~``
    and ``$VARS`` expanded; v1 also fetched http(s):// URLs, v2 does not)."""
    binary = text.startswith("fileb://")
    name = text[len("fileb://") if binary else len("file://") :]
    # The name as typed (no pathlib: it would drop a trailing "/" the OS refuses).
    path = os.path.expandvars(os.path.expanduser(name))
    try:
        if binary:
            with open(path, "rb") as file:
                return file.read()
        with open(path, encoding="utf-8") as file:
            return file.read()
    except UnicodeDecodeError:
        raise UsageError(
            f"cannot read {text}: not UTF-8 text (fileb:// reads bytes)"
        ) from None
    except OSError as error:
        raise UsageError(f"cannot read {text}: {error.strerror}") from None
