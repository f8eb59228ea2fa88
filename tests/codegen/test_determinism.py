"""The same botocore generates the same bytes, whatever the hash seed.

Rendering twice in one process cannot catch an order taken from a set: string hashes,
and so set order, are fixed for a process's life. Two processes with different
``PYTHONHASHSEED`` values do differ, so the generator runs in two.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

# The largest model (ec2), one with many shared shapes (s3), and two small ones.
SERVICES = ("sqs", "ec2", "s3", "dynamodb", "lambda")


def generate(out: Path, hash_seed: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "codegen", "--out", str(out)]
    for service in SERVICES:
        command += ["--service", service]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def files_under(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def first_difference(name: str, first: bytes, second: bytes) -> str:
    diff = difflib.unified_diff(
        first.decode().splitlines(),
        second.decode().splitlines(),
        f"PYTHONHASHSEED=1/{name}",
        f"PYTHONHASHSEED=2/{name}",
        lineterm="",
        n=1,
    )
    return "\n".join(list(diff)[:12])


def test_two_hash_seeds_generate_the_same_bytes(tmp_path: Path) -> None:
    runs = {seed: generate(tmp_path / seed, seed) for seed in ("1", "2")}
    for seed, process in runs.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"PYTHONHASHSEED={seed}: {output}"
    first, second = files_under(tmp_path / "1"), files_under(tmp_path / "2")
    assert len(first) >= 4 * len(SERVICES)  # each service's files were written
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    report = "\n".join(first_difference(n, first[n], second[n]) for n in differing)
    assert not differing, f"{len(differing)} file(s) differ:\n{report}"
