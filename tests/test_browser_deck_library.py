"""Browser: the deck library as a facilitator uses it. From the home page to Decks; the bundled deck with its
counts; duplicate it, rename the copy, download it; upload a broken file (its problems by line, nothing saved)
and a good one (and replace it, after asking); a new deck goes to its editor; delete after a confirmation;
keyboard and dialogs; axe; a phone-sized screen. Every write lands in a temporary decks directory, checked on
disk."""
# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures are requested by name)
    DECK,
    PHONE,
    POLLS,
    PRESENTER,
    ROOT,
    SLIDES,
    axe_violations,
    bundled_decks,
    chromium,
    contexts,
    describe_violations,
    facilitator_home,
    screenshot,
)
from tests.conftest import decks_listing
from tests.servers import RunningServer, running_server
from workshop.decks import parse_deck

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BUNDLED = "interdependence"
BROKEN = """\
title: Broken on purpose
slides:
  - title: One
    poll:
      id: q1
      type: sideways
      question: Which way?
  - title: Two
    timer: forever
"""


def good_deck(title: str, question: str = "How are you?") -> str:
    return (f"# Uploaded from a file.\ntitle: {title}\nslides:\n  - title: Hello\n    poll:\n      id: q1\n"
            f"      type: single\n      question: {question}\n      options: [Well, So-so]\n")


@pytest.fixture(scope="module")
def decks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled deck (and its pictures) in a temporary decks directory, never the repository's."""
    return bundled_decks(tmp_path_factory.mktemp("library") / "decks", BUNDLED)


@pytest.fixture(scope="module")
def library_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory,
                   decks_dir: Path) -> Iterator[RunningServer]:
    """One real `workshop serve` on that decks directory for the module's tests."""
    data_dir = tmp_path_factory.mktemp("library-data")
    with running_server(redis_url, data_dir, WORKSHOP_DECKS_DIR=str(decks_dir)) as server:
        yield server


def open_library(contexts, server: RunningServer, **options) -> Page:
    """The facilitator's library page, logged in, with the list loaded."""
    page = contexts.page(facilitator_home(server), **{**PRESENTER, **options})
    page.goto(f"{server.url}/decks")
    expect(page.get_by_test_id("loading")).to_be_hidden()
    return page


def card(page: Page, deck_id: str):
    return page.locator(f'[data-testid="library-deck"][data-deck="{deck_id}"]')


def assert_axe_clean(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


# The list ---------------------------------------------------------------------------------------------------

def test_the_home_page_links_to_the_library_which_lists_the_bundled_deck(library_server, contexts, decks_dir: Path,
                                                                        screenshot) -> None:
    (decks_dir / "Old Deck.yaml").write_text(good_deck("Written by hand"))  # a file name the API cannot edit
    try:
        page = contexts.page(facilitator_home(library_server), **PRESENTER)
        page.get_by_test_id("decks-link").click()
        expect(page).to_have_url(f"{library_server.url}/decks")
        expect(page.get_by_role("heading", level=1)).to_have_text("Decks")

        bundled = card(page, BUNDLED)
        expect(bundled.get_by_role("heading", level=3)).to_have_text(DECK["title"])
        polls = len(POLLS)
        expect(bundled.get_by_test_id("facts")).to_contain_text(f"{len(SLIDES)} slides")
        expect(bundled.get_by_test_id("facts")).to_contain_text(f"{polls} poll{'s' if polls != 1 else ''}")
        expect(bundled.get_by_test_id("facts")).to_contain_text("English")
        expect(bundled.get_by_test_id("facts").locator("time")).to_have_text(re.compile(r"^Changed .+"))
        expect(bundled.get_by_test_id("edit")).to_have_attribute("href", f"/decks/{BUNDLED}/edit")
        for action in ("rehearse", "duplicate", "rename", "download", "delete"):
            expect(bundled.get_by_test_id(action)).to_be_visible()

        # A deck whose file name the browser cannot use says so and offers only what works.
        locked = card(page, "Old Deck")
        expect(locked.get_by_test_id("not-editable")).to_contain_text("Rename the file on the server")
        expect(locked.get_by_role("button")).to_have_count(1)
        expect(locked.get_by_test_id("rehearse")).to_be_visible()
        expect(locked.get_by_role("link")).to_have_count(0)

        # Live sessions on a deck show on its card. (Not the bundled deck: every browser module shares one Redis,
        # and others run sessions on it.)
        expect(card(page, "Old Deck").get_by_test_id("in-use")).to_have_count(0)
        library_server.start_session("Old Deck")
        library_server.start_session("Old Deck")
        page.reload()
        expect(card(page, "Old Deck").get_by_test_id("in-use")).to_have_text("In use by 2 live sessions")
        screenshot(page, "library")
        assert_axe_clean(page)

        page.get_by_test_id("back-home").click()
        expect(page).to_have_url(f"{library_server.url}/")
    finally:
        (decks_dir / "Old Deck.yaml").unlink()


def test_an_empty_decks_directory_says_what_to_do(redis_url: str, tmp_path: Path, contexts) -> None:
    (tmp_path / "empty").mkdir()
    with running_server(redis_url, tmp_path / "data", WORKSHOP_DECKS_DIR=str(tmp_path / "empty")) as server:
        page = open_library(contexts, server)
        expect(page.get_by_test_id("empty")).to_be_visible()
        expect(page.get_by_test_id("empty")).to_contain_text("No decks yet")
        expect(page.get_by_test_id("library-deck")).to_have_count(0)
        assert_axe_clean(page)


def test_the_page_is_for_facilitators_only(library_server, contexts) -> None:
    page = contexts.page(f"{library_server.url}/decks", **PRESENTER)
    expect(page.get_by_test_id("message")).to_contain_text("Facilitator link needed")
    expect(page.get_by_test_id("library-deck")).to_have_count(0)


# Duplicate, rename, download ----------------------------------------------------------------------------------

def test_duplicate_the_bundled_deck_then_rename_the_copy(library_server, contexts, decks_dir: Path,
                                                         screenshot) -> None:
    page = open_library(contexts, library_server)
    card(page, BUNDLED).get_by_test_id("duplicate").click()
    dialog = page.get_by_test_id("copy-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("copy-title")).to_be_focused()
    expect(dialog.get_by_test_id("copy-title")).to_have_value(f"Copy of {DECK['title']}")
    expect(dialog.get_by_test_id("copy-id")).to_have_value("copy-of-building-a-relationship-on-interdependence")
    dialog.get_by_test_id("copy-title").fill("Our Évening, together")
    expect(dialog.get_by_test_id("copy-id")).to_have_value("our-evening-together")  # follows the title
    screenshot(page, "duplicate dialog")
    dialog.get_by_test_id("copy-confirm").click()
    expect(dialog).to_be_hidden()

    copied = card(page, "our-evening-together")
    expect(copied.get_by_role("heading", level=3)).to_have_text("Our Évening, together")
    expect(copied.get_by_role("heading", level=3)).to_be_focused()
    expect(page.get_by_test_id("status")).to_have_text(f"Duplicated “{DECK['title']}” as “Our Évening, together”.")
    text = (decks_dir / "our-evening-together.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["title"] == "Our Évening, together"
    original = (decks_dir / f"{BUNDLED}.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[1:] == original.splitlines()[1:]  # all but the title, comments included
    assert sorted(p.name for p in (decks_dir / "our-evening-together").iterdir()) == \
        sorted(p.name for p in (decks_dir / BUNDLED).iterdir())

    # Rename the copy: its file and pictures move.
    copied.get_by_test_id("rename").click()
    dialog = page.get_by_test_id("rename-dialog")
    field = dialog.get_by_test_id("rename-id")
    expect(field).to_be_focused()
    expect(field).to_have_value("our-evening-together")
    field.fill("Not Allowed!")
    dialog.get_by_test_id("rename-confirm").click()
    expect(dialog.get_by_test_id("dialog-error")).to_contain_text("1 to 64 small letters")
    field.fill(BUNDLED)
    dialog.get_by_test_id("rename-confirm").click()
    expect(dialog.get_by_test_id("dialog-error")).to_contain_text("already here")
    field.fill("evening-group")
    dialog.get_by_test_id("rename-confirm").click()
    expect(dialog).to_be_hidden()
    expect(card(page, "evening-group").get_by_role("heading", level=3)).to_be_focused()
    expect(card(page, "our-evening-together")).to_have_count(0)
    assert not (decks_dir / "our-evening-together.yaml").exists()
    assert not (decks_dir / "our-evening-together").exists()
    assert (decks_dir / "evening-group.yaml").read_text(encoding="utf-8") == text
    assert (decks_dir / "evening-group" / "two-circles.svg").exists()


def test_a_full_disk_says_so_and_saves_nothing(redis_url: str, tmp_path: Path, contexts) -> None:
    decks = bundled_decks(tmp_path / "decks", BUNDLED)
    before = decks_listing(decks)
    # A reserve larger than the free space: the server sees a disk too full to save into.
    reserve = shutil.disk_usage(decks).free // (1024 * 1024) + 1024
    with running_server(redis_url, tmp_path / "data", WORKSHOP_DECKS_DIR=str(decks),
                        WORKSHOP_DECKS_MIN_FREE_MB=str(reserve)) as server:
        page = open_library(contexts, server)
        card(page, BUNDLED).get_by_test_id("duplicate").click()
        dialog = page.get_by_test_id("copy-dialog")
        dialog.get_by_test_id("copy-confirm").click()
        expect(dialog.get_by_test_id("dialog-error")).to_contain_text("The server\u2019s disk is almost full")
        assert decks_listing(decks) == before


def test_download_gets_the_decks_yaml(library_server, contexts, decks_dir: Path) -> None:
    page = open_library(contexts, library_server)
    with page.expect_download() as download:
        card(page, BUNDLED).get_by_test_id("download").click()
    assert download.value.suggested_filename == f"{BUNDLED}.yaml"
    assert Path(download.value.path()).read_bytes() == (decks_dir / f"{BUNDLED}.yaml").read_bytes()


# Upload -----------------------------------------------------------------------------------------------------

def upload(page: Page, name: str, text: str) -> None:
    page.get_by_test_id("upload-file").set_input_files(
        files=[{"name": name, "mimeType": "application/yaml", "buffer": text.encode("utf-8")}])


def test_a_broken_upload_lists_its_problems_by_line_and_saves_nothing(library_server, contexts, decks_dir: Path,
                                                                      screenshot) -> None:
    page = open_library(contexts, library_server)
    before = decks_listing(decks_dir)
    upload(page, "broken-deck.yaml", BROKEN)
    problems = page.get_by_test_id("upload-problems")
    expect(problems).to_be_visible()
    expect(problems).to_be_focused()
    expect(problems.get_by_role("heading")).to_have_text("“broken-deck.yaml” was not saved: it has 2 problems.")
    items = problems.get_by_test_id("problem")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text(re.compile(r"^Line 6: poll 'type' must be one of single, "))
    expect(items.nth(1)).to_have_text(re.compile(r"^Line 9: "))
    expect(page.get_by_test_id("upload-dialog")).to_be_hidden()
    screenshot(page, "broken upload")
    assert_axe_clean(page)
    assert decks_listing(decks_dir) == before
    expect(card(page, "broken-deck")).to_have_count(0)


def test_a_good_upload_is_saved_and_replacing_it_asks_first(library_server, contexts, decks_dir: Path) -> None:
    page = open_library(contexts, library_server)
    upload(page, "Tuesday Group.yml", good_deck("Tuesday evenings"))
    dialog = page.get_by_test_id("upload-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("upload-id")).to_have_value("tuesday-group")
    expect(dialog.get_by_test_id("upload-replaces")).to_be_hidden()
    dialog.get_by_test_id("upload-save").click()
    expect(dialog).to_be_hidden()
    expect(card(page, "tuesday-group").get_by_role("heading", level=3)).to_have_text("Tuesday evenings")
    assert (decks_dir / "tuesday-group.yaml").read_text() == good_deck("Tuesday evenings")

    # The same name again: the dialog says it replaces, and a confirmation names the deck.
    upload(page, "tuesday-group.yaml", good_deck("Tuesday evenings, revised", "How is the week?"))
    expect(dialog.get_by_test_id("upload-replaces")).to_contain_text("“Tuesday evenings”")
    expect(dialog.get_by_test_id("upload-save")).to_have_text("Replace deck…")
    dialog.get_by_test_id("upload-save").click()
    confirm = page.get_by_test_id("confirm-dialog")
    expect(confirm.get_by_role("heading")).to_have_text("Replace “Tuesday evenings”?")
    expect(confirm.get_by_test_id("confirm-cancel")).to_be_focused()
    confirm.get_by_test_id("confirm-cancel").click()
    assert (decks_dir / "tuesday-group.yaml").read_text() == good_deck("Tuesday evenings")  # cancelled: unchanged

    upload(page, "tuesday-group.yaml", good_deck("Tuesday evenings, revised", "How is the week?"))
    dialog.get_by_test_id("upload-save").click()
    confirm.get_by_test_id("confirm-ok").click()
    expect(confirm).to_be_hidden()
    expect(card(page, "tuesday-group").get_by_role("heading", level=3)).to_have_text("Tuesday evenings, revised")
    assert (decks_dir / "tuesday-group.yaml").read_text() == good_deck("Tuesday evenings, revised", "How is the week?")


# New deck and delete ----------------------------------------------------------------------------------------

def test_a_new_deck_is_created_and_opens_in_the_editor(library_server, contexts, decks_dir: Path) -> None:
    page = open_library(contexts, library_server)
    new_button = page.get_by_test_id("new-deck")
    new_button.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("new-dialog")
    expect(dialog.get_by_test_id("new-title")).to_be_focused()
    expect(dialog.get_by_test_id("new-lang")).to_have_value("en")  # the page's language
    page.keyboard.press("Escape")  # closing gives focus back to the button that opened it
    expect(dialog).to_be_hidden()
    expect(new_button).to_be_focused()

    new_button.click()
    dialog.get_by_test_id("new-create").click()
    expect(dialog.get_by_test_id("dialog-error")).to_have_text("Give the deck a title.")
    dialog.get_by_test_id("new-title").fill("Grenzen in der Straße")
    expect(dialog.get_by_test_id("new-id")).to_have_value("grenzen-in-der-strasse")
    dialog.get_by_test_id("new-lang").select_option("de")
    dialog.get_by_test_id("new-create").click()
    expect(page).to_have_url(f"{library_server.url}/decks/grenzen-in-der-strasse/edit")
    text = (decks_dir / "grenzen-in-der-strasse.yaml").read_text(encoding="utf-8")
    deck = parse_deck(text, "grenzen-in-der-strasse", "new.yaml")  # what check-deck accepts
    assert (deck.title, deck.lang) == ("Grenzen in der Straße", "de")
    assert [slide.kind for slide in deck.slides] == ["content", "join"]


def test_delete_asks_naming_the_deck_then_removes_it(library_server, contexts, decks_dir: Path) -> None:
    (decks_dir / "to-delete.yaml").write_text(good_deck("Short-lived"))
    page = open_library(contexts, library_server)
    delete = card(page, "to-delete").get_by_test_id("delete")
    delete.click()
    confirm = page.get_by_test_id("confirm-dialog")
    expect(confirm.get_by_role("heading")).to_have_text("Delete “Short-lived”?")
    expect(confirm).to_contain_text("to-delete.yaml")
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(delete).to_be_focused()
    assert (decks_dir / "to-delete.yaml").exists()

    delete.click()
    confirm.get_by_test_id("confirm-ok").click()
    expect(confirm).to_be_hidden()
    expect(card(page, "to-delete")).to_have_count(0)
    expect(page.locator("#library-heading")).to_be_focused()
    expect(page.get_by_test_id("status")).to_have_text("Deleted “Short-lived”.")
    assert not (decks_dir / "to-delete.yaml").exists()


def test_delete_of_a_deck_in_use_says_live_sessions_keep_their_copy(library_server, contexts,
                                                                    decks_dir: Path) -> None:
    (decks_dir / "library-busy.yaml").write_text(good_deck("Busy deck"))
    library_server.start_session("library-busy")
    page = open_library(contexts, library_server)
    expect(card(page, "library-busy").get_by_test_id("in-use")).to_have_text("In use by 1 live session")
    card(page, "library-busy").get_by_test_id("rename").click()
    rename = page.get_by_test_id("rename-dialog")
    expect(rename.get_by_test_id("dialog-error")).to_contain_text("can be renamed once it has ended")
    rename.get_by_test_id("rename-id").fill("library-busy-renamed")
    rename.get_by_test_id("rename-confirm").click()
    expect(rename.get_by_test_id("dialog-error")).to_contain_text("End them first")
    assert (decks_dir / "library-busy.yaml").exists() and not (decks_dir / "library-busy-renamed.yaml").exists()
    page.keyboard.press("Escape")

    card(page, "library-busy").get_by_test_id("delete").click()
    confirm = page.get_by_test_id("confirm-dialog")
    expect(confirm).to_contain_text("1 live session uses this deck. It keeps its own copy of the slides")
    confirm.get_by_test_id("confirm-ok").click()
    expect(card(page, "library-busy")).to_have_count(0)
    assert not (decks_dir / "library-busy.yaml").exists()


# Rehearse ---------------------------------------------------------------------------------------------------

def test_rehearse_asks_for_a_practice_session_and_goes_to_its_screen(library_server, contexts) -> None:
    page = open_library(contexts, library_server)
    with page.expect_response(lambda response: response.url.endswith("/api/sessions")
                              and response.request.method == "POST") as answer:
        card(page, BUNDLED).get_by_test_id("rehearse").click()
    assert answer.value.request.post_data_json == {"deck": BUNDLED, "practice": True}
    assert answer.value.status == 201
    # The page goes to the practice session's own screen (same origin), which says it is practice.
    expect(page).to_have_url(re.compile(r"/s/[0-9a-f]+/rehearse(\?key=[^&]+)?$"))  # the page drops its key
    expect(page.get_by_text("Practice", exact=True).first).to_be_visible()


# Small screens ----------------------------------------------------------------------------------------------

def test_the_library_works_on_a_phone_sized_screen(library_server, contexts, screenshot) -> None:
    page = open_library(contexts, library_server, **PHONE)
    bundled = card(page, BUNDLED)
    expect(bundled).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    for action in ("edit", "rehearse", "duplicate", "rename", "download", "delete"):
        box = bundled.get_by_test_id(action).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, action
        assert box["height"] >= 40, action  # big enough to tap
    screenshot(page, "phone")
    assert_axe_clean(page)
    bundled.get_by_test_id("duplicate").click()
    dialog = page.get_by_test_id("copy-dialog")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(dialog.get_by_test_id("copy-confirm")).to_be_in_viewport()
    screenshot(page, "phone, duplicate dialog")
    assert_axe_clean(page)


def test_an_arabic_page_runs_right_to_left_and_new_decks_default_to_arabic(library_server, contexts,
                                                                          screenshot) -> None:
    page = contexts.page(facilitator_home(library_server), **PHONE)
    page.goto(f"{library_server.url}/decks?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(card(page, BUNDLED)).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("new-deck").click()
    dialog = page.get_by_test_id("new-dialog")
    expect(dialog.get_by_test_id("new-lang")).to_have_value("ar")
    dialog.get_by_test_id("new-title").fill("العلاقات")  # no Latin letters: the file name falls back to "deck"
    expect(dialog.get_by_test_id("new-id")).to_have_value("deck")
    screenshot(page, "arabic, new deck")
    assert_axe_clean(page)
