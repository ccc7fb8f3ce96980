"""Honest counts: join limits per address and per session, a room the facilitator can lock or cap."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.conftest import FACILITATOR_TOKEN, app_config, eventually, key_of, received
from tests.servers import running_server
from workshop import create_app
from workshop.live import Refused


@pytest.fixture
def limited(redis_url: str, tmp_path: Path):
    """An app admitting 60 new participants a minute per address (10 per 10-second window), 120 per session."""
    app = create_app(app_config(redis_url, tmp_path, JOINS_PER_MINUTE_PER_ADDRESS=60,
                                JOINS_PER_MINUTE_PER_SESSION=120))
    yield app
    app.extensions["workshop_broadcaster"].stop()


def start(app) -> dict[str, Any]:
    started = app.test_client().post("/api/sessions", json={"deck": "interdependence"},
                                     headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}"}).get_json()
    started["facilitator_key"] = key_of(started["facilitator_url"])
    return started


def well_inside_a_window(seconds: int = 10) -> None:
    """Wait, if need be, until the current join window has at least two seconds left, so a test's burst of
    joins falls in one window."""
    while time.time() % seconds > seconds - 2:
        time.sleep(0.05)


def join(app, code: str, address: str, token: str | None = None) -> str:
    """A new (or returning) participant from an address; returns its token or the refusal reason."""
    auth: dict[str, Any] = {"code": code} if token is None else {"code": code, "participant": token}
    try:
        client = app.extensions["workshop"].connect(auth, address)
    except Refused as refused:
        return f"refused:{refused}"
    return client.token or ""


def test_one_address_cannot_add_a_crowd_but_returning_phones_always_get_back_in(limited) -> None:
    started = start(limited)
    well_inside_a_window()
    outcomes = [join(limited, started["code"], "203.0.113.7") for _ in range(25)]
    admitted = [outcome for outcome in outcomes if not outcome.startswith("refused")]
    assert len(admitted) == 10 and outcomes[10:] == ["refused:rate_limited"] * 15
    assert join(limited, started["code"], "203.0.113.7", token=admitted[0]) == admitted[0], "a reconnect is free"
    assert not join(limited, started["code"], "198.51.100.1").startswith("refused"), "other addresses still join"
    room = limited.extensions["workshop"].room(started["id"])
    assert room["joined"] == 11 and room["refused_joins"] == 15


def test_the_whole_session_has_a_join_limit_too(limited) -> None:
    started = start(limited)
    well_inside_a_window()
    outcomes = [join(limited, started["code"], f"198.51.100.{index}") for index in range(30)]
    assert sum(not outcome.startswith("refused") for outcome in outcomes) == 20
    assert outcomes[-1] == "refused:rate_limited"


def test_the_facilitator_locks_and_caps_the_room(app, started, sockets) -> None:
    facilitator = sockets("facilitator")
    assert received(facilitator, "session_state")[0]["room"] == {
        "count": 0, "joined": 0, "locked": False, "cap": 0, "refused_joins": 0}
    first = join(app, started["code"], "192.0.2.1")
    locked = facilitator.emit("set_room", {"locked": True}, callback=True)
    assert locked["ok"] and locked["room"]["locked"] is True and locked["room"]["joined"] == 1
    assert join(app, started["code"], "192.0.2.2") == "refused:room_locked"
    assert join(app, started["code"], "192.0.2.1", token=first) == first, "who is in stays in"
    assert facilitator.emit("set_room", {"locked": False, "cap": 2}, callback=True)["room"]["cap"] == 2
    assert not join(app, started["code"], "192.0.2.3").startswith("refused")
    assert join(app, started["code"], "192.0.2.4") == "refused:room_full"
    for bad in ({"locked": "yes"}, {"cap": -1}, {"cap": True}, {"cap": 1.5}):
        assert facilitator.emit("set_room", bad, callback=True)["error"] == "invalid_payload", bad
    phone = sockets("participant", participant=first)
    assert phone.emit("set_room", {"locked": False}, callback=True)["error"] == "forbidden"


@pytest.mark.integration
def test_scripted_phones_from_one_address_are_refused_over_the_wire(redis_url: str, tmp_path: Path) -> None:
    with running_server(redis_url, tmp_path, WORKSHOP_JOINS_PER_MINUTE_PER_ADDRESS="30") as server:
        session = server.start_session()
        reasons: list[Any] = []
        admitted = 0
        clients = []
        for _ in range(20):
            client = socketio.Client(reconnection=False)
            client.on("connect_error", reasons.append)
            try:
                client.connect(server.url, auth={"code": session["code"]}, transports=["websocket"], wait_timeout=10)
                admitted += 1
                clients.append(client)
            except socketio.exceptions.ConnectionError:
                pass
        # 5 per 10-second window; a run that straddles a window boundary may get a second 5.
        assert 5 <= admitted <= 10 and {"message": "rate_limited"} in reasons
        facilitator = socketio.Client(reconnection=False)
        states: list[Any] = []
        facilitator.on("session_state", states.append)
        facilitator.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                            transports=["websocket"], wait_timeout=10)
        # Handlers run on threads of their own: connect() may return before the state's handler has run.
        eventually(lambda: states, "the facilitator's session_state")
        assert states[0]["room"]["refused_joins"] == 20 - admitted and states[0]["room"]["joined"] == admitted
        for client in [*clients, facilitator]:
            client.disconnect()
