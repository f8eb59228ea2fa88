"""mkdocs hooks (mkdocs.yml ``hooks:``): the generated pages, and the built site's check.

Generated on every build, in memory (never written into docs/, so never stale):

- ``reference/cli.md``: from the command line's parser (``docs_cli``);
- ``reference/services.md``: from botocore's models, by ``codegen.services_index``;
- ``changelog.md``: ``CHANGELOG.md`` of the repository, when there is one.

After the build, ``docs_check`` reads the HTML: a broken internal link or anchor, or a
page missing from the search index, fails the build.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parents[1]
for folder in (TOOLS, ROOT):  # docs_cli and docs_check; codegen
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import docs_check  # noqa: E402
import docs_cli  # noqa: E402

log = logging.getLogger("mkdocs.hooks.multiregion")

_NO_CHANGELOG = """# Changelog

The changelog (`CHANGELOG.md` in the repository) is not written yet. `make
update-botocore` prepends to it what changed in botocore's models at each update.
"""


def services_page() -> str:
    from codegen import services_index
    from multiregion._version import BOTOCORE_VERSION

    return services_index.markdown_page(services_index.service_rows(), BOTOCORE_VERSION)


def changelog_page() -> str:
    changelog = ROOT / "CHANGELOG.md"
    return (
        changelog.read_text(encoding="utf-8") if changelog.is_file() else _NO_CHANGELOG
    )


GENERATED = {
    "reference/cli.md": docs_cli.markdown_page,
    "reference/services.md": services_page,
    "changelog.md": changelog_page,
}


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    for uri, make in GENERATED.items():
        started = time.perf_counter()
        try:
            content = make()
        except Exception as error:
            raise PluginError(f"generating {uri}: {error}") from error
        log.info(f"generated {uri} in {time.perf_counter() - started:.1f} s")
        files.append(File.generated(config, uri, content=content))
    return files


def on_post_build(config: MkDocsConfig, **_: Any) -> None:
    site = Path(config.site_dir)
    problems = docs_check.check_site(site)
    if problems:
        raise PluginError(
            f"{len(problems)} problem(s) in the built site:\n  " + "\n  ".join(problems)
        )
    pages = len(docs_check.content_pages(site))
    log.info(f"site check: {pages} pages, every internal link resolves, all indexed")
