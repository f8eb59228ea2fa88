"""The one home of the model-text helpers codegen and the runtime share."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.model import Shape, ShapeResolver

from multiregion.sqs import MultiRegionSQS
from multiregion_runtime import DynamicService, MultiRegionClient
from multiregion_runtime.core.modeltext import (
    ITEMS_KEYWORDS,
    PAGINATE_KEYWORDS,
    WAIT_KEYWORDS,
    ExtraKeyword,
    botocore_config,
    describe,
    first_paragraph,
    text_of,
)


def keyword_only(function: Callable[..., Any]) -> list[tuple[str, str]]:
    """The keyword-only parameters of ``function``: (name, annotation as written)."""
    parameters = inspect.signature(function).parameters.values()
    return [
        (p.name, str(p.annotation))
        for p in parameters
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]


def table(keywords: tuple[ExtraKeyword, ...]) -> list[tuple[str, str]]:
    return [(k.name, k.annotation) for k in keywords]


@pytest.mark.parametrize(
    ("function", "keywords"),
    [
        (MultiRegionClient._paginate, PAGINATE_KEYWORDS),
        (MultiRegionClient._items, ITEMS_KEYWORDS),
        (MultiRegionClient._wait, WAIT_KEYWORDS),
        (DynamicService.paginate, PAGINATE_KEYWORDS),
        (DynamicService.items, ITEMS_KEYWORDS),
        (DynamicService.wait, WAIT_KEYWORDS),
        (MultiRegionSQS.paginate_list_queues, PAGINATE_KEYWORDS),
        (MultiRegionSQS.iter_list_queues, ITEMS_KEYWORDS),
    ],
)
def test_hand_written_and_generated_signatures_follow_the_table(
    function: Callable[..., Any], keywords: tuple[ExtraKeyword, ...]
) -> None:
    assert keyword_only(function) == table(keywords)


def test_botocore_config_keeps_the_keywords_given() -> None:
    assert botocore_config(WAIT_KEYWORDS, {"delay": 2.5, "max_attempts": None}) == {
        "Delay": 2.5
    }
    values = {"max_items": 3, "page_size": 10, "starting_tokens": None}
    assert botocore_config(PAGINATE_KEYWORDS, values) == {
        "MaxItems": 3,
        "PageSize": 10,
    }


def test_describe_names_lists_maps_structures_and_enums() -> None:
    create = request_members("CreateQueue")
    assert describe(create["QueueName"], required=True) == "string (required)"
    assert describe(create["Attributes"]) == "map[enum QueueAttributeName, string]"
    entries = request_members("DeleteMessageBatch")["Entries"]
    assert describe(entries) == "list[DeleteMessageBatchRequestEntry]"


def request_members(operation: str) -> dict[str, Shape]:
    model = botocore.session.get_session().get_service_model("sqs")
    shape = model.operation_model(operation).input_shape
    assert shape is not None
    return dict(shape.members)


def test_describe_lists_enum_values_up_to_a_limit() -> None:
    shapes: dict[str, Any] = {"Color": {"type": "string", "enum": ["red", "green"]}}
    resolver = ShapeResolver(shapes)
    color = resolver.get_shape_by_name("Color")
    assert describe(color) == "enum Color: one of red, green"
    assert describe(color, enum_values=1) == "enum Color: one of red, ..."
    assert describe(color, enum_values=0) == "enum Color"


def test_html_becomes_paragraphs_of_plain_text() -> None:
    html = "<p>Lists <b>queues</b> &amp; more.</p><ul><li>One</li><li>Two</li></ul>"
    assert text_of(html) == "Lists queues & more.\n\nOne\n\nTwo"
    assert first_paragraph(html) == "Lists queues & more."
    assert text_of(None) == "" and first_paragraph(None) == ""
