"""Which regions a service is called in, read from botocore's endpoint data."""

from __future__ import annotations

import difflib
import fnmatch
import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import botocore.loaders

logger = logging.getLogger("multiregion")

RegionsArg = str | Sequence[str] | None
RegionSource = Literal["endpoints", "partition", "global", "explicit"]


@dataclass(frozen=True)
class ResolvedRegions:
    """The regions one service is called in, and where that list came from.

    ``source`` is "endpoints" (botocore's endpoint data lists the service), "partition"
    (the service is not listed there, so every region of the partition is used),
    "global" (one partition-wide endpoint) or "explicit" (the caller named them).
    """

    regions: tuple[str, ...]
    source: RegionSource
    partition: str


@functools.lru_cache(maxsize=1)
def _partitions() -> tuple[dict[str, Any], ...]:
    data = botocore.loaders.create_loader().load_data("endpoints")
    return tuple(data["partitions"])


def _partition(name: str) -> dict[str, Any]:
    for partition in _partitions():
        if partition["partition"] == name:
            return partition
    names = [p["partition"] for p in _partitions()]
    raise ValueError(f"unknown partition {name!r}; valid: {', '.join(names)}")


def partition_of_region(region: str) -> str | None:
    """The partition that lists ``region`` (or whose regex matches it), else None."""
    for partition in _partitions():
        if region in partition["regions"]:
            return str(partition["partition"])
    for partition in _partitions():
        if re.match(partition["regionRegex"], region):
            return str(partition["partition"])
    return None


def known_regions() -> list[str]:
    """Every region name of every partition in botocore's endpoint data, sorted."""
    return sorted(r for p in _partitions() for r in p["regions"])


@functools.lru_cache(maxsize=1)
def partition_endpoint_names() -> frozenset[str]:
    """Names of the partition-wide endpoints of global services ("aws-global"...)."""
    return frozenset(
        str(service["partitionEndpoint"])
        for partition in _partitions()
        for service in partition["services"].values()
        if "partitionEndpoint" in service
    )


def global_endpoint(endpoint_prefix: str, partition: str) -> str | None:
    """The partition endpoint ("aws-global") of a non-regionalized service, else None."""
    service = _partition(partition)["services"].get(endpoint_prefix, {})
    if service.get("isRegionalized", True) is False:
        return service.get("partitionEndpoint")  # type: ignore[no-any-return]
    return None


def service_regions(
    endpoint_prefix: str, partition: str
) -> tuple[list[str], RegionSource]:
    """Regions offering the service in the partition, or all of the partition's regions."""
    data = _partition(partition)
    endpoints = data["services"].get(endpoint_prefix, {}).get("endpoints", {})
    listed = sorted(r for r in endpoints if r in data["regions"])
    if listed:
        return listed, "endpoints"
    logger.debug(
        "%s is not in botocore's endpoint data for %s: using all %d regions of the partition",
        endpoint_prefix,
        partition,
        len(data["regions"]),
    )
    return sorted(data["regions"]), "partition"


def resolve_regions(
    regions: RegionsArg, endpoint_prefix: str, partition: str
) -> ResolvedRegions:
    """Turn the ``regions=`` argument into region names, validating every name.

    Accepts None or "all" (every region offering the service), a list of names, and
    shell-style patterns such as "eu-*". Global services resolve to their single
    partition endpoint, whatever regions were asked for: one call per partition.
    """
    if isinstance(regions, str) and regions != "all":
        regions = [regions]
    global_name = global_endpoint(endpoint_prefix, partition)
    if global_name is not None:
        if regions is not None and regions != "all":
            _validate_names(
                regions, partition, service_regions(endpoint_prefix, partition)[0]
            )
        return ResolvedRegions((global_name,), "global", partition)
    offered, source = service_regions(endpoint_prefix, partition)
    if regions is None or regions == "all":
        return ResolvedRegions(tuple(offered), source, partition)
    names = _validate_names(regions, partition, offered)
    return ResolvedRegions(tuple(names), "explicit", partition)


def _validate_names(
    regions: Sequence[str], partition: str, offered: list[str]
) -> list[str]:
    if isinstance(regions, (bytes, bytearray)) or not isinstance(regions, Sequence):
        raise TypeError(
            f"regions must be 'all', a region name or a list of them, got {regions!r}"
        )
    if len(regions) == 0:
        raise ValueError("regions is empty: name at least one region, or pass 'all'")
    names: list[str] = []
    for name in regions:
        for region in _expand(name, partition, offered):
            if region not in names:
                names.append(region)
    return names


def _expand(name: str, partition: str, offered: list[str]) -> list[str]:
    if not isinstance(name, str):
        raise TypeError(f"a region name must be a string, got {name!r}")
    if any(ch in name for ch in "*?["):
        matches = fnmatch.filter(offered, name)
        if not matches:
            raise ValueError(
                f"region pattern {name!r} matches none of: {', '.join(offered)}"
            )
        return matches
    check_region(name, partition)
    return [name]


def check_region(name: str, partition: str) -> None:
    """Raise ValueError unless ``name`` is a known region of ``partition``."""
    home = next((p["partition"] for p in _partitions() if name in p["regions"]), None)
    if home is None:
        close = difflib.get_close_matches(name, known_regions(), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown region {name!r}{hint}")
    if home != partition:
        raise ValueError(
            f"region {name!r} is in partition {home!r}, but the session's partition is "
            f"{partition!r}; use a session (or Target) for {home!r}"
        )
