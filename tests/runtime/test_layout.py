"""The runtime's sub-packages import one way: each only those below it.

Every import counts, at the top of a module, inside a function (lazy) or under
``TYPE_CHECKING``: a lazy import only hides a circle. The rules are ``MAY_IMPORT``
below; each package's ``__init__`` docstring says the same, and docs/layout.md names
every module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import multiregion_runtime
from tests.helpers import ROOT

RUNTIME = ROOT / "runtime" / "multiregion_runtime"
LAYOUT_MAP = ROOT / "docs" / "layout.md"

#: Each package (or top-level module) and what it may import of ours, lowest first.
#: Inside one package, modules import each other freely, but never in a circle.
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "core": (),
    "targets": ("core",),
    "clients": ("core", "targets"),
    "data": ("core", "targets"),
    "results": ("core", "targets", "clients", "data"),
    "engines": ("core", "targets", "clients", "data", "results"),
    "fanout": ("core", "targets", "clients", "data", "results", "engines"),
    "planning": ("core", "targets", "clients", "data", "results", "engines", "fanout"),
    "sweep": (
        "core",
        "targets",
        "clients",
        "data",
        "results",
        "engines",
        "fanout",
        "planning",
    ),
    "": (
        "core",
        "targets",
        "clients",
        "data",
        "results",
        "engines",
        "fanout",
        "planning",
        "sweep",
    ),
    "cli": (
        "core",
        "targets",
        "clients",
        "data",
        "results",
        "engines",
        "fanout",
        "planning",
        "sweep",
        "",
    ),
}
#: The only imports that run upwards, and why.
EXCEPTIONS = {
    # The deprecation shim hands out the root's new names for the old ones.
    ("_deprecated", ""),
    # `python -m multiregion_runtime` is the console script: an entry point, like
    # the `multiregion` script, which nothing else imports.
    ("__main__", "cli"),
}


def module_name(path: Path, root: Path) -> str:
    """``core.errors`` for core/errors.py, ``core`` for core/__init__.py, "" for the root."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> set[str]:
    """Every module of ours that ``source`` imports (relative or absolute)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            elif (node.module or "").startswith("multiregion_runtime"):
                target = node.module.partition(".")[2]  # type: ignore[union-attr]
            else:
                continue
            for alias in node.names:  # `from . import x` may name a module
                found.add(f"{target}.{alias.name}".strip("."))
            found.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("multiregion_runtime"):
                    found.add(alias.name.partition(".")[2])
    return found


def layer_of(module: str) -> str:
    head = module.split(".")[0]
    return head if head in MAY_IMPORT else ""


def violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Imports that break ``MAY_IMPORT``, and circles, in ``{module: (source,
    is_package)}``."""
    graph: dict[str, set[str]] = {}
    problems = []
    for module, (source, is_package) in sources.items():
        edges = {m for m in imports_of(source, module, is_package) if m in sources}
        graph[module] = edges - {module}
        mine = layer_of(module)
        for target in graph[module]:
            theirs = layer_of(target)
            if theirs == mine and (mine or "." not in target):
                continue  # within one package
            if theirs in MAY_IMPORT[mine] or (module, theirs) in EXCEPTIONS:
                continue
            problems.append(
                f"{module or 'multiregion_runtime'} imports {target}: "
                f"{mine or 'the root'} may import {', '.join(MAY_IMPORT[mine]) or 'nothing of ours'}"
            )
    problems += [f"import circle: {' -> '.join(c)}" for c in circles(graph)]
    return problems


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), packages' own
    ``__init__`` left out: importing ``core.errors`` runs ``core`` first, not a circle.
    """
    modules = {m for m in graph if not _is_package_init(m, graph)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v] & modules:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            group.append(v)
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    return found


def _is_package_init(module: str, graph: dict[str, set[str]]) -> bool:
    return module in MAY_IMPORT and module not in ("planning",)


def runtime_sources(root: Path = RUNTIME) -> dict[str, tuple[str, bool]]:
    return {
        module_name(path, root): (path.read_text("utf-8"), path.name == "__init__.py")
        for path in sorted(root.rglob("*.py"))
    }


def test_every_import_of_the_runtime_runs_downwards() -> None:
    assert violations(runtime_sources()) == []


@pytest.mark.parametrize(
    ("module", "planted", "expected"),
    [
        (
            "core.errors",
            "from ..fanout.client import MultiRegionClient",
            "core.errors imports fanout.client",
        ),
        (
            "data.rows",
            "from ..results.results import TargetResult",
            "data.rows imports results.results",
        ),
        (
            "data.rows",
            "import multiregion_runtime.clients.cache",
            "data.rows imports clients.cache",
        ),
        ("engines.base", "    from .choose import executor_from", "import circle"),
        ("results.results", "from ..cli import main", "results.results imports cli"),
    ],
)
def test_a_planted_upward_import_or_circle_is_caught(
    module: str, planted: str, expected: str
) -> None:
    sources = runtime_sources()
    source, is_package = sources[module]
    if planted.startswith(" "):  # a lazy import, inside a function
        planted = "def _lazy() -> None:\n" + planted
    sources[module] = (source + "\n" + planted + "\n", is_package)
    assert any(expected in problem for problem in violations(sources))


def test_each_package_says_what_it_may_import() -> None:
    for package, allowed in MAY_IMPORT.items():
        if package in ("", "planning"):
            continue
        doc = ast.get_docstring(
            ast.parse((RUNTIME / package / "__init__.py").read_text())
        )
        said = re.search(r"May import: (.*?)\.", doc or "", re.S)
        assert said, f"{package}/__init__.py does not say what it may import"
        names = {
            n.strip().rstrip("/") for n in said.group(1).replace("\n", " ").split(",")
        }
        expected = {n or "the root" for n in allowed} or {"nothing of ours"}
        assert names == expected, package


def test_codegen_uses_only_the_model_text_of_the_runtime() -> None:
    for path in (ROOT / "codegen").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "multiregion_runtime"
            ):
                assert node.module == "multiregion_runtime.core.modeltext", path


def test_the_layout_map_names_every_module() -> None:
    text = LAYOUT_MAP.read_text("utf-8")
    missing = [
        str(path.relative_to(RUNTIME))
        for path in RUNTIME.rglob("*.py")
        if path.name != "__init__.py" and str(path.relative_to(RUNTIME)) not in text
    ]
    assert missing == [], f"docs/layout.md does not name {missing}"


def test_all_is_sorted_and_is_every_public_name() -> None:
    names = multiregion_runtime.__all__
    assert names == sorted(names)
    tree = ast.parse((RUNTIME / "__init__.py").read_text("utf-8"))
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
        if not (alias.asname or alias.name).startswith("_")
    }
    assert set(names) == imported
