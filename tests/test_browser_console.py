"""The console fits the work, in Chromium: the header and the moderation list in view, the countdown on every
screen, and clearing a poll's answers after a confirmation."""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    POLL_SLIDE,
    POLLS,
    SLIDES,
    browser_server,
    chromium,
    contexts,
    option,
    socket_clients,
    wait_connected,
)

TEXT_POLL = next(poll_id for poll_id, poll in POLLS.items() if poll["type"] == "text")
TIMER_SLIDE = next(index for index, slide in enumerate(SLIDES) if slide.get("timer"))
CLOCK = re.compile(r"^\d+:\d\d$")


def assert_in_view(page: Page, selector: str) -> None:
    """The element's box lies within the window, and the page is not scrolled."""
    where = page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return {scrolled: window.scrollY, top: box.top, bottom: box.bottom, height: window.innerHeight};
        }""", selector)
    assert where["scrolled"] == 0 and 0 <= where["top"] < where["bottom"] <= where["height"], (selector, where)


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_the_header_and_the_moderation_list_stay_in_view(browser_server, contexts, socket_clients, size) -> None:
    session = browser_server.start_session()
    facilitator = socket_clients.facilitator(session)
    phones = [socket_clients.participant(session) for _ in range(12)]
    facilitator.go_to_poll(TEXT_POLL)
    for index, phone in enumerate(phones):
        phone.call("submit_answer", {"poll": TEXT_POLL, "value": f"answer {index % 6}"})
    console = contexts.page(session["facilitator_url"], viewport={"width": size[0], "height": size[1]})
    wait_connected(console)
    rows = console.locator("#moderation-list").get_by_test_id("answer")
    expect(rows).to_have_count(6)
    assert_in_view(console, '#moderation-list [data-testid="answer"]')  # the first answer to moderate

    # Stepping to the last slides through the list scrolls the list, never the page: the count, the code
    # and End session stay where the facilitator expects them.
    last = len(SLIDES) - 1
    console.locator(f'[data-testid="slide-item"][data-index="{last}"]').click()
    expect(console.get_by_test_id("slide-title")).to_have_text(SLIDES[last]["title"])
    for testid in ("participant-count", "join-code", "end-session", "slide-title"):
        assert_in_view(console, f'[data-testid="{testid}"]')
    assert_in_view(console, f'[data-testid="slide-item"][data-index="{last}"]')


def test_a_countdown_runs_on_the_console_presenter_and_phones(browser_server, contexts) -> None:
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], viewport={"width": 1280, "height": 720})
    presenter = contexts.presenter(session["presenter_url"])
    phone = contexts.phone(session["join_url"])
    for page in (console, presenter, phone):
        wait_connected(page)
        expect(page.get_by_test_id("countdown")).to_be_hidden()

    # A slide with `timer: 2m` offers its length.
    console.locator(f'[data-testid="slide-item"][data-index="{TIMER_SLIDE}"]').click()
    expect(console.get_by_test_id("timer-length")).to_have_value("2")
    expect(console.get_by_test_id("timer-start")).to_have_text("Start 2:00")

    # A bad length is explained next to the field and starts nothing.
    console.get_by_test_id("timer-length").fill("90")
    console.get_by_test_id("timer-start").click()
    expect(console.get_by_test_id("timer-error")).to_contain_text("from 0.1 to 60")
    expect(presenter.get_by_test_id("countdown")).to_be_hidden()

    console.get_by_test_id("timer-length").fill("0.1")  # six seconds
    expect(console.get_by_test_id("timer-error")).to_be_hidden()
    console.get_by_test_id("timer-start").click()
    # The presenter's time is read as soon as it shows, before the other screens are checked: six seconds go
    # fast on a loaded machine.
    for page in (presenter, console, phone):
        expect(page.get_by_test_id("countdown")).to_be_visible()
        expect(page.get_by_test_id("countdown-time")).to_have_text(CLOCK)
        if page is presenter:
            seconds = int(presenter.get_by_test_id("countdown-time").inner_text().split(":")[1])
            assert 1 <= seconds <= 6
    for page in (presenter, phone):
        expect(page.get_by_test_id("countdown")).to_contain_text("Time's up", timeout=10_000)
        expect(page.get_by_test_id("countdown-time")).to_have_text("0:00")
    # A phone that arrives now still sees that time is up (the server tells the time left, here none).
    late = contexts.phone(session["join_url"])
    expect(late.get_by_test_id("countdown")).to_contain_text("Time's up")

    # `t` on the console starts the length in the field again, and `t` stops it on every screen.
    console.get_by_test_id("timer-length").fill("5")
    console.locator("body").click(position={"x": 5, "y": 700})
    console.keyboard.press("t")
    for page in (presenter, console):  # the console too: `t` stops only a timer it knows is counting down
        expect(page.get_by_test_id("countdown-time")).to_have_text(re.compile(r"^[45]:\d\d$"))
    expect(console.get_by_test_id("timer-stop")).to_be_visible()
    console.keyboard.press("t")
    for page in (presenter, phone, console):
        expect(page.get_by_test_id("countdown")).to_be_hidden()
    expect(console.get_by_test_id("timer-stop")).to_be_hidden()


def test_clearing_answers_asks_first_and_lets_phones_answer_again(browser_server, contexts) -> None:
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], viewport={"width": 1280, "height": 720})
    phones = [contexts.phone(session["join_url"]) for _ in range(2)]
    for page in (console, *phones):
        wait_connected(page)
    console.locator(f'[data-testid="slide-item"][data-index="{POLL_SLIDE["warmup_word"]}"]').click()
    expect(console.get_by_test_id("reset-poll")).to_be_disabled()  # never opened: nothing to clear
    console.get_by_test_id("open-poll").click()
    for index, phone in enumerate(phones):
        option(phone, index).tap()
        expect(phone.get_by_test_id("answer-status")).to_contain_text("Answer saved")
    expect(console.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")

    # Dismissing the confirmation keeps everything.
    asked: list[str] = []
    console.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    console.get_by_test_id("reset-poll").click()
    expect(console.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    assert asked and "Clear all 2 answers" in asked[0] and "deleted for good" in asked[0]
    expect(phones[0].get_by_test_id("answer-status")).to_contain_text("Answer saved")

    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_test_id("reset-poll").click()
    expect(console.get_by_test_id("control-message")).to_contain_text("Answers cleared")
    expect(console.get_by_test_id("answered-count")).to_have_text("No results yet")
    for phone in phones:
        expect(phone.get_by_test_id("answer-status")).to_have_text(
            "The facilitator cleared the answers: you can answer again")
        expect(phone.locator('[data-testid="option"][aria-pressed="true"]')).to_have_count(0)
    option(phones[0], 3).tap()
    expect(phones[0].get_by_test_id("answer-status")).to_contain_text("Answer saved")
    # After a reload the phone holds only its new answer.
    phones[0].reload()
    expect(phones[0].get_by_test_id("answer-status")).to_contain_text("Answer saved")
