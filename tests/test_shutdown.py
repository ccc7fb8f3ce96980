"""`workshop serve` stops cleanly on SIGTERM (`kill`, container stops): status 0 at once, no traceback, and its
private Redis stops too."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ORGANISER_TOKEN
from tests.servers import running_server

pytestmark = pytest.mark.integration


def redis_servers_of(directory: Path) -> list[str]:
    """The redis-server processes whose command line names this directory."""
    listing = subprocess.run(["pgrep", "-af", "redis-server"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if str(directory) in line]


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_sigterm_exits_zero_at_once_and_stops_the_private_redis(tmp_path: Path, async_mode: str) -> None:
    with running_server(None, tmp_path, async_mode) as server:
        session = server.start_session()
        assert redis_servers_of(tmp_path), "the server runs its own Redis"
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            status = server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("the server did not exit within 5 s of SIGTERM")
        assert time.monotonic() - started < 5
        assert server.output.closed(), "something still holds the server's output open"
        output = server.output.text()
    assert status == 0, output
    assert "Traceback" not in output and "Error" not in output, output
    assert redis_servers_of(tmp_path) == [], "the private Redis stops with the server"
    # It flushed its append-only file: the session is there after a restart.
    with running_server(None, tmp_path, async_mode) as server:
        sessions = server.api("GET", "/api/sessions", token=ORGANISER_TOKEN)
        assert session["id"] in {item["id"] for item in sessions}
