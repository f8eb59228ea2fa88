"""botocore's HTML documentation turned into clean, safely quoted docstring text.

The HTML-to-text part is the runtime's (``multiregion_runtime.core.modeltext``), which the
CLI's help uses too; it is re-exported here for codegen's modules.
"""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser

from multiregion_runtime.core.modeltext import first_paragraph, paragraphs

__all__ = ["docstring_body", "first_paragraph", "paragraphs", "summary"]

# Characters that end a line for str.splitlines (which black uses on docstrings) or
# that cannot appear in source: replaced by spaces.
_CONTROL_CHARS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")

# A sentence ends at . ! or ? followed by space and a capital (or a quote, a bracket).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
_FIRST_BLOCK_END = re.compile(r"</p\s*>", re.IGNORECASE)
_ITEM_PREFIX = "- "
# Tags inside a list item that separate words.
_ITEM_BREAKS = frozenset({"p", "br", "div", "ul", "ol", "li"})


def summary(html: str | None) -> str:
    """The first paragraph of ``html``, never ending on a colon.

    botocore's docs often open with "... Keep the following in mind:" and a list.
    The summary then stops at the sentence before; when there is none, the list that
    follows is kept, one ``- item`` line each.
    """
    first = first_paragraph(html)
    if not first.endswith(":"):
        return first
    sentences = _SENTENCE_END.split(first)
    while sentences and sentences[-1].endswith(":"):
        sentences.pop()
    if sentences:
        return " ".join(sentences)
    items = _list_after_first_paragraph(html or "")
    if not items:
        return first[:-1] + "."
    return "\n".join([first, *(_ITEM_PREFIX + item for item in items)])


def _list_after_first_paragraph(html: str) -> list[str]:
    end = _FIRST_BLOCK_END.search(html)
    if end is None:
        return []
    collector = _FirstListItems()
    collector.feed(html[end.end() :])
    collector.close()
    return collector.items


class _FirstListItems(HTMLParser):
    """The text of each top-level item of the first <ul> or <ol> (nested lists stay
    in their item)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self._depth = 0
        self._done = False
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        if self._current is not None and tag in _ITEM_BREAKS:
            self._current.append(" ")
        if tag in ("ul", "ol"):
            self._depth += 1
        elif tag == "li" and self._depth == 1:
            self._end_item()
            self._current = []

    def handle_endtag(self, tag: str) -> None:
        if self._done:
            return
        if self._current is not None and tag in _ITEM_BREAKS:
            self._current.append(" ")
        if tag == "li" and self._depth == 1:
            self._end_item()
        elif tag in ("ul", "ol") and self._depth:
            self._depth -= 1
            if not self._depth:
                self._end_item()
                self._done = True

    def handle_data(self, data: str) -> None:
        if not self._done and self._current is not None:
            self._current.append(data)

    def _end_item(self) -> None:
        if self._current is not None:
            text = " ".join("".join(self._current).split())
            if text:
                self.items.append(text)
        self._current = None


def docstring_body(text: str, indent: int, width: int = 88) -> str:
    """``text`` wrapped and escaped to sit between triple quotes at ``indent``.

    The result never closes the string early (``\"\"\"``), never starts with a quote,
    never ends with an odd backslash, and holds no control characters.
    """
    text = _CONTROL_CHARS.sub(" ", text).replace("\\", "\\\\")
    text = text.replace('"""', '\\"\\"\\"')
    # Room for the quotes, so that a one-line docstring fits with them.
    wrap_width = max(width - indent - 6, 40)
    lines = [_wrap_block(block, wrap_width) for block in text.split("\n\n")]
    body = "\n\n".join(lines).strip()
    # A docstring starting with a quote would merge with the opening ones.
    if body.startswith('"'):
        body = "\\" + body
    pad = " " * indent
    return "\n".join(pad + line if line else "" for line in body.split("\n")).lstrip()


def _wrap_block(block: str, width: int) -> str:
    """A paragraph filled to ``width``; its ``- item`` lines each filled on their own."""
    head, *items = block.split("\n" + _ITEM_PREFIX)
    wrapped = [_fill(head, width, "")]
    wrapped += [
        _fill(_ITEM_PREFIX + item, width, " " * len(_ITEM_PREFIX)) for item in items
    ]
    return "\n".join(wrapped)


def _fill(text: str, width: int, indent: str) -> str:
    return textwrap.fill(
        text,
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
