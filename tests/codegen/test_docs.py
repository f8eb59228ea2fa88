"""HTML documentation -> clean docstring text, safe inside triple quotes."""

from __future__ import annotations

import ast

import pytest

from codegen import loader
from codegen.docs import docstring_body, first_paragraph, paragraphs, summary
from codegen.pystyle import docstring, py_string


def test_first_paragraph_strips_tags_and_decodes_entities() -> None:
    html = "<p>Lists <code>Queue</code> URLs &amp; more.</p><p>Second.</p>"
    assert first_paragraph(html) == "Lists Queue URLs & more."


def test_first_paragraph_skips_scripts_and_empty_blocks() -> None:
    html = (
        "<script>alert('x')</script><p> </p><note>Note <b>this</b></note><p>Later</p>"
    )
    assert first_paragraph(html) == "Note this"


def test_text_without_tags_is_kept() -> None:
    assert first_paragraph("Plain   text\n over lines") == "Plain text over lines"
    assert first_paragraph("") == ""


def test_paragraphs_split_on_block_tags() -> None:
    assert paragraphs("<ul><li>one</li><li>two</li></ul>tail") == ["one", "two", "tail"]


def test_summary_stops_at_the_sentence_before_a_colon() -> None:
    create_queue = loader.load_service("sqs").operation_model("CreateQueue")
    assert first_paragraph(create_queue.documentation).endswith(
        "Keep the following in mind:"
    )
    assert summary(create_queue.documentation) == (
        "Creates a new standard or FIFO queue. You can pass one or more attributes in "
        "the request."
    )


def test_summary_keeps_the_list_a_lone_colon_sentence_announces() -> None:
    html = (
        "<p>Does the following:</p><ul><li><p>Adds <b>one</b>.</p></li>"
        "<li>Removes two<ul><li>nested</li></ul></li></ul><ul><li>Later</li></ul>"
    )
    assert summary(html) == "Does the following:\n- Adds one.\n- Removes two nested"
    body = docstring_body(summary(html), indent=8)
    assert body.splitlines()[1:] == [
        "        - Adds one.",
        "        - Removes two nested",
    ]


def test_summary_without_a_list_ends_the_sentence() -> None:
    assert summary("<p>Note the following:</p><p>Text.</p>") == ("Note the following.")
    assert summary("<p>A plain summary.</p>") == "A plain summary."
    assert summary(None) == ""


@pytest.mark.parametrize(
    "text",
    [
        'ends with three quotes """',
        '"starts and ends with a quote"',
        'a backslash \\ and an escaped quote \\" and a trailing backslash\\',
        "unicode Ünïcødé ☃ 𝔘 and a line\u2028separator and\ttab and \x00 nul",
        "word " * 60,
    ],
)
@pytest.mark.parametrize("indent", [4, 8])
def test_docstrings_always_parse_back_to_the_text(text: str, indent: int) -> None:
    literal = docstring(docstring_body(text, indent), indent)
    source = f"def f():\n{' ' * indent}{literal}\n"
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    parsed = ast.get_docstring(function, clean=True)
    assert parsed is not None
    squashed = " ".join(text.replace("\x00", " ").replace("\u2028", " ").split())
    assert " ".join(parsed.split()) == squashed


@pytest.mark.parametrize(
    "value",
    ["plain", 'dq"', "sq'", "both'\"", "back\\slash", "new\nline", "", "ü☃𝔘", "\ud800"],
)
def test_string_literals_round_trip(value: str) -> None:
    assert ast.literal_eval(py_string(value)) == value
