"""RESULTS.md keeps the sections other benchmarks write when ``make bench`` rewrites it."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report.results import sections, write_section


def section(name: str, body: str) -> str:
    return f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->\n"


def test_a_section_is_added_then_replaced_in_place(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\ntables\n", encoding="utf-8")
    write_section("data", "first", results)
    write_section("typing-stubs", "mypy", results)
    write_section("data", "second", results)
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n\ntables\n")
    assert "first" not in text and text.count("<!-- data:begin -->") == 1
    assert sections(text) == [
        section("data", "second").strip(),
        section("typing-stubs", "mypy").strip(),
    ]
