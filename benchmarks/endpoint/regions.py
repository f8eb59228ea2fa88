"""Round-trip times from a client in us-east-1 to each commercial AWS region.

The figures are typical public RTT measurements rounded to 5 ms; what matters for the
benchmarks is their realistic spread (10 ms to 250 ms), not their exact values.
"""

from __future__ import annotations

REGION_RTT_MS: dict[str, float] = {
    "us-east-1": 10,
    "us-east-2": 20,
    "ca-central-1": 25,
    "us-west-1": 70,
    "us-west-2": 75,
    "ca-west-1": 60,
    "mx-central-1": 50,
    "sa-east-1": 120,
    "eu-west-1": 75,
    "eu-west-2": 80,
    "eu-west-3": 85,
    "eu-central-1": 95,
    "eu-central-2": 100,
    "eu-north-1": 110,
    "eu-south-1": 105,
    "eu-south-2": 100,
    "il-central-1": 140,
    "me-south-1": 175,
    "me-central-1": 180,
    "af-south-1": 230,
    "ap-south-1": 190,
    "ap-south-2": 200,
    "ap-northeast-1": 150,
    "ap-northeast-2": 180,
    "ap-northeast-3": 160,
    "ap-east-1": 200,
    "ap-east-2": 195,
    "ap-southeast-1": 220,
    "ap-southeast-2": 200,
    "ap-southeast-3": 230,
    "ap-southeast-4": 250,
    "ap-southeast-5": 225,
    "ap-southeast-6": 240,
    "ap-southeast-7": 230,
}

# Regions missing from the table (other partitions, new regions) get this delay.
DEFAULT_RTT_MS = 100.0


def all_regions() -> list[str]:
    """The table's regions, sorted, as the benchmarks' "all regions"."""
    return sorted(REGION_RTT_MS)


def slowest_delay_s(regions: list[str]) -> float:
    """The physical limit of one fan-out: the slowest region's round trip, seconds."""
    return max(REGION_RTT_MS.get(r, DEFAULT_RTT_MS) for r in regions) / 1000.0
