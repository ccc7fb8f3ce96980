"""The real server in a subprocess, 30 python-socketio phones through a poll, under eventlet and gevent."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import socketio

from tests.conftest import key_of
from tests.servers import running_server
from workshop.broadcast import HEARTBEAT_SECONDS

pytestmark = pytest.mark.integration
PHONES = 30


class Phone:
    """One participant: a real Socket.IO client over WebSocket."""

    def __init__(self, url: str, code: str):
        self.client = socketio.Client(reconnection=False)
        self.state: dict = {}
        self.results: list[dict] = []
        self.ready = threading.Event()
        self.poll_open = threading.Event()
        self.poll: dict = {}
        self.client.on("session_state", self._state)
        self.client.on("results_updated", self.results.append)
        self.client.on("poll_changed", self._poll)
        self.client.connect(url, auth={"code": code}, transports=["websocket"], wait_timeout=10)

    def _poll(self, poll: dict) -> None:
        self.poll = poll
        if poll["status"] == "open":
            self.poll_open.set()

    def _state(self, state: dict) -> None:
        self.state = state
        self.ready.set()


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_thirty_phones_answer_a_poll_and_the_tally_is_exact(redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode) as server:
        session = server.start_session()
        facilitator = socketio.Client(reconnection=False)
        final: dict = {}
        counts: list[int] = []
        facilitator.on("results_updated", lambda results: final.update(results))
        facilitator.on("participant_count", lambda payload: counts.append(payload["count"]))
        states: list[dict] = []
        facilitator.on("session_state", states.append)
        facilitator.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                            transports=["websocket"], wait_timeout=10)
        phones = [Phone(server.url, session["code"]) for _ in range(PHONES)]
        assert all(phone.ready.wait(10) for phone in phones)
        assert len({phone.state["participant"] for phone in phones}) == PHONES, "one token per phone"

        slides = states[0]["slides"]
        index = next(i for i, slide in enumerate(slides) if slide["poll"] and slide["poll"]["type"] == "single")
        poll = slides[index]["poll"]["id"]
        assert facilitator.call("go_to_slide", {"index": index}, timeout=10)["ok"]
        assert facilitator.call("open_poll", {"poll": poll}, timeout=10)["ok"]
        assert all(phone.poll_open.wait(10) for phone in phones), "every phone hears the poll open"

        options = len(phones[0].poll["options"])
        assert options >= 5, "the test moves answers between options 0, 1, 2 and 4"
        expected = [0] * options
        acks = []
        for number, phone in enumerate(phones):
            first = number % 3
            acks.append(phone.client.call("submit_answer", {"poll": poll, "value": first}, timeout=10))
        # A third of the room changes its mind while the poll is open.
        for number, phone in enumerate(phones):
            choice = number % 3
            if number % 3 == 0:
                choice = 4
                acks.append(phone.client.call("submit_answer", {"poll": poll, "value": choice}, timeout=10))
            expected[choice] += 1
        assert all(ack["ok"] for ack in acks), [ack for ack in acks if not ack["ok"]]
        assert facilitator.call("close_poll", {"poll": poll}, timeout=10)["ok"]
        late = phones[0].client.call("submit_answer", {"poll": poll, "value": 1}, timeout=10)
        assert late == {"ok": False, "error": "poll_closed", "message": "this poll is not open"}

        # Snapshots are coalesced; the last one must reflect every stored answer, including changed ones. It
        # comes a tick after the close: up to 2 s on a busy process (pacing.py), later still on a loaded machine.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (final.get("total"), final.get("counts")) != (PHONES, expected):
            time.sleep(0.05)
        assert final["total"] == PHONES
        assert final["counts"] == expected
        # The count is eventually exact: the heartbeat recounts every session a process serves, so a count
        # a busy tick read early is put right within one heartbeat.
        deadline = time.monotonic() + HEARTBEAT_SECONDS + 3
        while time.monotonic() < deadline and not (counts and counts[-1] == PHONES):
            time.sleep(0.05)
        assert counts and counts[-1] == PHONES, counts

        refused = socketio.Client(reconnection=False)
        reasons: list = []
        refused.on("connect_error", reasons.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            refused.connect(server.url, auth={"session": session["id"], "key": "wrong"},
                            transports=["websocket"], wait_timeout=5)
        assert reasons == [{"message": "unauthorized"}]
        for phone in phones:
            phone.client.disconnect()
        facilitator.disconnect()
    log = server.output.text()
    assert "Traceback" not in log and "tick failed" not in log, log[-3000:]


def test_export_command_writes_the_same_files_as_the_api(redis_url: str, tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys
    import urllib.request

    from tests.conftest import ORGANISER_TOKEN

    with running_server(redis_url, tmp_path) as server:
        session = server.start_session()
        phone = Phone(server.url, session["code"])
        assert phone.ready.wait(10)
        facilitator = socketio.Client(reconnection=False)
        facilitator.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                            transports=["websocket"], wait_timeout=10)
        assert facilitator.call("open_poll", {"poll": "warmup_word"}, timeout=10)["ok"]
        assert phone.client.call("submit_answer", {"poll": "warmup_word", "value": 2}, timeout=10)["ok"]
        request = urllib.request.Request(f"{server.url}/api/sessions/{session['id']}/results.csv",
                                         headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"})
        api_csv = urllib.request.urlopen(request, timeout=10).read()
        request = urllib.request.Request(f"{server.url}/api/sessions/{session['id']}/results.json",
                                         headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"})
        api_json = urllib.request.urlopen(request, timeout=10).read()
        phone.client.disconnect()
        facilitator.disconnect()
    env = {**os.environ, "WORKSHOP_REDIS_URL": redis_url, "WORKSHOP_DATA_DIR": str(tmp_path),
           "WORKSHOP_MIN_RESPONSES": "1"}
    command = [sys.executable, "-m", "workshop.cli", "export", session["id"]]
    as_csv = subprocess.run([*command, "--format", "csv"], env=env, capture_output=True, check=True)
    assert api_csv.startswith("\ufeff".encode()) and b"warmup_word" in api_csv
    assert as_csv.stdout == api_csv, "workshop export writes the API's bytes, byte-order mark included"
    csv_file = tmp_path / "out.csv"
    subprocess.run([*command, "--format", "csv", "-o", str(csv_file)], env=env, check=True)
    assert csv_file.read_bytes() == api_csv
    target = tmp_path / "out.json"
    subprocess.run([*command, "--format", "json", "-o", str(target)], env=env, check=True)
    assert target.read_bytes() == api_json, "workshop export writes the API's JSON bytes too"
    document = json.loads(target.read_text())
    warmup = next(poll for poll in document["polls"] if poll["id"] == "warmup_word")
    assert warmup["total"] == 1 and warmup["counts"][2] == 1
    missing = subprocess.run([*command[:-1], "nosuchsession"], env=env, capture_output=True, text=True)
    assert missing.returncode == 1 and "no such session" in missing.stderr
