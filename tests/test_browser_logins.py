"""Browser: staff log out with a visible button; afterwards the browser holds nothing that opens staff pages."""
# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    PRESENTER,
    browser_server,
    chromium,
    contexts,
    facilitator_home,
    organiser_home,
    screenshot,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_facilitator_logs_out_from_the_console(browser_server, contexts, screenshot) -> None:
    server = browser_server
    page = contexts.page(facilitator_home(server), **PRESENTER)
    expect(page.get_by_test_id("logout")).to_be_visible()
    # By id, not by position: decks/ holds more than one deck.
    page.locator('[data-testid="start-session"][data-deck="interdependence"]').click()
    expect(page).to_have_url(re.compile(r"/s/[^/?]+/console$"))
    wait_connected(page)
    console_url = page.url
    logout = page.get_by_test_id("logout")
    expect(logout).to_be_visible()
    expect(logout).to_have_text("Log out")
    screenshot(page, "console")

    logout.click()
    expect(page).to_have_url(server.url + "/")
    expect(page.get_by_test_id("join-form")).to_be_visible()
    expect(page.get_by_test_id("logout")).to_have_count(0)
    assert not page.context.cookies(), "the login cookie is gone"
    page.goto(console_url)
    expect(page.get_by_test_id("message")).to_contain_text("facilitator link")


def test_organiser_logs_out(browser_server, contexts, screenshot) -> None:
    server = browser_server
    page = contexts.page(organiser_home(server))
    logout = page.get_by_test_id("logout")
    expect(logout).to_be_visible()
    screenshot(page, "organiser")
    logout.click()
    expect(page).to_have_url(server.url + "/")
    page.goto(server.url + "/organiser")
    expect(page.get_by_test_id("message")).to_contain_text("Organiser link needed")
