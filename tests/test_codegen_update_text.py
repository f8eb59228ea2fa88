"""`make update-botocore`'s edits of the constraints, pyproject and changelog text."""

from __future__ import annotations

import pytest

from codegen.update_botocore import (
    UpdateError,
    move_floors,
    prepend_changelog,
    read_pins,
    repin,
)

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
