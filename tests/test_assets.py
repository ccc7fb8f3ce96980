"""Static files: fingerprinted URLs and their caching, compressed bodies, linked page modules, no traversal."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import brotli
import pytest
from flask import Response, g

from workshop.assets import Assets, accepted, csp_hash, link_modules, relative_imports, resolve
from workshop.config import PROJECT_ROOT
from workshop.cssmin import minify_css
from workshop.statics import IMMUTABLE, module_script
from workshop.web import security_headers

STATIC = PROJECT_ROOT / "static"


def fingerprinted(client, page: str, pattern: str) -> str:
    """The first URL on a page matching `pattern` (a regex on the path)."""
    html = client.get(page).get_data(as_text=True)
    match = re.search(rf'(?:src|href)="(/static/{pattern}\?v=[0-9a-f]{{12}})"', html)
    assert match, html
    return match.group(1)


def test_a_fingerprinted_url_is_cached_for_a_year_and_any_other_must_revalidate(client, started) -> None:
    url = fingerprinted(client, f"/j/{started['code']}", r"css/app\.css")
    current = client.get(url)
    assert current.status_code == 200 and current.headers["Cache-Control"] == IMMUTABLE
    # Stylesheets are served minified (workshop/cssmin.py).
    assert current.get_data() == minify_css((STATIC / "css" / "app.css").read_text(encoding="utf-8")).encode()
    for other in ("/static/css/app.css", "/static/css/app.css?v=000000000000", "/static/css/app.css?v="):
        response = client.get(other)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache", other
        assert response.headers["ETag"] == current.headers["ETag"]


def test_an_unchanged_file_is_not_sent_again(client) -> None:
    first = client.get("/static/favicon.svg", headers={"Accept-Encoding": "gzip"})
    again = client.get("/static/favicon.svg",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data() and again.headers["ETag"] == first.headers["ETag"]
    # Another representation's tag does not match: gzip bytes are no answer to a client without gzip.
    plain = client.get("/static/favicon.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert plain.status_code == 200 and plain.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize(("accept", "coding", "decode"), [
    ("gzip, deflate, br, zstd", "br", brotli.decompress),
    ("gzip, deflate", "gzip", gzip.decompress),
    ("br;q=0, gzip", "gzip", gzip.decompress),
    ("", None, bytes),
    ("identity", None, bytes),
])
def test_text_files_go_compressed_as_the_client_accepts(client, accept, coding, decode) -> None:
    response = client.get("/static/vendor/socket.io.min.js", headers={"Accept-Encoding": accept})
    body = response.get_data()
    assert response.headers.get("Content-Encoding") == coding
    assert decode(body) == (STATIC / "vendor" / "socket.io.min.js").read_bytes()
    assert int(response.headers["Content-Length"]) == len(body)
    assert "Accept-Encoding" in response.headers["Vary"] and "Cookie" not in response.headers["Vary"]
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    if coding:
        assert len(body) < len(decode(body)) / 3


def test_the_static_route_serves_only_files_under_static(client) -> None:
    for path in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml", "/static/js/..%2f..%2fpyproject.toml",
                 "/static/js/../../workshop/web.py", "/static//etc/passwd", "/static/js", "/static/js/",
                 "/static/.gitignore", "/static/js/%5c..%5c..%5cpyproject.toml", "/static/nothing.js",
                 "/static/bundle/js/nothing.js", "/static/bundle/../pyproject.toml"):
        assert client.get(path, follow_redirects=True).status_code == 404, path  # (werkzeug folds "//")
    assets = Assets(STATIC)
    for path in ("../pyproject.toml", "/etc/passwd", "js/../../pyproject.toml", "js\\..\\x", "js/\0", ""):
        assert assets.get(path) is None, path


def test_pages_load_their_modules_as_one_linked_script(client, started) -> None:
    page = client.get(f"/j/{started['code']}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    html = gzip.decompress(page.get_data()).decode()
    plain = client.get(f"/j/{started['code']}")
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert started["code"] in html and "importmap" not in html
    # Its one inline script (the early WebSocket) is allowed by its hash, and nothing else inline is.
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(inline) == 1 and "WebSocket" in inline[0]
    script_src = page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert script_src.split() == ["'self'", csp_hash(inline[0])]
    assert "script-src 'self';" in client.get("/").headers["Content-Security-Policy"]
    url = fingerprinted(client, f"/j/{started['code']}", r"bundle/js/participant\.js")
    bundle = client.get(url).get_data(as_text=True)
    # Every module the page reaches is in it (a poll type's registration too), without its comments.
    for marker in ("joinSession", "createPhoneView", "tapControls", "register({", "WordCloud"):
        assert marker in bundle, marker
    assert "@param" not in bundle and not re.search(r"^\s*(import|export)\b", bundle, re.MULTILINE)
    assert len(bundle) < 0.6 * sum(len(Assets(STATIC).get(m).body) for m in Assets(STATIC).modules("js/participant.js"))


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_linked_modules_run_as_the_modules_would(tmp_path: Path) -> None:
    sources = {
        "js/a.js": "export const base = 40;\nexport function add(x) { return base + x; }\n",
        "js/b/c.js": "import { add as plus } from '../a.js';\nexport default plus(1);\nexport { plus };\n",
        "js/b/d.js": "export { plus as again } from './c.js';\n",
        "js/main.js": "import { add } from './a.js';\nimport './b/c.js';\nimport c from './b/c.js';\n"
                      "import { again } from './b/d.js';\nconsole.log(add(2), c, again(0));\n",
    }
    order = ["js/a.js", "js/b/c.js", "js/b/d.js", "js/main.js"]
    script = tmp_path / "bundle.mjs"
    script.write_text(link_modules(order, sources))
    assert subprocess.run(["node", str(script)], capture_output=True, text=True, check=True).stdout == "42 41 40\n"


def write(root: Path, files: dict[str, str]) -> Assets:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return Assets(root)


@pytest.mark.parametrize("files", [
    {"js/a.js": "import { b } from './b.js';\nexport const a = 1;\n", "js/b.js": "import { a } from './a.js';\n"},
    {"js/a.js": "import { b } from './b.js';\n", "js/b.js": "export let b = 1;\n"},
    {"js/a.js": "const m = import('./b.js');\n", "js/b.js": "export const b = 1;\n"},
    {"js/a.js": "import b from 'some-package';\n"},
])
def test_modules_the_linker_does_not_know_go_as_they_are_with_an_import_map(app, tmp_path, files) -> None:
    assets = write(tmp_path, files)
    assert assets.get("bundle/js/a.js") is None
    app.extensions["workshop_assets"] = assets
    with app.test_request_context("/"):
        markup = str(module_script("js/a.js"))
        import_map = re.search(r'<script type="importmap">(.*?)</script>', markup).group(1)
        digest = assets.get("js/a.js").digest
        assert f'"/static/js/a.js":"/static/js/a.js?v={digest}"' in import_map
        assert f'<link rel="modulepreload" href="/static/js/a.js?v={digest}">' in markup
        policy = security_headers(Response()).headers["Content-Security-Policy"]
        assert g.workshop_script_hashes[0] in policy.split("script-src")[1].split(";")[0]


def test_a_file_changed_on_disk_gets_a_new_fingerprint(tmp_path: Path) -> None:
    assets = write(tmp_path, {"js/a.js": "import { b } from './b.js';\n", "js/b.js": "export const b = 1;\n"})
    before, bundle = assets.get("js/b.js").digest, assets.get("bundle/js/a.js").digest
    (tmp_path / "js" / "b.js").write_text("export const b = 22;\n")
    assert assets.get("js/b.js").digest != before and assets.get("bundle/js/a.js").digest != bundle


def test_import_graph_and_header_parsing() -> None:
    source = ("/** @import { X } from './types.js' */\nimport {\n  a,\n  b as c,\n} from './a.js';\n"
              "import './side.js';\nexport { d } from \"../d.js\";\nconst s = 'import x from \"./no.js\"';\n")
    assert relative_imports(source) == ["./a.js", "./side.js", "../d.js"]
    assert resolve("js/polls/x.js", "../dom.js") == "js/dom.js" and resolve("js/x.js", "../../up.js") is None
    assert accepted("gzip;q=1.0, br;q=0, *;q=0.1") == {"gzip", "*"}
    assert "js/polls/ranking.js" in Assets(STATIC).modules("js/participant.js")


def test_only_static_documents_carry_a_policy_scripts_and_styles_spend_no_header_bytes_on_one(client) -> None:
    svg = client.get("/static/favicon.svg")
    assert svg.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    for path in ("/static/css/app.css", "/static/js/dom.js"):
        response = client.get(path)
        assert response.status_code == 200 and "Content-Security-Policy" not in response.headers, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in client.get("/").headers["Content-Security-Policy"]
