"""Interface languages on the server: who gets which language, the catalogues compiled in memory, plural forms
that agree between gettext and the browser's CLDR categories, and each page's share of the catalogue."""

from __future__ import annotations

import gettext
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from tests.conftest import FACILITATOR_TOKEN, ORGANISER_TOKEN, app_config, key_of
from tests.i18n_pseudo import CLOSE, OPEN, write_pseudo_catalogue
from workshop import create_app
from workshop.catalogues import PLURAL_SAMPLES, js_messages, plural_categories, po_path, read_catalogue
from workshop.config import PROJECT_ROOT
from workshop.languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, RIGHT_TO_LEFT

TRANSLATIONS = PROJECT_ROOT / "translations"
FACILITATOR = {"Authorization": f"Bearer {FACILITATOR_TOKEN}"}
OTHERS = [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]
I18N_BLOCK = re.compile(r'<script type="application/json" id="i18n">(.*?)</script>')


def html_tag(text: str) -> str:
    return text.split(">", 2)[1].strip()


def page_messages(text: str) -> dict[str, Any]:
    """The catalogue a page carries for its modules (empty when it carries none)."""
    found = I18N_BLOCK.search(text)
    return json.loads(found.group(1)) if found else {}


@pytest.fixture
def decks_dir(tmp_path: Path) -> Path:
    """The bundled deck, and the same deck declared German (`lang: de`)."""
    directory = tmp_path / "decks"
    directory.mkdir()
    source = (PROJECT_ROOT / "decks" / "interdependence.yaml").read_text(encoding="utf-8")
    (directory / "interdependence.yaml").write_text(source, encoding="utf-8")
    german = re.sub(r"^lang: .*$", "lang: de", source, count=1, flags=re.MULTILINE)
    assert "lang: de" in german
    (directory / "deutsch.yaml").write_text(german, encoding="utf-8")
    for deck in ("interdependence", "deutsch"):  # their pictures
        shutil.copytree(PROJECT_ROOT / "decks" / "interdependence", directory / deck)
    return directory


@pytest.fixture
def pseudo_app(redis_url: str, tmp_path: Path, decks_dir: Path):
    """The app with the pseudo-translation as German (every message wrapped in ⟦…⟧)."""
    translations = write_pseudo_catalogue(tmp_path / "translations", "de")
    app = create_app(app_config(redis_url, tmp_path, DECKS_DIR=decks_dir, TRANSLATIONS_DIR=translations))
    yield app
    app.extensions["workshop_broadcaster"].stop()


@pytest.fixture
def web(pseudo_app):
    return pseudo_app.test_client()


def start(web, deck: str) -> dict[str, Any]:
    body = web.post("/api/sessions", json={"deck": deck}, headers=FACILITATOR).get_json()
    body["presenter_key"] = key_of(body["presenter_url"])
    body["facilitator_key"] = key_of(body["facilitator_url"])
    return body


# Who sees which language ----------------------------------------------------------------------------------

def test_phones_and_the_presenter_speak_the_decks_language_and_the_console_the_browsers(web) -> None:
    german = start(web, "deutsch")
    english = start(web, "interdependence")
    phone = web.get(f"/j/{german['code']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_tag(phone) == '<html lang="de" dir="ltr"' and f"{OPEN}Workshop{CLOSE}" in phone
    assert html_tag(web.get(f"/j/{english['code']}", headers={"Accept-Language": "de"}).get_data(as_text=True)) \
        == '<html lang="en" dir="ltr"'
    presenter = web.get(f"/s/{german['id']}/present?key={german['presenter_key']}", follow_redirects=True,
                        headers={"Accept-Language": "fr"})
    assert html_tag(presenter.get_data(as_text=True)) == '<html lang="de" dir="ltr"'
    console = web.get(f"/s/{german['id']}/console?key={german['facilitator_key']}", follow_redirects=True,
                      headers={"Accept-Language": "ar, de;q=0.5"})
    assert html_tag(console.get_data(as_text=True)) == '<html lang="ar" dir="rtl"'


def test_a_phone_picks_its_own_language_and_keeps_it_for_its_join_code_only(web) -> None:
    session = start(web, "deutsch")
    chosen = web.get(f"/j/{session['code']}?lang=ar")
    assert html_tag(chosen.get_data(as_text=True)) == '<html lang="ar" dir="rtl"'
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith("workshop_phone_lang=ar;") and f"Path=/j/{session['code']}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # A reload, the scanned QR code again: the same language, from the cookie of that page alone.
    again = web.get(f"/j/{session['code']}")
    assert html_tag(again.get_data(as_text=True)) == '<html lang="ar" dir="rtl"' and "Set-Cookie" not in again.headers
    other = start(web, "deutsch")
    assert html_tag(web.get(f"/j/{other['code']}").get_data(as_text=True)) == '<html lang="de" dir="ltr"'
    # Nothing else than a shipped language is kept.
    odd = web.get(f"/j/{session['code']}?lang=xx%3Bpath%3D%2F")
    assert "Set-Cookie" not in odd.headers
    # The slides keep the deck's language; the controls change.
    page = again.get_data(as_text=True)
    assert 'id="poll-question" class="poll-question" data-testid="poll-question" lang="de"' in page
    assert 'data-service-worker="/sw.js?lang=ar"' in page


def test_a_phone_that_typed_its_code_by_hand_keeps_its_language_on_reload(web) -> None:
    """`/j/abc-def` is the same page as `/j/ABCDEF`; the choice is kept for the address the phone uses."""
    code = start(web, "deutsch")["code"]
    typed = f"/j/{code[:3].lower()}-{code[3:].lower()}"
    chosen = web.get(f"{typed}?lang=ar")
    assert f"Path={typed};" in chosen.headers["Set-Cookie"]
    assert html_tag(web.get(typed).get_data(as_text=True)) == '<html lang="ar" dir="rtl"'


def test_staff_pages_follow_accept_language_and_keep_a_choice_made_with_the_switch(web) -> None:
    arabic = web.get("/", headers={"Accept-Language": "ar"})
    assert html_tag(arabic.get_data(as_text=True)) == '<html lang="ar" dir="rtl"'
    assert "Accept-Language" in arabic.vary  # a shared cache must not hand the Arabic page to a German browser
    switched = web.get("/?lang=de", headers={"Accept-Language": "ar"})
    assert switched.headers["Set-Cookie"].startswith("workshop_lang=de;")
    assert html_tag(web.get("/organiser", headers={"Accept-Language": "ar"}).get_data(as_text=True)) \
        == '<html lang="de" dir="ltr"'
    # The switch lists every language by its own name and links to this page in it, other parameters kept.
    page = web.get("/?lang=fr&x=1").get_data(as_text=True)
    for code, name in LANGUAGE_NAMES.items():
        assert f'<a href="?x=1&amp;lang={code}" lang="{code}"' in page and f">{name}</a>" in page


def test_dates_and_numbers_are_written_the_languages_way(web, pseudo_app) -> None:
    start(web, "deutsch")
    organiser = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
    english = web.get("/organiser?lang=en", headers=organiser).get_data(as_text=True)
    german = web.get("/organiser?lang=de", headers=organiser).get_data(as_text=True)
    when_en = re.search(r"<time [^>]*>(.*?)</time>", english).group(1)  # type: ignore[union-attr]
    when_de = re.search(r"<time [^>]*>(.*?)</time>", german).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M UTC", when_en), when_en
    assert re.fullmatch(rf"{OPEN}\d{{1,2}}\. [A-Z][a-z]+\.? \d{{4}}, \d\d:\d\d UTC{CLOSE}", when_de), when_de


def test_error_pages_speak_the_browsers_language(web) -> None:
    missing = web.get("/no/such/page", headers={"Accept-Language": "de"})
    assert missing.status_code == 404 and f"{OPEN}Not found{CLOSE}" in missing.get_data(as_text=True)
    assert f"{OPEN}There is no such session.{CLOSE}" in web.get(
        "/s/nosuch/console", headers={"Accept-Language": "de"}).get_data(as_text=True)
    wrong = web.get("/j/NOSUCH", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f"{OPEN}There is no live workshop with the code NOSUCH." in wrong


# The browser's share of the catalogue ---------------------------------------------------------------------

def test_a_page_carries_only_its_own_modules_messages(web) -> None:
    session = start(web, "deutsch")
    catalogue = page_messages(web.get(f"/j/{session['code']}").get_data(as_text=True))
    assert catalogue["lang"] == "de"
    messages = catalogue["messages"]
    assert messages["Submit"] == f"{OPEN}Submit{CLOSE}"
    assert messages["{n} vote"] == {"one": f"{OPEN}{{n}} vote{CLOSE}", "other": f"{OPEN}{{n}} votes{CLOSE}"}
    assert "Lock room" not in messages and "Keyboard shortcuts" not in messages, "console-only messages stay there"
    used: set[str] = set()
    assets = web.application.extensions["workshop_assets"]
    for path in assets.modules("js/participant.js"):
        used.update(js_messages(assets.get(path).body.decode()))
    assert set(messages) == used
    # "<" cannot end the data block early; the block is data, so the script policy needs no hash for it.
    assert "</" not in I18N_BLOCK.search(web.get(f"/j/{session['code']}").get_data(as_text=True)).group(1)


def test_both_deck_pages_carry_the_words_of_their_shared_server_module(web) -> None:
    """The library and the editor reach the server through one module (static/js/deck-api.js): its words are in
    both pages' catalogues, though neither page's own modules say them."""
    assets = web.application.extensions["workshop_assets"]
    shared = set(js_messages(assets.get("js/deck-api.js").body.decode()))
    assert any(msgid.startswith("Your facilitator sign-in is missing") for msgid in shared)
    for entry, url in (("js/decks/library.js", "/decks"), ("js/deck-editor.js", "/decks/deutsch/edit")):
        assert "js/deck-api.js" in assets.modules(entry)
        page = web.get(url, headers={**FACILITATOR, "Accept-Language": "de"}).get_data(as_text=True)
        messages = page_messages(page)["messages"]
        assert shared <= set(messages), url
        assert all(messages[msgid] == f"{OPEN}{msgid}{CLOSE}" for msgid in shared)


def test_english_pages_carry_no_catalogue(web) -> None:
    session = start(web, "interdependence")
    assert not page_messages(web.get(f"/j/{session['code']}").get_data(as_text=True))
    console = web.get(f"/s/{session['id']}/console?key={session['facilitator_key']}", follow_redirects=True)
    assert not page_messages(console.get_data(as_text=True))


def test_a_changed_catalogue_is_compiled_again_without_a_restart(web, pseudo_app, tmp_path) -> None:
    session = start(web, "deutsch")
    path = po_path(pseudo_app.extensions["workshop_catalogues"].directory, "de")
    with path.open("rb") as file:
        catalog = read_po(file, locale="de")
    catalog["Submit"].string = "Absenden"
    from babel.messages.pofile import write_po
    with path.open("wb") as file:
        write_po(file, catalog)
    assert page_messages(web.get(f"/j/{session['code']}").get_data(as_text=True))["messages"]["Submit"] == "Absenden"


@pytest.mark.parametrize("damage", [
    pytest.param(lambda text: text.replace("plural=(n != 1)", "plural=(n > 1)"), id="plural-forms-against-cldr"),
    pytest.param(lambda text: text.replace("plural=(n != 1)", "plural=(n !!= 1"), id="plural-forms-syntax"),
    pytest.param(lambda text: text.replace("charset=utf-8", "charset=nonsense-9"), id="unknown-charset"),
])
def test_a_broken_catalogue_leaves_its_pages_in_english_and_says_why(web, pseudo_app, caplog, damage) -> None:
    session = start(web, "deutsch")
    path = po_path(pseudo_app.extensions["workshop_catalogues"].directory, "de")
    text = path.read_text(encoding="utf-8")
    assert damage(text) != text
    path.write_text(damage(text), encoding="utf-8")
    phone = web.get(f"/j/{session['code']}")
    home = web.get("/", headers={"Accept-Language": "de"})
    assert phone.status_code == home.status_code == 200
    assert OPEN not in phone.get_data(as_text=True) + home.get_data(as_text=True)
    assert not page_messages(phone.get_data(as_text=True))
    assert [record for record in caplog.records if record.levelname == "ERROR" and str(path) in record.getMessage()]


def test_a_translation_with_a_placeholder_its_message_lacks_shows_english(web, pseudo_app, caplog) -> None:
    """A translator's `%(cod)s` would fail the page with a KeyError; a `{m}` would reach the phone as it is."""
    path = po_path(pseudo_app.extensions["workshop_catalogues"].directory, "de")
    with path.open("rb") as file:
        catalog = read_po(file, locale="de")
    wrong_code = "There is no live workshop with the code %(code)s. If you are joining, check the code on the " \
                 "screen and try again."
    catalog[wrong_code].string = "Kein Workshop mit dem Code %(cod)s."
    catalog["Slide {n} of {count}"].string = "Folie {n} von {m}"
    catalog["Submit"].string = "Absenden 100 %"  # no placeholder, so never formatted: kept
    from babel.messages.pofile import write_po
    with path.open("wb") as file:
        write_po(file, catalog)
    wrong = web.get("/j/NOSUCH", headers={"Accept-Language": "de"})
    assert wrong.status_code == 404
    assert "There is no live workshop with the code NOSUCH." in wrong.get_data(as_text=True)
    catalogue = pseudo_app.extensions["workshop_catalogues"].get("de")
    assert "Slide {n} of {count}" not in catalogue.browser(["Slide {n} of {count}"])
    assert catalogue.browser(["Submit"]) == {"Submit": "Absenden 100 %"}
    assert any("placeholders" in record.getMessage() for record in caplog.records)


# Plural forms ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", OTHERS)
def test_each_catalogues_plural_forms_pick_the_form_the_browsers_cldr_category_picks(lang: str) -> None:
    """For every n in 0..1000 (and the round millions some languages treat apart), the .po file's Plural-Forms
    index and the CLDR category that the browser's Intl.PluralRules gives choose the same form."""
    with po_path(TRANSLATIONS, lang).open("rb") as file:
        catalog = read_po(file, locale=lang)
    index = gettext.c2py(catalog.plural_expr)
    categories = plural_categories(lang, index, catalog.num_plurals)
    rule = Locale.parse(lang).plural_form
    assert set(categories) == set(rule.tags) | {"other"}, (lang, categories)
    assert catalog.num_plurals == len(set(categories.values()))
    for number in PLURAL_SAMPLES:
        assert index(number) == categories[rule(number)], (lang, number)
    if lang == "ar":
        assert catalog.num_plurals == 6 and categories == {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 4,
                                                           "other": 5}


def test_a_catalogue_whose_plural_forms_disagree_with_cldr_is_refused(tmp_path: Path) -> None:
    path = po_path(tmp_path, "ar")
    path.parent.mkdir(parents=True)
    # Two forms, as for English: 0 and 2 would then share a form that CLDR keeps apart.
    path.write_text('msgid ""\nmsgstr ""\n"Language: ar\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
                    '"Content-Type: text/plain; charset=utf-8\\n"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="CLDR"):
        read_catalogue(path, "ar")


def test_the_browser_gets_plural_forms_by_cldr_category(tmp_path: Path) -> None:
    catalogue = read_catalogue(po_path(write_pseudo_catalogue(tmp_path, "ar"), "ar"), "ar")
    forms = catalogue.browser(["{n} vote"])["{n} vote"]
    assert isinstance(forms, dict) and set(forms) == {"zero", "one", "two", "few", "many", "other"}
    assert forms["one"] == f"{OPEN}{{n}} vote{CLOSE}" and forms["few"] == f"{OPEN}{{n}} votes{CLOSE}"
    assert catalogue.translations.ngettext("{n} vote", "{n} votes", 1) == forms["one"]


def test_every_language_has_its_name_direction_and_catalogue() -> None:
    assert set(LANGUAGE_NAMES) == set(LANGUAGES) and DEFAULT_LANGUAGE in LANGUAGES
    assert {"ar"} == RIGHT_TO_LEFT
    for lang in OTHERS:
        assert po_path(TRANSLATIONS, lang).is_file(), f"no catalogue for {lang}: run scripts/i18n"


def test_a_phones_offline_page_is_kept_in_its_language(web) -> None:
    """The phone page registers /sw.js?lang=…; the worker precaches the offline page in that language."""
    worker = web.get("/sw.js?lang=ar").get_data(as_text=True)
    config = json.loads(re.search(r"^const OFFLINE = /\*\* @type .*? \*/ \((\{.*\})\);$", worker,  # type: ignore[union-attr]
                                  re.MULTILINE).group(1))
    assert config["page"] == "/offline?lang=ar"
    offline = web.get(config["page"], headers={"Accept-Language": "de"})
    assert html_tag(offline.get_data(as_text=True)) == '<html lang="ar" dir="rtl"'
    assert "Set-Cookie" not in offline.headers, "a phone's offline page is no staff choice"
    assert json.loads(re.search(r"^const OFFLINE = /\*\* @type .*? \*/ \((\{.*\})\);$",  # type: ignore[union-attr]
                                web.get("/sw.js").get_data(as_text=True), re.MULTILINE).group(1))["page"] == "/offline"
