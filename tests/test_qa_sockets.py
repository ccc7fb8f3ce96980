"""Q&A over Socket.IO: roles, moderation modes, votes, limits, coalescing, exports and the end of a session."""

from __future__ import annotations

import json
import time

from tests.conftest import ORGANISER_TOKEN, received, wait_for
from workshop.questions import ROOM_INTERVAL_MS


def open_qa(facilitator, moderation: str = "none") -> None:
    assert facilitator.emit("set_qa", {"open": True, "moderation": moderation}, callback=True)["ok"]


def ask(phone, text: str) -> dict:
    return phone.emit("ask_question", {"text": text}, callback=True)


def test_only_phones_ask_and_vote_and_only_the_facilitator_moderates(sockets) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    # The reason, for the phone's own words in its language; the English message for programs.
    assert ask(phone, "Too early?") == {"ok": False, "error": "poll_closed", "reason": "closed",
                                        "message": "Questions are closed right now."}
    for client in (presenter, phone):
        assert client.emit("set_qa", {"open": True}, callback=True)["error"] == "forbidden"
    open_qa(facilitator)
    asked = ask(phone, "How do I say no kindly?")
    assert asked == {"ok": True, "question": "1", "status": "shown"}
    for client in (facilitator, presenter):
        assert ask(client, "staff question")["error"] == "forbidden"
        assert client.emit("vote_question", {"question": "1", "vote": True}, callback=True)["error"] == "forbidden"
    for client in (presenter, phone):
        reply = client.emit("moderate_question", {"question": "1", "action": "hide"}, callback=True)
        assert reply["error"] == "forbidden"
    assert facilitator.emit("set_qa", {"moderation": "later"}, callback=True)["error"] == "invalid_payload"
    assert facilitator.emit("set_qa", {}, callback=True)["error"] == "invalid_payload"
    assert facilitator.emit("moderate_question", {"question": "1", "action": "delete"},
                            callback=True)["error"] == "invalid_payload"
    assert facilitator.emit("moderate_question", {"question": "99", "action": "hide"},
                            callback=True)["error"] == "not_found"


def test_show_at_once_versus_approve_first(sockets) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    open_qa(facilitator, "approve")
    assert ask(phone, "Is jealousy love?") == {"ok": True, "question": "1", "status": "pending"}
    staff = wait_for(facilitator, "questions_updated", lambda p: p["questions"])
    assert staff["moderation"] == "approve"
    assert staff["questions"] == [{"id": "1", "text": "Is jealousy love?", "votes": 0, "answered": False,
                                   "pinned": False, "status": "pending"}]
    time.sleep(0.2)
    assert all(not p["questions"] for p in received(presenter, "questions_updated")), "pending stays off screen"
    assert facilitator.emit("moderate_question", {"question": "1", "action": "approve"}, callback=True) == {
        "ok": True, "question": "1"}
    shown = wait_for(presenter, "questions_updated", lambda p: p["questions"])
    assert shown == {"open": True, "questions": [{"id": "1", "text": "Is jealousy love?", "votes": 0,
                                                  "answered": False, "pinned": False}]}
    assert facilitator.emit("set_qa", {"moderation": "none"}, callback=True)["qa"]["moderation"] == "none"
    assert ask(phone, "And now?")["status"] == "shown"


def test_votes_are_one_per_phone_idempotent_and_can_be_taken_back(sockets) -> None:
    facilitator, presenter = sockets("facilitator"), sockets("presenter")
    phone_a, phone_b = sockets("participant"), sockets("participant")
    open_qa(facilitator)
    ask(phone_a, "First?")
    ask(phone_a, "Second?")

    def vote(phone, question: str, value: bool) -> dict:
        return phone.emit("vote_question", {"question": question, "vote": value}, callback=True)

    assert vote(phone_b, "2", True) == {"ok": True, "question": "2", "votes": 1}
    assert vote(phone_b, "2", True)["votes"] == 1, "voting twice counts once"
    assert vote(phone_a, "2", True)["votes"] == 2
    assert vote(phone_a, "2", False)["votes"] == 1
    assert vote(phone_a, "2", False)["votes"] == 1, "taking back twice counts once"
    assert vote(phone_b, "1", "yes")["error"] == "invalid_payload"
    assert vote(phone_b, "nope", True)["error"] == "not_found"
    screen = wait_for(presenter, "questions_updated", lambda p: [q["votes"] for q in p["questions"]] == [1, 0])
    assert [q["id"] for q in screen["questions"]] == ["2", "1"], "most votes first, then the oldest"
    # A reconnecting phone learns its own votes; another phone does not see them.
    again = sockets("participant", participant=received(phone_b, "session_state")[0]["participant"])
    assert received(again, "session_state")[0]["my_votes"] == ["2"]
    assert received(sockets("participant"), "session_state")[0]["my_votes"] == []


def test_hidden_questions_reach_nobody_but_the_facilitator_and_cannot_be_voted(app, client, sockets,
                                                                               started) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    # Ticks by hand: shown at once, the question may go out in a tick before the facilitator hides it (as it
    # should); what is checked is that nothing after the hide carries it.
    broadcaster = app.extensions["workshop_broadcaster"]
    broadcaster.stop(wait_seconds=2)
    open_qa(facilitator)
    ask(phone, "A kind question")
    ask(phone, "Something unkind")
    facilitator.emit("moderate_question", {"question": "2", "action": "pin"}, callback=True)
    facilitator.emit("moderate_question", {"question": "2", "action": "hide"}, callback=True)
    assert phone.emit("vote_question", {"question": "2", "vote": True}, callback=True)["error"] == "not_found"
    broadcaster.flush()
    wait_for(facilitator, "questions_updated", lambda p: any(q["status"] == "hidden" for q in p["questions"]))
    later = sockets("participant")
    for connection in (presenter, phone, later):
        for payload in [*received(connection, "questions_updated"),
                        *(s["qa"] for s in received(connection, "session_state"))]:
            assert "unkind" not in json.dumps(payload)
    staff = received(sockets("facilitator"), "session_state")[0]["qa"]
    assert {q["id"]: (q["status"], q["pinned"]) for q in staff["questions"]} == {
        "1": ("shown", False), "2": ("hidden", False)}, "hiding unpins"
    headers = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
    document = client.get(f"/api/sessions/{started['id']}/results.json", headers=headers).get_json()
    assert document["questions"] == [{"text": "A kind question", "votes": 0, "answered": False}]
    csv = client.get(f"/api/sessions/{started['id']}/results.csv", headers=headers).get_data(as_text=True)
    assert ",A kind question,question,open,0," in csv and "unkind" not in csv
    report = client.get(f"/organiser/sessions/{started['id']}/report", headers=headers).get_data(as_text=True)
    assert "A kind question" in report and "unkind" not in report


def test_too_long_empty_and_too_many_questions_say_why(sockets) -> None:
    facilitator, phone = sockets("facilitator"), sockets("participant")
    open_qa(facilitator)
    assert ask(phone, "x" * 201) == {"ok": False, "error": "invalid_payload",
                                     "message": "a question can be at most 200 characters"}
    assert ask(phone, " \u200b ")["error"] == "invalid_payload"
    assert phone.emit("ask_question", {"text": 5}, callback=True)["error"] == "invalid_payload"
    assert [ask(phone, f"Question {n}")["ok"] for n in range(3)] == [True, True, True]
    limited = ask(phone, "One more")
    assert limited["error"] == "rate_limited" and "3 questions a minute" in limited["message"]
    assert limited["reason"] == "per_minute" and limited["per_minute"] == 3 and 1 <= limited["retry_after"] <= 60
    assert ask(sockets("participant"), "Another phone may ask")["ok"], "the limit is per phone"


def test_many_votes_make_few_updates_and_only_changes_are_sent(app, sockets) -> None:
    facilitator, presenter = sockets("facilitator"), sockets("presenter")
    open_qa(facilitator)
    phones = [sockets("participant") for _ in range(12)]
    ask(phones[0], "Shared question")
    wait_for(presenter, "questions_updated", lambda p: p["questions"])
    broadcaster = app.extensions["workshop_broadcaster"]
    broadcaster.stop(wait_seconds=1)  # tick by hand from here

    def tick() -> None:
        time.sleep(0.05)  # past the previous tick's send lock
        broadcaster.flush()

    for phone in phones:
        received(phone, "questions_updated")
    time.sleep(ROOM_INTERVAL_MS / 1000)  # the room's slot, taken by the first send, is free again
    for phone in phones:
        assert phone.emit("vote_question", {"question": "1", "vote": True}, callback=True)["ok"]
    tick()
    tick()
    updates = received(presenter, "questions_updated")
    assert len(updates) == 1 and updates[0]["questions"][0]["votes"] == 12
    assert len(received(phones[3], "questions_updated")) == 1
    # A phone toggling its vote every tick makes the room's screens no busier: one list per slot.
    for _ in range(6):
        for vote in (False, True):
            assert phones[5].emit("vote_question", {"question": "1", "vote": vote}, callback=True)["ok"]
        phones[5].emit("vote_question", {"question": "1", "vote": False}, callback=True)
        tick()
    assert received(presenter, "questions_updated") == [] and received(phones[3], "questions_updated") == []
    assert received(facilitator, "questions_updated"), "the facilitator's list follows every tick"
    time.sleep(ROOM_INTERVAL_MS / 1000)
    tick()
    assert [update["questions"][0]["votes"] for update in received(presenter, "questions_updated")] == [11]
    assert len(received(phones[3], "questions_updated")) == 1
    time.sleep(ROOM_INTERVAL_MS / 1000)
    # A pending question changes the facilitator's list only.
    facilitator.emit("set_qa", {"moderation": "approve"}, callback=True)
    received(facilitator, "questions_updated")
    tick()
    received(facilitator, "questions_updated")
    ask(phones[1], "Awaiting approval")
    tick()
    assert len(received(facilitator, "questions_updated")) == 1
    assert received(presenter, "questions_updated") == [] and received(phones[3], "questions_updated") == []


def test_a_qa_slide_opens_questions_and_leaving_it_keeps_them_open(app, sockets) -> None:
    from workshop.decks import parse_deck

    facilitator = sockets("facilitator")
    session_id = received(facilitator, "session_state")[0]["session"]["id"]
    live = app.extensions["workshop"]
    deck = live.deck_of(session_id)
    live._decks[session_id] = parse_deck(
        deck.source.replace("slides:\n", "slides:\n  - title: Your questions\n    qa: true\n", 1), deck.id, "d.yaml")
    phone = sockets("participant")
    assert facilitator.emit("go_to_slide", {"index": 0}, callback=True)["ok"]
    assert wait_for(phone, "questions_updated")["open"] is True
    assert facilitator.emit("go_to_slide", {"index": 1}, callback=True)["ok"]
    assert ask(phone, "Still open?")["ok"]


def test_the_end_of_a_session_drops_every_link_from_phones_to_questions(redis, sockets, started) -> None:
    facilitator = sockets("facilitator")
    phones = [sockets("participant") for _ in range(3)]
    open_qa(facilitator)
    ask(phones[0], "Kept as text")
    for phone in phones:
        phone.emit("vote_question", {"question": "1", "vote": True}, callback=True)
    hashes = set(redis.smembers(f"ws:{{{started['id']}}}:participants"))
    assert len(hashes) == 3
    assert facilitator.emit("end_session", {}, callback=True)["ok"]
    keys = list(redis.scan_iter(match=f"ws:{{{started['id']}}}:qa*"))
    assert keys, "the questions themselves stay for the retention time"
    for key in keys:
        kind = redis.type(key)
        dump = {"hash": redis.hgetall, "set": redis.smembers, "string": redis.get, "none": lambda _: None}[kind](key)
        assert not any(h in json.dumps(dump, default=list) for h in hashes), key
        if not key.endswith(":qa:flush") and ":qa:slot:" not in key:  # send locks live a tick or two seconds
            assert redis.ttl(key) > 0, f"{key} must expire with the retention time"
    assert redis.hget(f"ws:{{{started['id']}}}:qa:votes", "1") == "3"
    assert redis.hget(f"ws:{{{started['id']}}}:qa", "open") == "0"


def test_hidden_spam_frees_room_under_the_cap_but_asking_and_hiding_cannot_grow_without_end(
        sockets, monkeypatch) -> None:
    monkeypatch.setattr("workshop.live.MAX_QUESTIONS", 3)
    facilitator = sockets("facilitator")
    open_qa(facilitator)
    spammer, other = sockets("participant"), sockets("participant")
    ids = [ask(spammer, f"spam {n}")["question"] for n in range(3)]
    assert ask(other, "A real question")["error"] == "rate_limited", "three questions fill this session"
    for qid in ids:
        assert facilitator.emit("moderate_question", {"question": qid, "action": "hide"}, callback=True)["ok"]
    assert ask(other, "A real question")["ok"], "hidden spam no longer counts"
    # All ever asked stay within four times the cap: hiding cannot make room for ever.
    phones = [sockets("participant") for _ in range(4)]
    asked = 4
    for phone in phones:
        for n in range(3):
            reply = ask(phone, f"more {n}")
            if not reply["ok"]:
                break
            asked += 1
            facilitator.emit("moderate_question", {"question": reply["question"], "action": "hide"}, callback=True)
    assert asked == 12 and ask(sockets("participant"), "one more")["error"] == "rate_limited"


def test_a_question_is_limited_in_bytes_too() -> None:
    from workshop.questions import MAX_BYTES, QuestionError, clean_question

    assert clean_question("a" * 200) == "a" * 200
    chain = "\u200d".join(["\U0001F469"] * 60)  # 119 code points, 476 bytes: few characters, much data
    assert len(chain) < 200 < len(chain.encode())
    try:
        clean_question(chain)
    except QuestionError as error:
        assert "at most" in str(error)
    else:
        raise AssertionError(f"{len(chain.encode())} bytes over {MAX_BYTES} were accepted")
