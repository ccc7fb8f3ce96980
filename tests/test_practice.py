"""Practice sessions (rehearse) and the deck version each session keeps: the API, who may do what, what organisers
never see, and that a practice's end leaves nothing of it in Redis."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN, app_config, key_of, received, wait_for
from workshop import create_app
from workshop.commands import cli
from workshop.deck_files import DeckFiles
from workshop.live import PRACTICE_HOURS, PRACTICE_IDLE_MINUTES
from workshop.store import RoomClosed

ROOT = Path(__file__).resolve().parent.parent
FACILITATOR = {"Authorization": f"Bearer {FACILITATOR_TOKEN}"}
ORGANISER = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
BUNDLED_VERSION = hashlib.sha256((ROOT / "decks" / "interdependence.yaml").read_bytes()).hexdigest()[:8]
POLL = "warmup_word"


def start(client: Any, **extra: Any) -> dict[str, Any]:
    """Start a session on the bundled deck (extra fields in the body); the answer with the keys added."""
    response = client.post("/api/sessions", json={"deck": "interdependence", **extra}, headers=FACILITATOR)
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    body["facilitator_key"] = key_of(body["facilitator_url"])
    body["presenter_key"] = key_of(body["presenter_url"])
    return body


def keys_of(redis: Any, session_id: str) -> list[str]:
    """Every Redis key of one session (they share its hash tag)."""
    return sorted(redis.scan_iter(match=f"ws:{{{session_id}}}:*", count=1000))


@pytest.fixture
def strict_app(redis_url: str, tmp_path: Path):
    """The app with k = 3, as a real deployment has it."""
    app = create_app(app_config(redis_url, tmp_path, MIN_RESPONSES=3))
    yield app
    app.extensions["workshop_broadcaster"].stop()


# Starting ---------------------------------------------------------------------------------------------------

def test_a_practice_session_answers_with_its_rehearse_url_and_the_deck_version(client, redis) -> None:
    practice = start(client, practice=True)
    assert practice["practice"] is True
    assert practice["rehearse_url"] == (f"http://workshop.test/s/{practice['id']}/rehearse"
                                        f"?key={practice['facilitator_key']}")
    for field in ("id", "code", "join_url", "presenter_url", "facilitator_url", "qr_url"):
        assert practice[field], field
    assert practice["deck_version"] == BUNDLED_VERSION
    stored = redis.hgetall(f"ws:{{{practice['id']}}}:session")
    assert stored["practice"] == "1" and stored["deck_version"] == BUNDLED_VERSION
    assert stored["deck"] == "interdependence" and stored["title"]
    # Within the practice limit, not the day a real session may run.
    assert int(stored["auto_end_at"]) <= time.time() + PRACTICE_HOURS * 3600 + 5

    real = start(client)
    assert real["practice"] is False and "rehearse_url" not in real
    assert real["deck_version"] == BUNDLED_VERSION
    assert "practice" not in redis.hgetall(f"ws:{{{real['id']}}}:session")


@pytest.mark.parametrize("value", ["yes", 1, None, [True]])
def test_practice_must_be_true_or_false(client, value) -> None:
    response = client.post("/api/sessions", json={"deck": "interdependence", "practice": value}, headers=FACILITATOR)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_payload"


def test_only_the_facilitator_starts_a_practice(client) -> None:
    body = {"deck": "interdependence", "practice": True}
    assert client.post("/api/sessions", json=body).status_code == 401
    assert client.post("/api/sessions", json=body, headers=ORGANISER).status_code == 403
    assert client.post("/api/sessions", json={**body, "deck": "../decks/interdependence"},
                       headers=FACILITATOR).status_code == 404


def test_the_version_is_the_files_own_even_with_windows_line_ends_and_follows_edits(tmp_path) -> None:
    text = "title: T\nslides:\n  - title: One\n"
    (tmp_path / "crlf.yaml").write_bytes(text.replace("\n", "\r\n").encode())
    files = DeckFiles(tmp_path)
    assert files.version_of("crlf", text) == hashlib.sha256(text.replace("\n", "\r\n").encode()).hexdigest()[:8]
    # The file changed after the deck was loaded: the session's own text is what it ran, so that is hashed.
    assert files.version_of("crlf", text + "# edited\n") == hashlib.sha256(
        (text + "# edited\n").encode()).hexdigest()[:8]
    # An id the deck API does not read (upper case) still gets a version, never a path outside.
    assert files.version_of("../Other", text) == hashlib.sha256(text.encode()).hexdigest()[:8]


# Organisers never see one -------------------------------------------------------------------------------------

def test_practice_sessions_are_left_out_of_the_organisers_list_and_exports(client) -> None:
    practice, real = start(client, practice=True), start(client)
    listing = client.get("/api/sessions", headers=ORGANISER).get_json()
    ids = [item["id"] for item in listing]
    assert real["id"] in ids and practice["id"] not in ids
    mine = next(item for item in listing if item["id"] == real["id"])
    assert mine["deck"] == "interdependence" and mine["deck_version"] == BUNDLED_VERSION
    assert "practice" not in mine

    page = client.get(f"/organiser?token={ORGANISER_TOKEN}", follow_redirects=True).get_data(as_text=True)
    assert real["id"] in page and practice["id"] not in page
    assert f"interdependence · version {BUNDLED_VERSION}" in page

    sid = practice["id"]
    for path in (f"/api/sessions/{sid}/results.json", f"/api/sessions/{sid}/results.csv",
                 f"/organiser/sessions/{sid}/report"):
        assert client.get(path, headers=ORGANISER).status_code == 404, path
    assert client.post(f"/api/sessions/{sid}/end", headers=ORGANISER).status_code == 404
    assert client.delete(f"/api/sessions/{sid}", headers=ORGANISER).status_code == 404
    assert client.get(f"/api/sessions/{real['id']}/results.json", headers=ORGANISER).status_code == 200


def test_workshop_export_finds_no_practice_session(client, redis_url, tmp_path) -> None:
    practice, real = start(client, practice=True), start(client)
    env = {"WORKSHOP_REDIS_URL": redis_url, "WORKSHOP_DATA_DIR": str(tmp_path)}
    refused = CliRunner().invoke(cli, ["export", practice["id"], "--format", "json"], env=env)
    assert refused.exit_code == 1 and "no such session" in refused.output
    exported = CliRunner().invoke(cli, ["export", real["id"], "--format", "json"], env=env)
    assert exported.exit_code == 0 and f'"deck_version": "{BUNDLED_VERSION}"' in exported.output


def test_results_and_the_report_name_the_deck_version(client) -> None:
    real = start(client)
    document = client.get(f"/api/sessions/{real['id']}/results.json", headers=ORGANISER).get_json()
    assert document["session"]["deck"] == "interdependence"
    assert document["session"]["deck_version"] == BUNDLED_VERSION
    report = client.get(f"/organiser/sessions/{real['id']}/report", headers=ORGANISER).get_data(as_text=True)
    assert f"version {BUNDLED_VERSION}" in report


def test_the_facilitators_home_marks_a_running_practice_and_in_use_leaves_it_out(client) -> None:
    practice, real = start(client, practice=True), start(client)
    home = client.get(f"/?token={FACILITATOR_TOKEN}", follow_redirects=True).get_data(as_text=True)
    assert f'data-session="{practice["id"]}" data-practice="true"' in home
    assert f'href="/s/{practice["id"]}/rehearse"' in home
    assert f'data-session="{real["id"]}">' in home  # listed, not marked
    decks = client.get("/api/decks", headers=FACILITATOR).get_json()
    in_use = next(deck["in_use"] for deck in decks if deck["id"] == "interdependence")
    live = client.application.extensions["workshop"].store.live_decks()
    assert in_use == live["interdependence"] >= 1
    # Ending the real one takes the count down by one; the practice one never counted.
    client.post(f"/api/sessions/{real['id']}/end", headers=ORGANISER)
    after = client.get("/api/decks", headers=FACILITATOR).get_json()
    assert next(deck["in_use"] for deck in after if deck["id"] == "interdependence") == in_use - 1


# The rehearse page ------------------------------------------------------------------------------------------

def test_the_rehearse_page_needs_the_facilitator_key_of_a_practice_session(app) -> None:
    http = app.test_client()
    practice, real = start(http, practice=True), start(http)
    sid = practice["id"]
    assert http.get(f"/s/{sid}/rehearse").status_code == 403
    assert http.get(f"/s/{sid}/rehearse?key={practice['presenter_key']}",
                    follow_redirects=True).status_code == 403
    assert http.get(f"/s/{sid}/rehearse?key={real['facilitator_key']}", follow_redirects=True).status_code == 403
    assert http.get("/s/nosuchsession/rehearse").status_code == 404

    first = http.get(f"/s/{sid}/rehearse?key={practice['facilitator_key']}")
    assert first.status_code == 302 and "key=" not in first.headers["Location"]
    page = http.get(f"/s/{sid}/rehearse")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert f'src="/s/{sid}/console?embed=1"' in html and f'src="/s/{sid}/present"' in html
    assert f'src="/j/{practice["code"]}"' in html and 'data-testid="practice-badge"' in html
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]

    # Its real session's console is no practice: 404 with the right key, and never framed.
    other = app.test_client()
    other.get(f"/s/{real['id']}/console?key={real['facilitator_key']}")
    assert other.get(f"/s/{real['id']}/rehearse").status_code == 404
    console = other.get(f"/s/{real['id']}/console")
    assert "frame-ancestors 'none'" in console.headers["Content-Security-Policy"]
    assert 'data-testid="practice-badge"' not in console.get_data(as_text=True)


def test_a_practice_sessions_pages_say_practice_and_may_be_framed_by_this_site_only(app) -> None:
    http = app.test_client()
    practice = start(http, practice=True)
    sid = practice["id"]
    http.get(f"/s/{sid}/rehearse?key={practice['facilitator_key']}")
    for path in (f"/s/{sid}/console?embed=1", f"/s/{sid}/present", f"/j/{practice['code']}"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"], path
        assert 'data-testid="practice-badge"' in response.get_data(as_text=True), path
    embedded = http.get(f"/s/{sid}/console?embed=1").get_data(as_text=True)
    assert "is-embedded" in embedded and 'data-testid="logout"' not in embedded
    assert "End practice" in embedded


# Answers show at once, and the end deletes everything -----------------------------------------------------------

def test_in_a_practice_the_facilitators_own_phone_counts_and_one_answer_shows(strict_app) -> None:
    http = strict_app.test_client()
    http.get(f"/?token={FACILITATOR_TOKEN}")  # the facilitator's browser, as on the rehearse page
    practice = start(http, practice=True)
    socketio = strict_app.extensions["workshop_socketio"]
    console = socketio.test_client(strict_app, auth={"session": practice["id"], "key": practice["facilitator_key"]})
    state = next(m["args"][0] for m in console.get_received() if m["name"] == "session_state")
    assert state["session"]["practice"] is True and state["min_responses"] == 1
    phone = socketio.test_client(strict_app, auth={"code": practice["code"]}, flask_test_client=http)
    assert console.emit("open_poll", {"poll": POLL}, callback=True)["ok"]
    assert phone.emit("submit_answer", {"poll": POLL, "value": 0}, callback=True)["ok"]
    shown = wait_for(console, "results_updated", lambda r: r["poll"] == POLL and not r["suppressed"])
    assert shown["total"] == 1 and shown["min_responses"] == 1

    # A real session keeps k = 3: the same single answer stays suppressed.
    real = start(http)
    real_console = socketio.test_client(strict_app, auth={"session": real["id"], "key": real["facilitator_key"]})
    assert next(m["args"][0] for m in real_console.get_received()
                if m["name"] == "session_state")["session"].get("practice") is None
    real_phone = socketio.test_client(strict_app, auth={"code": real["code"]})
    assert real_console.emit("open_poll", {"poll": POLL}, callback=True)["ok"]
    assert real_phone.emit("submit_answer", {"poll": POLL, "value": 0}, callback=True)["ok"]
    time.sleep(0.3)
    assert all(r["suppressed"] for r in received(real_console, "results_updated") if r["poll"] == POLL)


def test_a_practice_admits_no_phone_but_the_facilitators_own(strict_app) -> None:
    """k is 1 in a practice and no organiser sees it: a room's phones in one would show each person's answer the
    moment they give it. A phone without a staff login is told the code is wrong, as for a code that never was."""
    http = strict_app.test_client()
    practice = start(http, practice=True)
    socketio = strict_app.extensions["workshop_socketio"]
    strangers = [socketio.test_client(strict_app, auth={"code": practice["code"]}) for _ in range(3)]
    assert not any(phone.is_connected() for phone in strangers)
    page = strict_app.test_client().get(f"/j/{practice['code']}")
    assert page.status_code == 404 and "the code is wrong" in page.get_data(as_text=True)
    assert strict_app.test_client().get("/j/ZZZZZZ").get_data(as_text=True).replace("ZZZZZZ", practice["code"]) \
        == page.get_data(as_text=True)

    http.get(f"/?token={FACILITATOR_TOKEN}")  # the facilitator's own browser (the rehearse page's phone)
    assert http.get(f"/j/{practice['code']}").status_code == 200
    assert socketio.test_client(strict_app, auth={"code": practice["code"]}, flask_test_client=http).is_connected()
    # A real session's phones need no login at all.
    real = start(http)
    assert socketio.test_client(strict_app, auth={"code": real["code"]}).is_connected()
    assert strict_app.test_client().get(f"/j/{real['code']}").status_code == 200


def test_ending_a_practice_deletes_every_key_of_it_at_once(app, redis) -> None:
    http = app.test_client()
    http.get(f"/?token={FACILITATOR_TOKEN}")  # the phone is the facilitator's own: no other joins a practice
    practice = start(http, practice=True)
    sid, code = practice["id"], practice["code"]
    socketio = app.extensions["workshop_socketio"]
    console = socketio.test_client(app, auth={"session": sid, "key": practice["facilitator_key"]})
    phone = socketio.test_client(app, auth={"code": code}, flask_test_client=http)
    assert console.emit("open_poll", {"poll": POLL}, callback=True)["ok"]
    assert phone.emit("submit_answer", {"poll": POLL, "value": 1}, callback=True)["ok"]
    assert console.emit("set_qa", {"open": True}, callback=True)["ok"]
    assert phone.emit("ask_question", {"text": "How long is the break?"}, callback=True)["ok"]
    assert phone.emit("react", {"emoji": "👍"}, callback=True)["ok"]
    wait_for(console, "results_updated", lambda r: r["poll"] == POLL and not r["suppressed"])
    assert any(key.endswith(":answers") for key in keys_of(redis, sid))

    assert console.emit("end_session", {}, callback=True)["ok"]
    assert keys_of(redis, sid) == []
    assert redis.get(f"ws:code:{code}") is None
    assert redis.zscore("ws:live", sid) is None and redis.zscore("ws:sessions", sid) is None
    wait_for(phone, "session_ended")
    # Whatever comes late finds nothing and writes nothing.
    assert phone.emit("submit_answer", {"poll": POLL, "value": 2}, callback=True)["ok"] is False
    assert socketio.test_client(app, auth={"code": code}).is_connected() is False
    assert http.get(f"/s/{sid}/rehearse").status_code == 404
    assert keys_of(redis, sid) == []


def test_a_practice_nobody_touches_ends_and_is_deleted_by_the_sweep(app, redis) -> None:
    http = app.test_client()
    http.get(f"/?token={FACILITATOR_TOKEN}")
    practice, real = start(http, practice=True), start(http)
    live = app.extensions["workshop"]
    socketio = app.extensions["workshop_socketio"]
    phone = socketio.test_client(app, auth={"code": practice["code"]}, flask_test_client=http)
    just_before = time.time() + PRACTICE_IDLE_MINUTES * 60 - 30
    assert practice["id"] not in live.end_forgotten_sessions(just_before)
    assert redis.exists(f"ws:{{{practice['id']}}}:session")

    ended = live.end_forgotten_sessions(time.time() + PRACTICE_IDLE_MINUTES * 60 + 5)
    assert practice["id"] in ended and real["id"] not in ended, "a real session idles four hours, not thirty minutes"
    assert keys_of(redis, practice["id"]) == []
    assert redis.hget(f"ws:{{{real['id']}}}:session", "status") == "live"
    app.extensions["workshop_broadcaster"].tell_ended(practice["id"])
    wait_for(phone, "session_ended")


def test_a_practice_ends_after_its_hours_even_while_used(app, redis) -> None:
    http = app.test_client()
    practice = start(http, practice=True)
    live = app.extensions["workshop"]
    live.store.mark_active(practice["id"])
    # The sweep's clock past the practice's own end: ended, however recently it was used.
    later = int(redis.hget(f"ws:{{{practice['id']}}}:session", "auto_end_at")) + 1
    live.store.mark_active(practice["id"])
    assert practice["id"] in live.end_forgotten_sessions(later)
    assert keys_of(redis, practice["id"]) == []


def test_a_join_racing_the_end_writes_no_key(app, redis) -> None:
    http = app.test_client()
    practice = start(http, practice=True)
    store = app.extensions["workshop"].store
    live = app.extensions["workshop"]
    live._end(practice["id"], [], practice=True)
    with pytest.raises(RoomClosed, match="unknown_session"):
        store.register_participant(practice["id"], "a" * 32, "b" * 16, live.join_limits)
    assert keys_of(redis, practice["id"]) == []
