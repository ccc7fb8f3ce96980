"""Browser test: Arabic, Hebrew and an emoji sequence stay intact and run the right way on every screen."""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    POLLS,
    browser_server,
    chromium,
    contexts,
    organiser_home,
    screenshot,
    socket_clients,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARABIC = "\u0627\u0644\u062b\u0642\u0629 \u0627\u0644\u0645\u062a\u0628\u0627\u062f\u0644\u0629"  # "mutual trust"
HEBREW = "\u05d0\u05de\u05d5\u05df \u05d4\u05d3\u05d3\u05d9"  # "mutual trust"
RUNNER = "\U0001F3C3\u200d\u2640\ufe0f"  # woman running: runner, ZWJ, female sign, VS16
ANSWERS = (ARABIC, HEBREW, RUNNER)
SAVED = "Answer saved — you can change it while the poll is open"


def texts(locator: Locator) -> list[str]:
    """Exact text content (no whitespace folding), in document order."""
    return list(locator.evaluate_all("nodes => nodes.map((node) => node.textContent)"))


def direction(locator: Locator) -> str:
    return str(locator.evaluate("node => getComputedStyle(node).direction"))


def left_of(count: Locator, text: Locator) -> bool:
    """Whether the count is drawn wholly to the left of the text."""
    count_box, text_box = count.bounding_box(), text.bounding_box()
    assert count_box and text_box
    return count_box["x"] + count_box["width"] <= text_box["x"] + 0.5


def answer_on_phone(phone: Page, text: str) -> None:
    field = phone.get_by_test_id("text-input")
    expect(field).to_be_enabled()
    field.fill(text)
    # The field takes its direction from what is typed; the counter counts code points, as the server does.
    assert direction(field) == ("ltr" if text == RUNNER else "rtl"), text
    expect(phone.get_by_test_id("text-counter")).to_have_text(
        f"{len(text)} / {POLLS['keep_self']['max_length']} characters")
    phone.get_by_test_id("submit").tap()
    expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)


def test_rtl_and_emoji_answers_stay_intact_in_the_cloud_the_list_and_the_report(
        browser_server, contexts, socket_clients, screenshot) -> None:
    """Three phones answer in Arabic, Hebrew and an emoji ZWJ sequence: every screen shows them as written,
    the right-to-left ones right to left with their count on the left."""
    session = browser_server.start_session()
    facilitator = socket_clients.facilitator(session)
    facilitator.go_to_poll("keep_self")
    facilitator.reveal("keep_self")
    presenter = contexts.presenter(session["presenter_url"])
    phones = [contexts.phone(session["join_url"]) for _ in ANSWERS]
    words = presenter.get_by_test_id("word")
    for index, (phone, text) in enumerate(zip(phones, ANSWERS, strict=True)):
        wait_connected(phone)
        answer_on_phone(phone, text)
        if index == 1:
            # The server releases results once two new answers are in (k = 2). Waiting for the first two on
            # screen makes the third start a new batch, whatever the ticks do.
            expect(words).to_have_count(2)
    # A fourth phone, by script, sends the third's partner, so the third is released too.
    scripted = socket_clients.participant(session)
    assert scripted.call("submit_answer", {"poll": "keep_self", "value": RUNNER})["ok"]

    expect(words).to_have_count(3)
    assert sorted(texts(words)) == sorted(ANSWERS)
    expect(words.filter(has_text=RUNNER)).to_have_attribute("data-count", "2")
    assert direction(words.filter(has_text=ARABIC)) == "rtl"
    assert direction(words.filter(has_text=HEBREW)) == "rtl"
    screenshot(presenter, "rtl-cloud")

    facilitator.call("set_text_view", {"poll": "keep_self", "view": "list"})
    for page in (presenter, phones[0]):
        rows = page.get_by_test_id("answer")
        expect(rows).to_have_count(3)
        assert sorted(texts(page.get_by_test_id("answer-text"))) == sorted(ANSWERS)
        for text in (ARABIC, HEBREW):
            row = rows.filter(has_text=text)
            assert direction(row.get_by_test_id("answer-text")) == "rtl"
            assert left_of(row.locator(".answer-count-wrap"), row.get_by_test_id("answer-text")), text
    screenshot(presenter, "rtl-list")
    facilitator.end()

    report = contexts.page(organiser_home(browser_server))
    report.goto(f"{browser_server.url}/organiser/sessions/{session['id']}/report")
    items = report.get_by_test_id("report-word")
    expect(items).to_have_count(3)
    assert sorted(texts(report.get_by_test_id("report-word-text"))) == sorted(ANSWERS)
    for text in (ARABIC, HEBREW):
        item = items.filter(has_text=text)
        assert direction(item.get_by_test_id("report-word-text")) == "rtl"
        assert left_of(item.get_by_test_id("report-word-count"), item.get_by_test_id("report-word-text")), text
        assert item.get_by_test_id("report-word-count").text_content() == "\u00d71"
    items.first.scroll_into_view_if_needed()
    screenshot(report, "rtl-report")
