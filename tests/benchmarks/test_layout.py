"""benchmarks/ imports one way, has no circle, and has one entry point.

Every import counts, lazy ones (inside a function) included: a lazy import only
hides a circle (``fleet.py`` and ``worker.py`` imported each other that way).
"""

from __future__ import annotations

import ast
import graphlib
import importlib.util
import re
from pathlib import Path

import pytest

from tests.helpers import ROOT

BENCHMARKS = ROOT / "benchmarks"

#: What each package (or top-level module) may import of benchmarks, lowest first.
MAY_IMPORT: dict[str, set[str]] = {
    "endpoint": set(),
    "workers": {"endpoint"},
    "scenarios": {"endpoint"},
    "report": {"endpoint", "scenarios"},
    "cli": {"endpoint", "scenarios", "report"},
    "__main__": {"cli"},
    "": set(),  # benchmarks/__init__.py
}
#: Modules run with ``python -m``: the entry point, and the two child processes it
#: starts by module name (no one runs those by hand).
ENTRY_POINTS = {"benchmarks.__main__"}
CHILD_PROCESSES = {"benchmarks.workers.__main__", "benchmarks.endpoint.server"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, str]:
    return {
        module_name(path): path.read_text("utf-8")
        for path in sorted(BENCHMARKS.rglob("*.py"))
    }


def imports_of(source: str) -> set[str]:
    """Every module of benchmarks that ``source`` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "benchmarks"
        ):
            assert node.module is not None and not node.level
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("benchmarks"))
    return found


def package_of(module: str) -> str:
    """``scenarios`` for benchmarks.scenarios.fleet, ``cli`` for benchmarks.cli."""
    return module.split(".")[1] if "." in module else ""


def graph_of(modules: dict[str, str]) -> dict[str, set[str]]:
    """Module -> the modules of benchmarks it imports. Packages' ``__init__``s,
    which import nothing, are left out: ``from benchmarks.scenarios import x`` is
    an edge to ``x``."""
    packages = {module_name(init) for init in BENCHMARKS.rglob("__init__.py")}
    return {
        module: {m for m in imports_of(source) if m in modules} - packages - {module}
        for module, source in modules.items()
    }


def violations(modules: dict[str, str]) -> list[str]:
    graph = graph_of(modules)
    problems = []
    for module, targets in graph.items():
        mine = package_of(module)
        for target in sorted(targets):
            theirs = package_of(target)
            if theirs != mine and theirs not in MAY_IMPORT[mine]:
                allowed = ", ".join(sorted(MAY_IMPORT[mine])) or "nothing of benchmarks"
                problems.append(
                    f"{module} imports {target}: {mine} may import {allowed}"
                )
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as circle:
        problems.append(f"import circle: {' -> '.join(circle.args[1])}")
    return problems


def test_every_import_of_the_benchmarks_runs_downwards_without_a_circle() -> None:
    assert violations(sources()) == []


@pytest.mark.parametrize(
    ("module", "planted", "expected"),
    [
        (  # the old circle: the worker's dispatch and the fleet's helpers
            "benchmarks.workers.measure",
            "def _lazy() -> None:\n    from benchmarks.workers import fleet",
            "import circle",
        ),
        (
            "benchmarks.scenarios.data",
            "from benchmarks.report.results import write_section",
            "benchmarks.scenarios.data imports benchmarks.report.results",
        ),
        (
            "benchmarks.workers.measure",
            "from benchmarks.scenarios.runner import Row",
            "workers may import endpoint",
        ),
        (
            "benchmarks.endpoint.process",
            "from benchmarks.cli import main",
            "endpoint may import nothing of benchmarks",
        ),
    ],
)
def test_a_planted_upward_import_or_circle_is_caught(
    module: str, planted: str, expected: str
) -> None:
    modules = sources()
    modules[module] += "\n" + planted + "\n"
    assert any(expected in problem for problem in violations(modules))


def test_each_package_says_what_it_may_import() -> None:
    for package in ("endpoint", "workers", "scenarios", "report"):
        doc = ast.get_docstring(
            ast.parse((BENCHMARKS / package / "__init__.py").read_text())
        )
        said = re.search(r"May import: (.*?)\.\n", (doc or "") + "\n", re.S)
        assert said, f"benchmarks/{package}/__init__.py does not say what it may import"
        names = {n.strip() for n in said.group(1).split(",")}
        assert names == (MAY_IMPORT[package] or {"nothing of benchmarks"}), package


def runs_as_main(path: Path, source: str) -> bool:
    return path.name == "__main__.py" or '__name__ == "__main__"' in source


def test_one_entry_point_and_the_child_processes_it_starts() -> None:
    found = {
        module_name(path)
        for path in BENCHMARKS.rglob("*.py")
        if runs_as_main(path, path.read_text("utf-8"))
    }
    assert found == ENTRY_POINTS | CHILD_PROCESSES


def test_every_module_named_in_a_string_exists() -> None:
    """``python -m benchmarks.x`` in a command, or ``module="benchmarks.x"``: a
    module moved or renamed would otherwise fail only when a long run gets there."""
    named = set()
    for path in [*BENCHMARKS.rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"benchmarks(\.\w+)+", node.value):
                    named.add(node.value)
    assert "benchmarks.workers" in named and "benchmarks.endpoint.server" in named
    missing = sorted(m for m in named if importlib.util.find_spec(m) is None)
    assert missing == []
