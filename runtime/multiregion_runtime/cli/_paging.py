"""Pagination on the command line, as in the AWS CLI.

Every page is fetched by default wherever botocore has a paginator. ``--no-paginate``
(or giving the operation's own token or limit parameter, as AWS CLI users do when
paging by hand) makes one call per target. ``--page-size``, ``--max-items`` and
``--starting-token`` are botocore's PaginationConfig. Whatever was left out (a
``--max-items`` cap, a first page only, a target that failed part-way) is said on
stderr, with the words that resume it.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import jmespath  # type: ignore[import-untyped]  # botocore depends on it
from botocore.exceptions import DataNotFoundError
from botocore.model import OperationModel

from ..results.results import TargetResult
from ..targets.target import Target
from ._args import CommandLine, UsageError, positive_int
from ._output import gathered_before_error
from ._params import option_names

#: Our paging options. An operation may have a parameter of the same name (Route 53's
#: --max-items): it is ours while paginating, the operation's with --no-paginate.
PAGING_OPTIONS = ("--page-size", "--max-items", "--starting-token")


@dataclass(frozen=True)
class Paging:
    """How one run pages: every page (``enabled``), or one call per target."""

    enabled: bool
    page_size: int | None = None
    max_items: int | None = None
    starting_tokens: list[str] = field(default_factory=list)


def paginator_config(
    session: botocore.session.Session, service: str, operation: str
) -> dict[str, Any] | None:
    """botocore's paginator for the operation, or None when it has none."""
    try:
        model = session.get_paginator_model(service)
        return model.get_paginator(operation)  # type: ignore[no-any-return]
    except (DataNotFoundError, ValueError):
        return None


def shadowed_options(line: CommandLine, operation: OperationModel) -> list[str]:
    """Our paging options given that are also parameters of the operation."""
    names = option_names(operation)
    return [o for o in PAGING_OPTIONS if o in names and o in line.options]


def choose_paging(
    line: CommandLine,
    config: dict[str, Any] | None,
    params: dict[str, Any],
    shadowed: Sequence[str],
) -> Paging:
    """Paginate or not, from the options and from the parameters the user gave."""
    ours = [o for o in PAGING_OPTIONS if o in line.options and o not in shadowed]
    if config is None:
        if ours:
            raise UsageError(f"{ours[0]}: this operation has no pages")
        return Paging(False)
    if line.flag("--no-paginate") and line.flag("--paginate"):
        raise UsageError("--paginate and --no-paginate: choose one")
    # The operation's own token or limit means paging by hand, unless --paginate
    # says otherwise (then a limit is the page size).
    manual = [key for key in manual_keys(config) if key in params]
    if line.flag("--paginate"):
        manual = []
    if line.flag("--no-paginate") or manual:
        if ours:
            why = "--no-paginate" if line.flag("--no-paginate") else manual[0]
            raise UsageError(f"{why} fetches one page: it cannot take {ours[0]}")
        return Paging(False)
    return Paging(
        True,
        page_size=positive_int(line, "--page-size"),
        max_items=positive_int(line, "--max-items"),
        starting_tokens=line.values("--starting-token"),
    )


def manual_keys(config: dict[str, Any]) -> list[str]:
    """The operation's own token and limit parameters (paging by hand)."""
    tokens = config["input_token"]
    keys = list(tokens) if isinstance(tokens, list) else [tokens]
    if "limit_key" in config:
        keys.append(config["limit_key"])
    return keys


def starting_tokens(
    words: Sequence[str], targets: Sequence[Target]
) -> dict[Target, str]:
    """``--starting-token`` words (``TARGET=TOKEN``, or a bare TOKEN for one target)."""
    by_name = {t.short_name: t for t in targets}
    tokens: dict[Target, str] = {}
    for word in words:
        name, sep, token = word.partition("=")
        if sep and name in by_name and token:
            tokens[by_name[name]] = token
        elif len(targets) == 1:
            tokens[targets[0]] = word
        else:
            raise UsageError(
                f"--starting-token {word[:40]!r} names no target; expected "
                f"TARGET=TOKEN, TARGET one of: {', '.join(list(by_name)[:10])}"
            )
    return tokens


def resume_words(tokens: dict[Target, str]) -> str:
    """``--starting-token eu-west-1=TOKEN ...``, quoted for a POSIX shell."""
    words = [shlex.quote(f"{t.short_name}={token}") for t, token in tokens.items()]
    return "--starting-token " + " ".join(words)


def truncation_notes(
    results: Sequence[TargetResult[Any]],
    paging: Paging,
    config: dict[str, Any] | None,
    resume_tokens: dict[Target, str],
) -> list[str]:
    """Lines for stderr: every reason the output holds less than AWS has."""
    notes = []
    if resume_tokens:
        notes += [
            f"output truncated by --max-items {paging.max_items} in "
            f"{_targets(list(resume_tokens))}; resume with",
            f"  {resume_words(resume_tokens)}",
        ]
    if not paging.enabled and config is not None:
        first_only = [r.target for r in results if has_more(r.value, config)]
        if first_only:
            notes.append(
                f"output truncated: {_targets(first_only)} returned only their first "
                "page; without --no-paginate (and the operation's own "
                f"{', '.join(manual_keys(config))}) every page is fetched"
            )
    partial = [r.target for r in results if r.error and gathered_before_error(r)]
    if partial:
        notes.append(
            f"output of {_targets(partial)} is partial: the pages before its error"
        )
    return notes


def has_more(value: Any, config: dict[str, Any]) -> bool:
    """Whether a one-page answer says more pages follow (botocore's own test)."""
    if not isinstance(value, dict):
        return False
    if "more_results" in config:
        return bool(jmespath.search(config["more_results"], value))
    tokens = config["output_token"]
    tokens = tokens if isinstance(tokens, list) else [tokens]
    return any(jmespath.search(token, value) for token in tokens)


def _targets(targets: Sequence[Target]) -> str:
    names = [t.short_name for t in targets]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{len(names)} targets ({', '.join(names[:3])}...)"
