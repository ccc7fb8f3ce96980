"""The interface's gettext catalogues: `.po` files compiled in memory, and each browser page's share of them.

Nothing is compiled ahead: `translations/<lang>/LC_MESSAGES/messages.po` is read when the server first needs that
language (and again when the file changes), compiled to a `.mo` in memory and loaded as Babel `Translations`, so
a fresh clone serves every language with no build step and no binary in the repository.

The browser gets the same catalogue: a page's JSON holds only the messages its ES modules use, found by the
same extractor and keywords as `pybabel extract` (babel.cfg), with plural forms keyed by CLDR category
(`Intl.PluralRules` in the browser), mapped from the `.po` file's `Plural-Forms` by sampling numbers.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .languages import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)

DOMAIN = "messages"
# The browser's translation functions (static/js/i18n.js), as `pybabel extract` reads them (babel.cfg).
JS_KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": None, "nt": (1, 2)}
JS_OPTIONS = {"parse_template_string": "true"}
# Numbers whose plural form is compared between gettext and CLDR: every small count, and the large round ones
# that some languages treat apart ("un million de réponses").
PLURAL_SAMPLES: tuple[int, ...] = (*range(0, 1001), *(k * 1_000_000 for k in range(1, 4)), 1_000_001)

# Placeholders: `%(name)s` (templates, Python) and `{name}` (browser modules).
PERCENT_NAMES = re.compile(r"%\((\w+)\)")
BRACE_NAMES = re.compile(r"\{(\w+)\}")

Message = str | tuple[str, ...]
BrowserMessage = str | dict[str, str]


class PluralMismatch(ValueError):
    """A catalogue's Plural-Forms and the language's CLDR rules disagree: one category would need two forms."""


def po_path(directory: Path, lang: str) -> Path:
    """Where a language's catalogue lives."""
    return directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def plural_categories(lang: str, plural_index: Callable[[int], int], forms: int) -> dict[str, int]:
    """Which gettext form index each CLDR plural category of `lang` uses, checked on every sample number.

    Raises PluralMismatch unless categories and the catalogue's `forms` match one to one (a wrong `Plural-Forms`
    header): the browser, which chooses by category, would show another form than the server for the same
    number, or a translator could not write a form the language needs.
    """
    rule = Locale.parse(lang).plural_form
    found: dict[str, int] = {}
    for number in PLURAL_SAMPLES:
        category, index = rule(number), plural_index(number)
        if found.setdefault(category, index) != index:
            raise PluralMismatch(f"{lang}: {number} is CLDR '{category}', gettext form {index}, but "
                                 f"another '{category}' number has form {found[category]}")
    if len(set(found.values())) != len(found) or len(found) != forms:
        raise PluralMismatch(f"{lang}: Plural-Forms has {forms} forms for the CLDR categories {found}: "
                             "they must match one to one")
    return found


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per compiled file
class Catalogue:
    """One language's compiled catalogue."""

    lang: str
    translations: Translations
    # Translated messages only: msgid -> text, or the singular msgid -> its plural forms by gettext index.
    messages: dict[str, Message]
    categories: dict[str, int]  # CLDR plural category -> gettext form index

    def browser(self, msgids: Iterable[str]) -> dict[str, BrowserMessage]:
        """These messages as a page's JSON carries them: text, or plural forms by CLDR category; only translated
        ones, and a text equal to its msgid is left out (the browser shows the msgid anyway)."""
        out: dict[str, BrowserMessage] = {}
        for msgid in msgids:
            found = self.messages.get(msgid)
            if isinstance(found, str):
                if found != msgid:
                    out[msgid] = found
            elif found:
                out[msgid] = {category: found[index] for category, index in self.categories.items()
                              if index < len(found) and found[index]}
        return out


def fits(msgids: tuple[str, ...], text: str) -> bool:
    """Whether a translation can stand in for its message: it fills only the message's placeholders, and a
    `%(name)s` message's text formats (else the page would fail with a KeyError or show `{name}` as it is)."""
    names = {name for msgid in msgids for name in PERCENT_NAMES.findall(msgid)}
    if names:
        try:
            text % dict.fromkeys(names | ({"num"} if len(msgids) > 1 else set()), 0)  # ngettext gives `num`
        except (KeyError, ValueError, TypeError):
            return False
    return set(BRACE_NAMES.findall(text)) <= {name for msgid in msgids for name in BRACE_NAMES.findall(msgid)}


def drop_misfits(lang: str, catalog: Catalog) -> None:
    """Untranslate (English shows) every message whose translation does not fit it, and say which."""
    dropped = []
    for message in catalog:
        if not message.id:
            continue
        msgids = tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)
        strings = tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)
        if not all(fits(msgids, str(text)) for text in strings if text):
            message.string = tuple("" for _ in strings) if len(msgids) > 1 else ""
            dropped.append(msgids[0])
    if dropped:
        log.warning("%s: %d translations use placeholders their message lacks; shown in English: %s", lang,
                    len(dropped), "; ".join(dropped)[:500])


def compile_catalogue(lang: str, catalog: Catalog) -> Catalogue:
    """A parsed `.po` as gettext `Translations` (a `.mo` written in memory) and as the browser's messages."""
    drop_misfits(lang, catalog)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # untranslated and fuzzy entries are left out: they show the English msgid
    buffer.seek(0)
    translations = Translations(fp=buffer, domain=DOMAIN)
    messages: dict[str, Message] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            forms = tuple(str(form or "") for form in strings)
            if any(forms):
                messages[str(message.id[0])] = forms
        elif message.string:
            messages[str(message.id)] = str(message.string)
    plural_index = gettext.c2py(catalog.plural_expr)
    return Catalogue(lang, translations, messages, plural_categories(lang, plural_index, catalog.num_plurals))


def read_catalogue(path: Path, lang: str) -> Catalogue:
    """Read and compile one `.po` file."""
    with path.open("rb") as file:
        return compile_catalogue(lang, read_po(file, locale=lang, domain=DOMAIN))


def js_messages(source: str) -> tuple[str, ...]:
    """The msgids (singular ones for plurals) a browser module passes to `t` and `nt`, in order, once each."""
    found: dict[str, None] = {}
    for _line, message, _comments, _context in extract("javascript", io.BytesIO(source.encode("utf-8")),
                                                       keywords=JS_KEYWORDS, options=JS_OPTIONS):
        found[message[0] if isinstance(message, tuple) else message] = None
    return tuple(found)


@dataclass
class Catalogues:
    """Every language's catalogue from a translations directory, compiled on first use and again on change."""

    directory: Path
    _loaded: dict[str, tuple[tuple[int, int], Catalogue | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, lang: str) -> Catalogue | None:
        """The compiled catalogue of `lang`, or None (English, no `.po` file for it, or one that cannot be read:
        its pages show English, and the log says why, once per version of the file)."""
        if lang == DEFAULT_LANGUAGE:
            return None
        path = po_path(self.directory, lang)
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        kept = self._loaded.get(lang)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        with self._lock:
            catalogue: Catalogue | None
            try:
                catalogue = read_catalogue(path, lang)
            except (OSError, ValueError, LookupError, SyntaxError) as error:  # bad bytes, charset, Plural-Forms
                log.error("%s cannot be used, so %s pages show English until it is fixed: %s", path, lang, error)
                catalogue = None
            self._loaded[lang] = (stamp, catalogue)
        return catalogue

    def translations(self, lang: str) -> Translations | None:
        """What Flask-Babel's gettext calls use for `lang` (None: the messages as written)."""
        catalogue = self.get(lang)
        return catalogue.translations if catalogue else None
