"""Run the real `workshop serve` in a subprocess for integration and browser tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN
from workshop.supervisor import free_loopback_port

free_port = free_loopback_port


def stop_process(process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not gone within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def call_api(url: str, method: str, path: str, body: Any = None, token: str = FACILITATOR_TOKEN,
             timeout: float = 10) -> Any:
    """Call a server's JSON API with a bearer token; the decoded answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class ServerOutput:
    """A server's stdout and stderr, read as it comes: a pipe nobody reads fills (64 KiB) and then blocks the
    server in its next log write, which a test would see as a server that stopped answering."""

    def __init__(self, process: subprocess.Popen[str]):
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.reader.start()

    def _read(self, stream: Iterable[str] | None) -> None:
        for line in stream or ():
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def closed(self, timeout: float = 10) -> bool:
        """Wait until every process holding the pipe has gone (end of stream); whether it has."""
        self.reader.join(timeout)
        return not self.reader.is_alive()

    def text(self) -> str:
        """Everything written so far (call `closed` first for all of a stopped server's output)."""
        with self.lock:
            return "".join(f"{line}\n" for line in self.lines)

    def mark(self) -> int:
        """Where the output is now, for `tracebacks`."""
        with self.lock:
            return len(self.lines)

    def tracebacks(self, start: int = 0) -> list[str]:
        """Each traceback written since `start`, with the record that carries it: ours are indented under their
        record line, eventlet's server log escapes its newlines into one record, gevent writes them raw."""
        with self.lock:
            lines = self.lines[start:]
        found = []
        for number, line in enumerate(lines):
            if "Traceback (most recent call last)" not in line or "logger=workshop.logs" in line:
                continue  # (the log's rate limiter quotes the traceback's first line when it drops repeats)
            if "\\n" in line:  # one record, newlines escaped
                found.append(line.replace("\\n", "\n").replace('\\"', '"'))
                continue
            indented = line.startswith(" ")
            first = number - 1 if indented and number else number
            end = number + 1
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            if not indented:
                end += 1  # gevent's exception line is not indented
            found.append("\n".join(lines[first:end]))
        return found


@dataclass
class RunningServer:
    """A server subprocess, how to reach it, and what it writes."""

    url: str
    process: subprocess.Popen[str]
    output: ServerOutput

    def api(self, method: str, path: str, body: Any = None, token: str = FACILITATOR_TOKEN) -> Any:
        """Call the JSON API."""
        return call_api(self.url, method, path, body, token)

    def start_session(self, deck: str = "interdependence") -> dict[str, Any]:
        """Start a session and return the API's answer."""
        return self.api("POST", "/api/sessions", {"deck": deck})


@contextmanager
def reserved_port() -> Iterator[int]:
    """A loopback port that nobody else on this machine is given while the block runs, for a server to listen on.

    A port merely found free is bound by the server subprocess seconds later on a loaded machine, and another
    test (another xdist worker, another checkout's suite) may find it free meanwhile; under eventlet both
    servers then listen on it (eventlet sets SO_REUSEPORT) and share its connections between them. Kept bound,
    not listening, with SO_REUSEADDR, the port is one the kernel gives no other bind or connection, while a
    server (eventlet, gevent, HAProxy) may still listen on it.
    """
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


@contextmanager
def running_server(redis_url: str | None, data_dir: Path, async_mode: str = "eventlet", port: int | None = None,
                   **env: str) -> Iterator[RunningServer]:
    """`workshop serve` on a reserved loopback port (or `port`, to restart one); stopped (SIGTERM) afterwards."""
    if port is None:
        with reserved_port() as reserved, running_server(redis_url, data_dir, async_mode, reserved, **env) as server:
            yield server
        return
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ, "WORKSHOP_DATA_DIR": str(data_dir), "WORKSHOP_PUBLIC_URL": url,
        "WORKSHOP_FACILITATOR_TOKEN": FACILITATOR_TOKEN, "WORKSHOP_ORGANISER_TOKEN": ORGANISER_TOKEN,
        "WORKSHOP_ASYNC_MODE": async_mode, "WORKSHOP_MIN_RESPONSES": "1", **env,
    }
    if redis_url:
        environment["WORKSHOP_REDIS_URL"] = redis_url
    else:
        environment.pop("WORKSHOP_REDIS_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "workshop.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port)], env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = ServerOutput(process)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output.closed()
                raise RuntimeError(f"the server exited: {output.text()}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield RunningServer(url, process, output)
    finally:
        stop_process(process)
        output.closed()
