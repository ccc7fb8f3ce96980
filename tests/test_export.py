"""Organisers' exports: anonymised, thresholded, injection-safe, and nothing per person left after the end."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest

from tests.conftest import ORGANISER_TOKEN, app_config, key_of, received
from workshop import create_app
from workshop.decks import parse_deck
from workshop.export import poll_results, report_sections, results_document, safe_cell, to_csv
from workshop.polls import PollTally, TextPoll
from workshop.store import participant_hash

ORGANISER = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
TEXT = TextPoll(id="t", question="One word?", max_length=40)
RUNNER = "\U0001F3C3\u200d\u2640\ufe0f"  # woman running: runner, ZWJ, female sign, VS16


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\0x", "\rx"])
def test_formula_like_cells_are_prefixed(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("plain") == "plain" and safe_cell(3) == 3


def test_polls_under_the_threshold_are_suppressed_with_no_counts() -> None:
    result = poll_results(TEXT, PollTally({"trust": 2}, 2, frozenset()), min_responses=3)
    assert result["suppressed"] is True and "answers" not in result and "counts" not in result
    assert result["total"] == 2


def test_moderated_texts_are_left_out_and_formulas_neutralised_in_csv() -> None:
    source = "title: T\nslides:\n  - title: A\n    poll: {id: t, type: text, question: '=Q', max_length: 40}\n"
    deck = parse_deck(source, "d", "d.yaml")
    tally = PollTally({"trust": 3, "=hyperlink(x)": 1, "rude": 2}, 6, frozenset({"rude"}))
    document = results_document({"id": "s1", "deck": "d", "title": "T", "created": "2026-11-25", "ended": None,
                                 "participants": 6}, deck, {"t": tally}, min_responses=3)
    assert document["polls"][0]["answers"] == [{"text": "=hyperlink(x)", "count": 1}, {"text": "trust", "count": 3}]
    text = to_csv(document)
    assert text.startswith("\ufeff"), "a byte-order mark, so spreadsheets read UTF-8"
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["poll", "question", "type", "option", "count", "percent"]
    assert rows[1:] == [["t", "'=Q", "text", "'=hyperlink(x)", "1", "17"], ["t", "'=Q", "text", "trust", "3", "50"]]


@pytest.fixture
def strict_app(redis_url, tmp_path):
    """An app with the contract's default threshold of three answers. No background ticks: releases then
    happen only when an export asks, so which answers a batch holds does not depend on timing."""
    app = create_app(app_config(redis_url, tmp_path, MIN_RESPONSES=3))
    app.extensions["workshop_broadcaster"].stop(wait_seconds=5)
    yield app


def drive_session(app) -> dict:
    """A session driven through the Socket.IO handlers: four phones on choice, scale and text polls."""
    http = app.test_client()
    started = http.post("/api/sessions", json={"deck": "interdependence"},
                        headers={"Authorization": "Bearer facilitator-token-for-tests"}).get_json()
    socketio = app.extensions["workshop_socketio"]
    facilitator = socketio.test_client(app, auth={"session": started["id"], "key": key_of(started["facilitator_url"])})
    slides = received(facilitator, "session_state")[0]["slides"]
    polls = {slide["poll"]["type"]: slide["poll"]["id"] for slide in slides if slide["poll"]}
    for poll_id in polls.values():
        assert facilitator.emit("open_poll", {"poll": poll_id}, callback=True)["ok"]
    phones = [socketio.test_client(app, auth={"code": started["code"]}) for _ in range(4)]
    tokens = [received(phone, "session_state")[0]["participant"] for phone in phones]
    answers = {"single": [0, 0, 1, 1], "scale": [1, 5, 5, 4], "text": ["Friends", "friends!", RUNNER, "rude word"]}
    for kind, values in answers.items():
        for phone, value in zip(phones, values, strict=True):
            assert phone.emit("submit_answer", {"poll": polls[kind], "value": value}, callback=True)["ok"]
    # Only two answer the multiple-choice poll: under the threshold of three.
    for phone in phones[:2]:
        assert phone.emit("submit_answer", {"poll": polls["multiple"], "value": [0, 1]}, callback=True)["ok"]
    assert facilitator.emit("hide_answer", {"poll": polls["text"], "text": "rude word", "hidden": True},
                            callback=True)["ok"]
    return {"started": started, "facilitator": facilitator, "phones": phones, "tokens": tokens, "polls": polls}


def test_exports_field_by_field_and_no_trace_of_any_participant(strict_app) -> None:
    run = drive_session(strict_app)
    http = strict_app.test_client()
    sid = run["started"]["id"]
    document = http.get(f"/api/sessions/{sid}/results.json", headers=ORGANISER).get_json()
    assert document["session"]["id"] == sid and document["session"]["participants"] == 4
    assert document["session"]["ended"] is None and len(document["session"]["created"]) == 10
    by_type = {poll["type"]: poll for poll in document["polls"] if poll["id"] in run["polls"].values()}
    single = by_type["single"]
    assert single["total"] == 4 and single["counts"][:2] == [2, 2] and sum(single["counts"]) == 4
    assert by_type["scale"]["counts"] == [1, 0, 0, 1, 2] and by_type["scale"]["mean"] == 3.75
    # Each text in a spelling someone wrote (a tie: the first in code point order), emoji sequences whole.
    assert by_type["text"]["answers"] == [{"text": "Friends", "count": 2},
                                          {"text": RUNNER, "count": 1}]
    assert by_type["multiple"] == {**{k: by_type["multiple"][k] for k in ("id", "question", "type", "options")},
                                   "total": 0, "suppressed": True}, "answers under the threshold are never released"
    csv_response = http.get(f"/api/sessions/{sid}/results.csv", headers=ORGANISER)
    assert csv_response.mimetype == "text/csv" and "attachment" in csv_response.headers["Content-Disposition"]
    text = csv_response.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"poll": run["polls"]["text"], "option": "Friends", "count": "2", "percent": "50"}.items() <= next(
        row for row in rows if row["option"] == "Friends").items()
    assert any(row["option"] == RUNNER and row["count"] == "1" for row in rows)
    assert not any(row["option"] == "rude word" for row in rows)
    assert [row["option"] for row in rows if row["poll"] == run["polls"]["multiple"]] == [
        "suppressed: too few answers to show"]

    run["facilitator"].emit("end_session", {}, callback=True)
    ended = http.get(f"/api/sessions/{sid}/results.json", headers=ORGANISER).get_json()
    assert ended["polls"] == document["polls"] and ended["session"]["participants"] == 4
    assert ended["session"]["ended"] == document["session"]["created"]
    exports = [json.dumps(document), json.dumps(ended), text,
               http.get(f"/api/sessions/{sid}/results.csv", headers=ORGANISER).data.decode("utf-8-sig"),
               http.get("/api/sessions", headers=ORGANISER).get_data(as_text=True),
               http.get(f"/organiser/sessions/{sid}/report", headers=ORGANISER).get_data(as_text=True)]
    for token in run["tokens"]:
        for export in exports:
            assert token not in export
            assert token[:12] not in export


def test_ending_deletes_the_mapping_and_sets_retention(strict_app, redis) -> None:
    run = drive_session(strict_app)
    sid = run["started"]["id"]
    def per_person(key: str) -> bool:
        return key.endswith((":answers", ":participants", ":instances")) or ":online:" in key

    assert [key for key in redis.scan_iter(f"ws:{{{sid}}}:*") if per_person(key)], \
        "while live, the mapping exists so phones can change answers"
    assert run["facilitator"].emit("end_session", {}, callback=True)["ok"]
    # Flush locks (10 ms) and join-limit windows (20 s at most, keyed by a hash of the address) are short-lived.
    short = [key for key in redis.scan_iter(f"ws:{{{sid}}}:*") if ":flush:" in key or ":joins:" in key]
    assert all(redis.pttl(key) in (-2, *range(1, 20_001)) for key in short), "gone, or going within 20 s"
    keys = [key for key in redis.scan_iter(f"ws:{{{sid}}}:*") if key not in short]
    assert keys and not [key for key in keys if per_person(key)]
    hashes = {participant_hash(token) for token in run["tokens"]}
    for key in keys:
        dumped = json.dumps(redis.hgetall(key) if redis.type(key) == "hash" else list(redis.smembers(key)))
        assert not any(value in dumped for value in hashes | set(run["tokens"]))
        assert 29 * 86400 < redis.ttl(key) <= 30 * 86400, key
    assert run["phones"][0].emit("submit_answer", {"poll": run["polls"]["single"], "value": 0},
                                 callback=True)["error"] in ("poll_closed", "forbidden")
    listing = strict_app.test_client().get("/api/sessions", headers=ORGANISER).get_json()
    mine = next(item for item in listing if item["id"] == sid)
    assert mine["status"] == "ended" and mine["participants"] == 4 and mine["delete_after"]


def test_organiser_routes_need_the_organiser_token(strict_app) -> None:
    http = strict_app.test_client()
    assert http.get("/api/sessions").status_code == 401
    assert http.get("/api/sessions", headers={"Authorization": "Bearer facilitator-token-for-tests"}).status_code == 403
    assert http.get("/api/sessions/x/results.csv").status_code == 401
    assert http.get("/api/sessions/nosuch/results.json", headers=ORGANISER).status_code == 404
    assert http.get("/organiser").status_code == 401
    assert http.get(f"/organiser?token={ORGANISER_TOKEN}", follow_redirects=True).status_code == 200


def test_a_session_nobody_ends_ends_itself_after_a_day(strict_app, redis) -> None:
    forgotten = drive_session(strict_app)
    fresh = drive_session(strict_app)
    sid = forgotten["started"]["id"]
    redis.zadd("ws:sessions", {sid: time.time() - 25 * 3600})
    redis.zadd("ws:sessions", {fresh["started"]["id"]: time.time() - 23 * 3600})  # not quite a day
    live = strict_app.extensions["workshop"]
    assert live.end_forgotten_sessions(time.time()) == [sid]
    assert redis.hget(f"ws:{{{sid}}}:session", "status") == "ended"
    assert redis.hget(f"ws:{{{sid}}}:session", "participants") == "4"
    assert not [key for key in redis.scan_iter(f"ws:{{{sid}}}:*") if key.endswith(":answers")]
    assert redis.hget(f"ws:{{{fresh['started']['id']}}}:session", "status") == "live"
    assert live.end_forgotten_sessions(time.time()) == [], "ending happens once"


def test_a_report_of_an_unknown_session_is_a_page_not_json(strict_app) -> None:
    response = strict_app.test_client().get("/organiser/sessions/nosuch/report", headers=ORGANISER)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"There is no such session." in response.data


def test_one_number_everywhere_the_screens_the_report_and_the_csv() -> None:
    source = "title: T\nslides:\n  - title: A\n    poll: {id: s, type: single, question: Q, options: [a, b]}\n"
    deck = parse_deck(source, "d", "d.yaml")
    document = results_document({"id": "s1", "deck": "d", "title": "T", "created": "2026-11-25", "ended": None,
                                 "participants": 8}, deck, {"s": PollTally({"0": 1, "1": 7}, 8)}, min_responses=3)
    rows = report_sections(document)[0]["view"]["rows"]
    # 1 of 8 is 13 %, and one choice each adds up to 100: 87 %, not 88 %.
    assert [(row["label"], row["count"], row["percent"]) for row in rows] == [("a", 1, 13), ("b", 7, 87)]
    assert document["polls"][0]["percents"] == [13, 87], "what the projector and the phones show"
    csv_rows = list(csv.reader(io.StringIO(to_csv(document)[1:])))[1:]
    assert [(row[3], row[4], row[5]) for row in csv_rows] == [("a", "1", "13"), ("b", "7", "87")]
    assert rows[1]["share"] == 1.0 and rows[0]["share"] == round(1 / 7, 3)


def test_a_ranking_poll_runs_end_to_end_from_a_deck(redis_url, tmp_path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "ranked.yaml").write_text("title: Ranked\nslides:\n  - title: Order them\n    poll:\n"
                                       "      id: order\n      type: ranking\n      question: What matters most?\n"
                                       "      options: [Time alone, Shared plans, Honest talk]\n")
    app = create_app(app_config(redis_url, tmp_path, DECKS_DIR=decks))
    app.extensions["workshop_broadcaster"].stop(wait_seconds=5)
    http = app.test_client()
    started = http.post("/api/sessions", json={"deck": "ranked"},
                        headers={"Authorization": "Bearer facilitator-token-for-tests"}).get_json()
    socketio = app.extensions["workshop_socketio"]
    facilitator = socketio.test_client(app, auth={"session": started["id"], "key": key_of(started["facilitator_url"])})
    assert facilitator.emit("open_poll", {"poll": "order"}, callback=True)["poll"]["options"][2] == "Honest talk"
    for order in ([2, 0, 1], [2, 1, 0]):
        phone = socketio.test_client(app, auth={"code": started["code"]})
        assert phone.emit("submit_answer", {"poll": "order", "value": order}, callback=True)["ok"]
    assert phone.emit("submit_answer", {"poll": "order", "value": [2, 2, 1]}, callback=True)["error"] == \
        "invalid_payload"
    document = http.get(f"/api/sessions/{started['id']}/results.json", headers=ORGANISER).get_json()
    assert document["polls"][0]["mean_rank"] == [2.5, 2.5, 1.0] and document["polls"][0]["total"] == 2
    rows = list(csv.reader(io.StringIO(http.get(f"/api/sessions/{started['id']}/results.csv",
                                                headers=ORGANISER).data.decode("utf-8-sig"))))
    assert rows[1][3] == "Honest talk (mean rank 1.0)"
    report = http.get(f"/organiser/sessions/{started['id']}/report", headers=ORGANISER).data.decode()
    assert "mean rank 1.0" in report and "ranking" in report
