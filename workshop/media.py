"""Deck images: which files a slide may show, how a picture is checked, and the URL it is served under.

A deck's pictures sit in its own folder: `decks/<id>/` beside `decks/<id>.yaml`, or beside
`decks/<id>/deck.yaml`. A slide's Markdown names one by a plain file name (`![A seesaw](balance.svg)`);
nothing else is ever shown (no URLs, no paths, no hidden files). The URL carries the SHA-256 of the
file's bytes (`/decks/<id>/media/balance.svg?v=…`), so browsers keep a picture for good and a changed file
is fetched afresh. A session keeps its deck's YAML in Redis, not its pictures: a picture changed during a
session shows its new version from the next slide change on, and a removed one shows its alt text.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.parsers import expat

from .image_size import image_size
from .svg_cost import MAX_DRAWN, drawn_shapes

IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".webp": "image/webp", ".gif": "image/gif"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# What a bitmap may state as its size: a 24-megapixel camera photo fits; a file claiming more would have every
# phone in the room set aside hundreds of megabytes (or gigabytes) to show it. Browsers also stop at 16,384 a side.
MAX_PIXELS = 25_000_000
MAX_SIDE = 16_384
MAX_ALT_LENGTH = 300
# One file name in the deck's folder: no path, no hidden file, no URL scheme.
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# What an SVG served from the app may not hold: script, embedded documents, event handlers, outside references.
_SVG_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video", "handler",
                           "listener", "animation"}
_SVG_LINK_ATTRIBUTES = {"href", "src"}
_CSS_OUTSIDE = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import|expression\(|image-set\(", re.IGNORECASE)
# The headers every picture is served with; an SVG also gets a policy of its own (it is a document).
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

ImageUrl = Callable[[str], str | None]
# How each bitmap type's files begin, so a renamed file of another kind is caught when the deck is checked.
_MAGIC: dict[str, Callable[[bytes], bool]] = {
    ".png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    ".jpg": lambda head: head.startswith(b"\xff\xd8\xff"),
    ".jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    ".gif": lambda head: head.startswith((b"GIF87a", b"GIF89a")),
    ".webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}


def reference_problem(src: str) -> str | None:
    """Why a Markdown image reference cannot be a picture of the deck's folder, or None."""
    if "://" in src or src.startswith(("//", "data:", "mailto:")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", src):
        return f"image '{src}' must be a file in the deck's folder, not a URL"
    if src.startswith(("/", "\\")) or ".." in src.replace("\\", "/").split("/") or "/" in src or "\\" in src:
        return f"image '{src}' must be a file name in the deck's folder, without a path"
    if src.startswith("."):
        return f"image '{src}' is a hidden file"
    if not FILE_NAME.fullmatch(src):  # `match` would take a final newline
        return f"image '{src}' must be a file name of letters, digits, '.', '_' or '-'"
    if Path(src).suffix.lower() not in IMAGE_TYPES:
        return f"image '{src}' must be one of {', '.join(sorted(IMAGE_TYPES))}"
    return None


class _Declaration(Exception):
    """A DOCTYPE or entity declaration met while reading an SVG (it stops the reading there)."""


def _declares(data: bytes) -> bool:
    """Whether the XML has a DOCTYPE or an entity declaration, in whatever encoding it is written: expat decodes
    it as the parser will (the bytes of "<!ENTITY" are not those letters in UTF-16)."""
    parser = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise _Declaration

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except _Declaration:
        return True
    except expat.ExpatError:
        return False  # not well-formed: ElementTree says so
    return False


def _css_escape(element: ElementTree.Element) -> bool:
    """Whether the element's CSS (a <style>'s text, its style or presentation attributes) holds a backslash: a CSS
    escape spells `url(` or `@import` without those letters. Namespaced attributes are a drawing program's notes
    (a Windows path in `inkscape:export-filename`), no CSS."""
    if _local(element.tag).lower() == "style" and element.text and "\\" in element.text:
        return True
    return any("\\" in value for name, value in element.attrib.items() if not name.startswith("{"))


def svg_problem(data: bytes) -> str | None:
    """Why an SVG may not be shown (script, embedded documents, event handlers, outside references), or None."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower() or _declares(data):
        return "holds a DOCTYPE or entity declarations"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        return f"is not well-formed XML ({error})"
    if _local(root.tag) != "svg":
        return "is not an SVG document"
    for element in root.iter():
        name = _local(element.tag).lower()
        if name in _SVG_FORBIDDEN_ELEMENTS:
            return f"holds a <{_local(element.tag)}> element"
        if name == "style" and element.text and _CSS_OUTSIDE.search(element.text):
            return "has a style that loads something from outside"
        if _css_escape(element):
            return "has a style with a CSS escape (\\), which could hide what it loads"
        for attribute, value in element.attrib.items():
            local = _local(attribute).lower()
            if local.startswith("on"):
                return f"has an event handler attribute '{_local(attribute)}'"
            if local in _SVG_LINK_ATTRIBUTES and not value.strip().startswith("#"):
                return f"refers to something outside the file ({_local(attribute)}=\"{value[:60]}\")"
            target = value.strip().lower().rsplit(":", 1)[-1]
            if local == "attributename" and (target.startswith("on") or target in _SVG_LINK_ATTRIBUTES):
                return f"animates '{value}', which could make a link or a handler"
            if local == "style" and _CSS_OUTSIDE.search(value):
                return "has a style that loads something from outside"
            if ("url(" in value.lower() or "image-set(" in value.lower()) and _CSS_OUTSIDE.search(value):
                return f"refers to something outside the file ({_local(attribute)})"
    try:
        drawn = drawn_shapes(root)
    except RecursionError:
        return "is nested too deeply to be drawn"
    if drawn > MAX_DRAWN:
        return (f"would make a browser draw more than {MAX_DRAWN:,} shapes (its <use> elements and markers repeat "
                "others), which freezes the screens that show it")
    return None


def _local(name: str) -> str:
    """An XML name without its namespace."""
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else ""


def content_problem(name: str, data: bytes, size: int | None = None) -> str | None:
    """Why these bytes cannot be the picture `name` (too large in bytes or pixels, a bad SVG, another kind of file
    than its name says), or None. When `size` (the whole file's) is past the limit, `data` may be just a start."""
    size = len(data) if size is None else size
    if size > MAX_IMAGE_BYTES:
        return f"is {size} bytes; a picture may be at most {MAX_IMAGE_BYTES}"
    suffix = Path(name).suffix.lower()
    if suffix == ".svg":
        return svg_problem(data)
    if suffix not in _MAGIC:
        return f"must be one of {', '.join(sorted(IMAGE_TYPES))}"
    if not _MAGIC[suffix](data[:16]):
        return f"is not a {IMAGE_TYPES[suffix].removeprefix('image/').upper()} file (its first bytes say otherwise)"
    return _pixels_problem(suffix, data)


def _pixels_problem(suffix: str, data: bytes) -> str | None:
    """Why the size a bitmap states is too large to show (or cannot be read), or None."""
    size = image_size(suffix, data)
    if size is None:
        return "does not state its width and height where a browser reads them (a damaged or unusual file); " \
               "save it again as PNG or JPEG"
    width, height = size
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        return (f"is {width}x{height} pixels; a picture may have at most {MAX_PIXELS // 1_000_000} million pixels "
                f"and {MAX_SIDE} on a side, or phones could not show it")
    return None


def file_problem(path: Path) -> str | None:
    """Why this picture file cannot be shown (missing, too large, a bad SVG), or None.

    Checked once per version of the file (its inode, time and size): every deck is read, with its pictures, on
    each home page and deck list, by the process that serves the live rooms, and a slide may show one 2 MB SVG
    many times."""
    try:
        if path.is_symlink() or not path.is_file():
            return "not found"
        info = path.stat()
        return _checked_file(str(path), info.st_ino, info.st_mtime_ns, info.st_size)
    except OSError as error:
        return f"cannot be read ({error.strerror})"


@lru_cache(maxsize=1024)
def _checked_file(path: str, inode: int, mtime_ns: int, size: int) -> str | None:
    """`file_problem` of one version of a file (the arguments after `path` only make the cache's key)."""
    name = Path(path).name
    if size > MAX_IMAGE_BYTES:
        return content_problem(name, b"", size)
    with open(path, "rb") as file:  # a JPEG states its size after its metadata, anywhere in the file
        return content_problem(name, file.read(MAX_IMAGE_BYTES + 1))


@dataclass(frozen=True)
class Picture:
    """A picture ready to serve."""

    data: bytes
    content_type: str
    digest: str  # the first 16 hex digits of its SHA-256: the `v` of its URL


class DeckMedia:
    """The pictures of the decks in one directory, checked and hashed once per version of each file."""

    def __init__(self, decks_dir: Path):
        self.decks_dir = decks_dir
        self._cache: dict[Path, tuple[tuple[int, int], Picture | None]] = {}

    def folder(self, deck_id: str) -> Path | None:
        """The deck's own folder, or None for an id that cannot name one."""
        if not FILE_NAME.fullmatch(deck_id):
            return None
        return self.decks_dir / deck_id

    def picture(self, deck_id: str, name: str) -> Picture | None:
        """The picture `name` of a deck, if it may be shown now."""
        folder = self.folder(deck_id)
        if folder is None or reference_problem(name) is not None:
            return None
        path = folder / name
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        picture = None
        if file_problem(path) is None:
            try:
                data = path.read_bytes()
            except OSError:
                return None
            picture = Picture(data, IMAGE_TYPES[path.suffix.lower()], hashlib.sha256(data).hexdigest()[:16])
        if len(self._cache) > 512:
            self._cache.clear()
        self._cache[path] = (key, picture)
        return picture

    def url_maker(self, deck_id: str) -> ImageUrl:
        """src -> the URL that serves it (with its hash), or None when there is no such picture now."""

        def url(src: str) -> str | None:
            picture = self.picture(deck_id, src)
            return None if picture is None else f"/decks/{deck_id}/media/{src}?v={picture.digest}"

        return url
