"""``python -m multiregion_runtime ...`` as the tests run it, for less CPU.

A new interpreter that runs the command line costs ~0.35 s of CPU, a third of it
importing botocore and boto3, and the tests make a few hundred such runs on each
Python. Here one process imports those two once, then forks a child per run. The
child takes the run's environment, working folder, arguments and output files, runs
the module as ``-m`` does, and exits as any interpreter does (atexit, threads), so
each run is still a process of its own. The runtime and its command line are imported
before the fork as well (a sixth of a run's CPU): their modules make no thread, socket
or client when imported, and read two settings from the environment then.

The kill-and-resume tests' ``python -c`` runs (``start_python``: a run started, read
and killed as a ``subprocess.Popen`` is) fork from a process of their own that has
imported what they need of the runtime too. Never DuckDB or pyarrow: their native
threads do not survive a fork (on 3.10, forked runs ended in ``std::terminate`` or
hung).

Runs whose interpreter settings differ (``PYTHON*``, locale variables), or those two
settings, runs from several threads at once, and platforms without ``fork`` start a
new interpreter, as does every run with ``MULTIREGION_TESTS_NO_FORK=1``.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Variables read when an interpreter starts, and those the runtime reads when imported
#: (core.shared, clients.cache): a run that changes them needs its own interpreter.
_STARTUP = (
    "PYTHON",
    "LC_",
    "LANG",
    "MULTIREGION_POOL_SIZE",
    "MULTIREGION_MAX_CLIENTS",
)


def serve() -> None:
    """The forking process: a JSON request per line in, the child's pid and then its
    exit status out. Its arguments name more modules to import before forking."""
    import boto3  # noqa: F401 - what every run imports first
    import botocore.session  # noqa: F401

    import multiregion_runtime.cli  # noqa: F401 - what `-m multiregion_runtime` runs

    for name in sys.argv[1:]:
        importlib.import_module(name)
    native = {"pyarrow", "duckdb"} & set(sys.modules)
    assert not native, f"{native} cannot be imported before a fork (see the docstring)"
    # The imported objects go where the collector never looks: a child's collections
    # would walk them all, and copy the pages they touch (a run: 0.26 -> 0.19 s of CPU).
    gc.collect()
    gc.freeze()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)  # exits: never back in this loop
        print(json.dumps({"pid": pid}), flush=True)
        status = os.waitpid(pid, 0)[1]
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)


def _child(request: dict[str, Any]) -> None:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, flags in (
        (0, os.devnull, os.O_RDONLY),
        (1, request["out"], os.O_WRONLY | os.O_TRUNC),
        (2, request["err"], os.O_WRONLY | os.O_TRUNC),
    ):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(os.devnull, encoding="utf-8")  # the run's own, as fd 0
    if "code" in request:  # as `python -c code args...`
        sys.argv = ["-c", *request["args"]]
        sys.path[0] = ""
        exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = ["multiregion_runtime", *request["args"]]
        sys.path[0] = os.getcwd()  # as -m puts the working folder first
        runpy.run_module("multiregion_runtime", run_name="__main__", alter_sys=True)
    sys.exit(0)


class _Zygote:
    def __init__(self, preload: tuple[str, ...]) -> None:
        root = Path(__file__).resolve().parents[1]
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from tests.zygote import serve; serve()", *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=root,
            bufsize=0,  # read by select and os.read: nothing may wait in a buffer
        )
        self.replies = b""
        self.environment = dict(os.environ)
        self.lock = threading.Lock()
        atexit.register(self.stop)

    def run(
        self, args: list[str], env: Mapping[str, str], cwd: Path | None, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        with tempfile.TemporaryDirectory(prefix="cli-") as folder:
            out, err = Path(folder, "out"), Path(folder, "err")
            out.touch()
            err.touch()
            request = {"args": args, "env": dict(env), "cwd": str(cwd or Path.cwd())}
            request.update(out=str(out), err=str(err))
            code = self._exchange(request, timeout)
            done = subprocess.CompletedProcess(
                [sys.executable, "-m", "multiregion_runtime", *args],
                -9 if code is None else code,
                out.read_text(encoding="utf-8", errors="replace"),
                err.read_text(encoding="utf-8", errors="replace"),
            )
        if code is None:
            raise subprocess.TimeoutExpired(
                done.args, timeout, done.stdout, done.stderr
            )
        return done

    def start(self, request: dict[str, Any]) -> int:
        """Forks a run of ``request``; its pid (its exit status is the next reply)."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        return int(self._reply(None)["pid"])

    def _exchange(self, request: dict[str, Any], timeout: float) -> int | None:
        """The run's exit status; None if it was killed at ``timeout``."""
        pid = self.start(request)
        done = self._reply(timeout)
        if done is None:
            with contextlib.suppress(ProcessLookupError):  # it ended just now
                os.kill(pid, signal.SIGKILL)
            self._reply(None)
            return None
        return int(done["code"])

    def _reply(self, timeout: float | None) -> Any:
        """The next line the forking process writes (None: none by ``timeout``)."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self.replies:
            if not select.select([fd], [], [], timeout)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError("the forking process for CLI runs has gone")
            self.replies += chunk
        line, self.replies = self.replies.split(b"\n", 1)
        return json.loads(line)

    def suits(self, env: Mapping[str, str]) -> bool:
        """Whether a run with ``env`` starts as this process's interpreter did."""
        names = set(env) | set(self.environment)
        return self.process.poll() is None and all(
            env.get(name) == self.environment.get(name)
            for name in names
            if name.startswith(_STARTUP)
        )

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


_zygotes: dict[tuple[str, ...], _Zygote] = {}
_start_lock = threading.Lock()


def _free_zygote(preload: tuple[str, ...], env: Mapping[str, str]) -> _Zygote | None:
    """The forking process that has imported ``preload``, locked for one run; None
    where runs cannot be forked (see the module's docstring)."""
    if not hasattr(os, "fork") or os.environ.get("MULTIREGION_TESTS_NO_FORK"):
        return None
    with _start_lock:
        zygote = _zygotes.get(preload)
        if zygote is None:
            zygote = _zygotes[preload] = _Zygote(preload)
    if zygote.suits(env) and zygote.lock.acquire(blocking=False):
        return zygote
    return None


def run_module(
    args: list[str], env: Mapping[str, str], cwd: Path | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """``python -m multiregion_runtime args`` with ``env`` (the whole environment),
    output captured as ``subprocess.run(..., capture_output=True, text=True)``."""
    zygote = _free_zygote((), env)
    if zygote is not None:
        try:
            return zygote.run(args, env, cwd, timeout)
        finally:
            zygote.lock.release()
    return subprocess.run(
        [sys.executable, "-m", "multiregion_runtime", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(env),
        cwd=cwd,
    )


def start_python(
    code: str, args: list[str], cwd: Path, preload: tuple[str, ...]
) -> subprocess.Popen[str] | ForkedRun:
    """``python -c code args...`` with this environment, stdout and stderr piped as
    ``subprocess.Popen(..., text=True)`` would: forked from a process that has
    imported ``preload`` too, for runs that a test starts and kills again and again."""
    env = dict(os.environ)
    zygote = _free_zygote(preload, env)
    if zygote is None:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
        )
    return ForkedRun(zygote, code, args, env, cwd)


class ForkedRun:
    """What the tests use of a ``subprocess.Popen``, for a run forked by a zygote.

    Its output reaches this process through a named pipe, which this process holds
    open for writing as well until the run has ended: a read never sees the end of
    the output before the run has made all of it. (A run that writes more than the
    pipe holds, 64 KiB, waits until it is read: these runs print a line or two.)
    """

    def __init__(
        self,
        zygote: _Zygote,
        code: str,
        args: list[str],
        env: Mapping[str, str],
        cwd: Path,
    ) -> None:
        self.zygote = zygote
        self.folder = tempfile.TemporaryDirectory(prefix="run-")
        fifo, self.err = Path(self.folder.name, "out"), Path(self.folder.name, "err")
        os.mkfifo(fifo)
        self.err.touch()
        reading = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.writing: int | None = os.open(fifo, os.O_WRONLY)
        os.set_blocking(reading, True)
        self.stdout = open(reading, encoding="utf-8", errors="replace")
        self.returncode: int | None = None
        request = {"code": code, "args": args, "env": dict(env), "cwd": str(cwd)}
        request.update(out=str(fifo), err=str(self.err))
        self.pid = zygote.start(request)

    def poll(self) -> int | None:
        if self.returncode is None:
            self._ended(self.zygote._reply(0))
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._ended(self.zygote._reply(timeout))
        if self.returncode is None:
            raise subprocess.TimeoutExpired(["python", "-c"], timeout or 0)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it ended just now
                os.kill(self.pid, signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        out = self.stdout.read()  # to its end: no process holds the pipe now
        self.stdout.close()
        err = self.err.read_text(encoding="utf-8", errors="replace")
        self.folder.cleanup()
        return out, err

    def _ended(self, reply: dict[str, Any] | None) -> None:
        if reply is None:
            return
        self.returncode = int(reply["code"])
        self.zygote.lock.release()
        if self.writing is not None:  # what is left in the pipe ends there
            os.close(self.writing)
            self.writing = None
