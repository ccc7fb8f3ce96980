"""The anonymity threshold against a curious facilitator: no timing, no lone answer, no padding, no moves."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FACILITATOR_TOKEN, app_config, key_of, received
from workshop import create_app

K = 3
POLL = "warmup_word"


@pytest.fixture
def room(redis_url: str, tmp_path: Path):
    """An app with k = 3, a live session whose warm-up poll is open and revealed, the facilitator's console
    and the presenter screen; the broadcaster's ticks are driven by hand, so every tick is observed."""
    app = create_app(app_config(redis_url, tmp_path, MIN_RESPONSES=K))
    broadcaster = app.extensions["workshop_broadcaster"]
    broadcaster.stop(wait_seconds=5)
    http = app.test_client()
    http.get(f"/?token={FACILITATOR_TOKEN}")  # the facilitator's own browser is logged in
    started = http.post("/api/sessions", json={"deck": "interdependence"},
                        headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}"}).get_json()
    socketio = app.extensions["workshop_socketio"]
    console = socketio.test_client(app, auth={"session": started["id"], "key": key_of(started["facilitator_url"])})
    presenter = socketio.test_client(app, auth={"session": started["id"], "key": key_of(started["presenter_url"])})
    assert console.emit("open_poll", {"poll": POLL}, callback=True)["ok"]
    assert console.emit("set_results_visible", {"poll": POLL, "visible": True}, callback=True)["ok"]
    broadcaster.flush()
    for client in (console, presenter):
        client.get_received()

    def phone(browser: Any = None) -> Any:
        return socketio.test_client(app, auth={"code": started["code"]}, flask_test_client=browser)

    lock = f"ws:{{{started['id']}}}:flush:{POLL}"
    store = app.extensions["workshop"].store

    def tick() -> list[dict[str, Any]]:
        """One broadcaster tick (once the last tick's short flush lock is gone); what the screens received."""
        while store.redis.exists(lock):
            time.sleep(0.005)
        broadcaster.flush()
        return [payload for client in (console, presenter) for payload in received(client, "results_updated")]

    yield {"app": app, "phone": phone, "tick": tick, "console": console, "http": http, "started": started}


def answer(phone: Any, value: int) -> None:
    assert phone.emit("submit_answer", {"poll": POLL, "value": value}, callback=True)["ok"]


def test_while_suppressed_nothing_tells_when_anyone_answered(room) -> None:
    phones = [room["phone"]() for _ in range(K - 1)]
    for index, phone in enumerate(phones):
        answer(phone, index)
        assert room["tick"]() == [], "not even an unchanged update: its arrival would time the answer"
    state = room["phone"]()
    first = next(m["args"][0] for m in state.get_received() if m["name"] == "session_state")
    assert first["slide"]["poll"] is None or first["slide"]["poll"].get("total", 0) == 0
    staff = room["app"].extensions["workshop"]
    poll = staff.deck_of(room["started"]["id"]).poll(POLL)
    assert staff.poll_payload(room["started"]["id"], poll)["total"] == 0
    assert staff.results_views(room["started"]["id"], poll)["facilitator"] == {
        "poll": POLL, "suppressed": True, "min_responses": K}, "no total and no count-down, even for staff"


def test_after_the_threshold_one_more_answer_or_a_change_shows_nothing_until_k_more(room) -> None:
    phones = [room["phone"]() for _ in range(K)]
    for phone in phones:
        answer(phone, 0)
    released = room["tick"]()
    assert released and all(r["total"] == K and r["counts"][0] == K for r in released)
    late = room["phone"]()
    answer(late, 4)
    assert room["tick"]() == [], "one new answer is not released on its own"
    answer(phones[0], 5)  # a change of mind would show as a move from option 0 to 5
    assert room["tick"]() == []
    answer(phones[1], 5)
    batch = room["tick"]()
    assert batch and batch[-1]["total"] == K + 1 and batch[-1]["counts"][0] == K - 2
    assert batch[-1]["counts"][4:6] == [1, 2], "released together: three people's changes, not one"


def test_the_facilitators_own_phones_cannot_lift_a_lone_answer_over_the_threshold(room) -> None:
    own = [room["phone"](room["http"]) for _ in range(K - 1)]  # phones in the facilitator's logged-in browser
    for phone in own:
        answer(phone, 1)
    victim = room["phone"]()
    answer(victim, 3)
    assert room["tick"]() == [], "staff phones count in results, never toward the k a release needs"
    document = room["http"].get(f"/api/sessions/{room['started']['id']}/results.json",
                                headers={"Authorization": "Bearer organiser-token-for-tests"}).get_json()
    warmup = next(poll for poll in document["polls"] if poll["id"] == POLL)
    assert warmup["suppressed"] is True and "counts" not in warmup, "nor in an export"
    for _ in range(K - 1):
        answer(room["phone"](), 2)
    released = room["tick"]()
    assert released and released[-1]["total"] == (K - 1) + 1 + (K - 1) and released[-1]["counts"][1:4] == [2, 2, 1]


def test_closing_releases_only_a_batch_of_k_and_the_end_keeps_only_releases(room, redis) -> None:
    phones = [room["phone"]() for _ in range(K + 1)]
    for phone in phones:
        answer(phone, 2)
    assert room["tick"]()[-1]["total"] == K + 1
    answer(room["phone"](), 0)  # one late answer: never shown, in no batch of k
    assert room["console"].emit("close_poll", {"poll": POLL}, callback=True)["ok"]
    closed = room["tick"]()
    assert closed and all(r["total"] == K + 1 for r in closed)
    assert room["console"].emit("end_session", {}, callback=True)["ok"]
    sid = room["started"]["id"]
    assert not redis.exists(f"ws:{{{sid}}}:poll:{POLL}:counts"), "unreleased counts leave with the session"
    assert redis.hget(f"ws:{{{sid}}}:poll:{POLL}:released", "2") == str(K + 1)
    assert redis.hget(f"ws:{{{sid}}}:poll:{POLL}:released", "0") is None


def test_the_address_hashes_in_redis_cannot_be_redone_from_the_secrets_on_disk(app, sockets, started, redis) -> None:
    """Join limits and the failed-code throttle hash addresses with a key held in memory only: with the secret
    key from the data directory, a disk reader still cannot try a LAN's addresses against Redis's files."""
    import hashlib
    import hmac

    sockets("participant")  # joins from the test client's address
    app.test_client().get("/j/ZZZZZZ")  # a failed code lookup, counted per address
    on_disk = app.config["SECRET_KEY"].encode()
    addresses = ["127.0.0.1", "::1", "", "localhost"]
    guesses = {hmac.new(on_disk, address.encode(), "sha256").hexdigest()[:16] for address in addresses}
    throttle_key = hashlib.blake2b(on_disk, person=b"join-throttle", digest_size=32).digest()
    guesses |= {hashlib.blake2b(address.encode(), key=throttle_key, digest_size=16).hexdigest()
                for address in addresses}
    keys = [key for key in redis.scan_iter(match="ws:*") if "joins" in key or "throttle" in key]
    assert keys, "the join limit and the throttle keep their counts in Redis"
    assert not any(guess in key for key in keys for guess in guesses), keys
    assert app.extensions["workshop"].address_secret != on_disk
