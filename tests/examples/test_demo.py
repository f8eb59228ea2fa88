"""`make demo` runs examples/demo.py: it must work on a fresh checkout, quickly."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.helpers import FAKE_SECRET, ROOT

DEMO = ROOT / "examples" / "demo.py"


def test_demo_replays_the_session_and_lists_resources_by_region() -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(DEMO)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    elapsed = time.monotonic() - started
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert elapsed < 60
    assert FAKE_SECRET not in out + done.stderr
    # The SimpleDB session, in all 8 SimpleDB regions, with regions kept apart.
    for call in ("create_domain", "put_attributes", "get_attributes", "delete_domain"):
        line = next(line for line in out.splitlines() if line.strip().startswith(call))
        assert "8 targets: 8 ok, 0 errors" in line
    read_back = [line.split() for line in out.splitlines() if "greeting=" in line]
    assert sum(words[1:] == ["greeting=hello"] for words in read_back) == 8
    assert "eu-west-1        inventory, demo-cities" in out
    assert "sa-east-1        demo-cities" in out
    assert "is left in: no region" in out
    # What moto cannot serve is said, and every region's error is shown.
    assert "moto does not implement SimpleDB Select" in out
    assert "8 targets: 0 ok, 8 errors" in out
    assert out.count("error in ") == 8
    # The CLI tables, and the summaries and partial failure on stderr.
    assert "|                           ListQueues" in out
    assert "| ap-southeast-2 | db        |" in out
    assert "| us-east-1      | web       |" in out
    assert "/invoices |" in out and "(exit code 1)" in out
    assert "3 targets: 1 ok, 2 errors, 0 skipped" in done.stderr
    assert "AWS.SimpleQueueService.NonExistentQueue" in done.stderr
    # The inventory sweep of a two-account organization, and a query over it.
    assert "sweep [7/7] rds_instances: 4/4 (100%)" in out
    assert "iam_roles: 2 ok; 1 rows" in out  # IAM once per account
    web = [line for line in out.splitlines() if "│ web " in line]
    assert [line.split("│")[2].strip() for line in web] == ["eu-west-1", "us-east-1"]
