"""Every example of the documentation runs, against a moto server, or is marked as
needing real AWS (see docs/_tools/docs_examples.py for the markers).

Python blocks run page by page, in order, in one namespace per page; a block followed
by an ``<!-- output -->`` text block must print exactly that. Console blocks run
command by command and must print what the page shows: after changing one, write its
output with ``python docs/_tools/docs_examples.py --update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docs_examples
import docs_setups
import pytest

from multiregion import set_max_clients, shared_clients
from tests.helpers import FAKE_SECRET, ROOT

PAGES = [p for p in docs_examples.pages() if docs_examples.page_blocks(p)]
PYTHON_PAGES = [
    p for p in PAGES if any(b.lang == "python" for b in docs_examples.page_blocks(p))
]
CONSOLE_BLOCKS = [b for b in docs_examples.all_blocks("console") if not b.needs_aws]


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """One moto server for the module: the process-wide client cache keeps clients
    made for its address, so every page must find it at the same one."""
    with docs_examples.moto_server() as url:
        yield url


def _page_id(page: Path) -> str:
    return page.relative_to(docs_examples.DOCS).as_posix()


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=_page_id)
def test_python_examples(
    page: Path,
    moto_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    docs_setups.reset(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    max_clients = shared_clients().max_clients  # an example may change it
    try:
        _run_page(page, moto_url, capsys)
    finally:
        set_max_clients(max_clients)


def _run_page(page: Path, moto_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__docs_example__"}
    for block in docs_examples.page_blocks(page):
        if block.lang != "python":
            continue
        if block.needs_aws:
            missing = docs_examples.check_imports(block)
            assert (
                not missing
            ), f"{block.where} imports names that do not exist: {missing}"
            continue
        for name in block.setups:
            docs_setups.run(name, moto_url)
        capsys.readouterr()
        code = docs_examples.with_endpoint(block.text, moto_url)
        exec(compile(code, block.where, "exec"), namespace)
        printed = capsys.readouterr().out
        assert FAKE_SECRET not in printed
        if block.output is not None:
            shown = docs_examples.normalized(block.output.text)
            printed = docs_examples.normalized(printed, moto_url)
            assert docs_examples.matches(printed, shown), (
                f"{block.where} prints something else than the output shown at "
                f"docs/{block.output.page}:{block.output.line}"
            )


@pytest.mark.parametrize("block", CONSOLE_BLOCKS, ids=lambda b: b.where)
def test_console_examples(block: docs_examples.Block, moto_url: str) -> None:
    for command, output in docs_examples.run_console_block(block, moto_url):
        printed = docs_examples.normalized(output)
        shown = docs_examples.normalized(command.output)
        assert docs_examples.matches(printed, shown), (
            f"{block.where}: `{command.command}` prints\n{printed}\n\ninstead of\n"
            f"{shown}\n(python docs/_tools/docs_examples.py --update rewrites it)"
        )


def test_needs_aws_blocks_are_few_and_show_no_invented_output() -> None:
    python = docs_examples.all_blocks("python")
    marked = [b for b in python if b.needs_aws]
    run = [b for b in python if not b.needs_aws]
    print(f"\n{len(run)} python blocks run, {len(marked)} marked needs-aws")
    assert len(marked) < len(run)
    for block in docs_examples.all_blocks("console"):
        if block.needs_aws:
            assert not docs_examples.shows_output(
                block
            ), f"{block.where}: a console block that is not run shows no output"


def test_every_output_block_follows_a_python_block() -> None:
    for page in docs_examples.pages():
        for block in docs_examples.page_blocks(page):
            assert (
                "output" not in block.markers
            ), f"{block.where}: an <!-- output --> block must follow a python block"


def test_setups_named_by_examples_exist() -> None:
    for page in docs_examples.pages():
        for block in docs_examples.page_blocks(page):
            for name in block.setups:
                assert name in docs_setups.SETUPS, f"{block.where}: no setup {name!r}"


def test_mypy_messages_shown_are_those_the_typing_tests_expect() -> None:
    expected = {
        line.split("# E: ", 1)[1].strip()
        for path in (ROOT / "tests" / "typing").glob("bad_*.py")
        for line in path.read_text().splitlines()
        if "# E: " in line
    }
    blocks = [
        b
        for p in docs_examples.pages()
        for b in docs_examples.page_blocks(p)
        if "mypy-errors" in b.markers
    ]
    assert blocks
    for block in blocks:
        shown = [
            line.removeprefix("error: ").strip()
            for line in block.text.splitlines()
            if line.startswith("error: ")
        ]
        assert shown
        unknown = [message for message in shown if message not in expected]
        assert not unknown, f"{block.where}: not expected by tests/typing: {unknown}"
