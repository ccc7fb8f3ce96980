"""The real server's limits: the Socket.IO message size, and eventlet's cap on simultaneous connections."""

from __future__ import annotations

import asyncio
import base64
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import socketio
from socketio import packet as sio_packet

from tests.conftest import key_of
from tests.servers import RunningServer, running_server

pytestmark = pytest.mark.integration

MESSAGE_LIMIT = 2048  # WORKSHOP_MAX_MESSAGE_BYTES for the size test: small, so the test is fast
TEXT_POLL = "keep_self"  # the bundled deck's text poll (max_length 60)
HELD = 1030  # raw WebSockets held open: more than eventlet's default max_size of 1,024
HANDSHAKE_TIMEOUT = 10.0  # seconds for all the raw handshakes (a capped server leaves the rest hanging)
EXTRA_TIMEOUT = 5.0  # seconds the extra phone and /healthz get while the raw WebSockets are held


class Phone:
    """A participant: a real python-socketio client over WebSocket that records what happens to it."""

    def __init__(self, url: str, code: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.state: dict[str, Any] = {}
        self.ready = threading.Event()
        self.gone = threading.Event()
        self.client.on("session_state", self._state)
        self.client.on("disconnect", self._gone)
        self.client.connect(url, auth={"code": code}, transports=["websocket"], wait_timeout=EXTRA_TIMEOUT)

    def _state(self, state: dict[str, Any]) -> None:
        self.state = state
        self.ready.set()

    def _gone(self, *reason: object) -> None:
        self.gone.set()

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


class Facilitator:
    """The facilitator's console: records participant counts and the latest results."""

    def __init__(self, server: RunningServer, session: dict[str, Any]) -> None:
        self.client = socketio.Client(reconnection=False)
        self.states: list[dict[str, Any]] = []
        self.counts: list[int] = []
        self.results: dict[str, Any] = {}
        self.client.on("session_state", self.states.append)
        self.client.on("participant_count", lambda payload: self.counts.append(payload["count"]))
        self.client.on("results_updated", self.results.update)
        self.client.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                            transports=["websocket"], wait_timeout=5)

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        ack: dict[str, Any] = self.client.call(event, data, timeout=5)
        return ack


def wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    """Poll a condition until it holds; fail once the deadline has passed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (waited {timeout} s)")
        time.sleep(0.02)


def open_text_poll(server: RunningServer) -> tuple[dict[str, Any], Facilitator]:
    """A new session on the bundled deck with its text poll shown and open, and the facilitator's console."""
    session = server.start_session()
    facilitator = Facilitator(server, session)
    wait_until(lambda: bool(facilitator.states), 5, "the facilitator gets its session_state")
    slides = facilitator.states[0]["slides"]
    index = next(i for i, slide in enumerate(slides) if slide["poll"] and slide["poll"]["id"] == TEXT_POLL)
    assert facilitator.call("go_to_slide", {"index": index})["ok"]
    assert facilitator.call("open_poll", {"poll": TEXT_POLL})["ok"]
    return session, facilitator


def answer_frame(value: str, ack_id: int) -> str:
    """The WebSocket text frame python-socketio sends for `submit_answer` with an acknowledgement."""
    event = sio_packet.Packet(sio_packet.EVENT, data=["submit_answer", {"poll": TEXT_POLL, "value": value}],
                              id=ack_id)
    return "4" + event.encode()  # the engine.io MESSAGE type, then the Socket.IO packet


def padded_answer(word: str, frame_bytes: int) -> str:
    """An answer that is `word` once normalised (runs of spaces collapse and are trimmed) and makes the
    first `submit_answer` frame of a connection exactly `frame_bytes` long."""
    padding = frame_bytes - len(answer_frame(word, 1).encode())
    value = word + " " * padding
    assert len(answer_frame(value, 1).encode()) == frame_bytes
    return value


# eventlet refuses the frame itself (close code 1009); under gevent engine.io reads the whole message, then closes.
@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_a_message_over_the_size_limit_drops_only_its_connection(
        redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode, WORKSHOP_MAX_MESSAGE_BYTES=str(MESSAGE_LIMIT)) as server:
        session, facilitator = open_text_poll(server)
        near, over, bystander = (Phone(server.url, session["code"]) for _ in range(3))
        assert all(phone.ready.wait(10) for phone in (near, over, bystander))
        wait_until(lambda: facilitator.counts[-1:] == [3], 5, "the facilitator sees three phones")

        # Just under the limit: parsed, validated and stored like any answer ("near" once normalised).
        near_answer = {"poll": TEXT_POLL, "value": padded_answer("near", MESSAGE_LIMIT - 8)}
        assert near.client.call("submit_answer", near_answer, timeout=5) == {
            "ok": True, "poll": TEXT_POLL, "value": "near"}

        # Just over it: the same kind of answer, which would be valid, drops the connection unanswered.
        over_acks: list[object] = []
        over.client.emit("submit_answer", {"poll": TEXT_POLL, "value": padded_answer("over", MESSAGE_LIMIT + 8)},
                         callback=lambda *ack: over_acks.append(ack))
        assert over.gone.wait(5), "the server did not close the connection that sent an oversized message"
        assert not over.client.connected
        assert over_acks == [], "an oversized message must not be handled"

        # Everyone else carries on, and the server has let the dropped phone go.
        assert near.client.connected and bystander.client.connected and not near.gone.is_set()
        assert bystander.client.call("submit_answer", {"poll": TEXT_POLL, "value": "bystander"}, timeout=5) == {
            "ok": True, "poll": TEXT_POLL, "value": "bystander"}
        assert facilitator.call("close_poll", {"poll": TEXT_POLL})["ok"]
        wait_until(lambda: facilitator.counts[-1:] == [2], 5, "the server counts the dropped phone as gone")
        wait_until(lambda: facilitator.results.get("total") == 2, 5, "the results count the two answers")
        assert sorted(answer["text"] for answer in facilitator.results["answers"]) == ["bystander", "near"]
        for phone in (near, bystander):
            phone.close()
        facilitator.client.disconnect()


@dataclass
class RawWebSocket:
    """An engine.io WebSocket opened by hand, and the first frame the server sent on it."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    first_frame: bytes

    async def still_open(self) -> bool:
        """Nothing arrives within a moment: no close frame and no end of stream (the first ping is 25 s away)."""
        try:
            await asyncio.wait_for(self.reader.read(1), timeout=0.2)
        except TimeoutError:
            return True
        return False


async def hold_websocket(host: str, port: int, gate: asyncio.Semaphore) -> RawWebSocket:
    """Open one engine.io WebSocket by hand: the HTTP upgrade, then engine.io's OPEN packet."""
    async with gate:  # a few handshakes at a time: eventlet listens with a backlog of 50
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        try:
            status = await reader.readline()
            assert status.startswith(b"HTTP/1.1 101"), status
            while await reader.readline() not in (b"\r\n", b""):
                pass
            # engine.io's OPEN packet ("0{...sid...}") is the first, small, unmasked text frame.
            opcode, length = await reader.readexactly(2)
            assert opcode == 0x81 and length < 126, (opcode, length)
            return RawWebSocket(reader, writer, await reader.readexactly(length))
        except BaseException:
            writer.close()
            raise


def extra_phone_and_health(url: str, code: str) -> tuple[dict[str, Any], int, float]:
    """A Socket.IO participant's first state and the /healthz status, and how long both took."""
    started = time.monotonic()
    phone = Phone(url, code)
    try:
        assert phone.ready.wait(EXTRA_TIMEOUT), "the extra phone got no session_state"
        with urllib.request.urlopen(url + "/healthz", timeout=EXTRA_TIMEOUT) as response:
            status = response.status
        return phone.state, status, time.monotonic() - started
    finally:
        phone.close()


async def with_websockets_held(server: RunningServer, code: str) -> tuple[dict[str, Any], int, float]:
    """Hold HELD raw WebSockets open, check the extra phone and /healthz meanwhile, then close them."""
    address = urlparse(server.url)
    assert address.hostname and address.port
    gate = asyncio.Semaphore(40)
    opening = [asyncio.ensure_future(hold_websocket(address.hostname, address.port, gate)) for _ in range(HELD)]
    done, pending = await asyncio.wait(opening, timeout=HANDSHAKE_TIMEOUT)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    held = [task.result() for task in done if not task.exception()]
    try:
        count, errors = len(held), [repr(task.exception()) for task in done if task.exception()]
        assert count == HELD, (f"only {count} of {HELD} WebSockets opened within {HANDSHAKE_TIMEOUT} s; "
                               f"{len(pending)} hung, {len(errors)} failed {errors[:1]}")
        assert all(socket.first_frame.startswith(b'0{"sid":') for socket in held), held[0].first_frame
        checked = await asyncio.to_thread(extra_phone_and_health, server.url, code)
        still_open = await asyncio.gather(*(socket.still_open() for socket in held))
        assert all(still_open), f"{still_open.count(False)} held WebSockets closed during the check"
        return checked
    finally:
        for socket in held:
            socket.writer.close()


def test_more_than_1024_connections_under_eventlet(redis_url: str, tmp_path: Path) -> None:
    with running_server(redis_url, tmp_path, "eventlet") as server:
        session = server.start_session()
        state, health, took = asyncio.run(with_websockets_held(server, session["code"]))
        assert state["role"] == "participant" and state["session"]["id"] == session["id"]
        assert health == 200
        assert took < EXTRA_TIMEOUT
