"""A small headless-Chromium driver over the DevTools protocol (only ``websocket-client``).

Used by the browser tests and by ``benchmarks/report_size.py``.  It starts Debian's
``chromium`` with ``--remote-debugging-port=0``, reads the port Chromium chose from
``<profile>/DevToolsActivePort``, attaches to the page target, and offers what the tests need:
open a URL and wait for its load event, evaluate JavaScript (awaiting promises), capture a
full-page PNG.  JavaScript dialogs (``alert``…) are recorded in :attr:`Chromium.dialogs` and
dismissed, so a test can prove that no injected script ran.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import websocket

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-allow-origins=*",
)


def find_chromium() -> str | None:
    """The browser binary: ``$STACKTWIN_CHROMIUM``, else the first candidate on PATH."""
    env = os.environ.get("STACKTWIN_CHROMIUM")
    if env:
        return env
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    """The browser could not be started or a DevTools call failed."""


class Chromium:
    """One headless browser with one page, driven over the DevTools protocol."""

    def __init__(self, binary: str, profile: Path, width: int = 1400, height: int = 1000) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        self.log_path = profile / "chromium-stderr.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=self._log,
        )  # fmt: skip
        self.dialogs: list[dict[str, Any]] = []
        self.exceptions: list[dict[str, Any]] = []
        self.requests: list[str] = []  # every URL the page asked for (Network domain)
        self._id = 0
        self._pending: list[dict[str, Any]] = []
        try:
            port = self._port(profile / "DevToolsActivePort")
            self.ws = websocket.create_connection(
                self._page_ws(port), timeout=120, suppress_origin=True
            )
            self.call("Page.enable")
            self.call("Runtime.enable")
            self.call("Network.enable")
        except Exception:
            self.close()
            raise

    def _port(self, marker: Path, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrowserError(f"chromium exited ({self.proc.returncode}): {self._stderr()}")
            if marker.exists():
                first = marker.read_text().splitlines()[:1]
                if first and first[0].isdigit():
                    return int(first[0])
            time.sleep(0.05)
        raise BrowserError(f"chromium did not open its DevTools port: {self._stderr()}")

    def _page_ws(self, port: int) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.loads(r.read())
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.05)
        raise BrowserError("chromium has no page target")

    def _stderr(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-2000:]

    def _handle(self, msg: dict[str, Any]) -> None:
        method = msg.get("method")
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(msg["params"])
            self.ws.send(json.dumps({"id": self._next(), "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": False}}))  # fmt: skip
        elif method == "Runtime.exceptionThrown":
            self.exceptions.append(msg["params"])
        elif method == "Network.requestWillBeSent":
            self.requests.append(str(msg["params"]["request"]["url"]))
        elif method is not None and method.startswith("Network."):
            pass  # other network events are not kept
        else:
            self._pending.append(msg)

    def _next(self) -> int:
        self._id += 1
        return self._id

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events met are recorded)."""
        cid = self._next()
        self.ws.send(json.dumps({"id": cid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == cid:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))
            if "method" in msg:
                self._handle(msg)

    def wait_event(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait for an event (or take it if it already came)."""
        for i, msg in enumerate(self._pending):
            if msg.get("method") == method:
                return dict(self._pending.pop(i).get("params", {}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == method:
                return dict(msg.get("params", {}))
            if "method" in msg:
                self._handle(msg)
        raise BrowserError(f"no {method} within {timeout} s")

    def open(self, url: str) -> float:
        """Navigate and wait for the load event; returns the seconds it took.

        Clears what was recorded for the previous page (dialogs, exceptions, requests).
        """
        t0 = time.perf_counter()
        self._pending.clear()
        self.dialogs.clear()
        self.exceptions.clear()
        self.requests.clear()
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")
        return time.perf_counter() - t0

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        """Evaluate JavaScript in the page and return its value (JSON-serialisable)."""
        res = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True,
            awaitPromise=await_promise,
        )  # fmt: skip
        if "exceptionDetails" in res:
            raise BrowserError(f"{expression[:60]}…: {res['exceptionDetails']}")
        return res.get("result", {}).get("value")

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page (beyond the window), written to ``path``."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.call(
            "Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        """Stop the browser (the process this object started, only).

        Asks Chromium to close (so its helper processes exit and stop writing to the profile),
        then terminates it if it has not exited within 10 s.
        """
        ws = getattr(self, "ws", None)
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.send(json.dumps({"id": self._next(), "method": "Browser.close"}))
                self.proc.wait(timeout=10)
            with contextlib.suppress(Exception):
                ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
