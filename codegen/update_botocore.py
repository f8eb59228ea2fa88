"""``make update-botocore``: move the botocore/boto3 pin to the newest release,
regenerate, and print what changed between the two model sets.

Steps run in subprocesses so each sees the botocore installed at that moment.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from codegen import modeldiff

PINNED = ("botocore", "boto3")
_AVAILABLE = re.compile(r"^Available versions:\s*(.+)$", re.MULTILINE)


def pinned_version(constraints: str, package: str) -> str | None:
    match = re.search(
        rf"^{re.escape(package)}==(\S+)\s*$", constraints, re.MULTILINE | re.IGNORECASE
    )
    return match.group(1) if match else None


def repin(constraints: str, versions: dict[str, str]) -> str:
    """``constraints`` with each ``package==x`` line set to ``versions[package]``."""
    for package, version in versions.items():
        line = re.compile(
            rf"^{re.escape(package)}==\S+[ \t]*$", re.MULTILINE | re.IGNORECASE
        )
        if not line.search(constraints):
            raise ValueError(f"no '{package}==' line in the constraints file")
        constraints = line.sub(f"{package}=={version}", constraints)
    return constraints


def parse_pip_index(output: str) -> list[str]:
    """The versions ``pip index versions PKG`` lists, newest first."""
    match = _AVAILABLE.search(output)
    if match is None:
        raise ValueError(f"unexpected `pip index versions` output: {output[:200]!r}")
    return [v.strip() for v in match.group(1).split(",") if v.strip()]


def newest_common_version() -> str:
    """The newest version published for both botocore and boto3 (they move together)."""
    available = {package: _index_versions(package) for package in PINNED}
    common = [v for v in available["botocore"] if v in set(available["boto3"])]
    if not common:
        raise SystemExit("no version is published for both botocore and boto3")
    return common[0]


def _index_versions(package: str) -> list[str]:
    result = _run(
        [sys.executable, "-m", "pip", "index", "versions", package], capture=True
    )
    return parse_pip_index(result.stdout)


def _run(command: list[str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(command), file=sys.stderr)
    return subprocess.run(command, check=True, text=True, capture_output=capture)


def _summary(path: Path) -> modeldiff.Summary:
    _run([sys.executable, "-m", "codegen.modeldiff", "summarize", str(path)])
    data: modeldiff.Summary = json.loads(path.read_text(encoding="utf-8"))
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.update_botocore")
    parser.add_argument("--constraints", type=Path, default=Path("constraints-dev.txt"))
    parser.add_argument("--out", type=Path, default=Path("generated"))
    args = parser.parse_args(argv)
    text = args.constraints.read_text(encoding="utf-8")
    current = pinned_version(text, "botocore")
    newest = newest_common_version()
    if newest == current:
        print(f"botocore is already pinned to the newest release, {current}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        old = _summary(Path(tmp) / "old.json")
        args.constraints.write_text(
            repin(text, dict.fromkeys(PINNED, newest)), encoding="utf-8"
        )
        pins = [f"{package}=={newest}" for package in PINNED]
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "-c",
                str(args.constraints),
                *pins,
            ]
        )
        _run([sys.executable, "-m", "codegen", "--out", str(args.out)])
        new = _summary(Path(tmp) / "new.json")
    print(modeldiff.report(old, new, current or "?", newest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
