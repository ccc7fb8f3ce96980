"""How many shapes an SVG makes a browser draw, counting what `<use>` and markers repeat.

A file's size bounds its elements, but not its drawing: `<use>` draws another element again (and a `<use>`
of a group of `<use>`s multiplies: 1.8 KB, six levels of ten, froze Chromium for 33 s), and a marker is
drawn again at every point of every line that names it (1,000 shapes on a 10,000-point path: 12 s). The
estimate errs high where it cannot know (markers set from a stylesheet count on every line).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

# Above this many drawn shapes a picture is refused: a plain 2 MB SVG of 75,000 rectangles draws in about 1.3 s.
MAX_DRAWN = 100_000
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MARKER_PROPERTIES = ("marker-start", "marker-mid", "marker-end", "marker")
_LINES = {"path", "line", "polyline", "polygon"}
_HREF = re.compile(r"^\s*#(.+?)\s*$")


def _local(name: object) -> str:
    return name.rsplit("}", 1)[-1].lower() if isinstance(name, str) else ""


def _use_target(element: ElementTree.Element) -> str | None:
    for attribute, value in element.attrib.items():
        if _local(attribute) == "href":
            match = _HREF.match(value)
            return match.group(1) if match else None
    return None


def _points(element: ElementTree.Element) -> int:
    """How many vertices a line element has (numbers in its `d` or `points`, two to a point)."""
    data = element.get("d") or element.get("points") or ""
    return max(2, len(_NUMBER.findall(data)) // 2)


def _names_marker(element: ElementTree.Element) -> bool:
    if any(element.get(prop) for prop in _MARKER_PROPERTIES):
        return True
    return "marker" in (element.get("style") or "").lower()


def drawn_shapes(root: ElementTree.Element) -> int:
    """An upper estimate of the shapes drawing `root` takes; MAX_DRAWN + 1 as soon as it is past the limit or a
    `<use>` reaches itself."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    markers = [element for element in root.iter() if _local(element.tag) == "marker"]
    styles_set_markers = any(_local(element.tag) == "style" and "marker" in (element.text or "").lower()
                             for element in root.iter())
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(element: ElementTree.Element) -> int:
        key = id(element)
        if key in sizes:
            return sizes[key]
        if key in visiting:  # a `<use>` that reaches itself: browsers stop, but nothing good is drawn
            return MAX_DRAWN + 1
        visiting.add(key)
        total = 1
        for child in element:
            total += size(child)
            if total > MAX_DRAWN:
                break
        if _local(element.tag) == "use":
            target = by_id.get(_use_target(element) or "")
            if target is not None:
                total += size(target)
        visiting.discard(key)
        sizes[key] = min(total, MAX_DRAWN + 1)
        return sizes[key]

    total = size(root)
    if markers and total <= MAX_DRAWN:
        largest = max(size(marker) for marker in markers)
        for element in root.iter():
            if _local(element.tag) in _LINES and (styles_set_markers or _names_marker(element)):
                total += largest * _points(element)
                if total > MAX_DRAWN:
                    break
    return min(total, MAX_DRAWN + 1)
