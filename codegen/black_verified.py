"""``python -m codegen.black_verified DIR``: ``black --check`` over DIR's Python
files, except those black has already passed with the same bytes.

black's verdict on a file depends only on its bytes, its kind (.py or .pyi), black's
version and the ``[tool.black]`` settings. ``DIR/black-verified.txt`` records, under
a line naming black's version and settings, ``sha256  path`` for every file black
passed. It is black's own cache made portable: black's keys on the file's absolute
path and mtime, so a fresh clone starts cold, and black over all of generated/ costs
about 125 s of CPU there (``make check-generated``, 2 cores). A file whose bytes are
not in the record, or every file once black or its settings change, is checked by
black; the record is rewritten when that passes. Commit it with generated/.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

RECORD = "black-verified.txt"
ROOT = Path(__file__).resolve().parents[1]


def header() -> str:
    """The line naming what black's verdict depends on besides the file itself."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # black depends on tomli there
        import tomli as tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    settings = pyproject.get("tool", {}).get("black", {})
    settings.pop("extend-exclude", None)  # which files, not how they are formatted
    return f"# black {version('black')} {json.dumps(settings, sort_keys=True)}"


def entries(out: Path) -> dict[str, Path]:
    """``"sha256  path"`` of each Python file under ``out`` -> the file."""
    files = sorted(p for p in out.rglob("*.py*") if p.suffix in {".py", ".pyi"})
    return {
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(out).as_posix()}": p
        for p in files
        if "__pycache__" not in p.parts
    }


def recorded(record: Path, expected_header: str) -> set[str]:
    """The entries black passed, if the record is of this black and these settings."""
    if not record.exists():
        return set()
    lines = record.read_text(encoding="utf-8").splitlines()
    return set(lines[1:]) if lines[:1] == [expected_header] else set()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "generated")
    record, first_line = out / RECORD, header()
    found = entries(out)
    unchecked = [
        path
        for entry, path in found.items()
        if entry not in recorded(record, first_line)
    ]
    print(
        f"black: {len(found) - len(unchecked)} of {len(found)} files passed before "
        f"with these bytes ({record}); checking {len(unchecked)}"
    )
    if unchecked:
        check = [sys.executable, "-m", "black", "--check", *map(str, unchecked)]
        if subprocess.run(check).returncode != 0:
            return 1
        record.write_text("\n".join([first_line, *found]) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
