"""The vendored browser client is the pinned npm release, so venues need no internet or CDN."""

from __future__ import annotations

import json

from workshop.config import PROJECT_ROOT


def test_vendored_socketio_client_matches_the_pinned_npm_package() -> None:
    pinned = json.loads((PROJECT_ROOT / "package.json").read_text())["dependencies"]["socket.io-client"]
    installed = PROJECT_ROOT / "node_modules" / "socket.io-client"
    assert json.loads((installed / "package.json").read_text())["version"] == pinned
    vendored = (PROJECT_ROOT / "static" / "vendor" / "socket.io.min.js").read_bytes()
    assert vendored == (installed / "dist" / "socket.io.min.js").read_bytes()
    assert f"Socket.IO v{pinned}".encode() in vendored[:200]
