"""`python -m codegen`: writing, pruning and checking a tree (one small service)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen import writer
from codegen.cli import main


def test_write_then_check_one_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--out", str(tmp_path), "--service", "sqs"]) == 0
    client = tmp_path / "multiregion" / "sqs" / "client.py"
    assert "class MultiRegionSQS(MultiRegionClient):" in client.read_text(
        encoding="utf-8"
    )
    assert main(["--check", str(tmp_path), "--service", "sqs"]) == 0

    client.write_text(
        client.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8"
    )
    (tmp_path / "multiregion" / "type_defs.py").unlink()
    capsys.readouterr()
    assert main(["--check", str(tmp_path), "--service", "sqs"]) == 1
    err = capsys.readouterr().err
    assert "multiregion/sqs/client.py" in err and "multiregion/type_defs.py" in err


def test_unknown_service_is_refused(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path), "--service", "no-such-service"]) == 2


def test_write_prunes_stale_files_only_when_asked(tmp_path: Path) -> None:
    stale = tmp_path / "multiregion" / "gone" / "client.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    files = {"multiregion/__init__.py": "x = 1\n"}
    assert writer.write(tmp_path, files, prune=False) == ["multiregion/__init__.py"]
    assert stale.exists()
    assert writer.compare(tmp_path, files, full=True) == ["multiregion/gone/client.py"]
    assert writer.write(tmp_path, files, prune=True) == ["multiregion/gone/client.py"]
    assert not stale.parent.exists()
    assert writer.write(tmp_path, files, prune=True) == []
