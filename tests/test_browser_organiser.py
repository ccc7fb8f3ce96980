"""Browser: a named session from the facilitator's home to the organiser's page, where it is ended and
deleted after confirmations that say what happens; a code typed with a dash on the join form."""
# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    PRESENTER,
    browser_server,
    chromium,
    contexts,
    facilitator_home,
    organiser_home,
    screenshot,
    slide_title,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
NAME = "Tuesday group, Leeds"


def start_from_home(contexts, server, name: str):
    """Name and start a session from the facilitator's home; its console page (connected) and id."""
    console = contexts.page(facilitator_home(server), **PRESENTER)
    console.get_by_test_id("session-name").fill(name)
    # By id: decks/ holds the English and the Spanish deck, and what follows expects the English one.
    console.locator('[data-testid="start-session"][data-deck="interdependence"]').click()
    expect(console).to_have_url(re.compile(r"/s/[^/?]+/console$"))
    wait_connected(console)
    return console, console.url.split("/s/")[1].split("/")[0]


def test_a_named_session_is_ended_then_deleted_by_the_organiser(browser_server, contexts, screenshot) -> None:
    server = browser_server
    console, session_id = start_from_home(contexts, server, f"  {NAME} ")

    organiser = contexts.page(organiser_home(server), **PRESENTER)
    row = organiser.locator(f'[data-testid="session-row"][data-session="{session_id}"]')
    expect(row.get_by_test_id("session-name")).to_have_text(NAME)
    expect(row).to_contain_text("Live")
    # In the page's language (Babel): "Nov 27, 2026, 2:05 PM UTC" in English.
    expect(row.locator("time")).to_have_text(re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M UTC$"))
    screenshot(organiser, "organiser, live named session")

    # Dismissing the confirmation changes nothing.
    messages: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog: Dialog) -> None:
        messages.append(dialog.message)
        if answer["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    organiser.on("dialog", on_dialog)
    row.get_by_test_id("end-session").click()
    expect(row).to_contain_text("Live")
    assert "Phones can no longer answer" in messages[-1] and NAME in messages[-1]

    answer["accept"] = True
    row.get_by_test_id("end-session").click()
    row = organiser.locator(f'[data-testid="session-row"][data-session="{session_id}"]')
    expect(row).to_contain_text("Ended")
    expect(row.get_by_test_id("duration")).to_have_text(re.compile(r"^\d+ min$"))
    expect(row.get_by_test_id("end-session")).to_have_count(0)
    expect(console.get_by_test_id("ended")).to_be_visible()  # the console heard it from the organiser's end
    screenshot(organiser, "organiser, ended")

    row.get_by_test_id("delete-session").click()
    assert "cannot be recovered" in messages[-1] and NAME in messages[-1]
    expect(organiser.locator(f'[data-testid="session-row"][data-session="{session_id}"]')).to_have_count(0)
    gone = organiser.request.get(f"{server.url}/api/sessions/{session_id}/results.json")
    assert gone.status == 404


def test_a_code_typed_with_a_dash_on_the_join_form_joins(browser_server, contexts) -> None:
    server = browser_server
    session = server.start_session()
    code = session["code"]
    phone = contexts.phone(server.url + "/")
    phone.get_by_test_id("code-input").fill(f"{code[:3].lower()}-{code[3:]}")
    # Shown in capitals, and not cut to six characters by the box.
    expect(phone.get_by_test_id("code-input")).to_have_value(f"{code[:3]}-{code[3:]}")
    phone.get_by_role("button", name="Join").click()
    expect(phone).to_have_url(f"{server.url}/j/{code}")
    wait_connected(phone)


def test_a_second_browser_with_the_facilitator_link_gets_back_into_the_console(browser_server, contexts,
                                                                               screenshot) -> None:
    server = browser_server
    laptop, session_id = start_from_home(contexts, server, "Back in")

    # Another browser (a tablet, or the laptop after its tab was closed): only the facilitator link.
    tablet = contexts.page(facilitator_home(server), **PRESENTER)
    running = tablet.locator(f'[data-testid="running-session"][data-session="{session_id}"]')
    expect(running).to_contain_text("Back in")
    screenshot(tablet, "home with a live session")
    running.get_by_test_id("open-console").click()
    expect(tablet).to_have_url(f"{server.url}/s/{session_id}/console")
    wait_connected(tablet)
    # Both consoles hold it at once and stay in step.
    tablet.get_by_test_id("next").click()
    expect(laptop.get_by_test_id("slide-title")).to_have_text(slide_title(1))
    expect(tablet.get_by_test_id("slide-title")).to_have_text(slide_title(1))

    presenter = contexts.page(facilitator_home(server), **PRESENTER)
    presenter.locator(f'[data-testid="running-session"][data-session="{session_id}"]').get_by_test_id(
        "open-presenter").click()
    expect(presenter).to_have_url(f"{server.url}/s/{session_id}/present")
    wait_connected(presenter)


def test_the_organiser_page_fits_a_phone(browser_server, contexts, screenshot) -> None:
    server = browser_server
    server.api("POST", "/api/sessions", {"deck": "interdependence", "name": "A rather long session name, Leeds"})
    phone = contexts.phone(organiser_home(server))
    expect(phone.get_by_test_id("session-name").first).to_be_visible()
    widths = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"sideways scrolling: content {widths[0]} px wide on a {widths[1]} px screen"
    screenshot(phone, "organiser on a phone")


def test_b_blanks_the_projector_from_the_console_and_back(browser_server, contexts) -> None:
    server = browser_server
    session = server.start_session()
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    presenter = contexts.presenter(session["presenter_url"])
    wait_connected(presenter)
    phone = contexts.phone(session["join_url"])
    wait_connected(phone)
    console.keyboard.press("b")
    expect(presenter.locator("body")).to_have_class(re.compile(r"\bis-blank\b"))
    expect(console.get_by_test_id("blank-toggle")).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("body")).not_to_have_class(re.compile(r"\bis-blank\b"))
    # A projector that reloads (or a second one) stays blank: the state is the session's.
    reloaded = contexts.presenter(session["presenter_url"])
    wait_connected(reloaded)
    expect(reloaded.locator("body")).to_have_class(re.compile(r"\bis-blank\b"))
    console.get_by_test_id("blank-toggle").click()
    expect(presenter.locator("body")).not_to_have_class(re.compile(r"\bis-blank\b"))
    expect(console.get_by_test_id("blank-toggle")).to_have_text("Blank the screen")


@pytest.mark.parametrize("size", [{"width": 1440, "height": 900}, {"width": 1280, "height": 720}])
def test_the_console_header_stays_in_view_on_a_long_slide(browser_server, contexts, size) -> None:
    server = browser_server
    session = server.start_session()
    console = contexts.page(session["facilitator_url"], viewport=size)
    wait_connected(console)
    console.mouse.wheel(0, 4000)
    console.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    for testid in ("participant-count", "end-session"):
        box = console.get_by_test_id(testid).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (testid, box)


def test_the_console_shows_what_comes_next(browser_server, contexts) -> None:
    from tests.browser import POLL_SLIDE, SLIDES

    question = SLIDES[POLL_SLIDE["warmup_word"]]["poll"]["question"]

    server = browser_server
    session = server.start_session()
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    # Deck text in isolates (U+2068 ... U+2069) inside the interface's sentence.
    expect(console.get_by_test_id("next-up")).to_have_text(f"Next: \u2068{slide_title(1)}\u2069")
    before_poll = POLL_SLIDE["warmup_word"] - 1
    for _ in range(before_poll):
        console.get_by_test_id("next").click()
    expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(before_poll))
    expect(console.get_by_test_id("next-up")).to_have_text(
        f"Next: \u2068{slide_title(before_poll + 1)}\u2069 · poll: \u2068{question}\u2069")
    console.get_by_test_id("slide-item").last.click()
    expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(len(SLIDES) - 1))
    expect(console.get_by_test_id("next-up")).to_have_text("Last slide")
