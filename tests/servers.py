"""Run the real `workshop serve` in a subprocess for integration and browser tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
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


@dataclass
class RunningServer:
    """A server subprocess and how to reach it."""

    url: str
    process: subprocess.Popen[str]

    def api(self, method: str, path: str, body: Any = None, token: str = FACILITATOR_TOKEN) -> Any:
        """Call the JSON API."""
        return call_api(self.url, method, path, body, token)

    def start_session(self, deck: str = "interdependence") -> dict[str, Any]:
        """Start a session and return the API's answer."""
        return self.api("POST", "/api/sessions", {"deck": deck})


@contextmanager
def running_server(redis_url: str | None, data_dir: Path, async_mode: str = "eventlet", port: int | None = None,
                   **env: str) -> Iterator[RunningServer]:
    """`workshop serve` on a free loopback port (or `port`, to restart one); stopped (SIGTERM) afterwards."""
    port = port or free_port()
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
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {process.stdout.read() if process.stdout else ''}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield RunningServer(url, process)
    finally:
        stop_process(process)
