"""Browser: a facilitator rehearses alone on one screen (presenter, phone and console side by side), clicks and
keys through a poll, ends the practice, and no organiser ever sees it."""
# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Dialog, FrameLocator, Page, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    AXE_SOURCE,
    POLL_SLIDE,
    POLLS,
    axe_violations,
    bar,
    browser_server,
    chromium,
    contexts,
    describe_violations,
    facilitator_home,
    organiser_home,
    screenshot,
    slide_title,
)
from tests.conftest import key_of

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
POLL = "warmup_word"
LAPTOP = {"viewport": {"width": 1440, "height": 900}}
SMALL_LAPTOP = {"viewport": {"width": 1280, "height": 720}}


def start_practice(server: Any) -> dict[str, Any]:
    """A practice session of the bundled deck, started as the deck library's "Rehearse" button does."""
    session: dict[str, Any] = server.api("POST", "/api/sessions", {"deck": "interdependence", "practice": True})
    assert session["practice"] is True and session["rehearse_url"].startswith(server.url)
    return session


def panes(page: Page) -> tuple[FrameLocator, FrameLocator, FrameLocator]:
    """The rehearse page's console, presenter screen and phone."""
    return (page.frame_locator('[data-testid="console-frame"]'), page.frame_locator('[data-testid="presenter-frame"]'),
            page.frame_locator('[data-testid="phone-frame"]'))


def connected(frame: FrameLocator) -> None:
    expect(frame.locator("body")).to_have_attribute("data-connected", "true")


def rehearse(contexts: Any, session: dict[str, Any], **options: Any) -> Page:
    """The rehearse page opened from the API's `rehearse_url`, every pane connected."""
    page: Page = contexts.page(session["rehearse_url"], **options)
    expect(page).to_have_url(re.compile(rf"/s/{session['id']}/rehearse$"))  # the key went into the login
    expect(page.locator("body")).to_have_attribute("data-connected", "true")
    for frame in panes(page):
        connected(frame)
    return page


def test_one_person_rehearses_a_poll_then_ends_the_practice(browser_server, contexts, screenshot) -> None:
    server = browser_server
    session = start_practice(server)
    page = rehearse(contexts, session, **LAPTOP)
    console, presenter, phone = panes(page)

    # Every screen says it is practice.
    for where in (page, console, presenter, phone):
        expect(where.get_by_test_id("practice-badge")).to_be_visible()
        expect(where.get_by_test_id("practice-badge")).to_have_text(re.compile("practice", re.IGNORECASE))
    expect(console.get_by_test_id("end-session")).to_have_text("End practice")
    expect(page.get_by_test_id("join-code")).to_have_text(session["code"])

    # The console pane steps the slides; the presenter and the phone follow.
    console.get_by_test_id("next").click()
    expect(presenter.get_by_test_id("slide-title")).to_have_text(slide_title(1))
    # The console's keys work from the rehearse page itself (its bar has the focus), not only inside the console.
    page.get_by_test_id("rehearse-title").click()
    assert page.evaluate("() => document.hasFocus() && document.activeElement === document.body")
    for index in range(2, POLL_SLIDE[POLL] + 1):
        page.keyboard.press("ArrowRight")
        expect(presenter.get_by_test_id("slide-title")).to_have_text(slide_title(index))
    expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(POLL_SLIDE[POLL]))

    # Open the poll from the console pane, answer on the phone pane: one answer shows at once in practice.
    console.get_by_test_id("open-poll").click()
    expect(presenter.get_by_test_id("poll-status")).to_have_text(re.compile("open", re.IGNORECASE))
    phone.get_by_test_id("option").nth(1).click()
    expect(phone.get_by_test_id("option").nth(1)).to_have_attribute("aria-pressed", "true")
    expect(bar(presenter, 1)).to_have_attribute("data-count", "1")  # type: ignore[arg-type]
    expect(bar(presenter, 0)).to_have_attribute("data-count", "0")  # type: ignore[arg-type]
    # `R` pressed on the rehearse page (not in a frame) switches the phones' results: the deck shows them first.
    assert POLLS[POLL]["results_visible"] is True
    expect(phone.locator("#phone-results-wrap")).to_be_visible()
    expect(bar(phone, 1)).to_have_attribute("data-count", "1")  # type: ignore[arg-type]
    page.get_by_test_id("rehearse-title").click()
    assert page.evaluate("() => document.activeElement === document.body")
    page.keyboard.press("r")
    expect(phone.locator("#phone-results-wrap")).to_be_hidden()
    expect(console.get_by_test_id("toggle-results")).to_have_text("Show results")
    page.keyboard.press("r")
    expect(phone.locator("#phone-results-wrap")).to_be_visible()
    screenshot(page, "rehearse at 1440x900, poll answered")

    # The facilitator's home marks it, and no organiser sees it while it runs.
    home = contexts.page(facilitator_home(server), **LAPTOP)
    running = home.locator(f'[data-testid="running-session"][data-session="{session["id"]}"]')
    expect(running.get_by_test_id("practice-badge")).to_be_visible()
    expect(running.get_by_test_id("open-rehearse")).to_have_attribute("href", f"/s/{session['id']}/rehearse")
    organiser = contexts.page(organiser_home(server), **LAPTOP)
    expect(organiser.locator("h1")).to_have_text("Workshop results")
    expect(organiser.locator(f'[data-session="{session["id"]}"]')).to_have_count(0)

    # End practice: a confirmation that says what goes, then everything is gone.
    messages: list[str] = []

    def accept(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_test_id("end-practice").click()
    expect(page.get_by_test_id("practice-ended")).to_be_visible()
    assert "deleted" in messages[-1]
    expect(page.locator("iframe")).to_have_count(0)
    screenshot(page, "practice ended")
    organiser.reload()
    expect(organiser.locator(f'[data-session="{session["id"]}"]')).to_have_count(0)
    listing = server.api("GET", "/api/sessions", token="organiser-token-for-tests")
    assert session["id"] not in [item["id"] for item in listing]
    home.reload()
    expect(home.locator(f'[data-session="{session["id"]}"]')).to_have_count(0)
    # The phone's link now leads nowhere, as a wrong code does.
    gone = contexts.phone(session["join_url"])
    expect(gone.locator("h1")).to_have_text(re.compile("ended, or the code is wrong"))


def test_ending_from_the_console_pane_ends_the_page_and_rehearse_again_starts_a_new_one(browser_server, contexts,
                                                                                         screenshot) -> None:
    server = browser_server
    session = start_practice(server)
    page = rehearse(contexts, session, **SMALL_LAPTOP)
    console, _, _ = panes(page)
    page.on("dialog", lambda dialog: dialog.accept())
    console.get_by_test_id("end-session").click()
    expect(page.get_by_test_id("practice-ended")).to_be_visible()

    # This browser holds only the session's key: another practice needs the facilitator's sign-in, and says so.
    page.get_by_test_id("rehearse-again").click()
    expect(page.get_by_test_id("rehearse-again-error")).to_contain_text("facilitator sign-in")
    page.reload()  # nothing of it is left
    expect(page.locator("main")).to_contain_text("There is no such session.")

    # Signed in as the facilitator (the deck library's browser), "Rehearse again" starts a new one of the same deck.
    page.goto(facilitator_home(server))
    second = start_practice(server)
    page.goto(second["rehearse_url"])
    expect(page.locator("body")).to_have_attribute("data-connected", "true")
    page.get_by_test_id("end-practice").click()
    expect(page.get_by_test_id("practice-ended")).to_be_visible()
    page.get_by_test_id("rehearse-again").click()
    expect(page).not_to_have_url(re.compile(second["id"]))
    expect(page).to_have_url(re.compile(r"/s/[0-9a-f]+/rehearse$"))
    assert session["id"] not in page.url
    expect(page.locator("body")).to_have_attribute("data-connected", "true")
    for frame in panes(page):
        connected(frame)
    expect(page.get_by_test_id("rehearse-title")).to_have_text(re.compile(r"\S"))
    screenshot(page, "rehearse again at 1280x720")


def test_the_panes_fit_a_small_laptop_and_pass_axe(browser_server, contexts, screenshot) -> None:
    server = browser_server
    session = start_practice(server)
    page = rehearse(contexts, session, **SMALL_LAPTOP)
    console, presenter, phone = panes(page)
    console.get_by_test_id("next").click()
    expect(presenter.get_by_test_id("slide-title")).to_have_text(slide_title(1))

    # All three in the window, none over another; the phone keeps a phone's proportions and the presenter 16:9.
    boxes = {name: page.get_by_test_id(f"{name}-frame").bounding_box() for name in ("console", "presenter", "phone")}
    for name, box in boxes.items():
        assert box and box["x"] >= 0 and box["y"] >= 0, name
        assert box["x"] + box["width"] <= 1280 + 0.5 and box["y"] + box["height"] <= 720 + 0.5, (name, box)
    phone_box, presenter_box, console_box = boxes["phone"], boxes["presenter"], boxes["console"]
    assert phone_box and presenter_box and console_box
    assert abs(phone_box["height"] / phone_box["width"] - 844 / 390) < 0.02
    assert phone_box["height"] > 500, "a phone pane too small to read"
    assert abs(presenter_box["width"] / presenter_box["height"] - 16 / 9) < 0.02
    assert presenter_box["x"] + presenter_box["width"] <= phone_box["x"]
    assert presenter_box["y"] + presenter_box["height"] <= console_box["y"]
    # The phone inside is laid out at a phone's width.
    assert phone.locator("html").evaluate("el => el.clientWidth") == 390
    screenshot(page, "rehearse at 1280x720")

    # The console's own header leaves out what the page shows already, so its controls are in view.
    expect(console.get_by_test_id("qr")).to_be_hidden()
    expect(console.get_by_test_id("next")).to_be_in_viewport()

    # The rehearse page with every frame in it.
    for frame in page.frames:
        if frame != page.main_frame:
            frame.evaluate(AXE_SOURCE)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_a_real_sessions_facilitator_link_does_not_open_a_rehearsal(browser_server, contexts) -> None:
    server = browser_server
    real = server.start_session()
    page = contexts.page(f"{server.url}/s/{real['id']}/rehearse?key={key_of(real['facilitator_url'])}", **LAPTOP)
    expect(page.locator("h1")).to_have_text("Not found")
    # Its console may not be framed by any page, this site's own included.
    console = contexts.page(real["facilitator_url"], **LAPTOP)
    headers = console.request.get(f"{server.url}/s/{real['id']}/console").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
