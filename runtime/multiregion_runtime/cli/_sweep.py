"""``multiregion sweep SPEC --out inventory.duckdb``: an inventory sweep (``sweep/``).

Exit codes: 0 every pair ok (or skipped), 1 some pairs failed or never started (their
rows and errors are in the output), 2 a bad spec or option, or an output it cannot
write (every problem at once, nothing sent), 130 interrupted (``--resume`` continues).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..planning import PlanningError
from ..sweep import SweepSpecError, sweep
from ._console import Console

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise SweepSpecError([message])


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="multiregion sweep",
        description=(
            "Every call of a TOML spec in every target, into a DuckDB file (.duckdb) "
            "or a Parquet dataset (a folder): one table per call, _sweep_runs and "
            "_sweep_targets. See docs/guides/sweeps.md."
        ),
    )
    p.add_argument("spec", help="the sweep spec (TOML)")
    p.add_argument(
        "--out", required=True, help="inventory.duckdb, or a folder for Parquet"
    )
    again = p.add_mutually_exclusive_group()
    again.add_argument(
        "--resume", action="store_true", help="continue the last unfinished run"
    )
    again.add_argument(
        "--retry-failed",
        action="store_true",
        help="only the pairs that failed or never started in the last run",
    )
    again.add_argument(
        "--max-age",
        metavar="AGE",
        help="only the pairs whose last success is older (90s, 30m, 6h, 2d)",
    )
    p.add_argument(
        "--executor", help="threads (default), processes[:N], tcp://scheduler:8786"
    )
    p.add_argument("--max-workers", type=int, help="concurrent targets per call")
    p.add_argument(
        "--timeout", type=float, help="seconds, as the library's timeout= of a call"
    )
    p.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help="for the whole sweep: pairs left are not_started (--retry-failed)",
    )
    p.add_argument(
        "--progress-interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a heartbeat line this often when stderr is not a terminal (30)",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="no progress lines, only the summary"
    )
    return p


def main(argv: Sequence[str], console: Console | None = None) -> int:
    """Run ``multiregion sweep ...``; the exit code."""
    console = console or Console()
    console.learn_environment()
    try:
        args = parser().parse_args(list(argv))
        report = sweep(
            args.spec,
            args.out,
            resume=args.resume,
            retry_failed=args.retry_failed,
            max_age=args.max_age,
            executor=args.executor,
            max_workers=args.max_workers,
            timeout=args.timeout,
            deadline=args.deadline,
            progress=False if args.no_progress else None,
            progress_interval=args.progress_interval,
        )
    except SweepSpecError as error:  # found before any request
        console.err(f"multiregion sweep: {error}", alert=True)
        return EXIT_USAGE
    except PlanningError as error:
        console.err(f"multiregion sweep: {error}", alert=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        console.err("interrupted: --resume continues this run")
        return EXIT_INTERRUPTED
    console.err(report.summary())
    if not report.ok:
        console.err(
            f"{report.failed:,} pair{'s' * (report.failed != 1)} failed or never "
            "started: the errors are in _sweep_targets; --retry-failed runs only them"
        )
    return EXIT_OK if report.ok else EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
