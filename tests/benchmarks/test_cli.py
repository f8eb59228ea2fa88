"""``python -m benchmarks``: one entry point for every scenario, numbered or named."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks import cli
from benchmarks.report.results import Report, save_raw, write_section
from tests.helpers import ROOT


def test_list_names_every_scenario_and_the_default_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--list"]) == 0
    listed = capsys.readouterr().out
    for name in cli.SCENARIOS:
        assert f"\n  {name} " in listed
    assert "default: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, data" in listed


def test_an_unknown_scenario_is_refused_naming_the_valid_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as refused:
        cli.parse_args(["--scenario", "10"])
    assert refused.value.code == 2
    error = capsys.readouterr().err
    assert "'10'" in error and "'9'" in error and "'chaos'" in error


Ran = list[tuple[str, object]]


def recorder(ran: Ran, name: str, status: int = 0) -> Callable[[Path], int]:
    """A named scenario that only records that it ran, and where it would write."""

    def run(results: Path) -> int:
        ran.append((name, results))
        return status

    return run


def record_the_report(monkeypatch: pytest.MonkeyPatch, ran: Ran) -> None:
    def run_report(args: object, numbered: list[str]) -> None:
        ran.append(("report", numbered))

    monkeypatch.setattr(cli, "run_report", run_report)


def test_numbered_scenarios_make_the_report_named_ones_run_after_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran: Ran = []
    record_the_report(monkeypatch, ran)
    for name in cli.NAMED:
        monkeypatch.setitem(cli.NAMED, name, recorder(ran, name, int(name == "chaos")))
    argv = ["--out", str(tmp_path), "--scenario", "chaos", "--scenario", "7"]
    assert cli.main([*argv, "--scenario", "data", "--scenario", "3"]) == 1  # chaos's
    results = tmp_path / "RESULTS.md"
    assert ran == [("report", ["3", "7"]), ("data", results), ("chaos", results)]


def test_the_default_runs_every_numbered_scenario_and_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran: Ran = []
    record_the_report(monkeypatch, ran)
    for name in cli.NAMED:
        monkeypatch.setitem(cli.NAMED, name, recorder(ran, name))
    assert cli.main(["--out", str(tmp_path)]) == 0
    numbered = [str(n) for n in range(10)]
    assert ran == [("report", numbered), ("data", tmp_path / "RESULTS.md")]


def test_redraw_rewrites_the_report_and_keeps_the_marked_sections(
    tmp_path: Path,
) -> None:
    pytest.importorskip("matplotlib")  # the chart (the dev extra; not on 3.10's venv)
    save_raw(Report(header={"date": "redrawn"}), tmp_path / cli.RAW)
    results = tmp_path / "RESULTS.md"
    results.write_text("# old tables\n", encoding="utf-8")
    write_section("data", "a million items", results)
    assert cli.main(["--redraw", "--out", str(tmp_path)]) == 0
    text = results.read_text(encoding="utf-8")
    assert "old tables" not in text and "- date: redrawn" in text
    assert "<!-- data:begin -->\na million items\n<!-- data:end -->" in text


def test_a_worker_refuses_an_unknown_kind_naming_the_known_ones() -> None:
    spec = json.dumps({"kind": "nope"})
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.workers", spec],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "unknown measurement kind 'nope'" in done.stderr
    assert "'fanout'" in done.stderr and "'data'" in done.stderr
