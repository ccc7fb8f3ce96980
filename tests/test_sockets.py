"""Socket.IO: roles on every event, answers stored once and changeable, results to the right clients only."""

from __future__ import annotations

import time

import pytest

from tests.conftest import received, wait_for
from workshop.config import PROJECT_ROOT
from workshop.decks import load_deck
from workshop.live import Refused

DECK = load_deck(PROJECT_ROOT / "decks" / "interdependence.yaml")
# The bundled deck's multiple-choice poll about codependent habits, and its last slide, found by content.
HABITS_SLIDE = next(index for index, slide in enumerate(DECK.slides)
                    if slide.poll is not None and slide.poll.id == "codependent_habits")
LAST_SLIDE = len(DECK.slides) - 1


def poll_on(session_state: dict, index: int) -> dict:
    return session_state["slides"][index]["poll"]


def test_each_role_gets_the_state_it_may_see(sockets, started) -> None:
    facilitator = sockets("facilitator")
    presenter = sockets("presenter")
    phone = sockets("participant")
    state_f = received(facilitator, "session_state")[0]
    state_p = received(presenter, "session_state")[0]
    state_phone = received(phone, "session_state")[0]
    assert state_f["role"] == "facilitator" and len(state_f["slides"]) == state_f["slide"]["count"]
    assert state_f["slide"]["notes"]
    assert "slides" not in state_p and "notes" not in state_p["slide"]
    assert state_phone["role"] == "participant" and state_phone["participant"]
    assert "slides" not in state_phone and "participants" not in state_phone
    assert state_phone["session"] == {"id": started["id"], "code": started["code"],
                                      "title": state_f["session"]["title"], "status": "live"}
    for state in (state_f, state_p, state_phone):
        assert "facilitator_key" not in str(state) and started["facilitator_key"] not in str(state)


@pytest.mark.parametrize(("auth", "reason"), [
    ({"session": "nosuchsession", "key": "x"}, "unknown_session"),
    ({"code": "QQQQQQ"}, "unknown_session"),
    ({"key": "x"}, "unauthorized"),
    ({"session": ["x"], "key": "x"}, "unauthorized"),
    (None, "unauthorized"),
    ("a string", "unauthorized"),
])
def test_refused_connections_say_why(app, auth, reason) -> None:
    # Flask-SocketIO's test client drops the refusal reason; the real client sees it in the integration test.
    with pytest.raises(Refused) as refused:
        app.extensions["workshop"].connect(auth)
    assert str(refused.value) == reason


def test_a_wrong_key_is_refused(app, started) -> None:
    socketio = app.extensions["workshop_socketio"]
    wrong = socketio.test_client(app, auth={"session": started["id"], "key": started["presenter_key"] + "x"})
    assert not wrong.is_connected()


def test_only_the_facilitator_steps_and_opens(sockets) -> None:
    presenter = sockets("presenter")
    phone = sockets("participant")
    for client in (presenter, phone):
        assert client.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True) == {
            "ok": False, "error": "forbidden", "message": "only the facilitator can do that"}
        assert client.emit("open_poll", {"poll": "codependent_habits"}, callback=True)["error"] == "forbidden"
        assert client.emit("end_session", {}, callback=True)["error"] == "forbidden"
    facilitator = sockets("facilitator")
    assert facilitator.emit("submit_answer", {"poll": "codependent_habits", "value": [0]},
                            callback=True)["error"] == "forbidden"


def test_slide_changes_reach_everyone(sockets) -> None:
    facilitator, phone = sockets("facilitator"), sockets("participant")
    received(phone, "session_state")
    assert facilitator.emit("go_to_slide", {"index": LAST_SLIDE}, callback=True) == {"ok": True, "index": LAST_SLIDE}
    changed = wait_for(phone, "slide_changed")
    assert changed["index"] == LAST_SLIDE and changed["title"] == DECK.slides[LAST_SLIDE].title
    assert facilitator.emit("go_to_slide", {"index": LAST_SLIDE + 1}, callback=True)["error"] == "not_found"
    assert facilitator.emit("go_to_slide", {"index": "2"}, callback=True)["error"] == "invalid_payload"
    assert facilitator.emit("go_to_slide", [1], callback=True)["error"] == "invalid_payload"


def test_answers_are_stored_once_changeable_and_counted(sockets) -> None:
    facilitator = sockets("facilitator")
    poll = poll_on(received(facilitator, "session_state")[0], HABITS_SLIDE)
    phone_a, phone_b = sockets("participant"), sockets("participant")
    assert phone_a.emit("submit_answer", {"poll": poll["id"], "value": [0]}, callback=True)["error"] == "poll_closed"
    facilitator.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True)
    opened = facilitator.emit("open_poll", {"poll": poll["id"]}, callback=True)
    assert opened["ok"] and opened["poll"]["status"] == "open"
    assert wait_for(phone_a, "poll_changed")["status"] == "open"
    assert phone_a.emit("submit_answer", {"poll": poll["id"], "value": [0, 2]}, callback=True) == {
        "ok": True, "poll": poll["id"], "value": [0, 2]}
    assert phone_b.emit("submit_answer", {"poll": poll["id"], "value": [2]}, callback=True)["ok"]
    # Changing an answer moves the counts; sending the same one again changes nothing.
    assert phone_a.emit("submit_answer", {"poll": poll["id"], "value": [1]}, callback=True)["ok"]
    assert phone_a.emit("submit_answer", {"poll": poll["id"], "value": [1]}, callback=True)["ok"]
    results = wait_for(facilitator, "results_updated", lambda r: r.get("total") == 2 and r["counts"][1] == 1)
    assert results["counts"][:3] == [0, 1, 1] and sum(results["counts"]) == 2
    facilitator.emit("close_poll", {"poll": poll["id"]}, callback=True)
    assert phone_b.emit("submit_answer", {"poll": poll["id"], "value": [3]}, callback=True)["error"] == "poll_closed"


def test_bad_answers_get_precise_errors(sockets) -> None:
    facilitator = sockets("facilitator")
    poll = poll_on(received(facilitator, "session_state")[0], HABITS_SLIDE)
    facilitator.emit("open_poll", {"poll": poll["id"]}, callback=True)
    phone = sockets("participant")
    for payload, error in (
        ({"poll": poll["id"], "value": [99]}, "invalid_payload"),
        ({"poll": poll["id"], "value": "yes"}, "invalid_payload"),
        ({"poll": "no_such_poll", "value": 1}, "not_found"),
        ("not an object", "invalid_payload"),
    ):
        assert phone.emit("submit_answer", payload, callback=True)["error"] == error
    assert phone.emit("fly_away", {}, callback=True)["error"] == "not_found"


def test_a_phone_that_reconnects_keeps_its_token_and_answers(sockets) -> None:
    facilitator = sockets("facilitator")
    facilitator.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True)
    poll_id = received(facilitator, "session_state")[0]["slides"][HABITS_SLIDE]["poll"]["id"]
    facilitator.emit("open_poll", {"poll": poll_id}, callback=True)
    phone = sockets("participant")
    token = received(phone, "session_state")[0]["participant"]
    assert phone.emit("submit_answer", {"poll": poll_id, "value": [3]}, callback=True)["ok"]
    phone.disconnect()
    again = sockets("participant", participant=token)
    state = received(again, "session_state")[0]
    assert state["participant"] == token and state["my_answer"] == [3] and state["my_answers"] == {poll_id: [3]}
    stranger = sockets("participant", participant="made-up-token")
    assert received(stranger, "session_state")[0]["participant"] != "made-up-token"


def test_hidden_results_are_not_sent_to_phones_at_all(sockets) -> None:
    facilitator = sockets("facilitator")
    state = received(facilitator, "session_state")[0]
    poll = poll_on(state, HABITS_SLIDE)
    facilitator.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True)
    facilitator.emit("open_poll", {"poll": poll["id"]}, callback=True)
    facilitator.emit("set_results_visible", {"poll": poll["id"], "visible": False}, callback=True)
    phone, presenter = sockets("participant"), sockets("presenter")
    assert received(phone, "session_state")[0]["results"] is None
    phone.emit("submit_answer", {"poll": poll["id"], "value": [1]}, callback=True)
    assert wait_for(presenter, "results_updated", lambda r: r.get("total") == 1)["counts"][1] == 1
    assert received(phone, "results_updated") == []
    shown = facilitator.emit("set_results_visible", {"poll": poll["id"], "visible": True}, callback=True)
    assert shown["poll"]["results_visible"] is True
    assert wait_for(phone, "results_updated")["counts"][1] == 1


def test_participant_count_follows_connections(sockets) -> None:
    presenter = sockets("presenter")
    phones = [sockets("participant") for _ in range(3)]
    assert wait_for(presenter, "participant_count", lambda c: c["count"] == 3)
    phones[0].disconnect()
    assert wait_for(presenter, "participant_count", lambda c: c["count"] == 2)


def test_events_are_rate_limited_per_connection(sockets) -> None:
    phone = sockets("participant")
    answers = [phone.emit("submit_answer", {"poll": "x", "value": 1}, callback=True)["error"] for _ in range(40)]
    assert "rate_limited" in answers and answers[0] == "not_found"


def test_ending_the_session_stops_answers_and_refuses_new_phones(app, sockets, started) -> None:
    facilitator = sockets("facilitator")
    phone = sockets("participant")
    assert facilitator.emit("end_session", {}, callback=True) == {"ok": True}
    assert wait_for(phone, "session_ended") == {}
    socketio = app.extensions["workshop_socketio"]
    late = socketio.test_client(app, auth={"code": started["code"]})
    assert not late.is_connected()


def test_moderated_text_reaches_the_facilitator_flagged_and_nobody_else(sockets) -> None:
    facilitator = sockets("facilitator")
    slides = received(facilitator, "session_state")[0]["slides"]
    index, poll_id = next((i, slide["poll"]["id"]) for i, slide in enumerate(slides)
                          if slide["poll"] and slide["poll"]["type"] == "text")
    facilitator.emit("go_to_slide", {"index": index}, callback=True)
    facilitator.emit("open_poll", {"poll": poll_id}, callback=True)
    facilitator.emit("set_results_visible", {"poll": poll_id, "visible": True}, callback=True)
    presenter, phone_a, phone_b = sockets("presenter"), sockets("participant"), sockets("participant")
    assert phone_a.emit("submit_answer", {"poll": poll_id, "value": "Trust"}, callback=True)["ok"]
    assert phone_b.emit("submit_answer", {"poll": poll_id, "value": "something unkind"}, callback=True)["ok"]
    wait_for(presenter, "results_updated", lambda r: r.get("total") == 2)
    hidden = facilitator.emit("hide_answer", {"poll": poll_id, "text": "something unkind", "hidden": True},
                              callback=True)
    assert hidden == {"ok": True}
    staff = wait_for(facilitator, "results_updated", lambda r: any(a.get("hidden") for a in r.get("answers", [])))
    assert {"text": "something unkind", "count": 1, "hidden": True} in staff["answers"]
    for client in (presenter, phone_a):
        shown = wait_for(client, "results_updated", lambda r: r.get("total") == 2 and len(r["answers"]) == 1)
        assert shown["answers"] == [{"text": "Trust", "count": 1}], "moderated text never sent"
    # The same words dressed in invisible characters, or spelled otherwise, are the same answer: still hidden.
    phone_c, phone_d = sockets("participant"), sockets("participant")
    assert phone_c.emit("submit_answer", {"poll": poll_id, "value": "some\u2060thing un\u00adkind\U000e0020"},
                        callback=True)["ok"]
    assert phone_d.emit("submit_answer", {"poll": poll_id, "value": "SOMETHING UN\u200dKIND!"}, callback=True)["ok"]
    shown = wait_for(presenter, "results_updated", lambda r: r.get("total") == 4)
    assert shown["answers"] == [{"text": "Trust", "count": 1}]
    view = facilitator.emit("set_text_view", {"poll": poll_id, "view": "list"}, callback=True)
    assert view["poll"]["view"] == "list" and wait_for(phone_b, "poll_changed")["view"] == "list"
    pie = facilitator.emit("set_text_view", {"poll": poll_id, "view": "pie"}, callback=True)
    assert pie["error"] == "invalid_payload"
    assert presenter.emit("hide_answer", {"poll": poll_id, "text": "trust", "hidden": True},
                          callback=True)["error"] == "forbidden"


def test_below_the_threshold_every_view_gets_no_counts(app, redis_url, tmp_path) -> None:
    from tests.conftest import FACILITATOR_TOKEN, app_config, key_of
    from workshop import create_app

    strict = create_app(app_config(redis_url, tmp_path, MIN_RESPONSES=3))
    started = strict.test_client().post("/api/sessions", json={"deck": "interdependence"},
                                        headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}"}).get_json()
    socketio = strict.extensions["workshop_socketio"]
    auth = {"session": started["id"], "key": key_of(started["facilitator_url"])}
    facilitator = socketio.test_client(strict, auth=auth)
    facilitator.emit("open_poll", {"poll": "warmup_word"}, callback=True)
    phones = [socketio.test_client(strict, auth={"code": started["code"]}) for _ in range(3)]
    early = wait_for(facilitator, "results_updated")  # opening the poll sends its (empty) results
    assert early == {"poll": "warmup_word", "min_responses": 3, "suppressed": True}, "no total, no count down"
    phones[0].emit("submit_answer", {"poll": "warmup_word", "value": 1}, callback=True)
    for phone in phones[1:]:
        phone.emit("submit_answer", {"poll": "warmup_word", "value": 2}, callback=True)
    shown = wait_for(facilitator, "results_updated", lambda r: r.get("total") == 3)
    assert shown["suppressed"] is False and shown["counts"][1:3] == [1, 2]


def test_reserved_names_sent_as_events_neither_join_again_nor_leave(app, sockets, started, redis) -> None:
    phone = sockets("participant")
    sid = started["id"]
    live = app.extensions["workshop"]
    assert live.participant_count(sid) == 1 and redis.scard(f"ws:{{{sid}}}:participants") == 1
    for _ in range(5):
        ack = phone.emit("connect", {"code": started["code"]}, callback=True)
        assert ack["ok"] is False and ack["error"] == "invalid_payload"
    assert live.participant_count(sid) == 1 and redis.scard(f"ws:{{{sid}}}:participants") == 1
    assert phone.emit("disconnect", "client namespace disconnect", callback=True)["error"] == "invalid_payload"
    assert phone.is_connected() and live.participant_count(sid) == 1
    still = phone.emit("submit_answer", {"poll": "warmup_word", "value": 0}, callback=True)
    assert still["error"] == "poll_closed", "the connection still acts as the same participant"


def test_a_connection_that_keeps_flooding_is_closed_and_the_rest_are_served(sockets) -> None:
    flooder, phone = sockets("participant"), sockets("participant")
    errors = [flooder.emit("no_such_event", {}, callback=True)["error"] for _ in range(40)]
    assert errors.count("not_found") >= 19 and "rate_limited" in errors, "unknown events are rate-limited too"
    for _ in range(200):
        if not flooder.is_connected():
            break
        flooder.emit("no_such_event", {}, callback=True)
    assert not flooder.is_connected(), "a connection that ignores rate_limited is closed"
    assert phone.emit("no_such_event", {}, callback=True)["error"] == "not_found"


def test_text_that_is_not_valid_unicode_is_refused_at_the_edge(app, sockets, started) -> None:
    from socketio.exceptions import ConnectionRefusedError

    facilitator, phone = sockets("facilitator"), sockets("participant")
    assert facilitator.emit("open_poll", {"poll": "keep_self"}, callback=True)["ok"]
    for payload in ({"poll": "keep_self", "value": "hi\ud800"}, {"poll": "\udfff", "value": "x"},
                    {"poll": "keep_self", "value": ["\ud800"]}, {"\ud800": 1}):
        ack = phone.emit("submit_answer", payload, callback=True)
        assert ack["ok"] is False and ack["error"] == "invalid_payload", payload
    namespace = app.extensions["workshop_socketio"].server.namespace_handlers["/"]
    for auth in ({"code": "\ud800"}, {"code": started["code"], "participant": "\ud800"},
                 {"session": "\ud800", "key": "x"}, {"session": started["id"], "key": "\ud800"}):
        with app.test_request_context(), pytest.raises(ConnectionRefusedError) as refused:
            namespace.on_connect(auth)
        assert refused.value.error_args == {"message": "unauthorized"}, auth


def test_guessing_codes_over_a_socket_is_throttled_and_ended_codes_look_unknown(app, sockets, started) -> None:
    from socketio.exceptions import ConnectionRefusedError

    namespace = app.extensions["workshop_socketio"].server.namespace_handlers["/"]

    def refusal(auth: dict, address: str) -> str:
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}), \
                pytest.raises(ConnectionRefusedError) as refused:
            namespace.on_connect(auth)
        return refused.value.error_args["message"]

    returning = received(sockets("participant"), "session_state")[0]["participant"]
    reasons = [refusal({"code": f"ZZZ{index:03d}"}, "192.0.2.51") for index in range(40)]
    assert reasons[:29] == ["unknown_session"] * 29 and reasons[-1] == "rate_limited"
    assert refusal({"code": started["code"]}, "192.0.2.51") == "rate_limited", "no new phones from a guesser"
    # Not code guesses: the facilitator's key and a phone that already joined still get in from there.
    with app.app_context():
        assert namespace.throttled({"code": started["code"]}, "192.0.2.51")
        assert not namespace.throttled({"session": started["id"], "key": started["facilitator_key"]}, "192.0.2.51")
        assert not namespace.throttled({"code": started["code"], "participant": returning}, "192.0.2.51")
        assert not namespace.throttled({"code": started["code"], "participant": "made-up"}, "192.0.2.52")
    facilitator = sockets("facilitator")
    assert facilitator.emit("end_session", {}, callback=True)["ok"]
    assert refusal({"code": started["code"]}, "192.0.2.50") == "unknown_session", "ended looks like unknown"
    # The phone page shares the limit: the same address now gets 429 there too.
    page = app.test_client().get("/j/ABCDEF", environ_base={"REMOTE_ADDR": "192.0.2.51"})
    assert page.status_code == 429
    assert refusal({"code": "ZZZ999"}, "192.0.2.52") == "unknown_session", "other addresses are not affected"


def test_a_download_during_a_live_poll_does_not_keep_its_snapshot_from_the_screens(app, client, sockets,
                                                                                 started) -> None:
    from tests.conftest import ORGANISER_TOKEN

    broadcaster = app.extensions["workshop_broadcaster"]
    facilitator, presenter = sockets("facilitator"), sockets("presenter")
    poll = poll_on(received(facilitator, "session_state")[0], HABITS_SLIDE)
    facilitator.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True)
    facilitator.emit("open_poll", {"poll": poll["id"]}, callback=True)
    broadcaster.stop(wait_seconds=2)  # ticks by hand from here
    broadcaster.flush()
    phone = sockets("participant")
    assert phone.emit("submit_answer", {"poll": poll["id"], "value": [1]}, callback=True)["ok"]
    received(presenter, "results_updated")
    # The organiser downloads before the next tick: the export releases the waiting answer itself.
    response = client.get(f"/api/sessions/{started['id']}/results.json",
                          headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"})
    assert response.status_code == 200
    time.sleep(0.05)  # past the poll's flush lock (one tick) from the flush above
    broadcaster.flush()
    assert [results["total"] for results in received(presenter, "results_updated")] == [1]
    time.sleep(0.05)
    broadcaster.mark_poll(started["id"], poll["id"], audience_changed=False)  # as another answer's would
    broadcaster.flush()
    assert received(presenter, "results_updated") == [], "a snapshot goes out once"


def test_a_poll_not_opened_yet_is_told_apart_from_a_closed_one(sockets) -> None:
    facilitator = sockets("facilitator")
    received(facilitator, "session_state")
    facilitator.emit("go_to_slide", {"index": HABITS_SLIDE}, callback=True)
    poll = wait_for(facilitator, "slide_changed")["poll"]
    assert poll["status"] == "closed" and poll["opened"] is False
    opened = facilitator.emit("open_poll", {"poll": poll["id"]}, callback=True)["poll"]
    assert opened["status"] == "open" and opened["opened"] is True
    closed = facilitator.emit("close_poll", {"poll": poll["id"]}, callback=True)["poll"]
    assert closed["status"] == "closed" and closed["opened"] is True


def test_only_the_facilitator_blanks_the_projector_and_phones_never_hear_of_it(sockets) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    assert phone.emit("set_blank", {"blank": True}, callback=True)["error"] == "forbidden"
    assert facilitator.emit("set_blank", {"blank": "yes"}, callback=True)["error"] == "invalid_payload"
    assert facilitator.emit("set_blank", {"blank": True}, callback=True) == {"ok": True, "blank": True}
    assert wait_for(presenter, "blank") == {"blank": True}
    assert received(phone, "blank") == []
    again = sockets("presenter")
    assert received(again, "session_state")[0]["blank"] is True
