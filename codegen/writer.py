"""Generate every file (in parallel), then write them or compare them with a tree."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from pathlib import Path

from codegen import arrow, loader
from codegen.build import build_service
from codegen.render import render_package, render_service

PACKAGE = "multiregion"
# Arrow schema data, one JSON per botocore service name (codegen/arrow.py).
SCHEMA_DIR = "_schemas"
# Files in the output tree that generation neither writes nor removes.
_IGNORED_PARTS = frozenset({"__pycache__"})


def render_one_service(service_name: str) -> dict[str, str]:
    """The files of one service, by path relative to the output directory."""
    model = loader.load_service(service_name)
    paginators = loader.load_paginators(model)
    service = build_service(
        model,
        loader.botocore_version(),
        paginators=paginators,
        waiters=loader.load_waiters(model),
    )
    files = render_service(service)
    schemas = arrow.schema_data(model, paginators)
    files[f"{SCHEMA_DIR}/{service_name}.json"] = arrow.render_schema_data(schemas)
    return {f"{PACKAGE}/{path}": text for path, text in files.items()}


def render_shared() -> dict[str, str]:
    files = render_package(loader.botocore_version())
    return {f"{PACKAGE}/{path}": text for path, text in files.items()}


def generate(services: Iterable[str], jobs: int | None = None) -> dict[str, str]:
    """Every file for ``services`` plus the package files, sorted by path."""
    names = list(services)
    jobs = min(jobs or os.cpu_count() or 1, len(names)) or 1
    files = render_shared()
    if jobs == 1:
        for name in names:
            files.update(render_one_service(name))
    else:
        # fork: workers inherit the imported botocore and templates, no re-import.
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            for result in pool.imap_unordered(render_one_service, names, chunksize=1):
                files.update(result)
    return dict(sorted(files.items()))


def write(out: Path, files: dict[str, str], prune: bool) -> list[str]:
    """Write changed files under ``out``; with ``prune``, delete files not in ``files``.

    Returns the paths written or deleted.
    """
    changed = []
    for path, text in files.items():
        target = out / path
        if _read(target) != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            changed.append(path)
    if prune:
        for path in sorted(set(_existing(out)) - set(files)):
            (out / path).unlink()
            changed.append(path)
        _remove_empty_dirs(out / PACKAGE)
    return changed


def compare(out: Path, files: dict[str, str], full: bool) -> list[str]:
    """Paths whose content under ``out`` differs from ``files`` (missing and, when
    ``full``, extra files included)."""
    differing = [path for path, text in files.items() if _read(out / path) != text]
    if full:
        differing += sorted(set(_existing(out)) - set(files))
    return differing


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _existing(out: Path) -> list[str]:
    root = out / PACKAGE
    if not root.exists():
        return []
    return [
        p.relative_to(out).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not _IGNORED_PARTS & set(p.parts) and p.suffix != ".pyc"
    ]


def _remove_empty_dirs(root: Path) -> None:
    for directory in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
