"""Logging, configured once: structured `key=value` lines on stderr, and an opt-in access log without
query strings, addresses or user agents (participants are anonymous; a log must not undo that)."""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ACCESS_LOGGER = "workshop.access"
# Defence in depth: whatever a message holds, secrets passed as `token=`/`key=`/`participant=` never reach a log.
_SECRETS = re.compile(r"(?i)\b(token|key|participant|sid|authorization)(=|:\s*|\"\s*:\s*\")([^\s&\"',;]+)")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class KeyValueFormatter(logging.Formatter):
    """One line per record: `time level logger msg=... key=value...`, easy to grep and to parse."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line, with secrets scrubbed."""
        message = _SECRETS.sub(r"\1\2[redacted]", record.getMessage())
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
        fields = [stamp, f"level={record.levelname.lower()}", f"logger={record.name}", f"msg={_quoted(message)}"]
        fields += [f"{name}={value}" for name, value in getattr(record, "fields", {}).items()]
        line = " ".join(fields)
        if record.exc_info:
            line += "\n" + _SECRETS.sub(r"\1\2[redacted]", self.formatException(record.exc_info))
        return line


def configure(level: str) -> None:
    """Send every logger's records at `level` or above to stderr as structured lines; call once at start."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that would log connection ids, addresses or payloads stay at warnings.
    for noisy in ("engineio", "socketio", "werkzeug", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


class AccessLog:
    """WSGI middleware: method, path without its query string, status, bytes and duration; nothing else."""

    def __init__(self, app: WSGIApplication):
        self.app = app
        self.log = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        status: list[str] = ["-"]

        def recording(code: str, headers: list[tuple[str, str]], *rest: Any) -> Callable[[bytes], object]:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, *rest)

        body = self.app(environ, recording)
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            # The server's WebSocket handler has run to the close by now, and returns a sentinel the server
            # compares by identity: pass it through untouched.
            self._write(environ, status[0] if status[0] != "-" else "101", 0, started)
            return body
        return self._finish(body, environ, status, started)

    def _finish(self, body: Iterable[bytes], environ: WSGIEnvironment, status: list[str],
                started: float) -> Iterator[bytes]:
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self._write(environ, status[0], size, started)

    def _write(self, environ: WSGIEnvironment, status: str, size: int, started: float) -> None:
        self.log.info("request", extra={"fields": {
            "method": environ.get("REQUEST_METHOD", "-"),
            # PATH_INFO only: query strings carry tokens, keys and Socket.IO session ids.
            "path": _quoted(str(environ.get("PATH_INFO", ""))[:200]),
            "status": status, "bytes": size, "ms": round(1000 * (time.monotonic() - started)),
        }})
