"""Render slide Markdown to HTML that a deck cannot use to inject markup or script."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # html=False escapes raw HTML in the source; markdown-it also refuses javascript:/data: links.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable("strikethrough")


def markdown_to_html(source: str) -> str:
    """Escaped HTML for a slide body."""
    return _renderer().render(source) if source else ""
