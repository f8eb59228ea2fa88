"""Checks of the built site: every internal link resolves, and search holds every page.

``make docs`` runs it after each build (``docs_hooks.on_post_build``), and so do the
tests (``tests/docs/test_site.py``); alone: ``python docs/_tools/docs_check.py site``.
mkdocs --strict already checks links between Markdown pages; this checks the HTML
that comes out, theme and generated pages included: links, anchors, scripts, images.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

#: Attributes that point at another file of the site.
_LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")}


@dataclass
class _Page:
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value and (tag != "meta" or name == "id"):
                self.page.ids.add(value)
            if (tag, name) in _LINK_ATTRIBUTES and value:
                self.page.links.append(value)


def _parse(path: Path) -> _Page:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def _is_external(link: str) -> bool:
    parts = urllib.parse.urlsplit(link)
    return bool(parts.scheme or parts.netloc) or link.startswith(("mailto:", "data:"))


def _target_file(site: Path, page: Path, path: str) -> Path:
    """The file a relative (or site-absolute) ``path`` on ``page`` points at."""
    base = site if path.startswith("/") else page.parent
    target = (base / urllib.parse.unquote(path.lstrip("/"))).resolve()
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def broken_links(site: Path) -> list[str]:
    """``page: link (why)`` for every internal link that does not resolve."""
    site = site.resolve()
    pages = {path: _parse(path) for path in sorted(site.rglob("*.html"))}
    problems = []
    for page, parsed in pages.items():
        for link in parsed.links:
            if _is_external(link):
                continue
            path, _, fragment = link.partition("#")
            target = _target_file(site, page, path) if path else page
            where = f"{page.relative_to(site)}: {link}"
            if site not in target.parents and target != site:
                problems.append(f"{where} (outside the site)")
            elif not target.is_file():
                problems.append(f"{where} (no such file)")
            elif fragment and target in pages:
                anchor = urllib.parse.unquote(fragment)
                if anchor not in pages[target].ids:
                    problems.append(f"{where} (no anchor #{anchor})")
    return problems


def content_pages(site: Path) -> list[str]:
    """Each page's location as the search index names it ("", "guides/targets/")."""
    locations = []
    for path in sorted(site.rglob("index.html")):
        relative = path.parent.relative_to(site).as_posix()
        locations.append("" if relative == "." else relative + "/")
    return [loc for loc in locations if not loc.startswith(("assets/", "search/"))]


def unindexed_pages(site: Path) -> list[str]:
    """Pages of the site the search index does not hold."""
    index_file = site / "search" / "search_index.json"
    if not index_file.is_file():
        return ["search/search_index.json is missing"]
    docs = json.loads(index_file.read_text(encoding="utf-8"))["docs"]
    indexed = {entry["location"].partition("#")[0] for entry in docs}
    return [page or "(home)" for page in content_pages(site) if page not in indexed]


def check_site(site: Path) -> list[str]:
    """Every problem found, one line each; [] when the site is sound."""
    problems = [f"broken link: {p}" for p in broken_links(site)]
    problems += [f"not in the search index: {p}" for p in unindexed_pages(site)]
    return problems


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "site")
    problems = check_site(site)
    for problem in problems:
        print(problem, file=sys.stderr)
    pages = len(content_pages(site))
    print(f"{site}: {pages} pages, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
