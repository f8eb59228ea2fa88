"""Errors the runtime raises itself (AWS errors stay botocore's own)."""

from __future__ import annotations


class BotocoreTooOldError(RuntimeError):
    """The installed botocore lacks a service or operation the generated code knows."""
