"""Load and validate YAML decks into plain dataclasses; every problem names its file and line."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .languages import DEFAULT_LANGUAGE, LANGUAGES
from .media import MAX_ALT_LENGTH, file_problem, reference_problem
from .polls import POLL_TYPES, Common, DefinitionError, Poll
from .reactions import DEFAULT_REACTIONS, set_problems
from .render import image_tokens
from .timers import DurationError, parse_duration

MAX_DECK_BYTES = 512 * 1024
# The largest body the deck API reads: a deck as YAML is at most MAX_DECK_BYTES; as the editor's JSON (quotes,
# escaped line breaks) it may be longer, and the YAML made from it is held to MAX_DECK_BYTES again.
MAX_DECK_BODY_BYTES = 2 * MAX_DECK_BYTES
MAX_SLIDES = 200
MAX_BODY_CHARS = 4000  # a slide's body, and its notes
# The most values (keys, texts, lists, maps) a deck file may hold: the fullest deck the format allows (200 poll
# slides with every key and 12 options) has 7,825. The careful parser below takes seconds per 10,000 small values
# and holds the whole process meanwhile, so a denser file is turned away after a count by libyaml's C parser,
# which takes milliseconds (a 120 KB file of 60,000 tiny values took 27 s on a loaded machine to refuse before,
# 0.04 s now: `python -m bench.deck_checks`).
MAX_YAML_VALUES = 20_000
TOO_MANY_VALUES = f"a deck file may hold at most {MAX_YAML_VALUES:,} values (keys, texts, lists); this one has more"
# The longest whole number a deck may write: PyYAML builds a YAML 1.1 sexagesimal one (`1:2:3`, base 60) digit by
# digit, in time that grows with the square of its length (27 s for a 512 KB `title: 1:1:1...`), and a hex one of
# thousands of digits is fine to build but fails to print in a problem message (a 500).
MAX_INT_CHARACTERS = 40
POLL_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DECK_KEYS = {"title", "description", "lang", "slides", "phone_slides", "resources", "reactions"}
SLIDE_KEYS = {"title", "kind", "body", "notes", "poll", "timer", "qa", "phone"}
RESOURCES_KEYS = {"title", "items"}
MAX_RESOURCES = 8
DEFAULT_RESOURCES_TITLE = "If today stirred something up"
# A deck in its own folder: `decks/<id>/deck.yaml`, its pictures beside it.
FOLDER_DECK = "deck.yaml"
SLIDE_KINDS = ("content", "join")
_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass(frozen=True)
class Slide:
    """One slide: Markdown body, facilitator notes and at most one poll."""

    title: str
    kind: str = "content"
    body: str = ""
    notes: str = ""
    poll: Poll | None = None
    timer: int = 0  # seconds the console offers to count down on this slide (`timer: 5m`); 0 for none
    # `qa: true`: going to this slide opens Q&A. Leaving it does not close it: Q&A stays open until the
    # facilitator closes it (questions often come a slide or two later).
    qa: bool = False
    phone: bool | None = None  # show this slide's content on phones (True/False), or follow the session (None)


@dataclass(frozen=True)
class Resources:
    """Where people can turn if the workshop stirred something up: on the last slide and the phones' end screen."""

    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Deck:
    """A validated deck."""

    id: str
    title: str
    description: str
    slides: tuple[Slide, ...]
    source: str = field(default="", repr=False, compare=False)
    phone_slides: bool = False  # phones show each slide's content under its title (the console can switch it)
    resources: Resources | None = None
    # The emoji phones may react with, and whether a session starts with reactions on (`reactions: false`: off,
    # with the default set, until the facilitator switches them on).
    reactions: tuple[str, ...] = DEFAULT_REACTIONS
    reactions_on: bool = True
    lang: str = DEFAULT_LANGUAGE  # the language of the deck's text and of its sessions' screens

    def poll(self, poll_id: str) -> Poll | None:
        """The poll with this id, or None."""
        for slide in self.slides:
            if slide.poll is not None and slide.poll.id == poll_id:
                return slide.poll
        return None

    def polls(self) -> list[Poll]:
        """Every poll, in slide order."""
        return [slide.poll for slide in self.slides if slide.poll is not None]


class DeckError(Exception):
    """A deck that cannot be loaded; `problems` holds one `FILE:LINE: message` per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Located(dict[object, object]):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int
    key_lines: dict[object, int]
    # Where each literal block scalar's (`|`) text starts, so a problem inside a slide body names its own line.
    block_lines: dict[object, int]


class _LocatedList(list[object]):
    """A sequence that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]


class _Problems:
    """Collects problems for one file."""

    def __init__(self, filename: str):
        self.filename = filename
        self.items: list[str] = []

    def add(self, line: int, message: str) -> None:
        self.items.append(f"{self.filename}:{line}: {message}")


class _DeckLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases where they appear, ruling out "billion laughs" decks, stops counting values
    past MAX_YAML_VALUES, and takes only the YAML versions libyaml and the editor's ruamel.yaml read."""

    values = 0

    def process_directives(self) -> tuple[tuple[int, int] | None, dict[str, str]]:
        mark = self.peek_token().start_mark  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
        found: tuple[tuple[int, int] | None, dict[str, str]] = super().process_directives()  # type: ignore[no-untyped-call]
        if self.yaml_version not in (None, (1, 1), (1, 2)):
            raise yaml.parser.ParserError(None, None, "a deck may declare YAML 1.1 or 1.2 only", mark)
        return found

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
            raise yaml.composer.ComposerError(None, None, "YAML anchors and aliases are not allowed in decks", mark)
        # Counted here too, not only by libyaml beforehand: a text libyaml refuses (and so does not count) but
        # this parser reads (`%YAML 1.3`) would otherwise be parsed value by value, for many seconds.
        self.values += 1
        if self.values > MAX_YAML_VALUES:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, TOO_MANY_VALUES, mark)
        return super().compose_node(parent, index)


def _short_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """A YAML whole number no longer than any a deck needs (`MAX_INT_CHARACTERS`), or ValueError."""
    if len(str(node.value)) > MAX_INT_CHARACTERS:
        raise ValueError("a number too long")
    return int(loader.construct_yaml_int(node))


_DeckLoader.add_constructor("tag:yaml.org,2002:int", _short_int)


def _to_python(loader: yaml.SafeLoader, node: yaml.Node, problems: _Problems) -> object:
    """Turn a composed node into Python values that remember their lines."""
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_COLLECTIONS:
        problems.add(node.start_mark.line + 1,
                     f"unsupported YAML tag '{node.tag}': decks may hold only plain data")
        return None
    if isinstance(node, yaml.MappingNode):
        result = _Located()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        result.block_lines = {}
        for key_node, value_node in node.value:
            key = _to_python(loader, key_node, problems)
            if not isinstance(key, str | int):
                problems.add(key_node.start_mark.line + 1, "keys must be plain text or whole numbers")
                continue
            if key in result:
                problems.add(key_node.start_mark.line + 1, f"duplicate key '{key}'")
            result[key] = _to_python(loader, value_node, problems)
            result.key_lines[key] = key_node.start_mark.line + 1
            if isinstance(value_node, yaml.ScalarNode) and value_node.style == "|":
                result.block_lines[key] = value_node.start_mark.line + 2
        return result
    if isinstance(node, yaml.SequenceNode):
        items = _LocatedList(_to_python(loader, item, problems) for item in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [item.start_mark.line + 1 for item in node.value]
        return items
    try:
        value = loader.construct_object(node, deep=True)
    # A number too long (in base 60 past a float's range, too: 1:1:...:1.5), a date that does not exist (2001-13-45),
    # a tag PyYAML's constructors trip over (`!!int ''`: IndexError, `!!timestamp x`: AttributeError, `!!bool x`).
    except (ValueError, ArithmeticError, LookupError, AttributeError, TypeError):
        problems.add(node.start_mark.line + 1, "this value cannot be read (a number too long, a date that "
                                               "does not exist, or a tag that does not fit it)")
        return None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a "\uD800" escape: no character, and no page or Redis could carry it
            problems.add(node.start_mark.line + 1, "the text holds \\uD800-\\uDFFF (half of a character); "
                                                   "write the whole character")
            return None
    return value


def crowded_line(text: str) -> int | None:
    """The line where the text passes MAX_YAML_VALUES values, by libyaml's fast parser; None below it, when the
    text is not YAML (the careful parser then says exactly why), or without libyaml."""
    if not yaml.__with_libyaml__:
        return None
    counted = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent | yaml.AliasEvent):
                counted += 1
                if counted > MAX_YAML_VALUES:
                    return event.start_mark.line + 1 if event.start_mark else 1
    except (yaml.YAMLError, UnicodeEncodeError):  # half a character (from JSON) is no UTF-8 for libyaml
        return None
    return None


def holds_too_many_values(value: object) -> bool:
    """Whether plain data (the editor's JSON deck) holds more values than a deck file may, counted as YAML would."""
    counted, pending = 0, [value]
    while pending:
        item = pending.pop()
        counted += 1
        if counted > MAX_YAML_VALUES:
            return True
        if isinstance(item, dict):
            counted += len(item)  # the keys
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def value_lines(value: object, path: str = "") -> Iterator[tuple[int, str]]:
    """(line, path) of each key and list item in what `parse_yaml` read (`slides[2].poll.options`), outer first."""
    if isinstance(value, _Located):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield value.key_lines[key], child
            yield from value_lines(item, child)
    elif isinstance(value, _LocatedList):
        for index, (item, line) in enumerate(zip(value, value.item_lines, strict=True)):
            child = f"{path}[{index}]"
            yield line, child
            yield from value_lines(item, child)


def parse_yaml(text: str, filename: str) -> tuple[object, list[str]]:
    """Parse YAML safely, keeping lines; returns (value, problems)."""
    problems = _Problems(filename)
    crowded = crowded_line(text)
    if crowded is not None:
        problems.add(crowded, TOO_MANY_VALUES)
        return None, problems.items
    loader: _DeckLoader | None = None
    try:
        loader = _DeckLoader(text)  # reads the whole text first: a NUL or other forbidden character stops it here
        node = loader.get_single_node()
        if node is None:
            problems.add(1, "the file is empty")
            return None, problems.items
        return _to_python(loader, node, problems), problems.items
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        problems.add(line, f"the file holds a character YAML does not allow (U+{error.character:04X})"
                     if isinstance(error.character, int) else "the file holds a character YAML does not allow")
        return None, problems.items
    except RecursionError:  # thousands of nested [ or {: PyYAML's parser and ours both recurse
        problems.add(1, "the file is nested too deeply")
        return None, problems.items
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or "invalid YAML"
        if isinstance(error, yaml.constructor.ConstructorError):
            problem = f"unsupported YAML tag ({problem.strip()}): decks may hold only plain data"
        problems.add(line, problem)
        return None, problems.items
    except yaml.YAMLError as error:
        problems.add(1, f"invalid YAML: {error}")
        return None, problems.items
    finally:
        if loader is not None:
            loader.dispose()


def _text(value: object, where: int, name: str, problems: _Problems, *, required: bool, limit: int) -> str:
    """Validate an optional or required text field and return it stripped."""
    if value is None:
        if required:
            problems.add(where, f"'{name}' is required")
        return ""
    if not isinstance(value, str):
        problems.add(where, f"'{name}' must be text")
        return ""
    if required and not value.strip():
        problems.add(where, f"'{name}' must not be empty")
    if len(value) > limit:
        problems.add(where, f"'{name}' is longer than {limit} characters")
    return value.strip()


def _unknown_keys(mapping: _Located, allowed: set[str] | frozenset[str], what: str, problems: _Problems) -> None:
    """Report keys the format does not know (often a typo)."""
    for key in mapping:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            problems.add(mapping.key_lines[key], f"unknown {what} key '{key}' (known: {known})")


def _poll(raw: object, line: int, problems: _Problems) -> Poll | None:
    """Validate one poll mapping."""
    if not isinstance(raw, _Located):
        problems.add(line, "'poll' must be a mapping")
        return None
    lines = raw.key_lines
    before = len(problems.items)
    poll_id = raw.get("id")
    if not isinstance(poll_id, str) or not POLL_ID_PATTERN.fullmatch(poll_id):
        problems.add(lines.get("id", raw.line), "poll 'id' must be 1-40 of a-z, 0-9, '_' or '-'")
        poll_id = ""
    type_name = raw.get("type")
    kind = POLL_TYPES.get(type_name) if isinstance(type_name, str) else None
    if kind is None:
        problems.add(lines.get("type", raw.line), f"poll 'type' must be one of {', '.join(POLL_TYPES)}")
        return None
    _unknown_keys(raw, kind.deck_keys | {"id", "type", "question", "results_visible"}, "poll", problems)
    question = _text(raw.get("question"), lines.get("question", raw.line), "question", problems,
                     required=True, limit=200)
    visible = raw.get("results_visible", True)
    if not isinstance(visible, bool):
        problems.add(lines.get("results_visible", raw.line), "'results_visible' must be true or false")
        visible = True
    common = Common(id=poll_id, question=question, results_visible=visible)
    try:
        poll = kind.from_deck(raw, lambda key, message: problems.add(lines.get(key, raw.line), message), common)
    except DefinitionError:
        return None
    return None if len(problems.items) > before else poll


def _flag(mapping: _Located, key: str, problems: _Problems) -> bool | None:
    """An optional true/false key."""
    value = mapping.get(key)
    if value is not None and not isinstance(value, bool):
        problems.add(mapping.key_lines[key], f"'{key}' must be true or false")
        return None
    return value


def _images(raw: _Located, key: str, problems: _Problems, media: Path | None) -> None:
    """Check every picture a slide body shows: a file of the deck's folder, with alt text (`FILE:LINE` each)."""
    body = raw.get(key)
    if not isinstance(body, str) or "![" not in body:
        return
    lines = body.split("\n")
    start = raw.block_lines.get(key)
    for block, token in image_tokens(body):
        src = str(token.attrGet("src") or "")
        line = raw.key_lines[key]
        if start is not None and block.map:
            first, last = block.map
            offset = next((index for index in range(first, last) if src and src in lines[index]), first)
            line = start + offset
        alt = "".join(child.content for child in token.children or [])
        problem = reference_problem(src)
        if problem is not None:
            problems.add(line, problem)
            continue
        if not alt.strip():
            problems.add(line, f"image '{src}' needs alt text: ![what the picture shows]({src})")
        elif len(alt) > MAX_ALT_LENGTH:
            problems.add(line, f"image '{src}' has alt text longer than {MAX_ALT_LENGTH} characters")
        if media is not None:
            missing = file_problem(media / src)
            if missing == "not found":
                problems.add(line, f"image '{src}' not found in {media}")
            elif missing is not None:
                problems.add(line, f"image '{src}' {missing}")


def _resources(raw: object, line: int, problems: _Problems) -> Resources | None:
    """`resources:` as a list of short texts, or a mapping with a `title` and its `items`."""
    title, items, items_line = DEFAULT_RESOURCES_TITLE, raw, line
    if isinstance(raw, _Located):
        _unknown_keys(raw, RESOURCES_KEYS, "resources", problems)
        title = _text(raw.get("title"), raw.key_lines.get("title", line), "title", problems, required=False,
                      limit=80) or DEFAULT_RESOURCES_TITLE
        items, items_line = raw.get("items"), raw.key_lines.get("items", line)
    if not isinstance(items, _LocatedList) or not 1 <= len(items) <= MAX_RESOURCES:
        problems.add(items_line, f"'resources' must be a list of 1 to {MAX_RESOURCES} short texts "
                                 "(or a mapping with 'title' and 'items')")
        return None
    texts = []
    for item, item_line in zip(items, items.item_lines, strict=True):
        if not isinstance(item, str) or not item.strip():
            problems.add(item_line, "each resource must be a line of text")
        elif len(item) > 200:
            problems.add(item_line, "a resource is at most 200 characters")
        else:
            texts.append(" ".join(item.split()))
    return Resources(title=title, items=tuple(texts))


def _slide(raw: object, line: int, problems: _Problems, poll_ids: dict[str, int],
           media: Path | None = None) -> Slide | None:
    """Validate one slide mapping."""
    if not isinstance(raw, _Located):
        problems.add(line, "each slide must be a mapping with at least a 'title'")
        return None
    lines = raw.key_lines
    _unknown_keys(raw, SLIDE_KEYS, "slide", problems)
    title = _text(raw.get("title"), lines.get("title", raw.line), "title", problems, required=True, limit=120)
    kind = raw.get("kind", "content")
    if not isinstance(kind, str) or kind not in SLIDE_KINDS:
        problems.add(lines.get("kind", raw.line), f"slide 'kind' must be one of {', '.join(SLIDE_KINDS)}")
        kind = "content"
    body = _text(raw.get("body"), lines.get("body", raw.line), "body", problems, required=False,
                 limit=MAX_BODY_CHARS)
    notes = _text(raw.get("notes"), lines.get("notes", raw.line), "notes", problems, required=False,
                  limit=MAX_BODY_CHARS)
    if len(body) <= MAX_BODY_CHARS:  # a longer one is refused already: rendering 512 KB of "![" to look took 17 s
        _images(raw, "body", problems, media)
    poll = None
    if "poll" in raw:
        poll = _poll(raw["poll"], lines["poll"], problems)
        if poll is not None:
            if poll.id in poll_ids:
                problems.add(lines["poll"], f"poll id '{poll.id}' is already used on line {poll_ids[poll.id]}")
            poll_ids[poll.id] = lines["poll"]
        if kind == "join":
            problems.add(lines["poll"], "a join slide cannot hold a poll")
    timer = 0
    if "timer" in raw:
        try:
            timer = parse_duration(raw["timer"])
        except DurationError as error:
            problems.add(lines["timer"], str(error))
    qa = raw.get("qa", False)
    if not isinstance(qa, bool):
        problems.add(lines["qa"], "slide 'qa' must be true or false")
        qa = False
    return Slide(title=title, kind=kind, body=body, notes=notes, poll=poll, timer=timer, qa=qa,
                 phone=_flag(raw, "phone", problems))


def parse_deck(text: str, deck_id: str, filename: str, media: Path | None = None) -> Deck:
    """Validate deck text; raise DeckError listing every problem, so nothing is half-loaded.

    `media`: the deck's folder, where the pictures its slides show must be (None: their files are not
    checked, as for a live session's own copy of its deck).
    """
    data, parse_problems = parse_yaml(text, filename)
    problems = _Problems(filename)
    problems.items.extend(parse_problems)
    if parse_problems:
        raise DeckError(problems.items)
    if not isinstance(data, _Located):
        raise DeckError([f"{filename}:1: a deck must be a mapping with 'title' and 'slides'"])
    _unknown_keys(data, DECK_KEYS, "deck", problems)
    lines = data.key_lines
    title = _text(data.get("title"), lines.get("title", 1), "title", problems, required=True, limit=120)
    description = _text(data.get("description"), lines.get("description", 1), "description", problems,
                        required=False, limit=1000)
    lang = _lang(data.get("lang", DEFAULT_LANGUAGE), lines.get("lang", 1), problems)
    raw_slides = data.get("slides")
    slides: list[Slide] = []
    if not isinstance(raw_slides, _LocatedList) or not raw_slides:
        problems.add(lines.get("slides", 1), "'slides' must be a non-empty list")
    elif len(raw_slides) > MAX_SLIDES:
        problems.add(lines["slides"], f"a deck holds at most {MAX_SLIDES} slides")
    else:
        poll_ids: dict[str, int] = {}
        for raw, line in zip(raw_slides, raw_slides.item_lines, strict=True):
            slide = _slide(raw, line, problems, poll_ids, media)
            if slide is not None:
                slides.append(slide)
    phone_slides = _flag(data, "phone_slides", problems)
    resources = _resources(data["resources"], lines["resources"], problems) if "resources" in data else None
    reactions, reactions_on = _reactions(data.get("reactions", True), lines.get("reactions", 1), problems)
    if problems.items:
        raise DeckError(problems.items)
    return Deck(id=deck_id, title=title, description=description, slides=tuple(slides), source=text,
                phone_slides=bool(phone_slides), resources=resources, reactions=reactions, reactions_on=reactions_on,
                lang=lang)


def _lang(raw: object, line: int, problems: _Problems) -> str:
    """The deck's `lang:`, one of the interface languages we ship."""
    if raw not in LANGUAGES:
        problems.add(line, f"'lang' must be one of {', '.join(LANGUAGES)}, not {raw!r}")
        return DEFAULT_LANGUAGE
    return str(raw)


def _reactions(raw: object, line: int, problems: _Problems) -> tuple[tuple[str, ...], bool]:
    """The deck's `reactions:`: a list of emoji (on), true (the default set, on) or false (default set, off)."""
    if isinstance(raw, bool):
        return DEFAULT_REACTIONS, raw
    if not isinstance(raw, _LocatedList):
        problems.add(line, "'reactions' must be a list of emoji, or true or false")
        return DEFAULT_REACTIONS, True
    for index, message in set_problems(list(raw)):
        problems.add(raw.item_lines[index] if index >= 0 else line, message)
    return tuple(str(item) for item in raw), True


def deck_id_and_folder(path: Path) -> tuple[str, Path]:
    """A deck file's id and the folder its pictures sit in: `x.yaml` -> ("x", x/), `x/deck.yaml` -> ("x", x/)."""
    if path.name == FOLDER_DECK:
        return path.parent.name, path.parent
    return path.stem, path.parent / path.stem


def deck_text(data: bytes, errors: str = "strict") -> str:
    """A deck file's bytes as decks are read: UTF-8 (`errors` as `bytes.decode` takes it), universal newlines."""
    return data.decode("utf-8", errors).replace("\r\n", "\n").replace("\r", "\n")


def load_deck(path: Path) -> Deck:
    """Read and validate one deck file (a deck's own folder stands for its `deck.yaml`)."""
    if path.is_dir():
        path = path / FOLDER_DECK
    try:
        # Non-blocking: opening a FIFO planted in the decks directory would wait for a writer, holding the process.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)), "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise DeckError([f"{path}:1: not a regular file"])
            if info.st_size > MAX_DECK_BYTES:
                raise DeckError([f"{path}:1: the file is {info.st_size} bytes; a deck may be at most "
                                 f"{MAX_DECK_BYTES}"])
            data = file.read(MAX_DECK_BYTES + 1)
        text = deck_text(data)
    except UnicodeDecodeError as error:
        raise DeckError([f"{path}:1: the file is not UTF-8 text ({error.reason})"]) from error
    except OSError as error:
        raise DeckError([f"{path}:1: cannot read the file ({error.strerror})"]) from error
    deck_id, folder = deck_id_and_folder(path)
    return _parsed_once(text, deck_id, str(path), folder)


def _folder_version(folder: Path) -> tuple[tuple[str, int, int, int], ...]:
    """What changes when a picture in a deck's folder is added, replaced, edited in place or removed: each
    entry's name, inode, time and size (a folder holds at most 100 pictures); empty without a folder."""
    try:
        with os.scandir(folder) as entries:
            return tuple(sorted((entry.name, info.st_ino, info.st_mtime_ns, info.st_size)
                                for entry in entries for info in (entry.stat(follow_symlinks=False),)))
    except OSError:
        return ()


# Parsed decks by (file, SHA-256 of its text, its folder's version): the home page, the deck list and every session
# start read each deck from disk, so that an edit shows at once, and a deck unchanged since is not parsed again
# (25 ms for the bundled deck, 0.3 s for the fullest one, in the process that serves the rooms). Keyed by digest,
# not text, so 256 large decks cost their parsed form only.
_PARSED: OrderedDict[tuple[str, bytes, tuple[tuple[str, int, int, int], ...]], Deck] = OrderedDict()
_PARSED_LOCK = threading.Lock()
MAX_PARSED_DECKS = 256


def _parsed_once(text: str, deck_id: str, filename: str, folder: Path) -> Deck:
    """`parse_deck` of one version of a deck file and its pictures; a refused deck raises each time."""
    key = (filename, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), _folder_version(folder))
    with _PARSED_LOCK:
        deck = _PARSED.get(key)
        if deck is not None:
            _PARSED.move_to_end(key)
            return deck
    deck = parse_deck(text, deck_id, filename, folder)
    with _PARSED_LOCK:
        _PARSED[key] = deck
        while len(_PARSED) > MAX_PARSED_DECKS:
            _PARSED.popitem(last=False)
    return deck


def load_decks(directory: Path) -> tuple[dict[str, Deck], list[str]]:
    """Load every deck in a directory (`<id>.yaml`, or `<id>/deck.yaml` in its own folder); broken decks are
    left out and their problems returned."""
    decks: dict[str, Deck] = {}
    problems: list[str] = []
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob(f"*/{FOLDER_DECK}"))
    seen: dict[str, Path] = {}
    for path in files:
        deck_id = deck_id_and_folder(path)[0]
        if deck_id in seen:
            problems.append(f"{path}:1: deck id '{deck_id}' is already used by {seen[deck_id]}; this one is left out")
            continue
        seen[deck_id] = path
        try:
            decks[deck_id] = load_deck(path)
        except DeckError as error:
            problems.extend(error.problems)
    return decks, problems
