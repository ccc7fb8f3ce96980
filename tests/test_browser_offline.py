"""The offline page: a phone that reloads while the server is down gets ours, which brings it back by itself.

Its own server (stopped and started again on the same port, with the same Redis and data dir) and Chromium
on http://127.0.0.1, a secure context, so the service worker registers.
"""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    Sockets,
    axe_violations,
    chromium,
    contexts,
    describe_violations,
    option,
    screenshot,
    wait_connected,
)
from tests.conftest import ORGANISER_TOKEN
from tests.servers import reserved_port, running_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SAVED = "Answer saved — you can change it while the poll is open"
OFFLINE_TITLE = "The workshop server cannot be reached right now"
STILL_TRYING = "Still trying. This page tries again every few seconds."
# The offline page retries at most every 8 s (with jitter) and the server takes a few seconds to start.
BACK_WITHIN_MS = 40_000


@pytest.fixture
def port() -> Iterator[int]:
    """The server's port, kept for this test while its server is down between the two runs."""
    with reserved_port() as held:
        yield held


def test_a_phone_reloading_while_the_server_is_down_gets_our_page_and_comes_back_by_itself(
        redis_url, tmp_path, port, contexts, screenshot) -> None:
    """Join, answer, server stopped, reload: the offline page with the code; server back: the same participant,
    its answer kept, without touching the phone."""
    data = tmp_path / "data"
    with running_server(redis_url, data, port=port) as server:
        sockets = Sockets(server)
        try:
            session = server.start_session()
            sockets.facilitator(session).go_to_poll("warmup_word")
            phone = contexts.phone(session["join_url"])
            option(phone, 1).tap()
            expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
            storage_key = f"workshop:participant:{session['code']}"
            token = phone.evaluate("key => localStorage.getItem(key)", storage_key)
            assert token
            # The worker is active, so its precaching is done, before the server goes.
            # (`ready` resolves once a worker is active, which may still be "activating": wait for the end of it.)
            # (Not an async predicate: Playwright would take its promise as truthy at once.)
            phone.evaluate("async () => { window.activeWorker = (await navigator.serviceWorker.ready).active; }")
            phone.wait_for_function("() => window.activeWorker.state === 'activated'", timeout=10_000)
        finally:
            sockets.close()

    phone.reload()
    offline = phone.get_by_test_id("offline")
    expect(offline).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).to_have_text(OFFLINE_TITLE)
    expect(offline).to_contain_text("Your saved answers are kept")
    expect(offline).to_contain_text("reconnects by itself")
    expect(phone.get_by_test_id("join-code")).to_have_text(session["code"])
    assert phone.url == session["join_url"], "still the page the phone was on, so it can reload it"
    expect(phone.get_by_test_id("offline-status")).to_have_text(STILL_TRYING)
    assert not axe_violations(phone), describe_violations(axe_violations(phone))
    screenshot(phone, "offline")
    # As the phone page: dark with the system, and nothing to scroll sideways at 320 px.
    phone.emulate_media(color_scheme="dark")
    phone.set_viewport_size({"width": 320, "height": 640})
    assert phone.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(17, 24, 28)"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    assert not axe_violations(phone), describe_violations(axe_violations(phone))
    screenshot(phone, "offline-dark-320")

    with running_server(redis_url, data, port=port) as server:
        expect(phone.get_by_test_id("poll-question")).to_be_visible(timeout=BACK_WITHIN_MS)
        wait_connected(phone)
        expect(option(phone, 1)).to_have_attribute("aria-pressed", "true")
        expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
        assert phone.evaluate("key => localStorage.getItem(key)", storage_key) == token
        listed = server.api("GET", "/api/sessions", token=ORGANISER_TOKEN)
        assert [s["participants"] for s in listed if s["id"] == session["id"]] == [1], "the same participant, not two"
        sockets = Sockets(server)
        try:
            facilitator = sockets.facilitator(session)
            facilitator.wait_until(lambda f: f.participants == 1, "one participant online")
        finally:
            sockets.close()
