"""Logs of a real server: structured lines, an opt-in access log, and nothing that identifies anyone."""

from __future__ import annotations

import io
import logging
import re
import socket
import sys
import urllib.request
from pathlib import Path

import pytest
import socketio

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN, key_of
from tests.servers import RunningServer, running_server
from tests.test_integration import Phone
from workshop.logs import Handler, KeyValueFormatter, RateLimit

pytestmark = pytest.mark.integration
SECRET_WORD = "zebrafishlantern"


def visit_as_everyone(server: RunningServer) -> tuple[str, str]:
    """A facilitator link with its token, a phone page, a phone that answers a text poll; returns the code and
    the phone's token."""
    urllib.request.urlopen(f"{server.url}/?token={FACILITATOR_TOKEN}", timeout=10).read()
    session = server.start_session()
    urllib.request.urlopen(f"{server.url}/j/{session['code']}", timeout=10).read()
    facilitator = socketio.Client(reconnection=False)
    facilitator.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                        transports=["polling", "websocket"], wait_timeout=10)
    assert facilitator.call("open_poll", {"poll": "keep_self"}, timeout=10)["ok"]
    phone = Phone(server.url, session["code"])
    assert phone.ready.wait(10)
    assert phone.client.call("submit_answer", {"poll": "keep_self", "value": SECRET_WORD}, timeout=10)["ok"]
    phone.client.disconnect()
    facilitator.disconnect()
    return session["code"], phone.state["participant"]


def output_of(server: RunningServer) -> str:
    """Everything the server wrote to stdout and stderr, once it has stopped."""
    assert server.output.closed(), "the server's output did not end"
    return server.output.text()


def test_the_access_log_is_opt_in_and_names_no_one(redis_url: str, tmp_path: Path) -> None:
    with running_server(redis_url, tmp_path, WORKSHOP_ACCESS_LOG="1") as server:
        code, participant = visit_as_everyone(server)
    output = output_of(server)
    assert output.count(ORGANISER_TOKEN) == 1, "the organiser token is printed once, in its link"
    assert output.count(FACILITATOR_TOKEN) == 1, "the facilitator token is printed once, in its link"
    lines = [line for line in output.splitlines() if " level=" in line]
    access = [line for line in lines if "logger=workshop.access" in line]
    assert any(f'path="/j/{code}"' in line and "status=200" in line for line in access), access
    # A phone page's size would tell its language (its messages are inline): logged in 64 KiB steps.
    assert all("bytes=65536 " in line for line in access if f'path="/j/{code}"' in line and "status=200" in line)
    assert any('path="/socket.io/"' in line for line in access), "Socket.IO requests are logged too"
    for line in lines:
        assert "?" not in line and "token" not in line.lower(), line
        assert participant not in line and SECRET_WORD not in line, line
        assert not re.search(r"\b127\.0\.0\.1\b|\bPython-urllib\b|\bpython-requests\b", line), line
    for line in access:
        assert re.fullmatch(r'\S+Z level=info logger=workshop\.access msg="request" method=[A-Z]+ path="[^"?]*" '
                            r"status=\d{3} bytes=\d+ ms=\d+", line), line


def test_without_the_setting_no_request_is_logged(redis_url: str, tmp_path: Path) -> None:
    with running_server(redis_url, tmp_path) as server:
        visit_as_everyone(server)
    output = output_of(server)
    assert "logger=workshop.access" not in output
    assert SECRET_WORD not in output and "Organiser token:" not in output


# Hostile clients: nothing they send may put a secret, an address, a query string, a socket id or a raw control
# character into the log, or grow it without bound.
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ level=(debug|info|warning|error) logger=\S+ msg=\"")
ADDRESS = re.compile(r"\b127\.0\.0\.1\b|\b\d{1,3}(\.\d{1,3}){3}\b|::1\b")
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
HOSTILE = [
    b"GET /?token=QUERYSECRET1 HTTP/1.1 junk\r\n\r\n",
    b"GET /socket.io/?EIO=4&transport=polling&sid=BOGUSSID123 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /j/%0d%0aFAKE%20level=error%1b[31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /nonexistent/token=PATHSECRET1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /x/facilitator_token=PATHSECRET2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /x/presenter_key=PATHSECRET3?sid=QUERYSECRET2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /s/PATHSECRET4aB9xQ2mZ7kL/present HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",  # a key's shape
]
SECRETS = ("QUERYSECRET", "PATHSECRET", "BOGUSSID123")


def send_raw(url: str, request: bytes) -> bytes:
    """Write bytes to the server as they are, and read the answer to its end."""
    host, port = url.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def log_lines(output: str) -> list[str]:
    """The log's lines: everything after the start-up banner."""
    return output.split("  Processes:", 1)[1].splitlines()[2:]


def assert_clean(output: str) -> None:
    """No secret anywhere, no raw control character, and every log line one whole record (or an indented
    traceback line) without an address or a query string."""
    for secret in SECRETS:
        assert secret not in output, secret
    assert not RAW_CONTROL.search(output), repr(RAW_CONTROL.search(output))
    for line in log_lines(output):
        assert LOG_LINE.match(line) or line.startswith("    "), f"not a log record: {line!r}"
        assert not ADDRESS.search(line) and "?" not in line, line


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_hostile_requests_leave_no_trace(redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode, WORKSHOP_ACCESS_LOG="1") as server:
        for request in HOSTILE:
            assert re.search(rb"\b4\d\d\b", send_raw(server.url, request)), request
    output = output_of(server)
    assert_clean(output)
    lines = log_lines(output)
    # Each arrived, through our handler, scrubbed and escaped.
    assert any("logger=workshop.server" in line and "level=warning" in line for line in lines), lines
    assert any("logger=engineio.server" in line and "Invalid session [id]" in line for line in lines), lines
    assert any(r'path="/j/\r\nFAKE level=error\x1b[31m"' in line for line in lines), lines
    assert any('path="/nonexistent/token=[redacted]"' in line for line in lines), lines
    assert any('path="/x/facilitator_token=[redacted]"' in line for line in lines), lines
    assert any('path="/s/[redacted]/present"' in line for line in lines), lines


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent"])
def test_a_flood_of_failing_clients_keeps_the_log_small(redis_url: str, tmp_path: Path, async_mode: str) -> None:
    with running_server(redis_url, tmp_path, async_mode) as server:
        for number in range(2000):
            send_raw(server.url, HOSTILE[number % 2])
    output = output_of(server)
    assert len(output.encode()) < 50_000, f"{len(output.encode())} bytes for 2,000 bad requests"
    assert_clean(output)
    assert "dropping repeats of a log message" in output


@pytest.mark.parametrize("text", [
    "token=abcsecret", "key=abcsecret", "participant=abcsecret", "sid=abcsecret", "facilitator_token=abcsecret",
    "presenter_key=abcsecret", '{"facilitator_key": "abcsecret"}', "{'organiser-token': 'abcsecret'}",
    "Authorization: Bearer abcsecret", "authorization=abcsecret", "GET /?x=1&secret_key=abcsecret HTTP/1.1",
    "sent Bearer abcsecret",
])
def test_the_scrubber_catches_every_spelling_of_a_secret(text: str) -> None:
    line = format_record(logging.makeLogRecord({"name": "workshop", "levelname": "INFO", "msg": text}))
    assert "abcsecret" not in line, line


def test_the_scrubber_keeps_ordinary_words() -> None:
    text = "monkey=business inside=3 keys 4 answers; slept 10:42:07"
    line = format_record(logging.makeLogRecord({"name": "workshop", "levelname": "INFO", "msg": text}))
    assert text in line, line


def test_a_traceback_cannot_forge_a_record() -> None:
    try:
        raise ValueError("bad\n2030-01-01T00:00:00Z level=error logger=forged msg=\"x\"\x1b[2J token=abcsecret")
    except ValueError:
        record = logging.makeLogRecord({"name": "workshop", "levelname": "ERROR", "msg": "failed",
                                        "exc_info": sys.exc_info()})
    lines = format_record(record).splitlines()
    assert LOG_LINE.match(lines[0]) and all(line.startswith("    ") for line in lines[1:]), lines
    assert "\x1b" not in "".join(lines) and "abcsecret" not in "".join(lines)


def test_repeated_warnings_are_rate_limited_with_a_summary() -> None:
    now = [0.0]
    stream = io.StringIO()
    handler = Handler(stream, RateLimit(per_message=10, overall=1000, window=60, clock=lambda: now[0]))
    log = logging.getLogger("workshop.test_rate_limit")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        for number in range(500):
            log.warning("client %s failed: %r", number, f"reason {number}")
        log.warning("another message")
        log.info("info is never limited")
        now[0] = 61.0
        log.warning("client %s failed: %r", 1, "again")
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert sum('msg="client' in line for line in lines) == 11, lines
    assert sum("dropping repeats of a log message" in line for line in lines) == 1, lines
    assert any('msg="dropped repeated log messages" dropped=490' in line for line in lines), lines
    assert any("another message" in line for line in lines) and any("never limited" in line for line in lines)


def format_record(record: logging.LogRecord) -> str:
    return KeyValueFormatter().format(record)
