"""Which interface language a request is answered in, and Flask-Babel wired to our catalogues (catalogues.py).

Session pages choose for themselves (`use_language`): the phone and the presenter speak the deck's language,
and a phone may pick its own (`?lang=`, kept in a cookie of its join page's path). Every other page follows
`?lang=`, then the staff's own choice (a cookie set by that `?lang=`), then `Accept-Language`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

import flask_babel
from babel.dates import format_skeleton, format_time
from babel.numbers import format_decimal, format_percent
from flask import Flask, Response, current_app, g, request
from flask_babel import Babel, Domain, get_locale, refresh
from markupsafe import Markup

from .catalogues import Catalogue, Catalogues, js_messages
from .languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, supported, text_direction

# The staff pages' own choice of language (the language switch): a language code, nothing else.
STAFF_COOKIE = "workshop_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
# A phone's own choice for one join code: sent only to that join page (its path), kept for two days (a session
# ends within one by default). Only the language: nothing that tells one phone from another.
PHONE_COOKIE = "workshop_phone_lang"
PHONE_COOKIE_SECONDS = 48 * 3600


class CatalogueDomain(Domain):  # type: ignore[misc]  # flask_babel ships no types
    """Flask-Babel's message domain, answered from the catalogues compiled in memory (no `.mo` files)."""

    def __init__(self, catalogues: Catalogues):
        super().__init__()
        self.catalogues = catalogues

    def get_translations(self) -> object:
        from babel.support import NullTranslations

        return self.catalogues.translations(str(get_locale() or DEFAULT_LANGUAGE)) or NullTranslations()


def catalogues() -> Catalogues:
    """The app's compiled catalogues."""
    return current_app.extensions["workshop_catalogues"]  # type: ignore[no-any-return]


def gettext(text: str, **variables: object) -> str:
    """A message in this request's language (Flask-Babel's gettext, typed); `%(name)s` filled from `variables`."""
    return str(flask_babel.gettext(text, **variables))


def use_language(lang: str | None) -> None:
    """Answer this request in `lang` (a session's pages: the deck's language or the phone's own choice)."""
    g.workshop_lang = supported(lang) or DEFAULT_LANGUAGE
    refresh()  # a message translated earlier in this request must not pin the locale it was made in


def request_language() -> str:
    """This request's language: a view's choice, else `?lang=`, else the staff cookie, else `Accept-Language`."""
    chosen = g.get("workshop_lang")
    if chosen:
        return str(chosen)
    asked = supported(request.args.get("lang")) or supported(request.cookies.get(STAFF_COOKIE))
    if asked:
        return asked
    # In the browser's order of preference, regions ignored: `de-AT, en;q=0.5` is German (werkzeug's best_match
    # would take the exact `en` over the regional `de-AT`).
    for tag, _quality in request.accept_languages:
        found = supported(tag)
        if found:
            return found
    return DEFAULT_LANGUAGE


def phone_language() -> str | None:
    """The language this phone chose for its join page: `?lang=` (the phone's language menu), else its cookie."""
    return supported(request.args.get("lang")) or supported(request.cookies.get(PHONE_COOKIE))


def keep_phone_language(response: Response, path: str) -> None:
    """Keep a phone's `?lang=` for its join page's `path` (`/j/<code>` as the phone wrote the code: a typed
    `/j/abc-def` is the same page), so a reload or a reconnect stays in it."""
    asked = supported(request.args.get("lang"))
    if asked and request.cookies.get(PHONE_COOKIE) != asked:
        response.set_cookie(PHONE_COOKIE, asked, max_age=PHONE_COOKIE_SECONDS, path=path, httponly=True,
                            samesite="Lax", secure=request.is_secure)


def _keep_staff_choice(response: Response) -> Response:
    """A page opened with `?lang=` (the language switch) keeps that language for this browser's other pages.

    Not for session pages that chose for themselves: a phone's choice is its own (web.participant). The others
    say they vary with `Accept-Language`.
    """
    if "workshop_lang" not in g and response.mimetype == "text/html":
        response.vary.add("Accept-Language")  # its words may come from it: a cache must not give it to another
    asked = supported(request.args.get("lang"))
    if (asked and "workshop_lang" not in g and response.mimetype == "text/html"
            and request.cookies.get(STAFF_COOKIE) != asked):
        response.set_cookie(STAFF_COOKIE, asked, max_age=LANGUAGE_COOKIE_SECONDS, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def language_url(lang: str) -> str:
    """This page in another language: a link relative to the page, its query with `lang` replaced."""
    args = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    return "?" + urlencode([*args, ("lang", lang)])


def page_catalogue(entry: str, modules: Callable[[str], list[tuple[str, str, bytes]]]) -> Markup:
    """The page's messages for its ES modules, as `<script type="application/json" id="i18n">` (static/js/i18n.js).

    `modules(entry)` lists (path, fingerprint, source) of the modules the page loads. English pages get none:
    the msgids are the English text. A data block, so the page's script policy does not apply to it.
    """
    lang = request_language()
    catalogue = catalogues().get(lang)
    if catalogue is None:
        return Markup("")
    found = modules(entry)
    key = (lang, catalogue, tuple((path, digest) for path, digest, _source in found))
    block = _PAGE_BLOCKS.get(key)
    if block is None:
        msgids: dict[str, None] = {}
        for path, digest, source in found:
            msgids.update(dict.fromkeys(_module_messages(path, digest, source)))
        messages = catalogue.browser(msgids)
        # "<" escaped: the JSON sits inside a <script> element.
        text = json.dumps({"lang": lang, "messages": messages}, ensure_ascii=False, separators=(",", ":"))
        block = Markup('<script type="application/json" id="i18n">{}</script>\n').format(
            Markup(text.replace("<", "\\u003c"))) if messages else Markup("")
        if len(_PAGE_BLOCKS) > 256:  # a page per language, and a new one only when a module or catalogue changes
            _PAGE_BLOCKS.clear()
        _PAGE_BLOCKS[key] = block
    return block


# Made once per page, language and version of its modules and catalogue; msgids once per version of a module.
_PAGE_BLOCKS: dict[tuple[str, Catalogue, tuple[tuple[str, str], ...]], Markup] = {}
_MODULE_MESSAGES: dict[tuple[str, str], tuple[str, ...]] = {}


def _module_messages(path: str, digest: str, source: bytes) -> tuple[str, ...]:
    """A module's msgids, extracted once per version of the file."""
    key = (path, digest)
    found = _MODULE_MESSAGES.get(key)
    if found is None:
        found = _MODULE_MESSAGES[key] = js_messages(source.decode("utf-8"))
    return found


# Dates, times and numbers as the page's language writes them (Babel's CLDR data); times in UTC, said so.

def _moment(iso: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_day(iso: object) -> str:
    """`2026-11-27` (or a time on it) as the page's language writes a date: "Nov 27, 2026", "27.11.2026"."""
    moment = _moment(iso)
    return format_skeleton("yMMMd", moment, locale=get_locale()) if moment else str(iso or "")


def format_clock(iso: object) -> str:
    """An ISO time as the page's language writes the time of day in UTC: "2:05 PM", "14:05"."""
    moment = _moment(iso)
    return format_time(moment, "short", tzinfo=UTC, locale=get_locale()) if moment else str(iso or "")


def format_when(iso: object) -> str:
    """An ISO time as a date and time of day in UTC, joined as the language joins them."""
    moment = _moment(iso)
    if moment is None:
        return str(iso or "")
    locale = get_locale()
    joined = str(locale.datetime_formats["medium"]) if locale else "{1}, {0}"
    return joined.replace("{1}", format_day(iso)).replace("{0}", format_clock(iso))


def format_number(value: object, pattern: str | None = None) -> str:
    """A count as the page's language writes it ("1,234", "1.234", "1 234"); `pattern` a CLDR number pattern."""
    try:
        return str(format_decimal(value, format=pattern, locale=get_locale()))  # type: ignore[arg-type]
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def format_mean(value: object) -> str:
    """A mean with at least one decimal ("3.5", "1.0", "2,25")."""
    return format_number(value, "#,##0.0##")


def format_share(percent: object) -> str:
    """A whole percentage (38) as the page's language writes it ("38%", "38 %")."""
    try:
        return str(format_percent(float(percent) / 100, locale=get_locale()))  # type: ignore[arg-type]
    except (TypeError, ValueError, ArithmeticError):
        return f"{percent}%"


def install_i18n(app: Flask, catalogues_: Catalogues) -> None:
    """Flask-Babel with our catalogues and language choice; templates get `_`, `ngettext`, `page_lang`,
    `page_dir`, `languages` (code and own name) and `language_url(code)`."""
    app.extensions["workshop_catalogues"] = catalogues_
    babel = Babel(app, locale_selector=request_language, default_domain="messages")
    babel.domain_instance = CatalogueDomain(catalogues_)
    app.after_request(_keep_staff_choice)
    app.jinja_env.filters.update(day=format_day, clock=format_clock, when=format_when, number=format_number,
                                 mean=format_mean, percent=format_share)

    @app.context_processor
    def language_of_page() -> dict[str, object]:
        lang = request_language()
        return {"page_lang": lang, "page_dir": text_direction(lang), "language_name": LANGUAGE_NAMES[lang],
                "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES], "language_url": language_url}
