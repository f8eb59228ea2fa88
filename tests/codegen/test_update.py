"""`make update-botocore`'s parsing and pin rewriting (no network, no install)."""

from __future__ import annotations

import pytest

from codegen.update_botocore import parse_pip_index, pinned_version, repin

CONSTRAINTS = "# pins\nboto3==1.43.11\nbotocore==1.43.11\nbotocore-stubs==1.43.126\n"


def test_pinned_version() -> None:
    assert pinned_version(CONSTRAINTS, "botocore") == "1.43.11"
    assert pinned_version(CONSTRAINTS, "missing") is None


def test_repin_changes_only_the_named_packages() -> None:
    new = repin(CONSTRAINTS, {"botocore": "1.44.0", "boto3": "1.44.0"})
    assert new == "# pins\nboto3==1.44.0\nbotocore==1.44.0\nbotocore-stubs==1.43.126\n"


def test_repin_refuses_a_missing_pin() -> None:
    with pytest.raises(ValueError, match="no 'jinja2==' line"):
        repin(CONSTRAINTS, {"jinja2": "3.0"})


def test_parse_pip_index() -> None:
    output = "botocore (1.44.2)\nAvailable versions: 1.44.2, 1.44.1, 1.43.11\n"
    assert parse_pip_index(output) == ["1.44.2", "1.44.1", "1.43.11"]
    with pytest.raises(ValueError):
        parse_pip_index("ERROR: No matching distribution found for botocore")
