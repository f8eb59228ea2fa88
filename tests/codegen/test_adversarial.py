"""Hostile models (keywords, clashing names, quotes, backslashes, unicode, <script>):
the output must compile, import, satisfy black and mypy --strict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.model import ServiceModel

from codegen.build import build_service
from codegen.render import render_package, render_service
from tests.helpers import CODEGEN_FIXTURES, ROOT

FIXTURES = CODEGEN_FIXTURES
RUNTIME = ROOT / "runtime"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The adversarial service ("class") and widgets, written as a package."""
    root = tmp_path_factory.mktemp("generated")
    files = render_package("9.9.9")
    for fixture, service_name in [("adversarial", "class"), ("widgets", "widgets")]:
        raw = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
        files.update(
            render_service(build_service(ServiceModel(raw, service_name), "9.9.9"))
        )
    for path, text in files.items():
        target = root / "multiregion" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def sources(package: Path) -> list[Path]:
    return sorted(package.rglob("*.py"))


def run(command: list[str], package: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{package}{os.pathsep}{RUNTIME}"}
    env["MYPYPATH"] = env["PYTHONPATH"]
    return subprocess.run(command, cwd=package, env=env, text=True, capture_output=True)


def test_names_are_made_safe(package: Path) -> None:
    client = (package / "multiregion/class_/client.py").read_text(encoding="utf-8")
    for method in ("def import_(", "def regions_(", "def global_("):
        assert method in client
    type_defs = (package / "multiregion/class_/type_defs.py").read_text(
        encoding="utf-8"
    )
    # Keys that are keywords, not identifiers or shadow annotation names.
    assert 'ImportRequestTypeDef = TypedDict(\n    "ImportRequestTypeDef",' in type_defs
    for key in (
        '"from": str,',
        '"None": NotRequired[str],',
        '"x-amz-meta": NotRequired[str],',
    ):
        assert key in type_defs
    # Shape names that clash with shared or variant names get distinct names.
    assert "class ResponseMetadata2TypeDef(TypedDict):" in type_defs
    assert "class FooOutputTypeDef(TypedDict):" in type_defs
    assert "class FooOutput2TypeDef(TypedDict):" in type_defs
    for path in sources(package):
        assert "<script>" not in path.read_text(encoding="utf-8"), path


def test_every_file_compiles_and_imports(package: Path) -> None:
    for path in sources(package):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    modules = ["multiregion", "multiregion.type_defs"] + [
        f"multiregion.{service}.{module}"
        for service in ("class_", "widgets")
        for module in ("client", "type_defs", "literals")
    ]
    script = "import importlib\n" + "".join(
        f"importlib.import_module({m!r})\n" for m in modules
    )
    script += "import multiregion.class_ as c; print(getattr(c, c.__all__[0]).__doc__)"
    result = run([sys.executable, "-c", script], package)
    assert result.returncode == 0, result.stderr
    assert 'Ends with three quotes """' in result.stdout


def test_black_accepts_the_output_unchanged(package: Path) -> None:
    command = [sys.executable, "-m", "black", "--check", "-l", "88", "-t", "py310"]
    result = run(command + [str(p) for p in sources(package)], package)
    assert result.returncode == 0, result.stderr


def test_mypy_strict_accepts_the_output(package: Path) -> None:
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10"]
    command += ["--no-incremental", "-p", "multiregion"]
    result = run(command, package)
    assert result.returncode == 0, result.stdout
