"""The phone's join page on Chrome DevTools' slow-3G profile: bytes of the first load, and a repeat load from the cache.

Bytes, not times: times are for bench/slow_network.py (docs/performance.md).
"""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests.browser import browser_server, chromium  # noqa: F401  (fixtures are requested by name)
from tests.throttled import SLOW_3G, load, phone_context, session_with_open_poll

pytestmark = pytest.mark.browser

FIRST_LOAD_BUDGET = 40_000


def test_a_phone_joins_on_slow_3g_with_under_40_kb_and_comes_back_from_its_cache(browser_server, chromium) -> None:
    session, facilitator = session_with_open_poll(browser_server)
    context = phone_context(chromium)
    try:
        first = load(context, session["join_url"], SLOW_3G)
        assert first.total_bytes < FIRST_LOAD_BUDGET, (first.total_bytes, first.downloaded)
        assets = [url for url in first.downloaded if "/static/" in url]
        assert assets and all("?v=" in url for url in assets), assets
        # One script for the page's modules, not one request per module.
        assert not any("/static/js/" in url for url in assets), assets
        # The WebSocket the page opened before its scripts arrived is the one the client used.
        assert first.websockets == 1

        repeat = load(context, session["join_url"], SLOW_3G)
        assert not [url for url in repeat.downloaded if "/static/" in url], repeat.downloaded
        assert set(assets) <= set(repeat.cached)
        assert repeat.total_bytes < 5_000, (repeat.total_bytes, repeat.downloaded)
    finally:
        context.close()
        facilitator.close()
