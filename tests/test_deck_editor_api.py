"""What the deck editor adds to the deck API: the deck as JSON, the live preview, and the page itself."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FACILITATOR_AUTH, FACILITATOR_TOKEN, ORGANISER_TOKEN, write_deck
from tests.pictures import GOOD_SVG
from workshop.deck_editor import MAX_PREVIEW_CHARS
from workshop.deck_files import etag_of
from workshop.decks import MAX_YAML_VALUES, TOO_MANY_VALUES

AUTH = FACILITATOR_AUTH
DECK = """\
# Comments stay in the file; the JSON is the data.
title: Pictures   # shown on the home page
slides:
  - title: Welcome
    body: |
      ![Two circles that overlap](circles.svg)
  - title: How sure?
    poll:
      id: sure
      type: scale
      question: How sure are you?
      scale: {min: 1, max: 5, labels: {1: Not at all, 5: Very}}
"""


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    return write_deck(tmp_path / "decks", "pics", DECK, {"circles.svg": GOOD_SVG})


# The deck as JSON ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ask", [{"headers": {"Accept": "application/json"}}, {"query": "?format=json"}])
def test_the_deck_comes_as_json_with_the_yaml_version(api, decks_dir: Path, ask: dict[str, Any]) -> None:
    response = api.get("/api/decks/pics" + ask.get("query", ""), headers={**AUTH, **ask.get("headers", {})})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == json.loads(json.dumps(yaml.safe_load(DECK)))
    assert response.get_json()["slides"][1]["poll"]["scale"]["labels"] == {"1": "Not at all", "5": "Very"}
    assert response.headers["ETag"] == f'"{etag_of((decks_dir / "pics.yaml").read_bytes())}"'
    assert "Accept" in response.headers["Vary"]
    assert api.get("/api/decks/pics?format=json", headers={**AUTH, "If-None-Match": response.headers["ETag"]}) \
        .status_code == 304


def test_yaml_stays_the_default(api, decks_dir: Path) -> None:
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/yaml, application/json;q=0.5"}):
        response = api.get("/api/decks/pics", headers={**AUTH, **headers})
        assert response.mimetype == "application/yaml"
        assert response.get_data() == (decks_dir / "pics.yaml").read_bytes()
    download = api.get("/api/decks/pics?download=1&format=json", headers=AUTH)
    assert download.mimetype == "application/yaml" and "attachment" in download.headers["Content-Disposition"]


def test_a_json_round_trip_saves_the_same_file(api, decks_dir: Path) -> None:
    """What the editor gets, sent back unchanged, is the very same file (comments, flow mappings and all)."""
    got = api.get("/api/decks/pics?format=json", headers=AUTH)
    saved = api.put("/api/decks/pics", json=got.get_json(), headers={**AUTH, "If-Match": got.headers["ETag"]})
    assert saved.status_code == 200, saved.get_json()
    assert (decks_dir / "pics.yaml").read_text() == DECK
    assert saved.headers["ETag"] == got.headers["ETag"]


@pytest.mark.parametrize("text", ["title: [unclosed\n", "- just\n- a list\n", "a: &x 1\nb: *x\n"])
def test_a_file_that_is_no_deck_mapping_is_422_with_its_lines(api, decks_dir: Path, text: str) -> None:
    (decks_dir / "broken.yaml").write_text(text)
    response = api.get("/api/decks/broken?format=json", headers=AUTH)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_deck" and body["problems"][0]["line"] >= 1
    assert api.get("/api/decks/broken", headers=AUTH).status_code == 200, "the YAML itself can still be fetched"


@pytest.mark.parametrize("path", ["/api/decks/pics", "/api/decks/validate?deck=pics"])
def test_json_denser_than_any_deck_is_refused_before_it_is_merged_and_nothing_is_saved(api, decks_dir: Path,
                                                                                       path: str) -> None:
    # Merged into the YAML value by value, such a body would hold the server for seconds.
    got = api.get("/api/decks/pics?format=json", headers=AUTH)
    crowded = {**got.get_json(), "description": list(range(MAX_YAML_VALUES))}
    before = (decks_dir / "pics.yaml").read_bytes()
    response = api.put(path, json=crowded, headers={**AUTH, "If-Match": got.headers["ETag"]}) if "validate" not in \
        path else api.post(path, json=crowded, headers=AUTH)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["problems"] == [{"line": 1, "message": TOO_MANY_VALUES}]
    assert (decks_dir / "pics.yaml").read_bytes() == before
    fewer = {**got.get_json(), "description": "Short"}
    assert api.post("/api/decks/validate?deck=pics", json=fewer, headers=AUTH).status_code == 200


def test_a_yaml_file_denser_than_any_deck_gets_its_line_without_a_field_path(api) -> None:
    # Finding the field would mean the slow round-trip parse the count exists to spare.
    text = "title: T\nslides:\n  - title: A\n    body: [" + ",".join("1" for _ in range(MAX_YAML_VALUES)) + "]\n"
    response = api.post("/api/decks/validate", data=text, headers={**AUTH, "Content-Type": "application/yaml"})
    assert response.status_code == 422
    assert response.get_json()["problems"] == [{"line": 4, "message": TOO_MANY_VALUES, "path": ""}]


def test_json_needs_the_facilitator(api) -> None:
    assert api.get("/api/decks/pics?format=json").status_code == 401
    assert api.get("/api/decks/pics?format=json",
                   headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"}).status_code == 403


# The preview ---------------------------------------------------------------------------------------------------

def preview(api: Any, body: object, deck: str = "pics", **headers: str) -> Any:
    return api.post(f"/api/decks/{deck}/preview", json={"body": body, "title": "A title"}, headers={**AUTH, **headers})


def test_the_preview_is_the_presenters_html_with_the_decks_pictures(api) -> None:
    response = preview(api, "Hello **everyone**.\n\n![Two circles that overlap](circles.svg)\n\n"
                            "![A missing one](nowhere.png)\n")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_json()["html"]
    assert "<strong>everyone</strong>" in html
    assert '<img class="slide-image" src="/decks/pics/media/circles.svg?v=' in html
    assert 'alt="Two circles that overlap"' in html
    assert '<span class="slide-image-missing">A missing one</span>' in html
    # The same renderer the presenter gets its slides from: the live session's slide HTML is identical.
    started = api.post("/api/sessions", json={"deck": "pics"}, headers=AUTH).get_json()
    assert started["id"]
    first = preview(api, "![Two circles that overlap](circles.svg)").get_json()["html"]
    from workshop.render import markdown_to_html

    assert first == markdown_to_html("![Two circles that overlap](circles.svg)",
                                     lambda name: api.application.extensions["workshop"].media.url_maker("pics")(name))


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>",
    "Hi <img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    "![x](../../etc/passwd.png)",
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
])
def test_the_preview_never_gives_back_markup_or_script(api, markdown: str) -> None:
    elements = Elements()
    elements.feed(preview(api, markdown).get_json()["html"])
    assert elements.tags, "something was rendered"
    for tag, attributes in elements.tags:
        assert tag in {"p", "a", "span", "img", "strong", "em"}, tag
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert not (value or "").lower().startswith(("javascript:", "http", "//", "data:")), value
                assert tag != "img" or (value or "").startswith("/decks/pics/media/"), value


class Elements(HTMLParser):
    """Every element of an HTML fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


@pytest.mark.parametrize(("payload", "status"), [({"body": 3}, 400), ([1], 400), ("text", 400),
                                                  ({"body": "x" * (MAX_PREVIEW_CHARS + 1)}, 413)])
def test_the_preview_refuses_what_is_no_body(api, payload: object, status: int) -> None:
    response = api.post("/api/decks/pics/preview", json=payload, headers=AUTH)
    assert response.status_code == status and response.get_json()["error"]


def test_the_preview_refuses_bodies_past_the_apps_limit(api) -> None:
    response = api.post("/api/decks/pics/preview", data=json.dumps({"body": "x" * 70_000}),
                        headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"


def test_the_preview_is_for_facilitators_and_real_deck_ids(api) -> None:
    assert api.post("/api/decks/pics/preview", json={"body": "x"}).status_code == 401
    assert api.post("/api/decks/pics/preview", json={"body": "x"},
                    headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"}).status_code == 403
    assert preview(api, "x", deck="Bad_Id").status_code == 400


# The page ------------------------------------------------------------------------------------------------------

def test_the_editor_page_is_for_facilitators(api) -> None:
    refused = api.get("/decks/pics/edit")
    assert refused.status_code == 401 and "Facilitator link needed" in refused.get_data(as_text=True)
    assert api.get(f"/decks/pics/edit?token={FACILITATOR_TOKEN}").status_code == 302  # the browser login
    page = api.get("/decks/pics/edit")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert 'data-deck="pics"' in text and "/static/bundle/js/deck-editor.js" in text and "css/editor.css" in text
    assert api.get("/decks/nope/edit").status_code == 404
    assert api.get("/decks/Bad_Id/edit").status_code == 404


def test_other_pages_do_not_load_the_editors_styles(api) -> None:
    api.get(f"/?token={FACILITATOR_TOKEN}")
    assert "editor.css" not in api.get("/").get_data(as_text=True)


@pytest.mark.parametrize("body", [
    {"data": "%YAML 1.3\n---\n- a\n", "content_type": "application/yaml"},
    {"json": {"title": "T", "slides": [{"title": "A", "body": "Two\nlines \ud800"}]}},
])
def test_odd_yaml_and_half_a_character_are_problems_not_500(api, decks_dir: Path, body: dict[str, Any]) -> None:
    # ruamel.yaml asserted on `%YAML 1.3` while finding paths; a lone surrogate in a `|` block failed to encode.
    response = api.post("/api/decks/validate", headers=AUTH, **body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.get_json()["problems"][0]["message"] in (
        "a deck may declare YAML 1.1 or 1.2 only", "the file holds a character YAML does not allow (U+D800)")
