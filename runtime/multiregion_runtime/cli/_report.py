"""What a run prints after the call, and its exit code: the output, the notes on what
it left out, the summary, each error once.

Exit codes: 0 every target succeeded (or only skipped ones failed, or
``--allow-errors``), 1 some target failed (or listing the organization did), 2 usage
error (nothing was sent), 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any

import jmespath  # type: ignore[import-untyped]  # botocore depends on it

from ..results.results import TargetResult, TargetResults
from ._args import CommandLine, UsageError
from ._console import Console, silence
from ._output import Renderer, error_fields
from ._paging import Paging, truncation_notes
from ._progress import Tracker

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def report(
    line: CommandLine,
    results: TargetResults[Any],
    renderer: Renderer | None,
    console: Console,
    paging: Paging,
    config: dict[str, Any] | None,
    start: float,
) -> int:
    """The output, what it left out, the summary and the errors; the exit code."""
    if renderer is not None:  # None: the rows went to --out
        write_results(renderer, results)
    resume = results.resume_tokens() if paging.max_items else {}
    for note in truncation_notes(results, paging, config, resume):
        console.err(note)
    if renderer is not None and renderer.nested_columns and not renderer.flatten_key:
        first = renderer.nested_columns[0]
        console.err(
            f"hint: column {first} holds a list; --flatten {first} gives one row "
            "per element"
        )
    attempts, throttled, waited = results.call_totals()
    console.err(
        f"{results.summary()} in {time.monotonic() - start:.1f} s "
        f"({attempts} requests, {throttled} throttled, {waited:.1f} s rate-limited)"
    )
    report_errors(results, line.flag("--debug"), console)
    failed = bool(results.errors())
    return EXIT_FAILED if failed and not line.flag("--allow-errors") else EXIT_OK


def interrupted(
    tracker: Tracker, renderer: Renderer | None, console: Console, elapsed: float
) -> int:
    """Ctrl-C: print what had finished, say what had not, exit 130."""
    finished = TargetResults(tracker.finished())
    if renderer is not None:
        write_results(renderer, finished)
    total = len(tracker.targets)
    failed = len(finished.errors())
    console.err(
        f"interrupted after {elapsed:.1f} s: {len(finished)} of {total} targets "
        f"finished ({len(finished) - failed} ok, {failed} failed), "
        f"{total - len(finished)} did not"
    )
    report_errors(finished, False, console)
    return EXIT_INTERRUPTED


def write_results(renderer: Renderer, results: Sequence[TargetResult[Any]]) -> None:
    try:
        renderer.write(results, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # `multiregion ... | head`: the reader has gone
        silence(sys.stdout)
    except jmespath.exceptions.JMESPathError as error:
        raise UsageError(f"--query failed: {error}") from None


def report_errors(results: TargetResults[Any], debug: bool, console: Console) -> None:
    """Each failed target's code and message; identical errors once, with their targets."""
    groups: dict[tuple[str, str], list[TargetResult[Any]]] = {}
    for result in results:
        if result.error is not None:
            fields = error_fields(result)
            groups.setdefault((fields["code"], fields["message"]), []).append(result)
    for (code, message), failed in groups.items():
        skipped = all(r.skipped for r in failed)
        label = "skipped" if skipped else "error"
        names = [r.target.short_name for r in failed]
        where = names[0] if len(names) == 1 else f"{len(names)} targets"
        console.err(f"  {label} {where}: {code}: {message}", alert=not skipped)
        if len(names) > 1:
            console.err(f"    in {', '.join(names)}")
        if debug:
            error = failed[0].error
            assert error is not None
            console.err("".join(traceback.format_exception(error)).rstrip())
