"""The facilitator's countdown and clearing a poll's answers, over Socket.IO with the real Redis."""

from __future__ import annotations

import time

from tests.conftest import received, wait_for
from workshop.config import PROJECT_ROOT
from workshop.decks import load_deck
from workshop.timers import SHOWN_AFTER_END_MS, timer_state

DECK = load_deck(PROJECT_ROOT / "decks" / "interdependence.yaml")
HABITS_SLIDE = next(index for index, slide in enumerate(DECK.slides)
                    if slide.poll is not None and slide.poll.id == "codependent_habits")
TIMER_SLIDE = next(index for index, slide in enumerate(DECK.slides) if slide.timer)


def test_timer_state_counts_remaining_time_and_forgets_a_long_finished_timer() -> None:
    assert timer_state(10_000, 60, 4_000) == {"running": True, "seconds": 60, "remaining_ms": 6_000}
    assert timer_state(10_000, 60, 12_000) == {"running": True, "seconds": 60, "remaining_ms": 0}
    assert timer_state(10_000, 60, 10_000 + SHOWN_AFTER_END_MS + 1)["running"] is False
    assert timer_state(None, 60, 0)["running"] is False
    assert timer_state(0, 0, 0)["running"] is False


def test_the_facilitator_starts_a_timer_that_every_screen_hears_of(sockets) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    assert received(phone, "session_state")[0]["timer"]["running"] is False
    ack = facilitator.emit("start_timer", {"seconds": 300}, callback=True)
    assert ack["ok"] and ack["timer"]["running"] and ack["timer"]["seconds"] == 300
    assert 299_000 <= ack["timer"]["remaining_ms"] <= 300_000
    for client in (presenter, phone):
        told = wait_for(client, "timer")
        assert told["running"] and told["seconds"] == 300 and told["remaining_ms"] <= 300_000
    # A phone that connects later is told the time left, not the full length.
    time.sleep(0.3)
    late = sockets("participant")
    timer = received(late, "session_state")[0]["timer"]
    assert timer["running"] and 295_000 <= timer["remaining_ms"] <= 299_800

    assert facilitator.emit("stop_timer", {}, callback=True)["timer"] == {
        "running": False, "seconds": 0, "remaining_ms": 0}
    assert wait_for(phone, "timer")["running"] is False
    assert received(sockets("presenter"), "session_state")[0]["timer"]["running"] is False


def test_only_the_facilitator_runs_the_timer_and_only_with_a_sensible_length(sockets) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    for client in (presenter, phone):
        assert client.emit("start_timer", {"seconds": 60}, callback=True)["error"] == "forbidden"
        assert client.emit("stop_timer", {}, callback=True)["error"] == "forbidden"
    for seconds in (0, 4, 3601, "60", 1.5, True, None):
        ack = facilitator.emit("start_timer", {"seconds": seconds}, callback=True)
        assert ack["ok"] is False and ack["error"] == "invalid_payload", seconds
    received(phone, "timer")
    assert received(phone, "timer") == []


def test_a_slide_offers_its_own_timer_to_the_console(sockets) -> None:
    facilitator = sockets("facilitator")
    state = received(facilitator, "session_state")[0]
    assert state["slides"][TIMER_SLIDE]["timer"] == DECK.slides[TIMER_SLIDE].timer > 0
    facilitator.emit("go_to_slide", {"index": TIMER_SLIDE}, callback=True)
    assert wait_for(facilitator, "slide_changed")["timer"] == DECK.slides[TIMER_SLIDE].timer


def test_an_ended_session_runs_no_timer(sockets) -> None:
    facilitator = sockets("facilitator")
    assert facilitator.emit("end_session", {}, callback=True)["ok"]
    assert facilitator.emit("start_timer", {"seconds": 60}, callback=True)["error"] == "forbidden"


def _answer(phone, value) -> None:
    ack = phone.emit("submit_answer", {"poll": "codependent_habits", "value": value}, callback=True)
    assert ack["ok"], ack


def test_clearing_a_poll_deletes_every_answer_and_phones_answer_afresh(app, sockets, started) -> None:
    facilitator, presenter = sockets("facilitator"), sockets("presenter")
    phones = [sockets("participant") for _ in range(3)]
    facilitator.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True)
    facilitator.emit("open_poll", {"poll": "codependent_habits"}, callback=True)
    for phone, value in zip(phones, ([0], [0, 1], [2]), strict=True):
        _answer(phone, value)
    wait_for(presenter, "results_updated", lambda r: r.get("total") == 3)

    ack = facilitator.emit("reset_poll", {"poll": "codependent_habits"}, callback=True)
    assert ack["ok"] and ack["poll"]["total"] == 0 and ack["poll"]["status"] == "open"
    for phone in phones:
        assert wait_for(phone, "poll_reset")["poll"]["id"] == "codependent_habits"
    # Every screen is sent the cleared poll: held back, as nobody has answered it yet.
    assert wait_for(presenter, "results_updated")["suppressed"] is True

    # Nothing of the old answers is left, in the counts, the released snapshot or the export.
    store = app.extensions["workshop"].store
    tally = store.tally(started["id"], "codependent_habits")
    assert tally.total == 0 and not tally.counts
    assert store.redis.hlen(f"ws:{{{started['id']}}}:poll:codependent_habits:answers") == 0

    # The first answer after the clear counts as a first answer again, and the old ones are not back.
    _answer(phones[1], [3])
    results = wait_for(presenter, "results_updated", lambda r: r.get("total") == 1)
    assert results["counts"] == [0, 0, 0, 1, 0, 0, 0]


def test_a_phone_that_answered_before_the_clear_is_asked_afresh_after_a_reconnect(sockets) -> None:
    facilitator = sockets("facilitator")
    phone = sockets("participant")
    token = received(phone, "session_state")[0]["participant"]
    facilitator.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True)
    facilitator.emit("open_poll", {"poll": "codependent_habits"}, callback=True)
    _answer(phone, [1])
    back = sockets("participant", participant=token)
    assert received(back, "session_state")[0]["my_answer"] == [1]
    facilitator.emit("reset_poll", {"poll": "codependent_habits"}, callback=True)
    again = sockets("participant", participant=token)
    state = received(again, "session_state")[0]
    assert state["my_answer"] is None and state["my_answers"] == {}


def test_only_the_facilitator_clears_answers_and_only_of_a_real_poll(sockets) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    for client in (presenter, phone):
        assert client.emit("reset_poll", {"poll": "codependent_habits"}, callback=True)["error"] == "forbidden"
    assert facilitator.emit("reset_poll", {"poll": "no_such_poll"}, callback=True)["error"] == "not_found"
    assert facilitator.emit("reset_poll", {"poll": ["x"]}, callback=True)["error"] == "not_found"
    assert facilitator.emit("reset_poll", "codependent_habits", callback=True)["error"] == "invalid_payload"
    assert received(phone, "poll_reset") == []
