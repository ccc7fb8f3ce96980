"""Pictures in slides, slide content on phones, support resources: decks, the picture route, the socket events."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from tests.conftest import FACILITATOR_TOKEN, app_config, received
from workshop import create_app
from workshop.config import PROJECT_ROOT
from workshop.decks import DeckError, load_deck, load_decks, parse_deck
from workshop.media import MAX_IMAGE_BYTES, SVG_POLICY, svg_problem
from workshop.render import markdown_to_html

BUNDLED = PROJECT_ROOT / "decks" / "interdependence.yaml"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a0a10000000049454e44ae426082")


def deck_with(body: str) -> str:
    """A deck whose one slide has this body, as a literal block (its first line is line 5)."""
    indented = "".join(f"      {line}\n" for line in body.split("\n"))
    return f"title: T\nslides:\n  - title: A\n    body: |\n{indented}"


def check(tmp_path: Path, body: str, files: dict[str, bytes] | None = None) -> list[str]:
    """The problems `check-deck` reports for a deck `d.yaml` with its folder `d/` holding `files`."""
    (tmp_path / "d").mkdir(exist_ok=True)
    for name, data in (files or {}).items():
        (tmp_path / "d" / name).write_bytes(data)
    path = tmp_path / "d.yaml"
    path.write_text(deck_with(body), encoding="utf-8")
    try:
        load_deck(path)
    except DeckError as error:
        return [problem.removeprefix(f"{path}:") for problem in error.problems]
    return []


def test_a_large_svg_shown_many_times_is_checked_once_per_version(tmp_path: Path) -> None:
    """Every deck is read (and its pictures checked) on each home page and deck list, in the one process that also
    serves the live rooms: a 2 MB SVG named 120 times on a slide was parsed 120 times a load (about a minute)."""
    big = (b'<svg xmlns="http://www.w3.org/2000/svg">'
           + b'<rect x="1" y="2" width="3" height="4" fill="#abc"/>' * 38_000 + b"</svg>")
    assert len(big) <= MAX_IMAGE_BYTES
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "big.svg").write_bytes(big)
    (tmp_path / "d.yaml").write_text(deck_with(" ".join(["![A big drawing](big.svg)"] * 120)), encoding="utf-8")
    started = time.monotonic()
    for _ in range(3):
        decks, problems = load_decks(tmp_path)
        assert problems == [] and "d" in decks
    assert time.monotonic() - started < 10
    # A changed file is checked again: a version with a script is refused at once.
    (tmp_path / "d" / "big.svg").write_bytes(big.replace(b"</svg>", b"<script>alert(1)</script></svg>"))
    assert "holds a <script> element" in "".join(load_decks(tmp_path)[1])


def test_a_deck_is_parsed_once_per_version_of_its_file_and_its_pictures(tmp_path: Path) -> None:
    path = tmp_path / "cached.yaml"
    path.write_text(deck_with("![Two circles](circles.svg)"))
    with pytest.raises(DeckError, match=r"circles\.svg"):
        load_deck(path)  # the picture is not there yet
    (tmp_path / "cached").mkdir()
    (tmp_path / "cached" / "circles.svg").write_bytes(SVG)
    first = load_deck(path)
    assert load_deck(path) is first, "unchanged: the same parsed deck, not a second parse"
    path.write_text(deck_with("![Two circles, edited](circles.svg)"))
    edited = load_deck(path)
    assert edited is not first and "edited" in edited.slides[0].body
    (tmp_path / "cached" / "circles.svg").unlink()
    with pytest.raises(DeckError, match=r"circles\.svg"):
        load_deck(path)  # a picture removed by hand: the deck no longer loads


def test_a_picture_in_the_decks_folder_with_alt_text_is_fine(tmp_path: Path) -> None:
    assert check(tmp_path, "Intro\n\n![Two circles](a.svg)\n\n- ![A dot](b.png)", {"a.svg": SVG, "b.png": PNG}) == []


@pytest.mark.parametrize(("body", "files", "expected"), [
    ("![](a.svg)", {"a.svg": SVG},
     "5: image 'a.svg' needs alt text: ![what the picture shows](a.svg)"),
    ("Text\n\nMore ![Gone](gone.svg)", {}, "7: image 'gone.svg' not found in {folder}"),
    ("![Up](../secret.svg)", {}, "5: image '../secret.svg' must be a file name in the deck's folder, without a path"),
    ("![Abs](/etc/a.svg)", {}, "5: image '/etc/a.svg' must be a file name in the deck's folder, without a path"),
    ("![Sub](sub/a.svg)", {}, "5: image 'sub/a.svg' must be a file name in the deck's folder, without a path"),
    ("![Web](https://example.com/a.png)", {},
     "5: image 'https://example.com/a.png' must be a file in the deck's folder, not a URL"),
    ("![Data](data:image/png;base64,AAAA)", {},
     "5: image 'data:image/png;base64,AAAA' must be a file in the deck's folder, not a URL"),
    ("![Hidden](.a.svg)", {}, "5: image '.a.svg' is a hidden file"),
    ("![Text](notes.txt)", {"notes.txt": b"hi"},
     "5: image 'notes.txt' must be one of .gif, .jpeg, .jpg, .png, .svg, .webp"),
    ("![Script](s.svg)", {"s.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'},
     "5: image 's.svg' holds a <script> element"),
    ("![Fake](fake.png)", {"fake.png": b"<html>not a picture</html>"},
     "5: image 'fake.png' is not a PNG file (its first bytes say otherwise)"),
    ("![Big](big.png)", {"big.png": PNG + b"\0" * MAX_IMAGE_BYTES},
     f"5: image 'big.png' is {len(PNG) + MAX_IMAGE_BYTES} bytes; a picture may be at most {MAX_IMAGE_BYTES}"),
])
def test_each_picture_problem_names_the_line_of_the_body(tmp_path: Path, body: str, files: dict[str, bytes],
                                                         expected: str) -> None:
    assert check(tmp_path, body, files) == [expected.format(folder=tmp_path / "d")]


@pytest.mark.parametrize(("svg", "message"), [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
     "holds a <foreignObject> element"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "has an event handler attribute 'onload'"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
     b'<image x:href="https://example.com/a.png"/></svg>', "refers to something outside the file"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#a"/></svg>', "refers to something outside"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.test/a.css);</style></svg>',
     "has a style that loads something from outside"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.test/p)"/></svg>',
     "has a style that loads something from outside"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
     "holds a DOCTYPE or entity declarations"),
    (b"<html><body/></html>", "is not an SVG document"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>',
     "animates 'href'"),
    (b"<svg", "is not well-formed XML"),
    # Written in UTF-16 (with or without its byte order mark), "<!ENTITY" is not those bytes; expat reads it all.
    ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
     '<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>'.encode("utf-16"),
     "holds a DOCTYPE or entity declarations"),
    ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg SYSTEM "https://x.test/a.dtd">'
     '<svg xmlns="http://www.w3.org/2000/svg"/>'.encode("utf-16-le"), "holds a DOCTYPE or entity declarations"),
    # CSS escapes spell url( and @import without those letters; image-set() loads a bare string.
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:\\75 rl(https://x.test/p)"/></svg>',
     "has a style with a CSS escape"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:u\\72l(https://x.test/p)}</style></svg>',
     "has a style with a CSS escape"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@\\69mport "https://x.test/a.css";</style></svg>',
     "has a style with a CSS escape"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="\\75 rl(https://x.test/p)"/></svg>',
     "has a style with a CSS escape"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="background:image-set(\'https://x.test/a.png\' 1x)"/>'
     b'</svg>', "has a style that loads something from outside"),
])
def test_svgs_that_could_run_or_load_anything_are_refused(svg: bytes, message: str) -> None:
    problem = svg_problem(svg)
    assert problem is not None and problem.startswith(message), problem


def test_an_svg_with_inner_references_and_gradients_is_fine() -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs>'
           b'<rect fill="url(#g)" width="4" height="4"/><use href="#g"/></svg>')
    assert svg_problem(svg) is None
    # A drawing program's own namespaced notes may hold a Windows path; that is no style.
    inkscape = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
                b' inkscape:export-filename="C:\\Users\\me\\seesaw (1).png"><rect width="4" height="4"/></svg>')
    assert svg_problem(inkscape) is None
    assert svg_problem('<svg xmlns="http://www.w3.org/2000/svg"><text>caf\u00e9</text></svg>'.encode("utf-16")) is None


def test_a_live_sessions_own_copy_of_its_deck_does_not_check_files() -> None:
    deck = parse_deck(deck_with("![Gone](gone.svg)"), "d", "d.yaml")
    assert deck.slides[0].body == "![Gone](gone.svg)"


def test_markdown_pictures_render_as_lazy_images_on_this_site_and_nothing_else() -> None:
    html = markdown_to_html('![Two "circles" <b>](a.svg) ![Web](https://example.com/x.png) ![Up](../a.svg)',
                            lambda src: f"/decks/d/media/{src}?v=abc" if src == "a.svg" else None)
    assert ('<img class="slide-image" src="/decks/d/media/a.svg?v=abc" alt="Two &quot;circles&quot; &lt;b&gt;" '
            'loading="lazy" decoding="async">') in html
    assert '<span class="slide-image-missing">Web</span>' in html and "example.com" not in html
    assert '<span class="slide-image-missing">Up</span>' in html
    assert "<img" not in markdown_to_html("![A](a.svg)"), "without a deck folder no picture is shown"


def test_a_deck_can_sit_in_its_own_folder_and_single_files_still_load(tmp_path: Path) -> None:
    (tmp_path / "solo.yaml").write_text("title: Solo\nslides:\n  - title: One\n")
    (tmp_path / "folded").mkdir()
    (tmp_path / "folded" / "deck.yaml").write_text(
        "title: Folded\nslides:\n  - title: One\n    body: '![Dot](dot.svg)'\n")
    (tmp_path / "folded" / "dot.svg").write_bytes(SVG)
    (tmp_path / "solo").mkdir()
    (tmp_path / "solo" / "deck.yaml").write_text("title: Twice\nslides:\n  - title: One\n")
    assert load_deck(tmp_path / "folded").id == "folded", "check-deck takes a deck's folder too"
    decks, problems = load_decks(tmp_path)
    assert sorted(decks) == ["folded", "solo"] and decks["solo"].title == "Solo"
    assert problems == [f"{tmp_path / 'solo' / 'deck.yaml'}:1: deck id 'solo' is already used by "
                        f"{tmp_path / 'solo.yaml'}; this one is left out"]


def test_phone_slides_and_resources_are_read_from_the_deck() -> None:
    deck = parse_deck("title: T\nphone_slides: true\nresources:\n  - Someone you trust\n  - A counsellor\n"
                      "slides:\n  - title: A\n    phone: false\n  - title: B\n", "t", "t.yaml")
    assert deck.phone_slides is True and [slide.phone for slide in deck.slides] == [False, None]
    assert deck.resources is not None and deck.resources.items == ("Someone you trust", "A counsellor")
    assert deck.resources.title == "If today stirred something up"
    titled = parse_deck("title: T\nresources:\n  title: Support\n  items: [A friend]\nslides:\n  - title: A\n",
                        "t", "t.yaml")
    assert titled.resources is not None and titled.resources.title == "Support"


@pytest.mark.parametrize(("text", "expected"), [
    ("title: T\nphone_slides: maybe\nslides:\n  - title: A\n", ["t.yaml:2: 'phone_slides' must be true or false"]),
    ("title: T\nslides:\n  - title: A\n    phone: 1\n", ["t.yaml:4: 'phone' must be true or false"]),
    ("title: T\nresources: Call someone\nslides:\n  - title: A\n",
     ["t.yaml:2: 'resources' must be a list of 1 to 8 short texts (or a mapping with 'title' and 'items')"]),
    ("title: T\nresources:\n  - A friend\n  - [nested]\n  - ''\nslides:\n  - title: A\n",
     ["t.yaml:4: each resource must be a line of text", "t.yaml:5: each resource must be a line of text"]),
    ("title: T\nresources:\n  title: Help\n  items: [a]\n  phone: 1\nslides:\n  - title: A\n",
     ["t.yaml:5: unknown resources key 'phone' (known: items, title)"]),
    ("title: T\nresources:\n  - " + "x" * 201 + "\nslides:\n  - title: A\n",
     ["t.yaml:3: a resource is at most 200 characters"]),
])
def test_bad_phone_and_resources_keys_name_their_line(text: str, expected: list[str]) -> None:
    with pytest.raises(DeckError) as caught:
        parse_deck(text, "t", "t.yaml")
    assert caught.value.problems == expected


def test_the_bundled_deck_has_pictures_resources_and_a_ranking_poll() -> None:
    deck = load_deck(BUNDLED)
    bodies = " ".join(slide.body for slide in deck.slides)
    for name in ("two-circles.svg", "give-and-take.svg", "support-network.svg"):
        assert f"]({name})" in bodies and (BUNDLED.parent / "interdependence" / name).is_file()
    assert deck.resources is not None and 3 <= len(deck.resources.items) <= 8
    words = " ".join(deck.resources.items).lower()
    assert "doctor" in words and "counsellor" in words and "emergency" in words
    assert not any(char.isdigit() for char in words) and "http" not in words and "www" not in words
    ranking = [poll for poll in deck.polls() if poll.type == "ranking"]
    assert len(ranking) == 1 and deck.phone_slides is False


# The picture route ----------------------------------------------------------------------------------------

@pytest.fixture
def media_app(redis_url: str, tmp_path: Path):
    decks = tmp_path / "decks"
    (decks / "pics").mkdir(parents=True)
    (decks / "pics.yaml").write_text("title: Pictures\nphone_slides: true\nresources: [A friend]\nslides:\n"
                                     "  - title: One\n    body: '![A dot](dot.svg) ![A pixel](pixel.png)'\n"
                                     "  - title: Two\n    phone: false\n")
    (decks / "pics" / "dot.svg").write_bytes(SVG)
    (decks / "pics" / "pixel.png").write_bytes(PNG)
    (decks / "pics" / ".hidden.svg").write_bytes(SVG)
    (decks / "pics" / "notes.txt").write_bytes(b"not a picture")
    (decks / "secret.svg").write_bytes(SVG)
    app = create_app(app_config(redis_url, tmp_path / "data", DECKS_DIR=decks))
    yield app
    app.extensions["workshop_broadcaster"].stop()


def test_pictures_are_served_with_their_type_a_strict_policy_and_cached_by_hash(media_app) -> None:
    client = media_app.test_client()
    digest = hashlib.sha256(SVG).hexdigest()[:16]
    svg = client.get(f"/decks/pics/media/dot.svg?v={digest}")
    assert svg.status_code == 200 and svg.data == SVG
    assert svg.headers["Content-Type"] == "image/svg+xml"
    assert svg.headers["Content-Security-Policy"] == SVG_POLICY
    assert SVG_POLICY.startswith("default-src 'none'; style-src 'unsafe-inline'")
    assert svg.headers["X-Content-Type-Options"] == "nosniff"
    assert svg.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/decks/pics/media/dot.svg", headers={"If-None-Match": f'"{digest}"'}).status_code == 304
    png = client.get("/decks/pics/media/pixel.png?v=stale")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert png.headers["Cache-Control"] == "no-cache", "an older hash gets the current file, revalidated"
    assert "default-src 'self'" in png.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", [
    "/decks/pics/media/missing.svg", "/decks/pics/media/.hidden.svg", "/decks/pics/media/notes.txt",
    "/decks/pics/media/..%2Fsecret.svg", "/decks/pics/media/%2E%2E/secret.svg", "/decks/nosuch/media/dot.svg",
    "/decks/..%2Fdecks%2Fpics/media/dot.svg", "/decks/pics/media/../secret.svg", "/decks/.pics/media/dot.svg",
])
def test_unknown_hidden_and_outside_files_are_not_found(media_app, path: str) -> None:
    response = media_app.test_client().get(path)
    assert response.status_code == 404 and b"<svg" not in response.data


def test_slides_carry_picture_urls_phone_settings_and_resources(media_app) -> None:
    client = media_app.test_client()
    started = client.post("/api/sessions", json={"deck": "pics"},
                          headers={"Authorization": f"Bearer {FACILITATOR_TOKEN}"}).get_json()
    socketio = media_app.extensions["workshop_socketio"]
    phone = socketio.test_client(media_app, auth={"code": started["code"]})
    state = received(phone, "session_state")[0]
    digest = hashlib.sha256(SVG).hexdigest()[:16]
    assert f'src="/decks/pics/media/dot.svg?v={digest}" alt="A dot"' in state["slide"]["html"]
    assert state["phone_slides"] is True and "phone" not in state["slide"]
    assert state["resources"] == {"title": "If today stirred something up", "items": ["A friend"]}
    assert client.get(f"/decks/pics/media/dot.svg?v={digest}").status_code == 200

    facilitator = socketio.test_client(media_app, auth={"session": started["id"],
                                                        "key": started["facilitator_url"].split("key=")[1]})
    received(facilitator, "session_state")
    assert phone.emit("set_phone_slides", {"visible": False}, callback=True)["error"] == "forbidden"
    assert facilitator.emit("set_phone_slides", {"visible": "no"}, callback=True)["error"] == "invalid_payload"
    assert facilitator.emit("set_phone_slides", {"visible": False}, callback=True) == {"ok": True, "visible": False}
    assert received(phone, "phone_slides") == [{"visible": False}]
    assert facilitator.emit("go_to_slide", {"index": 1}, callback=True)["ok"]
    last = received(phone, "slide_changed")[0]
    assert last["phone"] is False and last["resources"]["items"] == ["A friend"], "resources on the last slide"
    phone.disconnect()
    again = socketio.test_client(media_app, auth={"code": started["code"]})
    assert received(again, "session_state")[0]["phone_slides"] is False, "the console's choice is kept"
    again.disconnect()
    facilitator.disconnect()
