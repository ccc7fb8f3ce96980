"""Deck and picture saves leave room on the disk for live sessions' data: past the reserve, 507 and nothing written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FACILITATOR_AUTH, app_config, decks_listing, write_deck
from tests.pictures import png
from workshop import create_app

AUTH = FACILITATOR_AUTH
DECK = "title: Room\nslides:\n  - title: One\n    body: Hello\n"
MB = 1024 * 1024


@pytest.fixture
def decks(tmp_path: Path) -> Path:
    return write_deck(tmp_path / "decks", "room", DECK, {"dot.png": png()})


def client_keeping(redis_url: str, tmp_path: Path, decks: Path, reserve_mb: int) -> Any:
    app = create_app(app_config(redis_url, tmp_path / "data", DECKS_DIR=decks, DECKS_MIN_FREE_MB=reserve_mb))
    return app.test_client(), app


def test_every_kind_of_save_is_refused_when_it_would_eat_into_the_reserve(redis_url: str, tmp_path: Path,
                                                                          decks: Path) -> None:
    # A reserve larger than the disk's free space stands for a disk that is nearly full.
    reserve = shutil.disk_usage(decks).free // MB + 1024
    client, app = client_keeping(redis_url, tmp_path, decks, reserve)
    before = decks_listing(decks)
    etag = client.get("/api/decks/room", headers=AUTH).headers["ETag"]
    refusals = [
        client.put("/api/decks/new", data=DECK, headers={**AUTH, "Content-Type": "application/yaml"}),
        client.put("/api/decks/room", data=DECK.replace("Hello", "Changed"),
                   headers={**AUTH, "Content-Type": "application/yaml", "If-Match": etag}),
        client.put("/api/decks/room/media/more.png", data=png(),
                   headers={**AUTH, "Content-Type": "application/octet-stream"}),
        client.post("/api/decks/room/copy", json={"to": "room-copy", "title": "Copy"}, headers=AUTH),
    ]
    for response in refusals:
        assert response.status_code == 507, response.get_json()
        body = response.get_json()
        assert body["error"] == "insufficient_storage" and "MB free" in body["message"]
    assert decks_listing(decks) == before, "nothing was written, not even a temporary file"
    assert client.get("/api/decks/room", headers=AUTH).status_code == 200, "reading goes on"
    app.extensions["workshop_broadcaster"].stop()


def test_saves_go_through_while_the_disk_has_room(redis_url: str, tmp_path: Path, decks: Path) -> None:
    if shutil.disk_usage(decks).free < 300 * MB:
        pytest.skip("this disk is itself nearly full")
    client, app = client_keeping(redis_url, tmp_path, decks, 256)
    assert client.put("/api/decks/new", data=DECK,
                      headers={**AUTH, "Content-Type": "application/yaml"}).status_code == 201
    assert client.put("/api/decks/room/media/more.png", data=png(),
                      headers={**AUTH, "Content-Type": "application/octet-stream"}).status_code == 201
    assert client.post("/api/decks/room/copy", json={"to": "room-copy", "title": "Copy"},
                       headers=AUTH).status_code in (200, 201)
    app.extensions["workshop_broadcaster"].stop()


def test_every_kind_of_save_is_refused_when_it_would_use_the_file_entries_kept_free(redis_url: str, tmp_path: Path,
                                                                                    decks: Path) -> None:
    # Small files use next to no bytes but an inode each; a disk out of inodes stops Redis as a full one does.
    if not os.statvfs(decks).f_files:
        pytest.skip("this file system does not count inodes")
    client, app = client_keeping(redis_url, tmp_path, decks, 1)
    # More kept free than there are free stands for a disk nearly out of inodes.
    app.extensions["workshop_deck_files"].min_free_files = os.statvfs(decks).f_favail + 100_000
    before = decks_listing(decks)
    etag = client.get("/api/decks/room", headers=AUTH).headers["ETag"]
    refusals = [
        client.put("/api/decks/new", data=DECK, headers={**AUTH, "Content-Type": "application/yaml"}),
        client.put("/api/decks/room", json={"title": "Room", "slides": [{"title": "One", "body": "Changed"}]},
                   headers={**AUTH, "If-Match": etag}),
        client.put("/api/decks/room/media/more.png", data=png(),
                   headers={**AUTH, "Content-Type": "application/octet-stream"}),
        client.post("/api/decks/room/copy", json={"to": "room-copy"}, headers=AUTH),
    ]
    for response in refusals:
        assert response.status_code == 507, response.get_json()
        body = response.get_json()
        assert body["error"] == "insufficient_storage" and "more files" in body["message"]
    assert decks_listing(decks) == before, "nothing was written, not even a temporary file"
    app.extensions["workshop_broadcaster"].stop()
