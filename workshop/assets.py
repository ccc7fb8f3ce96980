"""Static files as served: content fingerprints, compressed bodies made once, and the ES modules a page imports.

A file's URL carries its fingerprint (`/static/js/dom.js?v=<12 hex of SHA-256>`); only a request with the
current fingerprint may be cached for a year. Files are re-read when they change on disk.

A page's ES modules are linked into one minified script, `bundle/<entry>` (`link_modules`): on HTTP/1.1 a
browser opens six connections per host, so twenty modules cost four round trips on a slow link, and each
response pays its own headers and compresses alone. The linker is no bundler: it knows the import and export
forms these modules use and refuses anything else (cycles, `export let`, dynamic `import()`); then the page
falls back to the modules themselves, with an import map to their fingerprinted URLs (relative imports would
skip the fingerprint) and a preload of each.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import brotli

from .cssmin import minify_css
from .jsmin import minify

DIGEST_LENGTH = 12
BUNDLES = "bundle/"  # the static path prefix of linked modules: bundle/js/page.js is js/page.js and its imports

# What to compress: text. Images and fonts are compressed already, or tiny.
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".svg": "image/svg+xml", ".json": "application/json", ".map": "application/json",
         ".txt": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8"}
COMPRESSIBLE = frozenset(TYPES)
OTHER_TYPES = {".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2", ".webp": "image/webp"}

# Static imports and re-exports with a relative specifier: `import x from './a.js'`, `import './a.js'`,
# `export { y } from '../b.js'`, across lines. JSDoc's `@import` never starts a line, so it is not matched.
_IMPORT = re.compile(r"""^[ \t]*(?:import\s*|(?:import|export)\b[^;'"`]*?\bfrom\s*)(['"])(\.{1,2}/[^'"]+)\1""",
                     re.MULTILINE)


def digest(body: bytes) -> str:
    """A file's fingerprint: the start of its SHA-256, in hex."""
    return hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH]


def csp_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def relative_imports(source: str) -> list[str]:
    """The relative specifiers a module imports statically, in order."""
    return [match.group(2) for match in _IMPORT.finditer(source)]


def resolve(importer: str, specifier: str) -> str | None:
    """The static path a relative specifier of `importer` names, or None if it leaves the static root."""
    parts = importer.split("/")[:-1]
    for part in specifier.split("?")[0].split("#")[0].split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def accepted(accept_encoding: str) -> set[str]:
    """The content codings a request's Accept-Encoding allows (q > 0)."""
    codings = set()
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        quality = params.strip()
        if quality.startswith("q="):
            try:
                if float(quality[2:]) <= 0:
                    continue
            except ValueError:
                continue
        if name.strip():
            codings.add(name.strip())
    return codings


class CannotLink(Exception):
    """A module uses a form the linker does not know: serve the modules themselves."""


_STATEMENT = re.compile(
    r"""^(?:import\s*(?P<side>['"])(?P<side_spec>[^'"]+)(?P=side)"""
    r"""|import\s*(?:\{(?P<names>[^}]*)\}|(?P<default_name>[\w$]+)|\*\s*as\s+(?P<namespace>[\w$]+))"""
    r"""\s*from\s*(?P<q1>['"])(?P<spec>[^'"]+)(?P=q1)"""
    r"""|export\s*\{(?P<reexport>[^}]*)\}\s*from\s*(?P<q2>['"])(?P<re_spec>[^'"]+)(?P=q2)"""
    r"""|export\s*\{(?P<local>[^}]*)\}"""
    r"""|export\s+default\s+(?=(?P<default_decl>(?:async\s+)?function\b|class\b)?)"""
    r"""|export\s+(?=(?:async\s+function\*?|function\*?|class|const)\s+(?P<declared>[\w$]+)(?![\w$]))"""
    r""")[ \t]*;?""", re.MULTILINE)
# Checked on the rewritten module without comments (JSDoc says `import('./types.js')`): any import or export
# left is one the linker does not know, dynamic `import()` and `import.meta` included.
_ANY_MODULE_SYNTAX = re.compile(r"(?<![\w$.])(?:import|export)(?![\w$])")


def _pairs(names: str) -> list[tuple[str, str]]:
    """`a, b as c` -> [(a, a), (b, c)]: (name in the exporting module, name here)."""
    pairs = []
    for item in names.split(","):
        parts = item.split()
        if len(parts) == 1:
            pairs.append((parts[0], parts[0]))
        elif len(parts) == 3 and parts[1] == "as":
            pairs.append((parts[0], parts[2]))
        elif parts:
            raise CannotLink(f"import or export list item {item.strip()!r}")
    return pairs


def _link_module(path: str, source: str, module: Callable[[str], str]) -> str:
    """One module as a function scope returning its exports; `module(specifier)` names an imported one."""
    exports: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        if match["side_spec"]:
            module(match["side_spec"])
            return ""
        if match["default_name"]:
            return f"const {match['default_name']} = {module(match['spec'])}.default;"
        if match["namespace"]:
            return f"const {match['namespace']} = {module(match['spec'])};"
        if match["spec"]:
            names = ", ".join(here if there == here else f"{there}: {here}" for there, here in _pairs(match["names"]))
            return f"const {{ {names} }} = {module(match['spec'])};"
        if match["re_spec"]:
            exporter = module(match["re_spec"])
            exports.extend(f"{here}: {exporter}.{there}" for there, here in _pairs(match["reexport"]))
            return ""
        if match["local"] is not None:
            exports.extend(here if there == here else f"{here}: {there}" for there, here in _pairs(match["local"]))
            return ""
        if match["declared"]:
            exports.append(match["declared"])
            return ""
        if match["default_decl"]:
            raise CannotLink(f"{path}: export default of a declaration")
        exports.append("default: __default")
        return "const __default = "

    body = _STATEMENT.sub(rewrite, source)
    if _ANY_MODULE_SYNTAX.search(minify(body)):
        raise CannotLink(f"{path}: an import or export form the linker does not know")
    return f"(() => {{\n{body}\nreturn {{ {', '.join(exports)} }};\n}})()"


def link_modules(order: list[str], sources: dict[str, str]) -> str:
    """One script running `order`'s modules (dependencies first), each in its own function scope.

    An import becomes a `const` read of the exporting module's object. That is exact for exported functions,
    classes and consts, which never change; `export let` (a live binding) is refused.
    """
    index = {path: number for number, path in enumerate(order)}
    parts = []
    for path in order:
        def module(specifier: str, importer: str = path) -> str:
            target = resolve(importer, specifier) if specifier.startswith(".") else None
            if target not in index or index[target] >= index[importer]:
                raise CannotLink(f"{importer} imports {specifier} out of order (a cycle?)")
            return f"__m{index[target]}"

        parts.append(f"const __m{index[path]} = {_link_module(path, sources[path], module)};\n")
    return "".join(parts)


@dataclass
class Asset:
    """One static file as read from disk, with its compressed bodies made on first use."""

    path: str
    body: bytes
    mimetype: str
    stamp: tuple[int, int]  # (mtime_ns, size) when read: a change on disk means read it again
    digest: str = ""
    _encoded: dict[str, bytes] = field(default_factory=dict)
    _imports: list[str] | None = None

    def __post_init__(self) -> None:
        self.digest = digest(self.body)

    @property
    def compressible(self) -> bool:
        return Path(self.path).suffix in COMPRESSIBLE

    @property
    def imports(self) -> list[str]:
        """The relative specifiers this module imports (parsed once)."""
        if self._imports is None:
            self._imports = relative_imports(self.body.decode("utf-8", "replace"))
        return self._imports

    def encoded(self, codings: set[str]) -> tuple[str | None, bytes]:
        """The smallest body this client accepts: (Content-Encoding or None, bytes)."""
        if not self.compressible:
            return None, self.body
        if not self._encoded:
            # Once per file: Brotli at its best and gzip at 9 cost tens of milliseconds, never per request.
            self._encoded = {"br": brotli.compress(self.body, quality=11),
                             "gzip": gzip.compress(self.body, compresslevel=9, mtime=0)}
        for coding in ("br", "gzip"):
            if coding in codings and len(self._encoded[coding]) < len(self.body):
                return coding, self._encoded[coding]
        return None, self.body


class Assets:
    """The static directory: files by relative path, their fingerprints, and the module graph."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._files: dict[str, Asset] = {}
        self._refused: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def _safe_path(self, path: str) -> Path | None:
        """The file a URL path names inside the root, or None (traversal, hidden files, directories)."""
        if not path or "\\" in path or "\0" in path or path.startswith("/"):
            return None
        if any(part in ("", ".", "..") or part.startswith(".") for part in path.split("/")):
            return None
        candidate = (self.root / path).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def get(self, path: str) -> Asset | None:
        """The file at `path` (relative to the root, "/"-separated) as it is on disk now, or None."""
        if path.startswith(BUNDLES):
            return self.bundle(path.removeprefix(BUNDLES))
        asset = self._files.get(path)
        # A path served before was checked then: only see whether it changed (resolving costs a lstat a part).
        file = self.root / path if asset is not None else self._safe_path(path)
        if file is None:
            return None
        try:
            stat = file.stat()
        except OSError:  # deleted since
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if asset is None or asset.stamp != stamp:
            suffix = file.suffix.lower()
            mimetype = TYPES.get(suffix) or OTHER_TYPES.get(suffix) or "application/octet-stream"
            body = file.read_bytes()
            if suffix == ".css":  # served minified: a phone's first load is counted in bytes
                body = minify_css(body.decode("utf-8")).encode()
            asset = Asset(path, body, mimetype, stamp)
            with self._lock:
                self._files[path] = asset
        return asset

    def modules(self, entry: str) -> list[str]:
        """Every module `entry` reaches through static relative imports, dependencies first, entry last."""
        order: list[str] = []
        seen: set[str] = set()

        def visit(path: str) -> None:
            seen.add(path)
            asset = self.get(path)
            if asset is None:
                return
            for specifier in asset.imports:
                target = resolve(path, specifier)
                if target is not None and target not in seen:
                    visit(target)
            order.append(path)

        visit(entry)
        return order

    def bundle(self, entry: str) -> Asset | None:
        """`entry` and the modules it imports as one minified script; None if the linker cannot join them."""
        if not entry.endswith(".js") or self._safe_path(entry) is None:
            return None
        members = [(path, self.get(path)) for path in self.modules(entry)]
        # Which versions of its modules a bundle was made from (compared within this process only).
        stamp = (hash(tuple((path, asset.digest) for path, asset in members if asset)), 0)
        cached = self._files.get(BUNDLES + entry)
        if cached is not None and cached.stamp == stamp:
            return cached
        if self._refused.get(entry) == stamp:
            return None
        try:
            script = link_modules([path for path, _ in members],
                                  {path: asset.body.decode() for path, asset in members if asset})
        except CannotLink:
            self._refused[entry] = stamp  # not tried again on every page until a module changes
            return None
        asset = Asset(BUNDLES + entry, minify(script).encode(), TYPES[".js"], stamp)
        with self._lock:
            self._files[BUNDLES + entry] = asset
        return asset

    def import_map(self, entry: str, url: Callable[[str, str | None], str]) -> tuple[str, list[str]]:
        """The import map JSON for a page whose module is `entry`, and the fingerprinted module URLs.

        `url(path, digest)` builds a static URL: with digest None, the plain one a relative import resolves to.
        """
        imports: dict[str, str] = {}
        for path in self.modules(entry):
            asset = self.get(path)
            if asset is not None:
                imports[url(path, None)] = url(path, asset.digest)
        # "<" escaped: the JSON sits inside a <script> element.
        text = json.dumps({"imports": imports}, separators=(",", ":")).replace("<", "\\u003c")
        return text, list(imports.values())
