"""Slides in Chromium: a deck's picture on the projector, slide content on phones, support resources at the end."""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import (  # noqa: F401  (fixtures)
    DECK,
    PICTURE_ALT,
    PICTURE_SLIDE,
    PRESENTER,
    SLIDES,
    SMALL_DARK_PHONE,
    axe_violations,
    browser_server,
    chromium,
    contexts,
    describe_violations,
    screenshot,
    socket_clients,
    wait_connected,
)
from tests.conftest import eventually

LAST_SLIDE = len(SLIDES) - 1
PICTURE_SLIDES = [index for index, slide in enumerate(SLIDES) if "![" in slide.get("body", "")]
RESOURCES = DECK["resources"]
PICTURE_URL = re.compile(r"^/decks/interdependence/media/[a-z-]+\.svg\?v=[0-9a-f]{16}$")


def fits_inside(page, inner: str, outer: str) -> bool:
    """Whether the first element matching `inner` lies wholly inside the first matching `outer` (1 px slack)."""
    return bool(page.evaluate(
        """([inner, outer]) => {
            const a = document.querySelector(inner).getBoundingClientRect();
            const b = document.querySelector(outer).getBoundingClientRect();
            return a.width > 0 && a.height > 0 && a.left >= b.left - 1 && a.right <= b.right + 1
                && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
        }""", [inner, outer]))


def stage_holds_the_picture(page) -> bool:
    """Whether the projector's picture lies inside its slide, and the slide neither overflows nor leaves the page."""
    return fits_inside(page, "#slide-body img.slide-image", "#stage-slide") and fits_inside(
        page, "#stage-slide", "body") and bool(page.evaluate(
            "() => { const s = document.querySelector('#stage-slide'); return s.scrollHeight <= s.clientHeight + 1; }"))


def loaded(page, selector: str) -> None:
    """Wait until the picture has arrived and has a size."""
    page.wait_for_function(
        "(s) => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }", arg=selector)


def test_pictures_phone_slides_and_resources(browser_server, contexts, socket_clients, screenshot) -> None:
    session = browser_server.start_session()
    facilitator = socket_clients.facilitator(session)
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    presenter = contexts.presenter(session["presenter_url"])
    wait_connected(presenter)
    phone = contexts.phone(session["join_url"])
    small = contexts.page(session["join_url"], **SMALL_DARK_PHONE)
    for page in (phone, small):
        wait_connected(page)

    # The picture on the projector: served from the app, with its alt text, inside the 1280x720 stage.
    facilitator.go_to(PICTURE_SLIDE)
    image = presenter.locator("#slide-body img.slide-image")
    expect(image).to_have_attribute("alt", PICTURE_ALT)
    expect(image).to_have_attribute("src", PICTURE_URL)
    loaded(presenter, "#slide-body img.slide-image")
    # The stage fits itself again once the picture arrives: in a frame soon after, later on a loaded machine.
    eventually(lambda: stage_holds_the_picture(presenter), "the picture and its slide to fit the stage")
    screenshot(presenter, "presenter-picture")
    expect(console.locator("#slide-html img.slide-image")).to_have_attribute("alt", PICTURE_ALT)
    screenshot(console, "console-picture")

    # Every picture slide of the deck fits the stage once its picture has arrived.
    for index in PICTURE_SLIDES:
        facilitator.go_to(index)
        expect(presenter.get_by_test_id("slide-title")).to_have_text(SLIDES[index]["title"])
        loaded(presenter, "#slide-body img.slide-image")
        eventually(lambda: stage_holds_the_picture(presenter), f"{SLIDES[index]['title']!r} to fit the stage")
        screenshot(presenter, f"presenter-picture-{index}")
    facilitator.go_to(PICTURE_SLIDE)

    # Phones show the title only until the facilitator switches slide content on.
    for page in (phone, small):
        expect(page.get_by_test_id("slide-title")).to_have_text(SLIDES[PICTURE_SLIDE]["title"])
        expect(page.get_by_test_id("phone-slide")).to_be_hidden()
        expect(page.locator("img.slide-image")).to_have_count(0)
    toggle = console.get_by_test_id("phone-slides-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    for page in (phone, small):
        expect(page.get_by_test_id("phone-slide-body")).to_be_visible()
        expect(page.locator("#phone-slide-body img.slide-image")).to_have_attribute("alt", PICTURE_ALT)
        expect(page.get_by_test_id("phone-slide-body")).to_contain_text("Two people who")
        loaded(page, "#phone-slide-body img.slide-image")
        assert fits_inside(page, "#phone-slide-body img.slide-image", "#phone-slide-body")
        width = page.viewport_size["width"] if page.viewport_size else 0
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    violations = axe_violations(small)
    assert not violations, describe_violations(violations)
    screenshot(small, "phone-320-dark-slide")
    screenshot(phone, "phone-slide")

    # A phone that joins now gets the choice with its state; switching off hides the content again.
    late = contexts.phone(session["join_url"])
    expect(late.get_by_test_id("phone-slide-body")).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    for page in (phone, late):
        expect(page.get_by_test_id("phone-slide")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")

    # The last slide lists where to turn, on the projector and (with slide content on) on phones.
    facilitator.go_to(LAST_SLIDE)
    resources = presenter.get_by_test_id("slide-resources")
    expect(resources).to_be_visible()
    expect(resources.locator("h2")).to_have_text(RESOURCES["title"])
    expect(resources.locator("li")).to_have_text(RESOURCES["items"])
    # The last slide opens Q&A: its column arrives beside the slide a tick (or a room slot) later, and the
    # resources must still fit once it is there.
    expect(presenter.locator("#stage-qa")).to_be_visible()
    # Fitted again in the frame after the column's layout.
    eventually(lambda: fits_inside(presenter, "#stage-resources", "#stage-slide"), "the resources to fit the slide")
    screenshot(presenter, "presenter-resources")
    expect(phone.get_by_test_id("slide-resources").locator("li")).to_have_count(len(RESOURCES["items"]))

    # The thank-you screen keeps them once the session has ended.
    facilitator.end()
    for page in (phone, small, late):
        ended = page.get_by_test_id("ended")
        expect(ended).to_be_visible()
        expect(ended.get_by_test_id("resources").locator("h2")).to_have_text(RESOURCES["title"])
        expect(ended.get_by_test_id("resource")).to_have_text(RESOURCES["items"])
    violations = axe_violations(small)
    assert not violations, describe_violations(violations)
    screenshot(small, "phone-320-dark-ended")
