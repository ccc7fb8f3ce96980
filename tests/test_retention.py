"""Retention kept by the running server and by Redis itself; the guards no other test covered."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
import socketio

from tests.conftest import ORGANISER_TOKEN, app_config, key_of, received
from tests.servers import running_server
from tests.test_integration import Phone
from workshop import create_app
from workshop.store import SessionEnded, Store

HOUR = 3600


def session_key(sid: str, suffix: str = "session") -> str:
    return f"ws:{{{sid}}}:{suffix}"


def wait_until(condition: Any, timeout: float = 15.0, step: float = 0.1) -> bool:
    """Poll a condition until it holds or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


@pytest.mark.integration
def test_a_restarted_server_that_nobody_connects_to_ends_a_forgotten_session(redis_url: str, tmp_path: Path,
                                                                             redis: redis_lib.Redis) -> None:
    with running_server(redis_url, tmp_path) as server:
        session = server.start_session()
        facilitator = socketio.Client(reconnection=False)
        facilitator.connect(server.url, auth={"session": session["id"], "key": key_of(session["facilitator_url"])},
                            transports=["websocket"], wait_timeout=10)
        assert facilitator.call("open_poll", {"poll": "warmup_word"}, timeout=10)["ok"]
        phone = Phone(server.url, session["code"])
        assert phone.ready.wait(10)
        assert phone.client.call("submit_answer", {"poll": "warmup_word", "value": 1}, timeout=10)["ok"]
        phone.client.disconnect()
        facilitator.disconnect()
    sid = session["id"]
    answers = session_key(sid, "poll:warmup_word:answers")
    assert redis.exists(answers) and redis.hget(session_key(sid), "status") == "live"
    # The session started 25 hours ago, as far as the server can tell; then the server comes back.
    redis.zadd("ws:sessions", {sid: time.time() - 25 * HOUR})
    with running_server(redis_url, tmp_path) as server:
        assert wait_until(lambda: redis.hget(session_key(sid), "status") == "ended"), \
            "the sweep runs with the app, not with the first connection"
        assert not redis.exists(answers) and not redis.exists(session_key(sid, "participants"))
        request = urllib.request.Request(f"{server.url}/api/sessions",
                                         headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"})
        listing = {item["id"]: item for item in json.loads(urllib.request.urlopen(request, timeout=10).read())}
        assert listing[sid]["status"] == "ended" and listing[sid]["answers"]["warmup_word"] == 1


@pytest.fixture
def two_hour_app(redis_url: str, tmp_path: Path):
    """An app whose sessions end themselves two hours after they start."""
    app = create_app(app_config(redis_url, tmp_path, AUTO_END_HOURS=2))
    yield app
    app.extensions["workshop_broadcaster"].stop()


def open_warmup_poll(app) -> tuple[dict[str, Any], Any]:
    """A started session with its warm-up poll open, and one phone joined; returns the session and the phone."""
    response = app.test_client().post("/api/sessions", json={"deck": "interdependence"},
                                      headers={"Authorization": "Bearer facilitator-token-for-tests"})
    started = response.get_json()
    socketio_ = app.extensions["workshop_socketio"]
    facilitator = socketio_.test_client(app, auth={"session": started["id"], "key": key_of(started["facilitator_url"])})
    phone = socketio_.test_client(app, auth={"code": started["code"]})
    assert facilitator.emit("open_poll", {"poll": "warmup_word"}, callback=True)["ok"]
    return started, phone


def test_every_per_person_key_and_the_code_expire_at_the_auto_end_time(two_hour_app, redis) -> None:
    started, phone = open_warmup_poll(two_hour_app)
    sid = started["id"]
    assert phone.emit("submit_answer", {"poll": "warmup_word", "value": 0}, callback=True)["ok"]
    keys = {"code": f"ws:code:{started['code']}", "participants": session_key(sid, "participants"),
            "instances": session_key(sid, "instances"), "answers": session_key(sid, "poll:warmup_word:answers")}
    for name, key in keys.items():
        ttl = redis.ttl(key)
        assert 2 * HOUR - 60 < ttl <= 2 * HOUR, f"{name} key: TTL {ttl}"
    live = two_hour_app.extensions["workshop"]
    online = session_key(sid, f"online:{live.instance}")
    assert 0 < redis.ttl(online) <= live.presence_seconds, "presence lasts only as long as the heartbeat"
    # Writing again does not push the deadline back: it is the session's, not the last write's.
    redis.hset(session_key(sid), "auto_end_at", int(time.time()) + HOUR)
    second = two_hour_app.extensions["workshop_socketio"].test_client(two_hour_app, auth={"code": started["code"]})
    assert second.emit("submit_answer", {"poll": "warmup_word", "value": 1}, callback=True)["ok"]
    for name in ("participants", "instances", "answers"):
        assert HOUR - 60 < redis.ttl(keys[name]) <= HOUR, name
    assert redis.ttl(session_key(sid)) == -1, "the session itself is kept until it ends (then for retention)"


def test_answers_past_the_auto_end_time_are_refused_even_before_the_sweep(two_hour_app, redis) -> None:
    started, phone = open_warmup_poll(two_hour_app)
    sid = started["id"]
    redis.hset(session_key(sid), "auto_end_at", int(time.time()) - 1)
    late = phone.emit("submit_answer", {"poll": "warmup_word", "value": 0}, callback=True)
    assert late["ok"] is False and late["error"] == "poll_closed"
    assert not redis.exists(session_key(sid, "poll:warmup_word:answers"))
    assert redis.hget(session_key(sid, "poll:warmup_word"), "total") == "0"


def test_a_poll_field_changes_only_while_the_session_is_live_whatever_python_checked(redis_url, redis) -> None:
    store = Store(redis_lib.Redis.from_url(redis_url, decode_responses=True))
    sid = "luacheck01"
    redis.hset(session_key(sid), mapping={"id": sid, "status": "live"})
    store.set_poll_fields(sid, "p", status="open")
    assert redis.hget(session_key(sid, "poll:p"), "status") == "open"
    redis.hset(session_key(sid), "status", "ended")  # ended by another process after Python's own check
    with pytest.raises(SessionEnded):
        store.set_poll_fields(sid, "p", status="closed")
    assert redis.hget(session_key(sid, "poll:p"), "status") == "open", "the script refused the change"


@pytest.fixture
def ticked_by_hand(app, started, sockets) -> tuple[Any, Any, Any]:
    """The broadcaster (its background task stopped, so a test runs each tick), a facilitator and a phone, with
    the warm-up poll open."""
    broadcaster = app.extensions["workshop_broadcaster"]
    broadcaster.stop(wait_seconds=2)  # once the background task has finished its last tick
    facilitator = sockets("facilitator")
    phone = sockets("participant")
    assert facilitator.emit("open_poll", {"poll": "warmup_word"}, callback=True)["ok"]
    return broadcaster, facilitator, phone


def test_a_poll_whose_flush_lock_is_taken_is_sent_on_a_later_tick(ticked_by_hand, started, redis) -> None:
    broadcaster, facilitator, phone = ticked_by_hand
    assert phone.emit("submit_answer", {"poll": "warmup_word", "value": 3}, callback=True)["ok"]
    received(facilitator, "results_updated")
    # Another process holds this tick's lock for the poll.
    lock = session_key(started["id"], "flush:warmup_word")
    redis.set(lock, "1", px=60_000)
    broadcaster.flush()
    assert received(facilitator, "results_updated") == [], "the lock holder sends this tick, not us"
    redis.delete(lock)
    broadcaster.flush()
    results = received(facilitator, "results_updated")
    assert results and results[-1]["total"] == 1 and results[-1]["counts"][3] == 1, "kept dirty and retried"
    broadcaster.flush()
    assert received(facilitator, "results_updated") == [], "sent once it got through, not again"


def test_a_poll_that_fails_to_send_holds_back_nothing_else_and_is_sent_once_it_can_be(ticked_by_hand, started, sockets,
                                                                                      redis, caplog) -> None:
    broadcaster, facilitator, phone = ticked_by_hand
    assert phone.emit("submit_answer", {"poll": "warmup_word", "value": 3}, callback=True)["ok"]
    broadcaster.flush()
    facilitator.get_received()
    # A value in Redis that is not what the code expects (a bug, a hand edit): this poll cannot be sent.
    counts = session_key(started["id"], "poll:warmup_word:counts")
    redis.hset(counts, "0", "not a number")
    assert phone.emit("submit_answer", {"poll": "warmup_word", "value": 2}, callback=True)["ok"]
    second = sockets("participant")  # joins in the same tick: its count must still go out
    lock = session_key(started["id"], "flush:warmup_word")
    redis.delete(lock)  # the last tick's: this is a tick later
    broadcaster.flush()
    sent = facilitator.get_received()
    assert [message["name"] for message in sent] == ["participant_count"], "no results, but the count"
    assert sent[0]["args"][0]["count"] == 2
    assert "sending a poll's results failed" in caplog.text
    for copy in (counts, session_key(started["id"], "poll:warmup_word:released")):
        redis.hdel(copy, "0")  # mended, in the released snapshot the failed tick made too
    redis.delete(lock)  # the failed tick's: a tick later
    broadcaster.flush()
    results = received(facilitator, "results_updated")
    assert results and results[-1]["counts"][2] == 1, "kept dirty and sent once it could be"
    second.disconnect()


def test_a_poll_that_keeps_failing_is_logged_once_not_every_tick(ticked_by_hand, started, redis, caplog) -> None:
    # Retried every tick, a fault that stays logged a traceback 4 times a second for the rest of the session.
    broadcaster, facilitator, phone = ticked_by_hand
    counts = session_key(started["id"], "poll:warmup_word:counts")
    lock = session_key(started["id"], "flush:warmup_word")

    def failing_ticks(ticks: int, value: int) -> int:
        """Breaks the poll, answers, runs ticks and mends it; how many tracebacks they logged."""
        caplog.clear()
        redis.hset(counts, "0", "not a number")
        assert phone.emit("submit_answer", {"poll": "warmup_word", "value": value}, callback=True)["ok"]
        for _ in range(ticks):
            redis.delete(lock)  # the last tick's: this is a tick later
            broadcaster.flush()
        assert received(facilitator, "results_updated") == []
        for copy in (counts, session_key(started["id"], "poll:warmup_word:released")):
            redis.hdel(copy, "0")
        redis.delete(lock)
        broadcaster.flush()
        assert received(facilitator, "results_updated"), "sent once mended"
        return caplog.text.count("sending a poll's results failed")

    assert failing_ticks(5, value=2) == 1
    assert failing_ticks(2, value=3) == 1, "a new fault after a success is logged again"


def test_a_refused_connection_leaves_the_online_count_alone(redis_url, tmp_path, started, sockets, redis) -> None:
    facilitator, early = sockets("facilitator"), sockets("participant")
    assert facilitator.emit("open_poll", {"poll": "warmup_word"}, callback=True)["ok"]
    assert early.emit("submit_answer", {"poll": "warmup_word", "value": 0}, callback=True)["ok"]
    early.disconnect()
    # A second process that must parse the session's deck itself finds it unreadable: connect is refused.
    redis.hset(session_key(started["id"]), "deck_source", "title: [unclosed")
    other = create_app(app_config(redis_url, tmp_path))
    try:
        phone = other.extensions["workshop_socketio"].test_client(other, auth={"code": started["code"]})
        assert not phone.is_connected()
        assert other.extensions["workshop"].participant_count(started["id"]) == 0
        listing = other.test_client().get("/api/sessions", headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"})
        assert listing.status_code == 200, "one unreadable session does not hide the others"
        assert started["id"] in [item["id"] for item in listing.get_json()]
        # The sweep still ends it, finding its polls by their keys, and deletes the mapping.
        assert redis.exists(session_key(started["id"], "poll:warmup_word:answers"))
        redis.zadd("ws:live", {started["id"]: 0})
        assert other.extensions["workshop"].end_forgotten_sessions(time.time()) == [started["id"]]
        assert not list(redis.scan_iter(f"ws:{{{started['id']}}}:poll:*:answers"))
    finally:
        other.extensions["workshop_broadcaster"].stop()
        redis.delete(session_key(started["id"]))  # leave no broken session to the other tests


def test_a_bug_in_a_handler_is_acknowledged_as_internal(app, sockets, monkeypatch) -> None:
    phone = sockets("participant")

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.extensions["workshop"], "submit_answer", broken)
    ack = phone.emit("submit_answer", {"poll": "warmup_word", "value": 0}, callback=True)
    assert ack["ok"] is False and ack["error"] == "internal"
    assert phone.is_connected(), "the connection survives"
    assert phone.emit("submit_answer", ["not", "an", "object"], callback=True)["error"] == "invalid_payload"


def test_a_session_that_vanishes_during_connect_is_refused_as_unknown(app, started, monkeypatch) -> None:
    from socketio.exceptions import ConnectionRefusedError

    from workshop.live import LiveError

    def vanished(*_: object) -> None:
        raise LiveError("not_found", "no such session")

    monkeypatch.setattr(app.extensions["workshop"], "state_for", vanished)
    namespace = app.extensions["workshop_socketio"].server.namespace_handlers["/"]
    # Flask-SocketIO's test client drops the refusal reason, so call the handler itself.
    with app.test_request_context(), pytest.raises(ConnectionRefusedError) as refused:
        namespace.on_connect({"code": started["code"]})
    assert refused.value.error_args == {"message": "unknown_session"}


def test_the_sweep_ends_a_session_past_its_own_deadline_and_keeps_its_count(two_hour_app, redis) -> None:
    started, phone = open_warmup_poll(two_hour_app)
    sid = started["id"]
    assert phone.emit("submit_answer", {"poll": "warmup_word", "value": 0}, callback=True)["ok"]
    two_hour_app.extensions["workshop_socketio"].test_client(two_hour_app, auth={"code": started["code"]})
    live = two_hour_app.extensions["workshop"]
    assert sid not in live.end_forgotten_sessions(time.time()), "not yet: it started a moment ago"
    # Its deadline passed (say WORKSHOP_AUTO_END_HOURS was raised across a restart) and Redis already
    # expired the token set, as it does at the deadline.
    redis.hset(session_key(sid), "auto_end_at", int(time.time()) - 5)
    redis.zadd("ws:live", {sid: int(time.time()) - 5})
    redis.delete(session_key(sid, "participants"))
    assert live.end_forgotten_sessions(time.time()) == [sid]
    assert redis.hget(session_key(sid), "status") == "ended"
    assert redis.hget(session_key(sid), "participants") == "2", "the count outlives the expired token set"
    assert not redis.zscore("ws:live", sid)
    summary = next(item for item in live.session_summaries() if item["id"] == sid)
    assert summary["participants"] == 2 and summary["answers_total"] == 1


def test_phones_of_a_process_that_died_stop_counting_and_the_screens_hear_of_it(redis_url, tmp_path, app, started,
                                                                               sockets) -> None:
    # Three phones on a process that then dies without a word (kill -9: no disconnect ever runs).
    doomed = create_app(app_config(redis_url, tmp_path))
    doomed.extensions["workshop_broadcaster"].stop(wait_seconds=5)  # its heartbeat stops with it
    doomed.extensions["workshop"].presence_seconds = 2  # instead of 20, to keep the test short
    held = [doomed.extensions["workshop_socketio"].test_client(doomed, auth={"code": started["code"]})
            for _ in range(3)]
    live = app.extensions["workshop"]
    assert live.participant_count(started["id"]) == 3
    # The process that serves the room now: one phone of its own, and the facilitator's console.
    facilitator, phone = sockets("facilitator"), sockets("participant")
    assert received(facilitator, "session_state")[0]["participants"] == 3, "at first the dead phones still count"
    assert wait_until(lambda: live.participant_count(started["id"]) == 1, timeout=5)
    broadcaster = app.extensions["workshop_broadcaster"]
    broadcaster.heartbeat()
    broadcaster.flush()
    counts = [payload["count"] for payload in received(facilitator, "participant_count")]
    assert counts and counts[-1] == 1, counts
    assert phone.is_connected() and all(client.is_connected() for client in held), "nobody left: the process died"


@pytest.fixture
def idle_app(redis_url: str, tmp_path: Path):
    """An app that ends sessions whose facilitator did nothing for an hour (the background task stopped, so
    the test runs the sweep itself)."""
    app = create_app(app_config(redis_url, tmp_path, IDLE_END_HOURS=1))
    app.extensions["workshop_broadcaster"].stop(wait_seconds=2)
    yield app


def test_a_session_nobody_runs_any_more_ends_by_itself(idle_app, redis) -> None:
    forgotten, phone = open_warmup_poll(idle_app)
    running, _ = open_warmup_poll(idle_app)
    live = idle_app.extensions["workshop"]
    # Opening the poll was the facilitator's last action in both; in the first it was two hours ago.
    assert time.time() - int(redis.hget(session_key(running["id"]), "active_at")) < 60
    redis.hset(session_key(forgotten["id"]), "active_at", int(time.time()) - 2 * HOUR)
    idle_app.extensions["workshop_broadcaster"].end_forgotten_sessions()
    assert redis.hget(session_key(forgotten["id"]), "status") == "ended"
    assert redis.hget(session_key(running["id"]), "status") == "live"
    assert any(message["name"] == "session_ended" for message in phone.get_received())
    assert live.end_forgotten_sessions(time.time()) == [], "a second sweep ends nothing more"


def test_opening_the_console_counts_as_running_the_session(idle_app, redis) -> None:
    started, _ = open_warmup_poll(idle_app)
    redis.hset(session_key(started["id"]), "active_at", int(time.time()) - 2 * HOUR)
    socketio_ = idle_app.extensions["workshop_socketio"]
    console = socketio_.test_client(idle_app, auth={"session": started["id"],
                                                    "key": key_of(started["facilitator_url"])})
    assert console.is_connected()
    assert idle_app.extensions["workshop"].end_forgotten_sessions(time.time()) == []
    assert redis.hget(session_key(started["id"]), "status") == "live"


def test_idle_end_can_be_switched_off(redis_url: str, tmp_path: Path, redis) -> None:
    app = create_app(app_config(redis_url, tmp_path, IDLE_END_HOURS=0))
    app.extensions["workshop_broadcaster"].stop(wait_seconds=2)
    started, _ = open_warmup_poll(app)
    redis.hset(session_key(started["id"]), "active_at", int(time.time()) - 100 * HOUR)
    assert started["id"] not in app.extensions["workshop"].end_forgotten_sessions(time.time())
