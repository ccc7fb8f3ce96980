"""Render slide Markdown to HTML that a deck cannot use to inject markup or script."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from .media import reference_problem

ImageUrl = Callable[[str], str | None]


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # html=False escapes raw HTML in the source; markdown-it also refuses javascript:/data: links.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable("strikethrough")
    md.add_render_rule("image", _image)
    return md


def _image(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """A deck picture as a lazy <img> on this site; anything else (a URL, a missing file) as its alt text."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    src = str(token.attrGet("src") or "")
    image_url: ImageUrl | None = env.get("image_url")
    url = image_url(src) if image_url is not None and reference_problem(src) is None else None
    if url is None:
        return f'<span class="slide-image-missing">{escapeHtml(alt)}</span>'
    return f'<img class="slide-image" src="{escapeHtml(url)}" alt="{escapeHtml(alt)}" loading="lazy" decoding="async">'


def image_tokens(source: str) -> Iterator[tuple[Token, Token]]:
    """(its block, the picture) for each picture the Markdown shows, found by the renderer's own parser, so what
    is checked is what renders."""
    for block in _renderer().parse(source):
        if block.type == "inline" and block.children:
            for token in block.children:
                if token.type == "image":
                    yield block, token


def markdown_to_html(source: str, image_url: ImageUrl | None = None) -> str:
    """Escaped HTML for a slide body; `image_url` maps a picture's file name to its URL (None: not shown)."""
    return _renderer().render(source, {"image_url": image_url}) if source else ""
