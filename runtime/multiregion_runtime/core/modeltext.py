"""Reading botocore's models as text: shared by the runtime (CLI help) and codegen.

- HTML documentation as plain paragraphs (``paragraphs``, ``text_of``,
  ``first_paragraph``);
- a shape as a short type description (``describe``);
- the extra keywords of the paginate/iter/wait methods, each with the botocore
  config key it sets (``PAGINATE_KEYWORDS``, ``ITEMS_KEYWORDS``, ``WAIT_KEYWORDS``).

codegen imports this module; it imports nothing from codegen (the runtime never does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any, NamedTuple

from botocore.model import ListShape, MapShape, Shape, StringShape

# -- HTML documentation -> text ------------------------------------------------------

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


def paragraphs(html: str | None) -> list[str]:
    """The non-empty text blocks of ``html``, tags stripped, entities decoded."""
    collector = _ParagraphCollector()
    collector.feed(html or "")
    collector.close()
    return collector.paragraphs


def text_of(html: str | None) -> str:
    """botocore's HTML documentation as plain text, paragraphs apart by a blank line."""
    return "\n\n".join(paragraphs(html))


def first_paragraph(html: str | None) -> str:
    """The first non-empty paragraph of ``html`` as plain one-line text."""
    html = html or ""
    # Most docs start with <p>...</p>: parse only that much (speed, not correctness).
    end = _FIRST_PARAGRAPH_END.search(html)
    if end is not None:
        found = paragraphs(html[: end.end()])
        if found:
            return found[0]
    found = paragraphs(html)
    return found[0] if found else ""


# -- shapes -> short type descriptions -----------------------------------------------


def describe(shape: Shape, required: bool = False, enum_values: int = 8) -> str:
    """A short type description: ``string``, ``list[Tag]``, ``map[string, Tag]``.

    A structure is its shape's name; an enum is ``enum Name``, followed by up to
    ``enum_values`` of its values (0: none, for model summaries that diff by type).
    """
    kind = shape.type_name
    if isinstance(shape, ListShape):
        text = f"list[{describe(shape.member, enum_values=enum_values)}]"
    elif isinstance(shape, MapShape):
        key = describe(shape.key, enum_values=0)
        text = f"map[{key}, {describe(shape.value, enum_values=enum_values)}]"
    elif kind == "structure":
        text = shape.name
    elif isinstance(shape, StringShape) and shape.enum:
        text = f"enum {shape.name}"
        if enum_values:
            shown = shape.enum[:enum_values]
            more = ", ..." if len(shape.enum) > enum_values else ""
            text += f": one of {', '.join(shown)}{more}"
    else:
        text = kind
    return f"{text} (required)" if required else text


# -- the keywords paginate_/iter_/wait_ methods take beside the request's ------------


class ExtraKeyword(NamedTuple):
    """A keyword-only parameter of a generated method, and what it sets in botocore."""

    name: str
    annotation: str  # as the generated code writes it
    config_key: str  # in botocore's PaginationConfig / WaiterConfig


#: ``paginate_<op>`` (and ``MultiRegionClient._paginate``, ``DynamicService.paginate``).
PAGINATE_KEYWORDS = (
    ExtraKeyword("max_items", "int | None", "MaxItems"),
    ExtraKeyword("page_size", "int | None", "PageSize"),
    ExtraKeyword("starting_tokens", "Mapping[Target, str] | None", "StartingToken"),
)
#: ``iter_<op>``: items arrive as pages do, so there is no token to resume from.
ITEMS_KEYWORDS = PAGINATE_KEYWORDS[:2]
#: ``wait_<waiter>``.
WAIT_KEYWORDS = (
    ExtraKeyword("delay", "float | None", "Delay"),
    ExtraKeyword("max_attempts", "int | None", "MaxAttempts"),
)


def botocore_config(
    keywords: tuple[ExtraKeyword, ...], values: Mapping[str, Any]
) -> dict[str, Any]:
    """botocore's PaginationConfig/WaiterConfig from the keywords given (not None)."""
    return {
        keyword.config_key: values[keyword.name]
        for keyword in keywords
        if values.get(keyword.name) is not None
    }
