"""A small LSP client for the tests: spawns `carepath lsp` and speaks JSON-RPC to it over stdio.

It writes and reads real LSP frames (`Content-Length` headers, JSON bodies), so the
tests exercise the server exactly as an editor does. A reader thread files every
message it receives: responses by request id, notifications in arrival order,
and requests from the server (registrations, progress) are answered with `null`.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

CAREPATH = Path(sys.executable).with_name("carepath")


class ResponseError(Exception):
    def __init__(self, error: dict):
        self.code = error.get("code")
        self.message = error.get("message", "")
        super().__init__(f"{self.code}: {self.message}")


class LspClient:
    def __init__(self, cwd: Path):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.stderr = tempfile.TemporaryFile()  # a file, not a pipe: a pipe nobody reads would fill and block the server
        self.process = subprocess.Popen(
            [str(CAREPATH), "lsp", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, cwd=cwd, env=env,
        )
        self._ids = itertools.count(1)
        self._responses: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.notifications: list[dict] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- the wire --------------------------------------------------------------------------------

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        with self._lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:  # a request from the server
                self._send({"id": message["id"], "result": None})
            elif "id" in message:
                self._responses.setdefault(message["id"], queue.Queue()).put(message)
            else:
                with self._arrived:
                    self.notifications.append(message)
                    self._arrived.notify_all()

    # -- requests and notifications ---------------------------------------------------------------

    def request(self, method: str, params, timeout: float = 20.0):
        request_id = next(self._ids)
        answers = self._responses.setdefault(request_id, queue.Queue())
        self._send({"id": request_id, "method": method, "params": params})
        message = answers.get(timeout=timeout)
        if "error" in message:
            raise ResponseError(message["error"])
        return message.get("result")

    def notify(self, method: str, params) -> None:
        self._send({"method": method, "params": params})

    def wait_for(self, method: str, accept: Callable[[dict], bool] = lambda params: True,
                 timeout: float = 20.0) -> dict:
        """The params of the first notification `method` (received at any time) that `accept`s."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.notifications:
                    if message.get("method") == method and accept(message.get("params")):
                        self.notifications.remove(message)
                        return message["params"]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {method} notification within {timeout} s")
                self._arrived.wait(left)

    # -- the life cycle --------------------------------------------------------------------------

    def initialize(self, root: Path) -> dict:
        result = self.request("initialize", {
            "processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {},
        })
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "cpath", "version": version, "text": text}})

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})

    def diagnostics(self, uri: str, version: int, timeout: float = 20.0) -> list[dict]:
        """The diagnostics published for `uri` at `version`."""
        params = self.wait_for("textDocument/publishDiagnostics",
                               lambda p: p["uri"] == uri and p.get("version") == version, timeout)
        return params["diagnostics"]

    def close(self) -> int:
        """Shut the server down the way an editor does; its exit code."""
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout, self.stderr):
                stream.close()
