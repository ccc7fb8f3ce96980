"""The JavaScript minifier leaves strings, template literals and regular expressions as they are."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from workshop.assets import Assets, link_modules
from workshop.config import PROJECT_ROOT
from workshop.cssmin import minify_css
from workshop.jsmin import minify

STATIC = PROJECT_ROOT / "static"
NODE = shutil.which("node")


def evaluate(script: str) -> str:
    """What a script prints in node."""
    assert NODE, "node is installed by scripts/test"
    return subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True, timeout=30).stdout


@pytest.mark.parametrize("script", [
    # A nested template literal keeps its spaces (rjsmin dropped the one before `${b}`).
    "const a = true, b = 'x';\nconsole.log(`${a ? 'Restart' : 'Start'}${b ? ` ${b}` : ' timer'}`);",
    "console.log(`line one\n    indented   line\n\n  after a blank`);",
    "console.log(`${`${`deep ${1 + 1}`}`}  end`, { a: `${'}'}` }.a);",
    "console.log('// not a comment', \"/* nor this */\", 'it\\'s');",
    "const re = /[`'\"]\\/\\/x/g; console.log('a`b\\'c\"//x'.replace(re, '-'));",
    "const x = 10, y = 2; console.log(x / y / 1, (x) / 5);",
    "function f() { return /ab+c/.test('abbc'); } console.log(f());",
    "console.log(1 +\n  2);  // trailing\n/* block\n comment */ console.log(3)\nconsole.log(4)",
    # Line breaks that automatic semicolon insertion reads stay; those after an opener or before `}` may go.
    "function g() {\n  return\n  1\n}\nconsole.log(g())",
    "let a = 1\nlet b = a\n++a\nconsole.log(a, b)",
    "const o = {}\nconst f = () => {\n  const v = [1,\n 2 , 3 ]\n  return v\n}\n"
    "console.log(o, f( ).length, ( f() )[ 2 ])",
    "const t = (x) => x\nconsole.log(`${ t( 'a' ) }${ { b: 1 }.b }`, - -1, 1 - -1)",
])
def test_minified_code_does_what_the_original_does(script: str) -> None:
    assert evaluate(minify(script)) == evaluate(script)


def test_comments_blank_lines_and_indentation_go() -> None:
    source = "/** Docs. */\nfunction f() {\n    // why\n\n    return 1;   /* inline */\n}\n"
    assert minify(source) == "function f() {return 1;}\n"


def test_every_module_and_every_page_bundle_still_parses() -> None:
    assert NODE
    assets = Assets(STATIC)
    modules = sorted(str(path.relative_to(STATIC)) for path in (STATIC / "js").rglob("*.js"))
    for module in modules:
        body = (STATIC / module).read_text(encoding="utf-8")
        checked = subprocess.run([NODE, "--input-type=module", "--check"], input=minify(body), text=True,
                                 capture_output=True, timeout=30)
        assert checked.returncode == 0, (module, checked.stderr)
    for page in ("participant", "presenter", "console", "home", "organiser"):
        members = assets.modules(f"js/{page}.js")
        sources = {path: (STATIC / path).read_text(encoding="utf-8") for path in members}
        bundle = minify(link_modules(members, sources))
        checked = subprocess.run([NODE, "--check"], input=bundle, text=True, capture_output=True, timeout=30)
        assert checked.returncode == 0, (page, checked.stderr)
        assert len(bundle) < 0.8 * len(link_modules(members, sources)), "comments and indentation went"


def test_css_loses_comments_and_spaces_but_keeps_strings_and_descendant_pseudo_classes() -> None:
    source = """/* Palette. */
.a ,  .b > .c {
  content: "two  spaces ; { kept }";
  margin: 0 auto ;
}
.d :focus { color: red; }
@media (max-width: 760px) {
  .e { width: calc(100% - 2rem); }
}
"""
    assert minify_css(source) == (
        '.a,.b>.c{content:"two  spaces ; { kept }";margin:0 auto}.d :focus{color:red}'
        "@media (max-width:760px){.e{width:calc(100% - 2rem)}}\n")


def test_every_stylesheet_keeps_its_rules_when_minified() -> None:
    """The same selectors in the same order, and the same declarations, as a browser would count them."""
    for sheet in sorted((STATIC / "css").glob("*.css")):
        source = sheet.read_text(encoding="utf-8")
        minified = minify_css(source)
        assert minified.count("{") == source.count("{") - comment_braces(source), sheet.name
        assert len(minified) < 0.9 * len(source), sheet.name


def comment_braces(source: str) -> int:
    """How many `{` sit inside comments (none of them survive minifying)."""
    import re

    return sum(comment.count("{") for comment in re.findall(r"/\*.*?\*/", source, flags=re.DOTALL))
