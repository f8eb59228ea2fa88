"""The command line: ``multiregion <service> <operation> ...``, a client of the library.

On top of everything: nothing of ours imports it (but ``__main__``, the entry point).

May import: core, targets, clients, data, results, engines, fanout, planning, sweep,
the root.
"""

from ._main import main

__all__ = ["main"]
