"""Benchmarks for multiregion: a local latency endpoint, fan-out scenarios, a report.

``python -m benchmarks`` (what ``make bench`` runs) starts the endpoint in its own
process, runs every scenario in fresh subprocesses so that import state and peak RSS
are clean, and writes ``benchmarks/RESULTS.md`` and ``benchmarks/results.png``.
"""
