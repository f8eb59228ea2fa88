"""What ``mypy --strict`` costs a user: one EC2 + SQS script, against types-boto3.

The typing scenarios (``make bench-typing``) build the project's wheel and installs it, with no extras,
in a fresh virtualenv beside one holding boto3, ``types-boto3-ec2`` and
``types-boto3-sqs``. The same 15-line script, written for each, is then checked in
turn (A B A B ...); the medians and the median of the per-round ratios are
printed and written to RESULTS.md. ``--with-stubs`` adds boto3-stubs to both sides,
as many users have it. pip needs an index to reach (the pins are below).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# mypy, boto3 and the stubs as constraints-dev.txt pins them; types-boto3's packages,
# which it does not list, as measured in RESULTS.md.
CONSTRAINTS = ROOT / "constraints-dev.txt"
MYPY = "mypy"
BOTO3 = ["boto3", "botocore"]
TYPES_BOTO3 = ["types-boto3-ec2==1.43.118", "types-boto3-sqs==1.43.0"]
STUBS_OURS = ["boto3-stubs", "botocore-stubs"]
STUBS_THEIRS = ["types-boto3==1.43.123", "botocore-stubs"]

OURS = """\
from multiregion.ec2 import MultiRegionEC2
from multiregion.sqs import MultiRegionSQS

regions = ["us-east-1", "eu-west-1"]
ec2 = MultiRegionEC2(regions=regions)
sqs = MultiRegionSQS(regions=regions)


def running_instances() -> list[str]:
    pages = ec2.describe_instances(Filters=[{"Name": "state", "Values": ["running"]}])
    return [
        i["InstanceId"]
        for r in pages.values()
        for res in r["Reservations"]
        for i in res.get("Instances", [])
    ]


def queue_urls() -> list[str]:
    pages = sqs.list_queues(QueueNamePrefix="orders")
    return [url for r in pages.values() for url in r.get("QueueUrls", [])]
"""

THEIRS = """\
import boto3
from types_boto3_ec2 import EC2Client
from types_boto3_sqs import SQSClient

regions = ["us-east-1", "eu-west-1"]
ec2s: list[EC2Client] = [boto3.client("ec2", region_name=r) for r in regions]
sqss: list[SQSClient] = [boto3.client("sqs", region_name=r) for r in regions]


def running_instances() -> list[str]:
    pages = [
        c.describe_instances(Filters=[{"Name": "state", "Values": ["running"]}])
        for c in ec2s
    ]
    return [
        i["InstanceId"]
        for r in pages
        for res in r["Reservations"]
        for i in res.get("Instances", [])
    ]


def queue_urls() -> list[str]:
    pages = [c.list_queues(QueueNamePrefix="orders") for c in sqss]
    return [url for r in pages for url in r.get("QueueUrls", [])]
"""


def venv(path: Path, packages: list[str]) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q"]
    pip += ["-c", str(CONSTRAINTS)]
    subprocess.run(pip + packages, check=True)
    return path / "bin" / "mypy"


def wheel(into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w"]
    subprocess.run(command + [str(into), str(ROOT)], check=True)
    (built,) = into.glob("multiregion-*.whl")
    return built


def check(mypy: Path, script: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one ``mypy --strict`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(mypy), "--strict", "--no-incremental", script.name],
        cwd=script.parent,
        capture_output=True,
        env={**os.environ, "MYPY_CACHE_DIR": str(script.parent / ".mypy_cache")},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(with_stubs: bool, rounds: int = 9) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) of each round's ``mypy --strict``, per side, in turns."""
    with tempfile.TemporaryDirectory(prefix="typing-cost-") as scratch:
        work = Path(scratch)
        ours_extra = STUBS_OURS if with_stubs else []
        theirs_extra = STUBS_THEIRS if with_stubs else []
        built = wheel(work / "dist")
        mypys = {
            "multiregion": venv(work / "ours", [str(built), MYPY, *BOTO3, *ours_extra]),
            "types-boto3": venv(
                work / "theirs", [MYPY, *BOTO3, *TYPES_BOTO3, *theirs_extra]
            ),
        }
        scripts = {"multiregion": work / "ours.py", "types-boto3": work / "theirs.py"}
        scripts["multiregion"].write_text(OURS, encoding="utf-8")
        scripts["types-boto3"].write_text(THEIRS, encoding="utf-8")
        for name in mypys:  # warm the file cache; not counted
            check(mypys[name], scripts[name])
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in mypys}
        for _ in range(rounds):
            for name in mypys:
                runs[name].append(check(mypys[name], scripts[name]))
    return runs
