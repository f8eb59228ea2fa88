"""Where work runs: the thread pool, ``Work`` and its wire format, the process pool,
Dask. ``base.Executor`` knows no implementation; ``choose`` is the one place that
names them.

May import: core, targets, clients, data, results.
"""
