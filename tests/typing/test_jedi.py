"""Completion as jedi gives it: IPython and Jupyter (``jedi.Interpreter`` over the
live namespace) and editors (``jedi.Script`` over a file).

Each position is a line a user types; the test asks jedi for completions at its end
and checks that the documented name is among them. Positions jedi cannot complete
yet (its own limits, see each reason) are strict xfails: they fail the test the day
jedi learns them, so that they move to the passing list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

jedi = pytest.importorskip("jedi")

HEAD = """\
from multiregion.ec2 import MultiRegionEC2
from multiregion.sqs import MultiRegionSQS

sqs = MultiRegionSQS(regions=["us-east-1", "eu-west-1"])
ec2 = MultiRegionEC2(regions=["us-east-1", "eu-west-1"])
"""
# What the user ran before the position (in the same cell, for the Interpreter).
CALLS = """\
res = sqs.list_queues()
ins = ec2.describe_instances()
"""

KEY = '"QueueUrls"'
# (what the user typed, a completion jedi must offer there)
POSITIONS: list[Any] = [
    ("sqs.list_q", "list_queues"),
    ("res[0].ela", "elapsed"),
    ('res[0].value["', KEY),
    ('for r in res:\n    r.value["', KEY),
    ('res[0].unwrap()["', KEY),
    ('res.values()[0]["', KEY),
    ('res.by_region()["eu-west-1"].value["', KEY),
    ('res.by_region()["eu-west-1"].unwrap()["', KEY),
    ('ins[0].value["', '"Reservations"'),
    ("for it in ec2.iter_describe_instances():\n    it.reg", "region"),
    ('for it in ec2.iter_describe_instances():\n    it.value["', '"Instances"'),
    ('ins[0].value["ResponseMetadata"]["', '"HTTPStatusCode"'),
]
NOT_YET = [
    pytest.param(
        "sqs.list_queues(QueueNameP",
        "QueueNamePrefix=",
        marks=pytest.mark.xfail(
            strict=True,
            reason="jedi reads no keyword from **kwargs: Unpack[TypedDict]",
        ),
    ),
    pytest.param(
        'ins[0].value["Reservations"][0]["',
        '"Instances"',
        marks=pytest.mark.xfail(
            strict=True,
            reason="jedi 0.20 does not know NotRequired[...]: a key typed with it "
            "has no type, so nothing under it completes",
        ),
    ),
]


def names(completions: list[Any]) -> set[str]:
    return {c.name for c in completions}


def script_completions(code: str, tmp_path: Path) -> set[str]:
    source = HEAD + CALLS + code
    lines = source.splitlines()
    script = jedi.Script(source, path=tmp_path / "user.py")
    return names(script.complete(len(lines), len(lines[-1])))


@pytest.fixture(scope="module")
def namespace() -> dict[str, Any]:
    """A notebook's live namespace: the objects exist (no call has been made)."""
    live: dict[str, Any] = {}
    exec(HEAD, live)  # our own fixed source, run as a notebook cell runs it
    return live


@pytest.mark.parametrize(("code", "expected"), POSITIONS + NOT_YET)
def test_editor_completes(code: str, expected: str, tmp_path: Path) -> None:
    assert expected in script_completions(code, tmp_path)


@pytest.mark.parametrize(("code", "expected"), POSITIONS + NOT_YET)
def test_notebook_completes(
    code: str, expected: str, namespace: dict[str, Any]
) -> None:
    completions = jedi.Interpreter(CALLS + code, [namespace]).complete()
    assert expected in names(completions)


@pytest.mark.xfail(
    strict=True,
    reason="a live generic object carries no type argument: jedi types a result "
    "from an earlier cell as TargetResults[T], T unknown (call it in the cell, or "
    "annotate it: res: TargetResults[ListQueuesResultTypeDef])",
)
def test_notebook_completes_a_result_from_an_earlier_cell() -> None:
    from multiregion import Target, TargetResult, TargetResults

    res: TargetResults[dict[str, list[str]]] = TargetResults(
        [TargetResult(Target("us-east-1"), {"QueueUrls": []})]
    )
    completions = jedi.Interpreter('res[0].value["', [{"res": res}]).complete()
    assert KEY in names(completions)


def test_notebook_completes_a_result_annotated_in_the_cell() -> None:
    """The way round the limit above, as docs/guides/typing.md tells it."""
    from multiregion import Target, TargetResult, TargetResults

    res: TargetResults[dict[str, list[str]]] = TargetResults(
        [TargetResult(Target("us-east-1"), {"QueueUrls": []})]
    )
    cell = (
        "from multiregion.sqs.type_defs import ListQueuesResultTypeDef\n"
        "res: TargetResults[ListQueuesResultTypeDef]\n"
        'res[0].value["'
    )
    completions = jedi.Interpreter(cell, [{"res": res, "TargetResults": TargetResults}])
    assert KEY in names(completions.complete())
