"""SVGs whose <use> elements or markers would make every screen draw without end are refused; ordinary reuse is not."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from tests.pictures import GOOD_SVG
from workshop.config import PROJECT_ROOT
from workshop.media import svg_problem
from workshop.svg_cost import MAX_DRAWN, drawn_shapes

SVG_OPEN = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'width="400" height="300">')


def nested_uses(levels: int, copies: int = 10, attribute: str = "href") -> bytes:
    """Each level a group of `copies` uses of the level below: copies ** levels rectangles from a tiny file."""
    groups = ['<g id="l0">' + '<rect width="1" height="1"/>' * copies + "</g>"]
    for level in range(1, levels):
        groups.append(f'<g id="l{level}">' + f'<use {attribute}="#l{level - 1}"/>' * copies + "</g>")
    return (SVG_OPEN + "<defs>" + "".join(groups) + f'</defs><use {attribute}="#l{levels - 1}"/></svg>').encode()


def marker_on_a_long_path(shapes: int, points: int, by_style: bool = False) -> bytes:
    marker = '<marker id="m">' + '<rect width="1" height="1"/>' * shapes + "</marker>"
    d = "M0 0 " + " ".join(f"L{n} {n % 7}" for n in range(points))
    if by_style:
        return (SVG_OPEN + f"<style>path {{ marker-mid: url(#m); }}</style><defs>{marker}</defs>"
                f'<path d="{d}"/></svg>').encode()
    return (SVG_OPEN + f'<defs>{marker}</defs><path d="{d}" marker-mid="url(#m)"/></svg>').encode()


@pytest.mark.parametrize(("svg", "size"), [
    (nested_uses(6), "1.8 KB"),
    (nested_uses(6, attribute="xlink:href"), "the old xlink spelling"),
    (marker_on_a_long_path(1000, 10_000), "a marker on every point"),
    (marker_on_a_long_path(1000, 10_000, by_style=True), "a marker set by a stylesheet"),
])
def test_a_small_file_that_would_draw_without_end_is_refused(svg: bytes, size: str) -> None:
    problem = svg_problem(svg)
    assert problem is not None and "more than 100,000 shapes" in problem, size


def test_a_use_that_reaches_itself_is_refused() -> None:
    svg = (SVG_OPEN + '<g id="a"><rect width="1" height="1"/><use href="#a"/></g></svg>').encode()
    assert "more than 100,000 shapes" in (svg_problem(svg) or "")


@pytest.mark.parametrize("svg", [
    nested_uses(3),  # a thousand rectangles drawn through reuse: fine
    marker_on_a_long_path(3, 40),  # arrowheads on a few lines
    GOOD_SVG,
])
def test_ordinary_reuse_and_arrowheads_are_fine(svg: bytes) -> None:
    assert svg_problem(svg) is None
    assert drawn_shapes(ElementTree.fromstring(svg)) <= MAX_DRAWN


def test_the_estimate_counts_what_reuse_repeats() -> None:
    # Three levels of ten: 1,000 rectangles drawn, plus the groups and uses that hold them; the definitions count
    # once more (the estimate errs high), so about 2.6 times the rectangles.
    assert 1000 <= drawn_shapes(ElementTree.fromstring(nested_uses(3))) < 3000


def test_the_bundled_pictures_pass() -> None:
    for picture in sorted((PROJECT_ROOT / "decks").glob("*/*.svg")):
        assert svg_problem(picture.read_bytes()) is None, picture.name


def test_an_svg_nested_past_pythons_stack_is_refused_not_a_crash() -> None:
    depth = 5000
    svg = (SVG_OPEN + "<g>" * depth + "</g>" * depth + "</svg>").encode()
    problem = svg_problem(svg)
    assert problem is not None
