"""Logging, configured once: structured `key=value` lines on stderr, and an opt-in access log without
query strings, addresses or user agents (participants are anonymous; a log must not undo that).

Every record goes through one handler, whatever wrote it (our code, engine.io, the eventlet or gevent WSGI
server): secrets, addresses, query strings and socket ids are scrubbed, control characters escaped (a logged
value can neither start a forged line nor send terminal escapes), and repeated warnings and errors are
rate-limited, so a flood of failing clients cannot fill the disk.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ACCESS_LOGGER = "workshop.access"
SERVER_LOGGER = "workshop.server"
# Libraries that would log connection ids, addresses or payloads: warnings and errors only, through our handler.
LIBRARY_LOGGERS = ("engineio", "engineio.server", "engineio.client", "socketio", "socketio.server",
                   "socketio.client", "geventwebsocket", "geventwebsocket.handler", "werkzeug", "urllib3")
# Records whose messages may carry socket ids or raw request lines.
_WIRE_LOGGERS = ("engineio", "socketio", "geventwebsocket", SERVER_LOGGER)

# Defence in depth: whatever a message holds, secrets passed as `token=`, `facilitator_key: `, `"presenter_key":
# "…"`, `sid=`, `Authorization: Bearer …` never reach a log. A name is its sensitive word, alone or as the last
# part of a snake- or kebab-case name.
_SECRET_NAME = r"(?:[a-z0-9]+[_-])*(?:token|key|participant|sid|secret|password|authorization)"
_SECRETS = re.compile(rf"(?i)(?<![a-z0-9])({_SECRET_NAME})(\"?\s*[=:]\s*\"?|'?\s*[=:]\s*'?)"
                      r"((?:bearer|basic)\s+)?([^\s&\"',;<>\\]+)")
_BEARER = re.compile(r"(?i)(?<![a-z0-9])(bearer\s+)([^\s&\"',;<>\\]+)")
# Random-looking runs (keys, tokens, socket ids): 16+ URL-safe characters mixing letters and digits or cases.
_RANDOM = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}"
                     r"(?![A-Za-z0-9_-])|(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])"
                     r"[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])")
_SOCKET_IDS = re.compile(r"(?i)\b(session|sid)(\s+)(?!is\b|for\b)[^\s,;:'\"()]+")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
# Only runs with `::` or a hex letter, so times like 10:42:07 stay.
_IPV6 = re.compile(r"(?i)(?<![\w:.])(?=[0-9a-f:.]*(?:::|[a-f]))(?:[0-9a-f]{0,4}:){2,7}[0-9a-f.]*(?![\w:])")
_QUERY = re.compile(r"(?<=[\w/.~%-])\?[^\s\"'<>]*")
# gevent's prefixes to its error lines: the client's socket and address.
_GEVENT_PREFIX = re.compile(r"<[^<>]*socket[^<>]*>:\s*|\(from \([^()]*\)\)\s*|\s*\(from \([^()]*\)\)")
# Control characters (C0, DEL, C1), and the invisible ones that reorder or split text on a terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BARE = re.compile(r"[A-Za-z0-9_.:-]+")


def _escape_control(text: str) -> str:
    """Every control character as a visible escape (`\\r`, `\\x1b`, `\\u202e`)."""
    def visible(match: re.Match[str]) -> str:
        char = match.group()
        return _ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")

    return _CONTROL.sub(visible, text)


def scrub(text: str, wire: bool = False) -> str:
    """Secrets, client addresses and query strings out of a text; socket ids and random-looking runs too for
    `wire` texts (the servers' and engine.io's, which quote request lines and sessions)."""
    text = _SECRETS.sub(r"\1\2\3[redacted]", text)
    text = _BEARER.sub(r"\1[redacted]", text)
    if wire:
        text = _GEVENT_PREFIX.sub("", text)
        text = _SOCKET_IDS.sub(r"\1\2[id]", text)
        text = _RANDOM.sub("[redacted]", text)
    text = _IPV4.sub("[address]", text)
    text = _IPV6.sub("[address]", text)
    return _QUERY.sub("", text)


def scrub_path(path: str) -> str:
    """A request path as logged: no query, secret-looking segments (`token=…`, long random runs) redacted."""
    return _RANDOM.sub("[redacted]", scrub(path.split("?", 1)[0]))


def _quoted(value: str) -> str:
    return '"' + _escape_control(value.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _value(value: object) -> str:
    """A field's value: numbers and plain words as they are, any other text scrubbed, escaped and quoted."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = scrub(str(value))
        return text if _BARE.fullmatch(text) else _quoted(text)
    return str(value)


class KeyValueFormatter(logging.Formatter):
    """One line per record: `time level logger msg=... key=value...`, easy to grep and to parse."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line (a traceback follows, indented), scrubbed and with control characters
        escaped."""
        wire = record.name.startswith(_WIRE_LOGGERS)
        message = scrub(record.getMessage(), wire)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
        fields = [stamp, f"level={record.levelname.lower()}", f"logger={record.name}", f"msg={_quoted(message)}"]
        fields += [f"{name}={_value(value)}" for name, value in getattr(record, "fields", {}).items()]
        line = " ".join(fields)
        details = [self.formatException(record.exc_info)] if record.exc_info else []
        if record.stack_info:
            details.append(self.formatStack(record.stack_info))
        for detail in details:
            # Indented, each line escaped: no line of a traceback can pass for a record of its own.
            line += "".join(f"\n    {_escape_control(scrub(part, wire))}" for part in detail.splitlines())
        return line


class RateLimit:
    """At most `per_message` warnings and errors per message template (and `overall` in all) per `window`
    seconds; past that, one line says so, and the next one after the window says how many were dropped."""

    def __init__(self, per_message: int = 10, overall: int = 100, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.per_message, self.overall, self.window, self.clock = per_message, overall, window, clock
        self._windows: dict[tuple[str, ...], list[float]] = {}  # key -> [start, count, dropped]

    def admit(self, key: tuple[str, ...]) -> tuple[bool, list[tuple[str, dict[str, object]]]]:
        """Whether to write a record with this key, and the notes to write first."""
        now = self.clock()
        if len(self._windows) > 1000:
            self._windows = {kept: state for kept, state in self._windows.items() if now - state[0] < self.window}
        notes: list[tuple[str, dict[str, object]]] = []
        verdicts = []
        for counted, limit in ((key, self.per_message), (("*",), self.overall)):
            if counted not in self._windows and len(self._windows) > 1000:
                counted = ("*",)  # too many distinct messages: they all share the overall limit
            state = self._windows.setdefault(counted, [now, 0, 0])
            if now - state[0] >= self.window:
                if state[2]:
                    notes.append(("dropped repeated log messages", {
                        "dropped": int(state[2]), "template": " ".join(counted), "seconds": round(now - state[0])}))
                state[:] = [now, 0, 0]
            state[1] += 1
            admitted = state[1] <= limit
            if not admitted:
                state[2] += 1
                if state[2] == 1:
                    notes.append(("dropping repeats of a log message for the rest of the window", {
                        "template": " ".join(counted), "limit": limit, "seconds": round(self.window)}))
            verdicts.append(admitted)
        return all(verdicts), notes


def _template(record: logging.LogRecord) -> str:
    """What repeats of one message share: its format string, without quoted text, numbers or ids."""
    text = scrub(str(record.msg), wire=True)
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|\d+", "…", text)
    return text[:120]


class Handler(logging.StreamHandler[TextIO]):
    """Our one handler: formats with KeyValueFormatter and rate-limits repeated warnings and errors."""

    def __init__(self, stream: TextIO, limit: RateLimit | None = None):
        super().__init__(stream)
        self.setFormatter(KeyValueFormatter())
        self.limit = limit or RateLimit()

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record unless its message has been repeated too often (called under the handler's lock)."""
        if record.levelno < logging.WARNING:
            super().emit(record)
            return
        admitted, notes = self.limit.admit((record.name, record.levelname.lower(), _template(record)))
        for message, fields in notes:
            super().emit(logging.makeLogRecord({
                "name": "workshop.logs", "levelno": logging.WARNING, "levelname": "WARNING", "msg": message,
                "fields": fields}))
        if admitted:
            super().emit(record)


def configure(level: str) -> None:
    """Send every logger's records at `level` or above to stderr as structured lines; call once at start."""
    handler = Handler(sys.stderr)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in LIBRARY_LOGGERS:
        # Set on each logger itself: engine.io adds its own unformatted StreamHandler to a logger whose level
        # is unset when the server is built.
        library = logging.getLogger(name)
        for old in list(library.handlers):
            library.removeHandler(old)
        library.propagate = True
        library.setLevel(max(logging.WARNING, root.level))


class ServerLog:
    """The WSGI server's own log, into `workshop.server`: eventlet's `log=` (info/debug/error) and gevent's
    `error_log=` (write). Request lines lose their query strings and clients' addresses (the formatter's
    scrubbing); per-request lines stay at debug, errors are warnings."""

    def __init__(self) -> None:
        self.log = logging.getLogger(SERVER_LOGGER)

    def _write(self, level: int, message: str, args: tuple[object, ...]) -> None:
        self.log.log(level, message.rstrip("\n"), *args)

    def info(self, message: str, *args: object, **_: object) -> None:
        """eventlet: start-up, per-request lines (debug here), and tracebacks of failed requests (errors)."""
        self._write(logging.ERROR if message.startswith("Traceback") else logging.DEBUG, message, args)

    def debug(self, message: str, *args: object, **_: object) -> None:
        """eventlet: connections accepted, reset or timed out."""
        self._write(logging.DEBUG, message, args)

    def warning(self, message: str, *args: object, **_: object) -> None:
        """A bad request."""
        self._write(logging.WARNING, message, args)

    def error(self, message: str, *args: object, **_: object) -> None:
        """eventlet: errors reading a request."""
        self._write(logging.ERROR, message, args)

    def write(self, text: str) -> None:
        """gevent: bad requests (`error_log`, also the requests' `wsgi.errors`)."""
        if text.strip():
            self._write(logging.WARNING, text, ())

    def writelines(self, lines: Iterable[str]) -> None:
        """File-like, for `wsgi.errors`."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """File-like; nothing is buffered."""


def eventlet_server_options() -> dict[str, object]:
    """`eventlet.wsgi.server` arguments that route its logging into ours (call only under eventlet)."""
    import eventlet.wsgi

    server_log = ServerLog()

    class Protocol(eventlet.wsgi.HttpProtocol):  # type: ignore[misc]  # eventlet has no types
        """http.server's request handler writes bad requests to stderr with the client's address: not here."""

        def log_error(self, format: str, *args: object) -> None:
            server_log.warning(format, *args)

        def log_request(self, code: object = "-", size: object = "-") -> None:
            server_log.debug('"%s" %s %s', self.requestline, code, size)

        def log_message(self, format: str, *args: object) -> None:
            server_log.debug(format, *args)

    # log_output: eventlet's log (tracebacks of failed requests included) goes to `log`; its per-request lines
    # are debug records there. Our access log stays the opt-in one.
    return {"log": server_log, "log_output": True, "protocol": Protocol}


# A phone's pages carry its interface language's messages inline, so their exact size would tell a log reader
# which language a phone chose (a lone Arabic reader in a room): their sizes are logged in 64 KiB steps.
PHONE_PAGE_PREFIXES = ("/j/", "/offline")
PHONE_SIZE_STEP = 64 * 1024


def _logged_size(path: str, size: int) -> int:
    """The size to log: exact, except for phone pages (rounded up to a `PHONE_SIZE_STEP`)."""
    if path.startswith(PHONE_PAGE_PREFIXES) and size:
        return -(-size // PHONE_SIZE_STEP) * PHONE_SIZE_STEP
    return size


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
            "method": str(environ.get("REQUEST_METHOD", "-"))[:20],
            # PATH_INFO only: query strings carry tokens, keys and Socket.IO session ids.
            "path": scrub_path(str(environ.get("PATH_INFO", ""))[:200]),
            "status": status, "bytes": _logged_size(str(environ.get("PATH_INFO", "")), size),
            "ms": round(1000 * (time.monotonic() - started)),
        }})

