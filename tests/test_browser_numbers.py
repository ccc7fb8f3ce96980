"""Browser: the projector and the phones show the server's percentages, which add up to 100."""
# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    Sockets,
    bar,
    browser_server,
    chromium,
    contexts,
    screenshot,
    socket_clients,
    wait_connected,
)
from tests.servers import running_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_three_answers_in_three_options_read_34_33_33_on_every_screen(redis_url, tmp_path, contexts) -> None:
    # Its own server with k = 1, so each answer is released alone (the shared one releases in twos, which
    # could leave the third answer waiting for a partner).
    with running_server(redis_url, tmp_path, WORKSHOP_MIN_RESPONSES="1") as server:
        sockets = Sockets(server)
        try:
            session = server.start_session()
            facilitator = sockets.facilitator(session)
            facilitator.go_to_poll("warmup_word")
            facilitator.reveal("warmup_word")
            presenter = contexts.presenter(session["presenter_url"])
            wait_connected(presenter)
            viewer = contexts.phone(session["join_url"])
            wait_connected(viewer)
            for index in range(2):
                sockets.participant(session).call("submit_answer", {"poll": "warmup_word", "value": index})
            viewer.get_by_test_id("option").nth(2).click()
            for page in (presenter, viewer):
                for index, percent in ((0, "34%"), (1, "33%"), (2, "33%")):
                    # Rounded alone each would read 33 %, adding up to 99.
                    expect(bar(page, index).locator(".bar-pct")).to_have_text(percent)
        finally:
            sockets.close()


def test_an_offline_phone_says_its_answer_is_kept_and_the_banner_leaves_the_header_alone(
        browser_server, contexts, socket_clients) -> None:
    server = browser_server
    session = server.start_session()
    facilitator = socket_clients.facilitator(session)
    facilitator.go_to_poll("warmup_word")
    phone = contexts.phone(session["join_url"])
    wait_connected(phone)
    phone.get_by_test_id("option").nth(1).click()
    expect(phone.locator("#poll-hint")).to_have_text("Tap one answer.")
    phone.context.set_offline(True)
    expect(phone.locator("#poll-hint")).to_have_text("Reconnecting, your answer is kept")
    expect(phone.get_by_test_id("option").first).to_be_disabled()
    banner = phone.get_by_test_id("connection")
    expect(banner).to_be_visible()
    header = phone.locator("header").first.bounding_box()
    box = banner.bounding_box()
    assert header and box and box["y"] >= header["y"] + header["height"], (box, header)
    phone.context.set_offline(False)
    expect(phone.locator("#poll-hint")).to_have_text("Tap one answer.", timeout=20_000)
    expect(phone.get_by_test_id("option").nth(1)).to_be_enabled()


def test_a_dark_mode_phone_is_dark_and_passes_axe(browser_server, contexts, socket_clients, screenshot) -> None:
    from tests.browser import PHONE, axe_violations, describe_violations

    server = browser_server
    session = server.start_session()
    facilitator = socket_clients.facilitator(session)
    phone = contexts.page(session["join_url"], **{**PHONE, "color_scheme": "dark"})
    wait_connected(phone)
    background = phone.evaluate("getComputedStyle(document.body).backgroundColor")
    channels = [int(part) for part in background[background.index("(") + 1:-1].split(",")[:3]]
    assert sum(channels) / 3 < 60, f"a dark page, not {background}"
    failures = []
    for state in ("waiting", "poll open", "results shown"):
        if state == "poll open":
            facilitator.go_to_poll("warmup_word")
            expect(phone.get_by_test_id("option").first).to_be_enabled()
            phone.get_by_test_id("option").nth(1).click()
        if state == "results shown":
            socket_clients.participant(session).call("submit_answer", {"poll": "warmup_word", "value": 3})
            facilitator.reveal("warmup_word")
            expect(bar(phone, 1)).to_have_attribute("data-count", "1")
        screenshot(phone, f"dark, {state}")
        violations = axe_violations(phone)
        if violations:
            failures.append(f"{state}:\n{describe_violations(violations)}")
    assert not failures, "\n".join(failures)
