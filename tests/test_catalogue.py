"""Nothing left behind: the catalogue holds every message the code marks and nothing it no longer does, every
language's `.po` file follows it, and the browser modules mark their messages in a form pybabel can read.

When one of these fails after a change of wording: run `scripts/i18n`, then commit translations/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po

from workshop.catalogues import JS_KEYWORDS, JS_OPTIONS, fits, po_path
from workshop.config import PROJECT_ROOT
from workshop.languages import DEFAULT_LANGUAGE, LANGUAGES

# The translators' step flips this to True: then every message must be translated (and none fuzzy) in every
# language, and tests/test_browser_i18n.py checks that no English is left on a translated page. Until then an
# untranslated message shows its English text.
REQUIRE_COMPLETE_TRANSLATIONS = True

TRANSLATIONS = PROJECT_ROOT / "translations"
OTHERS = [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]
PYBABEL = Path(sys.executable).with_name("pybabel")


def read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=lang)


def message_ids(catalog: Catalog) -> dict[str, object]:
    """msgid (the singular's for a plural) -> the whole id, of every message but the header."""
    return {(message.id[0] if isinstance(message.id, tuple | list) else message.id): message.id
            for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What `pybabel extract` finds in the code now, with babel.cfg (as scripts/i18n runs it)."""
    output = tmp_path_factory.mktemp("extract") / "messages.pot"
    subprocess.run([str(PYBABEL), "--quiet", "extract", "--mapping-file=babel.cfg", "--add-location=file",
                    '--ignore-dirs=.* ._ node_modules test-artifacts', f"--output-file={output}", "."],
                   cwd=PROJECT_ROOT, check=True, capture_output=True, text=True, timeout=120)
    return read(output)


def test_the_template_holds_every_marked_message_and_no_other(extracted: Catalog) -> None:
    now, kept = message_ids(extracted), message_ids(read(TRANSLATIONS / "messages.pot"))
    missing, stale = sorted(set(now) - set(kept)), sorted(set(kept) - set(now))
    assert not missing and not stale, f"run scripts/i18n: new {missing}, gone {stale}"
    changed = sorted(msgid for msgid in now if now[msgid] != kept[msgid])
    assert not changed, f"run scripts/i18n: plural forms changed for {changed}"
    assert len(now) > 300, "the extraction found the templates, the Python and the browser modules"


@pytest.mark.parametrize("lang", OTHERS)
def test_each_language_follows_the_template(extracted: Catalog, lang: str) -> None:
    path = po_path(TRANSLATIONS, lang)
    assert path.is_file(), f"no catalogue for {lang}: run scripts/i18n"
    catalog = read(path, lang)
    now, kept = message_ids(extracted), message_ids(catalog)
    missing, stale = sorted(set(now) - set(kept)), sorted(set(kept) - set(now))
    assert not missing and not stale, f"{lang}: run scripts/i18n: missing {missing}, gone {stale}"
    assert not catalog.obsolete, f"{lang}: obsolete entries left: {sorted(catalog.obsolete)}"
    assert catalog.locale is not None and str(catalog.locale) == lang
    if REQUIRE_COMPLETE_TRANSLATIONS:
        untranslated = [msgid for msgid, message in ((m.id, m) for m in catalog if m.id)
                        if message.fuzzy or not (all(message.string) if isinstance(message.string, tuple | list)
                                                 else message.string)]
        assert not untranslated, f"{lang}: not translated yet: {untranslated}"
    # The server drops a translation that does not fit its message (catalogues.fits), so the page would show
    # English without anyone noticing: none may be shipped.
    misfits = [message.id for message in catalog if message.id and not all(
        fits(tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,), str(text))
        for text in (message.string if isinstance(message.string, tuple | list) else (message.string,)) if text)]
    assert not misfits, f"{lang}: translations using placeholders their message lacks: {misfits}"


def test_scripts_i18n_check_agrees(tmp_path: Path) -> None:
    """The same check as a command, for the lint step (scripts/test runs it)."""
    done = subprocess.run(["scripts/i18n", "--check"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


def test_the_servers_javascript_keywords_are_babel_cfgs() -> None:
    """Each page's messages are found with the keywords pybabel uses (a drift would leave a page in English)."""
    config = ConfigParser()
    config.read(PROJECT_ROOT / "babel.cfg", encoding="utf-8")
    section = config["javascript: static/js/**.js"]
    assert parse_keywords(section["keywords"].split()) == JS_KEYWORDS
    assert {name: section[name] for name in JS_OPTIONS} == JS_OPTIONS


# What pybabel cannot read -----------------------------------------------------------------------------------

_CALL = re.compile(r"(?<![\w$.])(n?t)\(")


def _calls(source: str) -> list[tuple[int, str]]:
    """(line, argument text) of every `t(`/`nt(` call, strings and comments left as they are (a rough scan)."""
    found = []
    for match in _CALL.finditer(source):
        depth, i = 1, match.end()
        while i < len(source) and depth:
            char = source[i]
            if char in "'\"`":
                end = source.find(char, i + 1)
                while end > 0 and source[end - 1] == "\\":
                    end = source.find(char, end + 1)
                i = end if end > 0 else len(source)
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            i += 1
        found.append((source.count("\n", 0, match.start()) + 1, source[match.end():i - 1]))
    return found


JS_MODULES = sorted((PROJECT_ROOT / "static" / "js").rglob("*.js"))


@pytest.mark.parametrize("module", JS_MODULES, ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_browser_messages_are_literal_and_never_nested(module: Path) -> None:
    """`t('…')` with a literal first argument, and no `t`/`nt` inside another's arguments: pybabel finds neither
    a message built at run time nor the inner one of a nested call, and such a message would stay English."""
    if module.name == "i18n.js":
        return
    source = module.read_text(encoding="utf-8")
    for line, arguments in _calls(source):
        where = f"{module.relative_to(PROJECT_ROOT)}:{line}"
        assert re.match(r"\s*'[^']*'|\s*\"[^\"]*\"", arguments), f"{where}: the message is not a literal"
        assert not _CALL.search(re.sub(r"'[^']*'|\"[^\"]*\"", "", arguments)), f"{where}: a message inside a message"


def test_pybabel_reads_every_message_of_every_module(extracted: Catalog) -> None:
    """Each literal `t('…')` is in a fresh extract, located in its own module: pybabel's JavaScript lexer silently
    gives up on some syntax (a template string inside another), and every message after it would stay English."""
    located: dict[str, set[str]] = {}
    for message in extracted:
        if message.id:
            singular = message.id[0] if isinstance(message.id, tuple | list) else message.id
            located[singular] = {path for path, _line in message.locations}
    missed = []
    for module in JS_MODULES:
        if module.name == "i18n.js":
            continue
        path = str(module.relative_to(PROJECT_ROOT))
        for line, arguments in _calls(module.read_text(encoding="utf-8")):
            literal = re.match(r"\s*'([^']*)'|\s*\"([^\"]*)\"", arguments)
            if literal is None:
                continue  # test_browser_messages_are_literal_and_never_nested names it
            text = literal.group(1) if literal.group(1) is not None else literal.group(2)
            text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda escape: chr(int(escape.group(1), 16)), text)
            if path not in located.get(text, set()):
                missed.append(f"{path}:{line}: {text}")
    assert not missed, missed


def test_no_sentence_is_pieced_together_with_plural_rules_of_its_own() -> None:
    """Plurals come from the catalogue (`nt`, `ngettext`), not `n === 1 ? … : …` next to words."""
    offenders = []
    for module in JS_MODULES:
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"===? 1 \? '[^']*[A-Za-z]", line):
                offenders.append(f"{module.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    for template in (PROJECT_ROOT / "templates").glob("*.html"):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"== 1 else 's'", line):
                offenders.append(f"{template.name}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_pybabel_is_where_scripts_i18n_expects_it() -> None:
    assert PYBABEL.exists() or shutil.which("pybabel"), "pybabel comes with Babel (Flask-Babel's dependency)"
