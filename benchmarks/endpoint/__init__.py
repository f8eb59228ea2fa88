"""Servers on loopback that stand in for AWS, and how to start them.

The latency and fault endpoint (``server.py``, run in its own process by
``process.EndpointProcess``), its per-region delays (``regions.py``), the core it is
pinned to (``pinning.py``), the synthetic paginated source of the data scenario
(``data_source.py``) and the endpoint's own load check (``loadcheck.py``, scenario 0).

May import: nothing of benchmarks.
"""
