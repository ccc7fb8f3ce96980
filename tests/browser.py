"""Shared fixtures and helpers for the browser tests (Playwright driving Debian's Chromium).

One `workshop serve` subprocess and one Chromium serve every browser test of a module; each test
starts its own session and opens its own browser contexts (one per phone, so each has its own storage).
Import the fixtures into a test module by name (see tests/test_browser.py).
(Not named `sockets`: tests/conftest.py has an in-process fixture of that name.)
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import socketio
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN, key_of
from tests.servers import RunningServer, running_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8") + "\n;undefined"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PRESENTER = {"viewport": {"width": 1280, "height": 720}}
# The narrowest phone screens still in use, in dark mode: slide content on phones must read well there too.
SMALL_DARK_PHONE = {**PHONE, "viewport": {"width": 320, "height": 640}, "color_scheme": "dark"}
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}

# Playwright's auto-waiting assertions: generous enough for a loaded machine running the suite in parallel.
expect.set_options(timeout=10_000)

# The bundled deck, read from disk so the tests follow its edits.
DECK = yaml.safe_load((ROOT / "decks" / "interdependence.yaml").read_text(encoding="utf-8"))
SLIDES: list[dict[str, Any]] = DECK["slides"]
POLLS: dict[str, dict[str, Any]] = {slide["poll"]["id"]: slide["poll"] for slide in SLIDES if "poll" in slide}
POLL_SLIDE: dict[str, int] = {slide["poll"]["id"]: index for index, slide in enumerate(SLIDES) if "poll" in slide}
JOIN_SLIDE = next(index for index, slide in enumerate(SLIDES) if slide.get("kind") == "join")
# The first slide that shows a picture of the deck's folder (`![alt](file.svg)`), and that alt text.
PICTURE_SLIDE = next(index for index, slide in enumerate(SLIDES) if "](" in slide.get("body", "")
                     and "![" in slide.get("body", ""))
PICTURE_ALT = re.search(r"!\[([^\]]+)\]", SLIDES[PICTURE_SLIDE]["body"]).group(1)  # type: ignore[union-attr]


def bundled_decks(directory: Path, *deck_ids: str) -> Path:
    """The bundled decks (or only `deck_ids`) with their pictures, copied into `directory` (made here): browser
    tests write decks there, never in the repository's `decks/`."""
    if not deck_ids:
        shutil.copytree(ROOT / "decks", directory)
        return directory
    directory.mkdir(parents=True)
    for deck_id in deck_ids:
        bundled_deck_as(directory, deck_id, deck_id)
    return directory


def bundled_deck_as(directory: Path, deck_id: str, source: str = "interdependence", text: str | None = None) -> Path:
    """Bundled deck `source` and its pictures as deck `deck_id` in `directory` (as the library's "duplicate" makes
    one), its YAML replaced by `text` if given; the deck's file."""
    yaml_file = directory / f"{deck_id}.yaml"
    if text is None:
        shutil.copy(ROOT / "decks" / f"{source}.yaml", yaml_file)
    else:
        yaml_file.write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "decks" / source, directory / deck_id)
    return yaml_file


def slide_title(index: int) -> str:
    """The title a slide of the bundled deck shows."""
    return SLIDES[index].get("title", "")


def phone_title(index: int) -> str:
    """The title a phone shows for a slide of the bundled deck: on the join slide it says it is in."""
    return "You\u2019re in" if index == JOIN_SLIDE else slide_title(index)


def safe_name(text: str) -> str:
    """A file-name-safe version of a test name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


# Server and browser ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One real `workshop serve` for a module's browser tests; two answers reveal a poll's results."""
    with running_server(redis_url, tmp_path_factory.mktemp("browser"), WORKSHOP_MIN_RESPONSES="2") as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium (Debian's) for a module's browser tests.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop marked as running in this thread,
    which would break any later test in the same worker that runs asyncio itself.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Contexts:
    """Makes browser contexts for one test and closes them afterwards."""

    def __init__(self, browser: Browser):
        self.browser = browser
        self.made: list[BrowserContext] = []

    def new(self, **options: Any) -> BrowserContext:
        context = self.browser.new_context(reduced_motion="reduce", **options)
        context.set_default_timeout(10_000)
        self.made.append(context)
        return context

    def page(self, url: str | None = None, **options: Any) -> Page:
        """A new page in its own context, opened on `url`."""
        page = self.new(**options).new_page()
        if url:
            page.goto(url)
        return page

    def phone(self, url: str) -> Page:
        """A phone (own storage, touch, 390x844) on the participant page."""
        return self.page(url, **PHONE)

    def presenter(self, url: str, **options: Any) -> Page:
        """A 1280x720 presenter screen."""
        return self.page(url, **{**PRESENTER, **options})

    def close(self) -> None:
        for context in self.made:
            with contextlib.suppress(Exception):  # a crashed browser's context: nothing left to close
                context.close()
        self.made.clear()


@pytest.fixture
def contexts(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Contexts]:
    """Browser contexts for this test; on failure every open page is screenshotted first."""
    made = Contexts(chromium)
    for stale in SCREENSHOTS.glob(f"{safe_name(request.node.name)}-failure-*.png"):
        stale.unlink(missing_ok=True)
    failed_before = request.session.testsfailed
    yield made
    if request.session.testsfailed > failed_before:
        for number, page in enumerate(page for context in made.made for page in context.pages):
            with contextlib.suppress(Exception):
                save_screenshot(page, request.node.name, f"failure-{number}")
    made.close()


def save_screenshot(page: Page, test: str, name: str, **options: Any) -> Path:
    """test-artifacts/screenshots/<test>-<name>.png"""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{safe_name(test)}-{safe_name(name)}.png"
    page.screenshot(path=str(path), **options)
    return path


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """screenshot(page, name): a screenshot named after the running test."""
    return lambda page, name, **options: save_screenshot(page, request.node.name, name, **options)


# Driving the session without a browser --------------------------------------------------------------------

class SocketClient:
    """A python-socketio client that records what the server sends."""

    def __init__(self, url: str, auth: dict[str, Any]):
        self.client = socketio.Client(reconnection=False)
        # Every handler notifies it, so wait_until wakes on each event instead of polling on a timer.
        self.lock = threading.Condition()
        self.states: list[dict[str, Any]] = []
        self.results: dict[str, dict[str, Any]] = {}
        self.participants: int | None = None
        self.client.on("session_state", self._state)
        self.client.on("results_updated", self._results)
        self.client.on("participant_count", self._count)
        self.client.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def _state(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.states.append(state)
            if state.get("results") and state["results"].get("poll"):
                self.results[state["results"]["poll"]] = state["results"]
            if isinstance(state.get("participants"), int):
                self.participants = state["participants"]
            self.lock.notify_all()

    def _results(self, results: dict[str, Any]) -> None:
        with self.lock:
            self.results[results["poll"]] = results
            self.lock.notify_all()

    def _count(self, payload: dict[str, Any]) -> None:
        with self.lock:
            self.participants = payload["count"]
            self.lock.notify_all()

    def call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Emit with an acknowledgement and insist on `ok`."""
        answer = self.client.call(event, payload, timeout=10)
        assert answer and answer.get("ok"), f"{event} {payload} was refused: {answer}"
        return answer

    def wait_until(self, predicate: Callable[[SocketClient], bool], what: str, timeout: float = 10) -> None:
        """Wait until what the server sent makes `predicate` hold (checked again on every event)."""
        with self.lock:
            if not self.lock.wait_for(lambda: predicate(self), timeout=timeout):
                raise AssertionError(
                    f"timed out waiting for {what}; results {self.results}, participants {self.participants}")

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


class Facilitator(SocketClient):
    """The facilitator of one session, over Socket.IO."""

    def go_to(self, index: int) -> None:
        self.call("go_to_slide", {"index": index})

    def go_to_poll(self, poll: str, open_it: bool = True) -> None:
        """Step to the poll's slide and (by default) open it."""
        self.go_to(POLL_SLIDE[poll])
        if open_it:
            self.call("open_poll", {"poll": poll})

    def reveal(self, poll: str, visible: bool = True) -> None:
        self.call("set_results_visible", {"poll": poll, "visible": visible})

    def end(self) -> None:
        self.call("end_session", {})


class Sockets:
    """Makes Socket.IO clients for one test and disconnects them afterwards."""

    def __init__(self, server: RunningServer):
        self.server = server
        self.made: list[SocketClient] = []

    def facilitator(self, session: dict[str, Any]) -> Facilitator:
        client = Facilitator(self.server.url, {"session": session["id"], "key": key_of(session["facilitator_url"])})
        self.made.append(client)
        return client

    def participant(self, session: dict[str, Any]) -> SocketClient:
        client = SocketClient(self.server.url, {"code": session["code"]})
        self.made.append(client)
        return client

    def close(self) -> None:
        for client in self.made:
            with contextlib.suppress(Exception):
                client.close()


def join_window_start(seconds: int = 10, within: float = 1.5) -> None:
    """Wait until a join-limit time window (the server's are aligned to the epoch) has just begun, so a
    burst of joins and what follows fall in one window."""
    while time.time() % seconds > within:
        time.sleep(0.05)


def join_burst(server: RunningServer, code: str, attempts: int, workers: int = 10) -> list[str]:
    """New participants joining at once from this address, as scripts would: each attempt's outcome,
    "admitted" or the refusal's reason. Admitted ones leave again at once."""

    def attempt(_: int) -> str:
        client = socketio.Client(reconnection=False)
        reasons: list[str] = []
        client.on("connect_error", lambda data: reasons.append(str((data or {}).get("message"))))
        try:
            client.connect(server.url, auth={"code": code}, transports=["websocket"], wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            return reasons[0] if reasons else "failed"
        finally:
            with contextlib.suppress(Exception):
                client.disconnect()
        return "admitted"

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(attempt, range(attempts)))


@pytest.fixture
def socket_clients(browser_server: RunningServer) -> Iterator[Sockets]:
    """Socket.IO clients (facilitators, scripted participants) for this test."""
    made = Sockets(browser_server)
    yield made
    made.close()


# Page helpers ---------------------------------------------------------------------------------------------

def facilitator_home(server: RunningServer) -> str:
    return f"{server.url}/?token={FACILITATOR_TOKEN}"


def organiser_home(server: RunningServer) -> str:
    return f"{server.url}/organiser?token={ORGANISER_TOKEN}"


def wait_connected(page: Page) -> None:
    """socket.js marks the body once the live connection is up."""
    expect(page.locator("body")).to_have_attribute("data-connected", "true")


def option(page: Page, index: int):
    """A phone's choice button (single choice) or checkbox label (multiple choice)."""
    return page.get_by_test_id("option").nth(index)


def bar(page: Page, index: int):
    """A bar of a single/multiple choice chart on the presenter or a phone."""
    return page.locator(f'[data-testid="bar"][data-index="{index}"]')


def scale_bar(page: Page, value: int):
    """A column of a scale chart."""
    return page.locator(f'[data-testid="bar"][data-value="{value}"]')


def option_counts(poll: str, chosen: dict[int, int]) -> list[int]:
    """A choice poll's expected counts, option by option: zero but for `chosen` (option index -> count)."""
    counts = [0] * len(POLLS[poll]["options"])
    for index, count in chosen.items():
        counts[index] = count
    return counts


def expect_counts(page: Page, counts: list[int]) -> None:
    """The bar chart's `data-count`s, option by option."""
    for index, count in enumerate(counts):
        expect(bar(page, index)).to_have_attribute("data-count", str(count))


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Not add_script_tag: the pages' Content-Security-Policy (script-src 'self') refuses inline scripts,
        # and bypass_csp would test a page the browser never really shows. Evaluating over the DevTools
        # protocol is not subject to the page's CSP.
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """A readable summary of axe violations for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation.get("nodes", [])[:5]:
            lines.append(f"      {node.get('target')}: {node.get('failureSummary', '').strip()}"
                         .replace("\n", " "))
    return "\n".join(lines)


def collapse(text: str) -> str:
    """NFKC-normalised (PDF text has ligatures such as U+FB01 for "fi"), whitespace collapsed to single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())
