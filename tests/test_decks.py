"""Decks: the bundled deck, and every problem reported as FILE:LINE: message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workshop.config import PROJECT_ROOT
from workshop.deck_edit import line_paths, retitled_yaml, update_deck_yaml
from workshop.decks import MAX_SLIDES, MAX_YAML_VALUES, DeckError, load_deck, load_decks, parse_deck

BUNDLED = PROJECT_ROOT / "decks" / "interdependence.yaml"
BUNDLED_ES = PROJECT_ROOT / "decks" / "interdependencia.yaml"


def problems_of(text: str) -> list[str]:
    with pytest.raises(DeckError) as caught:
        parse_deck(text, "broken", "broken.yaml")
    return caught.value.problems


def test_bundled_deck_is_a_full_workshop() -> None:
    deck = load_deck(BUNDLED)
    assert 15 <= len(deck.slides) <= 25
    assert "join" in [slide.kind for slide in deck.slides[:4]], "a join slide near the start"
    for slide in deck.slides:
        if slide.kind == "content":
            assert slide.notes.strip(), f"slide '{slide.title}' has no speaker notes"
    assert {poll.type for poll in deck.polls()} == {"single", "multiple", "scale", "text", "ranking"}
    text = " ".join(f"{slide.title} {slide.body} {slide.notes}" for slide in deck.slides).lower()
    assert "therap" in text and ("counsel" in text or "therapist" in text), "reflection, not therapy"
    assert any(not poll.results_visible for poll in deck.polls() if poll.type in ("scale", "text"))


def test_the_spanish_deck_is_a_full_workshop_too() -> None:
    deck, english = load_deck(BUNDLED_ES), load_deck(BUNDLED)
    assert deck.lang == "es" and deck.id == "interdependencia"
    assert 15 <= len(deck.slides) <= 25
    assert "join" in [slide.kind for slide in deck.slides[:4]], "a join slide near the start"
    for slide in deck.slides:
        if slide.kind == "content":
            assert slide.notes.strip(), f"slide '{slide.title}' has no speaker notes"
    assert {poll.type for poll in deck.polls()} == {"single", "multiple", "scale", "text", "ranking"}
    assert [(poll.id, poll.type) for poll in deck.polls()] == [(poll.id, poll.type) for poll in english.polls()], \
        "the same poll ids as the English deck, so their exports line up"
    assert any(not poll.results_visible for poll in deck.polls() if poll.type in ("scale", "text"))
    text = " ".join(f"{slide.title} {slide.body} {slide.notes}" for slide in deck.slides).lower()
    assert "terap" in text and "psicolog" in text, "reflection, not therapy"
    assert not {slide.title for slide in deck.slides} & {slide.title for slide in english.slides}, "titles in Spanish"
    assert deck.resources is not None and len(deck.resources.items) >= 3
    assert "terapeuta" in " ".join(deck.resources.items), "where to turn for help, as in the English deck"
    assert [slide.timer for slide in deck.slides if slide.timer] == [120], "the reflection slide's timer"
    assert deck.slides[-1].qa, "Q&A on the last slide"
    pictures = [line for slide in deck.slides for line in slide.body.splitlines() if line.startswith("![")]
    assert len(pictures) == 3
    assert not any(english in " ".join(pictures) for english in ("Two ", "A small", "A seesaw")), "alt text in Spanish"
    for picture in pictures:
        assert (BUNDLED_ES.parent / "interdependencia" / picture.rsplit("(", 1)[1].rstrip(")")).is_file()


def test_both_bundled_decks_load_and_english_is_listed_first() -> None:
    decks, problems = load_decks(PROJECT_ROOT / "decks")
    assert problems == []
    ids = list(decks)
    assert ids.index("interdependence") < ids.index("interdependencia"), "the home page lists decks in this order"


def test_a_good_deck_loads_into_dataclasses() -> None:
    deck = parse_deck(
        "title: T\nslides:\n  - title: A\n    body: hi\n  - title: B\n    poll:\n      id: p1\n"
        "      type: scale\n      question: How often?\n      scale: {min: 1, max: 5, labels: {1: Never, 5: Always}}\n"
        "      results_visible: false\n",
        "t", "t.yaml")
    poll = deck.poll("p1")
    assert poll is not None and poll.scale_labels == {1: "Never", 5: "Always"} and poll.results_visible is False
    assert deck.slides[0].body == "hi" and deck.poll("missing") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("title: T\nslides: []\n", "broken.yaml:2: 'slides' must be a non-empty list"),
    ("title: T\nslides:\n  - body: x\n", "broken.yaml:3: 'title' is required"),
    ("title: T\nslides:\n  - title: A\n    colour: red\n", "broken.yaml:4: unknown slide key 'colour'"),
    ("title: T\nslides:\n  - title: A\n    kind: video\n", "broken.yaml:4: slide 'kind' must be one of content, join"),
    ("title: T\nslides:\n  - title: A\n    poll: {id: p, type: quiz, question: Q}\n", "broken.yaml:4: poll 'type'"),
    ("title: T\nslides:\n  - title: A\n    poll:\n      id: p\n      type: single\n      question: Q\n"
     "      options: [only]\n", "broken.yaml:8: 'options' must be a list of 2 to 12"),
    ("title: T\nslides:\n  - title: A\n    poll:\n      id: Bad Id\n      type: text\n      question: Q\n",
     "broken.yaml:5: poll 'id' must be"),
    ("title: T\nslides:\n  - title: A\n    poll: {id: p, type: scale, question: Q, scale: {min: 5, max: 1}}\n",
     "broken.yaml:4: scale 'min' and 'max'"),
    ("title: T\nslides:\n  - title: A\n    poll: {id: p, type: text, question: Q, max_length: 9999}\n",
     "broken.yaml:4: 'max_length' must be"),
    ("title: T\nslides:\n  - title: A\n    poll: {id: p, type: single, question: Q, options: [a, a]}\n",
     "broken.yaml:4: option 'a' appears twice"),
    ("title: T\nslides:\n  - title: [1\n", "broken.yaml:4:"),
    ("title: !!python/object/apply:os.system [echo hi]\nslides: []\n", "broken.yaml:1: unsupported YAML tag"),
    ("title: &x T\nslides:\n  - title: *x\n", "broken.yaml:3: YAML anchors and aliases are not allowed"),
    ("", "broken.yaml:1: the file is empty"),
    ("- just\n- a list\n", "broken.yaml:1: a deck must be a mapping"),
    ("title: T\nlang: klingon\nslides:\n  - title: A\n", "broken.yaml:2: 'lang' must be one of en, de, es, fr, ar"),
    # Hostile files: each is a problem on its line, never a crash (the deck API once answered 500 to these).
    ("title: T\nslides:\n  - title: A\n    poll: {id: \"p\\n\", type: text, question: Q}\n",
     "broken.yaml:4: poll 'id' must be"),
    ("title: T\nslides:\n  - title: A\x00B\n", "broken.yaml:3: the file holds a character YAML does not allow"),
    ("title: T\nslides:\n  - title: A\n    timer: " + "9" * 5000 + "\n", "broken.yaml:4: this value cannot be read"),
    ("title: 2001-13-45\nslides:\n  - title: A\n", "broken.yaml:1: this value cannot be read"),
    *((f"title: T\nslides:\n  - title: {tagged}\n", "broken.yaml:3: this value cannot be read")
      for tagged in ("!!int ''", "!!int +", "!!float ''", "!!timestamp nope", "!!bool maybe")),
    ("title: T\nslides:\n  - title: \"A\\uD800\"\n", "broken.yaml:3: the text holds \\uD800"),
    ("title: T\nslides: " + "[" * 5000 + "]" * 5000 + "\n", "broken.yaml:1: the file is nested too deeply"),
    ("title: T\nslides: " + "{a: " * 5000 + "}" * 5000 + "\n", "broken.yaml:1: the file is nested too deeply"),
])
def test_each_problem_names_file_and_line(text: str, expected: str) -> None:
    assert any(problem.startswith(expected) for problem in problems_of(text)), problems_of(text)


def test_every_problem_is_reported_not_just_the_first() -> None:
    problems = problems_of(
        "title: T\nslides:\n  - title: A\n    poll: {id: p, type: single, question: Q, options: [a, b]}\n"
        "  - title: B\n    poll: {id: p, type: single, question: Q, options: [a, b]}\n  - notes: x\n")
    assert "broken.yaml:6: poll id 'p' is already used on line 4" in problems
    assert "broken.yaml:7: 'title' is required" in problems


def test_a_join_slide_cannot_hold_a_poll() -> None:
    problems = problems_of("title: T\nslides:\n  - kind: join\n    title: J\n"
                           "    poll: {id: p, type: text, question: Q}\n")
    assert problems == ["broken.yaml:5: a join slide cannot hold a poll"]


def test_broken_decks_are_left_out_whole_and_good_ones_load(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("title: Good\nslides:\n  - title: One\n")
    (tmp_path / "bad.yaml").write_text("title: Bad\nslides:\n  - title: One\n  - title: [\n")
    decks, problems = load_decks(tmp_path)
    assert list(decks) == ["good"]
    assert problems and problems[0].startswith(f"{tmp_path / 'bad.yaml'}:")


def test_oversize_and_binary_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("title: x\n" + "#" * 600_000)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"title: \xff\xfe\n")
    for path, message in ((big, "a deck may be at most"), (binary, "not UTF-8")):
        with pytest.raises(DeckError) as caught:
            load_deck(path)
        assert message in caught.value.problems[0]


def _fullest_slide(number: int) -> str:
    """A poll slide with every key a slide and a choice poll can have, and the most options."""
    options = ", ".join(f"Option {n}" for n in range(12))
    return (f"  - title: Slide {number}\n    kind: content\n    body: Some **words**\n    notes: Say this\n"
            f"    timer: 2m\n    qa: true\n    phone: true\n    poll:\n      id: p{number}\n      type: multiple\n"
            f"      question: Which?\n      options: [{options}]\n      results_visible: false\n")


def test_the_fullest_deck_the_format_allows_stays_under_the_value_limit() -> None:
    header = ("title: Full\ndescription: Everything\nlang: en\nphone_slides: true\n"
              "resources:\n  title: Help\n  items:\n" + "".join(f"    - Line {n}\n" for n in range(8)) + "slides:\n")
    text = header + "".join(_fullest_slide(number) for number in range(MAX_SLIDES))
    deck = parse_deck(text, "full", "full.yaml")
    assert len(deck.slides) == MAX_SLIDES and len(deck.polls()) == MAX_SLIDES


@pytest.mark.parametrize("crowd", [
    "    body: [" + ",".join("1" for _ in range(MAX_YAML_VALUES)) + "]\n",
    "    notes:\n" + "".join(f"      k{n}: {n}\n" for n in range(MAX_YAML_VALUES // 2 + 1)),
])
def test_a_file_denser_than_any_deck_is_refused_before_the_careful_parse_with_its_line(crowd: str) -> None:
    # Parsed value by value, such a file would hold the server for many seconds.
    problems = problems_of("title: T\nslides:\n  - title: A\n" + crowd)
    assert len(problems) == 1 and "may hold at most 20,000 values" in problems[0], problems
    line = int(problems[0].split(":")[1])
    assert line >= 4


@pytest.mark.parametrize("directive", ["%FOO bar", "%YAML 1.2"])
def test_a_crowded_file_libyaml_cannot_read_is_still_refused_by_its_count(directive: str) -> None:
    # libyaml refuses a directive PyYAML takes (`%FOO`), so it counts nothing; the careful parser counts too
    # (such a file of 512 KB held the server for 8 s).
    problems = problems_of(f"{directive}\n---\ntitle: T\nslides:\n  - title: A\n    body: ["
                           + ",".join("1" for _ in range(MAX_YAML_VALUES)) + "]\n")
    assert len(problems) == 1 and "may hold at most 20,000 values" in problems[0], problems


@pytest.mark.parametrize("version", ["1.0", "1.3", "2.0"])
def test_a_deck_declares_a_yaml_version_the_editor_can_read(version: str) -> None:
    # PyYAML takes any 1.x; libyaml and the editor's ruamel.yaml (which failed with a 500 on each save) do not.
    assert problems_of(f"%YAML {version}\n---\ntitle: T\nslides:\n  - title: A\n") == [
        "broken.yaml:1: a deck may declare YAML 1.1 or 1.2 only" if version != "2.0" else
        "broken.yaml:1: found incompatible YAML document (version 1.* is required)"]
    for fine in ("1.1", "1.2"):
        assert parse_deck(f"%YAML {fine}\n---\ntitle: T\nslides:\n  - title: A\n", "v", "v.yaml").title == "T"


def test_line_paths_read_a_refused_file_no_further_than_the_deck_check() -> None:
    # Paths for a refused save were read with ruamel.yaml: every value of a 512 KB file (30 s), every alias anew
    # (exponential: a 500-byte file, hours). Now as parse_deck reads it: nothing past what it refuses.
    laughs = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]" for level in range(1, 5)]
    assert line_paths("\n".join(laughs) + "\n") == {}
    assert line_paths("- a\n" * (MAX_YAML_VALUES + 1)) == {}
    assert line_paths("title: T\nslides:\n  - title: A\n    poll: {id: p, options: [a, b]}\n") == {
        1: ["title"], 2: ["slides"], 3: ["slides[0]", "slides[0].title"], 4: [
            "slides[0].poll", "slides[0].poll.id", "slides[0].poll.options", "slides[0].poll.options[0]",
            "slides[0].poll.options[1]"]}


def test_a_hand_made_yaml_1_3_deck_is_no_500_for_the_editor() -> None:
    text = "%YAML 1.3\n---\ntitle: T\nslides:\n  - title: A\n"
    with pytest.raises(ValueError, match="not valid YAML"):
        retitled_yaml(text, "Copy")
    assert yaml.safe_load(update_deck_yaml(text, {"title": "U", "slides": [{"title": "A"}]}))["title"] == "U"


@pytest.mark.parametrize("deck", [
    "title: " + "1:" * 20_000 + "1\nslides:\n  - title: A\n",  # base 60: its square-time build took 27 s at 512 KB
    "title: T\nlang: 0x" + "f" * 4000 + "\nslides:\n  - title: A\n",  # too long to print in a problem: a 500
    "title: T\nreactions: [" + "9" * 41 + "]\nslides:\n  - title: A\n",
    "title: T\nlang: " + "1:" * 200 + "1.5\nslides:\n  - title: A\n",  # base 60 past a float's range: a 500
])
def test_a_number_longer_than_any_deck_needs_is_a_problem_of_its_own(deck: str) -> None:
    assert problems_of(deck) == [f"broken.yaml:{1 if deck.startswith('title: 1') else 2}: this value cannot be read "
                                 "(a number too long, a date that does not exist, or a tag that does not fit it)"]
    assert "'lang' must be one of" in problems_of("title: T\nlang: " + "1" * 40 + "\nslides:\n  - title: A\n")[0], \
        "a number of 40 digits is still read"


def test_a_body_too_long_is_not_rendered_to_look_for_pictures() -> None:
    # Its length is the problem; rendering it anyway (512 KB of "![" took 17 s) would only find more.
    body = "![](no-alt.png) " + "a" * 4000
    assert problems_of(f"title: T\nslides:\n  - title: A\n    body: '{body}'\n") == [
        "broken.yaml:4: 'body' is longer than 4000 characters"]
    assert "needs alt text" in problems_of(f"title: T\nslides:\n  - title: A\n    body: '{body[:100]}'\n")[0]


def test_a_syntax_error_in_a_crowded_file_is_still_reported_at_its_line() -> None:
    problems = problems_of("title: T\nslides:\n  - title: [1\n    body: " + "x " * 1000 + "\n")
    assert problems[0].startswith("broken.yaml:4:") and "values" not in problems[0], problems


def test_check_deck_command(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: T\nslides:\n  - title: A\n    kind: video\n")
    good = subprocess.run([sys.executable, "-m", "workshop.cli", "check-deck", str(BUNDLED), str(BUNDLED_ES)],
                          capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run([sys.executable, "-m", "workshop.cli", "check-deck", str(BUNDLED), str(broken)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert bad.stdout.strip() == f"{broken}:4: slide 'kind' must be one of content, join"


@pytest.mark.parametrize(("written", "seconds"), [("5m", 300), ("90s", 90), ("1m30s", 90), (" 2M ", 120),
                                                  ("60m", 3600), ("5s", 5)])
def test_a_slide_timer_is_a_duration(written: str, seconds: int) -> None:
    deck = parse_deck(f"title: T\nslides:\n  - title: Pairs\n    timer: '{written}'\n", "t", "t.yaml")
    assert deck.slides[0].timer == seconds


@pytest.mark.parametrize(("written", "message"), [
    ("5", "is not a duration such as 5m, 90s or 1m30s"),
    ("2h", "is not a duration such as 5m, 90s or 1m30s"),
    ("61m", "a timer runs from 5 seconds to 60 minutes"),
    ("4s", "a timer runs from 5 seconds to 60 minutes"),
    ("m", "is not a duration"),
])
def test_a_bad_slide_timer_names_its_line(written: str, message: str) -> None:
    problems = problems_of(f"title: T\nslides:\n  - title: Pairs\n    timer: '{written}'\n")
    assert len(problems) == 1 and problems[0].startswith("broken.yaml:4: ") and message in problems[0]


def test_a_timer_given_as_a_bare_number_is_refused_with_the_way_to_write_it() -> None:
    problems = problems_of("title: T\nslides:\n  - title: Pairs\n    timer: 5\n")
    assert problems == ["broken.yaml:4: timer must be a duration such as 5m, 90s or 1m30s"]


def test_slides_without_a_timer_have_none_and_the_bundled_reflection_has_one() -> None:
    deck = load_deck(BUNDLED)
    assert deck.slides[0].timer == 0
    assert [slide.timer for slide in deck.slides if slide.timer] == [120]


def test_a_deck_declares_its_language_and_english_is_the_default() -> None:
    assert parse_deck("title: T\nlang: ar\nslides:\n  - title: A\n", "d", "d.yaml").lang == "ar"
    assert parse_deck("title: T\nslides:\n  - title: A\n", "d", "d.yaml").lang == "en"
    assert load_deck(BUNDLED).lang == "en"
