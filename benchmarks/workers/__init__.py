"""What runs inside one measured child process: ``python -m benchmarks.workers SPEC``.

A process per measurement keeps peak RSS, imports and botocore's caches from leaking
between measurements. The scenarios start it by module name and read the one JSON
object it prints; nothing here is run by hand.

May import: endpoint.
"""
