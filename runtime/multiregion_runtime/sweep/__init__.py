"""Inventory sweeps: many calls over a whole organization, into one DuckDB file or a
Parquet dataset, typed, resumable, failures kept (``sweep``, ``SweepSpec``).

Above planning: a sweep plans its targets once, then fans each call out with
``DynamicService`` and writes every (call, target) pair whole, or not at all.

May import: core, targets, clients, data, results, engines, fanout, planning.
"""

from .run import SweepReport, sweep
from .spec import SweepCall, SweepSpec, SweepSpecError, SweepTargets

__all__ = [
    "SweepSpecError",
    "SweepCall",
    "SweepReport",
    "SweepSpec",
    "SweepTargets",
    "sweep",
]
