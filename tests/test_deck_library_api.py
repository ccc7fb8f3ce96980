"""The deck library's API: copying and renaming decks with their pictures, reserved ids, and the `/decks` page.

Real files in a temporary decks directory, real Redis (live sessions block a rename).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FACILITATOR_AUTH, FACILITATOR_TOKEN, ORGANISER_TOKEN, decks_listing
from tests.test_deck_api import HAND_WRITTEN, deck_yaml
from workshop.deck_files import RESERVED_IDS, DeckFileError, DeckFiles, etag_of

AUTH = FACILITATOR_AUTH
ORGANISER = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
PICTURES_DECK = """\
# A deck with a picture.
title: Seesaw   # shown on the home page
slides:
  - title: Balance
    body: |
      ![A seesaw in balance](seesaw.svg)
"""


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    """gentle.yaml (no pictures; an id no other test module starts sessions on, since they share Redis),
    lib-pics.yaml with lib-pics/ (a picture, plus what a copy must leave alone)."""
    directory = tmp_path / "decks"
    directory.mkdir()
    (directory / "gentle.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    (directory / "lib-pics.yaml").write_text(PICTURES_DECK, encoding="utf-8")
    pictures = directory / "lib-pics"
    pictures.mkdir()
    (pictures / "seesaw.svg").write_bytes(SVG)
    (pictures / ".hidden").write_text("not a picture")
    (pictures / "drafts").mkdir()
    (pictures / "drafts" / "old.svg").write_bytes(SVG)
    (tmp_path / "secret.txt").write_text("outside the decks directory")
    (pictures / "linked.svg").symlink_to(tmp_path / "secret.txt")
    return directory


def copy(api: Any, deck_id: str, body: object, headers: dict[str, str] | None = None) -> Any:
    return api.post(f"/api/decks/{deck_id}/copy", json=body, headers=headers if headers is not None else AUTH)


def rename(api: Any, deck_id: str, body: object, **headers: str) -> Any:
    return api.post(f"/api/decks/{deck_id}/rename", json=body, headers={**AUTH, **headers})


def deck_ids(api: Any) -> set[str]:
    return {deck["id"] for deck in api.get("/api/decks", headers=AUTH).get_json()}


# Copying ----------------------------------------------------------------------------------------------------

def test_a_copy_takes_the_yaml_and_the_pictures_and_is_a_deck_at_once(api, decks_dir: Path) -> None:
    response = copy(api, "lib-pics", {"to": "lib-pics-2"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] == "lib-pics-2" and body["etag"] == etag_of(PICTURES_DECK.encode())
    assert response.headers["ETag"] == f'"{body["etag"]}"'
    assert response.headers["Location"].endswith("/api/decks/lib-pics-2")
    assert (decks_dir / "lib-pics-2.yaml").read_text() == PICTURES_DECK  # without a title: the very same bytes
    assert (decks_dir / "lib-pics-2" / "seesaw.svg").read_bytes() == SVG
    # Only the folder's plain visible files: no hidden file, no subfolder, and never what a link points to.
    assert sorted(path.name for path in (decks_dir / "lib-pics-2").iterdir()) == ["seesaw.svg"]
    assert oct((decks_dir / "lib-pics-2" / "seesaw.svg").stat().st_mode & 0o777) == oct(0o644)
    assert deck_ids(api) == {"gentle", "lib-pics", "lib-pics-2"}
    picture = api.get("/decks/lib-pics-2/media/seesaw.svg")
    assert picture.status_code == 200 and picture.get_data() == SVG
    # The source is untouched, and nothing hidden is left behind.
    assert (decks_dir / "lib-pics.yaml").read_text() == PICTURES_DECK
    assert not [name for name in os.listdir(decks_dir) if name.startswith(".") and name != ".decks.lock"]


def test_a_folder_deck_is_copied_as_a_file_and_its_pictures(api, decks_dir: Path) -> None:
    folder = decks_dir / "folder"
    folder.mkdir()
    (folder / "deck.yaml").write_text(PICTURES_DECK)
    (folder / "seesaw.svg").write_bytes(SVG)
    assert copy(api, "folder", {"to": "from-folder"}).status_code == 201
    assert (decks_dir / "from-folder.yaml").read_text() == PICTURES_DECK
    assert sorted(path.name for path in (decks_dir / "from-folder").iterdir()) == ["seesaw.svg"]
    assert (folder / "deck.yaml").exists()


def test_a_new_title_is_written_into_the_copy_keeping_every_comment(api, decks_dir: Path) -> None:
    response = copy(api, "gentle", {"to": "gentle-copy", "title": "Boundaries: our own"})
    assert response.status_code == 201, response.get_json()
    copied = (decks_dir / "gentle-copy.yaml").read_text()
    before, after = HAND_WRITTEN.splitlines(), copied.splitlines()
    assert len(after) == len(before)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [("title: Boundaries, gently   # the title on the home page",
                        "title: 'Boundaries: our own' # the title on the home page")]
    titles = {deck["id"]: deck["title"] for deck in api.get("/api/decks", headers=AUTH).get_json()}
    assert titles["gentle-copy"] == "Boundaries: our own" and titles["gentle"] == "Boundaries, gently"


@pytest.mark.parametrize("title", ["Two\nlines", 7, ["a"]])
def test_a_title_must_be_one_line_of_text(api, decks_dir: Path, title: object) -> None:
    response = copy(api, "gentle", {"to": "copied", "title": title})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_payload"
    assert not (decks_dir / "copied.yaml").exists()


def test_a_copy_that_would_not_load_is_422_and_nothing_is_written(api, decks_dir: Path) -> None:
    before = decks_listing(decks_dir)
    long_title = copy(api, "lib-pics", {"to": "long", "title": "x" * 121})
    assert long_title.status_code == 422
    assert long_title.get_json()["problems"][0]["line"] == 2  # the title's line, under the leading comment
    (decks_dir / "broken.yaml").write_text("title: Broken\nslides: []\n")
    broken = copy(api, "broken", {"to": "still-broken"})
    assert broken.status_code == 422 and broken.get_json()["error"] == "invalid_deck"
    assert broken.get_json()["problems"] == [{"line": 2, "message": "'slides' must be a non-empty list",
                                              "path": "slides"}]
    assert decks_listing(decks_dir) == sorted([*before, "broken.yaml"])


def test_a_copy_never_replaces_anything(api, decks_dir: Path, tmp_path: Path) -> None:
    (decks_dir / "orphan").mkdir()  # pictures a delete left for live sessions showing them
    (decks_dir / "orphan" / "left.svg").write_bytes(SVG)
    (decks_dir / "linked.yaml").symlink_to(tmp_path / "secret.txt")
    (decks_dir / "linkdir").symlink_to(tmp_path, target_is_directory=True)
    before = decks_listing(decks_dir)
    for target in ("gentle", "lib-pics", "orphan", "linked", "linkdir"):
        response = copy(api, "gentle", {"to": target})
        assert response.status_code == 409, target
        assert response.get_json()["error"] == "exists"
    assert copy(api, "nope", {"to": "fresh"}).status_code == 404
    assert decks_listing(decks_dir) == before
    assert (tmp_path / "secret.txt").read_text() == "outside the decks directory"
    assert (decks_dir / "gentle.yaml").read_text() == HAND_WRITTEN


@pytest.mark.parametrize(("body", "error"), [
    (None, "invalid_payload"), ([], "invalid_payload"), ({}, "invalid_payload"), ({"to": 3}, "invalid_payload"),
    ({"to": "fine", "extra": 1}, "invalid_payload"), ({"to": "../x"}, "invalid_deck_id"),
    ({"to": "%2e%2e"}, "invalid_deck_id"), ({"to": ".."}, "invalid_deck_id"), ({"to": "/tmp/x"}, "invalid_deck_id"),
    ({"to": "Upper"}, "invalid_deck_id"), ({"to": "a" * 65}, "invalid_deck_id"), ({"to": "x.yaml"}, "invalid_deck_id"),
    ({"to": "validate"}, "invalid_deck_id"),
    # `$` also matches before a final newline: such an id once made a file `fresh\n.yaml`, a deck whose sessions'
    # exports then failed (a newline in the download's file name).
    ({"to": "fresh\n"}, "invalid_deck_id"), ({"to": "fresh\r\n"}, "invalid_deck_id")])
def test_bad_targets_are_400_and_nothing_is_written(api, decks_dir: Path, body: object, error: str) -> None:
    before = decks_listing(decks_dir)
    for response in (copy(api, "gentle", body), rename(api, "gentle", body)):
        assert response.status_code == 400, (body, response.get_json())
        assert response.get_json()["error"] == error
    assert decks_listing(decks_dir) == before
    assert {path.name for path in decks_dir.parent.iterdir()} <= {"decks", "data", "secret.txt"}


@pytest.mark.parametrize("source", ["..", "%2e%2e", "..%2Fhand", "a%00b", "Upper", "validate", "%2E%2E%2Fdecks"])
def test_bad_sources_are_refused(api, decks_dir: Path, source: str) -> None:
    before = decks_listing(decks_dir)
    for response in (copy(api, source, {"to": "fresh"}), rename(api, source, {"to": "fresh"})):
        assert response.status_code in (400, 404, 405), (source, response.status_code)
        assert response.get_json()["error"] in ("invalid_deck_id", "not_found", "method_not_allowed")
    assert decks_listing(decks_dir) == before


def test_symlinked_sources_are_neither_copied_nor_renamed(api, decks_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "seesaw.svg").write_bytes(SVG)
    (outside / "deck.yaml").write_text(PICTURES_DECK)
    (decks_dir / "far.yaml").write_text(PICTURES_DECK)
    (decks_dir / "far").symlink_to(outside, target_is_directory=True)  # a link as the pictures folder
    (decks_dir / "linked.yaml").symlink_to(decks_dir / "gentle.yaml")  # a link as the deck file
    before = decks_listing(decks_dir)
    for source in ("far", "linked"):
        for response in (copy(api, source, {"to": "fresh"}), rename(api, source, {"to": "fresh"})):
            assert response.status_code == 403, source
            assert response.get_json()["error"] == "unsafe_path"
    assert decks_listing(decks_dir) == before
    assert sorted(path.name for path in outside.iterdir()) == ["deck.yaml", "seesaw.svg"]


def test_a_failed_copy_leaves_no_half_deck(api, decks_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = decks_listing(decks_dir)

    def crash(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)  # the YAML's last step: the pictures are in place by then
    response = copy(api, "lib-pics", {"to": "half"})
    assert response.status_code == 503 and response.get_json()["error"] == "unavailable"
    monkeypatch.undo()
    assert decks_listing(decks_dir) == before  # neither the pictures folder nor a temporary file is left
    assert "half" not in deck_ids(api)
    assert copy(api, "lib-pics", {"to": "half"}).status_code == 201


def test_two_copies_to_one_id_at_once_make_one_deck(decks_dir: Path) -> None:
    files = DeckFiles(decks_dir)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(source: str) -> None:
        barrier.wait()
        try:
            files.copy(source, "twin", lambda current: current.data)
            outcomes.append(source)
        except DeckFileError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=attempt, args=(source,)) for source in ("gentle", "lib-pics")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "exists" and len(outcomes) == 2
    winner = next(outcome for outcome in outcomes if outcome != "exists")
    assert (decks_dir / "twin.yaml").read_bytes() == (decks_dir / f"{winner}.yaml").read_bytes()
    assert (decks_dir / "twin").is_dir() == (winner == "lib-pics")


# Renaming ---------------------------------------------------------------------------------------------------

def test_a_rename_moves_the_yaml_and_the_pictures(api, decks_dir: Path) -> None:
    response = rename(api, "lib-pics", {"to": "seesaw"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == "seesaw" and response.get_json()["etag"] == etag_of(PICTURES_DECK.encode())
    assert not (decks_dir / "lib-pics.yaml").exists() and not (decks_dir / "lib-pics").exists()
    assert (decks_dir / "seesaw.yaml").read_text() == PICTURES_DECK
    # The whole folder moves (a rename takes what is there, unlike a copy).
    assert sorted(path.name for path in (decks_dir / "seesaw").iterdir()) == [".hidden", "drafts", "linked.svg",
                                                                               "seesaw.svg"]
    assert deck_ids(api) == {"gentle", "seesaw"}
    assert api.get("/decks/seesaw/media/seesaw.svg").status_code == 200
    assert api.get("/decks/lib-pics/media/seesaw.svg").status_code == 404
    assert api.get("/api/decks/lib-pics", headers=AUTH).status_code == 404
    assert rename(api, "lib-pics", {"to": "again"}).status_code == 404


def test_a_folder_deck_moves_in_one_piece(api, decks_dir: Path) -> None:
    folder = decks_dir / "folder"
    folder.mkdir()
    (folder / "deck.yaml").write_text(PICTURES_DECK)
    (folder / "seesaw.svg").write_bytes(SVG)
    assert rename(api, "folder", {"to": "moved"}).status_code == 200
    assert not folder.exists()
    assert sorted(path.name for path in (decks_dir / "moved").iterdir()) == ["deck.yaml", "seesaw.svg"]
    assert not (decks_dir / "moved.yaml").exists() and "moved" in deck_ids(api)


def test_a_rename_checks_if_match_when_given_and_never_replaces(api, decks_dir: Path) -> None:
    before = decks_listing(decks_dir)
    stale = rename(api, "gentle", {"to": "renamed"}, **{"If-Match": '"0123"'})
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"
    taken = rename(api, "gentle", {"to": "lib-pics"})
    assert taken.status_code == 409 and taken.get_json()["error"] == "exists"
    assert rename(api, "gentle", {"to": "gentle"}).status_code == 409
    assert decks_listing(decks_dir) == before
    current = api.get("/api/decks/gentle", headers=AUTH).headers["ETag"]
    assert rename(api, "gentle", {"to": "renamed"}, **{"If-Match": current}).status_code == 200
    assert (decks_dir / "renamed.yaml").read_text() == HAND_WRITTEN


def test_a_failed_rename_puts_the_pictures_back(api, decks_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = decks_listing(decks_dir)
    real_rename = os.rename

    def failing(source: Any, target: Any) -> None:
        if str(target).endswith(".yaml"):
            raise OSError(13, "Permission denied")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", failing)
    response = rename(api, "lib-pics", {"to": "moved"})
    assert response.status_code == 503 and response.get_json()["error"] == "unavailable"
    monkeypatch.undo()
    assert decks_listing(decks_dir) == before
    assert api.get("/decks/lib-pics/media/seesaw.svg").status_code == 200


def test_a_deck_in_use_by_a_live_session_is_not_renamed_until_it_ends(api, decks_dir: Path) -> None:
    started = api.post("/api/sessions", json={"deck": "lib-pics"}, headers=AUTH)
    assert started.status_code == 201
    before = decks_listing(decks_dir)
    refused = rename(api, "lib-pics", {"to": "seesaw"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "deck_in_use"
    assert "end them first" in refused.get_json()["message"]
    assert decks_listing(decks_dir) == before
    # Its pictures are still where the session's slides point.
    assert api.get("/decks/lib-pics/media/seesaw.svg").status_code == 200
    # A copy is fine while it runs.
    assert copy(api, "lib-pics", {"to": "lib-pics-copy"}).status_code == 201
    ended = api.post(f"/api/sessions/{started.get_json()['id']}/end", headers=ORGANISER)
    assert ended.status_code == 200
    assert rename(api, "lib-pics", {"to": "seesaw"}).status_code == 200


# Reserved ids -----------------------------------------------------------------------------------------------

def test_every_word_routed_under_api_decks_is_a_reserved_id(deck_app) -> None:
    """A route `/api/decks/WORD` (no converter) would clash with a deck called WORD."""
    words = {rule.rule.split("/")[3] for rule in deck_app.url_map.iter_rules()
             if rule.rule.startswith("/api/decks/") and "<" not in rule.rule.split("/")[3]}
    assert words and words <= RESERVED_IDS


def test_a_reserved_id_is_refused_with_a_clear_message(api, decks_dir: Path) -> None:
    for response in (api.put("/api/decks/validate", data=deck_yaml(),
                             headers={**AUTH, "Content-Type": "application/yaml"}),
                     api.get("/api/decks/validate", headers=AUTH), api.delete("/api/decks/validate", headers=AUTH)):
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_deck_id"
        assert "'validate' is a reserved word" in response.get_json()["message"]
    assert not (decks_dir / "validate.yaml").exists()
    # A file of that name put there by hand is listed and startable, but not editable.
    (decks_dir / "validate.yaml").write_text(deck_yaml("By hand"))
    listed = {deck["id"]: deck for deck in api.get("/api/decks", headers=AUTH).get_json()}
    assert listed["validate"]["editable"] is False and listed["gentle"]["editable"] is True
    assert api.post("/api/decks/validate", data=deck_yaml(), headers=AUTH).status_code == 200  # still the validator


# Who may ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "status"), [({}, 401), (ORGANISER, 403), ({"Authorization": "Bearer nope"}, 403)])
def test_only_facilitators_copy_and_rename(api, decks_dir: Path, headers: dict[str, str], status: int) -> None:
    before = decks_listing(decks_dir)
    for response in (copy(api, "gentle", {"to": "mine"}, headers), api.post("/api/decks/gentle/rename",
                                                                         json={"to": "mine"}, headers=headers)):
        assert response.status_code == status
        assert response.get_json()["error"] in ("unauthorized", "forbidden")
    assert decks_listing(decks_dir) == before


def test_the_library_page_is_for_facilitators(api) -> None:
    refused = api.get("/decks")
    assert refused.status_code == 401
    assert "Facilitator link needed" in refused.get_data(as_text=True)
    assert api.get(f"/organiser?token={ORGANISER_TOKEN}").status_code == 302  # an organiser's login
    assert api.get("/decks").status_code == 401
    assert api.get(f"/?token={FACILITATOR_TOKEN}").status_code == 302
    page = api.get("/decks")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'data-testid="deck-library"' in html and 'href="/"' in html
    home = api.get("/").get_data(as_text=True)
    assert 'href="/decks"' in home


# Deleting ---------------------------------------------------------------------------------------------------

def test_deleting_a_deck_takes_its_pictures_so_its_name_is_free_again(api, decks_dir: Path) -> None:
    assert copy(api, "lib-pics", {"to": "doomed"}).status_code == 201
    assert (decks_dir / "doomed" / "seesaw.svg").is_file()
    assert api.delete("/api/decks/doomed", headers=AUTH).status_code == 204
    assert not (decks_dir / "doomed.yaml").exists() and not (decks_dir / "doomed").exists()
    assert not [path for path in decks_dir.iterdir() if path.name.startswith(".deleted-")], "nothing left behind"
    # The id can be used again at once (before, the folder left behind made it `exists`).
    assert copy(api, "lib-pics", {"to": "doomed"}).status_code == 201


@pytest.mark.parametrize("practice", [False, True])
def test_a_deck_live_sessions_show_keeps_its_pictures_when_deleted(api, decks_dir: Path, practice: bool) -> None:
    deck = "shown-practice" if practice else "shown-live"
    assert copy(api, "lib-pics", {"to": deck}).status_code == 201
    started = api.post("/api/sessions", json={"deck": deck, "practice": practice}, headers=AUTH)
    assert started.status_code == 201
    assert api.delete(f"/api/decks/{deck}", headers=AUTH).status_code == 204
    assert not (decks_dir / f"{deck}.yaml").exists()
    # The session's slides still show the picture, from the folder that stayed.
    assert api.get(f"/decks/{deck}/media/seesaw.svg").status_code == 200
    if not practice:  # organisers can neither see nor end a practice session: it ends by itself
        ended = api.post(f"/api/sessions/{started.get_json()['id']}/end", headers=ORGANISER)
        assert ended.status_code == 200


def test_a_link_in_place_of_a_pictures_folder_is_never_followed_by_a_delete(api, decks_dir: Path,
                                                                          tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.svg").write_bytes(SVG)
    (decks_dir / "linkeddel.yaml").write_text(PICTURES_DECK, encoding="utf-8")
    (decks_dir / "linkeddel").symlink_to(outside, target_is_directory=True)
    assert api.delete("/api/decks/linkeddel", headers=AUTH).status_code == 204
    assert (outside / "keep.svg").read_bytes() == SVG
    assert (decks_dir / "linkeddel").is_symlink()
