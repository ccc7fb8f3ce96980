"""The `/static/` route and its template helpers: fingerprinted URLs, compressed bodies, caching (see assets.py).

`url_for('static', filename=F)` gives `/static/F?v=<fingerprint>`; that exact URL is cached for a year
(`immutable`), any other (no or an old fingerprint) must be revalidated (`no-cache`, with an ETag).
`{{ module_script('js/page.js') }}` writes a page's module script (`{{ inline_script(F) }}`: a small script inline).
"""

from __future__ import annotations

import base64
import functools
import gzip
from pathlib import Path
from typing import cast
from urllib.parse import quote

from flask import Flask, Response, abort, current_app, g, request, url_for
from markupsafe import Markup

from .assets import BUNDLES, Asset, Assets, accepted, csp_hash
from .i18n import page_catalogue
from .jsmin import minify

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Scripts and styles ignore a CSP of their own; an SVG opened as a page may run nothing. (Short: on a slow
# link every response's headers count, and the pages' policy is 174 bytes.)
STATIC_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
# Pages smaller than this go as they are: the gzip header would eat most of the saving.
MIN_PAGE_TO_COMPRESS = 1024


def assets() -> Assets:
    """The app's static files."""
    return cast(Assets, current_app.extensions["workshop_assets"])


def install_static(app: Flask, root: Path) -> None:
    """Serve `root` at /static/ (the app must be made with static_folder=None) and fingerprint its URLs."""
    app.extensions["workshop_assets"] = Assets(root)
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static_file)
    app.url_defaults(_fingerprint)
    app.jinja_env.globals["module_script"] = module_script
    app.jinja_env.globals["inline_script"] = inline_script
    app.jinja_env.globals["inline_data"] = inline_data
    app.after_request(_compress_page)


def _fingerprint(endpoint: str, values: dict[str, object]) -> None:
    """Every `url_for('static', ...)` carries the file's fingerprint, unless it names one itself."""
    filename = values.get("filename")
    if endpoint == "static" and "v" not in values and isinstance(filename, str):
        asset = assets().get(filename)
        if asset is not None:
            values["v"] = asset.digest


def static_file(filename: str) -> Response:
    """A static file, compressed if the client takes it, cached for good only under its current fingerprint."""
    asset = assets().get(filename)
    if asset is None:
        abort(404)
    coding, body = asset.encoded(accepted(request.headers.get("Accept-Encoding", "")))
    # One ETag per representation: a cache must not answer a gzip request with the Brotli bytes.
    etag = f"{asset.digest}-{coding}" if coding else asset.digest
    headers = {"ETag": f'"{etag}"',
               "Cache-Control": IMMUTABLE if request.args.get("v") == asset.digest else REVALIDATE}
    # Only a document heeds a policy: an SVG (or HTML) opened on its own. Scripts and styles ignore it, and on a
    # slow link every byte of every response's headers counts.
    if not asset.mimetype.startswith(("text/javascript", "text/css")):
        headers["Content-Security-Policy"] = STATIC_POLICY
    if asset.compressible:
        headers["Vary"] = "Accept-Encoding"
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    if coding:
        headers["Content-Encoding"] = coding
    response = Response(body, content_type=asset.mimetype, headers=headers)
    response.content_length = len(body)
    return response


def _page_modules(entry: str) -> list[tuple[str, str, bytes]]:
    """(path, fingerprint, source) of every module a page's entry loads."""
    found = [(path, assets().get(path)) for path in assets().modules(entry)]
    return [(path, asset.digest, asset.body) for path, asset in found if asset is not None]


def module_script(entry: str) -> Markup:
    """A page's module with its messages: the page's catalogue (i18n.py), then its linked bundle, else an import
    map, a preload of each module and the entry module.

    The import map is inline, so its hash joins this response's CSP (security_headers in web.py).
    """
    messages = page_catalogue(entry, _page_modules)
    if assets().get(BUNDLES + entry) is not None:
        return messages + Markup('<script type="module" src="{}"></script>').format(
            url_for("static", filename=BUNDLES + entry))

    def url(path: str, digest: str | None) -> str:
        return url_for("static", filename=path, v=digest) if digest else url_for("static", filename=path).split("?")[0]

    import_map, urls = assets().import_map(entry, url)
    g.setdefault("workshop_script_hashes", []).append(csp_hash(import_map))
    lines = [messages + Markup('<script type="importmap">{}</script>').format(Markup(import_map))]
    lines += [Markup('<link rel="modulepreload" href="{}">').format(href) for href in urls]
    lines.append(Markup('<script type="module" src="{}"></script>').format(urls[-1]))
    return Markup("\n").join(lines)


def _inlined(path: str) -> Asset:
    """A static file a template inlines: a missing one is a bug in the template, not a 404."""
    asset = assets().get(path)
    if asset is None:
        raise FileNotFoundError(path)
    return asset


def inline_data(path: str) -> str:
    """A small static file as a `data:` URL (the favicon): a request and its headers saved on every first load."""
    asset = _inlined(path)
    return _data_url(asset.mimetype.split(";")[0], asset.body)


@functools.lru_cache(maxsize=16)
def _data_url(mimetype: str, body: bytes) -> str:
    # Made once per file version, not on every page a phone opens.
    if mimetype == "image/svg+xml":  # as text, which the page's gzip compresses well (base64 it does not)
        text = quote(body.decode("utf-8"), safe=" =:/.'")
        return f"data:{mimetype},{text}"
    return f"data:{mimetype};base64,{base64.b64encode(body).decode()}"


def inline_script(path: str) -> Markup:
    """A small classic script inlined into the page (no request of its own), allowed by its hash in the CSP."""
    script, digest = _inline_script(path, _inlined(path).body)
    g.setdefault("workshop_script_hashes", []).append(digest)
    return Markup("<script>{}</script>").format(Markup(script))


@functools.lru_cache(maxsize=16)
def _inline_script(path: str, body: bytes) -> tuple[str, str]:
    # Minified and hashed once per file version: every phone joining opens the page that inlines it.
    script = minify(body.decode())
    if "</" in script:
        raise ValueError(f"{path} cannot be inlined: it contains '</'")
    return script, csp_hash(script)


def _compress_page(response: Response) -> Response:
    """gzip an HTML page for clients that take it (pages are made per request, so this is too: a few KB)."""
    if (response.mimetype != "text/html" or response.status_code != 200 or response.direct_passthrough
            or "Content-Encoding" in response.headers):
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in accepted(request.headers.get("Accept-Encoding", "")):
        return response
    body = response.get_data()
    if len(body) >= MIN_PAGE_TO_COMPRESS:
        response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response
