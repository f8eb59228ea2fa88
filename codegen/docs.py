"""botocore's HTML documentation turned into clean, safely quoted docstring text."""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser

# Tags that end a paragraph of text; everything else is inline and only stripped.
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "note",
        "important",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
        "pre",
        "examples",
        "fullname",
    }
)
# Their content is never prose.
_SKIPPED_TAGS = frozenset({"script", "style"})
_WHITESPACE = re.compile(r"\s+")
# Characters that end a line for str.splitlines (which black uses on docstrings) or
# that cannot appear in source: replaced by spaces.
_CONTROL_CHARS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")
_FIRST_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)


class _ParagraphCollector(HTMLParser):
    """Collects the text of each block of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._end_paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._end_paragraph()

    def _end_paragraph(self) -> None:
        text = _WHITESPACE.sub(" ", "".join(self._current)).strip()
        if text:
            self.paragraphs.append(text)
        self._current = []


def paragraphs(html: str) -> list[str]:
    """The non-empty text blocks of ``html``, tags stripped, entities decoded."""
    collector = _ParagraphCollector()
    collector.feed(html)
    collector.close()
    return collector.paragraphs


def first_paragraph(html: str) -> str:
    """The first non-empty paragraph of ``html`` as plain one-line text."""
    # Most docs start with <p>...</p>: parse only that much (speed, not correctness).
    end = _FIRST_PARAGRAPH_END.search(html)
    if end is not None:
        found = paragraphs(html[: end.end()])
        if found:
            return found[0]
    found = paragraphs(html)
    return found[0] if found else ""


def docstring_body(text: str, indent: int, width: int = 88) -> str:
    """``text`` wrapped and escaped to sit between triple quotes at ``indent``.

    The result never closes the string early (``\"\"\"``), never starts with a quote,
    never ends with an odd backslash, and holds no control characters.
    """
    text = _CONTROL_CHARS.sub(" ", text).replace("\\", "\\\\")
    text = text.replace('"""', '\\"\\"\\"')
    lines = []
    for block in text.split("\n\n"):
        wrapped = textwrap.fill(
            block,
            # Room for the quotes, so that a one-line docstring fits with them.
            width=max(width - indent - 6, 40),
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.append(wrapped)
    body = "\n\n".join(lines).strip()
    # A docstring starting with a quote would merge with the opening ones.
    if body.startswith('"'):
        body = "\\" + body
    pad = " " * indent
    return "\n".join(pad + line if line else "" for line in body.split("\n")).lstrip()
