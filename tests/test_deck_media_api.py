"""The pictures API (`GET`/`PUT`/`DELETE /api/decks/<id>/media[/<name>]`) on real files in a temporary decks dir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FACILITATOR_AUTH, ORGANISER_TOKEN, write_deck
from tests.pictures import GOOD_SVG, HANDLER_SVG, OUTSIDE_SVG, SCRIPT_SVG, png, png_claiming
from workshop.deck_media_files import MAX_PICTURES
from workshop.decks import load_deck
from workshop.media import MAX_IMAGE_BYTES

AUTH = FACILITATOR_AUTH
DECK = """\
title: Pictures
slides:
  - title: Welcome
    body: |
      ![Two circles that overlap](circles.svg)
  - title: Plain
    body: No picture here, only the word circles.svg in text.
"""


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    return write_deck(tmp_path / "decks", "pics", DECK, {"circles.svg": GOOD_SVG})


def upload(api: Any, name: str, data: bytes, deck: str = "pics", **headers: str) -> Any:
    return api.put(f"/api/decks/{deck}/media/{name}", data=data,
                   headers={**AUTH, "Content-Type": "application/octet-stream", **headers})


def files(folder: Path) -> list[str]:
    """What a folder holds (the deck files' lock file aside): a temporary file left over would show here."""
    return sorted(path.name for path in folder.iterdir() if path.name != ".decks.lock")


def test_upload_list_serve_and_use_a_png_and_an_svg(api, decks_dir: Path) -> None:
    picture = png()
    created = upload(api, "seesaw.png", picture)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["name"] == "seesaw.png"
    assert body["url"].startswith("/decks/pics/media/seesaw.png?v=")
    assert created.headers["Location"].endswith("/decks/pics/media/seesaw.png")
    assert (decks_dir / "pics" / "seesaw.png").read_bytes() == picture
    assert oct((decks_dir / "pics" / "seesaw.png").stat().st_mode & 0o777) == oct(0o644)
    served = api.get(body["url"])
    assert served.status_code == 200 and served.mimetype == "image/png" and served.get_data() == picture

    svg = upload(api, "balance.svg", GOOD_SVG, **{"Content-Type": "image/svg+xml"})
    assert svg.status_code == 201
    replaced = upload(api, "balance.svg", GOOD_SVG.replace(b"#3f8f88", b"#1f5f5b"))
    assert replaced.status_code == 200, "the same name again replaces the picture"
    assert replaced.get_json()["url"] != svg.get_json()["url"], "a new version gets a new URL"

    listing = api.get("/api/decks/pics/media", headers=AUTH)
    assert listing.status_code == 200 and listing.headers["Cache-Control"] == "no-store"
    assert [(item["name"], item["bytes"]) for item in listing.get_json()] == [
        ("balance.svg", len(GOOD_SVG)), ("circles.svg", len(GOOD_SVG)), ("seesaw.png", len(picture))]
    assert all(item["url"].startswith(f"/decks/pics/media/{item['name']}?v=") for item in listing.get_json())
    assert files(decks_dir / "pics") == ["balance.svg", "circles.svg", "seesaw.png"], "no temporary file left"

    # A slide may now show it: check-deck's own loader accepts the deck with the new picture.
    (decks_dir / "pics.yaml").write_text(DECK + "  - title: Seesaw\n    body: '![A seesaw](seesaw.png)'\n")
    assert load_deck(decks_dir / "pics.yaml").slides[2].body == "![A seesaw](seesaw.png)"


def test_the_first_picture_makes_the_decks_folder(api, decks_dir: Path) -> None:
    (decks_dir / "bare.yaml").write_text("title: Bare\nslides:\n  - title: One\n")
    assert api.get("/api/decks/bare/media", headers=AUTH).get_json() == []
    assert upload(api, "one.png", png(), deck="bare").status_code == 201
    assert files(decks_dir / "bare") == ["one.png"]


def test_a_deck_in_its_own_folder_keeps_its_pictures_beside_it(api, decks_dir: Path) -> None:
    (decks_dir / "folded").mkdir()
    (decks_dir / "folded" / "deck.yaml").write_text("title: Folded\nslides:\n  - title: One\n")
    assert upload(api, "one.png", png(), deck="folded").status_code == 201
    assert files(decks_dir / "folded") == ["deck.yaml", "one.png"]
    assert [item["name"] for item in api.get("/api/decks/folded/media", headers=AUTH).get_json()] == ["one.png"]


@pytest.mark.parametrize(("name", "data", "says"), [
    ("evil.svg", SCRIPT_SVG, "<script>"),
    ("handler.svg", HANDLER_SVG, "event handler"),
    ("outside.svg", OUTSIDE_SVG, "outside"),
    ("fake.png", GOOD_SVG, "not a PNG"),
    ("fake.jpg", png(), "not a JPEG"),
    ("page.svg", b"<html><body>hello</body></html>", "not an SVG"),
    ("doctype.svg", b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>', "DOCTYPE"),
    ("empty.png", b"", "not a PNG"),
    ("bomb.png", png_claiming(50_000, 50_000), "50000x50000 pixels"),
])
def test_pictures_check_deck_would_refuse_are_refused(api, decks_dir: Path, name: str, data: bytes, says: str) -> None:
    response = upload(api, name, data)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_picture"
    assert says in response.get_json()["message"]
    assert files(decks_dir / "pics") == ["circles.svg"]


@pytest.mark.parametrize("name", ["..", ".hidden.png", "notes.txt", "deck.yaml", "run.sh", "x.svg.exe",
                                  "a%20b.png", "%2e%2e", "..%2F..%2Fescape.png", "a%5Cb.png", "%00.png",
                                  "j%C3%A9.png", "-dash.png", "x" * 120 + ".png"])
def test_unsafe_or_foreign_names_are_refused(api, decks_dir: Path, tmp_path: Path, name: str) -> None:
    response = upload(api, name, png())
    assert response.status_code in (400, 404), (name, response.status_code)
    assert response.get_json()["error"] in ("invalid_name", "invalid_deck_id", "not_found")
    assert files(decks_dir / "pics") == ["circles.svg"]
    assert files(decks_dir) == ["pics", "pics.yaml"]
    assert not (tmp_path / "escape.png").exists()


@pytest.mark.parametrize("deck", ["..", "Upper", "%2e%2e", "nope"])
def test_pictures_only_go_to_decks_that_exist(api, decks_dir: Path, deck: str) -> None:
    response = upload(api, "one.png", png(), deck=deck)
    assert response.status_code in (400, 404)
    assert response.get_json()["error"] in ("invalid_deck_id", "not_found")
    assert api.get(f"/api/decks/{deck}/media", headers=AUTH).status_code in (400, 404)
    assert files(decks_dir) == ["pics", "pics.yaml"]


def test_symbolic_links_are_never_followed(api, decks_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png())
    (decks_dir / "linked.yaml").write_text("title: Linked\nslides:\n  - title: One\n")
    (decks_dir / "linked").symlink_to(outside, target_is_directory=True)
    assert upload(api, "new.png", png(), deck="linked").status_code == 403
    assert api.get("/api/decks/linked/media", headers=AUTH).status_code == 403
    assert api.delete("/api/decks/linked/media/secret.png", headers=AUTH).status_code == 403
    assert files(outside) == ["secret.png"]
    # A picture file that is a link: not listed, not replaced through, not deleted.
    (decks_dir / "pics" / "link.png").symlink_to(outside / "secret.png")
    assert "link.png" not in [item["name"] for item in api.get("/api/decks/pics/media", headers=AUTH).get_json()]
    assert upload(api, "link.png", png(rgb=(0, 0, 0))).status_code == 403
    assert api.delete("/api/decks/pics/media/link.png", headers=AUTH).status_code == 403
    assert (outside / "secret.png").read_bytes() == png() and (decks_dir / "pics" / "link.png").is_symlink()


def test_oversized_pictures_are_413_and_nothing_is_written(api, decks_dir: Path) -> None:
    big = png() + b"\x00" * MAX_IMAGE_BYTES
    response = upload(api, "big.png", big)
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    # Past the app's usual 64 KB but within the picture limit: fine.
    fine = png() + b"\x00" * (MAX_IMAGE_BYTES - len(png()))
    assert upload(api, "fine.png", fine).status_code == 201
    assert files(decks_dir / "pics") == ["circles.svg", "fine.png"]


def test_a_deck_holds_a_bounded_number_of_pictures(api, decks_dir: Path) -> None:
    for number in range(MAX_PICTURES - 1):  # circles.svg is the first
        (decks_dir / "pics" / f"p{number}.png").write_bytes(png())
    response = upload(api, "one-more.png", png())
    assert response.status_code == 409 and response.get_json()["error"] == "too_many"
    assert upload(api, "p0.png", png(rgb=(1, 2, 3))).status_code == 200, "replacing one is still fine"


def test_a_picture_a_slide_shows_cannot_be_deleted(api, decks_dir: Path) -> None:
    response = api.delete("/api/decks/pics/media/circles.svg", headers=AUTH)
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "in_use" and body["slides"] == [{"index": 0, "title": "Welcome"}]
    assert (decks_dir / "pics" / "circles.svg").exists()
    # Once the deck no longer shows it (the second slide only mentions its name in text), it goes.
    (decks_dir / "pics.yaml").write_text(DECK.replace("![Two circles that overlap](circles.svg)", "Hello"))
    assert api.delete("/api/decks/pics/media/circles.svg", headers=AUTH).status_code == 204
    assert files(decks_dir / "pics") == []
    assert api.delete("/api/decks/pics/media/circles.svg", headers=AUTH).status_code == 404


def test_a_deck_file_that_cannot_be_read_keeps_the_pictures_it_names(api, decks_dir: Path) -> None:
    (decks_dir / "pics.yaml").write_text("title: [broken\nbody: circles.svg\n")
    response = api.delete("/api/decks/pics/media/circles.svg", headers=AUTH)
    assert response.status_code == 409 and response.get_json()["error"] == "in_use"
    assert (decks_dir / "pics" / "circles.svg").exists()


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": f"Bearer {ORGANISER_TOKEN}"}, 403),
                                                  ({"Authorization": "Bearer wrong"}, 403)])
def test_only_facilitators_touch_pictures(api, decks_dir: Path, headers: dict[str, str], status: int) -> None:
    for response in (api.get("/api/decks/pics/media", headers=headers),
                     api.put("/api/decks/pics/media/new.png", data=png(), headers=headers),
                     api.delete("/api/decks/pics/media/circles.svg", headers=headers)):
        assert response.status_code == status
    assert files(decks_dir / "pics") == ["circles.svg"]


def test_a_crash_mid_upload_leaves_the_old_picture(api, decks_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(source: object, target: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    response = upload(api, "circles.svg", GOOD_SVG.replace(b"#3f8f88", b"#000000"))
    assert response.status_code == 503 and response.get_json()["error"] == "unavailable"
    assert "picture could not be saved" in response.get_json()["message"]
    assert (decks_dir / "pics" / "circles.svg").read_bytes() == GOOD_SVG
    assert files(decks_dir / "pics") == ["circles.svg"]
