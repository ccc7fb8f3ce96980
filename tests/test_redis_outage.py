"""Redis going away: precise errors, the server keeps serving, and no acknowledged answer is lost."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis as redis_lib
import socketio

from tests.conftest import ORGANISER_TOKEN, key_of
from tests.servers import running_server
from tests.test_integration import Phone

pytestmark = pytest.mark.integration


def start_aof_redis(directory: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(directory / "r.sock"),
                                "--dir", str(directory), "--appendonly", "yes", "--appendfsync", "always",
                                "--save", ""], stdout=subprocess.DEVNULL)
    client = redis_lib.Redis(unix_socket_path=str(directory / "r.sock"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return process
        except redis_lib.RedisError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not answer")


def health(url: str) -> int:
    try:
        return urllib.request.urlopen(url + "/healthz", timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def test_answers_survive_a_redis_restart_and_outages_get_clear_errors(tmp_path: Path) -> None:
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    redis_process = start_aof_redis(redis_dir)
    try:
        with running_server(f"unix://{redis_dir / 'r.sock'}", tmp_path / "data") as server:
            session = server.start_session()
            facilitator = socketio.Client(reconnection=False)
            facilitator.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                                transports=["websocket"], wait_timeout=10)
            assert facilitator.call("open_poll", {"poll": "warmup_word"}, timeout=10)["ok"]
            phones = [Phone(server.url, session["code"]) for _ in range(3)]
            for index, phone in enumerate(phones):
                assert phone.client.call("submit_answer", {"poll": "warmup_word", "value": index}, timeout=10)["ok"]

            redis_process.terminate()
            redis_process.wait(timeout=10)
            assert health(server.url) == 503
            outage = phones[0].client.call("submit_answer", {"poll": "warmup_word", "value": 4}, timeout=15)
            assert outage["ok"] is False and outage["error"] == "unavailable"
            reasons: list = []
            late = socketio.Client(reconnection=False)
            late.on("connect_error", reasons.append)
            with pytest.raises(socketio.exceptions.ConnectionError):
                late.connect(server.url, auth={"code": session["code"]}, transports=["websocket"], wait_timeout=15)
            assert reasons == [{"message": "unavailable"}]

            redis_process = start_aof_redis(redis_dir)
            deadline = time.monotonic() + 15
            while health(server.url) != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert health(server.url) == 200
            again = phones[1].client.call("submit_answer", {"poll": "warmup_word", "value": 5}, timeout=10)
            assert again["ok"], "the same connection works again once Redis is back"
            request = urllib.request.Request(f"{server.url}/api/sessions/{session['id']}/results.json",
                                             headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"})
            document = json.loads(urllib.request.urlopen(request, timeout=10).read())
            warmup = next(poll for poll in document["polls"] if poll["id"] == "warmup_word")
            assert warmup["total"] == 3 and warmup["counts"] == [1, 0, 1, 0, 0, 1], "acknowledged answers kept"
            for phone in phones:
                phone.client.disconnect()
            facilitator.disconnect()
    finally:
        redis_process.terminate()
        redis_process.wait(timeout=10)
