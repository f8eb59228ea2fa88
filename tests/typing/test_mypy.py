"""mypy on tests/typing/: ok_* snippets pass, bad_* snippets fail exactly as marked."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from tests.helpers import ROOT

SNIPPETS = Path(__file__).parent


def snippet_files() -> list[Path]:
    """The ok_*/bad_* snippets beside this file (not the tests themselves)."""
    return sorted(SNIPPETS.glob("ok_*.py")) + sorted(SNIPPETS.glob("bad_*.py"))


_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*)$")
_EXPECTED = re.compile(r"^#\s*E:\s*(?P<message>.*)$")


def expected_errors(path: Path) -> list[tuple[int, str]]:
    """(line, message) of each ``# E: message`` comment, for the next code line."""
    found, pending = [], []
    for number, line in enumerate(
        path.read_text(encoding="utf-8").splitlines(), start=1
    ):
        match = _EXPECTED.match(line.strip())
        if match:
            pending.append(match.group("message").strip())
        elif line.strip() and not line.strip().startswith("#"):
            found += [(number, message) for message in pending]
            pending = []
    assert not pending, f"{path.name}: '# E:' comment(s) at the end of the file"
    return sorted(found)


def mypy_errors() -> dict[str, list[tuple[int, str]]]:
    """Errors by snippet file name, from one mypy run over all snippets."""
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-pretty",
        "--no-error-summary",
    ]
    command += ["--show-error-codes", "--hide-error-context", "--no-color-output"]
    command += ["--enable-error-code", "deprecated"]
    # Its own cache: `make test` runs this beside `make typecheck`, whose options differ.
    command += ["--cache-dir", str(ROOT / ".mypy_cache" / "typing-snippets")]
    result = subprocess.run(
        command + sorted(str(p.relative_to(ROOT)) for p in snippet_files()),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    errors: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line in result.stdout.splitlines():
        match = _ERROR.match(line)
        if match:
            errors[Path(match.group("path")).name].append(
                (int(match.group("line")), match.group("message").strip())
            )
    return errors


def test_snippets() -> None:
    errors = mypy_errors()
    snippets = snippet_files()
    assert any(p.name.startswith("ok_") for p in snippets)
    assert any(p.name.startswith("bad_") for p in snippets)
    unexpected_files = set(errors) - {p.name for p in snippets}
    assert not unexpected_files, {name: errors[name] for name in unexpected_files}
    for path in snippets:
        assert sorted(errors.get(path.name, [])) == expected_errors(path), path.name
