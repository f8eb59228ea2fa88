"""pyright on tests/typing/: ok_* snippets pass, and it flags the lines mypy flags.

The messages differ between the checkers, so bad_* snippets are compared by LINE:
each code line under a ``# E:`` comment (mypy's expectation, see test_mypy.py)
must have a pyright error, and no other line may have one.

How pyright runs here: the PyPI wheel ``pyright`` is a wrapper that ships pyright's
npm package (for its own version) and runs it with the ``node`` on PATH; it only
falls back to nodeenv, which downloads node from nodejs.org (not reachable from
this project's machines), when there is no node on PATH. So the test needs node on
PATH and makes no network access at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.typing.test_mypy import SNIPPETS, expected_errors, snippet_files

# pyright's settings, written to a pyrightconfig.json in a temporary folder (not the
# repository root), so that `multiregion` resolves only as a user's would: through
# the interpreter given by --pythonpath, whose sys.path has runtime/ and generated/
# from the editable install's .pth.
CONFIG: dict[str, str] = {
    "typeCheckingMode": "strict",
    # Strict pyright types an unannotated `ids = []` as list[Unknown] and reports
    # each later use of it; mypy infers the item type from the first append. The
    # ok_* snippets are plain user code with such lists, and Unknowns coming from
    # the library are still caught by reportUnknownArgumentType/ParameterType and
    # the snippets' assert_type calls.
    "reportUnknownMemberType": "none",
    "reportUnknownVariableType": "none",
}

# Where pyright and mypy disagree on a bad_* line: {(file name, line): reason}.
# A line that mypy flags (a `# E:` expectation) and pyright does not:
MYPY_ONLY: dict[tuple[str, int], str] = {}
# A line without a `# E:` expectation that pyright flags:
PYRIGHT_ONLY: dict[tuple[str, int], str] = {}

Diagnostics = dict[str, dict[int, list[str]]]


def pyright_env() -> dict[str, str]:
    """The environment, with the wrapper pinned to its offline behaviour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRIGHT_PYTHON_")}
    env["PYRIGHT_PYTHON_GLOBAL_NODE"] = "1"  # node from PATH, never nodeenv
    env["PYRIGHT_PYTHON_USE_BUNDLED_PYRIGHT"] = "1"  # the wheel's pyright, no npm
    env["PYRIGHT_PYTHON_IGNORE_WARNINGS"] = "1"  # no PyPI "new version" check
    return env


@pytest.fixture(scope="module")
def pyright_errors(tmp_path_factory: pytest.TempPathFactory) -> Diagnostics:
    """Errors by snippet file name and line, from one pyright run over all snippets."""
    assert shutil.which("node"), "pyright needs node on PATH (apt-get install nodejs)"
    project = tmp_path_factory.mktemp("pyright")
    (project / "pyrightconfig.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    snippets = sorted(str(p) for p in snippet_files())
    command = [sys.executable, "-m", "pyright", "--outputjson"]
    command += ["--pythonpath", sys.executable, "--project", str(project)]
    result = subprocess.run(
        command + snippets,
        cwd=project,
        env=pyright_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # 0: no errors, 1: errors; anything else is pyright failing to run.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["filesAnalyzed"] == len(snippets), report["summary"]
    errors: Diagnostics = defaultdict(lambda: defaultdict(list))
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] in ("error", "warning"):
            line = diagnostic["range"]["start"]["line"] + 1
            errors[Path(diagnostic["file"]).name][line].append(
                f"{diagnostic['message']}  [{diagnostic.get('rule', '')}]"
            )
    return errors


def test_ok_snippets_pass(pyright_errors: Diagnostics) -> None:
    ok = sorted(p.name for p in SNIPPETS.glob("ok_*.py"))
    assert ok
    assert {name: dict(pyright_errors.get(name, {})) for name in ok} == {
        name: {} for name in ok
    }


def test_bad_snippets_fail_on_mypys_lines(pyright_errors: Diagnostics) -> None:
    bad = sorted(SNIPPETS.glob("bad_*.py"))
    assert bad
    unexpected_files = set(pyright_errors) - {p.name for p in snippet_files()}
    assert not unexpected_files, unexpected_files
    for path in bad:
        mypy_lines = {line for line, _ in expected_errors(path)}
        assert mypy_lines, path.name
        pyright_lines = set(pyright_errors.get(path.name, {}))
        missed = {
            line
            for line in mypy_lines - pyright_lines
            if (path.name, line) not in MYPY_ONLY
        }
        extra = {
            line: pyright_errors[path.name][line]
            for line in pyright_lines - mypy_lines
            if (path.name, line) not in PYRIGHT_ONLY
        }
        assert not missed, f"{path.name}: pyright reports nothing on lines {missed}"
        assert not extra, f"{path.name}: pyright errors mypy does not expect: {extra}"


def test_disagreements_are_current(pyright_errors: Diagnostics) -> None:
    """Each listed disagreement still holds, so a fixed one leaves the lists."""
    for name, line in MYPY_ONLY:
        assert line in {n for n, _ in expected_errors(SNIPPETS / name)}, (name, line)
        assert line not in pyright_errors.get(name, {}), (name, line)
    for name, line in PYRIGHT_ONLY:
        assert line not in {n for n, _ in expected_errors(SNIPPETS / name)}
        assert line in pyright_errors.get(name, {}), (name, line)
