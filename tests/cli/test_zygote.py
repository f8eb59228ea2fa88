"""The tests' CLI runs (tests/zygote.py, forked from a process that has imported
botocore) behave as runs in a new interpreter do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.zygote import ForkedRun, run_module, start_python


def fresh(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "multiregion_runtime", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


def forked(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    done = run_module(args, env, cwd, timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_a_forked_run_gives_what_a_new_interpreter_gives(tmp_path: Path) -> None:
    env = dict(os.environ)
    for args in (
        ["--version"],
        ["sqs", "list-queues", "--regions", "nowhere-1"],  # a usage error: exit 2
        ["sweep", "missing.toml", "--out", "x.duckdb"],  # relative to the folder
    ):
        assert forked(args, env, tmp_path) == fresh(args, env, tmp_path), args


def test_each_run_has_its_own_environment(tmp_path: Path) -> None:
    args = ["sqs", "list-queues", "--regions", "nowhere-1"]
    marked = {**os.environ, "AWS_DEFAULT_OUTPUT": "yaml-of-no-kind"}
    plain = {k: v for k, v in os.environ.items() if k != "AWS_DEFAULT_OUTPUT"}
    first, second = forked(args, marked, tmp_path), forked(args, plain, tmp_path)
    assert first == fresh(args, marked, tmp_path)
    assert second == fresh(args, plain, tmp_path)
    assert first != second  # the variable of the first run did not reach the second


def test_a_forked_python_run_streams_ends_and_is_killed_as_a_popen_is(
    tmp_path: Path,
) -> None:
    code = (
        "import sys, time\n"
        "print('to stderr', file=sys.stderr, flush=True)\n"
        "print('started', sys.argv[1:], flush=True)\n"
        "time.sleep(float(sys.argv[1]))\n"
        "print('done')\n"
        "sys.exit(3)\n"
    )
    ended = start_python(code, ["0"], tmp_path, ("json",))
    assert isinstance(ended, ForkedRun)  # forked, not a new interpreter
    assert ended.stdout is not None
    assert ended.stdout.readline() == "started ['0']\n"
    assert ended.communicate(timeout=60) == ("done\n", "to stderr\n")
    assert ended.returncode == 3

    killed = start_python(code, ["60"], tmp_path, ("json",))
    assert killed.stdout is not None
    assert killed.stdout.readline() == "started ['60']\n"
    assert killed.poll() is None  # still sleeping
    killed.kill()
    assert killed.wait(timeout=60) == -9
    assert killed.communicate(timeout=60) == ("", "to stderr\n")
