"""Guards below Socket.IO, where one client could otherwise hold up everyone: the WSGI server's accept loop,
the WebSocket reader and the long-polling body.

- Accept: a cap on simultaneous connections per client address (addresses in `uncapped`, loopback by default,
  are exempt, so the facilitator's own machine always gets in), and a reserve of the server's slots that only
  uncapped addresses may take. Refused connections are closed before they take a green thread.
- Requests: a read timeout on every socket until it becomes a WebSocket, so half-open requests and idle
  keep-alive connections are dropped after `request_timeout` seconds.
- WebSockets: a token bucket of bytes and of frames per connection, spent before a frame is parsed; a
  connection over budget is closed. The reader yields to other green threads before every frame, so a
  socket that always has data waiting cannot starve the rest of the server.
- Socket.IO: binary packets and frames are refused (the app never uses attachments), so nothing is
  buffered waiting for attachments that never end.
- WebSockets open without per-message compression (memory and CPU per phone; see `PlainWebSockets`).
- Long-polling: a POST body over `max_message_bytes` is answered 413 with the API's JSON error, chunked
  bodies included (read up to the limit, then handed on with a Content-Length).

`install_transport_guards` wires all but the accept loop into the app; `server_options` gives `workshop
serve` the WSGI server's options for that (eventlet: `custom_pool` and `socket_timeout`; gevent: `spawn`).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask
    from flask_socketio import SocketIO

    from .config import Settings

log = logging.getLogger(__name__)
EXTENSION = "workshop_transport"


# Socket.IO's BINARY_EVENT and BINARY_ACK packet types: the app takes no binary attachments.
BINARY_SOCKETIO_PACKETS = ("5", "6")


@dataclass(frozen=True)
class TransportLimits:
    """How much one connection, and one client address, may take of the server."""

    # The largest Socket.IO message, a long-polling POST body and a WebSocket frame (WORKSHOP_MAX_MESSAGE_BYTES).
    max_message_bytes: int = 16 * 1024
    # Per WebSocket, spent before parsing: a steady rate and a burst. A phone sends a few small frames a
    # minute; the app's own limit is WORKSHOP_EVENTS_PER_SECOND events (in bursts of twice that).
    websocket_bytes_per_second: int = 64 * 1024
    websocket_burst_bytes: int = 256 * 1024
    websocket_frames_per_second: int = 50
    websocket_burst_frames: int = 200
    # Seconds a client may leave a request (line, headers, body) or an idle keep-alive connection silent.
    # WebSockets then follow engine.io's ping interval and timeout.
    request_timeout: float = 10.0
    # Simultaneous connections from one address: a venue behind one NAT still gets in.
    connections_per_address: int = 2000
    # Simultaneous connections in all (WORKSHOP_MAX_CONNECTIONS), of which `reserved_connections` only
    # uncapped addresses may take.
    max_connections: int = 10000
    reserved_connections: int = 64
    # Networks exempt from the per-address cap, that may also take the reserve: this machine's own loopback
    # address, where the facilitator's browser runs.
    uncapped: tuple[str, ...] = ("127.0.0.1/32", "::1/128")

    @classmethod
    def from_settings(cls, settings: Settings) -> TransportLimits:
        """The limits for these settings: the message size and connection count are theirs, the rest defaults."""
        limits = cls(max_message_bytes=settings.max_message_bytes, max_connections=settings.max_connections,
                     connections_per_address=settings.connections_per_address,
                     request_timeout=float(settings.request_timeout_seconds))
        if settings.proxy_hops:
            # Behind a proxy every connection comes from the proxy's address: the per-address cap is the
            # proxy's job (HAProxy's stick table, the ingress's limit-connections), not ours.
            limits = dataclasses.replace(limits, uncapped=("0.0.0.0/0", "::/0"))
        return dataclasses.replace(limits, reserved_connections=min(limits.reserved_connections,
                                                                    limits.max_connections // 4))


# --- accept time: connections per address ---------------------------------------------------------------------

class Admission:
    """Counts open connections per client address and decides, at accept, who may have another."""

    def __init__(self, limits: TransportLimits):
        self.limits = limits
        self._networks = [ipaddress.ip_network(network, strict=False) for network in limits.uncapped]
        self.open: dict[str, int] = {}
        self.total = 0
        self.refused = 0

    @functools.lru_cache(maxsize=4096)  # noqa: B019  # one Admission per process, for its lifetime
    def _uncapped(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self._networks)

    def admit(self, peer: object) -> str | None:
        """The key to release later if a connection from `peer` (the accept's address) may open, else None."""
        host = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        if self._uncapped(host):
            if self.total >= self.limits.max_connections:
                return self._refuse(host)
        elif (self.open.get(host, 0) >= self.limits.connections_per_address
              or self.total >= self.limits.max_connections - self.limits.reserved_connections):
            return self._refuse(host)
        self.open[host] = self.open.get(host, 0) + 1
        self.total += 1
        return host

    def _refuse(self, host: str) -> str | None:
        self.refused += 1
        if self.refused in (1, 10, 100) or self.refused % 1000 == 0:
            log.warning("connections refused at accept", extra={"refused": self.refused, "open": self.total})
        return None

    def release(self, host: str) -> None:
        """A connection admitted under `host` has closed."""
        left = self.open.get(host, 0) - 1
        if left > 0:
            self.open[host] = left
        else:
            self.open.pop(host, None)
        self.total -= 1


class _GreenThread(Protocol):
    def link(self, func: Callable[..., object], *args: object) -> None: ...


class _GreenPool(Protocol):
    def spawn(self, function: Callable[..., object], *args: object) -> _GreenThread: ...
    def waitall(self) -> None: ...


class _Refused:
    """What the guarded pool returns for a refused connection: eventlet's server links its clean-up (which
    shuts the socket down and closes it) and that runs at once."""

    def link(self, func: Callable[..., object], *args: object) -> None:
        func(self, *args)


class AdmittingPool:
    """eventlet.wsgi.server's `custom_pool`: a GreenPool of `max_connections` that admits each accepted
    connection ([address, socket, state]) by its address before it takes a green thread."""

    def __init__(self, pool: _GreenPool, admission: Admission):
        self.pool = pool
        self.admission = admission

    def spawn(self, function: Callable[..., object], connection: list[object]) -> _GreenThread | _Refused:
        """Run the request handler for an admitted connection; refuse the rest (closed by the server)."""
        key = self.admission.admit(connection[0])
        if key is None:
            return _Refused()
        thread = self.pool.spawn(function, connection)
        thread.link(lambda *_: self.admission.release(key))
        return thread

    def waitall(self) -> None:
        """Wait for every connection to finish (the server's shutdown)."""
        self.pool.waitall()


class _Socket(Protocol):
    def settimeout(self, timeout: float | None) -> None: ...


class _Greenlet(Protocol):
    def link(self, callback: Callable[[object], object]) -> None: ...


class _PyWSGIHandler(Protocol):
    _handle_client_error: Callable[[BaseException], object]

    def handle(self) -> None: ...


class _PyWSGIServer(Protocol):
    handler_class: Callable[[_Socket, object, _PyWSGIServer], _PyWSGIHandler]


def admitting_spawn(admission: Admission, timeout: float) -> Callable[..., _Greenlet | None]:
    """gevent's WSGIServer `spawn`: called with (function, handle, close, (socket, address)) for each accepted
    connection; refuses by address, and gives admitted sockets the request timeout."""
    import gevent

    def spawn(function: Callable[..., object], handle: object, close: Callable[..., object],
              args: tuple[_Socket, object]) -> _Greenlet | None:
        key = admission.admit(args[1])
        if key is None:
            close(*args)
            return None
        args[0].settimeout(timeout)
        server = cast(_PyWSGIServer, getattr(handle, "__self__"))  # noqa: B009  # WSGIServer.handle, bound
        greenlet = cast(_Greenlet, gevent.spawn(function, functools.partial(_handle_quietly, server), close, args))
        greenlet.link(lambda _: admission.release(key))
        return greenlet

    return spawn


def _handle_quietly(server: _PyWSGIServer, sock: _Socket, address: object) -> None:
    """WSGIServer.handle, where a request that timed out is simply closed: pywsgi would print its traceback
    to stderr (a blocking write) and answer 400."""
    handler = server.handler_class(sock, address, server)
    client_error = handler._handle_client_error

    def quiet(error: BaseException) -> object:
        return None if isinstance(error, TimeoutError) else client_error(error)

    handler._handle_client_error = quiet
    handler.handle()


# --- WebSockets: bytes and frames per connection, spent before parsing ---------------------------------------

class OverBudget(OSError):
    """A WebSocket sent more than its budget; its reader treats this as a broken connection."""


class Budget:
    """Token buckets of bytes and frames for one WebSocket."""

    def __init__(self, limits: TransportLimits):
        self.limits = limits
        self.bytes = float(limits.websocket_burst_bytes)
        self.frames = float(limits.websocket_burst_frames)
        self.last = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        elapsed, self.last = now - self.last, now
        limits = self.limits
        self.bytes = min(float(limits.websocket_burst_bytes), self.bytes + elapsed * limits.websocket_bytes_per_second)
        self.frames = min(float(limits.websocket_burst_frames),
                          self.frames + elapsed * limits.websocket_frames_per_second)

    def frame(self) -> bool:
        """Spend one frame; False once over budget."""
        self._refill()
        self.frames -= 1
        return self.frames >= 0

    def spend(self, count: int) -> bool:
        """Spend `count` bytes; False once over budget."""
        self.bytes -= count
        if self.bytes >= 0:
            return True
        self._refill()
        return self.bytes >= 0


class _Recv(Protocol):
    def recv(self, size: int) -> bytes: ...


class MeteredSocket:
    """eventlet's WebSocket's socket with every read paid for; everything else is the socket's."""

    def __init__(self, sock: _Recv, budget: Budget, refuse: Callable[[str], Exception]):
        self._metered = sock
        self._budget = budget
        self._refuse = refuse

    def recv(self, size: int) -> bytes:
        """Read, and pay for what was read."""
        data = self._metered.recv(size)
        if not self._budget.spend(len(data)):
            raise self._refuse("more bytes per second than a WebSocket may send")
        return data

    def __getattr__(self, name: str) -> object:
        return getattr(self._metered, name)


class _EventletWebSocket(Protocol):
    """eventlet's RFC6455WebSocket: `_recv_frame` reads one frame from `socket`, `_apply_mask` unmasks."""

    socket: _Recv
    _recv_frame: Callable[..., object]
    _apply_mask: Callable[..., bytes]


def _meter_eventlet(ws: _EventletWebSocket, budget: Budget, pause: Callable[[float], object]) -> None:
    """eventlet's RFC6455WebSocket: pay for each frame (and yield) before it is read, and for its bytes."""
    from eventlet.websocket import FailedConnectionError

    def refuse(message: str) -> Exception:
        return cast(Exception, FailedConnectionError(1008, message))  # closed with "policy violation"

    receive_frame = ws._recv_frame

    def paid_frame(message: object = None) -> object:
        pause(0)
        if not budget.frame():
            raise refuse("more frames per second than a WebSocket may send")
        return receive_frame(message=message)

    ws._recv_frame = paid_frame  # an instance attribute, shadowing the method
    ws.socket = MeteredSocket(ws.socket, budget, refuse)
    ws._apply_mask = apply_mask  # eventlet's builds one bytes object per byte of every frame


def apply_mask(data: bytes, mask: bytes | list[int], length: int | None = None, offset: int = 0) -> bytes:
    """XOR a WebSocket payload with its 4-byte mask, starting `offset` bytes into the frame (eventlet's
    `_apply_mask`, as one big-integer XOR instead of a Python loop over bytes)."""
    length = len(data) if length is None else length
    key = bytes(mask[(offset + index) % 4] for index in range(4))
    stream = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(data[:length], "big") ^ int.from_bytes(stream, "big")).to_bytes(length, "big")


class _GeventStream(Protocol):
    read: Callable[[int], bytes]


class _GeventHandler(Protocol):
    socket: _Socket


class _GeventWebSocket(Protocol):
    """geventwebsocket's WebSocket (slots: `stream.read` reads frame headers, `raw_read` payloads)."""

    stream: _GeventStream
    raw_read: Callable[[int], bytes]
    handler: _GeventHandler


class _EngineIOGeventWebSocket(Protocol):
    """engine.io's gevent driver's WebSocket, around gevent-websocket's."""

    _sock: _GeventWebSocket


def _meter_gevent(ws: _EngineIOGeventWebSocket, budget: Budget, pause: Callable[[float], object],
                  limits: TransportLimits, idle_timeout: float) -> None:
    """geventwebsocket's WebSocket: pay for each frame (and yield) when its header starts, refuse a payload
    over the message limit before reading it (gevent-websocket has no limit of its own), pay for bytes."""
    websocket = ws._sock
    # The accepted socket still has the request timeout; a WebSocket idles up to engine.io's ping interval.
    websocket.handler.socket.settimeout(idle_timeout)
    read_header, read_payload = websocket.stream.read, websocket.raw_read
    # A header is read as 2 bytes, then 2 or 8 of extended length if announced, then 4 of mask if masked.
    header_reads_left = 0

    def paid_header(size: int) -> bytes:
        nonlocal header_reads_left
        starting = header_reads_left == 0
        if starting:
            pause(0)
            if not budget.frame():
                raise OverBudget("more frames per second than a WebSocket may send")
        data = read_header(size)
        if not budget.spend(len(data)):
            raise OverBudget("more bytes per second than a WebSocket may send")
        if starting and len(data) == 2:
            header_reads_left = (data[1] & 0x7F in (126, 127)) + bool(data[1] & 0x80)
        elif header_reads_left:
            header_reads_left -= 1
        return data

    def paid_payload(size: int) -> bytes:
        if size > limits.max_message_bytes:
            raise OverBudget(f"a frame of {size} bytes, over the limit of {limits.max_message_bytes}")
        data = read_payload(size)
        if not budget.spend(len(data)):
            raise OverBudget("more bytes per second than a WebSocket may send")
        return data

    websocket.stream.read = paid_header
    websocket.raw_read = paid_payload


# --- wiring ---------------------------------------------------------------------------------------------------

class _EngineIO(Protocol):
    async_mode: str
    handlers: dict[str, Callable[..., object]]
    ping_interval: float
    ping_timeout: float
    _async: dict[str, object]

    def sleep(self, seconds: float = 0) -> object: ...
    def disconnect(self, sid: str | None = None) -> None: ...


class _SocketIOServer(Protocol):
    eio: _EngineIO
    _binary_packet: dict[str, object]


WebSocketFactory = Callable[[Callable[[object], object], object], object]


class _Waits(Protocol):
    wait: Callable[[], object]


class UndecodablePacket(ValueError):
    """A WebSocket frame that is no Engine.IO packet."""


def _refuse_undecodable(ws: _Waits) -> None:
    """Check each frame decodes as an Engine.IO packet before engine.io's reader sees it: its reader decodes
    outside its error handling, so a bad frame ('', 'x', 'bA') would end it without closing the session, and
    the phone would go on counting until the ping timeout. Raised here, it closes the session at once."""
    from engineio import packet

    wait = ws.wait

    def checked() -> object:
        data = wait()
        if data is not None:
            try:
                packet.Packet(encoded_packet=data)
            except Exception as error:
                raise UndecodablePacket("a WebSocket frame that is not an Engine.IO packet") from error
        return data

    ws.wait = checked


def guard_websockets(eio: _EngineIO, limits: TransportLimits) -> None:
    """Hand engine.io's WebSocket handler a metered WebSocket (this server's driver only, not the shared one)."""
    original = cast("WebSocketFactory | None", eio._async.get("websocket"))
    if original is None or eio.async_mode not in ("eventlet", "gevent"):
        return
    idle_timeout = float(eio.ping_interval) + float(eio.ping_timeout)

    def factory(handler: Callable[[object], object], server: object) -> object:
        def metered(ws: object) -> object:
            budget = Budget(limits)
            if eio.async_mode == "eventlet":
                _meter_eventlet(cast(_EventletWebSocket, ws), budget, eio.sleep)
            else:
                _meter_gevent(cast(_EngineIOGeventWebSocket, ws), budget, eio.sleep, limits, idle_timeout)
            _refuse_undecodable(cast(_Waits, ws))
            return handler(ws)

        return original(metered, server)

    eio._async = {**eio._async, "websocket": factory}


def refuse_binary(server: _SocketIOServer) -> None:
    """Close any connection that sends a binary Socket.IO packet (BINARY_EVENT, BINARY_ACK) or a binary
    frame, before python-socketio starts collecting attachments for it."""
    eio = server.eio
    dispatch = eio.handlers["message"]

    def on_message(eio_sid: str, data: object) -> object:
        if isinstance(data, bytes | bytearray) or (isinstance(data, str) and data[:1] in BINARY_SOCKETIO_PACKETS):
            server._binary_packet.pop(eio_sid, None)
            log.info("connection closed: it sent a binary packet")
            eio.disconnect(eio_sid)
            return None
        return dispatch(eio_sid, data)

    eio.handlers["message"] = on_message


class PlainWebSockets:
    """WSGI middleware in front of engine.io: WebSockets open without per-message compression.

    A compressing WebSocket keeps a zlib compressor and decompressor per connection (eventlet's: a 32 KB
    window and 128 KB of hash tables): measured at 2,000 phones, about 165 KB of server memory per phone
    with compression against 70 KB without, and the CPU of deflating every results frame once per phone.
    Our frames are a few hundred bytes, so little is saved on the wire; and a compressed frame from a
    client is one that inflates past every limit charged on its compressed size. Browsers offer the
    extension and go on without it when the server does not accept it.
    """

    def __init__(self, app: WSGIApplication, path: str):
        self.app = app
        self.path = path

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith(self.path):
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)


class LongPollingLimit:
    """WSGI middleware in front of engine.io: a long-polling POST body over the limit is answered 413 with the
    API's JSON error; a chunked body is read up to the limit, then handed on with its Content-Length."""

    def __init__(self, app: WSGIApplication, path: str, limit: int):
        self.app = app
        self.path = path
        self.limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and str(environ.get("PATH_INFO", "")).startswith(self.path):
            length = str(environ.get("CONTENT_LENGTH") or "").strip()
            chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
            if length and not length.isdigit():
                return self._error(start_response, "400 Bad Request", "bad_request",
                                   "the Content-Length is not a number")
            if length and int(length) > self.limit:
                return self._too_large(start_response)
            try:
                body = self._read_body(environ, int(length) if length and not chunked else None)
            except (OSError, ValueError):
                return self._error(start_response, "400 Bad Request", "bad_request", "the body could not be read")
            if body is None:
                return self._too_large(start_response)
            problem = self._refusal(environ, body)
            if problem:
                return self._error(start_response, "400 Bad Request", "bad_request", problem)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def _read_body(self, environ: WSGIEnvironment, length: int | None) -> bytes | None:
        """The body, read up to the limit (None if it goes past it); a chunked body up to its end."""
        stream = environ["wsgi.input"]
        if length is not None:
            return bytes(stream.read(length)) if length else b""
        body = bytearray()
        while len(body) <= self.limit:
            piece = stream.read(self.limit + 1 - len(body))
            if not piece:
                return bytes(body)
            body += piece
        return None

    @staticmethod
    def _refusal(environ: WSGIEnvironment, body: bytes) -> str:
        """Why engine.io must not see this body, or ''. A client sends only CLOSE, PONG and MESSAGE packets by
        long-polling, never binary ones; engine.io refuses the others by dropping the session and then waits,
        for good, for a poll to drain it, holding the request and its socket."""
        if "EIO=4" not in str(environ.get("QUERY_STRING", "")):
            return ""  # engine.io answers other protocol versions itself, at once
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "the body is not UTF-8 text"
        for packet in text.split("\x1e"):
            if packet[:1] not in ("1", "3", "4"):
                return "a long-polling request may carry only close, pong and message packets"
            if packet[:1] == "4" and packet[1:2] in BINARY_SOCKETIO_PACKETS:
                return "binary packets are not accepted"
        from engineio import payload

        try:
            payload.Payload(encoded_payload=text)  # what engine.io will do with it, outside its error handling
        except Exception:
            return "the body is not an Engine.IO payload"
        return ""

    def _too_large(self, start_response: StartResponse) -> list[bytes]:
        return self._error(start_response, "413 Request Entity Too Large", "too_large",
                           f"a long-polling request may carry at most {self.limit} bytes")

    @staticmethod
    def _error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
        body = json.dumps({"error": code, "message": message}).encode()
        # The unread body is not wanted: close rather than read it to find the next request.
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                ("Connection", "close")])
        return [body]


@dataclass
class TransportGuards:
    """What `install_transport_guards` set up; `server_options` reads it."""

    limits: TransportLimits
    admission: Admission
    async_mode: str


def install_transport_guards(app: Flask, socketio: SocketIO, settings: Settings) -> TransportGuards:
    """Guard the app's transports (see the module's docstring). Call right after SocketIO(app, ...)."""
    limits = TransportLimits.from_settings(settings)
    server = cast(_SocketIOServer, getattr(socketio, "server"))  # noqa: B009  # not in the stubs
    guard_websockets(server.eio, limits)
    refuse_binary(server)
    engineio_path = str(getattr(app.wsgi_app, "engineio_path", "/socket.io/"))
    app.wsgi_app = LongPollingLimit(  # type: ignore[method-assign]  # in front of Socket.IO's middleware
        PlainWebSockets(app.wsgi_app, engineio_path), engineio_path, limits.max_message_bytes)
    guards = TransportGuards(limits, Admission(limits), settings.async_mode)
    app.extensions[EXTENSION] = guards
    return guards


def server_options(app: Flask) -> dict[str, object]:
    """Options for `socketio.run` (the WSGI server's): the accept-time cap and the request timeout."""
    guards = cast(TransportGuards, app.extensions[EXTENSION])
    limits = guards.limits
    if guards.async_mode == "eventlet":
        import eventlet

        pool = AdmittingPool(cast(_GreenPool, eventlet.GreenPool(limits.max_connections)), guards.admission)
        return {"custom_pool": pool, "socket_timeout": float(limits.request_timeout)}
    if guards.async_mode == "gevent":
        return {"spawn": admitting_spawn(guards.admission, float(limits.request_timeout))}
    return {}
