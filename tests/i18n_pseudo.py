"""A pseudo-translation for the tests: every message of the catalogue wrapped in ⟦…⟧, so a page in it shows at a
glance (and to a test, exactly) which text on it did not come from the catalogue."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from workshop.catalogues import po_path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "translations" / "messages.pot"
OPEN, CLOSE = "\u27e6", "\u27e7"


def wrapped(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def write_pseudo_catalogue(directory: Path, lang: str) -> Path:
    """A translations directory (for WORKSHOP_TRANSLATIONS_DIR) whose `lang` is the pseudo-translation."""
    with TEMPLATE.open("rb") as file:
        template = read_po(file)
    catalog = Catalog(locale=lang, domain="messages")
    plural = get_plural(lang)
    # The English singular goes where `1` goes; every other form is the English plural.
    singular_form = gettext.c2py(plural.plural_expr)(1)
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular, many = message.id
            strings = tuple(wrapped(singular if form == singular_form else many)
                            for form in range(plural.num_plurals))
            catalog.add(message.id, strings, flags=message.flags)
        else:
            catalog.add(message.id, wrapped(message.id), flags=message.flags)
    path = po_path(directory, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog)
    return directory
