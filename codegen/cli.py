"""Command line: ``python -m codegen --out DIR`` / ``--check DIR`` [``--service NAME``]."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from codegen import loader, writer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description="Generate multiregion's typed service packages from botocore's models.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, help="write the generated tree here")
    action.add_argument(
        "--check",
        type=Path,
        metavar="DIR",
        help="regenerate in memory and exit 1 listing the files that differ in DIR",
    )
    parser.add_argument(
        "--service",
        action="append",
        metavar="NAME",
        help="only this botocore service (repeatable); default: every service",
    )
    parser.add_argument("--jobs", type=int, default=None, help="worker processes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    available = loader.available_services()
    services = args.service or available
    unknown = sorted(set(services) - set(available))
    if unknown:
        print(f"unknown service(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    files = writer.generate(services, args.jobs)
    full = args.service is None
    if args.check is not None:
        return _report_check(writer.compare(args.check, files, full), args.check)
    changed = writer.write(args.out, files, prune=full)
    elapsed = time.perf_counter() - started
    print(
        f"generated {len(services)} service(s), {len(files)} files "
        f"({len(changed)} changed) in {args.out} from botocore "
        f"{loader.botocore_version()} in {elapsed:.1f}s"
    )
    return 0


def _report_check(differing: list[str], out: Path) -> int:
    if not differing:
        print(f"{out}: up to date with botocore {loader.botocore_version()}")
        return 0
    print(
        f"{out}: {len(differing)} file(s) differ from what botocore "
        f"{loader.botocore_version()} generates (run `make generate`):",
        file=sys.stderr,
    )
    for path in differing:
        print(f"  {path}", file=sys.stderr)
    return 1
