"""botocore's HTML documentation turned into clean, safely quoted docstring text.

The HTML-to-text part is the runtime's (``multiregion_runtime._modeltext``), which the
CLI's help uses too; it is re-exported here for codegen's modules.
"""

from __future__ import annotations

import re
import textwrap

from multiregion_runtime._modeltext import first_paragraph, paragraphs

__all__ = ["docstring_body", "first_paragraph", "paragraphs"]

# Characters that end a line for str.splitlines (which black uses on docstrings) or
# that cannot appear in source: replaced by spaces.
_CONTROL_CHARS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")


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
