"""HTTP routes: roles, errors as contract JSON, secrets moved from the query string to a cookie."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN

FACILITATOR = {"Authorization": f"Bearer {FACILITATOR_TOKEN}"}


def test_healthz_answers_while_redis_does(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_decks_need_the_facilitator_token(client) -> None:
    assert client.get("/api/decks").status_code == 401
    wrong = client.get("/api/decks", headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"})
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "forbidden"
    listing = client.get("/api/decks", headers=FACILITATOR).get_json()
    [bundled] = [deck for deck in listing if deck["id"] == "interdependence"]
    assert {"id", "title", "slides"} <= bundled.keys()  # the contract's fields (the deck library adds more)
    assert bundled["slides"] >= 15 and bundled["lang"] == "en"
    [spanish] = [deck for deck in listing if deck["id"] == "interdependencia"]
    assert spanish["lang"] == "es" and spanish["slides"] == bundled["slides"] and spanish["polls"] == bundled["polls"]


def test_starting_a_session_returns_absolute_urls_on_the_public_url(started) -> None:
    assert len(started["code"]) == 6 and started["code"].isupper()
    assert started["join_url"] == f"http://workshop.test/j/{started['code']}"
    assert started["presenter_url"].startswith(f"http://workshop.test/s/{started['id']}/present?key=")
    assert started["facilitator_url"].startswith(f"http://workshop.test/s/{started['id']}/console?key=")
    assert started["qr_url"] == f"http://workshop.test/api/sessions/{started['id']}/qr.svg"
    assert started["presenter_key"] != started["facilitator_key"]


def test_starting_a_session_reports_bad_requests(client) -> None:
    unknown = client.post("/api/sessions", json={"deck": "nope"}, headers=FACILITATOR)
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "not_found"
    malformed = client.post("/api/sessions", data="deck", headers=FACILITATOR)
    assert malformed.status_code == 400 and malformed.get_json()["error"] == "invalid_payload"
    assert client.post("/api/sessions", json={"deck": "interdependence"}).status_code == 401
    huge = client.post("/api/sessions", data="x" * 100_000, headers={**FACILITATOR, "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.get_json()["error"] == "too_large"


def test_qr_code_is_an_svg_of_the_join_url(client, started) -> None:
    response = client.get(f"/api/sessions/{started['id']}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<svg") and b"<path" in response.data
    assert client.get("/api/sessions/nosuch/qr.svg").status_code == 404


def test_a_token_in_the_query_moves_to_a_cookie_and_is_dropped_from_the_url(client) -> None:
    response = client.get(f"/?token={FACILITATOR_TOKEN}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "token" not in response.headers["Location"]
    assert client.get("/api/decks").status_code == 200, "the cookie now carries the token"


def test_pages_check_their_keys(client, started) -> None:
    sid = started["id"]
    assert client.get(f"/s/{sid}/present").status_code == 403
    assert client.get(f"/s/{sid}/present?key=wrong", follow_redirects=True).status_code == 403
    page = client.get(f"/s/{sid}/present?key={started['presenter_key']}", follow_redirects=True)
    assert page.status_code == 200 and started["code"].encode() in page.data
    assert client.get(f"/s/{sid}/console").status_code == 403, "the presenter key does not open the console"
    console = client.get(f"/s/{sid}/console?key={started['facilitator_key']}", follow_redirects=True)
    assert console.status_code == 200


def test_participant_page_by_code(client, started) -> None:
    assert client.get(f"/j/{started['code'].lower()}").status_code == 200
    assert client.get("/j/ZZZZZZ").status_code == 404
    typed = client.get(f"/j?code=+{started['code'][:3]} {started['code'][3:].lower()}")
    assert typed.status_code == 302 and typed.headers["Location"] == f"/j/{started['code']}"


def test_api_errors_are_json_and_pages_are_html(client) -> None:
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    assert client.get("/nothing").mimetype == "text/html"


def test_pages_carry_a_strict_content_security_policy(client) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_pages_and_api_send_no_referrer_elsewhere_and_forbid_sniffing(client, started) -> None:
    # A phone's page URL holds the join code and a console's the session id: no other site may see them.
    for path in ("/", f"/j/{started['code']}", "/healthz", "/api/decks"):
        response = client.get(path)
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


def test_one_browser_can_hold_the_console_and_the_presenter_link(client, started) -> None:
    sid = started["id"]
    client.get(f"/s/{sid}/console?key={started['facilitator_key']}")
    client.get(f"/s/{sid}/present?key={started['presenter_key']}")
    assert client.get(f"/s/{sid}/console").status_code == 200, "opening the presenter link kept the console"
    presenter = client.get(f"/s/{sid}/present").get_data(as_text=True)
    assert 'data-can-control="true"' in presenter and started["facilitator_key"] in presenter
    other = client.application.test_client()
    other.get(f"/s/{sid}/present?key={started['presenter_key']}")
    watch_only = other.get(f"/s/{sid}/present").get_data(as_text=True)
    assert 'data-can-control="false"' in watch_only and started["facilitator_key"] not in watch_only


def test_secrets_leave_the_query_by_a_redirect_to_this_site_only(client) -> None:
    # Browsers drop tabs and newlines from URLs, so "/\t/evil.example/x" would become "//evil.example/x".
    for path in ("/%09/evil.example/x", "/%0a/evil.example/x", "/%0d%0aSet-Cookie:%20x=1", "/%5Cevil.example/x",
                 "/%09%5Cevil.example", "/%2F%2Fevil.example/x", "/s/%09/present", "/caf%C3%A9"):
        response = client.get(f"{path}?token=guess&lang=de")
        assert response.status_code == 302, path
        location = response.headers["Location"]
        assert location.startswith("/") and location[1:2] not in ("/", "\\"), (path, location)
        assert not any(character in location for character in "\t\r\n\\ "), (path, location)
        assert location.endswith("?lang=de") and "guess" not in location, (path, location)
    for raw in ("//evil.example/x", "/\\evil.example/x", "/\t/evil.example/x", "///evil.example"):
        response = client.get("/?token=guess", environ_overrides={"PATH_INFO": raw})
        location = response.headers["Location"]
        assert response.status_code == 302 and location.startswith("/") and location[1:2] not in ("/", "\\"), raw
        assert not any(character in location for character in "\t\r\n\\"), (raw, location)
    assert client.get("/j/ABC%20DEF?token=guess").headers["Location"] == "/j/ABC%20DEF"


def test_staff_keys_are_deleted_when_the_session_ends_and_their_links_say_so(app, client, started, sockets,
                                                                            redis) -> None:
    from socketio.exceptions import ConnectionRefusedError

    sid = started["id"]
    client.get(f"/s/{sid}/console?key={started['facilitator_key']}")
    assert client.get(f"/s/{sid}/console").status_code == 200
    assert sockets("facilitator").emit("end_session", {}, callback=True)["ok"]
    assert redis.hget(f"ws:{{{sid}}}:session", "facilitator_key") is None
    assert redis.hget(f"ws:{{{sid}}}:session", "presenter_key") is None
    for path in (f"/s/{sid}/console", f"/s/{sid}/present", f"/s/{sid}/rehearse"):
        page = client.get(path)
        assert page.status_code == 410 and b"This session has ended" in page.data
        assert started["facilitator_key"].encode() not in page.data and page.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    namespace = app.extensions["workshop_socketio"].server.namespace_handlers["/"]
    with app.test_request_context(), pytest.raises(ConnectionRefusedError) as refused:
        namespace.on_connect({"session": sid, "key": started["facilitator_key"]})
    assert refused.value.error_args == {"message": "session_ended"}


ORGANISER = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}


def test_a_session_has_a_name_and_its_own_times(client) -> None:
    started = client.post("/api/sessions", json={"deck": "interdependence", "name": "  Tuesday group,\n Leeds "},
                          headers=FACILITATOR).get_json()
    listed = next(s for s in client.get("/api/sessions", headers=ORGANISER).get_json() if s["id"] == started["id"])
    assert listed["name"] == "Tuesday group, Leeds"
    assert listed["status"] == "live" and listed["ended_at"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", listed["started_at"])
    for bad in (["a list"], "x" * 81, "bell\x07"):
        refused = client.post("/api/sessions", json={"deck": "interdependence", "name": bad}, headers=FACILITATOR)
        assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_payload", bad


def test_the_organiser_ends_a_live_session_and_its_phones_hear_it(app, client, sockets, started) -> None:
    from tests.conftest import received, wait_for

    phone = sockets("participant")
    received(phone, "session_state")
    assert client.post(f"/api/sessions/{started['id']}/end", headers=FACILITATOR).status_code == 403
    ended = client.post(f"/api/sessions/{started['id']}/end", headers=ORGANISER)
    assert ended.status_code == 200 and ended.get_json() == {"id": started["id"], "status": "ended"}
    assert wait_for(phone, "session_ended") == {}
    listed = next(s for s in client.get("/api/sessions", headers=ORGANISER).get_json() if s["id"] == started["id"])
    assert listed["status"] == "ended" and listed["ended_at"] >= listed["started_at"]
    again = client.post(f"/api/sessions/{started['id']}/end", headers=ORGANISER)
    assert again.status_code == 200, "ending twice is harmless"
    assert client.post("/api/sessions/nosuchsession/end", headers=ORGANISER).status_code == 404


def test_deleting_a_session_leaves_nothing_of_it_in_redis(app, client, sockets, started, redis) -> None:
    from tests.conftest import wait_for

    facilitator, phone = sockets("facilitator"), sockets("participant")
    assert facilitator.emit("go_to_slide", {"index": 1}, callback=True)["ok"]
    assert client.delete(f"/api/sessions/{started['id']}", headers=FACILITATOR).status_code == 403
    deleted = client.delete(f"/api/sessions/{started['id']}", headers=ORGANISER)
    assert deleted.status_code == 204
    assert wait_for(phone, "session_ended") == {}, "a live session is ended first, so its phones are told"
    assert list(redis.scan_iter(match=f"ws:{{{started['id']}}}:*")) == []
    assert redis.get(f"ws:code:{started['code']}") is None
    assert started["id"] not in [s["id"] for s in client.get("/api/sessions", headers=ORGANISER).get_json()]
    assert client.get(f"/api/sessions/{started['id']}/results.json", headers=ORGANISER).status_code == 404
    assert client.get(f"/j/{started['code']}").status_code == 404


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{a}-{b}", "{a} {b}", " {a}\u2013{b_lower} "])
def test_a_code_typed_with_a_dash_a_space_or_in_lower_case_finds_the_session(client, started, typed) -> None:
    code = started["code"]
    text = typed.format(code=code, lower=code.lower(), a=code[:3], b=code[3:], b_lower=code[3:].lower())
    landed = client.get("/j", query_string={"code": text})
    assert landed.status_code == 302 and landed.headers["Location"].endswith(f"/j/{code}")
    assert client.get(landed.headers["Location"]).status_code == 200


def test_the_facilitator_link_opens_any_live_sessions_console_from_a_new_browser(app, client, started) -> None:
    other = app.test_client()  # another laptop: no session key, only the facilitator link
    assert other.get(f"/s/{started['id']}/console").status_code == 403
    other.get(f"/?token={ORGANISER_TOKEN}")
    assert other.get(f"/s/{started['id']}/console").status_code == 403, "the organiser token opens no console"
    other.get(f"/?token={FACILITATOR_TOKEN}")
    home = other.get("/").get_data(as_text=True)
    assert f'data-session="{started["id"]}"' in home and "Open console" in home
    console = other.get(f"/s/{started['id']}/console")
    assert console.status_code == 200 and started["facilitator_key"] in console.get_data(as_text=True)
    assert other.get(f"/s/{started['id']}/present").status_code == 200


def test_the_service_worker_is_served_fresh_and_precaches_only_the_offline_page(client, started) -> None:
    """/sw.js: JavaScript, revalidated on every visit, caching nothing but the offline page and its files."""
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    filled_in = re.search(r"^const OFFLINE = /\*\* @type .*? \*/ \((\{.*\})\);$", worker.text, re.MULTILINE)
    assert filled_in, "the server fills in the worker's configuration"
    config = json.loads(filled_in.group(1))
    assert config["page"] == config["urls"][0] == "/offline"
    assert re.fullmatch(r"workshop-offline-[0-9a-f]{16}", config["cache"])
    for url in config["urls"]:
        assert not re.search(r"/api/|/socket\.io|/j/|/s/|healthz|token|key", url), url
        assert client.get(url).status_code == 200, url
    assert "/api/" not in worker.text and "/socket.io" not in worker.text
    assert client.get("/sw.js").get_data() == worker.get_data(), "the same bytes each time: no needless update"
    offline = client.get("/offline")
    assert started["code"] not in offline.text and "Set-Cookie" not in offline.headers
    # The phone page registers it for the participant pages only; the policy allows this origin's workers.
    phone = client.get(f"/j/{started['code']}")
    assert 'data-service-worker="/sw.js" data-service-worker-scope="/j/"' in phone.text
    assert "worker-src 'self'" in phone.headers["Content-Security-Policy"]


def test_pages_say_their_language_and_direction(client) -> None:
    """<html lang dir>: facilitator pages follow Accept-Language, ?lang= wins, unknown languages fall back."""
    def html_tag(**headers: str) -> str:
        return client.get("/", headers=headers).get_data(as_text=True).split(">", 2)[1].strip()
    assert html_tag() == '<html lang="en" dir="ltr"'
    assert html_tag(**{"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"}) == '<html lang="ar" dir="rtl"'
    assert html_tag(**{"Accept-Language": "de-AT, en;q=0.5"}) == '<html lang="de" dir="ltr"'
    assert html_tag(**{"Accept-Language": "ja, zh;q=0.9"}) == '<html lang="en" dir="ltr"'
    assert 'lang="fr"' in client.get("/?lang=fr", headers={"Accept-Language": "de"}).get_data(as_text=True)[:80]


def test_each_bundled_deck_serves_its_own_pictures(client) -> None:
    for deck_id in ("interdependence", "interdependencia"):
        for name in ("two-circles.svg", "support-network.svg", "give-and-take.svg"):
            response = client.get(f"/decks/{deck_id}/media/{name}")
            assert response.status_code == 200 and response.mimetype == "image/svg+xml", (deck_id, name)
