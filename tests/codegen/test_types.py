"""The shape-to-type mapping, on a small synthetic model (tests/fixtures/codegen)."""

from __future__ import annotations

import json

import pytest
from botocore.model import ServiceModel

from codegen.build import build_service
from codegen.ir import FieldIR, OperationIR, ServiceIR, TypedDictIR, TypeExpr
from codegen.pystyle import render_type
from codegen.render import dependency_order, render_service
from tests.helpers import CODEGEN_FIXTURES

FIXTURES = CODEGEN_FIXTURES


def load_model(name: str, service_name: str) -> ServiceModel:
    raw = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return ServiceModel(raw, service_name=service_name)


@pytest.fixture(scope="module")
def widgets() -> ServiceIR:
    return build_service(load_model("widgets", "widgets"), "9.9.9")


def typed_dict(service: ServiceIR, name: str) -> TypedDictIR:
    return next(td for td in service.typed_dicts if td.name == name)


def fields(service: ServiceIR, name: str) -> dict[str, str]:
    """key -> rendered type, with NotRequired/ReadOnly spelled out."""
    result = {}
    for f in typed_dict(service, name).fields:
        text = render_type(f.type)
        text = f"ReadOnly[{text}]" if f.read_only else text
        result[f.key] = text if f.required else f"NotRequired[{text}]"
    return result


def operation(service: ServiceIR, name: str) -> OperationIR:
    return next(op for op in service.operations if op.name == name)


def test_names_of_service_class_and_module(widgets: ServiceIR) -> None:
    assert widgets.class_name == "MultiRegionWidgets"
    assert widgets.module_name == "widgets"
    assert widgets.summary == "Makes widgets."


def test_request_types_use_input_forms(widgets: ServiceIR) -> None:
    assert fields(widgets, "CreateWidgetRequestTypeDef") == {
        "Name": "str",
        "Kind": "NotRequired[WidgetKindType]",
        "Tags": "NotRequired[ReadOnly[Sequence[TagTypeDef]]]",
        "Created": "NotRequired[ReadOnly[datetime | str]]",
        "Data": "NotRequired[ReadOnly[bytes | str | IO[Any]]]",
        "Config": "NotRequired[ReadOnly[DocumentValue]]",
        "Tree": "NotRequired[ReadOnly[NodeTypeDef]]",
        "Size": "NotRequired[int]",
    }


def test_response_types_use_output_forms_and_metadata(widgets: ServiceIR) -> None:
    assert fields(widgets, "ListWidgetsResponseTypeDef") == {
        "Widgets": "NotRequired[list[WidgetOutputTypeDef]]",
        "Counts": "NotRequired[dict[WidgetKindType, int]]",
        "ResponseMetadata": "ResponseMetadataTypeDef",
    }


def test_output_variant_only_where_the_shape_differs(widgets: ServiceIR) -> None:
    names = {td.name for td in widgets.typed_dicts}
    # Widget is used in a request, nested in responses and as a whole response.
    assert {"WidgetTypeDef", "WidgetOutputTypeDef", "WidgetResponseTypeDef"} <= names
    # Tag holds only strings: one TypedDict serves both directions.
    assert "TagTypeDef" in names and "TagOutputTypeDef" not in names
    assert not any(name.endswith("ExtraTypeDef") for name in names)
    assert fields(widgets, "WidgetOutputTypeDef")["Created"] == "NotRequired[datetime]"
    assert (
        fields(widgets, "WidgetTypeDef")["Created"]
        == "NotRequired[ReadOnly[datetime | str]]"
    )
    assert fields(widgets, "WidgetResponseTypeDef")["ResponseMetadata"] == (
        "ResponseMetadataTypeDef"
    )
    assert "ResponseMetadata" not in fields(widgets, "WidgetOutputTypeDef")


def test_recursive_shapes_refer_to_themselves(widgets: ServiceIR) -> None:
    assert fields(widgets, "NodeTypeDef")["Children"] == (
        "NotRequired[ReadOnly[Sequence[NodeTypeDef]]]"
    )
    assert fields(widgets, "NodeOutputTypeDef")["Children"] == (
        "NotRequired[list[NodeOutputTypeDef]]"
    )


def test_streams_and_enums(widgets: ServiceIR) -> None:
    assert fields(widgets, "WatchWidgetsResponseTypeDef")["Events"] == (
        "NotRequired[EventStream[WidgetEventsTypeDef]]"
    )
    assert fields(widgets, "WidgetEventsTypeDef") == {
        "Changed": "NotRequired[WidgetChangedTypeDef]"
    }
    assert (
        fields(widgets, "GetBlueprintResponseTypeDef")["Body"]
        == "NotRequired[StreamingBody]"
    )
    (kind,) = widgets.literals
    assert (kind.name, kind.values) == ("WidgetKindType", ("small", "large"))


def test_operations(widgets: ServiceIR) -> None:
    create = operation(widgets, "CreateWidget")
    assert (create.method_name, create.request_type, create.response_type) == (
        "create_widget",
        "CreateWidgetRequestTypeDef",
        "CreateWidgetResponseTypeDef",
    )
    assert (create.input_shape, create.output_shape) == (
        "CreateWidgetRequest",
        "CreateWidgetResponse",
    )
    assert create.summary == "Creates a widget & returns it."
    assert (
        create.doc_url
        == "https://docs.aws.amazon.com/goto/WebAPI/widgets-2020-01-01/CreateWidget"
    )
    listing = operation(widgets, "ListWidgets")
    assert listing.request_type is None
    update = operation(widgets, "UpdateWidget")
    assert update.response_type == "EmptyResponseMetadataTypeDef"
    old = operation(widgets, "OldWidget")
    assert old.deprecated and old.deprecated_params == ("Color",)
    legacy = next(
        f for f in typed_dict(widgets, "WidgetTypeDef").fields if f.key == "Legacy"
    )
    assert legacy.deprecated


def test_rendered_client(widgets: ServiceIR) -> None:
    client = render_service(widgets)["widgets/client.py"]
    assert (
        "    def list_widgets(self) -> TargetResults[type_defs.ListWidgetsResponseTypeDef]:"
        in client
    )
    assert 'return self._call("ListWidgets", {})' in client
    assert '    @deprecated("OldWidget is deprecated. Use CreateWidget.")' in client
    assert "Deprecated parameters: Color." in client
    # The version is written once, in multiregion/_version.py (see render_package).
    assert "    _generated_from = BOTOCORE_VERSION" in client
    assert "9.9.9" not in client
    # The TypedDicts are imported for type checkers only.
    assert "if TYPE_CHECKING:\n    from typing_extensions import Unpack" in client


def test_dependency_order_puts_what_is_used_first() -> None:
    def td(name: str, *uses: str) -> TypedDictIR:
        fields = tuple(
            FieldIR(f"F{i}", TypeExpr("list", (TypeExpr(u, local=True),)), True)
            for i, u in enumerate(uses)
        )
        return TypedDictIR(name, name, fields)

    chain = [td("ATypeDef", "BTypeDef"), td("BTypeDef", "CTypeDef"), td("CTypeDef")]
    # A cycle (recursive shapes) and a self-reference keep their one early use.
    cycle = [td("XTypeDef", "YTypeDef"), td("YTypeDef", "XTypeDef", "YTypeDef")]
    ordered = [t.name for t in dependency_order(chain + cycle)]
    assert ordered == ["CTypeDef", "BTypeDef", "ATypeDef", "YTypeDef", "XTypeDef"]
    assert [t.name for t in dependency_order(reversed(chain))] == [
        "CTypeDef",
        "BTypeDef",
        "ATypeDef",
    ]
