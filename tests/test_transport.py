"""The real server against abusive transports: WebSocket floods, half-open requests, binary attachments and
oversized long-polling bodies (eventlet and gevent)."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import random
import socket
import struct
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.raw_websocket import RawWebSocket
from tests.servers import RunningServer, running_server
from tests.test_limits import TEXT_POLL, Facilitator, Phone, open_text_poll, wait_until
from workshop.transport import TransportLimits

pytestmark = pytest.mark.integration
MODES = ["eventlet", "gevent"]
PHONES = 50
ACK_P95_LIMIT = 0.5  # seconds


# --- a WebSocket client by hand, so a test can send what no library would -----------------------------------

def client_frame(payload: bytes | str, opcode: int | None = None) -> bytes:
    """One final client frame, masked with the all-zero key (legal, and the payload goes out as it is)."""
    data = payload.encode() if isinstance(payload, str) else payload
    opcode = opcode if opcode is not None else (1 if isinstance(payload, str) else 2)
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + b"\0\0\0\0" + data


class ProbeWebSocket(RawWebSocket):
    """A raw Engine.IO WebSocket for the transport tests: a close frame raises, as the end of the stream does."""

    def receive(self) -> tuple[int, bytes]:
        """The next frame from the server; a close frame raises ConnectionError."""
        opcode, payload = super().receive()
        if opcode == 8:
            raise ConnectionError(f"the server closed the WebSocket: {payload!r}")
        return opcode, payload

    def send(self, payload: bytes | str) -> None:
        self.sock.sendall(client_frame(payload))

    def join(self, code: str) -> None:
        """Connect to the Socket.IO namespace as a participant, and wait for the server's CONNECT."""
        self.send("40" + json.dumps({"code": code}))
        while not self.receive()[1].startswith(b"40"):
            pass

    def closed_within(self, seconds: float) -> bool:
        """Whether the server closes the connection (close frame, end of stream or reset) within `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                self.receive()
        except (ConnectionError, OSError) as error:
            return not isinstance(error, TimeoutError)
        return False



class Flood(threading.Thread):
    """An engine.io WebSocket that never joins the namespace and sends NOOP frames ("6" and 100 B to 16 KB of
    filler) as fast as it can, until the server drops it or the test stops it."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.ws = ProbeWebSocket(url)
        self.sent = 0
        self.dropped_after: float | None = None
        self.stop = threading.Event()
        randomly = random.Random(7)
        self.frames = [client_frame("6" + "x" * randomly.randint(100, 16 * 1024)) for _ in range(64)]

    def run(self) -> None:
        started = time.monotonic()
        self.ws.sock.settimeout(10)
        try:
            while not self.stop.is_set():
                for frame in self.frames:
                    self.ws.sock.sendall(frame)
                    self.sent += len(frame)
        except OSError:
            self.dropped_after = time.monotonic() - started
        finally:
            self.ws.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def answer_times(phones: list[Phone]) -> list[float]:
    """Every phone answers the text poll at once; the seconds each acknowledgement took (inf: none came)."""
    def answer(numbered: tuple[int, Phone]) -> float:
        number, phone = numbered
        started = time.monotonic()
        try:
            ack = phone.client.call("submit_answer", {"poll": TEXT_POLL, "value": f"word{number}"}, timeout=10)
        except Exception:
            return math.inf
        assert ack == {"ok": True, "poll": TEXT_POLL, "value": f"word{number}"}, ack
        return time.monotonic() - started

    with ThreadPoolExecutor(len(phones)) as pool:
        return list(pool.map(answer, enumerate(phones)))


def timed_health(url: str, timeout: float = 10) -> float:
    """Seconds /healthz took to answer 200 (inf: no answer within the timeout)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=timeout) as response:
            assert response.status == 200
    except TimeoutError:
        return math.inf
    return time.monotonic() - started


@pytest.mark.parametrize("async_mode", MODES)
def test_a_flooding_websocket_is_closed_and_answers_stay_fast(
        redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode) as server:
        session, facilitator = open_text_poll(server)
        phones = [Phone(server.url, session["code"]) for _ in range(PHONES)]
        assert all(phone.ready.wait(10) for phone in phones)
        quiet = answer_times(phones)

        flood = Flood(server.url)
        flood.start()
        wait_until(lambda: flood.sent > 256 * 1024 or flood.dropped_after is not None, 5, "the flood gets going")
        during = answer_times(phones)
        health = timed_health(server.url, 5)
        flood.join(5)  # the server should have dropped it by now; if not, stop it
        flood.stop.set()
        flood.join(15)
        print(f"\n{async_mode}: ack p95 {percentile(quiet, 0.95) * 1000:.0f} ms quiet, "
              f"{percentile(during, 0.95) * 1000:.0f} ms with the flood (max {max(during) * 1000:.0f} ms); "
              f"/healthz {health * 1000:.0f} ms; flood dropped after "
              f"{flood.dropped_after if flood.dropped_after is None else round(flood.dropped_after, 3)} s, "
              f"{flood.sent} bytes sent")
        # Against the same server's quiet answers too: on a machine busy with other work every answer is slower,
        # and what matters is that the flood does not make them much slower still.
        limit = max(ACK_P95_LIMIT, 2 * percentile(quiet, 0.95) + 0.1)
        assert percentile(during, 0.95) < limit, (sorted(during), sorted(quiet))
        assert health < limit
        assert flood.dropped_after is not None and flood.dropped_after < 5, "the flooding socket was not closed"
        for phone in phones:
            phone.close()
        facilitator.client.disconnect()


# --- half-open requests ---------------------------------------------------------------------------------------

ATTACKER = "127.0.0.2"  # Linux routes all of 127/8 to loopback; only 127.0.0.1 (and ::1) are uncapped
LIMITS = TransportLimits()
HALF_OPEN = LIMITS.connections_per_address + 200
MAX_CONNECTIONS = LIMITS.connections_per_address + 100  # fewer than the attacker opens: before the cap, all taken


def still_open(connections: list[socket.socket]) -> int:
    """How many of the connections the server still holds: no end of stream and no reset yet (a response,
    such as gevent's 400 for a request whose headers timed out, may come before the end)."""
    held = 0
    for connection in connections:
        connection.setblocking(False)
        try:
            while connection.recv(65536):
                pass
        except BlockingIOError:
            held += 1
        except OSError:
            pass
    return held


@pytest.mark.parametrize("async_mode", MODES)
def test_half_open_requests_are_capped_per_address_and_dropped(
        redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode, WORKSHOP_MAX_CONNECTIONS=str(MAX_CONNECTIONS)) as server:
        address = urlparse(server.url)
        assert address.hostname and address.port
        def half_open(number: int) -> socket.socket | None:
            try:
                connection = socket.create_connection((address.hostname, address.port), timeout=10,
                                                      source_address=(ATTACKER, 0))
            except OSError:
                return None
            # Half a request: the request line, or that and part of the headers, then nothing.
            with contextlib.suppress(OSError):
                connection.sendall(b"GET /healthz HTTP/1.1\r\n" + (b"Host: x\r\nX-A" if number % 2 else b""))
            return connection

        opening = time.monotonic()
        with ThreadPoolExecutor(32) as pool:  # eventlet listens with a backlog of 50: connect in parallel
            attack = [connection for connection in pool.map(half_open, range(HALF_OPEN)) if connection]
        opened = time.monotonic() - opening
        try:
            started = time.monotonic()
            health = timed_health(server.url)
            session = server.start_session()
            staff = time.monotonic() - started
            assert session["code"]
            assert health < 1 and staff < 2, (health, staff)
            # Over the cap, connections are closed at accept, which a loaded server reaches late: wait for it,
            # but not until the request timeout could have dropped any (the first was opened at `opening`).
            cap = LIMITS.connections_per_address
            before_any_timeout = max(time.monotonic() + 0.5, opening + LIMITS.request_timeout - 1)
            while still_open(attack) > cap and time.monotonic() < before_any_timeout:
                time.sleep(0.1)
            held = still_open(attack)
            assert held <= cap, f"{held} connections from one address held, over the cap of {cap}"
            dropping = time.monotonic()
            while still_open(attack) and time.monotonic() - dropping < LIMITS.request_timeout + 5:
                time.sleep(0.25)
            left = still_open(attack)
            assert left == 0, f"{left} half-open requests still held {time.monotonic() - dropping:.1f} s on"
            # The address may connect again once its connections are gone.
            again = socket.create_connection((address.hostname, address.port), timeout=5,
                                             source_address=(ATTACKER, 0))
            again.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert again.recv(100).startswith(b"HTTP/1.1 200")
            again.close()
            print(f"\n{async_mode}: /healthz {health * 1000:.0f} ms, /healthz + POST /api/sessions "
                  f"{staff * 1000:.0f} ms with {HALF_OPEN} half-open requests (opened in {opened:.1f} s); "
                  f"{held} held")
        finally:
            for connection in attack:
                connection.close()


# --- binary attachments ---------------------------------------------------------------------------------------

def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1])


@pytest.mark.parametrize("async_mode", MODES)
def test_binary_packets_and_frames_close_the_connection(redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode) as server:
        session, facilitator = open_text_poll(server)
        # A binary event with one small attachment, sent slowly: no flood, yet refused.
        slow = ProbeWebSocket(server.url)
        slow.join(session["code"])
        slow.send('451-["submit_answer",{"_placeholder":true,"num":0}]')
        # Closed as soon as the server reads it; "not closed" would last until the ping timeout, past 25 s.
        assert slow.closed_within(10), "a BINARY_EVENT packet did not close its connection"
        slow.close()
        # A binary frame with no packet announcing it.
        bare = ProbeWebSocket(server.url)
        bare.join(session["code"])
        bare.send(b"\x01\x02\x03")
        assert bare.closed_within(10), "a binary frame did not close its connection"
        bare.close()

        # 9,999,999,999 attachments announced, then 16 KB binary frames as fast as they go.
        before = rss_kib(server.process.pid)
        blast = ProbeWebSocket(server.url)
        blast.join(session["code"])
        blast.send('59999999999-["submit_answer",{"_placeholder":true,"num":0}]')
        attachment = client_frame(os.urandom(16000))
        sent = 0
        try:
            deadline = time.monotonic() + 5
            while sent < 64 * 1024 * 1024 and time.monotonic() < deadline:
                blast.sock.sendall(attachment)
                sent += len(attachment)
        except OSError:
            pass
        assert blast.closed_within(5), "the attachment flood was not closed"
        blast.close()
        # Everyone else carries on.
        phone = Phone(server.url, session["code"])
        assert phone.ready.wait(5)
        assert phone.client.call("submit_answer", {"poll": TEXT_POLL, "value": "fine"}, timeout=5)["ok"]
        phone.close()
        time.sleep(0.5)
        grown = rss_kib(server.process.pid) - before
        print(f"\n{async_mode}: {sent} bytes of attachments sent; RSS grew {grown} KiB")
        assert grown < 8 * 1024, f"the process grew {grown} KiB"
        facilitator.client.disconnect()


# --- long-polling bodies --------------------------------------------------------------------------------------

MESSAGE_LIMIT = 16 * 1024


def polling_post(server: RunningServer, sid: str, body: bytes, chunked: bool = False) -> tuple[int, bytes]:
    address = urlparse(server.url)
    assert address.hostname and address.port
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        path = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        if chunked:
            def pieces() -> Any:
                for start in range(0, len(body), 4096):
                    yield body[start:start + 4096]

            connection.request("POST", path, body=pieces(), headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def polling_sid(server: RunningServer) -> str:
    with urllib.request.urlopen(server.url + "/socket.io/?EIO=4&transport=polling", timeout=10) as response:
        opening = response.read().decode()
    assert opening.startswith("0{")
    sid: str = json.loads(opening[1:])["sid"]
    return sid


@pytest.mark.parametrize("async_mode", MODES)
def test_an_oversized_long_polling_post_gets_413(redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode) as server:
        session = server.start_session()
        join = ("40" + json.dumps({"code": session["code"]})).encode()
        for chunked in (False, True):  # within the limit, chunked or not: read and handled
            assert polling_post(server, polling_sid(server), join, chunked=chunked) == (200, b"OK")
        oversized = ("42" + json.dumps(["submit_answer", {"poll": TEXT_POLL, "value": "x" * 20 * 1024}])).encode()
        assert len(oversized) > MESSAGE_LIMIT
        for chunked in (False, True):
            status, body = polling_post(server, polling_sid(server), oversized, chunked=chunked)
            assert status == 413, (chunked, status, body)
            error = json.loads(body)
            assert error["error"] == "too_large" and str(MESSAGE_LIMIT) in error["message"], error


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
@pytest.mark.parametrize("frame", ["", "x", "bA"])
def test_an_undecodable_websocket_frame_closes_the_session_at_once(redis_url: str, tmp_path: Path, async_mode: str,
                                                                   frame: str) -> None:
    import websocket

    with running_server(redis_url, tmp_path, async_mode) as server:
        session = server.start_session()
        facilitator = Facilitator(server, session)
        ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                         timeout=5)
        ws.recv()  # the open packet
        ws.send("40" + json.dumps({"code": session["code"]}))
        wait_until(lambda: bool(facilitator.counts) and facilitator.counts[-1] == 1, 10, "the phone is counted")
        ws.send(frame)
        # Before the fix the session lived on until the ping timeout (about 48 s), the phone counted all along.
        wait_until(lambda: facilitator.counts[-1] == 0, 10, "the phone stops counting within seconds")
        ws.close()
        facilitator.client.disconnect()
    assert "Traceback" not in server.output.text()


def test_behind_a_proxy_the_per_address_cap_is_the_proxys_job() -> None:
    from workshop.config import Settings
    from workshop.transport import Admission, TransportLimits

    def admitted(proxy_hops: int) -> int:
        settings = Settings.load(environ={"WORKSHOP_CONNECTIONS_PER_ADDRESS": "5",
                                          "WORKSHOP_PROXY_HOPS": str(proxy_hops)})
        admission = Admission(TransportLimits.from_settings(settings))
        return sum(admission.admit(("10.1.2.3", 40000 + n)) is not None for n in range(50))

    assert admitted(0) == 5, "alone, one address holds at most its cap"
    assert admitted(1) == 50, "behind a proxy every client shares the proxy's address"


@pytest.mark.parametrize("async_mode", MODES)
def test_websockets_open_without_compression_even_when_offered(
        redis_url: str, tmp_path: Path, async_mode: str) -> None:
    # What Chromium offers; a compressing socket costs the server about twice the memory per phone.
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    with running_server(redis_url, tmp_path, async_mode) as server:
        socket_ = RawWebSocket(server.url, headers=offer)
        try:
            assert "sec-websocket-extensions" not in socket_.response_head.lower(), socket_.response_head
        finally:
            socket_.close()


def test_unmasking_matches_eventlets_own_for_every_offset_and_length() -> None:
    from eventlet.websocket import RFC6455WebSocket

    from workshop.transport import apply_mask

    generator = random.Random(7)
    for length in (0, 1, 3, 4, 5, 17, 125, 126, 1000):
        data = bytes(generator.getrandbits(8) for _ in range(length + 3))
        for mask in (b"\x00\x00\x00\x00", bytes(generator.getrandbits(8) for _ in range(4)),
                     [generator.getrandbits(8) for _ in range(4)]):
            for offset in range(5):
                expected = RFC6455WebSocket._apply_mask(data, mask, length=length, offset=offset)
                assert apply_mask(data, mask, length=length, offset=offset) == expected
        assert apply_mask(data, b"\x01\x02\x03\x04") == RFC6455WebSocket._apply_mask(data, b"\x01\x02\x03\x04")
