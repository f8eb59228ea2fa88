"""The examples of the documentation: found, run against moto, and their outputs kept true.

Every fenced ``python`` block of ``docs/`` runs in ``tests/docs/test_examples.py``
against a local moto server, except a block marked as needing real AWS. Every
``console`` block that shows output is run too, command by command, and its output
must be what the commands print. Markers are HTML comments on the line just before
a block (invisible on the site):

``<!-- needs-aws -->``
    not run (it needs a real account, organization or cluster); counted, compiled,
    and every name it imports from ``multiregion`` must exist.
``<!-- setup: NAME[, NAME...] -->``
    run ``docs_setups.NAME`` first: it creates what the example lists (queues,
    instances...) in moto.
``<!-- output -->``
    on the line before a ``text`` block that follows a python block: the block is
    what that python block prints (``...`` in it stands for any text).
``<!-- mypy-errors -->``
    a ``text`` block of mypy's messages: each ``error:`` line must be one that
    ``tests/typing/bad_*.py`` expects (``# E:``), which ``make test`` checks.

A page's python blocks run in order in one namespace, like a session; each page
starts from an empty moto. ``http://localhost:5000`` in an example stands for the
moto server's address. In a console block, lines starting with ``$ `` are commands
(a trailing backslash continues one), and the lines after a command are its output
(stdout and stderr as they come). Timings (``in 0.1 s``) are compared as ``N s``.

``python docs/_tools/docs_examples.py --update`` runs every console example and
writes what it printed into the page; ``--count`` prints the counts.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
DOCS = TOOLS.parent
ROOT = DOCS.parent
#: What examples write for the moto server's address.
SHOWN_ENDPOINT = "http://localhost:5000"

_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)")
_MARKER = re.compile(r"^\s*<!--\s*(?P<body>.*?)\s*-->\s*$")
_TIMING = re.compile(r"\b\d+(\.\d+)? s\b")
#: Another local server's port (an example's own), shown as PORT.
_LOOPBACK_PORT = re.compile(r"127\.0\.0\.1:\d+")
#: A pagination token (base64 JSON): shown cut to its first 20 characters and "...".
_TOKEN = re.compile(r"eyJ[A-Za-z0-9+/=_-]{30,}")
_SHORT_TOKEN = re.compile(r"(eyJ[A-Za-z0-9+/=_-]{10,})\.\.\.")


@dataclass
class Block:
    """One fenced block of a page."""

    page: str  # relative to docs/
    line: int  # the opening fence's line, from 1
    end: int  # the closing fence's line
    lang: str
    text: str
    markers: dict[str, str] = field(default_factory=dict)
    indent: str = ""
    #: For a python block: the text block marked ``<!-- output -->`` after it.
    output: Block | None = None

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"

    @property
    def needs_aws(self) -> bool:
        return "needs-aws" in self.markers

    @property
    def setups(self) -> list[str]:
        names = self.markers.get("setup", "")
        return [n.strip() for n in names.split(",") if n.strip()]


def _markers(line: str) -> dict[str, str]:
    match = _MARKER.match(line)
    if not match:
        return {}
    markers = {}
    for part in match.group("body").split(";"):
        key, _, value = part.partition(":")
        if key.strip():
            markers[key.strip()] = value.strip()
    return markers


def page_blocks(page: Path) -> list[Block]:
    """The fenced blocks of one Markdown page, with their markers."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        indent, start = fence.group("indent"), i
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent) :])
            i += 1
        markers = _markers(lines[start - 1]) if start else {}
        block = Block(
            page=page.relative_to(DOCS).as_posix(),
            line=start + 1,
            end=i + 1,
            lang=fence.group("lang"),
            text="\n".join(body) + "\n",
            markers=markers,
            indent=indent,
        )
        if "output" in markers and blocks and blocks[-1].lang == "python":
            blocks[-1].output = block
        else:
            blocks.append(block)
        i += 1
    return blocks


def pages() -> list[Path]:
    """The Markdown pages of the site (not the tools' folder)."""
    return sorted(p for p in DOCS.rglob("*.md") if "_tools" not in p.parts)


def all_blocks(lang: str) -> list[Block]:
    return [b for page in pages() for b in page_blocks(page) if b.lang == lang]


# --- python blocks -----------------------------------------------------------------


def check_imports(block: Block) -> list[str]:
    """Names a ``multiregion`` import of the block does not find (for needs-aws)."""
    missing = []
    for node in ast.walk(ast.parse(block.text, block.where)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if not node.module.split(".")[0] == "multiregion":
                continue
            module = importlib.import_module(node.module)
            missing += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if not hasattr(module, alias.name)
            ]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "multiregion":
                    importlib.import_module(alias.name)
    return missing


def with_endpoint(code: str, endpoint: str) -> str:
    """The example as run: its shown endpoint is the moto server's."""
    return code.replace(SHOWN_ENDPOINT, endpoint)


def shown(text: str, endpoint: str | None = None) -> str:
    """Output as a page shows it: the server's address as ``SHOWN_ENDPOINT``, tokens
    cut short, no trailing spaces."""
    if endpoint:
        text = text.replace(endpoint, SHOWN_ENDPOINT)
    text = _TOKEN.sub(lambda match: match.group(0)[:20] + "...", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def normalized(text: str, endpoint: str | None = None) -> str:
    """Output as compared: as shown, with timings as ``N s`` and the ports of other
    local servers as ``PORT``."""
    text = _TIMING.sub("N s", shown(text, endpoint))
    return _LOOPBACK_PORT.sub("127.0.0.1:PORT", text)


def matches(printed: str, shown: str) -> bool:
    """``printed`` is what ``shown`` shows, where ``...`` in a shown line stands for
    any text (a request id, a date: what differs between runs)."""
    if "..." not in shown:
        return printed == shown
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, printed, re.DOTALL) is not None


# --- console blocks ----------------------------------------------------------------


@dataclass
class Command:
    command: str  # as run: continuation lines joined
    shown: list[str]  # the page's lines of the command
    output: str  # what the page shows after it


def commands(block: Block) -> list[Command]:
    found: list[Command] = []
    lines = block.text.rstrip("\n").splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            raise ValueError(f"{block.where}: output before the first '$ ' command")
        first = i
        command = lines[i][2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command[:-1].rstrip() + " " + lines[i].strip()
        i += 1
        shown = lines[first:i]
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        found.append(Command(command, shown, "\n".join(output)))
    return found


def shows_output(block: Block) -> bool:
    return any(command.output.strip() for command in commands(block))


def runs(block: Block) -> bool:
    """Whether the tests run the block: every python and console block, unless it
    is marked as needing real AWS."""
    return block.lang in ("python", "console") and not block.needs_aws


def cli_env(endpoint: str, home: Path) -> dict[str, str]:
    """A clean environment: fake keys, no AWS configuration, moto as every endpoint."""
    keep = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="docs-example-secret-not-real",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=endpoint,
        COLUMNS="100",
        PYTHONUNBUFFERED="1",  # stdout and stderr in the order they were written
        NO_COLOR="1",
    )
    return env


def run_command(command: str, env: Mapping[str, str], cwd: Path) -> str:
    """What the command prints on a terminal: stdout and stderr as they come."""
    if not command.startswith("multiregion "):
        raise ValueError(f"examples run multiregion only, not {command!r}")
    shlex.split(command)  # a quoting mistake fails here, not in the shell
    done = subprocess.run(
        ["bash", "-c", command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        env=dict(env),
        cwd=cwd,
    )
    return done.stdout


def run_console_block(block: Block, endpoint: str) -> list[tuple[Command, str]]:
    """Each command of the block with what it printed (as shown), in a fresh folder."""
    import docs_setups

    docs_setups.reset(endpoint)
    for name in block.setups:
        docs_setups.run(name, endpoint)
    ran = []
    with tempfile.TemporaryDirectory() as folder:
        env = cli_env(endpoint, Path(folder))
        printed = ""  # everything so far: the tokens a later command may use
        for command in commands(block):
            line = _full_tokens(command.command, printed)
            output = run_command(line, env, Path(folder))
            printed += output
            ran.append((command, shown(output, endpoint)))
    return ran


def _full_tokens(command: str, printed: str) -> str:
    """A command with each token the page cuts short (``eyJ...``) written in full:
    the one printed earlier in the same block that starts the same way."""

    def full(match: re.Match[str]) -> str:
        prefix = match.group(1)
        found = [str(t) for t in _TOKEN.findall(printed) if t.startswith(prefix)]
        if not found:
            raise ValueError(f"no token printed before starts with {prefix!r}")
        return found[-1]

    return _SHORT_TOKEN.sub(full, command)


# --- moto ----------------------------------------------------------------------------


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A moto server in this process, on loopback; yields its URL."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        reset(url)
        yield url
    finally:
        reset(url)
        server.stop()


def reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


# --- the script ------------------------------------------------------------------------


def update_outputs() -> int:
    """Write what each console example prints into its page; the pages changed."""
    changed = 0
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the server's requests
    with moto_server() as endpoint:
        for page in pages():
            blocks = [b for b in page_blocks(page) if runs(b) and b.lang == "console"]
            if not blocks:
                continue
            lines = page.read_text(encoding="utf-8").splitlines()
            for block in reversed(blocks):  # later blocks first: line numbers hold
                body = []
                for command, printed in run_console_block(block, endpoint):
                    body += command.shown + (printed.splitlines() if printed else [])
                indented = [block.indent + line if line else "" for line in body]
                lines[block.line : block.end - 1] = indented
            text = "\n".join(lines) + "\n"
            if text != page.read_text(encoding="utf-8"):
                page.write_text(text, encoding="utf-8")
                changed += 1
                print(f"updated {page.relative_to(ROOT)}")
    return changed


def counts() -> dict[str, int]:
    python = all_blocks("python")
    console = all_blocks("console")
    return {
        "python blocks run": sum(not b.needs_aws for b in python),
        "python blocks marked needs-aws": sum(b.needs_aws for b in python),
        "console examples run": sum(not b.needs_aws for b in console),
        "console examples marked needs-aws": sum(b.needs_aws for b in console),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--update", action="store_true", help="rewrite CLI outputs")
    action.add_argument("--count", action="store_true", help="count the examples")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(TOOLS))
    if args.update:
        update_outputs()
    for name, number in counts().items():
        print(f"{number:4} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
