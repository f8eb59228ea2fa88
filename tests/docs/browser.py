"""Drive the system's chromium over the DevTools protocol (its websocket, through
tornado, which the dev install has for Dask): open a page, then evaluate JavaScript
until it gives a value, for what only runs after the page's scripts (search is a web
worker; ``--dump-dom`` returns before it answers)."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any


class Browser:
    """One headless chromium page; ``call`` sends a DevTools command."""

    def __init__(self, chromium: str) -> None:
        self._chromium = chromium
        # chromium's helper processes may still write to the profile as it exits
        self._profile = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: Any = None
        self._next_id = 0

    async def start(self) -> None:
        from tornado.websocket import websocket_connect

        self._process = subprocess.Popen(
            [
                self._chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1280,900",
                "--remote-debugging-port=0",
                f"--user-data-dir={self._profile.name}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self._socket = await websocket_connect(
            pages[0]["webSocketDebuggerUrl"], max_message_size=1 << 27
        )

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        self._socket.write_message(
            json.dumps({"id": self._next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(await self._socket.read_message())
            if message.get("id") == self._next_id:
                result: dict[str, Any] = message.get("result", {})
                return result

    async def open(self, url: str) -> None:
        await self.call("Page.navigate", url=url)

    async def value_of(self, expression: str, timeout: float = 30) -> Any:
        """The expression's value once it is truthy (None after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = await self.call(
                "Runtime.evaluate", expression=expression, returnByValue=True
            )
            value = answer.get("result", {}).get("value")
            if value:
                return value
            await asyncio.sleep(0.25)
        return None

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._profile.cleanup()


def evaluate(
    chromium: str, url: str, expression: str, screenshot: Path | None = None
) -> Any:
    """Open ``url``, wait for ``expression`` to be truthy, optionally screenshot."""

    async def run() -> Any:
        browser = Browser(chromium)
        try:
            await browser.start()
            await browser.open(url)
            value = await browser.value_of(expression)
            if screenshot is not None:
                await browser.screenshot(screenshot)
            return value
        finally:
            browser.close()

    return asyncio.run(run())
