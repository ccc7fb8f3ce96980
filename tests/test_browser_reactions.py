"""Browser: a phone taps reactions, the projector floats them up its margin (a bounded number however many
arrive) with a tally, the console counts them and switches them off, and the phone's buttons go."""
# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    PRESENTER,
    Contexts,
    axe_violations,
    browser_server,
    chromium,
    contexts,
    describe_violations,
    screenshot,
    socket_clients,
    wait_connected,
)
from workshop.reactions import DEFAULT_REACTIONS, RATE_LIMIT

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
THUMBS, HEART = DEFAULT_REACTIONS[0], DEFAULT_REACTIONS[1]
MAX_FLOATING = 24  # static/js/reactions/floater.js


def moving_presenter(contexts: Contexts, url: str) -> Page:
    """A presenter screen whose browser allows motion (the shared contexts ask for reduced motion)."""
    context = contexts.browser.new_context(reduced_motion="no-preference", **PRESENTER)
    context.set_default_timeout(10_000)
    contexts.made.append(context)
    page = context.new_page()
    page.goto(url)
    return page


def chip(page: Page, emoji: str):
    return page.locator(f'[data-testid="reaction-chip"][data-emoji="{emoji}"] b')


def test_taps_float_on_the_projector_and_the_facilitator_switches_them_off(
        browser_server, contexts, socket_clients, screenshot) -> None:
    session = browser_server.start_session()
    presenter = moving_presenter(contexts, session["presenter_url"])
    still = contexts.presenter(session["presenter_url"])  # reduced motion: the tally only
    console = contexts.page(session["facilitator_url"], viewport={"width": 1280, "height": 800})
    phone = contexts.phone(session["join_url"])
    for page in (presenter, still, console, phone):
        wait_connected(page)

    buttons = phone.get_by_test_id("reaction")
    expect(buttons).to_have_count(len(DEFAULT_REACTIONS))
    expect(phone.get_by_role("button", name="React with thumbs up")).to_be_visible()
    box = buttons.first.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44, "big enough to tap"
    buttons.first.click()
    expect(phone.get_by_test_id("reaction-status")).to_have_text(f"Sent {THUMBS}")
    phone.get_by_role("button", name="React with heart").click()

    expect(presenter.get_by_test_id("reaction-float").first).to_be_attached()
    expect(chip(presenter, THUMBS)).to_have_text("1")
    expect(chip(still, HEART)).to_have_text("1")
    assert still.get_by_test_id("reaction-float").count() == 0, "nothing floats with reduced motion"
    lane = presenter.get_by_test_id("reaction-lane")
    assert lane.evaluate("el => getComputedStyle(el).pointerEvents") == "none"
    tally = console.get_by_test_id("reaction-slide-tally")
    expect(tally.locator(f'[data-emoji="{THUMBS}"] b')).to_have_text("1")
    screenshot(presenter, "presenter-floating")

    # A burst from many phones: a bounded number float, the tally counts them all.
    phones = [socket_clients.participant(session) for _ in range(20)]
    for client in phones:
        for _ in range(RATE_LIMIT):
            client.call("react", {"emoji": THUMBS})
    # Floats are counted while the frames arrive: until the tally is complete (later on a loaded machine).
    deadline = time.monotonic() + 15
    most = 0
    while time.monotonic() < deadline:
        most = max(most, presenter.get_by_test_id("reaction-float").count())
        if chip(presenter, THUMBS).text_content() == str(1 + 20 * RATE_LIMIT):
            break
        time.sleep(0.05)
    expect(chip(presenter, THUMBS)).to_have_text(str(1 + 20 * RATE_LIMIT))
    assert 0 < most <= MAX_FLOATING
    expect(tally.locator(f'[data-emoji="{THUMBS}"] b')).to_have_text(str(1 + 20 * RATE_LIMIT))
    screenshot(console, "console-tally")

    # The facilitator's `e`: off on every phone, then on again.
    toggle = console.get_by_test_id("reactions-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    console.locator("body").click(position={"x": 5, "y": 300})
    console.keyboard.press("e")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(phone.get_by_test_id("reactions")).to_be_hidden()
    toggle.click()
    expect(phone.get_by_test_id("reactions")).to_be_visible()
    violations = axe_violations(phone)
    assert not violations, describe_violations(violations)

    # Offline: the buttons stay but cannot be pressed.
    phone.context.set_offline(True)
    expect(buttons.first).to_be_disabled()
    phone.context.set_offline(False)
    expect(buttons.first).to_be_enabled(timeout=20_000)
