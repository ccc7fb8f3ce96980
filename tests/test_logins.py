"""Browser logins: the cookie holds only a reference; what it proved lives in Redis, verified, revocable."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN, app_config
from workshop import create_app
from workshop.logins import record_key

COOKIE = "workshop"


def cookie_value(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def cookie_contents(app, client) -> dict[str, Any]:
    """The signed session cookie, decoded (it is signed, not encrypted: anyone holding it can read it)."""
    value = cookie_value(client)
    if value is None:
        return {}
    return dict(app.session_interface.get_signing_serializer(app).loads(value))


def logout_token(page: bytes) -> str:
    match = re.search(rb'name="csrf" value="([^"]+)"', page)
    assert match, "the page has a logout form"
    return match.group(1).decode()


@pytest.fixture
def other_app(redis_url, tmp_path):
    """Build more apps on the same Redis and secret key (another process, or a restart with new settings)."""
    made = []

    def make(**extra: Any):
        app = create_app(app_config(redis_url, tmp_path / f"other{len(made)}", **extra))
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["workshop_broadcaster"].stop()


def test_junk_keys_cannot_push_the_real_key_out(client, started) -> None:
    sid = started["id"]
    client.get(f"/s/{sid}/console?key={started['facilitator_key']}")
    for n in range(5):  # the session id reaches every phone: anyone may send this browser such links
        assert client.get(f"/s/{sid}/present?key=junk{n}").status_code == 302
    assert client.get(f"/s/{sid}/console").status_code == 200, "the console still opens"


def test_unknown_sessions_and_wrong_secrets_store_nothing(app, client, redis, started) -> None:
    before = set(redis.scan_iter("ws:login:*"))
    assert client.get("/s/nosuchsession/present?key=anything").status_code == 302
    assert client.get(f"/s/{started['id']}/console?key=wrong").status_code == 302
    assert client.get("/?token=wrong").status_code == 302
    assert cookie_value(client) is None, "no cookie for nothing proved"
    assert set(redis.scan_iter("ws:login:*")) == before


def test_the_cookie_holds_only_a_login_reference(app, client, redis, started) -> None:
    client.get(f"/?token={FACILITATOR_TOKEN}")
    client.get(f"/?token={ORGANISER_TOKEN}")
    client.get(f"/s/{started['id']}/console?key={started['facilitator_key']}")
    client.get(f"/s/{started['id']}/present?key={started['presenter_key']}")
    contents = cookie_contents(app, client)
    assert set(contents) <= {"login", "_permanent"}, contents
    secrets = (FACILITATOR_TOKEN, ORGANISER_TOKEN, started["facilitator_key"], started["presenter_key"])
    assert not any(secret in repr(contents) for secret in secrets)
    record = record_key(contents["login"])
    assert contents["login"] not in record, "Redis keys the login by a hash of its id"
    assert 11 * 3600 < redis.ttl(record) <= 12 * 3600
    stored = redis.hgetall(record)
    assert FACILITATOR_TOKEN not in repr(stored) and ORGANISER_TOKEN not in repr(stored)
    # What it proved works from the record: decks, organiser pages, both pages of the session.
    assert client.get("/api/decks").status_code == 200
    assert client.get("/organiser").status_code == 200
    console = client.get(f"/s/{started['id']}/console")
    assert console.status_code == 200 and started["facilitator_key"].encode() in console.data
    presenter = client.get(f"/s/{started['id']}/present").get_data(as_text=True)
    assert 'data-can-control="true"' in presenter and started["facilitator_key"] in presenter


def test_the_cookie_lasts_as_long_as_the_login_and_is_secure_behind_https(other_app, started) -> None:
    plain = other_app().test_client()
    response = plain.get(f"/?token={FACILITATOR_TOKEN}")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires, cookie
    lifetime = (parsedate_to_datetime(expires.group(1)) - datetime.now(UTC)).total_seconds()
    assert 11 * 3600 < lifetime <= 12 * 3600 + 5, "the cookie expires with its login, not days later"
    secure = other_app(PUBLIC_URL="https://workshop.example").test_client()
    response = secure.get(f"https://workshop.example/?token={FACILITATOR_TOKEN}")
    assert "; Secure" in response.headers["Set-Cookie"]


def test_changing_a_server_wide_token_ends_old_logins(client, other_app) -> None:
    client.get(f"/?token={FACILITATOR_TOKEN}")
    client.get(f"/?token={ORGANISER_TOKEN}")
    copied = cookie_value(client)
    assert copied
    same = other_app().test_client()
    same.set_cookie(COOKIE, copied)
    assert same.get("/api/decks").status_code == 200, "another process with the same tokens knows the login"
    rotated = other_app(FACILITATOR_TOKEN="a-new-facilitator-token", ORGANISER_TOKEN="a-new-organiser-token")
    browser = rotated.test_client()
    browser.set_cookie(COOKIE, copied)
    assert browser.get("/api/decks").status_code == 403
    assert browser.get("/organiser").status_code == 401
    assert b'data-testid="deck"' not in browser.get("/").data


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_no_other_site_writes_with_a_logged_in_cookie(app, started, site: str) -> None:
    """SameSite=Lax keeps the cookie off other sites' POSTs, but not off a same-site one (another port of this host,
    a sibling subdomain): a plain form posted from there ended a session with the organiser's cookie."""
    browser = app.test_client()
    browser.get(f"/?token={FACILITATOR_TOKEN}")
    browser.get(f"/organiser?token={ORGANISER_TOKEN}")
    other_site = {"Sec-Fetch-Site": site, "Origin": "http://127.0.0.1:9999"}
    ending = browser.post(f"/api/sessions/{started['id']}/end", data="x", content_type="text/plain",
                          headers=other_site)
    assert ending.status_code == 403 and ending.get_json()["error"] == "forbidden"
    assert browser.post("/api/sessions", json={"deck": "interdependence", "practice": True},
                        headers=other_site).status_code == 403
    assert browser.put("/api/decks/csrf", data="title: T\nslides: [{title: A}]\n", content_type="application/yaml",
                       headers=other_site).status_code == 403
    assert browser.get("/api/decks", headers=other_site).status_code == 200, "reading is no write"
    assert app.extensions["workshop"].store.session(started["id"])["status"] == "live"
    # This site's own pages (and scripts, which send no such header) still write.
    assert browser.post("/api/sessions", json={"deck": "interdependence", "practice": True},
                        headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201
    assert browser.post(f"/api/sessions/{started['id']}/end").get_json()["status"] == "ended"


def test_logout_needs_the_form_token_and_ends_the_login_everywhere(client, redis) -> None:
    home = client.get(f"/?token={FACILITATOR_TOKEN}", follow_redirects=True)
    token = logout_token(home.data)
    copied = cookie_value(client)
    record = record_key(cookie_contents(client.application, client)["login"])
    assert client.post("/logout").status_code == 403, "a cross-site form cannot log anyone out"
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/api/decks").status_code == 200
    response = client.post("/logout", data={"csrf": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert cookie_value(client) is None, "the cookie is deleted"
    assert client.get("/api/decks").status_code == 401
    replay = client.application.test_client()
    replay.set_cookie(COOKIE, copied)
    assert replay.get("/api/decks").status_code in (401, 403), "a copy of the old cookie is worthless"
    assert not redis.exists(record), "the login's record is deleted"


def test_staff_pages_show_a_log_out_control(client, started) -> None:
    client.get(f"/?token={FACILITATOR_TOKEN}")
    client.get(f"/?token={ORGANISER_TOKEN}")
    client.get(f"/s/{started['id']}/console?key={started['facilitator_key']}")
    for path in ("/", f"/s/{started['id']}/console", "/organiser"):
        page = client.get(path).get_data(as_text=True)
        assert 'action="/logout"' in page and 'method="post"' in page and "Log out" in page, path
    assert "Log out" not in client.application.test_client().get("/").get_data(as_text=True)


def test_pages_with_keys_or_staff_data_are_never_cached(client, started) -> None:
    client.get(f"/?token={FACILITATOR_TOKEN}")
    client.get(f"/?token={ORGANISER_TOKEN}")
    client.get(f"/s/{started['id']}/console?key={started['facilitator_key']}")
    for path in (f"/s/{started['id']}/console", f"/s/{started['id']}/present", "/organiser",
                 f"/organiser/sessions/{started['id']}/report", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    assert "no-store" in client.get(f"/?token={FACILITATOR_TOKEN}").headers.get("Cache-Control", "")


def test_an_old_cookie_with_raw_secrets_no_longer_counts(app, client, started) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    legacy = serializer.dumps({"facilitator": FACILITATOR_TOKEN, "organiser": ORGANISER_TOKEN,
                               "keys": {started["id"]: [started["facilitator_key"]]}, "_permanent": True})
    client.set_cookie(COOKIE, legacy)
    assert client.get("/api/decks").status_code in (401, 403)
    assert client.get(f"/s/{started['id']}/console").status_code == 403
    assert "facilitator" not in cookie_contents(app, client), "the old secrets are dropped from the cookie"


def test_each_proof_moves_the_login_to_a_new_id(app, client, redis, started) -> None:
    client.get(f"/?token={FACILITATOR_TOKEN}")
    first = cookie_contents(app, client)["login"]
    client.get(f"/s/{started['id']}/console?key={started['facilitator_key']}")
    second = cookie_contents(app, client)["login"]
    assert second != first, "a cookie planted before the proof does not share in it"
    assert 0 < redis.ttl(record_key(first)) <= 30, "the old id lasts only for requests under way"
    assert client.get("/api/decks").status_code == 200, "the new login keeps what the old one proved"


def test_plain_requests_set_no_cookie(client, started) -> None:
    for path in ("/", f"/j/{started['code']}", "/healthz", "/j/ZZZZZZ"):
        assert "Set-Cookie" not in client.get(path).headers, path
    client.get(f"/?token={FACILITATOR_TOKEN}")
    assert "Set-Cookie" not in client.get("/").headers, "a login's cookie is not rewritten on every page"
