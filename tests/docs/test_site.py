"""The site's own checks, the API reference's coverage, and the site in a real browser.

``make docs`` builds the site and runs ``docs_check`` over it (every internal link and
anchor resolves, the search index holds every page); here the checker is shown to
catch what it must, the API pages to name every public name once, and the CLI
reference to cover the parser. The browser test builds the site, serves it on
loopback and opens it in Debian's chromium (headless): it is skipped, saying why,
where chromium or mkdocs is absent.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import docs_check
import docs_cli
import pytest

import multiregion
import multiregion_runtime
from tests.helpers import ROOT

from . import browser

API_PAGES = sorted((ROOT / "docs" / "reference" / "api").glob("*.md"))


def _page(site: Path, location: str, body: str) -> None:
    path = site / location / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><body>{body}</body></html>")


def _index(site: Path, *locations: str) -> None:
    (site / "search").mkdir(parents=True, exist_ok=True)
    docs = [{"location": loc, "title": loc, "text": ""} for loc in locations]
    (site / "search" / "search_index.json").write_text(json.dumps({"docs": docs}))


def test_checker_passes_a_sound_site(tmp_path: Path) -> None:
    _page(tmp_path, ".", '<a href="guide/">guide</a> <a href="guide/#part">part</a>')
    _page(tmp_path, "guide", '<h2 id="part">Part</h2><a href="../">home</a>')
    _index(tmp_path, "", "guide/", "guide/#part")
    assert docs_check.check_site(tmp_path) == []
    assert sorted(docs_check.content_pages(tmp_path)) == ["", "guide/"]


def test_checker_finds_broken_links_missing_anchors_and_unindexed_pages(
    tmp_path: Path,
) -> None:
    _page(
        tmp_path,
        ".",
        '<a href="gone/">gone</a> <a href="guide/#nowhere">x</a>'
        ' <a href="https://aws.amazon.com/">external</a> <img src="missing.png">',
    )
    _page(tmp_path, "guide", '<h2 id="part">Part</h2>')
    _index(tmp_path, "")
    problems = docs_check.check_site(tmp_path)
    assert problems == [
        "broken link: index.html: gone/ (no such file)",
        "broken link: index.html: guide/#nowhere (no anchor #nowhere)",
        "broken link: index.html: missing.png (no such file)",
        "not in the search index: guide/",
    ]


def test_api_reference_names_every_public_name_once() -> None:
    assert multiregion.__all__ == multiregion_runtime.__all__
    documented: dict[str, list[str]] = {}
    for page in API_PAGES:
        for name in re.findall(
            r"^::: multiregion_runtime\.(\w+)\s*$", page.read_text(), re.M
        ):
            documented.setdefault(name, []).append(page.name)
    missing = sorted(set(multiregion.__all__) - set(documented))
    unknown = sorted(set(documented) - set(multiregion.__all__))
    twice = {name: pages for name, pages in documented.items() if len(pages) > 1}
    assert not missing, f"public names missing from docs/reference/api: {missing}"
    assert not unknown, f"documented names not in multiregion.__all__: {unknown}"
    assert not twice, f"documented on several pages: {twice}"


def test_cli_reference_covers_the_parser() -> None:
    assert docs_cli.check() == []
    page = docs_cli.markdown_page()
    for option in docs_cli.global_options():
        assert f"| `{option.name}` |" in page
    for code in docs_cli.exit_codes().values():
        assert f"| {code} |" in page


# --- the browser -------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site, built by mkdocs (--strict, with its link check) and served on
    loopback; yields its URL."""
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (Python 3.11+)")
    pytest.importorskip("tornado", reason="tornado (with the dask extra) drives it")
    if _chromium() is None:
        pytest.skip("no chromium on PATH: apt-get install chromium to run this test")
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={"NO_MKDOCS_2_WARNING": "1", **_env()},
        timeout=300,
    )
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


#: Where the browser tests leave their screenshots, to look at.
SHOTS = Path(tempfile.gettempdir()) / "multiregion-docs-screenshots"

#: A JavaScript expression: the hrefs of the search results shown.
SEARCH_RESULTS = (
    "Array.from(document.querySelectorAll('.md-search-result__link'))"
    ".map(a => a.getAttribute('href'))"
)
#: The services table's rows left visible by the filter box.
VISIBLE_SERVICES = (
    "document.getElementById('service-filter').value && "
    "Array.from(document.querySelectorAll('.services-table tbody tr'))"
    ".filter(r => r.style.display !== 'none').map(r => r.textContent)"
)


@pytest.mark.parametrize(
    "page, name, text",
    [
        ("", "home", "Where to start"),
        ("guides/targets/", "guide", "Endpoints: moto, LocalStack"),
        ("reference/api/results/", "api", "TargetResults"),
    ],
)
def test_pages_render_in_a_browser(
    served_site: str, page: str, name: str, text: str
) -> None:
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / f"{name}.png"
    found = browser.evaluate(
        _chromium_path(),
        f"{served_site}/{page}",
        f"document.querySelector('article').innerText.includes({json.dumps(text)})",
        screenshot=shot,
    )
    assert found, f"{page}: {text!r} not on the page"
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
    print(f"\nscreenshot: {shot}")


def test_search_works_offline_in_a_browser(served_site: str) -> None:
    """The site's own search (a web worker over search_index.json, nothing fetched
    from the internet) finds the guide that explains a word: ``?q=`` opens it."""
    SHOTS.mkdir(exist_ok=True)
    hrefs = browser.evaluate(
        _chromium_path(),
        f"{served_site}/?q=DeadlineExceededError",
        SEARCH_RESULTS,
        screenshot=SHOTS / "search.png",
    )
    assert hrefs, "the search showed no result"
    assert any("/guides/deadlines/" in href for href in hrefs), hrefs


def test_services_filter_in_a_browser(served_site: str) -> None:
    rows = browser.evaluate(
        _chromium_path(),
        f"{served_site}/reference/services/?service=MultiRegionSQS",
        VISIBLE_SERVICES,
    )
    assert rows and len(rows) == 1, rows
    assert "from multiregion.sqs import MultiRegionSQS" in rows[0]


def _chromium_path() -> str:
    path = _chromium()
    assert path is not None
    return path
