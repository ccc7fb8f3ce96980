"""Every word people see comes from the catalogue, in Chromium; the phone flow in every language.

The first test serves a pseudo-translation (every message wrapped in ⟦…⟧, tests/i18n_pseudo.py) as Arabic and
walks the phone, presenter, console, start, organiser, report and message pages through a session: every text
node, accessible name, title, placeholder and alt text must be wrapped, unless it is the deck's or the people's
own (slide text, options, answers, questions, codes, numbers). The second runs the phone flow in each language
with the real catalogues: `<html lang dir>`, axe, the language menu, and (once REQUIRE_COMPLETE_TRANSLATIONS is
on) no English left.
"""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    DECK,
    JOIN_SLIDE,
    PHONE,
    POLL_SLIDE,
    POLLS,
    PRESENTER,
    ROOT,
    Facilitator,
    SocketClient,
    axe_violations,
    bundled_deck_as,
    bundled_decks,
    chromium,
    contexts,
    describe_violations,
    facilitator_home,
    organiser_home,
    save_screenshot,
    wait_connected,
)
from tests.conftest import ORGANISER_TOKEN, key_of
from tests.i18n_pseudo import CLOSE, OPEN, write_pseudo_catalogue
from tests.servers import RunningServer, running_server
from tests.test_catalogue import REQUIRE_COMPLETE_TRANSLATIONS
from workshop.catalogues import po_path
from workshop.languages import LANGUAGES, RIGHT_TO_LEFT

pytestmark = pytest.mark.browser

PSEUDO = "ar"  # the pseudo-translation stands in for Arabic: six plural forms, right to left
SHOTS = Path("/tmp/i18n-shots")

# Every text the page shows that is not the deck's or the people's own must sit inside ⟦…⟧ (across elements: a
# message may hold markup). Skipped: [translate="no"] (codes, addresses, language names, keys), slide bodies, and
# [data-intl] (dates and language names the browser's Intl writes in the page's language).
UNMARKED = """([content, open, close]) => {
  const known = new Set(content.map((text) => text.trim()));
  const letters = /\\p{L}/u;
  const skipped = (el) => el.closest('[translate="no"], [data-intl], .slide-html, script, style, template');
  const outside = (text) => {
    let left = text;
    for (let before = ''; before !== left;) {
      before = left;
      left = left.replace(/\\u27e6[^\\u27e6\\u27e7]*\\u27e7/g, '');
    }
    return left;
  };
  const where = (el) => el.id ? `#${el.id}` : el.dataset.testid ? `[data-testid=${el.dataset.testid}]`
    : `${el.tagName.toLowerCase()}.${el.className}`;
  const problems = [];
  let depth = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || skipped(parent) || known.has(node.data.trim())) continue;
    let bare = '';
    for (const char of node.data) {
      if (char === open) depth += 1;
      else if (char === close) depth = Math.max(0, depth - 1);
      else if (depth === 0) bare += char;
    }
    if (letters.test(bare)) problems.push(`${where(parent)}: ${JSON.stringify(node.data.trim())}`);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], [aria-valuetext]')) {
    if (skipped(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'aria-valuetext']) {
      const value = el.getAttribute(name);
      if (value !== null && !known.has(value.trim()) && letters.test(outside(value))) {
        problems.push(`${where(el)} [${name}]: ${JSON.stringify(value)}`);
      }
    }
  }
  // Longest first: a short known text ("en", a deck's language) must not cut a longer one ("interdependence").
  let title = document.title;
  for (const text of [...known].sort((a, b) => b.length - a.length)) if (text) title = title.split(text).join('');
  if (letters.test(outside(title))) problems.push(`<title>: ${JSON.stringify(document.title)}`);
  return problems;
}"""


def deck_texts(value: Any) -> Iterator[str]:
    """Every string of the deck: its titles, questions, options, labels, notes, resources."""
    if isinstance(value, str):
        yield value
        yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from deck_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from deck_texts(item)


def decks_words(directory: Path) -> Iterator[str]:
    """The words of every deck in a folder (the start page and the library list them all), their ids and the
    file names of their pictures: the facilitators', not the interface's."""
    for deck_file in sorted(directory.glob("*.yaml")):
        yield from deck_texts(yaml.safe_load(deck_file.read_text(encoding="utf-8")))
        yield deck_file.stem
    yield from (picture.name for picture in directory.glob("*/*.svg"))


class Checker:
    """Asserts that a page shows only catalogue text, the deck's and what the test typed; saves a screenshot."""

    def __init__(self, request: pytest.FixtureRequest):
        self.content: list[str] = sorted(set(deck_texts(DECK)))
        self.test = request.node.name
        self.number = 0

    def own(self, *texts: str) -> None:
        """Texts people typed (answers, questions, a session name): theirs, not the interface's."""
        self.content.extend(texts)

    def __call__(self, page: Page, what: str) -> None:
        self.number += 1
        save_screenshot(page, self.test, f"{self.number:02d}-{what}")
        problems = page.evaluate(UNMARKED, [self.content, OPEN, CLOSE])
        assert not problems, f"{what}: text not from the catalogue:\n  " + "\n  ".join(problems)


@pytest.fixture(scope="module")
def pseudo_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server whose Arabic is the pseudo-translation; results shown from 2 answers (so "held back" shows)."""
    base = tmp_path_factory.mktemp("pseudo")
    translations = write_pseudo_catalogue(base / "translations", PSEUDO)
    with running_server(redis_url, base / "data", WORKSHOP_MIN_RESPONSES="2",
                        WORKSHOP_TRANSLATIONS_DIR=str(translations)) as server:
        yield server


def test_every_word_on_every_page_comes_from_the_catalogue(pseudo_server, contexts, request) -> None:
    server = pseudo_server
    check = Checker(request)
    arabic = {"locale": PSEUDO}  # Accept-Language: the start page, the console, the organiser's pages

    check.own(*decks_words(ROOT / "decks"))  # the start page lists every bundled deck
    # Sessions other tests left on this Redis are listed too: their names are people's words.
    for other_session in server.api("GET", "/api/sessions", token=ORGANISER_TOKEN):
        check.own(other_session.get("name") or "", other_session.get("title") or "")
    home = contexts.page(facilitator_home(server), **PRESENTER, **arabic)
    expect(home.locator("html")).to_have_attribute("dir", "rtl")
    check(home, "home")
    joining = contexts.page(f"{server.url}/", **PHONE, **arabic)
    check(joining, "join form")

    home.get_by_test_id("session-name").fill("Tuesday group")
    check.own("Tuesday group")
    home.get_by_test_id("start-session").first.click()
    expect(home).to_have_url(re.compile(r"/s/[^/?]+/console$"))
    console = home
    wait_connected(console)
    session_id = console.url.split("/s/")[1].split("/")[0]
    code = console.evaluate("document.body.dataset.code")
    facilitator = Facilitator(server.url, {"session": session_id, "key": console.evaluate("document.body.dataset.key")})
    try:
        check(console, "console, first slide")
        console.keyboard.press("?")
        expect(console.get_by_test_id("help")).to_be_visible()
        check(console, "console, shortcuts")
        console.get_by_test_id("help-close").click()

        # The presenter, opened in the facilitator's browser, in the pseudo-language by ?lang= (its deck's English).
        presenter = console.context.new_page()
        presenter.goto(f"{server.url}/s/{session_id}/present?lang={PSEUDO}")
        wait_connected(presenter)
        phone = contexts.page(f"{server.url}/j/{code}?lang={PSEUDO}", **PHONE)
        wait_connected(phone)
        for page, name in ((presenter, "presenter"), (phone, "phone")):
            check(page, f"{name}, first slide")
        phone.locator(".lang-menu summary").click()
        check(phone, "phone, language menu")
        phone.locator(".lang-menu summary").click()

        facilitator.go_to(JOIN_SLIDE)
        expect(presenter.locator("#join-panel")).to_have_attribute("data-mode", "join")
        for page, name in ((presenter, "presenter"), (phone, "phone"), (console, "console")):
            check(page, f"{name}, join slide")

        # Single choice: one answer held back (k = 2), a second releases it; then shown to the room.
        single = "warmup_word"
        facilitator.go_to_poll(single)
        expect(phone.get_by_test_id("option").first).to_be_enabled()
        check(phone, "phone, open poll")
        phone.get_by_test_id("option").first.click()
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "ok")
        check(phone, "phone, answer saved")
        expect(console.get_by_test_id("answered-count")).not_to_be_empty()
        check(console, "console, results held back")
        other = SocketClient(server.url, {"code": code})
        other.call("submit_answer", {"poll": single, "value": 1})
        facilitator.reveal(single)
        expect(phone.get_by_test_id("results").locator('[data-testid="bar"]').first).to_be_visible()
        for page, name in ((presenter, "presenter"), (phone, "phone"), (console, "console")):
            check(page, f"{name}, single choice results")
        facilitator.call("close_poll", {"poll": single})
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "closed")
        check(phone, "phone, closed poll")

        # Multiple choice, a scale, a ranking and a text poll, answered and shown.
        multiple = "codependent_habits"
        facilitator.go_to_poll(multiple)
        phone.get_by_test_id("submit").click()  # nothing ticked: refused on the phone
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "error")
        check(phone, "phone, nothing ticked")
        phone.get_by_test_id("option").nth(1).click()
        phone.get_by_test_id("submit").click()
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "ok")
        other.call("submit_answer", {"poll": multiple, "value": [0, 1]})
        facilitator.reveal(multiple)
        expect(presenter.get_by_test_id("results").locator('[data-testid="bar"]').first).to_be_visible()
        check(presenter, "presenter, multiple choice results")

        scale = "own_time"
        facilitator.go_to_poll(scale)
        phone.get_by_test_id("scale-option").nth(2).click()
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "ok")
        other.call("submit_answer", {"poll": scale, "value": POLLS[scale]["scale"]["max"]})
        facilitator.reveal(scale)
        expect(presenter.get_by_test_id("mean")).to_be_visible()
        for page, name in ((presenter, "presenter"), (phone, "phone"), (console, "console")):
            check(page, f"{name}, scale results")

        ranking = "what_matters"
        facilitator.go_to_poll(ranking)
        phone.get_by_test_id("rank-down").first.click()
        check(phone, "phone, ranking moved")
        phone.get_by_test_id("submit").click()
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "ok")
        other.call("submit_answer", {"poll": ranking, "value": list(range(len(POLLS[ranking]["options"])))})
        facilitator.reveal(ranking)
        expect(presenter.get_by_test_id("results").locator('[data-testid="bar"]').first).to_be_visible()
        for page, name in ((presenter, "presenter"), (phone, "phone")):
            check(page, f"{name}, ranking results")

        text = "keep_self"
        facilitator.go_to_poll(text)
        check.own("Long walks", "Friends")
        phone.get_by_test_id("text-input").fill("Long walks")
        phone.get_by_test_id("submit").click()
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "ok")
        other.call("submit_answer", {"poll": text, "value": "Friends"})
        facilitator.reveal(text)
        expect(console.locator("#moderation-list").get_by_test_id("answer")).to_have_count(2)
        console.locator("#moderation-list").get_by_test_id("moderate").first.click()
        expect(console.locator("#moderation-list .answer.is-hidden")).to_have_count(1)
        for page, name in ((presenter, "presenter"), (phone, "phone"), (console, "console")):
            check(page, f"{name}, text answers")
        console.get_by_test_id("view-list").click()
        expect(presenter.get_by_test_id("results").locator(".answer-list")).to_be_visible()
        check(presenter, "presenter, text answers as a list")

        # Q&A, reactions, the timer, the room's lock and cap, the QR overlay, slides on phones.
        facilitator.call("set_qa", {"open": True, "moderation": "approve"})
        expect(phone.get_by_test_id("qa")).to_be_visible()
        check.own("How do we start?")
        phone.get_by_test_id("qa-input").fill("How do we start?")
        phone.get_by_test_id("qa-send").click()
        expect(phone.get_by_test_id("qa-status")).to_have_attribute("data-kind", "ok")
        check(phone, "phone, question sent for approval")
        expect(console.get_by_test_id("qa-console-item")).to_have_count(1)
        check(console, "console, question waiting")
        console.get_by_test_id("qa-approve").click()
        console.get_by_test_id("qa-pin").click()
        expect(presenter.get_by_test_id("stage-qa-pinned")).to_be_visible()
        phone.get_by_test_id("qa-vote").click()
        expect(phone.get_by_test_id("qa-vote")).to_have_attribute("aria-pressed", "true")
        phone.get_by_test_id("qa-input").fill("x" * 205)
        check(phone, "phone, questions and a vote")
        for page, name in ((presenter, "presenter"), (console, "console")):
            check(page, f"{name}, questions")
        facilitator.call("set_reactions", {"enabled": True})
        expect(phone.get_by_test_id("reaction").first).to_be_visible()
        phone.get_by_test_id("reaction").first.click()
        expect(phone.get_by_test_id("reaction-status")).not_to_be_empty()
        check(phone, "phone, reactions")
        facilitator.call("start_timer", {"seconds": 120})
        expect(phone.get_by_test_id("countdown")).to_be_visible()
        console.get_by_test_id("room-lock").click()
        expect(console.get_by_test_id("room-status")).to_have_attribute("data-state", "locked")
        console.get_by_test_id("room-cap").fill("many")
        console.get_by_test_id("room-cap-set").click()
        expect(console.get_by_test_id("room-cap-error")).to_be_visible()
        console.get_by_test_id("timer-length").fill("0")
        console.get_by_test_id("timer-start").click()
        expect(console.get_by_test_id("timer-error")).to_be_visible()
        console.get_by_test_id("phone-slides-toggle").click()
        expect(console.get_by_test_id("phone-slides-toggle")).to_have_attribute("aria-pressed", "true")
        for page, name in ((presenter, "presenter"), (phone, "phone"), (console, "console")):
            check(page, f"{name}, timer, locked room, slides on phones")
        late = contexts.page(f"{server.url}/j/{code}?lang={PSEUDO}", **PHONE)
        expect(late.get_by_test_id("room-locked")).to_be_visible()
        check(late, "a new phone, the room locked")
        facilitator.call("set_qr_overlay", {"visible": True})
        expect(presenter.locator("#join-panel")).to_have_attribute("data-mode", "overlay")
        check(presenter, "presenter, QR overlay")
        facilitator.call("set_qr_overlay", {"visible": False})
        facilitator.call("stop_timer", {})
        facilitator.go_to(len(DECK["slides"]) - 1)  # the last slide: the deck's resources, on phones too
        expect(presenter.get_by_test_id("slide-resources")).to_be_visible()
        expect(phone.get_by_test_id("phone-slide")).to_be_visible()
        for page, name in ((presenter, "presenter"), (phone, "phone")):
            check(page, f"{name}, last slide")

        # The end: every screen says so; then the organiser's pages.
        facilitator.end()
        expect(phone.get_by_test_id("ended")).to_be_visible()
        for page, name in ((presenter, "presenter"), (phone, "phone"), (console, "console")):
            expect(page.get_by_test_id("ended")).to_be_visible()
            check(page, f"{name}, ended")
    finally:
        facilitator.close()

    # The report names a scale's steps by number and label, as the CSV does: the deck's words.
    check.own(*(f"{step} {label}" for step, label in POLLS[scale]["scale"]["labels"].items()))
    for other_session in server.api("GET", "/api/sessions", token=ORGANISER_TOKEN):
        check.own(other_session.get("name") or "", other_session.get("title") or "")
    organiser = contexts.page(organiser_home(server), **PRESENTER, **arabic)
    expect(organiser.get_by_test_id("session-row").first).to_be_visible()
    check(organiser, "organiser")
    organiser.goto(f"{server.url}/organiser/sessions/{session_id}/report")
    expect(organiser.get_by_test_id("report-poll").first).to_be_visible()
    check(organiser, "report")
    for path, name in ((f"/j/NOSUCH?lang={PSEUDO}", "unknown code"), (f"/offline?lang={PSEUDO}", "offline page"),
                       (f"/s/{session_id}/console?lang={PSEUDO}", "ended console link"),
                       (f"/nowhere?lang={PSEUDO}", "no such page")):
        message = contexts.page(f"{server.url}{path}", **PHONE)
        check(message, name)


def test_the_deck_pages_come_from_the_catalogue(redis_url, tmp_path, contexts, request) -> None:
    """The deck library, the editor and the rehearse page, with the pseudo-translation: no unmarked text."""
    decks = bundled_decks(tmp_path / "decks")
    translations = write_pseudo_catalogue(tmp_path / "translations", PSEUDO)
    check = Checker(request)
    check.own(*decks_words(decks))
    arabic = {"locale": PSEUDO}
    with running_server(redis_url, tmp_path / "data", WORKSHOP_DECKS_DIR=str(decks),
                        WORKSHOP_TRANSLATIONS_DIR=str(translations)) as server:
        library = contexts.page(facilitator_home(server), **PRESENTER, **arabic)
        library.goto(f"{server.url}/decks")
        expect(library.get_by_test_id("loading")).to_be_hidden()
        expect(library.locator("html")).to_have_attribute("dir", "rtl")
        check(library, "library")
        library.get_by_test_id("new-deck").click()
        expect(library.get_by_test_id("new-dialog")).to_be_visible()
        check(library, "library, new deck dialog")
        library.keyboard.press("Escape")
        library.get_by_test_id("upload-file").set_input_files(
            files=[{"name": "broken.yaml", "mimeType": "application/yaml", "buffer": b"title: [\n"}])
        expect(library.get_by_test_id("upload-problems")).to_be_visible()
        # The validator's problems stay English (as check-deck's): they are the server's, shown as they come.
        check.own(*library.get_by_test_id("problem-list").locator("li").all_inner_texts())
        check(library, "library, a broken upload")

        editor = library
        editor.goto(f"{server.url}/decks/interdependence/edit")
        # The state line shows from the start ("Loading the deck…"): check the editor once it holds the deck.
        expect(editor.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
        check(editor, "editor, first slide")
        editor.get_by_test_id("slide-select").filter(has_text="Warming up").first.click()
        expect(editor.get_by_test_id("poll-question")).to_be_visible()
        check(editor, "editor, a poll")
        editor.get_by_test_id("poll-question").fill("")
        shown = editor.locator("[data-testid=field-problem]:not([hidden])")
        expect(shown).to_have_count(1)
        # The validator's words are check-deck's, English by design: the problem is shown as the server said it.
        check.own(*(text.strip() for text in shown.all_inner_texts()))
        check(editor, "editor, a problem")

        started = server.api("POST", "/api/sessions", {"deck": "interdependence", "practice": True})
        rehearse = library
        rehearse.goto(started["rehearse_url"])
        expect(rehearse.get_by_text(re.compile("Practice")).first).to_be_visible()
        check(rehearse, "rehearse")


# The phone in every language -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def languages_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real catalogues, and the bundled deck once per language (`deck-<lang>`, declared in that language)."""
    base = tmp_path_factory.mktemp("languages")
    decks = base / "decks"
    decks.mkdir()
    source = (ROOT / "decks" / "interdependence.yaml").read_text(encoding="utf-8")
    for lang in LANGUAGES:
        bundled_deck_as(decks, f"deck-{lang}", text=re.sub(r"^lang: .*$", f"lang: {lang}", source, count=1,
                                                          flags=re.MULTILINE))
    with running_server(redis_url, base / "data", WORKSHOP_DECKS_DIR=str(decks)) as server:
        yield server


def translated(lang: str) -> dict[str, str]:
    """The catalogue's translated messages whose text differs from the English (msgid -> text)."""
    if not po_path(ROOT / "translations", lang).is_file():  # English: the msgids themselves
        return {}
    with po_path(ROOT / "translations", lang).open("rb") as file:
        catalog = read_po(file, locale=lang)
    found = {}
    for message in catalog:
        if message.id and not message.fuzzy and message.string:
            msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
            text = message.string[0] if isinstance(message.string, tuple | list) else message.string
            if text and text != msgid:
                found[msgid] = text
    return found


def english_left(page: Page, lang: str, own: list[str]) -> list[str]:
    """Visible texts on the page that are an English message which this language translates."""
    placeholder = re.compile(r"\{\w+\}|%\(\w+\)[sd]")
    # A message of placeholders only ("{minutes} {seconds}") has no English of its own to find.
    patterns = [re.compile("^" + re.sub(r"\\\{\w+\\\}|%\\\(\w+\\\)[sd]", ".+?", re.escape(msgid)) + "$")
                for msgid in translated(lang) if re.search(r"[A-Za-z]", placeholder.sub("", msgid))]
    texts = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter((el) => el.checkVisibility() && !el.closest('[translate="no"], .slide-html'))
        .flatMap((el) => [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data.trim()))
        .filter(Boolean)""")
    return [text for text in texts if text not in own and any(pattern.match(text) for pattern in patterns)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_phone_flow_in_each_language(languages_server, contexts, lang: str) -> None:
    """Join, answer a poll and see "saved" on a phone of a session whose deck is in `lang`."""
    server = languages_server
    session = server.start_session(f"deck-{lang}")
    facilitator = Facilitator(server.url, {"session": session["id"], "key": key_of(session["facilitator_url"])})
    try:
        phone = contexts.phone(session["join_url"])
        direction = "rtl" if lang in RIGHT_TO_LEFT else "ltr"
        expect(phone.locator("html")).to_have_attribute("lang", lang)
        expect(phone.locator("html")).to_have_attribute("dir", direction)
        wait_connected(phone)
        facilitator.go_to_poll("warmup_word")
        phone.get_by_test_id("option").first.click()
        status = phone.get_by_test_id("answer-status")
        expect(status).to_have_attribute("data-kind", "ok")
        messages = translated(lang)
        if "Answer saved — you can change it while the poll is open" in messages:
            expect(status).to_have_text(messages["Answer saved — you can change it while the poll is open"])
        if "Submit" in messages or lang == "en":
            expect(phone.locator(".brand")).to_have_text(messages.get("Workshop", "Workshop"))
        violations = axe_violations(phone)
        assert not violations, f"{lang}:\n{describe_violations(violations)}"
        if REQUIRE_COMPLETE_TRANSLATIONS and lang != "en":
            left = english_left(phone, lang, list(deck_texts(DECK)))
            assert not left, f"{lang}: English left on the phone: {left}"
        if lang in RIGHT_TO_LEFT:
            SHOTS.mkdir(parents=True, exist_ok=True)
            facilitator.reveal("warmup_word")
            expect(phone.get_by_test_id("results").locator('[data-testid="bar"]').first).to_be_visible()
            phone.screenshot(path=str(SHOTS / f"phone-{lang}.png"), full_page=True)
            save_screenshot(phone, f"phone-{lang}", "results")
            presenter = contexts.presenter(session["presenter_url"])
            wait_connected(presenter)
            expect(presenter.locator("html")).to_have_attribute("dir", "rtl")
            expect(presenter.get_by_test_id("results").locator('[data-testid="bar"]').first).to_be_visible()
            presenter.screenshot(path=str(SHOTS / f"presenter-{lang}.png"))
            save_screenshot(presenter, f"presenter-{lang}", "results")
            # Bars grow from the start side: the right.
            track, fill = (presenter.locator('[data-testid="bar"] .bar-track').first.bounding_box(),
                           presenter.locator('[data-testid="bar"] .bar-fill').first.bounding_box())
            assert track and fill and abs((track["x"] + track["width"]) - (fill["x"] + fill["width"])) < 1.5

        # The language menu: another language by its own name; the choice stays for this code on a reload.
        other = "de" if lang != "de" else "fr"
        phone.locator(".lang-menu summary").click()
        phone.locator(f'.lang-menu a[lang="{other}"]').click()
        expect(phone.locator("html")).to_have_attribute("lang", other)
        wait_connected(phone)
        expect(phone.get_by_test_id("answer-status")).to_have_attribute("data-kind", "ok")  # still the same person
        phone.goto(session["join_url"])
        expect(phone.locator("html")).to_have_attribute("lang", other)
        expect(phone.get_by_test_id("poll-question")).to_have_attribute("lang", lang)  # the slides stay the deck's
    finally:
        facilitator.close()


def test_the_german_console_keeps_the_polls_badges_inside_its_panel(languages_server, contexts) -> None:
    """German's long badge ("Ergebnisse für den Raum verborgen") wraps at 1280x720 instead of running off."""
    session = languages_server.start_session("deck-de")
    facilitator = Facilitator(languages_server.url,
                              {"session": session["id"], "key": key_of(session["facilitator_url"])})
    try:
        facilitator.go_to_poll("warmup_word")
        console = contexts.presenter(session["facilitator_url"], locale="de")
        expect(console.locator("html")).to_have_attribute("lang", "de")
        note = console.get_by_test_id("visibility-note")
        expect(note).to_be_visible()
        panel, badge = console.locator("#poll-panel").bounding_box(), note.bounding_box()
        assert panel and badge and badge["x"] + badge["width"] <= panel["x"] + panel["width"], (panel, badge)
    finally:
        facilitator.close()
