"""Browser test: two phones ask and vote, the facilitator approves, pins and marks answered in the console,
the presenter shows the questions in vote order, and the report lists the shown ones with their votes."""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    PHONE,
    axe_violations,
    browser_server,
    chromium,
    contexts,
    describe_violations,
    organiser_home,
    screenshot,
    socket_clients,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BOUNDARY = "How do I set a boundary without a fight?"
JEALOUSY = "Is jealousy a sign of love?"
HELP = "Where can I get help near here?"
UNKIND = "Something unkind about a person"
WAITING = "Sent. It will appear once the facilitator approves it."


def ask(phone: Page, text: str, status: str = WAITING) -> None:
    field = phone.get_by_test_id("qa-input")
    field.fill(text)
    expect(phone.get_by_test_id("qa-counter")).to_have_text(f"{len(text)} / 200")
    phone.get_by_test_id("qa-send").tap()
    expect(phone.get_by_test_id("qa-status")).to_have_text(status)
    expect(field).to_have_value("")


def item(page: Page, test_id: str, text: str):
    return page.get_by_test_id(test_id).filter(has_text=text)


def vote(phone: Page, text: str, pressed: str = "true", then: list[str] | None = None) -> None:
    """Tap a question's vote toggle; with `then`, wait until the phone's list is in that order.

    The toggle shows the vote at once, but the list reorders only when the server's next list arrives, a tick
    later: a tap in that moment can land on the question that moves into the tapped place. Tap again only
    once the list stands still.
    """
    button = item(phone, "qa-item", text).get_by_test_id("qa-vote")
    button.tap()
    expect(button).to_have_attribute("aria-pressed", pressed)
    if then is not None:
        expect(phone.get_by_test_id("qa-list").get_by_test_id("qa-text")).to_have_text(then)


def moderate(console: Page, text: str, action: str, status: str) -> None:
    """Approve or hide a question in the console, and wait until its list has moved it (pending questions come
    first): the next click must not land on the question that slides into this one's place."""
    question = item(console, "qa-console-item", text)
    question.get_by_test_id(f"qa-{action}").click()
    expect(question).to_have_attribute("data-status", status)


def test_questions_from_phones_to_the_console_the_presenter_and_the_report(
        browser_server, contexts, socket_clients, screenshot) -> None:
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], viewport={"width": 1280, "height": 720})
    wait_connected(console)
    presenter = contexts.presenter(session["presenter_url"])
    # The second phone is in dark mode: the Q&A box follows the phone's dark palette.
    phone_a = contexts.phone(session["join_url"])
    phone_b = contexts.page(session["join_url"], **PHONE, color_scheme="dark")
    for page in (presenter, phone_a, phone_b):
        wait_connected(page)
    expect(phone_a.get_by_test_id("qa")).to_be_hidden()
    expect(presenter.get_by_test_id("stage-qa")).to_be_hidden()

    # The facilitator opens Q&A with approval first.
    console.get_by_test_id("qa-moderation").select_option("approve")
    console.get_by_test_id("qa-open").click()
    expect(console.get_by_test_id("qa-open")).to_have_attribute("aria-pressed", "true")
    expect(phone_a.get_by_test_id("qa")).to_be_visible()
    expect(presenter.get_by_test_id("stage-qa")).to_be_visible()

    # The counter counts, and a question over the limit cannot be sent.
    phone_b.get_by_test_id("qa-input").fill("x" * 201)
    expect(phone_b.get_by_test_id("qa-counter")).to_have_text("201 / 200")
    expect(phone_b.get_by_test_id("qa-send")).to_be_disabled()
    expect(phone_b.get_by_test_id("qa-status")).to_contain_text("Too long")

    ask(phone_a, BOUNDARY)
    ask(phone_b, JEALOUSY)
    ask(phone_a, HELP)
    ask(phone_b, UNKIND)
    pending = console.locator("[data-testid=qa-console-item][data-status=pending]")
    expect(pending).to_have_count(4)
    # The sticky header says so on every slide, and leads to the panel.
    expect(console.get_by_test_id("qa-alert")).to_have_text("4 questions waiting")
    expect(console.get_by_test_id("qa-alert")).to_have_attribute("href", "#qa-panel")
    expect(phone_a.get_by_test_id("qa-item")).to_have_count(0)
    screenshot(console, "pending")
    for text in (BOUNDARY, JEALOUSY, HELP):
        moderate(console, text, "approve", "shown")
    moderate(console, UNKIND, "hide", "hidden")
    expect(pending).to_have_count(0)
    expect(console.get_by_test_id("qa-alert")).to_be_hidden()
    for phone in (phone_a, phone_b):
        expect(phone.get_by_test_id("qa-item")).to_have_count(3)
    expect(phone_a.get_by_test_id("qa-list")).not_to_contain_text(UNKIND)

    # Votes: HELP 2, JEALOUSY 1, BOUNDARY 0; a vote taken back and given again counts once.
    vote(phone_b, HELP)
    # Phone A's list reorders when it hears of that vote: tap only once it has (else the tap may land on the
    # question that moved under it).
    expect(item(phone_a, "qa-item", HELP).get_by_test_id("qa-vote")).to_contain_text("1")
    expect(phone_a.get_by_test_id("qa-list").get_by_test_id("qa-text").first).to_have_text(HELP)
    vote(phone_a, HELP)
    # Each of these votes moves JEALOUSY past BOUNDARY (equal votes: the older question first), one way or back.
    vote(phone_a, JEALOUSY, then=[HELP, JEALOUSY, BOUNDARY])
    vote(phone_a, JEALOUSY, "false", then=[HELP, BOUNDARY, JEALOUSY])
    vote(phone_a, JEALOUSY)
    expect(item(phone_b, "qa-item", HELP).get_by_test_id("qa-vote")).to_contain_text("2")
    stage = presenter.get_by_test_id("stage-qa-item").get_by_test_id("qa-text")
    expect(stage).to_have_text([HELP, JEALOUSY, BOUNDARY])
    expect(presenter.get_by_test_id("stage-qa")).not_to_contain_text(UNKIND)
    for phone in (phone_a, phone_b):
        expect(phone.get_by_test_id("qa-list").get_by_test_id("qa-text")).to_have_text([HELP, JEALOUSY, BOUNDARY])
    screenshot(presenter, "top-questions")
    screenshot(phone_a, "phone", full_page=True)
    screenshot(phone_b, "phone-dark", full_page=True)
    for page in (phone_a, phone_b, console, presenter):
        violations = axe_violations(page)
        assert not violations, describe_violations(violations)

    # Pin one; mark another answered: the pinned one is large, the answered one leaves the top list.
    item(console, "qa-console-item", JEALOUSY).get_by_test_id("qa-pin").click()
    expect(presenter.get_by_test_id("stage-qa-pinned")).to_contain_text(JEALOUSY)
    item(console, "qa-console-item", HELP).get_by_test_id("qa-answered").click()
    expect(stage).to_have_text([BOUNDARY])
    expect(presenter.get_by_test_id("stage-qa-note")).to_contain_text("1 answered")
    expect(item(phone_a, "qa-item", JEALOUSY)).to_contain_text("On screen")
    expect(item(console, "qa-console-item", HELP).get_by_test_id("qa-meta")).to_contain_text("answered")
    screenshot(presenter, "pinned")
    screenshot(console, "moderated")

    # Closing Q&A takes the box off the phones; the pinned question stays on the screen until unpinned.
    console.get_by_test_id("qa-open").click()
    expect(phone_a.get_by_test_id("qa")).to_be_hidden()
    expect(presenter.get_by_test_id("stage-qa-pinned")).to_be_visible()

    # Over a poll's results only the pinned question shows, as a strip that leaves the results their room.
    facilitator = socket_clients.facilitator(session)
    facilitator.go_to_poll("keep_self")
    expect(presenter.locator("#main")).to_have_attribute("data-poll", "text")
    expect(presenter.get_by_test_id("stage-qa-list")).to_be_hidden()
    strip = presenter.get_by_test_id("stage-qa").bounding_box()
    results = presenter.get_by_test_id("results").bounding_box()
    assert strip and results and strip["y"] >= results["y"] + results["height"], (strip, results)
    screenshot(presenter, "pinned-over-poll")
    facilitator.end()
    report = contexts.page(organiser_home(browser_server))
    report.goto(f"{browser_server.url}/organiser/sessions/{session['id']}/report")
    expect(report.get_by_test_id("report-question-text")).to_have_text([HELP, JEALOUSY, BOUNDARY])
    expect(report.get_by_test_id("report-question-votes")).to_have_text(["2 votes", "1 vote", "0 votes"])
    expect(report.get_by_test_id("report-questions")).not_to_contain_text(UNKIND)
    screenshot(report, "report")
