"""The deck API (`GET`/`PUT`/`DELETE /api/decks/<id>`, validate, poll types) on real files in a temporary decks dir."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FACILITATOR_AUTH, FACILITATOR_TOKEN, ORGANISER_TOKEN, key_of
from workshop.deck_edit import update_deck_yaml
from workshop.deck_files import DeckFileError, DeckFiles, etag_of
from workshop.decks import MAX_DECK_BYTES, parse_deck
from workshop.polls import POLL_TYPES

AUTH = FACILITATOR_AUTH
YAML_HEADERS = {**AUTH, "Content-Type": "application/yaml"}

HAND_WRITTEN = """\
# A deck written by hand: these comments must survive the editor.
title: Boundaries, gently   # the title on the home page
description: A short session.
slides:
  # The opening slide.
  - title: Welcome
    body: |
      Hello **everyone**.

      Take what helps.
    notes: Say hello.   # keep it short

  # First poll: a warm-up.
  - title: Warming up
    poll:
      id: warmup
      type: single
      question: "Which word fits?"   # quoted on purpose
      options: [Safe, Playful, Calm]

  - title: Goodbye
    body: Thank you.
"""


def deck_yaml(title: str = "A deck", question: str = "How?") -> str:
    return (f"title: {title}\nslides:\n  - title: One\n    poll:\n      id: q1\n      type: single\n"
            f"      question: {question}\n      options: [A, B]\n")


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "decks"
    directory.mkdir()
    (directory / "hand.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    return directory


def etag(response: Any) -> str:
    return response.headers["ETag"]


def put(api: Any, deck_id: str, body: str | bytes, **headers: str) -> Any:
    return api.put(f"/api/decks/{deck_id}", data=body, headers={**YAML_HEADERS, **headers})


# Reading ----------------------------------------------------------------------------------------------------

def test_get_returns_the_yaml_with_a_strong_etag_of_its_bytes(api, decks_dir: Path) -> None:
    response = api.get("/api/decks/hand", headers=AUTH)
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert response.get_data() == (decks_dir / "hand.yaml").read_bytes()
    digest = hashlib.sha256(response.get_data()).hexdigest()
    assert etag(response) == f'"{digest}"'
    again = api.get("/api/decks/hand", headers={**AUTH, "If-None-Match": etag(response)})
    assert again.status_code == 304
    download = api.get("/api/decks/hand?download=1", headers=AUTH)
    assert download.headers["Content-Disposition"] == 'attachment; filename="hand.yaml"'


def test_a_deck_in_its_own_folder_is_read_and_replaced_there(api, decks_dir: Path) -> None:
    (decks_dir / "folder").mkdir()
    (decks_dir / "folder" / "deck.yaml").write_text(deck_yaml("In a folder"), encoding="utf-8")
    got = api.get("/api/decks/folder", headers=AUTH)
    assert got.status_code == 200 and b"In a folder" in got.get_data()
    replaced = put(api, "folder", deck_yaml("Moved on"), **{"If-Match": etag(got)})
    assert replaced.status_code == 200
    assert "Moved on" in (decks_dir / "folder" / "deck.yaml").read_text()
    assert not (decks_dir / "folder.yaml").exists()


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": f"Bearer {ORGANISER_TOKEN}"}, 403),
                                                  ({"Authorization": "Bearer wrong"}, 403)])
def test_only_facilitators_use_the_deck_api(api, headers: dict[str, str], status: int) -> None:
    calls = [api.get("/api/decks/hand", headers=headers),
             api.put("/api/decks/new", data=deck_yaml(), headers={**headers, "Content-Type": "application/yaml"}),
             api.delete("/api/decks/hand", headers=headers),
             api.post("/api/decks/validate", data=deck_yaml(), headers=headers),
             api.get("/api/poll-types", headers=headers)]
    for response in calls:
        assert response.status_code == status
        assert response.get_json()["error"] in ("unauthorized", "forbidden")


def test_the_facilitators_browser_login_works_too(api) -> None:
    assert api.get(f"/?token={FACILITATOR_TOKEN}").status_code == 302  # the cookie login
    assert api.get("/api/decks/hand").status_code == 200


def test_unknown_decks_are_404(api) -> None:
    for response in (api.get("/api/decks/nope", headers=AUTH), api.delete("/api/decks/nope", headers=AUTH)):
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"


# Saving -----------------------------------------------------------------------------------------------------

def test_put_creates_then_replaces_only_with_the_current_etag(api, decks_dir: Path) -> None:
    created = put(api, "fresh", deck_yaml("First"))
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"].endswith("/api/decks/fresh")
    first = etag(created)
    assert first == f'"{etag_of(deck_yaml("First").encode())}"'
    assert (decks_dir / "fresh.yaml").read_text() == deck_yaml("First")
    assert oct((decks_dir / "fresh.yaml").stat().st_mode & 0o777) == oct(0o644)

    missing = put(api, "fresh", deck_yaml("No If-Match"))
    assert missing.status_code == 412 and missing.get_json()["error"] == "precondition_required"

    second = put(api, "fresh", deck_yaml("Second"), **{"If-Match": first})
    assert second.status_code == 200
    assert etag(second) != first and (decks_dir / "fresh.yaml").read_text() == deck_yaml("Second")

    # A second browser that loaded the first version: 409, and its save is not written.
    stale = put(api, "fresh", deck_yaml("Stale"), **{"If-Match": first})
    assert stale.status_code == 409 and stale.get_json()["error"] == "conflict"
    assert (decks_dir / "fresh.yaml").read_text() == deck_yaml("Second")
    assert api.get("/api/decks/fresh", headers=AUTH).headers["ETag"] == etag(second)


def test_an_invalid_deck_is_422_with_line_numbered_problems_and_nothing_is_saved(api, decks_dir: Path) -> None:
    broken = "title: Broken\nslides:\n  - title: One\n    poll:\n      id: q1\n      type: sideways\n"
    response = put(api, "broken", broken)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_deck" and "message" in body
    assert body["problems"] == [{"line": 6, "message": "poll 'type' must be one of " + ", ".join(POLL_TYPES)}]
    assert not (decks_dir / "broken.yaml").exists()
    original = (decks_dir / "hand.yaml").read_bytes()
    current = api.get("/api/decks/hand", headers=AUTH)
    assert put(api, "hand", "title: [unclosed\n", **{"If-Match": etag(current)}).status_code == 422
    assert put(api, "hand", b"title: \xff\n", **{"If-Match": etag(current)}).status_code == 422
    assert (decks_dir / "hand.yaml").read_bytes() == original
    assert sorted(path.name for path in decks_dir.iterdir()) == ["hand.yaml"]


def test_put_checks_pictures_as_check_deck_does(api, decks_dir: Path) -> None:
    body = "title: Pictures\nslides:\n  - title: One\n    body: |\n      ![A seesaw](seesaw.svg)\n"
    response = put(api, "pictures", body)
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["line"] == 5
    assert "not found" in response.get_json()["problems"][0]["message"]
    (decks_dir / "pictures").mkdir()
    (decks_dir / "pictures" / "seesaw.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert put(api, "pictures", body).status_code == 201


@pytest.mark.parametrize("deck_id", ["Upper", "-dash", "a_b", "a.b", "x" * 65, "..", "%2e%2e", "%2E%2E%2Fetc",
                                     "..%2Fhand", "a%00b", "etc%2Fpasswd"])
def test_ids_outside_the_pattern_are_400(api, decks_dir: Path, deck_id: str) -> None:
    for response in (put(api, deck_id, deck_yaml()), api.get(f"/api/decks/{deck_id}", headers=AUTH),
                     api.delete(f"/api/decks/{deck_id}", headers=AUTH)):
        assert response.status_code == 400, (deck_id, response.status_code)
        assert response.get_json()["error"] == "invalid_deck_id"
    assert {path.name for path in decks_dir.parent.iterdir()} <= {"data", "decks"}
    assert sorted(path.name for path in decks_dir.iterdir() if path.name != ".decks.lock") == ["hand.yaml"]


@pytest.mark.parametrize("quoted", [False, True])
def test_an_absolute_path_is_never_a_deck(api, tmp_path: Path, quoted: bool) -> None:
    """`/api/decks//tmp/...` matches no deck route (werkzeug's path segment never starts with "/"): refused."""
    outside = tmp_path / "outside"
    path = str(outside).replace("/", "%2F") if quoted else str(outside)
    for response in (put(api, path, deck_yaml()), api.get(f"/api/decks/{path}", headers=AUTH),
                     api.delete(f"/api/decks/{path}", headers=AUTH)):
        assert response.status_code in (400, 404, 405)
        assert response.get_json()["error"]
    assert not outside.exists() and not outside.with_suffix(".yaml").exists()


def test_a_symlinked_deck_file_is_neither_read_nor_written_nor_deleted(api, decks_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(deck_yaml("Outside"))
    (decks_dir / "linked.yaml").symlink_to(secret)
    (tmp_path / "elsewhere").mkdir()
    (decks_dir / "linkdir").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere" / "deck.yaml").write_text(deck_yaml("Folder outside"))
    for deck_id in ("linked", "linkdir"):
        assert api.get(f"/api/decks/{deck_id}", headers=AUTH).status_code == 403
        assert put(api, deck_id, deck_yaml("Overwritten"), **{"If-Match": "*"}).status_code == 403
        assert api.delete(f"/api/decks/{deck_id}", headers=AUTH).status_code == 403
    assert secret.read_text() == deck_yaml("Outside")
    assert (tmp_path / "elsewhere" / "deck.yaml").read_text() == deck_yaml("Folder outside")
    assert (decks_dir / "linked.yaml").is_symlink()


def test_a_fifo_in_the_decks_directory_never_hangs_the_server(api, decks_dir: Path) -> None:
    """Opening a FIFO blocks until someone writes to it, and one blocked call holds the whole (green) process: every
    room. One planted in the decks volume is a file that is not a deck, read by nothing."""
    fifo = decks_dir / "pipe.yaml"
    os.mkfifo(fifo)
    answers: dict[str, Any] = {}

    def ask() -> None:
        answers["list"] = api.get("/api/decks", headers=AUTH)
        answers["deck"] = api.get("/api/decks/pipe", headers=AUTH)

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(timeout=15)
    try:
        assert not asking.is_alive(), "a request is stuck opening the FIFO"
    finally:
        while asking.is_alive():  # release a reader stuck in open(), so the test run goes on
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            asking.join(timeout=0.2)
    assert answers["list"].status_code == 200
    assert {deck["id"] for deck in answers["list"].get_json()} == {"hand"}
    assert answers["deck"].status_code == 403 and answers["deck"].get_json()["error"] == "unsafe_path"


def test_bodies_over_the_deck_limit_are_413(api, decks_dir: Path) -> None:
    big = deck_yaml() + "# " + "x" * MAX_DECK_BYTES + "\n"
    response = put(api, "big", big)
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    assert not (decks_dir / "big.yaml").exists()
    # Larger than the app's usual 64 KB but within the deck limit: fine.
    fine = deck_yaml() + "# " + "x" * (200 * 1024) + "\n"
    assert put(api, "fine", fine).status_code == 201
    huge_json = {"title": "x" * (3 * MAX_DECK_BYTES), "slides": []}
    assert api.put("/api/decks/big", json=huge_json, headers=AUTH).status_code == 413


def test_a_crash_between_write_and_rename_leaves_the_old_file(api, decks_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    original = (decks_dir / "hand.yaml").read_bytes()
    current = etag(api.get("/api/decks/hand", headers=AUTH))

    def crash(source: object, target: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    response = put(api, "hand", deck_yaml("Half saved"), **{"If-Match": current})
    assert response.status_code == 503 and response.get_json()["error"] == "unavailable"
    assert (decks_dir / "hand.yaml").read_bytes() == original
    assert sorted(path.name for path in decks_dir.iterdir()) == [".decks.lock", "hand.yaml"]  # no temp file left
    monkeypatch.undo()
    assert put(api, "hand", deck_yaml("Saved"), **{"If-Match": current}).status_code == 200


def test_delete_removes_the_deck_and_the_list_follows_at_once(api, decks_dir: Path) -> None:
    assert put(api, "short-lived", deck_yaml("Short")).status_code == 201
    listed = {deck["id"] for deck in api.get("/api/decks", headers=AUTH).get_json()}
    assert listed == {"hand", "short-lived"}
    stale = api.delete("/api/decks/short-lived", headers={**AUTH, "If-Match": '"0000"'})
    assert stale.status_code == 409
    assert api.delete("/api/decks/short-lived", headers=AUTH).status_code == 204
    assert not (decks_dir / "short-lived.yaml").exists()
    assert [deck["id"] for deck in api.get("/api/decks", headers=AUTH).get_json()] == ["hand"]
    assert "Short" not in api.get("/", headers=AUTH).get_data(as_text=True)
    assert api.delete("/api/decks/short-lived", headers=AUTH).status_code == 404
    # Saving with If-Match a deck deleted since is a conflict, not a silent re-creation.
    assert put(api, "short-lived", deck_yaml(), **{"If-Match": '"abc"'}).status_code == 409


def test_the_deck_list_carries_modified_polls_and_sessions_in_use(api) -> None:
    [hand] = api.get("/api/decks", headers=AUTH).get_json()
    assert {"id", "title", "slides", "polls", "modified", "in_use", "lang"} <= hand.keys()
    assert hand["lang"] == "en"
    assert (hand["slides"], hand["polls"], hand["in_use"]) == (3, 1, 0)
    assert hand["modified"].endswith("+00:00") and hand["editable"] is True
    api.post("/api/sessions", json={"deck": "hand"}, headers=AUTH)
    api.post("/api/sessions", json={"deck": "hand"}, headers=AUTH)
    [hand] = api.get("/api/decks", headers=AUTH).get_json()
    assert hand["in_use"] == 2


def test_a_live_session_keeps_its_slides_when_its_deck_is_edited_or_deleted(deck_app, api) -> None:
    started = api.post("/api/sessions", json={"deck": "hand"}, headers=AUTH).get_json()
    socketio = deck_app.extensions["workshop_socketio"]
    current = etag(api.get("/api/decks/hand", headers=AUTH))
    edited = HAND_WRITTEN.replace("Warming up", "Edited while live")
    assert put(api, "hand", edited, **{"If-Match": current}).status_code == 200
    connection = socketio.test_client(deck_app, auth={"session": started["id"],
                                                     "key": key_of(started["facilitator_url"])})
    state = next(message["args"][0] for message in connection.get_received() if message["name"] == "session_state")
    assert [slide["title"] for slide in state["slides"]] == ["Welcome", "Warming up", "Goodbye"]
    assert api.delete("/api/decks/hand", headers=AUTH).status_code == 204
    connection.get_received()
    ack = connection.emit("go_to_slide", {"index": 1}, callback=True)
    assert ack["ok"], ack
    changed = [message["args"][0] for message in connection.get_received() if message["name"] == "slide_changed"]
    assert changed[-1]["title"] == "Warming up" and changed[-1]["poll"]["question"] == "Which word fits?"
    connection.disconnect()


# The editor's JSON ------------------------------------------------------------------------------------------

def edited_hand() -> dict[str, Any]:
    data = yaml.safe_load(HAND_WRITTEN)
    data["slides"][1]["poll"]["question"] = "Which word fits best?"
    data["slides"].insert(2, {"title": "How close?", "poll": {
        "id": "closeness", "type": "scale", "question": "How close do you feel?",
        "scale": {"min": 1, "max": 5, "labels": {"1": "Distant", "5": "Close"}}}})
    return json.loads(json.dumps(data))  # as the browser sends it: label keys as strings


def test_update_deck_yaml_keeps_comments_and_order() -> None:
    merged = update_deck_yaml(HAND_WRITTEN, edited_hand())
    for line in HAND_WRITTEN.splitlines():
        if "#" in line:
            assert line[line.index("#"):] in merged, line  # every comment, as written
    assert re.search(r'question: "Which word fits best\?" +# quoted on purpose\n', merged)  # quotes and comment kept
    assert "    notes: Say hello.   # keep it short\n" in merged
    assert "options: [Safe, Playful, Calm]" in merged
    order = [merged.index(text) for text in ("title: Boundaries", "description:", "slides:", "- title: Welcome",
                                             "- title: Warming up", "- title: How close?", "- title: Goodbye")]
    assert order == sorted(order)
    deck = parse_deck(merged, "hand", "hand.yaml")
    assert [slide.title for slide in deck.slides] == ["Welcome", "Warming up", "How close?", "Goodbye"]
    scale = deck.slides[2].poll
    assert scale is not None
    assert scale.public()["scale"] == {"min": 1, "max": 5, "labels": {"1": "Distant", "5": "Close"}}
    # Nothing changed: the very same text.
    assert update_deck_yaml(HAND_WRITTEN, json.loads(json.dumps(yaml.safe_load(HAND_WRITTEN)))) == HAND_WRITTEN


def test_update_deck_yaml_moves_a_slide_with_its_comment() -> None:
    data = yaml.safe_load(HAND_WRITTEN)
    data["slides"] = [data["slides"][1], data["slides"][0], data["slides"][2]]
    merged = update_deck_yaml(HAND_WRITTEN, data)
    assert merged.index("id: warmup") < merged.index("- title: Welcome")
    assert "Say hello.   # keep it short" in merged and "quoted on purpose" in merged
    assert [slide.title for slide in parse_deck(merged, "hand", "hand.yaml").slides] == ["Warming up", "Welcome",
                                                                                          "Goodbye"]


def test_the_bundled_deck_survives_a_round_trip_unchanged() -> None:
    text = (Path(__file__).resolve().parent.parent / "decks" / "interdependence.yaml").read_text(encoding="utf-8")
    assert update_deck_yaml(text, json.loads(json.dumps(yaml.safe_load(text)))) == text


def test_a_json_put_merges_into_the_file_keeping_its_comments(api, decks_dir: Path) -> None:
    current = etag(api.get("/api/decks/hand", headers=AUTH))
    missing = api.put("/api/decks/hand", json=edited_hand(), headers=AUTH)
    assert missing.status_code == 412
    response = api.put("/api/decks/hand", json=edited_hand(), headers={**AUTH, "If-Match": current})
    assert response.status_code == 200, response.get_json()
    saved = (decks_dir / "hand.yaml").read_text()
    assert "# A deck written by hand: these comments must survive the editor." in saved
    assert "# First poll: a warm-up." in saved and "Which word fits best?" in saved
    assert etag(response) == f'"{etag_of(saved.encode())}"'
    stale = api.put("/api/decks/hand", json=edited_hand(), headers={**AUTH, "If-Match": current})
    assert stale.status_code == 409
    new = api.put("/api/decks/from-json", json={"title": "New", "slides": [{"title": "One", "body": "a\nb"}]},
                  headers=AUTH)
    assert new.status_code == 201
    assert parse_deck((decks_dir / "from-json.yaml").read_text(), "x", "x.yaml").slides[0].body == "a\nb"


def test_a_json_put_with_problems_reports_paths_and_saves_nothing(api, decks_dir: Path) -> None:
    before = (decks_dir / "hand.yaml").read_bytes()
    data = edited_hand()
    data["slides"][1]["poll"]["options"] = []
    current = etag(api.get("/api/decks/hand", headers=AUTH))
    response = api.put("/api/decks/hand", json=data, headers={**AUTH, "If-Match": current})
    assert response.status_code == 422
    [problem] = response.get_json()["problems"]
    assert problem["path"] == "slides[1].poll.options"
    assert (decks_dir / "hand.yaml").read_bytes() == before


# Validation and the poll-type registry ----------------------------------------------------------------------

def test_validate_yaml_gives_ok_or_line_numbers(api) -> None:
    ok = api.post("/api/decks/validate", data=deck_yaml(), headers=YAML_HEADERS)
    assert ok.status_code == 200 and ok.get_json() == {"ok": True}
    bad = "title: ''\nslides:\n  - title: One\n    timer: soon\n"
    response = api.post("/api/decks/validate", data=bad, headers=YAML_HEADERS)
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert [(item["line"], item["path"]) for item in problems] == [(1, "title"), (4, "slides[0].timer")]


def test_validate_json_maps_problems_to_the_editors_fields(api) -> None:
    deck = {"title": "Paths", "slides": [
        {"title": "Fine", "body": "Some\ntext"},
        {"kind": "join"},
        {"title": "Poll", "poll": {"id": "p1", "type": "single", "question": "Q?", "options": ["Only one"]}},
        {"title": "Scale", "poll": {"id": "p2", "type": "scale", "question": "Q?", "scale": {"min": 5, "max": 1}}},
        {"title": "Image", "body": "Look:\n\n![](seesaw.svg)"},
    ]}
    response = api.post("/api/decks/validate", json=deck, headers=AUTH)
    assert response.status_code == 422
    paths = {item["path"]: item["message"] for item in response.get_json()["problems"]}
    assert set(paths) == {"slides[1].title", "slides[2].poll.options", "slides[3].poll.scale", "slides[4].body"}
    assert "alt text" in paths["slides[4].body"]
    assert api.post("/api/decks/validate", json=[1], headers=AUTH).status_code == 400
    assert api.post("/api/decks/validate?deck=..", json=deck, headers=AUTH).status_code == 400


HOSTILE_YAML = [
    "title: !!python/object/apply:os.system ['true']\nslides:\n  - title: A\n",  # a tag on a sequence
    "title: T\nslides:\n  - <<: {title: merged}\n",  # a merge key: no line of its own in the round-trip reader
    "title: T\nslides:\n  - title: A\x00B\n",  # a NUL
    "title: T\nslides:\n  - title: A\n    timer: " + "9" * 5000 + "\n",  # past Python's digit limit
    "title: T\nslides: " + "[" * 5000 + "]" * 5000 + "\n",  # nested past the recursion limit
    "title: T\nslides:\n  - title: \"\\uD800\"\n",  # half a character
]
HOSTILE_JSON = [
    '{"title": "T", "slides": ' + "[" * 5000 + "]" * 5000 + "}",  # too deep for json.loads
    '{"title": "T", "slides": [{"title": "A", "poll": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}]}",  # for the merge
    '{"title": "T\\ud800", "slides": [{"title": "A"}]}',  # half a character, as JSON may escape it
]


@pytest.mark.parametrize("body", HOSTILE_YAML)
def test_hostile_yaml_is_a_problem_not_a_crash_and_nothing_is_written(api, decks_dir: Path, body: str) -> None:
    for response in (api.post("/api/decks/validate", data=body, headers=YAML_HEADERS), put(api, "hostile", body)):
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        assert response.get_json()["problems"]
    assert not (decks_dir / "hostile.yaml").exists()


@pytest.mark.parametrize("body", HOSTILE_JSON)
def test_hostile_json_is_refused_not_a_crash_and_nothing_is_written(api, decks_dir: Path, body: str) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    for response in (api.post("/api/decks/validate", data=body, headers=headers),
                     api.put("/api/decks/hostile", data=body, headers=headers)):
        assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
        assert response.get_json()["error"] in ("invalid_payload", "invalid_deck")
    assert not (decks_dir / "hostile.yaml").exists()
    # The home page still lists the decks: nothing half-valid reached the directory.
    assert api.get("/", headers=AUTH).status_code == 200


def test_poll_types_come_from_the_registry(api) -> None:
    response = api.get("/api/poll-types", headers=AUTH)
    assert response.status_code == 200
    types = response.get_json()
    assert [item["type"] for item in types] == list(POLL_TYPES)
    for item in types:
        kind = POLL_TYPES[item["type"]]
        assert item["label"] == kind.label and item["deck_keys"] == sorted(kind.deck_keys)
        assert item["common_keys"] == ["id", "type", "question", "results_visible"]


# Storage on its own: the lock between writers ---------------------------------------------------------------

def test_two_threads_saving_the_same_version_one_wins(decks_dir: Path) -> None:
    files = DeckFiles(decks_dir)
    current = files.read("hand")
    assert current is not None
    results: list[str] = []
    barrier = threading.Barrier(8)

    def save(number: int) -> None:
        barrier.wait()
        try:
            files.write("hand", deck_yaml(f"Writer {number}").encode(), [current.etag])
            results.append("saved")
        except DeckFileError as error:
            results.append(error.code)

    threads = [threading.Thread(target=save, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict"] * 7 + ["saved"]


WRITER = """
import sys
from pathlib import Path
from workshop.deck_files import DeckFileError, DeckFiles
files = DeckFiles(Path(sys.argv[1]))
expected, start = sys.argv[2], Path(sys.argv[3])
while not start.exists():
    pass
try:
    files.write("hand", ("title: " + sys.argv[4] + "\\nslides: [{title: One}]\\n").encode(), [expected])
    print("saved")
except DeckFileError as error:
    print(error.code)
"""


def test_two_processes_saving_the_same_version_one_wins(decks_dir: Path, tmp_path: Path) -> None:
    files = DeckFiles(decks_dir)
    current = files.read("hand")
    assert current is not None
    start = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, str(decks_dir), current.etag, str(start),
                                   f"Process {number}"], stdout=subprocess.PIPE, text=True)
                 for number in range(4)]
    start.touch()
    outputs = sorted(process.communicate(timeout=60)[0].strip() for process in processes)
    assert outputs == ["conflict"] * 3 + ["saved"]
    assert files.read("hand") is not None


def test_the_lock_file_is_shared_across_processes(decks_dir: Path, tmp_path: Path) -> None:
    """While one process holds the decks directory's lock, another's save waits for it."""
    files = DeckFiles(decks_dir)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom pathlib import Path\nfrom workshop.deck_files import DeckFiles\n"
        "with DeckFiles(Path(sys.argv[1])).locked():\n    print('held', flush=True)\n    time.sleep(1.0)\n"),
        str(decks_dir)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    import time
    began = time.monotonic()
    current = files.read("hand")
    assert current is not None
    files.write("hand", deck_yaml("After the lock").encode(), [current.etag])
    assert time.monotonic() - began > 0.5
    holder.wait(timeout=10)
