"""The command line: ``multiregion <service> <operation> ...``, a client of the library."""

from ._main import main

__all__ = ["main"]
