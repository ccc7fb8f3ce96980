"""Reactions: only participants, only from the set, only while on, rate-limited, coalesced, counted per slide."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ORGANISER_TOKEN, received, wait_for
from workshop.decks import DeckError, parse_deck
from workshop.reactions import DEFAULT_REACTIONS, RATE_LIMIT, ReactionLimiter, is_emoji, set_problems
from workshop.store import participant_hash

THUMBS, HEART = DEFAULT_REACTIONS[0], DEFAULT_REACTIONS[1]
ORGANISER = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}


# The pure parts --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["👍", "❤️", "❤", "😮", "🙏🏽", "👩‍❤️‍👨", "🏳️‍🌈", "🇩🇪", "1️⃣", "#⃣",
                                  "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"])
def test_single_emoji_graphemes_are_emoji(text: str) -> None:
    assert is_emoji(text)


@pytest.mark.parametrize("text", ["", "a", "👍👍", "👍 ", ":)", "1", "🇩", "‍👍", "👍‍", "x" * 40, 7, None,
                                  "\U000e0067"])
def test_anything_else_is_not(text: object) -> None:
    assert not is_emoji(text)


def test_a_set_has_one_to_eight_distinct_emoji() -> None:
    assert set_problems(list(DEFAULT_REACTIONS)) == []
    assert set_problems([]) == [(-1, "'reactions' must list 1 to 8 emoji")]
    assert [index for index, _ in set_problems(["👍", "ok", "👍"])] == [1, 2]
    assert set_problems(["👍"] * 9)[0][0] == -1


def test_the_limiter_allows_a_burst_then_slides() -> None:
    limiter = ReactionLimiter(limit=5, window=2.0)
    assert [limiter.allow("a", now=10.0 + i * 0.01) for i in range(6)] == [True] * 5 + [False]
    assert limiter.allow("b", now=10.1), "each phone has its own budget"
    assert limiter.allow("a", now=12.01), "the first tap left the window"
    limiter.allow("c", now=30.0)
    assert len(limiter) == 1, "idle phones are forgotten"


DECK = """title: T
reactions: {reactions}
slides:
  - title: One
"""


def test_a_deck_sets_its_reactions_with_line_numbers() -> None:
    deck = parse_deck(DECK.format(reactions="[👍, 🎉]"), "d", "d.yaml")
    assert deck.reactions == ("👍", "🎉") and deck.reactions_on
    off = parse_deck(DECK.format(reactions="false"), "d", "d.yaml")
    assert off.reactions == DEFAULT_REACTIONS and not off.reactions_on
    absent = parse_deck("title: T\nslides:\n  - title: One\n", "d", "d.yaml")
    assert absent.reactions == DEFAULT_REACTIONS and absent.reactions_on
    with pytest.raises(DeckError) as error:
        parse_deck("title: T\nreactions:\n  - 👍\n  - yes please\n  - 👍\nslides:\n  - title: One\n", "d", "d.yaml")
    assert error.value.problems == ["d.yaml:4: reaction 'yes please' must be a single emoji",
                                    "d.yaml:5: reaction 👍 is listed twice"]
    with pytest.raises(DeckError) as error:
        parse_deck(DECK.format(reactions="[]"), "d", "d.yaml")
    assert error.value.problems == ["d.yaml:2: 'reactions' must list 1 to 8 emoji"]
    with pytest.raises(DeckError) as error:
        parse_deck(DECK.format(reactions="lots"), "d", "d.yaml")
    assert error.value.problems == ["d.yaml:2: 'reactions' must be a list of emoji, or true or false"]


# Over Socket.IO --------------------------------------------------------------------------------------------

def test_everyone_is_told_the_set_and_only_participants_react(sockets) -> None:
    facilitator, presenter, phone = sockets("facilitator"), sockets("presenter"), sockets("participant")
    for client in (facilitator, presenter, phone):
        assert received(client, "session_state")[0]["reactions"] == {"enabled": True, "set": list(DEFAULT_REACTIONS)}
    for client in (facilitator, presenter):
        assert client.emit("react", {"emoji": THUMBS}, callback=True)["error"] == "forbidden"
    assert phone.emit("react", {"emoji": THUMBS}, callback=True) == {"ok": True, "emoji": THUMBS}
    for bad in ({"emoji": "🎉"}, {"emoji": 1}, {}, {"emoji": THUMBS + THUMBS}):
        assert phone.emit("react", bad, callback=True)["error"] == "invalid_payload"
    assert phone.emit("react", "👍", callback=True)["error"] == "invalid_payload"
    assert wait_for(presenter, "reactions") == {"counts": {THUMBS: 1}}
    staff = wait_for(facilitator, "reactions")
    assert staff["counts"] == {THUMBS: 1} and staff["slide_counts"][THUMBS] == 1
    assert not received(phone, "reactions"), "phones never hear others' reactions"


def test_the_facilitator_switches_reactions_off_and_on(sockets) -> None:
    facilitator, phone, presenter = sockets("facilitator"), sockets("participant"), sockets("presenter")
    received(phone, "session_state")
    assert phone.emit("set_reactions", {"enabled": False}, callback=True)["error"] == "forbidden"
    assert presenter.emit("set_reactions", {"enabled": False}, callback=True)["error"] == "forbidden"
    assert facilitator.emit("set_reactions", {"enabled": "no"}, callback=True)["error"] == "invalid_payload"
    off = {"enabled": False, "set": list(DEFAULT_REACTIONS)}
    assert facilitator.emit("set_reactions", {"enabled": False}, callback=True) == {"ok": True, "reactions": off}
    assert wait_for(phone, "reactions_changed") == off
    assert phone.emit("react", {"emoji": HEART}, callback=True) == {
        "ok": False, "error": "forbidden", "message": "reactions are switched off"}
    phone.disconnect()
    again = sockets("participant")
    assert received(again, "session_state")[0]["reactions"] == off
    facilitator.emit("set_reactions", {"enabled": True}, callback=True)
    assert wait_for(again, "reactions_changed")["enabled"] is True
    assert again.emit("react", {"emoji": HEART}, callback=True)["ok"] is True


def test_a_phone_is_rate_limited(sockets) -> None:
    phone = sockets("participant")
    acks = [phone.emit("react", {"emoji": THUMBS}, callback=True) for _ in range(RATE_LIMIT + 2)]
    assert [ack["ok"] for ack in acks] == [True] * RATE_LIMIT + [False, False]
    assert acks[-1]["error"] == "rate_limited"
    other = sockets("participant")
    assert other.emit("react", {"emoji": THUMBS}, callback=True)["ok"], "another phone has its own budget"


def test_two_hundred_taps_reach_the_screen_in_a_handful_of_frames(app, sockets, redis, started) -> None:
    presenter = sockets("presenter")
    phones = [sockets("participant") for _ in range(40)]
    tokens = [received(phone, "session_state")[0]["participant"] for phone in phones]
    received(presenter, "reactions")
    began = time.monotonic()
    for round_ in range(RATE_LIMIT):
        for number, phone in enumerate(phones):
            emoji = DEFAULT_REACTIONS[(number + round_) % len(DEFAULT_REACTIONS)]
            assert phone.emit("react", {"emoji": emoji}, callback=True)["ok"]
    elapsed_ms = (time.monotonic() - began) * 1000
    frames: list[dict] = []
    deadline = time.monotonic() + 3
    while sum(sum(frame["counts"].values()) for frame in frames) < 200 and time.monotonic() < deadline:
        frames += received(presenter, "reactions")
        time.sleep(0.02)
    assert sum(sum(frame["counts"].values()) for frame in frames) == 200
    assert {emoji: sum(frame["counts"].get(emoji, 0) for frame in frames) for emoji in DEFAULT_REACTIONS} == \
        dict.fromkeys(DEFAULT_REACTIONS, 40)
    assert len(frames) <= elapsed_ms / 30 + 3, f"{len(frames)} frames in {elapsed_ms:.0f} ms"
    assert len(frames) < 50
    # Nothing per phone: counts by slide and emoji, and nothing else was written for the reactions.
    keys = set(redis.scan_iter(f"ws:{{{started['id']}}}:reaction*"))
    assert keys <= {f"ws:{{{started['id']}}}:reactions", f"ws:{{{started['id']}}}:reactions:pending"}
    stored = redis.hgetall(f"ws:{{{started['id']}}}:reactions")
    assert stored == {f"0:{emoji}": "40" for emoji in DEFAULT_REACTIONS}
    hashes = {participant_hash(token) for token in tokens} | set(tokens)
    assert not hashes & {part for key in keys for field in redis.hkeys(key) for part in field.split(":")}


def test_counts_per_slide_reach_results_json_and_the_report(client, sockets, redis, started) -> None:
    facilitator = sockets("facilitator")
    state = received(facilitator, "session_state")[0]
    first, second = state["slides"][0]["title"], state["slides"][2]["title"]
    phone = sockets("participant")
    for emoji in (THUMBS, THUMBS, HEART):
        assert phone.emit("react", {"emoji": emoji}, callback=True)["ok"]
    facilitator.emit("go_to_slide", {"index": 2}, callback=True)
    staff = wait_for(facilitator, "reactions", lambda payload: payload.get("slide") == 2)
    assert staff["slide_counts"] == dict.fromkeys(DEFAULT_REACTIONS, 0), "the console's tally starts afresh"
    other = sockets("participant")
    assert other.emit("react", {"emoji": HEART}, callback=True)["ok"]
    assert facilitator.emit("end_session", {}, callback=True)["ok"]
    document = client.get(f"/api/sessions/{started['id']}/results.json", headers=ORGANISER).get_json()
    assert document["reactions"] == {THUMBS: 2, HEART: 2}
    assert document["reactions_by_slide"] == [
        {"slide": 0, "title": first, "counts": {THUMBS: 2, HEART: 1}},
        {"slide": 2, "title": second, "counts": {HEART: 1}}]
    # Kept as an aggregate for the retention time; nothing unsent stays behind.
    key = f"ws:{{{started['id']}}}:reactions"
    assert 0 < redis.ttl(key) <= 30 * 86400
    assert not redis.exists(f"ws:{{{started['id']}}}:reactions:pending")
    page = client.get(f"/organiser/sessions/{started['id']}/report?token={ORGANISER_TOKEN}",
                      follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="report-reactions"' in page
    assert page.count('data-testid="report-reaction-row"') == 2
    assert first in page and THUMBS in page


def test_a_session_without_reactions_reports_none(client, started) -> None:
    document = client.get(f"/api/sessions/{started['id']}/results.json", headers=ORGANISER).get_json()
    assert document["reactions"] == {} and document["reactions_by_slide"] == []
    page = client.get(f"/organiser/sessions/{started['id']}/report?token={ORGANISER_TOKEN}",
                      follow_redirects=True).get_data(as_text=True)
    assert "report-reactions" not in page


def test_a_deck_with_reactions_off_starts_with_them_off(app) -> None:
    live = app.extensions["workshop"]
    deck = parse_deck(DECK.format(reactions="false"), "calm", "calm.yaml")
    session = live.start_session(deck)
    assert live.store.session(session.id)["reactions"] == "0"
