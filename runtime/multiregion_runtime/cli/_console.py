"""stderr for one run: every line through that run's Redactor, colored when asked."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TextIO

import boto3

from ..core.secrets import Redactor
from ._output import red


class Console:
    """Where one run's messages go. Made per run (``main``) and passed down, so that
    the secrets one run learns are not shared with another (tests run many)."""

    def __init__(self, redact: Redactor | None = None) -> None:
        self.redact = redact or Redactor()
        self.color = False

    def err(self, text: str, *, alert: bool = False) -> None:
        text = self.redact(text)
        try:
            sys.stderr.write((red(text, self.color) if alert else text) + "\n")
            sys.stderr.flush()
        except (
            BrokenPipeError
        ):  # `... 2>&1 | head`: no reader, but the exit code stands
            silence(sys.stderr)

    def learn_environment(self) -> None:
        """The keys in the environment: no message or log may print them."""
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            self.redact.add(os.environ.get(name))

    def learn_credentials(self, session: boto3.Session) -> None:
        """The session's keys (a profile's), so that no message or log prints them."""
        try:
            credentials = session.get_credentials()
        except Exception:  # noqa: BLE001 - no credentials: then each target reports it
            return
        if credentials is not None:
            self.redact.add(
                credentials.access_key, credentials.secret_key, credentials.token
            )


def use_color(when: str | None, stream: TextIO) -> bool:
    """--color on/off, or auto (the default): on a terminal, unless $NO_COLOR is set."""
    if when in ("on", "off"):
        return when == "on"
    return stream.isatty() and not os.environ.get("NO_COLOR")


def silence(stream: TextIO) -> None:
    """Point ``stream`` at /dev/null, so that exiting does not fail flushing it again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())


class _RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, redact: Callable[[str], str]) -> None:
        super().__init__(fmt)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def enable_debug_logging(console: Console) -> None:
    """--debug: botocore's, boto3's and our logs on stderr, each line redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _RedactingFormatter(
            "%(asctime)s %(threadName)s %(name)s: %(message)s", console.redact
        )
    )
    for name in ("multiregion", "botocore", "boto3", "urllib3"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
