"""Browser tests: the facilitator home and console, the presenter screen and phones in Debian's Chromium.

One server (min responses 2) and one Chromium per module; every test starts its own session and contexts.
"""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect
from pypdf import PdfReader

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    ARTIFACTS,
    DECK,
    FULL_HD,
    JOIN_SLIDE,
    PHONE,
    POLL_SLIDE,
    POLLS,
    PRESENTER,
    SLIDES,
    Sockets,
    axe_violations,
    bar,
    browser_server,
    chromium,
    collapse,
    contexts,
    describe_violations,
    expect_counts,
    facilitator_home,
    join_burst,
    join_window_start,
    option,
    option_counts,
    organiser_home,
    phone_title,
    scale_bar,
    screenshot,
    slide_title,
    socket_clients,
    wait_connected,
)
from tests.servers import running_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SAVED = "Answer saved — you can change it while the poll is open"
WARMUP = POLLS["warmup_word"]
K = 2  # the browser server's WORKSHOP_MIN_RESPONSES
HELD_BACK = f"Results appear once at least {K} people have answered"
QUIET_SECONDS = 1.5  # several broadcaster ticks (250 ms): long enough for an update that should not come


def expect_counts_hold(page: Page, counts: list[int]) -> None:
    """The bars show `counts` and still do after a few broadcaster ticks: nothing was released."""
    expect_counts(page, counts)
    page.wait_for_timeout(QUIET_SECONDS * 1000)
    expect_counts(page, counts)


def expect_fits(page: Page) -> None:
    """The presenter stage fits its window: nothing to scroll."""
    size = page.evaluate("() => ({w: innerWidth, h: innerHeight, sw: document.documentElement.scrollWidth,"
                         " sh: document.documentElement.scrollHeight})")
    assert size["sw"] <= size["w"] and size["sh"] <= size["h"], f"the presenter screen scrolls: {size}"


def phone_title(index: int) -> str:
    """A slide's title as phones show it: on the join slide they say they are in."""
    return "You\u2019re in" if index == JOIN_SLIDE else slide_title(index)


def test_first_live_workshop(browser_server, contexts, screenshot) -> None:
    """Home → Start session → console steps to a poll and opens it; phones answer; the presenter counts."""
    server = browser_server
    console = contexts.page(facilitator_home(server), **PRESENTER)
    expect(console).to_have_url(server.url + "/")  # the token moved into a cookie
    deck = console.get_by_test_id("deck").filter(has_text=DECK["title"])
    expect(deck).to_have_count(1)
    expect(deck).to_contain_text(f"{len(SLIDES)} slides")
    deck.get_by_test_id("start-session").click()

    expect(console).to_have_url(re.compile(r"/s/[^/?]+/console$"))
    wait_connected(console)
    expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(0))
    expect(console.get_by_test_id("slide-item")).to_have_count(len(SLIDES))
    session_id = console.locator("body").get_attribute("data-session")
    join_url = console.get_by_test_id("join-url").get_attribute("href")
    code = console.get_by_test_id("join-code").inner_text()
    assert join_url == f"{server.url}/j/{code}"

    with console.expect_popup() as popup:
        console.get_by_test_id("open-presenter").click()
    presenter = popup.value
    presenter.set_viewport_size(PRESENTER["viewport"])
    expect(presenter).to_have_url(f"{server.url}/s/{session_id}/present")
    wait_connected(presenter)
    expect(presenter.get_by_test_id("slide-title")).to_have_text(slide_title(0))

    phones = [contexts.phone(join_url) for _ in range(2)]
    for phone in phones:
        expect(phone.get_by_test_id("join-code")).to_have_text(code)
        expect(phone.get_by_test_id("waiting")).to_be_visible()
        expect(phone.get_by_test_id("slide-title")).to_have_text(console.get_by_test_id("slide-title").inner_text())
    expect(console.get_by_test_id("participant-count")).to_have_text("2")
    expect(presenter.get_by_test_id("participant-count")).to_have_text("2")

    # Step with the console's Next button until the warm-up poll; the phones and the presenter follow.
    target = POLL_SLIDE["warmup_word"]
    for index in range(1, target + 1):
        console.get_by_test_id("next").click()
        expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(index))
        expect(console.locator("#slide-pos")).to_have_text(f"Slide {index + 1} of {len(SLIDES)}")
        expect(presenter.get_by_test_id("slide-title")).to_have_text(slide_title(index))
        for phone in phones:
            expect(phone.get_by_test_id("slide-title")).to_have_text(phone_title(index))
        if index == JOIN_SLIDE:
            expect(presenter.locator("#join-panel")).to_have_attribute("data-mode", "join")
    expect(console.locator('[data-testid="slide-item"][aria-current="step"]')).to_have_attribute(
        "data-index", str(target))
    expect(console.get_by_test_id("poll-question")).to_have_text(WARMUP["question"])
    # Never opened yet: not "closed" on any screen, and no count of answers on the projector.
    expect(console.get_by_test_id("poll-status")).to_have_text("Not open yet")
    expect(presenter.get_by_test_id("poll-status")).to_have_text("Not open yet")
    expect(presenter.get_by_test_id("answered-count")).to_be_hidden()

    for phone in phones:
        expect(phone.get_by_test_id("waiting")).to_be_hidden()
        expect(phone.get_by_test_id("poll-question")).to_have_text(WARMUP["question"])
        expect(phone.get_by_test_id("option")).to_have_count(len(WARMUP["options"]))
        expect(phone.locator("#poll-hint")).to_have_text(re.compile(r"^Not open yet"))
        expect(option(phone, 0)).to_be_disabled()

    console.get_by_test_id("open-poll").click()
    expect(console.get_by_test_id("poll-status")).to_have_text("Open")
    expect(presenter.get_by_test_id("poll-status")).to_have_text("Open")
    for phone in phones:
        expect(option(phone, 0)).to_be_enabled()
    # Nothing released yet: a calm message with k, no count and no count-down anywhere.
    expect(presenter.get_by_test_id("results-message")).to_have_text(HELD_BACK)
    expect(presenter.get_by_test_id("answered-count")).to_be_hidden()
    expect(console.get_by_test_id("results-message")).to_have_text(HELD_BACK)
    expect(console.get_by_test_id("answered-count")).to_have_text("No results yet")
    expect(console.get_by_test_id("release-hint")).to_have_text(f"· updates after every {K} answers")

    honest = WARMUP["options"].index("Honest")
    option(phones[0], 0).tap()
    option(phones[1], honest).tap()
    for phone, chosen in ((phones[0], 0), (phones[1], honest)):
        expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
        expect(option(phone, chosen)).to_have_attribute("aria-pressed", "true")
        expect(phone.locator('[data-testid="option"][aria-pressed="true"]')).to_have_count(1)

    counts = [0] * len(WARMUP["options"])
    counts[0] = counts[honest] = 1
    expect_counts(presenter, counts)
    expect(presenter.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect(console.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect(console.get_by_test_id("release-hint")).to_be_visible()
    for phone in phones:  # the warm-up poll shows its results to the room
        expect_counts(phone, counts)

    # Phone 1 changes its mind. Alone, that moves nothing: its change would be seen on its own.
    option(phones[0], honest).tap()
    expect(option(phones[0], honest)).to_have_attribute("aria-pressed", "true")
    expect(option(phones[0], 0)).to_have_attribute("aria-pressed", "false")
    expect(phones[0].get_by_test_id("answer-status")).to_have_text(SAVED)
    expect_counts_hold(presenter, counts)
    expect_counts(phones[1], counts)
    # Phone 2 changes too: now k people changed, the bars move to both; the number of answers does not.
    steady = WARMUP["options"].index("Steady")
    option(phones[1], steady).tap()
    expect(phones[1].get_by_test_id("answer-status")).to_have_text(SAVED)
    counts[0], counts[honest], counts[steady] = 0, 1, 1
    expect_counts(presenter, counts)
    for phone in phones:
        expect_counts(phone, counts)
    expect(presenter.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect(console.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect(bar(presenter, 0)).not_to_have_class(re.compile(r"\bis-top\b"))
    expect(bar(presenter, honest)).to_have_class(re.compile(r"\bis-top\b"))

    console.get_by_test_id("close-poll").click()
    expect(console.get_by_test_id("poll-status")).to_have_text("Closed")
    expect(presenter.get_by_test_id("poll-status")).to_have_text("Closed")
    for phone, chosen in ((phones[0], honest), (phones[1], steady)):
        expect(phone.locator("#poll-hint")).to_have_text("This poll is closed")
        # The answer in an isolate of its own (U+2068 ... U+2069): the sentence keeps its order in any direction.
        expect(phone.get_by_test_id("answer-status")).to_have_text(
            f"Your answer: \u2068{WARMUP['options'][chosen]}\u2069")
        expect(option(phone, chosen)).to_be_disabled()

    expect_fits(presenter)
    screenshot(presenter, "presenter")
    for number, phone in enumerate(phones, 1):
        screenshot(phone, f"phone{number}")
    presenter.set_viewport_size(FULL_HD["viewport"])
    expect(bar(presenter, honest)).to_be_in_viewport()
    expect_fits(presenter)
    screenshot(presenter, "presenter-1920x1080")


def test_every_poll_type(browser_server, contexts, socket_clients, screenshot) -> None:
    """Scale: hidden, then revealed with a distribution and mean. Text: cloud, list, moderated away."""
    session = browser_server.start_session()
    facilitator = socket_clients.facilitator(session)
    presenter = contexts.presenter(session["presenter_url"])
    phones = [contexts.phone(session["join_url"]) for _ in range(2)]
    for phone in phones:
        wait_connected(phone)
    expect(presenter.get_by_test_id("participant-count")).to_have_text("2")

    # Multiple choice: tick boxes, then Submit; nothing ticked is refused on the phone.
    habits = POLLS["codependent_habits"]
    facilitator.go_to_poll("codependent_habits")
    for phone, ticked in zip(phones, ([0, 1], [1, 3]), strict=True):
        expect(phone.get_by_test_id("poll-question")).to_have_text(habits["question"])
        expect(phone.get_by_test_id("option")).to_have_count(len(habits["options"]))
        expect(phone.get_by_test_id("submit")).to_be_enabled()
        phone.get_by_test_id("submit").tap()
        expect(phone.get_by_test_id("answer-status")).to_have_text("Choose at least one option first.")
        for index in ticked:
            option(phone, index).tap()
            expect(phone.locator(f"#opt-{index}")).to_be_checked()
        phone.get_by_test_id("submit").tap()
        expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
    expect(presenter.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect(presenter.get_by_test_id("results-message")).to_have_text("Results hidden — 2 answers so far")
    expect(presenter.get_by_test_id("bar")).to_have_count(0)
    facilitator.reveal("codependent_habits")
    habit_counts = option_counts("codependent_habits", {0: 1, 1: 2, 3: 1})
    expect_counts(presenter, habit_counts)
    expect(bar(presenter, 1)).to_contain_text("100%")  # of the people who answered, not of all ticks
    expect_counts(phones[1], habit_counts)
    screenshot(presenter, "multiple")

    # Scale: results hidden until revealed.
    own_time = POLLS["own_time"]
    facilitator.go_to_poll("own_time")
    for phone, value in zip(phones, (2, 5), strict=True):
        expect(phone.get_by_test_id("poll-question")).to_have_text(own_time["question"])
        steps = own_time["scale"]["max"] - own_time["scale"]["min"] + 1
        expect(phone.get_by_test_id("scale-option")).to_have_count(steps)
        button = phone.locator(f'[data-testid="scale-option"][data-value="{value}"]')
        expect(button).to_be_enabled()
        button.tap()
        expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
        expect(button).to_have_attribute("aria-pressed", "true")
    expect(presenter.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect(presenter.get_by_test_id("results-message")).to_have_text("Results hidden — 2 answers so far")
    expect(presenter.get_by_test_id("bar")).to_have_count(0)
    expect(presenter.get_by_test_id("mean")).to_have_count(0)
    for phone in phones:
        expect(phone.locator("#phone-results-wrap")).to_be_hidden()
        expect(phone.get_by_test_id("bar")).to_have_count(0)

    facilitator.reveal("own_time")
    for value in range(own_time["scale"]["min"], own_time["scale"]["max"] + 1):
        expect(scale_bar(presenter, value)).to_have_attribute("data-count", "1" if value in (2, 5) else "0")
    expect(presenter.get_by_test_id("mean")).to_have_text("mean 3.5")
    expect(presenter.get_by_test_id("mean")).to_be_visible()
    expect(presenter.get_by_test_id("results-message")).to_be_hidden()
    for phone in phones:
        expect(phone.locator("#phone-results-wrap")).to_be_visible()
        expect(scale_bar(phone, 2)).to_have_attribute("data-count", "1")
        expect(scale_bar(phone, 5)).to_have_attribute("data-count", "1")
        expect(phone.get_by_test_id("mean")).to_have_text("mean 3.5")
    screenshot(presenter, "scale")
    screenshot(phones[0], "scale-phone")

    # Text: "Friends" and "friends!" count as one word, shown as someone wrote it (a tie: code point order).
    keep_self = POLLS["keep_self"]
    facilitator.go_to_poll("keep_self")
    for phone, text in zip(phones, ("Friends", "friends!"), strict=True):
        expect(phone.get_by_test_id("poll-question")).to_have_text(keep_self["question"])
        field = phone.get_by_test_id("text-input")
        expect(field).to_be_enabled()
        field.fill(text)
        expect(phone.get_by_test_id("text-counter")).to_have_text(f"{len(text)} / {keep_self['max_length']} characters")
        phone.get_by_test_id("submit").tap()
        expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
    expect(presenter.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect(presenter.get_by_test_id("results-message")).to_have_text("Results hidden — 2 answers so far")
    expect(presenter.get_by_test_id("word")).to_have_count(0)

    facilitator.reveal("keep_self")
    word = presenter.get_by_test_id("word")
    expect(word).to_have_count(1)
    expect(word).to_have_text("Friends")
    expect(word).to_have_attribute("data-count", "2")
    expect(presenter.locator(".cloud")).to_be_visible()
    screenshot(presenter, "word-cloud")

    facilitator.call("set_text_view", {"poll": "keep_self", "view": "list"})
    answer = presenter.get_by_test_id("answer")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("Friends")
    expect(answer).to_have_attribute("data-count", "2")
    expect(presenter.get_by_test_id("word")).to_have_count(0)
    for phone in phones:
        expect(phone.get_by_test_id("answer")).to_have_attribute("data-count", "2")
    screenshot(presenter, "text-list")

    facilitator.call("hide_answer", {"poll": "keep_self", "text": "friends", "hidden": True})
    expect(presenter.get_by_test_id("answer")).to_have_count(0)
    expect(presenter.get_by_test_id("results-message")).to_have_text("No answers to show yet.")
    expect(presenter.locator("body")).not_to_contain_text("riends")
    for phone in phones:
        expect(phone.get_by_test_id("answer")).to_have_count(0)


TYPE_LABELS = {"single": "Single choice", "multiple": "Multiple choice", "scale": "Scale", "text": "Text",
               "ranking": "Ranking"}


def test_console_shows_each_poll_type(browser_server, contexts, socket_clients) -> None:
    """The console names every poll's type; only text polls get the view switch and moderation, which work."""
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    presenter = contexts.presenter(session["presenter_url"])
    wait_connected(presenter)
    assert set(TYPE_LABELS) == {poll["type"] for poll in POLLS.values()}, "the deck should use every poll type"

    for poll_id, poll in POLLS.items():
        item = console.locator(f'[data-testid="slide-item"][data-index="{POLL_SLIDE[poll_id]}"]')
        label = TYPE_LABELS[poll["type"]]
        expect(item.locator(".tag-poll")).to_have_attribute("title", f"Poll: {label}")
        item.click()
        expect(console.get_by_test_id("poll-question")).to_have_text(poll["question"])
        expect(console.locator("#poll-type")).to_have_text(label)
        for extra in (console.get_by_test_id("view-cloud"), console.get_by_test_id("view-list"),
                      console.locator("#moderation")):
            if poll["type"] == "text":
                expect(extra).to_be_visible()
            else:
                expect(extra).to_be_hidden()

    # The text poll's extras, driven from the console: the list view on the screen, then one answer hidden.
    text_poll = next(poll_id for poll_id, poll in POLLS.items() if poll["type"] == "text")
    console.locator(f'[data-testid="slide-item"][data-index="{POLL_SLIDE[text_poll]}"]').click()
    expect(console.get_by_test_id("poll-question")).to_have_text(POLLS[text_poll]["question"])
    console.get_by_test_id("open-poll").click()
    expect(console.get_by_test_id("poll-status")).to_have_text("Open")
    for text in ("walks", "music"):
        socket_clients.participant(session).call("submit_answer", {"poll": text_poll, "value": text})
    expect(console.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    assert POLLS[text_poll].get("results_visible") is False, "the deck hides this poll's results at first"
    console.get_by_test_id("toggle-results").click()
    expect(presenter.get_by_test_id("word")).to_have_count(2)
    expect(console.get_by_test_id("view-cloud")).to_have_attribute("aria-pressed", "true")

    console.get_by_test_id("view-list").click()
    expect(console.get_by_test_id("view-list")).to_have_attribute("aria-pressed", "true")
    expect(presenter.get_by_test_id("answer")).to_have_count(2)
    expect(presenter.get_by_test_id("word")).to_have_count(0)

    row = console.locator("#moderation-list").get_by_test_id("answer").filter(has_text="walks")
    row.get_by_test_id("moderate").click()
    expect(row.get_by_test_id("moderate")).to_have_attribute("data-hidden", "true")
    expect(presenter.get_by_test_id("answer")).to_have_count(1)
    expect(presenter.get_by_test_id("answer")).to_contain_text("music")


def test_results_need_the_minimum_number_of_answers(browser_server, contexts, socket_clients, screenshot) -> None:
    """One answer: every screen says results need k people, with no count and no count-down, so nothing tells
    when that person answered; the second answer releases the counts."""
    session = browser_server.start_session()
    facilitator = socket_clients.facilitator(session)
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    presenter = contexts.presenter(session["presenter_url"])
    phone = contexts.phone(session["join_url"])
    wait_connected(phone)
    facilitator.go_to_poll("warmup_word")
    expect(presenter.get_by_test_id("results-message")).to_have_text(HELD_BACK)
    option(phone, 1).tap()
    expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)

    # The screens look exactly as before the answer, and stay so.
    presenter.wait_for_timeout(QUIET_SECONDS * 1000)
    expect(presenter.get_by_test_id("results-message")).to_have_text(HELD_BACK)
    expect(presenter.get_by_test_id("answered-count")).to_be_hidden()
    expect(presenter.get_by_test_id("bar")).to_have_count(0)
    expect(presenter.locator("[data-count]")).to_have_count(0)
    expect(phone.get_by_test_id("results-message")).to_have_text(HELD_BACK)
    expect(phone.get_by_test_id("bar")).to_have_count(0)
    expect(console.get_by_test_id("results-message")).to_have_text(HELD_BACK)
    expect(console.get_by_test_id("answered-count")).to_have_text("No results yet")
    expect(console.get_by_test_id("release-hint")).to_have_text(f"· updates after every {K} answers")
    shown = [page.get_by_test_id("results").inner_text() for page in (presenter, phone, console)]
    shown.append(console.locator(".answered-line").inner_text())
    assert not any(re.search(r"\bmore\b|needed|\b1\b", text) for text in shown), \
        f"no count-down and no count while results are held back: {shown}"
    assert facilitator.results["warmup_word"] == {"poll": "warmup_word", "suppressed": True, "min_responses": K}
    screenshot(presenter, "presenter")

    other = socket_clients.participant(session)
    other.call("submit_answer", {"poll": "warmup_word", "value": 3})
    expect_counts(presenter, option_counts("warmup_word", {1: 1, 3: 1}))
    expect(presenter.get_by_test_id("results-message")).to_be_hidden()
    expect(presenter.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")
    expect_counts(phone, option_counts("warmup_word", {1: 1, 3: 1}))
    expect(console.get_by_test_id("answered-count")).to_have_text("2 of 2 answered")


def test_console_keyboard_shortcuts(browser_server, contexts) -> None:
    """ArrowRight/ArrowLeft step the slides (phones follow); O opens and closes the poll."""
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    phone = contexts.phone(session["join_url"])
    wait_connected(phone)
    expect(console.get_by_test_id("participant-count")).to_have_text("1")

    for index in range(1, POLL_SLIDE["warmup_word"] + 1):
        console.keyboard.press("ArrowRight")
        expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(index))
        expect(phone.get_by_test_id("slide-title")).to_have_text(phone_title(index))
    expect(console.get_by_test_id("poll-status")).to_have_text("Not open yet")
    expect(option(phone, 0)).to_be_disabled()

    console.keyboard.press("o")
    expect(console.get_by_test_id("poll-status")).to_have_text("Open")
    expect(option(phone, 0)).to_be_enabled()
    expect(phone.locator("#poll-hint")).to_have_text("Tap one answer.")

    console.keyboard.press("O")
    expect(console.get_by_test_id("poll-status")).to_have_text("Closed")
    expect(option(phone, 0)).to_be_disabled()

    console.keyboard.press("ArrowLeft")
    expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(POLL_SLIDE["warmup_word"] - 1))
    expect(phone.get_by_test_id("slide-title")).to_have_text(phone_title(POLL_SLIDE["warmup_word"] - 1))
    expect(phone.get_by_test_id("waiting")).to_be_visible()


def test_phone_keeps_its_answer_across_a_reload(browser_server, contexts, socket_clients) -> None:
    """A reloaded phone presents its token again: same token, its answer still selected, no second vote."""
    session = browser_server.start_session()
    facilitator = socket_clients.facilitator(session)
    facilitator.go_to_poll("warmup_word")
    phone = contexts.phone(session["join_url"])
    storage_key = f"workshop:participant:{session['code']}"
    option(phone, 1).tap()
    expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
    token = phone.evaluate("key => localStorage.getItem(key)", storage_key)
    assert token, "the phone stores its participant token"
    # Saved (acknowledged, so stored) but, alone, never released: the facilitator sees no count.
    time.sleep(QUIET_SECONDS)
    assert facilitator.results["warmup_word"] == {"poll": "warmup_word", "suppressed": True, "min_responses": K}

    phone.reload()
    wait_connected(phone)
    expect(option(phone, 1)).to_have_attribute("aria-pressed", "true")
    expect(option(phone, 1)).to_have_class(re.compile(r"\bis-saved\b"))
    expect(phone.locator('[data-testid="option"][aria-pressed="true"]')).to_have_count(1)
    expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
    assert phone.evaluate("key => localStorage.getItem(key)", storage_key) == token

    # Still the same participant: changing the answer does not add a second one, nor, alone, release anything.
    option(phone, 4).tap()
    expect(option(phone, 4)).to_have_attribute("aria-pressed", "true")
    expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
    time.sleep(QUIET_SECONDS)
    assert facilitator.results["warmup_word"].get("suppressed") is True
    other = socket_clients.participant(session)
    other.call("submit_answer", {"poll": "warmup_word", "value": 4})
    facilitator.wait_until(lambda f: f.results.get("warmup_word", {}).get("counts")
                           == option_counts("warmup_word", {4: 2}), "both answers on option 4")
    assert facilitator.results["warmup_word"]["total"] == 2
    # The reloaded phone still counts as online: its close (-1) and reopen (+1) must not cancel it out.
    facilitator.wait_until(lambda f: f.participants == 2, "two participants online after the reload")


def test_pages_have_no_serious_accessibility_violations(browser_server, contexts, socket_clients) -> None:
    """axe-core: no serious or critical violations on every page, in its main states."""
    server = browser_server
    session = server.start_session()
    facilitator = socket_clients.facilitator(session)
    failures: list[str] = []

    def check(page: Page, name: str) -> None:
        violations = axe_violations(page)
        if violations:
            failures.append(f"{name} ({page.url}):\n{describe_violations(violations)}")

    home = contexts.page(server.url + "/")
    expect(home.get_by_test_id("join-form")).to_be_visible()
    check(home, "home, participant")
    home.goto(facilitator_home(server))
    expect(home.get_by_test_id("deck").first).to_be_visible()
    check(home, "home, facilitator")

    message = contexts.page(server.url + "/j/ZZZZZZ")
    expect(message.get_by_test_id("message")).to_be_visible()
    check(message, "message (unknown code)")

    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    expect(console.get_by_test_id("slide-title")).to_have_text(slide_title(0))
    check(console, "console")

    presenter = contexts.presenter(session["presenter_url"])
    phone = contexts.phone(session["join_url"])
    expect(phone.get_by_test_id("waiting")).to_be_visible()
    check(phone, "participant, waiting")

    facilitator.go_to(JOIN_SLIDE)
    expect(presenter.locator("#join-panel")).to_have_attribute("data-mode", "join")
    check(presenter, "presenter, join slide")

    facilitator.go_to_poll("warmup_word")
    option(phone, 2).tap()
    expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
    check(phone, "participant, poll open with an answer")

    second = contexts.phone(session["join_url"])
    option(second, 0).tap()
    expect(second.get_by_test_id("answer-status")).to_have_text(SAVED)
    expect(phone.get_by_test_id("bar")).to_have_count(len(WARMUP["options"]))
    expect(bar(phone, 2)).to_have_attribute("data-count", "1")
    check(phone, "participant, results shown")
    expect(bar(presenter, 2)).to_have_attribute("data-count", "1")
    check(presenter, "presenter, poll with results")
    expect(console.get_by_test_id("poll-status")).to_have_text("Open")
    check(console, "console, poll with results")

    organiser = contexts.page(organiser_home(server))
    expect(organiser.locator(f'[data-testid="session-row"][data-session="{session["id"]}"]')).to_be_visible()
    check(organiser, "organiser")
    organiser.goto(f"{server.url}/organiser/sessions/{session['id']}/report")
    expect(organiser.get_by_test_id("report-poll")).to_have_count(len(POLLS))
    check(organiser, "report")

    assert not failures, "serious or critical axe-core violations:\n" + "\n\n".join(failures)


def test_organiser_report_has_every_question(browser_server, contexts, socket_clients, request) -> None:
    """An ended session is listed with its downloads; its report prints to a PDF with every question."""
    server = browser_server
    session = server.start_session()
    facilitator = socket_clients.facilitator(session)
    phones = [socket_clients.participant(session) for _ in range(2)]
    answers = {"warmup_word": (0, 2), "codependent_habits": ([0, 1], [1, 3]), "own_time": (2, 5),
               "keep_self": ("Friends", "friends!")}
    for poll, values in answers.items():
        facilitator.go_to_poll(poll)
        for phone, value in zip(phones, values, strict=True):
            phone.call("submit_answer", {"poll": poll, "value": value})
    facilitator.end()

    page = contexts.page(organiser_home(server), **PRESENTER)
    expect(page).to_have_url(server.url + "/organiser")
    row = page.locator(f'[data-testid="session-row"][data-session="{session["id"]}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text(DECK["title"])
    expect(row).to_contain_text("Ended")
    expect(row).to_contain_text(re.compile(r"\b8 in \d+ polls"))
    links = row.locator("a")
    for name, path in (("CSV", "results.csv"), ("JSON", "results.json")):
        link = links.filter(has_text=name)
        expect(link).to_have_attribute("href", f"/api/sessions/{session['id']}/{path}")
        response = page.request.get(server.url + link.get_attribute("href"))
        assert response.status == 200, (name, response.status)
    document = page.request.get(f"{server.url}/api/sessions/{session['id']}/results.json").json()
    assert document["session"]["participants"] == 2

    # The print button must work under the CSP (no inline handler): count calls instead of opening a dialog.
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    links.filter(has_text="Report").click()
    expect(page).to_have_url(f"{server.url}/organiser/sessions/{session['id']}/report")
    page.get_by_role("button", name="Print or save as PDF").click()
    page.wait_for_function("() => window.printed === 1")
    sections = page.get_by_test_id("report-poll")
    expect(sections).to_have_count(len(POLLS))
    expect(sections.filter(has_text=POLLS["own_time"]["question"])).to_contain_text("mean 3.5")
    expect(sections.filter(has_text=POLLS["keep_self"]["question"])).to_contain_text("Friends \u00d72")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / f"{request.node.name}-report.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf_path), format="A4", print_background=True)
    text = collapse(" ".join(page_.extract_text() or "" for page_ in PdfReader(str(pdf_path)).pages))
    missing = [poll["question"] for poll in POLLS.values() if collapse(poll["question"]) not in text]
    assert not missing, f"questions missing from the PDF {pdf_path}: {missing}\n--- PDF text ---\n{text[:3000]}"


def test_phones_show_the_end_of_the_session(browser_server, contexts, screenshot) -> None:
    """Ending the session from the console shows everyone the thank-you screen; the join link stays closed."""
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    presenter = contexts.presenter(session["presenter_url"])
    phones = [contexts.phone(session["join_url"]) for _ in range(2)]
    for phone in phones:
        expect(phone.get_by_test_id("waiting")).to_be_visible()
    wait_connected(presenter)

    # Two pages load just before the end, but their connections get through only after it, when the code
    # looks unknown: one phone that had joined (a reload: it holds its token), one that never had.
    socket_io = re.compile(r"/socket\.io/\?")
    blocked = True  # WebSockets (tried first) are refused while it holds; long-polling is routed away below

    def websocket(ws: WebSocketRoute) -> None:
        ws.close() if blocked else ws.connect_to_server()

    reloading = contexts.phone(session["join_url"])
    storage_key = f"workshop:participant:{session['code']}"
    expect(reloading.get_by_test_id("waiting")).to_be_visible()
    assert reloading.evaluate("key => localStorage.getItem(key)", storage_key)
    reloading.route(socket_io, lambda route: route.abort())
    reloading.route_web_socket(socket_io, websocket)
    reloading.reload()
    expect(reloading.get_by_test_id("join-code")).to_have_text(session["code"])
    newcomer = contexts.new(**PHONE).new_page()
    newcomer.route(socket_io, lambda route: route.abort())
    newcomer.route_web_socket(socket_io, websocket)
    newcomer.goto(session["join_url"])
    expect(newcomer.get_by_test_id("join-code")).to_have_text(session["code"])

    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_test_id("end-session").click()
    expect(console.get_by_test_id("ended")).to_be_visible()
    for phone in phones:
        ended = phone.get_by_test_id("ended")
        expect(ended).to_be_visible()
        expect(ended).to_contain_text("Thank you!")
        expect(phone.get_by_test_id("waiting")).to_have_count(0)
    expect(presenter.get_by_test_id("ended")).to_contain_text("Session ended")
    screenshot(phones[0], "phone")

    phones[0].reload()
    expect(phones[0].get_by_test_id("message")).to_contain_text("This workshop has ended")
    late = contexts.phone(session["join_url"])
    expect(late.get_by_test_id("message")).to_contain_text("This workshop has ended")

    # Their connections get through now (the client retries with back-off: allow for it).
    blocked = False
    for page in (reloading, newcomer):
        page.unroute(socket_io)
    thanked = reloading.get_by_test_id("ended-or-unknown")
    expect(thanked).to_be_visible(timeout=20_000)
    expect(thanked.get_by_role("heading")).to_have_text("This workshop has ended, or the code is wrong")
    expect(thanked).to_contain_text("Thank you for taking part")
    expect(thanked).to_have_class(re.compile(r"\btone-info\b"))  # the ended screen's tone, not a warning
    expect(reloading.get_by_test_id("waiting")).to_have_count(0)
    assert reloading.evaluate("key => localStorage.getItem(key)", storage_key) is None, "the stale token is dropped"
    not_found = newcomer.get_by_test_id("unknown-session")
    expect(not_found).to_be_visible(timeout=20_000)
    expect(not_found).to_contain_text("Workshop not found")
    screenshot(reloading, "phone-reconnected-after-the-end")


def test_the_console_locks_and_caps_the_room(browser_server, contexts, screenshot) -> None:
    """Locked: a new phone is told so and waits, a phone that joined gets back in; L toggles the lock; a cap
    fills the room; the waiting phone gets in by itself once there is room."""
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    room_joined, lock = console.get_by_test_id("room-joined"), console.get_by_test_id("room-lock")
    room_status = console.get_by_test_id("room-status")
    member = contexts.phone(session["join_url"])
    expect(member.get_by_test_id("waiting")).to_be_visible()
    expect(room_joined).to_have_text("1 joined · 1 connected")
    expect(room_status).to_have_text("Open")
    expect(console.get_by_test_id("join-burst")).to_be_empty()

    expect(lock).to_have_attribute("aria-pressed", "false")
    lock.click()
    expect(lock).to_have_attribute("aria-pressed", "true")
    expect(lock).to_have_text("Unlock room")
    expect(room_status).to_have_text("Locked")

    newcomer = contexts.phone(session["join_url"])
    locked = newcomer.get_by_test_id("room-locked")
    expect(locked).to_be_visible()
    expect(locked.locator("h1")).to_have_text("This workshop is closed to new participants")
    expect(locked).to_contain_text("please ask the facilitator")
    expect(newcomer.get_by_test_id("slide-title")).to_have_count(0)
    screenshot(newcomer, "room-locked")

    member.reload()  # who joined already presents its token and gets back in
    expect(member.get_by_test_id("waiting")).to_be_visible()
    wait_connected(member)
    expect(member.get_by_test_id("room-locked")).to_have_count(0)
    expect(room_joined).to_have_text("1 joined · 1 connected")

    # L is listed in the help, and toggles the lock (not while typing in the cap field).
    console.keyboard.press("?")
    expect(console.get_by_test_id("help")).to_contain_text("Lock or unlock the room to new participants")
    console.get_by_test_id("help-close").click()
    cap = console.get_by_test_id("room-cap")
    cap.press_sequentially("2l")
    expect(lock).to_have_attribute("aria-pressed", "true")
    console.get_by_test_id("room-cap-set").click()
    expect(console.get_by_test_id("room-cap-error")).to_contain_text("whole number")
    expect(cap).to_have_attribute("aria-invalid", "true")
    console.locator("#slide-title").click()
    console.keyboard.press("l")
    expect(lock).to_have_attribute("aria-pressed", "false")
    expect(room_status).to_have_text("Open")

    # Unlocked: a new phone joins at once, and the one that waited gets in by itself (it checks every 15 s).
    fresh = contexts.phone(session["join_url"])
    expect(fresh.get_by_test_id("waiting")).to_be_visible()
    expect(newcomer.get_by_test_id("waiting")).to_be_visible(timeout=25_000)
    expect(newcomer.get_by_test_id("slide-title")).to_have_text(slide_title(0))
    expect(newcomer.get_by_test_id("room-locked")).to_have_count(0)
    expect(room_joined).to_have_text("3 joined · 3 connected")

    # A cap of 3 with 3 joined: the room is full for the next new phone.
    cap.fill("3")
    cap.press("Enter")
    expect(console.get_by_test_id("room-cap-error")).to_be_hidden()
    expect(room_status).to_have_text("Full (cap 3)")
    expect(cap).to_have_value("3")
    late = contexts.phone(session["join_url"])
    full = late.get_by_test_id("room-full")
    expect(full.locator("h1")).to_have_text("This workshop is full")
    expect(full).to_contain_text("please ask the facilitator")
    console.locator("#slide-title").click()  # out of the cap field: L there is typing
    console.keyboard.press("L")
    expect(room_status).to_have_text("Locked · cap 3")
    screenshot(console, "room-locked-capped")
    console.keyboard.press("L")
    cap.fill("")
    console.get_by_test_id("room-cap-set").click()
    expect(room_status).to_have_text("Open")
    expect(cap).to_have_value("")
    expect(late.get_by_test_id("waiting")).to_be_visible(timeout=25_000)
    expect(room_joined).to_have_text("4 joined · 4 connected")


def test_the_console_warns_of_refused_joins_and_a_phone_waits_its_turn(browser_server, contexts,
                                                                        screenshot) -> None:
    """Joins faster than people scan a code (here from one address) are refused and counted on the console; a
    phone refused so says so, counts down and gets in by itself."""
    session = browser_server.start_session()
    console = contexts.page(session["facilitator_url"], **PRESENTER)
    wait_connected(console)
    warning = console.get_by_test_id("join-burst")
    expect(warning).to_be_empty()

    # The browser server admits 50 new participants per address per 10-second window.
    join_window_start()
    outcomes = join_burst(browser_server, session["code"], 70)
    refused = outcomes.count("rate_limited")
    assert outcomes.count("admitted") >= 50 and refused >= 1 and outcomes.count("admitted") + refused == 70, \
        outcomes
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "status")
    expect(warning).to_have_text(  # the server recounts every 5 s
        f"{refused} join attempts were refused: they came faster than people scan a code. If you expected more "
        "people, check the room; else someone may be scripting joins.", timeout=15_000)
    expect(console.get_by_test_id("room-joined")).to_have_text(re.compile(rf"^{70 - refused} joined · \d+ connected$"))
    screenshot(console, "join-burst")

    # A real phone arriving while the address is over its limit waits its turn.
    join_window_start()
    again = join_burst(browser_server, session["code"], 55)
    assert "rate_limited" in again, again
    phone = contexts.phone(session["join_url"])
    waiting = phone.get_by_test_id("rate-limited")
    expect(waiting.locator("h1")).to_have_text("Too many people are joining at once")
    expect(waiting.get_by_test_id("retry-status")).to_have_text(re.compile(r"^Trying again in \d+ s…$"))
    screenshot(phone, "rate-limited")
    expect(phone.get_by_test_id("waiting")).to_be_visible(timeout=40_000)
    expect(phone.get_by_test_id("slide-title")).to_have_text(slide_title(0))
    wait_connected(phone)
    expect(phone.get_by_test_id("rate-limited")).to_have_count(0)
    # The phone's own refusals count too.
    at_least = refused + again.count("rate_limited") + 1
    assert _eventually_at_least(warning, at_least), (warning.inner_text(), at_least)



def _eventually_at_least(warning, number: int, seconds: float = 12) -> bool:
    """The warning's count reaches `number` within `seconds` (the server recounts every 5 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        match = re.match(r"\d+", warning.inner_text())
        if match and int(match.group()) >= number:
            return True
        time.sleep(0.25)
    return False


RANKING_DECK = """\
title: Ranking check
slides:
  - title: What matters most
    poll:
      id: priorities
      type: ranking
      question: What matters most in a relationship?
      options: [Trust, Time apart, Shared plans]
      results_visible: false
"""


def test_a_ranking_poll(redis_url, tmp_path, contexts, screenshot) -> None:
    """Ranking (its own server, a deck in a temp decks dir): Move up/down by keyboard keeps focus, Submit
    re-enables on a change, a reload restores the order; bars sorted by mean rank; the closed poll reads back."""
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "ranking.yaml").write_text(RANKING_DECK, encoding="utf-8")
    options = ["Trust", "Time apart", "Shared plans"]
    with running_server(redis_url, tmp_path / "data", WORKSHOP_MIN_RESPONSES=str(K),
                        WORKSHOP_DECKS_DIR=str(decks)) as server:
        sockets = Sockets(server)
        try:
            session = server.start_session("ranking")
            facilitator = sockets.facilitator(session)
            console = contexts.page(session["facilitator_url"], **PRESENTER)
            wait_connected(console)
            presenter = contexts.presenter(session["presenter_url"])
            phones = [contexts.phone(session["join_url"]) for _ in range(2)]
            for phone in phones:
                wait_connected(phone)
            facilitator.call("open_poll", {"poll": "priorities"})
            expect(console.locator("#poll-type")).to_have_text("Ranking")

            phone = phones[0]
            items = phone.get_by_test_id("rank-item")
            expect(items).to_have_count(3)
            texts = items.locator(".choice-text")
            expect(texts).to_have_text(options)
            expect(items.locator(".rank-pos")).to_have_text(["1.", "2.", "3."])
            expect(phone.locator("#poll-hint")).to_have_text(
                "Put these in order, most important first, then press Submit.")
            assert not axe_violations(phone), describe_violations(axe_violations(phone))

            # Keyboard: "Shared plans" up twice; the pressed button keeps focus, and at the top does nothing.
            up = phone.get_by_role("button", name="Move Shared plans up")
            up.focus()
            for _ in range(3):
                phone.keyboard.press("Enter")
                expect(up).to_be_focused()
            expect(texts).to_have_text(["Shared plans", "Trust", "Time apart"])
            expect(up).to_have_attribute("aria-disabled", "true")
            expect(phone.get_by_test_id("rank-announce")).to_have_text("Shared plans: place 1 of 3.")
            submit = phone.get_by_test_id("submit")
            submit.tap()
            expect(phone.get_by_test_id("answer-status")).to_have_text(SAVED)
            expect(submit).to_be_disabled()
            # A change re-enables Submit; moving back to the stored order disables it again.
            down = phone.get_by_role("button", name="Move Trust down")
            down.tap()
            expect(texts).to_have_text(["Shared plans", "Time apart", "Trust"])
            expect(submit).to_be_enabled()
            phone.get_by_role("button", name="Move Trust up").tap()
            expect(submit).to_be_disabled()

            phone.reload()
            wait_connected(phone)
            expect(texts).to_have_text(["Shared plans", "Trust", "Time apart"])
            expect(phone.get_by_test_id("submit")).to_be_disabled()
            screenshot(phone, "ranking-phone")

            # The second phone submits the deck's order as it is.
            phones[1].get_by_test_id("submit").tap()
            expect(phones[1].get_by_test_id("answer-status")).to_have_text(SAVED)

            # Mean ranks: Trust (2 + 1) / 2, Shared plans (1 + 3) / 2, Time apart (3 + 2) / 2; best first.
            facilitator.reveal("priorities")
            for page in (presenter, phones[1]):
                bars = page.get_by_test_id("bar")
                expect(bars).to_have_count(3)
                expect(bars.locator(".bar-label")).to_have_text(["Trust", "Shared plans", "Time apart"])
                expect(bars.locator(".bar-count")).to_have_text(["avg. rank 1.5", "avg. rank 2.0", "avg. rank 2.5"])
            expect(presenter.get_by_test_id("bar").first).to_have_class(re.compile(r"\bis-top\b"))
            widths = presenter.locator(".bars .bar-fill").evaluate_all(
                "fills => fills.map((f) => Math.round(f.getBoundingClientRect().width / f.parentElement"
                ".getBoundingClientRect().width * 100))")
            assert widths == [83, 67, 50], widths  # (n - mean + 1) / n
            screenshot(presenter, "ranking")

            facilitator.call("close_poll", {"poll": "priorities"})
            expect(phone.get_by_test_id("answer-status")).to_have_text(
                "Your answer: \u2068Shared plans \u203a Trust \u203a Time apart\u2069")  # U+203A between places
            expect(phone.get_by_test_id("rank-up")).to_have_count(3)
            for button in phone.get_by_test_id("rank-up").all():
                expect(button).to_be_disabled()
        finally:
            sockets.close()
