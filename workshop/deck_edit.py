"""The deck editor's saves: plain-data decks merged into a deck's YAML, keeping its comments, key order and styles.

The editor sends a deck as JSON (title, description, slides with their fields). `update_deck_yaml` merges it
into the file's current text with ruamel.yaml's round-trip mode: keys keep their order and comments, values that
did not change are left as written (quotes, `|` blocks, flow lists), new keys go after the old ones, slides are
matched to the old ones by poll id or title (so reordering, inserting and deleting slides keep each slide's
own comments), and a multi-line text becomes a `|` block. The result is only text: `decks.parse_deck` (the
one validator, as `check-deck`) decides whether it may be saved.

`line_paths` maps the lines of YAML text back to where they are in the data (`slides[3].poll.options`), so a
problem that `parse_deck` reports on a line can be put next to the editor's field.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from .decks import parse_yaml, value_lines

_INT_KEY = re.compile(r"^-?[0-9]{1,9}$")
_PROBLEM = re.compile(r"^(?P<file>.*?):(?P<line>[0-9]+): (?P<message>.*)$", re.DOTALL)
_REQUIRED = re.compile(r"^'(?P<key>[a-z_]+)' (is required|must)")


def _yaml(text: str = "") -> YAML:
    """A round-trip YAML with the indentation the text already uses (2 / `- ` at 2 for a new deck)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-fold a long line the author wrote on one
    mapping, sequence, offset = 2, 4, 2
    if text.strip():
        try:
            _, indent, block_seq_indent = load_yaml_guess_indent(text)
            offset = block_seq_indent or 0
            sequence = indent or 2
            mapping = max(2, sequence - offset)
        except (YAMLError, ValueError, TypeError, AttributeError, AssertionError, RecursionError):
            pass  # not YAML ruamel.yaml reads (it asserts on `%YAML 1.3`): the default indentation
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def plain_deck(value: object) -> object:
    """A deck as JSON gives it, made fit for YAML: scale labels' keys back to whole numbers ("1" -> 1)."""
    if isinstance(value, Mapping):
        result: dict[object, object] = {}
        for key, item in value.items():
            if key == "labels" and isinstance(item, Mapping):
                result[key] = {int(k) if isinstance(k, str) and _INT_KEY.match(k) else k: plain_deck(v)
                               for k, v in item.items()}
            else:
                result[key] = plain_deck(item)
        return result
    if isinstance(value, list):
        return [plain_deck(item) for item in value]
    return value


def _fresh(value: object) -> Any:
    """A new value for the document: multi-line texts as `|` blocks, everything else as it is."""
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value if value.endswith("\n") else value + "\n")
    if isinstance(value, Mapping):
        fresh = CommentedMap()
        for key, item in value.items():
            fresh[key] = _fresh(item)
        return fresh
    if isinstance(value, list):
        return CommentedSeq(_fresh(item) for item in value)
    return value


def _same(old: object, new: object) -> bool:
    """Whether an old document value stands for the same data as a new plain one (ignoring styles)."""
    if isinstance(old, str) and isinstance(new, str):
        return old.rstrip("\n") == new.rstrip("\n")
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return old.keys() == new.keys() and all(_same(old[key], new[key]) for key in new)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return type(old) is type(new) and old == new


def _merge(old: Any, new: object) -> Any:
    """`new`'s data in `old`'s clothes: the old object changed in place where it can be, else a fresh one."""
    if _same(old, new):
        return old
    if isinstance(old, CommentedMap) and isinstance(new, Mapping):
        for key in [key for key in old if key not in new]:
            del old[key]
        for key, item in new.items():
            if key in old:
                old[key] = _merge(old[key], item)
            else:
                old[key] = _fresh(item)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        if any(isinstance(item, Mapping) for item in new):
            return _merge_items(old, new)
        return _merge_scalars(old, new)
    if isinstance(old, LiteralScalarString) and isinstance(new, str):
        return LiteralScalarString(new if new.endswith("\n") else new + "\n")
    if isinstance(old, ScalarString) and isinstance(new, str) and "\n" not in new:
        return type(old)(new)  # a quoted text stays quoted the same way
    return _fresh(new)


def _merge_scalars(old: CommentedSeq, new: list[object]) -> CommentedSeq:
    """A list of texts (options): changed in place, so its flow style and per-line comments stay."""
    for index, item in enumerate(new[:len(old)]):
        if not _same(old[index], item):
            old[index] = _fresh(item)
    del old[len(new):]
    for item in new[len(old):]:
        old.append(_fresh(item))
    return old


def _signature(item: object) -> str:
    """What identifies a slide across an edit: its poll's id, else its title."""
    if isinstance(item, Mapping):
        poll = item.get("poll")
        if isinstance(poll, Mapping) and isinstance(poll.get("id"), str):
            return f"poll:{poll['id']}"
        return f"title:{item.get('title')}"
    return f"value:{item!r}"


def _merge_items(old: CommentedSeq, new: list[object]) -> CommentedSeq:
    """Slides: each new one matched to an old one (same poll id or title, else the one in its place), merged into it;
    the old sequence's comments move with their items."""
    matcher = difflib.SequenceMatcher(a=[_signature(item) for item in old], b=[_signature(item) for item in new],
                                      autojunk=False)
    source: list[int | None] = [None] * len(new)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            for offset in range(min(a_end - a_start, b_end - b_start)):
                source[b_start + offset] = a_start + offset
    used = {index for index in source if index is not None}
    by_signature: dict[str, list[int]] = {}
    for index, item in enumerate(old):
        if index not in used:
            by_signature.setdefault(_signature(item), []).append(index)
    for position, item in enumerate(new):  # a moved slide: an unused old one with the same poll id or title
        candidates = by_signature.get(_signature(item))
        if source[position] is None and candidates:
            source[position] = candidates.pop(0)
    items = [_merge(old[index], item) if index is not None else _fresh(item) for index, item in zip(source, new,
                                                                                                      strict=True)]
    comments = {position: old.ca.items[index] for position, index in enumerate(source)
                if index is not None and index in old.ca.items}
    del old[:]
    old.ca.items.clear()
    old.extend(items)
    old.ca.items.update(comments)
    return old


def update_deck_yaml(text: str, new_data: Mapping[str, object]) -> str:
    """The deck `new_data` (plain data, as the editor sends it) as YAML, merged into `text` keeping its comments,
    key order and styles; a text that is empty or not a YAML mapping is replaced by a fresh rendering."""
    data = plain_deck(new_data)
    yaml = _yaml(text)
    document: Any = None
    if text.strip():
        try:
            document = yaml.load(text)
        except (YAMLError, AssertionError):  # ruamel.yaml asserts on a `%YAML 1.3` file put there by hand
            document = None
    merged = _merge(document, data) if isinstance(document, CommentedMap) else _fresh(data)
    out = io.StringIO()
    yaml.explicit_start = text.lstrip().startswith("---")
    yaml.dump(merged, out)
    return out.getvalue()


def retitled_yaml(text: str, title: str) -> str:
    """The deck's YAML with a new `title:` (a copy's), everything else as written: comments, order, quoting.

    ValueError for a text that is not a YAML mapping (the caller validates the result in any case)."""
    yaml = _yaml(text)
    try:
        document = yaml.load(text)
    except (YAMLError, AssertionError) as error:  # ruamel.yaml asserts on `%YAML 1.3`
        raise ValueError(f"the deck is not valid YAML ({error})") from error
    if not isinstance(document, CommentedMap):
        raise ValueError("a deck must be a mapping with 'title' and 'slides'")
    if "title" in document:
        document["title"] = _merge(document["title"], title)
    else:
        document.insert(0, "title", _fresh(title))
    out = io.StringIO()
    yaml.explicit_start = text.lstrip().startswith("---")
    yaml.dump(document, out)
    return out.getvalue()


def line_paths(text: str) -> dict[int, list[str]]:
    """1-based line -> the paths that start on it, outermost first (`slides[2]`, `slides[2].title`).

    Read as `parse_deck` reads the text (PyYAML, lines kept): no aliases, at most `MAX_YAML_VALUES` values, so a
    refused file costs no more here than it did there (ruamel.yaml, 4 times slower, took 30 s on a 512 KB file
    of tiny values and followed each alias anew, exponentially). A text it cannot read has no paths."""
    data, _ = parse_yaml(text, "deck.yaml")
    paths: dict[int, list[str]] = {}
    try:
        for line, path in value_lines(data):
            paths.setdefault(line, []).append(path)
    except RecursionError:
        return {}
    return paths


def path_for(paths: dict[int, list[str]], line: int, message: str) -> str:
    """The data path a problem on `line` belongs to: the deepest path starting there (a line inside a `|` block:
    the key above it); for "'KEY' is required" on a mapping's first line, that mapping's KEY."""
    candidates = paths.get(line)
    if not candidates:
        earlier = [number for number in paths if number < line]
        if not earlier:
            return ""
        candidates = paths[max(earlier)]
    required = _REQUIRED.match(message)
    if required:
        key = required["key"]
        for path in candidates:
            if path.endswith(f".{key}") or path == key:
                return path
        containers = [path for path in candidates if path.endswith("]")]
        if containers:
            return f"{containers[-1]}.{key}"
    return candidates[-1]


def problem_items(problems: Sequence[str], paths: dict[int, list[str]] | None = None) -> list[dict[str, object]]:
    """`FILE:LINE: message` strings (as `check-deck` prints them) as `{"line", "message"}` (and `"path"`)."""
    items: list[dict[str, object]] = []
    for problem in problems:
        match = _PROBLEM.match(problem)
        line, message = (int(match["line"]), match["message"]) if match else (1, problem)
        item: dict[str, object] = {"line": line, "message": message}
        if paths is not None:
            item["path"] = path_for(paths, line, message)
        items.append(item)
    return items
