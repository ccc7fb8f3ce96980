"""Which interface language a request is answered in, and Flask-Babel wired to our catalogues."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel

from .config import PROJECT_ROOT
from .languages import DEFAULT_LANGUAGE, supported, text_direction

TRANSLATIONS = PROJECT_ROOT / "translations"


def use_language(lang: str) -> None:
    """Answer this request in `lang` (a session's pages: the deck's language or the phone's own choice)."""
    g.workshop_lang = supported(lang) or DEFAULT_LANGUAGE


def request_language() -> str:
    """The language of this request: one a view chose, else `?lang=`, else the browser's `Accept-Language`."""
    chosen = g.get("workshop_lang")
    if chosen:
        return str(chosen)
    asked = supported(request.args.get("lang"))
    if asked:
        return asked
    # In the browser's order of preference, regions ignored: `de-AT, en;q=0.5` is German (werkzeug's best_match
    # would take the exact `en` over the regional `de-AT`).
    for tag, _quality in request.accept_languages:
        found = supported(tag)
        if found:
            return found
    return DEFAULT_LANGUAGE


def install_i18n(app: Flask) -> None:
    """Flask-Babel with our catalogues and language choice; templates get `_`, `ngettext`, `page_lang`, `page_dir`."""
    Babel(app, locale_selector=request_language, default_translation_directories=str(TRANSLATIONS),
          default_domain="messages")

    @app.context_processor
    def language_of_page() -> dict[str, str]:
        lang = request_language()
        return {"page_lang": lang, "page_dir": text_direction(lang)}
