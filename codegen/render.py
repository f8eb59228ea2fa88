"""``ServiceIR`` -> file contents, through the jinja2 templates in ``templates/``."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from codegen import docs
from codegen.ir import (
    FieldIR,
    LiteralIR,
    OperationIR,
    PaginatorIR,
    ServiceIR,
    TypedDictIR,
    TypeExpr,
    WaiterIR,
)
from codegen.pystyle import (
    LINE_LENGTH,
    all_list,
    black_stable,
    docstring,
    fits,
    py_string,
    render_type,
    split_type,
)
from multiregion_runtime.core.modeltext import (
    ITEMS_KEYWORDS,
    PAGINATE_KEYWORDS,
    WAIT_KEYWORDS,
    ExtraKeyword,
)

TEMPLATES = Path(__file__).parent / "templates"
# Names a class-syntax TypedDict body mentions besides its field types.
_ANNOTATION_NAMES = frozenset({"NotRequired", "ReadOnly"})


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)


def _snippet(
    template: str, indent: int = 0, checked: str | None = None, **context: Any
) -> str:
    text = _template(template).render(**context).rstrip("\n")
    return black_stable(text, indent, checked)


def render_typed_dict(td: TypedDictIR) -> dict[str, Any]:
    """The TypedDict's code, and whether it uses the class syntax."""
    referenced = td.names() | _ANNOTATION_NAMES
    class_syntax = all(_is_plain_key(f.key, referenced) for f in td.fields)
    if class_syntax:
        fields = [
            split_type(f"{f.key}: ", _annotation(f), "", 4, False) for f in td.fields
        ]
    else:
        fields = [
            split_type(f"{py_string(f.key)}: ", _annotation(f), ",", 8, True)
            for f in td.fields
        ]
    context = {
        "name": td.name,
        "name_literal": py_string(td.name),
        "class_syntax": class_syntax,
        "fields": fields,
    }
    code = _snippet("typed_dict.py.jinja2", td=context)
    return {"code": code, "class_syntax": class_syntax}


def _is_plain_key(key: str, referenced: set[str]) -> bool:
    from codegen.names import is_class_field_name

    # A field named like a type it or a sibling uses would shadow that type.
    return is_class_field_name(key) and key not in referenced


def _annotation(f: FieldIR) -> TypeExpr:
    expr = TypeExpr("ReadOnly", (f.type,)) if f.read_only else f.type
    return expr if f.required else TypeExpr("NotRequired", (expr,))


def render_literal(lit: LiteralIR) -> str:
    values = [py_string(v) for v in lit.values]
    one_line = f"{lit.name} = Literal[{', '.join(values)}]"
    context: dict[str, Any] = {"name": lit.name, "choices": values}
    context["one_line"] = len(values) == 1 or len(one_line) <= LINE_LENGTH
    return _snippet("literal.py.jinja2", lit=context)


# The client refers to its TypedDicts through their module (``type_defs.XTypeDef``),
# not a ``from .type_defs import`` of each: mypy asks for every name so imported
# whether it is a submodule, and EC2's 1,600 names cost a user's ``mypy --strict``
# 5% of its time (RESULTS.md).
TYPE_DEFS = "type_defs"


def _local(name: str) -> str:
    return f"{TYPE_DEFS}.{name}"


def _kwargs(op: OperationIR) -> list[str]:
    """``**kwargs: Unpack[...]``, if the operation takes parameters."""
    if op.request_type is None:
        return []
    return [f"**kwargs: Unpack[{_local(op.request_type)}]"]


def render_method(op: OperationIR) -> str:
    params = ["self", *_kwargs(op)]
    return _render_def(
        op,
        op.method_name,
        params,
        f"TargetResults[{_local(op.response_type)}]",
        _method_doc(op),
        "self._call",
        [py_string(op.name), _params_arg(op)],
    )


def render_paginate_method(paginator: PaginatorIR) -> str:
    """``paginate_<op>``: every page in every target, merged per target."""
    op = paginator.operation
    params = ["self", "*", *_params(PAGINATE_KEYWORDS), *_kwargs(op)]
    lead = (
        f"Every page of {op.name} in every target, merged per target "
        "(botocore's build_full_result)."
    )
    return _render_def(
        op,
        paginator.paginate_method,
        params,
        f"TargetResults[{_local(op.response_type)}]",
        _method_doc(op, lead),
        "self._paginate",
        [py_string(op.name), _params_arg(op), *_pass(PAGINATE_KEYWORDS)],
    )


def render_iter_method(paginator: PaginatorIR) -> str:
    """``iter_<op>``: the elements of the first result key, as pages arrive."""
    op = paginator.operation
    assert paginator.iter_method is not None and paginator.item_type is not None
    params = ["self", "*", *_params(ITEMS_KEYWORDS), *_kwargs(op)]
    item = render_type(_qualified(paginator.item_type))
    lead = (
        f"Each element of {paginator.result_key} in every page of {op.name}, from "
        "every target, as its page arrives (tagged with its target)."
    )
    return _render_def(
        op,
        paginator.iter_method,
        params,
        f"Items[{item}]",
        f"{lead}\n\n{op.doc_url}",
        "self._items",
        [py_string(op.name), _params_arg(op), *_pass(ITEMS_KEYWORDS)],
    )


def render_wait_method(waiter: WaiterIR) -> str:
    """``wait_<waiter>``: polls the waiter's operation in every target at once."""
    op = waiter.operation
    params = ["self", "*", *_params(WAIT_KEYWORDS), *_kwargs(op)]
    polls = (
        f"Polls {op.name} in every target at once, every {waiter.delay:g} seconds "
        f"and at most {waiter.max_attempts} times unless delay and max_attempts say "
        "otherwise; a failure or time-out is that target's error."
    )
    parts = [waiter.description or f"Waits until {waiter.name}.", polls, op.doc_url]
    return _render_def(
        op,
        waiter.method_name,
        params,
        "TargetResults[None]",
        "\n\n".join(parts),
        "self._wait",
        [py_string(waiter.name), _params_arg(op), *_pass(WAIT_KEYWORDS)],
    )


def _params(keywords: tuple[ExtraKeyword, ...]) -> list[str]:
    """``max_items: int | None = None``...: the method's keyword-only parameters."""
    return [f"{k.name}: {k.annotation} = None" for k in keywords]


def _pass(keywords: tuple[ExtraKeyword, ...]) -> list[str]:
    """``max_items=max_items``...: the same keywords, passed on to the runtime."""
    return [f"{k.name}={k.name}" for k in keywords]


def _params_arg(op: OperationIR) -> str:
    return "kwargs" if op.request_type is not None else "{}"


def _qualified(expr: TypeExpr) -> TypeExpr:
    """``expr`` with each name ``type_defs`` holds (the service's TypedDicts and the
    shared types it re-exports) written as ``type_defs.<name>``."""
    held = expr.local or expr.name in SHARED_TYPES
    name = _local(expr.name) if held else expr.name
    args = tuple(_qualified(arg) for arg in expr.args)
    return dataclasses.replace(expr, name=name, args=args)


def _render_def(
    op: OperationIR,
    name: str,
    params: list[str],
    returns: str,
    doc: str,
    call: str,
    args: list[str],
) -> str:
    """A method that documents itself and returns ``call(*args)``, as black lays it
    out; it carries the operation's deprecation."""
    context = {
        "name": name,
        "params": params,
        "returns": returns,
        "layout": _def_layout(name, params, returns),
        "deprecated": _deprecation(op),
        "docstring": docstring(docs.docstring_body(doc, indent=8), indent=8),
        "call": call,
        "args": args,
        "call_layout": _call_layout(call, args),
    }
    # The code lines only: black leaves long docstring lines (URLs) alone.
    checked = _template("method.py.jinja2").render(m={**context, "docstring": ""})
    return _snippet("method.py.jinja2", indent=4, checked=checked, m=context)


def _def_layout(name: str, params: list[str], returns: str) -> str:
    """How black splits this method's ``def`` line (left-hand split, then explode)."""
    if fits(f"    def {name}({', '.join(params)}) -> {returns}:"):
        return "one_line"
    if len(params) > 1 and fits(f"        {', '.join(params)}"):
        return "split"
    return "exploded"


def _call_layout(call: str, args: list[str]) -> str:
    """How black splits ``return call(args)`` (right-hand split, then explode)."""
    if fits(f"        return {call}({', '.join(args)})"):
        return "one_line"
    if fits(f"            {', '.join(args)}"):
        return "split"
    return "exploded"


def _deprecation(op: OperationIR) -> str | None:
    if not op.deprecated:
        return None
    message = (
        docs.first_paragraph(op.deprecated_message) if op.deprecated_message else ""
    )
    return py_string(f"{op.name} is deprecated. {message}".strip())


def _method_doc(op: OperationIR, lead: str = "") -> str:
    parts = [lead] if lead else []
    if op.summary:
        parts.append(op.summary)
    if op.deprecated_params:
        parts.append("Deprecated parameters: " + ", ".join(op.deprecated_params) + ".")
    parts.append(op.doc_url)
    return "\n\n".join(parts)


def render_service(service: ServiceIR) -> dict[str, str]:
    """The files of one service package, by path relative to ``multiregion/``."""
    base = service.module_name
    common = {"service": _service_context(service)}
    return {
        f"{base}/__init__.py": _template("service_init.py.jinja2").render(
            **common, class_literal=py_string(service.class_name)
        ),
        f"{base}/client.py": _render_client(service, common),
        f"{base}/type_defs.py": _render_type_defs(service, common),
        f"{base}/literals.py": _template("literals.py.jinja2").render(
            **common,
            literals=[render_literal(lit) for lit in service.literals],
            all_names=all_list(sorted(lit.name for lit in service.literals)),
        ),
    }


def _service_context(service: ServiceIR) -> dict[str, str]:
    full_name = docs.docstring_body(service.full_name, indent=0, width=10_000)
    return {"class_name": service.class_name, "full_name_text": full_name}


def _render_client(service: ServiceIR, common: dict[str, Any]) -> str:
    item_names: set[str] = set()
    for paginator in service.paginators:
        if paginator.item_type is not None:
            item_names |= paginator.item_type.names()
    literal_names = {lit.name for lit in service.literals}
    has_iter = any(p.iter_method is not None for p in service.paginators)
    class_doc = service.summary or service.full_name
    return _template("client.py.jinja2").render(
        **common,
        has_deprecated=any(op.deprecated for op in service.operations),
        # Type-only imports (under TYPE_CHECKING): importing a client stays as light.
        uses_mapping=bool(service.paginators),
        uses_datetime="datetime" in item_names,
        runtime_type_names=[
            name
            for name, used in (("Items", has_iter), ("Target", service.paginators))
            if used
        ],
        literal_names=sorted(item_names & literal_names),
        class_literal=py_string(service.class_name),
        class_doc=docstring(docs.docstring_body(class_doc, indent=4), indent=4),
        service_literal=py_string(service.service_name),
        methods=_methods(service),
    )


def _methods(service: ServiceIR) -> list[str]:
    """The class body: operations, then paginate_, iter_ and wait_ methods."""
    methods = [render_method(op) for op in service.operations]
    methods += [render_paginate_method(p) for p in service.paginators]
    methods += [
        render_iter_method(p) for p in service.paginators if p.iter_method is not None
    ]
    methods += [render_wait_method(w) for w in service.waiters]
    return methods


def _render_type_defs(service: ServiceIR, common: dict[str, Any]) -> str:
    used: set[str] = set().union(*(td.names() for td in service.typed_dicts))
    literal_names = sorted(lit.name for lit in service.literals)
    shared = sorted(SHARED_REEXPORTS | (used & SHARED_TYPES))
    # What `from .type_defs import *` and pyright's public surface see: the
    # TypedDicts, and the shared types re-exported as boto3-stubs' modules do.
    exported = sorted({*shared, *(td.name for td in service.typed_dicts)})
    return _template("type_defs.py.jinja2").render(
        **common,
        shared_imports=shared,
        literal_names=literal_names,
        all_names=all_list(exported),
        typed_dicts=[
            render_typed_dict(td) for td in dependency_order(service.typed_dicts)
        ],
    )


def dependency_order(typed_dicts: Iterable[TypedDictIR]) -> list[TypedDictIR]:
    """Each TypedDict after the TypedDicts its fields use: a depth-first walk, in
    name order, that writes what a TypedDict uses before the TypedDict itself.

    mypy analyses a module top to bottom and defers a class that uses one defined
    further down to another pass over the module. In name order EC2's type_defs used
    1,186 TypedDicts before their definition; mypy's semantic analysis of EC2's and
    SQS's type_defs took 0.48 s, and 0.39 s in this order (``--dump-build-stats``).
    A recursive shape keeps one name used before its definition, which ``from
    __future__ import annotations`` allows.
    """
    by_name = {td.name: td for td in typed_dicts}
    ordered: list[TypedDictIR] = []
    entered: set[str] = set()
    for root in by_name:
        if root in entered:
            continue
        entered.add(root)
        # An explicit stack, not recursion: a chain of shapes can be long.
        stack = [(root, iter(_used_typed_dicts(by_name[root], by_name)))]
        while stack:
            name, uses = stack[-1]
            used = next((u for u in uses if u not in entered), None)
            if used is None:
                stack.pop()
                ordered.append(by_name[name])
            else:
                entered.add(used)
                stack.append((used, iter(_used_typed_dicts(by_name[used], by_name))))
    return ordered


def _used_typed_dicts(td: TypedDictIR, by_name: dict[str, TypedDictIR]) -> list[str]:
    return sorted(td.names() & by_name.keys() - {td.name})


# Every type_defs re-exports these, as boto3-stubs' type_defs modules do.
SHARED_REEXPORTS = frozenset(
    {"EmptyResponseMetadataTypeDef", "ResponseMetadataTypeDef"}
)
SHARED_TYPES = frozenset(
    {"DocumentOutputValue", "DocumentValue", "EventStream", "StreamingBody"}
)


def render_package(botocore_version: str) -> dict[str, str]:
    """``multiregion/__init__.py``, the shared ``type_defs.py``, ``_version.py`` (the
    only file that names the botocore version) and ``py.typed``."""
    return {
        "__init__.py": _template("package_init.py.jinja2").render(),
        "type_defs.py": _template("shared_type_defs.py.jinja2").render(),
        "_version.py": _template("version.py.jinja2").render(
            version_literal=py_string(botocore_version)
        ),
        "py.typed": "",
    }
