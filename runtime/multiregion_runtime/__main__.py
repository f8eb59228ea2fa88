"""``python -m multiregion_runtime``: the ``multiregion`` console script."""

from .cli import main

raise SystemExit(main())
