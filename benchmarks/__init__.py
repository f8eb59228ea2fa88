"""Benchmarks for multiregion: loopback endpoints, scenarios, workers, a report.

``python -m benchmarks`` is the one entry point (``--list`` names every scenario;
``make bench``, ``bench-data``, ``bench-typing`` and ``chaos`` call it). Packages,
lowest first; each imports only those before it, and nothing imports ``cli``:

- ``endpoint/``: the latency and fault endpoint, in its own process; its regions'
  delays; the core it is pinned to; the synthetic data source; its load check.
- ``workers/``: what runs inside one measured child process
  (``python -m benchmarks.workers SPEC``, started by the scenarios by name).
- ``scenarios/``: what each scenario measures, against which endpoint.
- ``report/``: ``RESULTS.md`` and ``results.png`` from the figures.
- ``cli.py`` (``__main__``): the scenarios by number or name, then the report.
"""
