"""Logs of a real server: structured lines, an opt-in access log, and nothing that identifies anyone."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
import socketio

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN, key_of
from tests.servers import RunningServer, running_server
from tests.test_integration import Phone

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
    assert server.process.stdout is not None
    return server.process.stdout.read()


def test_the_access_log_is_opt_in_and_names_no_one(redis_url: str, tmp_path: Path) -> None:
    with running_server(redis_url, tmp_path, WORKSHOP_ACCESS_LOG="1") as server:
        code, participant = visit_as_everyone(server)
    output = output_of(server)
    assert output.count(ORGANISER_TOKEN) == 1, "the organiser token is printed once, in its link"
    assert output.count(FACILITATOR_TOKEN) == 1, "the facilitator token is printed once, in its link"
    lines = [line for line in output.splitlines() if " level=" in line]
    access = [line for line in lines if "logger=workshop.access" in line]
    assert any(f'path="/j/{code}"' in line and "status=200" in line for line in access), access
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
