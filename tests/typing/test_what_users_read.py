"""What a user's type checker reads of multiregion: every top-level import it reaches.

mypy skips the function bodies of an installed package, imports in them included, but
follows each top-level import, ``if TYPE_CHECKING:`` ones too. So a module that only a
function needs is imported in that function when it would bring in many others: urllib3
(with ssl, http.client and email) took 0.2 s of each ``mypy --strict`` run on a user's
script (RESULTS.md, "Typing cost for users").
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

RUNTIME = ROOT / "runtime" / "multiregion_runtime"
# Heavy for a type checker and never needed by a signature.
KEPT_OUT = ("urllib3", "urllib.request", "http", "ssl", "email")


def top_level_imports(path: Path) -> list[tuple[str, int]]:
    """(module, level) of each import outside function bodies; level > 0 is relative."""
    found: list[tuple[str, int]] = []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.extend((alias.name, 0) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                found.append((base, node.level))
                if node.level and not base:  # from . import _x
                    found.extend((alias.name, node.level) for alias in node.names)
            elif isinstance(node, ast.If | ast.Try | ast.ClassDef):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def module_file(name: str) -> Path:
    """The file of runtime module ``name`` ("" is the package itself, "core.deadline")."""
    path = RUNTIME.joinpath(*name.split(".")) if name else RUNTIME
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def resolve(name: str, module: str, level: int) -> str:
    """The runtime module a relative import in ``name`` reaches."""
    package = (
        name.split(".")
        if module_file(name).name == "__init__.py" and name
        else name.split(".")[:-1]
    )
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, *module.split(".")]).strip(".")


def reached_runtime_modules() -> dict[str, list[str]]:
    """Runtime module name -> its absolute top-level imports, from ``__init__`` on."""
    reached: dict[str, list[str]] = {}
    todo = [""]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        imports = top_level_imports(module_file(name))
        reached[name] = [module for module, level in imports if level == 0]
        for module, level in imports:
            target = resolve(name, module, level) if level else ""
            if level and module and module_file(target).exists():
                todo.append(target)
    return reached


def test_no_heavy_module_on_a_users_type_check_path() -> None:
    reached = reached_runtime_modules()
    assert {"", "fanout.client", "core.deadline", "clients.cache"} <= reached.keys()
    assert "clients.timeouts" not in reached  # imported by hooks inside a function
    heavy = [
        f"{module_file(name)} imports {module}"
        for name, imports in sorted(reached.items())
        for module in imports
        if any(module == k or module.startswith(f"{k}.") for k in KEPT_OUT)
    ]
    assert not heavy, heavy
