"""``make check-generated``'s black step checks only files whose bytes black has not
passed before (codegen/black_verified.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.black_verified import RECORD, header, main

CLEAN = 'x = {"a": 1}\n'
UNFORMATTED = "x = {'a':1}\n"


def run(out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([str(out)])
    return code, capsys.readouterr().out


def test_black_checks_only_bytes_it_has_not_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(CLEAN)
    (tmp_path / "pkg" / "b.pyi").write_text(UNFORMATTED)
    assert run(tmp_path, capsys)[0] == 1  # black refuses b.pyi: nothing recorded
    assert not (tmp_path / RECORD).exists()

    (tmp_path / "pkg" / "b.pyi").write_text(CLEAN)
    code, said = run(tmp_path, capsys)
    assert code == 0 and "checking 2" in said
    lines = (tmp_path / RECORD).read_text().splitlines()
    assert lines[0] == header() and len(lines) == 3
    assert "checking 0" in run(tmp_path, capsys)[1]

    (tmp_path / "pkg" / "a.py").write_text(UNFORMATTED)  # new bytes: checked again
    assert run(tmp_path, capsys)[0] == 1


def test_a_record_of_another_black_or_settings_counts_for_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text(CLEAN)
    assert run(tmp_path, capsys)[0] == 0
    record = tmp_path / RECORD
    entry = record.read_text().splitlines()[1]
    record.write_text(f"# black 0.1 {{}}\n{entry}\n")
    assert "checking 1" in run(tmp_path, capsys)[1]
    assert record.read_text().splitlines()[0] == header()
