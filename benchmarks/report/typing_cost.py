"""The typing scenarios' sections: a user's ``mypy --strict`` beside types-boto3."""

from __future__ import annotations

import statistics


def report(runs: dict[str, list[tuple[float, float]]], with_stubs: bool) -> list[str]:
    stubs = "with boto3-stubs" if with_stubs else "without boto3-stubs"
    rounds = len(runs["multiregion"])
    lines = [
        f"## A user's `mypy --strict`, {stubs} (`make bench-typing`)",
        "",
        f"{rounds} rounds of `mypy --strict --no-incremental` on an EC2 + SQS script "
        "(benchmarks/scenarios/typing_cost.py), each side in turn.",
        "",
        "| checked against | wall (median) | CPU (median) |",
        "|---|---|---|",
    ]
    for name, times in runs.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        lines.append(f"| {name} | {wall:.2f} s | {cpu:.2f} s |")
    ratios = [
        ours[0] / theirs[0]
        for ours, theirs in zip(runs["multiregion"], runs["types-boto3"], strict=True)
    ]
    lines += [
        "",
        f"multiregion / types-boto3, wall, per round: median "
        f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}).",
    ]
    return lines
