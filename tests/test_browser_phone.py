"""A phone on the join slide says it is in, in Chromium."""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    JOIN_SLIDE,
    SLIDES,
    browser_server,
    chromium,
    contexts,
    socket_clients,
    wait_connected,
)

YOU_ARE_IN = "You\u2019re in"


def test_a_phone_on_the_join_slide_says_it_is_in(browser_server, contexts, socket_clients) -> None:
    session = browser_server.start_session()
    facilitator = socket_clients.facilitator(session)
    facilitator.go_to(JOIN_SLIDE)
    phone = contexts.phone(session["join_url"])
    wait_connected(phone)
    expect(phone.get_by_test_id("slide-title")).to_have_text(YOU_ARE_IN)
    assert SLIDES[JOIN_SLIDE]["title"] != YOU_ARE_IN
    expect(phone.get_by_test_id("waiting")).to_be_visible()
    # Any other slide shows its own title.
    facilitator.go_to(JOIN_SLIDE + 1)
    expect(phone.get_by_test_id("slide-title")).to_have_text(SLIDES[JOIN_SLIDE + 1]["title"])
