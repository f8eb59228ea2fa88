"""``python -m benchmarks``: the one entry point (``make bench``, ``--list``)."""

from benchmarks.cli import main

raise SystemExit(main())
