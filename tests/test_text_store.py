"""Text answers in a real Redis: counted by key, shown in their most common original spelling."""

from __future__ import annotations

import json
import time

import redis as redis_lib

from workshop.polls import TextPoll
from workshop.store import Store

POLL = TextPoll(id="words", question="One word?")
ARABIC = "\u0645\u0631\u062d\u0628\u0627"  # "hello"
RUNNER = "\U0001F3C3\u200d\u2640\ufe0f"  # woman running: runner, ZWJ, female sign, VS16


def shown(store: Store, sid: str) -> list[object]:
    """What the screens get after a release of every stored answer."""
    store.release(sid, POLL.id, 1)
    tally = store.tally(sid, POLL.id)
    return [POLL.results(tally.shown, tally.total)["answers"], tally.total]


def test_the_most_common_original_spelling_is_shown_and_follows_changed_answers(redis_url: str) -> None:
    client = redis_lib.Redis.from_url(redis_url, decode_responses=True)
    store = Store(client)
    sid = "textstore1"
    assert store.create_session({"id": sid, "code": "TXT111", "status": "live",
                                 "auto_end_at": str(int(time.time()) + 3600)}, {POLL.id: True})
    store.set_poll_fields(sid, POLL.id, status="open")

    def answer(phone: str, text: str) -> None:
        submitted = POLL.answer(text)
        store.submit_answer(sid, POLL.id, phone, submitted.stored, submitted.members)

    for phone, text in (("a", "STRASSE"), ("b", "Stra\u00dfe"), ("c", "stra\u00dfe "), ("d", "Stra\u00dfe"),
                        ("e", ARABIC), ("f", RUNNER)):
        answer(phone, text)
    assert shown(store, sid) == [[{"text": "Stra\u00dfe", "count": 4}, {"text": ARABIC, "count": 1},
                                  {"text": RUNNER, "count": 1}], 6]
    # Two phones change their spelling: the counts move with them, and so does the shown spelling.
    answer("b", "STRASSE")
    answer("d", "STRASSE!")
    assert shown(store, sid)[0] == [{"text": "STRASSE", "count": 4}, {"text": ARABIC, "count": 1},
                                    {"text": RUNNER, "count": 1}]
    counts = client.hgetall(f"ws:{{{sid}}}:poll:{POLL.id}:counts")
    assert counts == {"strasse\x1fSTRASSE": "2", "strasse\x1fSTRASSE!": "1", "strasse\x1fstra\u00dfe": "1",
                      ARABIC: "1", f"\U0001F3C3\u2640\x1f{RUNNER}": "1"}
    # Hiding the shown spelling hides every spelling of it.
    store.set_hidden(sid, POLL.id, POLL.moderation_key("Stra\u00dfe"), True)
    assert shown(store, sid)[0] == [{"text": ARABIC, "count": 1}, {"text": RUNNER, "count": 1}]
    assert client.hget(f"ws:{{{sid}}}:poll:{POLL.id}:answers", "f") == json.dumps([json.dumps(RUNNER), [
        f"\U0001F3C3\u2640\x1f{RUNNER}"]]), "the phone's own answer as it wrote it, so it can change it"
    # Nothing new links a text to a phone: the per-phone record is still only the answers hash.
    assert sorted(client.scan_iter(f"ws:{{{sid}}}:*")) == sorted(
        f"ws:{{{sid}}}:{suffix}" for suffix in ("session", f"poll:{POLL.id}", f"poll:{POLL.id}:counts",
                                                f"poll:{POLL.id}:answers",
                                                f"poll:{POLL.id}:released", f"poll:{POLL.id}:hidden"))
    store.delete_session(sid)
