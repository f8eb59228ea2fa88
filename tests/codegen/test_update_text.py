"""`make update-botocore`'s edits of the constraints, pyproject and changelog text."""

from __future__ import annotations

import pytest

from codegen.update_botocore import (
    UpdateError,
    move_floors,
    pr_body,
    prepend_changelog,
    read_pins,
    repin,
)
from tests.helpers import ROOT

CONSTRAINTS = "# pins\nboto3==1.43.11\nbotocore==1.43.11\nJinja2==3.1.6\n"


def test_repin_moves_lines_in_place_and_appends_new_packages() -> None:
    new = repin(CONSTRAINTS, {"botocore": "1.44.0", "jinja2": "3.2", "s3transfer": "1"})
    assert (
        new == "# pins\nboto3==1.43.11\nbotocore==1.44.0\nJinja2==3.2\ns3transfer==1\n"
    )
    assert read_pins(new)["jinja2"] == "3.2"


def test_move_floors_and_refuse_a_missing_one() -> None:
    text = 'dependencies = [\n    "boto3>=1.43.0",\n    "botocore>=1.43.0",\n]\n'
    moved = move_floors(text, {"boto3": "1.44.8", "botocore": "1.44.9"})
    assert moved == text.replace("1.43.0", "1.44.8", 1).replace("1.43.0", "1.44.9")
    with pytest.raises(UpdateError, match='no "jinja2>=..." dependency'):
        move_floors(text, {"jinja2": "3"})


def test_changelog_entries_go_first_under_the_title() -> None:
    assert prepend_changelog("", "## b") == "# Changelog\n\n## b\n"
    assert prepend_changelog("# Changelog\n\n## a\n", "## b\n") == (
        "# Changelog\n\n## b\n\n## a\n"
    )
    # what is not released yet stays above the update's entry
    unreleased = "# Changelog\n\n## Unreleased\n\n- x\n\n## a\n"
    assert prepend_changelog(unreleased, "## b") == (
        "# Changelog\n\n## Unreleased\n\n- x\n\n## b\n\n## a\n"
    )
    assert prepend_changelog("# Changelog\n\n## Unreleased\n\n- x\n", "## b") == (
        "# Changelog\n\n## Unreleased\n\n- x\n\n## b\n"
    )


def test_the_weekly_workflow_only_calls_make_targets_that_exist() -> None:
    """The workflow holds no logic of its own: each run step calls a Makefile target."""
    import re

    import yaml  # type: ignore[import-untyped]  # PyYAML (a moto dependency) has no stubs

    root = ROOT
    workflow = yaml.safe_load(
        (root / ".github/workflows/update-botocore.yml").read_text(encoding="utf-8")
    )
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z0-9-]+):", makefile, re.MULTILINE))
    called = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            called += re.findall(r"\bmake ([a-z0-9-]+)", step.get("run", ""))
    assert sorted(set(called)) == ["test", "test-newest-botocore", "update-botocore"]
    assert set(called) <= targets


def test_a_long_report_is_cut_at_a_line_to_fit_a_pull_request_body() -> None:
    report = "\n".join(f"- line {i}" for i in range(100))
    assert pr_body(report, limit=10_000) == report
    body = pr_body(report, limit=50)
    assert body.splitlines()[:6] == [f"- line {i}" for i in range(5)] + [""]
    assert body.endswith("(cut to fit: the whole report is in CHANGELOG.md)")
