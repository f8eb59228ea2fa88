"""What a sweep did (``SweepReport``): kept apart from ``run`` so that importing
``multiregion`` does not load the sweep's machinery until a sweep runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

#: A pair's statuses in ``_sweep_targets``, in the order a summary names them.
STATUSES = ("ok", "failed", "skipped", "not_started")


@dataclass
class SweepReport:
    """What a run did: per call, pairs by status and rows written."""

    run_id: str | None
    out: str
    resumed: bool = False
    note: str | None = None  # e.g. "nothing to resume"
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        """Pairs that failed or never started in this run."""
        return sum(c["failed"] + c["not_started"] for c in self.counts.values())

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def summary(self) -> str:
        lines = [f"sweep run {self.run_id or '(none)'} into {self.out}"]
        if self.note:
            lines.append(self.note)
        for call, c in self.counts.items():
            states = ", ".join(f"{c[s]:,} {s}" for s in STATUSES if c[s])
            lines.append(f"  {call}: {states or 'no pairs'}; {c['rows']:,} rows")
        return "\n".join(lines)
