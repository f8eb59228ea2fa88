"""What every scenario shares: the plan of runs, a table row, the workers'
environment, and one measurement in a fresh ``python -m benchmarks.workers`` process.

Each fan-out measurement runs in its own worker process against an endpoint process,
so three things never share a GIL: the orchestrator, the client under test and the
server.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.endpoint.process import EndpointProcess

REPO = Path(__file__).resolve().parents[2]
ACCOUNTS = 30  # scenario 3: 30 accounts x 34 regions = 1,020 targets
FAKE_SECRET = "bench-fake-secret-not-a-real-key"


@dataclass(frozen=True)
class Plan:
    """How many times to run things; ``--quick`` shrinks every count."""

    warmups: int = 1
    reps: int = 5
    slow_reps: int = 3  # approaches that take seconds per run
    cpu_calls: int = 340
    cpu_batches: int = 7
    import_runs: int = 5
    full_codegen: bool = True
    run_once_cases: bool = True  # the one-run cases that take most of a minute

    @classmethod
    def quick(cls) -> Plan:
        return cls(1, 3, 1, 170, 3, 3, False, False)


@dataclass
class Row:
    """One line of a fan-out table: an approach in a scenario."""

    scenario: str
    approach: str
    workers: int
    n: int
    median_s: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    first_s: float | None = None
    first_cpu_s: float | None = None
    bound_s: float = 0.0
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    clients_created: int | None = None
    ok: str = ""
    target_ratio: float | None = None
    note: str = ""
    server: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.median_s is None or not self.bound_s:
            return None
        return self.median_s / self.bound_s

    @property
    def creation_ms_per_target(self) -> float | None:
        """CPU of the first run (clients created) less a warm run's, per target."""
        if self.first_cpu_s is None or self.cpu_s is None:
            return None
        return 1e3 * (self.first_cpu_s - self.cpu_s) / self.n


# --- the environment every worker runs in ---------------------------------------


def write_profiles(folder: Path, accounts: int) -> dict[str, str]:
    """Shared config/credentials files with one profile per fake account.

    Each profile has its own access key id, so the endpoint sees distinct
    credentials and every (account, region) needs its own client.
    """
    config, credentials = [], []
    for account in range(accounts):
        name = f"bench-{account:02d}"
        config.append(f"[profile {name}]\nregion = us-east-1\n")
        credentials.append(
            f"[{name}]\naws_access_key_id = BENCHKEY{account:02d}\n"
            f"aws_secret_access_key = {FAKE_SECRET}\n"
        )
    (folder / "config").write_text("\n".join(config))
    (folder / "credentials").write_text("\n".join(credentials))
    return {
        "AWS_CONFIG_FILE": str(folder / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "credentials"),
    }


@contextmanager
def worker_environment() -> Iterator[dict[str, str]]:
    """Fake credentials, no proxy, no real AWS configuration, the repo on the path."""
    with tempfile.TemporaryDirectory(prefix="bench-aws-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(proxy, None)
        env.update(write_profiles(Path(folder), ACCOUNTS))
        env.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY=FAKE_SECRET,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
            NO_PROXY="127.0.0.1,localhost",
            PYTHONPATH=os.pathsep.join(
                str(REPO / d) for d in ("", "runtime", "generated")
            ),
        )
        yield env


def run_worker(
    spec: dict[str, Any],
    env: dict[str, str],
    endpoint: str,
    timeout: float = 300,
) -> Any:
    """Run one measurement (``python -m benchmarks.workers SPEC``) in a fresh
    process; its JSON result."""
    command = [sys.executable, "-m", "benchmarks.workers", json.dumps(spec)]
    proc = subprocess.run(
        command,
        cwd=REPO,
        env={**env, "AWS_ENDPOINT_URL": endpoint},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        raise RuntimeError(f"worker {spec} failed: {tail[0]}")
    return json.loads(proc.stdout)


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- a table's rows from the workers' runs -----------------------------------------


@dataclass(frozen=True)
class Case:
    approach: str
    label: str
    workers: int
    slow: bool = False
    target_ratio: float | None = None
    once: bool = False  # so slow at this size that one run, no warm-up, must do


def summarize(row: Row, result: dict[str, Any], n: int) -> Row:
    """Fill a row from a worker's runs: median and spread of wall time, and the rest."""
    runs = result["runs"]
    walls = sorted(r["wall"] for r in runs)
    row.median_s = statistics.median(walls)
    row.min_s, row.max_s = walls[0], walls[-1]
    row.cpu_s = statistics.median(r["cpu"] for r in runs)
    first = result["warmups"][0] if result["warmups"] else runs[0]
    row.first_s, row.first_cpu_s = first["wall"], first["cpu"]
    row.peak_rss_mb = result["peak_rss_mb"]
    row.clients_created = result["clients_created"]
    worst = min(r["ok"] for r in result["warmups"] + runs)
    row.ok = f"{worst}/{n}"
    notes = []
    errors = sorted({e for r in runs for e in r["errors"]})
    if errors:
        notes.append(f"errors: {', '.join(errors)}")
    if len(runs) == 1 and not result["warmups"]:
        notes.append("one run only (slow)")
    if result["open_fds"] > 100:
        notes.append(f"{result['open_fds']} fds open after the runs")
    row.note = "; ".join(notes)
    return row


def run_cases(
    scenario: str,
    endpoint_args: list[str],
    cases: list[Case],
    spec: dict[str, Any],
    plan: Plan,
    env: dict[str, str],
) -> list[Row]:
    rows = []
    with EndpointProcess("--pin", *endpoint_args, max_seconds=900) as endpoint:
        for case in cases:
            if case.once and not plan.run_once_cases:
                rows.append(skipped_row(scenario, case, spec["n"]))
                continue
            progress(f"{scenario}: {case.label} ({case.workers} workers)")
            reps, warmups = repetitions(case, plan)
            full_spec = {
                **spec,
                "approach": case.approach,
                "workers": case.workers,
                "reps": reps,
                "warmups": warmups,
            }
            endpoint.stats(reset=True)
            result = run_worker(full_spec, env, endpoint.url)
            row = Row(scenario, case.label, case.workers, spec["n"])
            row.target_ratio = case.target_ratio
            row.server = endpoint.stats()
            rows.append(summarize(row, result, spec["n"]))
    return rows


def skipped_row(scenario: str, case: Case, n: int) -> Row:
    row = Row(scenario, case.label, case.workers, n)
    row.note = "skipped (--quick): takes most of a minute"
    return row


def repetitions(case: Case, plan: Plan) -> tuple[int, int]:
    """(timed runs, warm-up runs) for a case."""
    if case.once:
        return 1, 0
    if case.slow:  # seconds per run, and a warm-up changes little: none
        return plan.slow_reps, 0
    return plan.reps, plan.warmups
