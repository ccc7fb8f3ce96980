"""The deck editor in Chromium, as a facilitator uses it, on copies of the bundled deck in a temporary decks dir."""

# The fixtures are imported from tests/browser.py and requested by name, which pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures)
    PRESENTER,
    ROOT,
    axe_violations,
    bundled_deck_as,
    bundled_decks,
    chromium,
    contexts,
    describe_violations,
    screenshot,
)
from tests.conftest import FACILITATOR_TOKEN
from tests.pictures import png
from tests.servers import RunningServer, running_server
from workshop.decks import load_deck
from workshop.polls import POLL_TYPES

BUNDLED = ROOT / "decks" / "interdependence.yaml"
BUNDLED_TEXT = BUNDLED.read_text(encoding="utf-8")
WARMUP_QUESTION = "      question: Which word feels most like a good relationship to you?\n"
# The bundled deck with a facilitator's own comments: above a slide, and at the end of a line the editor changes.
COMMENTED = BUNDLED_TEXT.replace("slides:\n  - title: Welcome\n", "slides:\n  # The opening slide: keep it short.\n"
                                 "  - title: Welcome\n", 1).replace(
    WARMUP_QUESTION, WARMUP_QUESTION.rstrip("\n") + "   # asked first, to warm up\n", 1)
COMMENTS = [line[line.index("#"):] for line in COMMENTED.splitlines() if "#" in line]
TABLET = {"viewport": {"width": 768, "height": 1024}, "has_touch": True}


@pytest.fixture(scope="module")
def decks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A decks directory of this module's own: the repository's `decks/` is never written."""
    return bundled_decks(tmp_path_factory.mktemp("editor") / "decks")


@pytest.fixture(scope="module")
def editor_server(redis_url: str, decks_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(redis_url, tmp_path_factory.mktemp("editor-data"), WORKSHOP_DECKS_DIR=str(decks_dir)) as server:
        yield server


def copy_of_bundled(decks_dir: Path, deck_id: str, text: str = BUNDLED_TEXT) -> Path:
    """The bundled deck and its pictures as deck `deck_id` (as "duplicate" in the deck library makes one)."""
    return bundled_deck_as(decks_dir, deck_id, text=text)


def open_editor(page: Page, server: RunningServer, deck_id: str) -> None:
    page.goto(f"{server.url}/decks/{deck_id}/edit?token={FACILITATOR_TOKEN}")
    expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")


def slide_names(page: Page) -> list[str]:
    return page.get_by_test_id("slide-name").all_inner_texts()


def select_slide(page: Page, title: str) -> None:
    page.get_by_test_id("slide-select").filter(has_text=title).first.click()
    expect(page.get_by_test_id("slide-title")).to_have_value(title)


def assert_accessible(page: Page, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{what}:\n{describe_violations(violations)}"


def fill_type_fields(page: Page, kind: str) -> None:
    """Fill what a poll type declares (its `deck_keys`, from the registry) as a facilitator would."""
    for key in sorted(POLL_TYPES[kind].deck_keys):
        if key == "options":
            items = page.get_by_test_id("poll-options-item")
            items.nth(0).fill("Often")
            items.nth(1).fill("Sometimes")
            page.get_by_test_id("poll-options-add").click()
            expect(items).to_have_count(3)
            expect(items.nth(2)).to_be_focused()
            page.keyboard.type("Rarely")
        elif key == "scale":
            page.get_by_test_id("scale-max").fill("7")
            page.get_by_test_id("scale-min-label").fill("Not at all")
            page.get_by_test_id("scale-max-label").fill("Completely")
        elif key == "max_length":
            page.get_by_test_id("poll-max-length").fill("60")
        else:
            raise AssertionError(f"the test does not know how to fill '{key}' of poll type {kind}")


def test_a_facilitator_edits_a_deck_and_saves_it_as_yaml(editor_server, decks_dir, contexts, screenshot) -> None:
    assert COMMENTED != BUNDLED_TEXT and len(COMMENTS) == 4
    path = copy_of_bundled(decks_dir, "my-workshop", COMMENTED)
    page = contexts.page(**PRESENTER)
    open_editor(page, editor_server, "my-workshop")
    original = slide_names(page)
    assert original == [slide["title"] for slide in yaml.safe_load(BUNDLED_TEXT)["slides"]]
    expect(page.get_by_test_id("save")).to_be_disabled()
    assert_accessible(page, "the editor as it opens")

    # Change a question: the deck is unsaved, and the preview shows the question as the projector will.
    select_slide(page, "Warming up")
    page.get_by_test_id("poll-question").fill("Which word feels most like a good relationship to you today?")
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")
    expect(page.get_by_test_id("preview-question")).to_have_text("Which word feels most like a good relationship to "
                                                                 "you today?")
    expect(page.get_by_test_id("save")).to_be_enabled()

    # A slide of every poll type the server knows, offered from its registry, added at the end of the deck.
    kinds = list(POLL_TYPES)
    offered = page.get_by_test_id("poll-type").locator("option").evaluate_all("(options) => options.map(o => o.value)")
    assert offered == kinds
    page.get_by_test_id("slide-select").last.click()
    for kind in kinds:
        page.get_by_test_id("add-poll-slide").click()
        expect(page.get_by_test_id("poll-question")).to_be_focused()
        page.keyboard.type(f"How does the {kind} question read?")
        expect(page.get_by_test_id("poll-id")).to_have_value(f"how_does_the_{kind}_question_read")
        page.get_by_test_id("poll-type").select_option(kind)
        page.get_by_test_id("slide-title").fill(f"A {kind} poll")
        fill_type_fields(page, kind)
        expect(page.get_by_test_id("preview-question")).to_have_text(f"How does the {kind} question read?")

    # An inline error next to its field, on its slide in the list and in the summary: Save waits for the fix.
    select_slide(page, "A single poll")
    page.get_by_test_id("poll-options-item").nth(1).fill("Often")
    options = page.get_by_test_id("poll-options")
    expect(options.get_by_test_id("field-problem")).to_contain_text("option 'Often' appears twice")
    expect(page.get_by_test_id("slide-entry").filter(has_text="A single poll").get_by_test_id("slide-problems")) \
        .to_have_text("1 problem")
    expect(page.get_by_test_id("problems")).to_contain_text("option 'Often' appears twice")
    expect(page.get_by_test_id("save")).to_be_disabled()
    page.get_by_test_id("poll-question").fill("")
    question = page.get_by_test_id("field-question")
    expect(question.get_by_test_id("field-problem")).to_contain_text("'question' must not be empty")
    expect(page.get_by_test_id("poll-question")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "inline-errors")
    assert_accessible(page, "the editor showing problems")
    page.get_by_test_id("poll-question").fill("How does the single question read?")
    page.get_by_test_id("poll-options-item").nth(1).fill("Sometimes")
    expect(page.get_by_test_id("problems")).to_be_hidden()
    expect(options.get_by_test_id("field-problem")).to_be_hidden()
    expect(page.get_by_test_id("save")).to_be_enabled()

    # A picture uploaded through the page, put on a new last slide with its alt text (none: refused).
    page.get_by_test_id("slide-select").last.click()
    page.get_by_test_id("add-content").click()
    page.get_by_test_id("slide-title").fill("A calm picture")
    page.get_by_test_id("slide-body").fill("Take a breath.\n")
    page.get_by_test_id("picture-file").set_input_files(files=[
        {"name": "Calm sea (1).PNG", "mimeType": "image/png", "buffer": png(8, 4)}])
    expect(page.get_by_test_id("picture-status")).to_contain_text("Calm-sea-1.png is uploaded")
    expect(page.get_by_test_id("alt-text")).to_be_focused()
    page.get_by_test_id("alt-insert").click()
    expect(page.get_by_test_id("alt-problem")).to_contain_text("Describe the picture first")
    expect(page.get_by_test_id("slide-body")).to_have_value("Take a breath.\n")
    page.get_by_test_id("alt-text").fill("A calm sea under a pale sky")
    page.get_by_test_id("alt-insert").click()
    expect(page.get_by_test_id("slide-body")).to_have_value(
        "Take a breath.\n\n![A calm sea under a pale sky](Calm-sea-1.png)\n")
    image = page.get_by_test_id("preview-body").locator("img.slide-image")
    expect(image).to_have_attribute("alt", "A calm sea under a pale sky")
    expect(image).to_have_attribute("src", re.compile(r"^/decks/my-workshop/media/Calm-sea-1\.png\?v=[0-9a-f]{16}$"))
    assert (decks_dir / "my-workshop" / "Calm-sea-1.png").read_bytes() == png(8, 4)

    # Reorder from the keyboard: Alt+ArrowUp twice on the focused slide moves it up two places and keeps the focus.
    entry = page.get_by_test_id("slide-select").filter(has_text="A calm picture")
    entry.focus()
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowUp")
    last_two = [f"A {kind} poll" for kind in kinds[-2:]]
    names = slide_names(page)
    assert names[-3:] == ["A calm picture", *last_two], names
    assert "A calm picture" in page.evaluate("() => document.activeElement.textContent")
    # The Move down button moves it back one place.
    page.get_by_test_id("move-down").click()
    assert slide_names(page)[-3:] == [last_two[0], "A calm picture", last_two[1]]

    # Ctrl+S saves; the file on disk is a deck check-deck accepts, with its comments and the changes.
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")
    expect(page.get_by_test_id("save")).to_be_disabled()
    screenshot(page, "saved")
    text = path.read_text(encoding="utf-8")
    for comment in COMMENTS:
        assert comment in text, f"comment lost: {comment}"
    deck = load_deck(path)
    assert [slide.title for slide in deck.slides][:len(original)] == original
    warmup = deck.poll("warmup_word")
    assert warmup is not None and warmup.question.endswith("to you today?")
    for kind in kinds:
        poll = deck.poll(f"how_does_the_{kind}_question_read")
        assert poll is not None and poll.type == kind, kind
        public = poll.public()
        if "options" in POLL_TYPES[kind].deck_keys:
            assert public["options"] == ["Often", "Sometimes", "Rarely"]
        if "scale" in POLL_TYPES[kind].deck_keys:
            assert public["scale"] == {"min": 1, "max": 7, "labels": {"1": "Not at all", "7": "Completely"}}
        if "max_length" in POLL_TYPES[kind].deck_keys:
            assert public["max_length"] == 60
    picture = next(slide for slide in deck.slides if slide.title == "A calm picture")
    assert picture.body == "Take a breath.\n\n![A calm sea under a pale sky](Calm-sea-1.png)"
    # The file up to the first change is byte for byte what it was.
    unchanged = COMMENTED.index(WARMUP_QUESTION.rstrip("?\n"))
    assert text[:unchanged] == COMMENTED[:unchanged]
    assert re.search(r"\n      question: Which word feels most like a good relationship to you today\? +"
                     r"# asked first, to warm up\n", text), "the changed line keeps its comment"


def test_rehearse_starts_a_practice_run_of_the_saved_deck(editor_server, decks_dir, contexts) -> None:
    """Rehearse asks for a practice session; until the server gives its page, the editor says so plainly."""
    copy_of_bundled(decks_dir, "rehearsed-deck")
    page = contexts.page(**PRESENTER)
    open_editor(page, editor_server, "rehearsed-deck")
    page.get_by_test_id("rehearse").click()
    page.wait_for_function("() => !location.pathname.endsWith('/edit') "
                           "|| !document.querySelector('[data-testid=action-error]').hidden")
    if page.url.split("?")[0].endswith("/edit"):
        expect(page.get_by_test_id("action-error")).to_contain_text("cannot start rehearsals")
        expect(page.get_by_test_id("rehearse")).to_be_enabled()


def test_a_save_after_someone_elses_is_a_conflict_with_reload(editor_server, decks_dir, contexts) -> None:
    path = copy_of_bundled(decks_dir, "shared-deck")
    editor_server.start_session("shared-deck")  # a live session on it: the editor says so
    mine = contexts.page(**PRESENTER)
    open_editor(mine, editor_server, "shared-deck")
    expect(mine.get_by_test_id("in-use")).to_have_text("In use by 1 live session — it keeps the version it "
                                                       "started with.")
    theirs = contexts.page(**PRESENTER)
    open_editor(theirs, editor_server, "shared-deck")

    # They save first.
    theirs.get_by_test_id("deck-settings").click()
    theirs.get_by_test_id("deck-title").fill("Their title")
    theirs.get_by_test_id("save").click()
    expect(theirs.get_by_test_id("save-state")).to_have_text("All changes saved")
    assert "title: Their title" in path.read_text()

    # My save of the version I opened is refused, with the message and a way back.
    select_slide(mine, "Welcome")
    mine.get_by_test_id("slide-title").fill("My welcome")
    mine.get_by_test_id("save").click()
    conflict = mine.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Someone saved this deck since you opened it")
    expect(mine.get_by_test_id("reload")).to_be_focused()
    expect(mine.get_by_test_id("save")).to_be_disabled()
    assert "My welcome" not in path.read_text() and "title: Their title" in path.read_text()
    assert_accessible(mine, "the conflict message")

    # Reload (after confirming that my unsaved edit goes): their version, and I can edit and save again.
    mine.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_test_id("reload").click()
    expect(conflict).to_be_hidden()
    expect(mine.get_by_test_id("deck-heading")).to_have_text("Their title")
    expect(mine.get_by_test_id("save-state")).to_have_text("All changes saved")
    expect(mine.get_by_test_id("slide-title")).to_have_value("Welcome")
    mine.get_by_test_id("slide-title").fill("My welcome")
    mine.keyboard.press("Control+s")
    expect(mine.get_by_test_id("save-state")).to_have_text("All changes saved")
    text = path.read_text()
    assert "title: Their title" in text and "title: My welcome" in text
    assert load_deck(path).title == "Their title"


def test_deleting_a_slide_can_be_undone_and_drag_and_drop_reorders(editor_server, decks_dir, contexts) -> None:
    copy_of_bundled(decks_dir, "tablet-deck")
    page = contexts.page(**TABLET)
    open_editor(page, editor_server, "tablet-deck")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "sideways scrolling"
    original = slide_names(page)

    select_slide(page, original[3])
    page.get_by_test_id("delete").click()
    expect(page.get_by_test_id("toast")).to_contain_text(f"“{original[3]}” deleted")
    expect(page.get_by_test_id("undo")).to_be_focused()
    assert slide_names(page) == original[:3] + original[4:]
    page.get_by_test_id("undo").click()
    assert slide_names(page) == original
    expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")

    # Drag the first slide below the third.
    page.get_by_test_id("slide-entry").nth(0).drag_to(page.get_by_test_id("slide-entry").nth(2),
                                                      target_position={"x": 20, "y": 40})
    assert slide_names(page)[:3] == [original[1], original[2], original[0]]
    expect(page.get_by_test_id("save-state")).to_have_text("Unsaved changes")
    expect(page.get_by_test_id("in-use")).to_be_hidden()
    assert_accessible(page, "the editor on a tablet")

    # Leaving with unsaved changes asks first.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]


def test_a_hostile_or_broken_picture_is_refused_with_the_servers_reason(editor_server, decks_dir, contexts) -> None:
    copy_of_bundled(decks_dir, "picture-deck")
    page = contexts.page(**PRESENTER)
    open_editor(page, editor_server, "picture-deck")
    page.get_by_test_id("picture-file").set_input_files(files=[
        {"name": "evil.svg", "mimeType": "image/svg+xml",
         "buffer": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'}])
    expect(page.get_by_test_id("picture-status")).to_contain_text("holds a <script> element")
    page.get_by_test_id("picture-file").set_input_files(files=[
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(page.get_by_test_id("picture-status")).to_contain_text("not a picture this app can show")
    assert sorted(path.name for path in (decks_dir / "picture-deck").iterdir()) == sorted(
        path.name for path in (ROOT / "decks" / "interdependence").iterdir())
    # A picture a slide shows cannot be deleted from under it.
    page.get_by_test_id("picture").filter(has_text="two-circles.svg").get_by_test_id("picture-delete").click()
    expect(page.get_by_test_id("picture-status")).to_contain_text("two-circles.svg is on slide")
    assert (decks_dir / "picture-deck" / "two-circles.svg").exists()
