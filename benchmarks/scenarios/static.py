"""Scenario 5: import time, code generation time, and the generated tree's size.

Every figure comes from fresh subprocesses: an import is only cold once per process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Measured:
    """One row of scenario 5: a figure, or why there is none yet."""

    what: str
    median_s: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    peak_rss_mb: float | None = None
    note: str = ""


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit status, stderr tail) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()  # read before waiting: a full pipe would block the child
    # os.wait4 gives this one child's rusage (RUSAGE_CHILDREN would mix children).
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024.0, proc.returncode, err.decode()[-600:]


def module_available(module: str, env: dict[str, str]) -> bool:
    """Whether ``module`` can be imported, checked in a child to keep this one clean."""
    check = (
        f"import importlib.util as u, sys; sys.exit(u.find_spec({module!r}) is None)"
    )
    args = [sys.executable, "-c", check]
    return (
        subprocess.run(args, env=env, cwd=REPO, stderr=subprocess.DEVNULL).returncode
        == 0
    )


def import_time(module: str, runs: int, env: dict[str, str]) -> Measured:
    """Wall time of ``python -c "import module"`` in fresh processes."""
    what = f"`import {module}` (fresh process)"
    if not module_available(module, env):
        return Measured(what, note="not available yet")
    samples, rss = [], 0.0
    for _ in range(runs):
        wall, peak, status, err = run_child(
            [sys.executable, "-c", f"import {module}"], env
        )
        if status != 0:
            return Measured(what, note=f"failed: {err.strip().splitlines()[-1:]}")
        samples.append(wall)
        rss = max(rss, peak)
    return Measured(what, *stats(samples), peak_rss_mb=round(rss, 1))


def stats(samples: list[float]) -> tuple[float, float, float]:
    return statistics.median(samples), min(samples), max(samples)


def codegen_help(env: dict[str, str]) -> str | None:
    """``python -m codegen --help``, or None when there is no generator yet."""
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "--help"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    return proc.stdout if proc.returncode == 0 else None


def codegen_time(
    extra: list[str], what: str, env: dict[str, str]
) -> tuple[Measured, int]:
    """Time one ``python -m codegen --out <tmp>`` run; also the bytes it wrote."""
    with tempfile.TemporaryDirectory(prefix="bench-codegen-") as out:
        args = [sys.executable, "-m", "codegen", "--out", out, *extra]
        wall, rss, status, err = run_child(args, env)
        if status != 0:
            tail = err.strip().splitlines()[-1:] or ["no error output"]
            return Measured(what, note=f"failed (exit {status}): {tail[0]}"), 0
        size = tree_size(Path(out))[0]
    return Measured(what, wall, wall, wall, round(rss, 1)), size


def tree_size(root: Path) -> tuple[int, int]:
    """(bytes, files) under ``root``, caches excluded."""
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sum(p.stat().st_size for p in files), len(files)


def compile_imported(env: dict[str, str]) -> None:
    """Byte-compile what the import rows load, as installing a wheel does.

    Without it (PYTHONDONTWRITEBYTECODE=1, as in some sandboxes) every run compiles
    EC2's 780 KB client module again, which no installed user pays.
    """
    generated = REPO / "generated" / "multiregion"
    paths = [REPO / "runtime", generated / "__init__.py", generated / "type_defs.py"]
    paths.append(generated / "ec2")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *map(str, paths)],
        env=env,
        check=True,
    )


def measure_static(
    runs: int, full_codegen: bool, env: dict[str, str]
) -> dict[str, object]:
    compile_imported(env)
    rows = [
        import_time("boto3", runs, env),
        import_time("multiregion", runs, env),
        import_time("multiregion.ec2", runs, env),
    ]
    notes: list[str] = ["imports: bytecode compiled first, as installing a wheel does"]
    help_text = codegen_help(env)
    if help_text is None:
        rows.append(Measured("codegen, all services", note="not available yet"))
        rows.append(Measured("codegen, `--service ec2`", note="not available yet"))
    else:
        rows.extend(codegen_rows(help_text, full_codegen, env, notes))
    size, count = tree_size(REPO / "generated" / "multiregion")
    notes.append(f"generated/multiregion: {size / 1e6:.2f} MB in {count} files")
    return {"rows": rows, "notes": notes}


def codegen_rows(
    help_text: str, full_codegen: bool, env: dict[str, str], notes: list[str]
) -> list[Measured]:
    rows = []
    if full_codegen:
        full, size = codegen_time([], "codegen, all services", env)
        rows.append(full)
        if size:
            notes.append(f"full codegen output: {size / 1e6:.2f} MB")
    else:
        rows.append(Measured("codegen, all services", note="skipped (--quick)"))
    if "--service" in help_text:
        rows.append(
            codegen_time(["--service", "ec2"], "codegen, `--service ec2`", env)[0]
        )
    else:
        rows.append(
            Measured("codegen, `--service ec2`", note="codegen has no --service")
        )
    return rows
