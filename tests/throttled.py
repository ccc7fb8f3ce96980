"""A phone's first and repeat load of the join page under Chrome's network throttling, measured through CDP.

Shared by tests/test_browser_network.py (bytes) and bench/slow_network.py (bytes and times).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser import PHONE, POLL_SLIDE, SocketClient
from tests.conftest import key_of
from tests.servers import RunningServer


@dataclass(frozen=True)
class Profile:
    """A DevTools throttling preset: latency per request, throughputs in bytes per second (0: none)."""

    name: str
    latency_ms: float
    download: float
    upload: float


# Chrome DevTools' presets (front_end/core/sdk/NetworkManager.ts): kbit/s * 1000 / 8 * 0.8 ("packet overhead").
SLOW_3G = Profile("slow 3G", 2000, 500 * 1000 / 8 * 0.8, 500 * 1000 / 8 * 0.8)
FAST_3G = Profile("fast 3G", 562.5, 1.6 * 1000 * 1000 / 8 * 0.9, 750 * 1000 / 8 * 0.9)
NO_THROTTLING = Profile("no throttling", 0, 0, 0)

POLL = "codependent_habits"


@dataclass
class Load:
    """What one page load fetched, and when the poll question showed."""

    http_bytes: int = 0  # encodedDataLength of every finished HTTP response: headers and (compressed) bodies
    websocket_bytes: int = 0  # WebSocket frame payloads, both ways
    websockets: int = 0  # WebSocket connections opened
    seconds_to_poll: float = 0.0
    downloaded: list[str] = field(default_factory=list)  # URLs fetched from the network (not the cache)
    cached: list[str] = field(default_factory=list)  # URLs the browser served from its cache

    @property
    def total_bytes(self) -> int:
        return self.http_bytes + self.websocket_bytes


def session_with_open_poll(server: RunningServer) -> tuple[dict[str, Any], SocketClient]:
    """A new session on the bundled deck with its first poll on screen and open; the facilitator's client."""
    session = server.start_session()
    facilitator = SocketClient(server.url, {"session": session["id"], "key": key_of(session["facilitator_url"])})
    facilitator.call("go_to_slide", {"index": POLL_SLIDE[POLL]})
    facilitator.call("open_poll", {"poll": POLL})
    return session, facilitator


def phone_context(browser: Browser) -> BrowserContext:
    """A phone's browser context: its own storage and HTTP cache."""
    return browser.new_context(reduced_motion="reduce", **PHONE)


def load(context: BrowserContext, url: str, profile: Profile, timeout_ms: float = 60_000) -> Load:
    """Open `url` in a new tab of `context` under `profile`; return once the poll question shows."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    result = Load()
    urls: dict[str, str] = {}
    from_cache: set[str] = set()

    def sent(event: dict[str, Any]) -> None:
        urls[event["requestId"]] = event["request"]["url"]

    def served_from_cache(event: dict[str, Any]) -> None:
        from_cache.add(event["requestId"])

    def received(event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            from_cache.add(event["requestId"])

    def finished(event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        url_ = urls.get(request_id, "?")
        if request_id in from_cache:
            result.cached.append(url_)
        else:
            result.http_bytes += int(event["encodedDataLength"])
            result.downloaded.append(url_)

    def frame(event: dict[str, Any]) -> None:
        result.websocket_bytes += len(event["response"].get("payloadData", "").encode())

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", served_from_cache)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.webSocketCreated", lambda _: setattr(result, "websockets", result.websockets + 1))
    cdp.on("Network.webSocketFrameReceived", frame)
    cdp.on("Network.webSocketFrameSent", frame)
    cdp.send("Network.enable")
    if profile.latency_ms or profile.download:
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": profile.latency_ms,
            "downloadThroughput": profile.download, "uploadThroughput": profile.upload})
    started = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    # performance.now() counts from the navigation's start, in the page's own clock.
    shown = page.wait_for_function(
        """() => {
          const q = document.querySelector('[data-testid="poll-question"]');
          return q && q.textContent && q.checkVisibility() ? performance.now() : false;
        }""", polling="raf", timeout=timeout_ms)
    result.seconds_to_poll = float(shown.json_value()) / 1000
    assert result.seconds_to_poll <= time.perf_counter() - started + 0.5
    settle(page)
    page.close()
    return result


def settle(page: Page) -> None:
    """Let what the page fetches after the question (the icon, late requests) finish, so it is counted."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
