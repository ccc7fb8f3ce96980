"""An Engine.IO WebSocket client written by hand, so a test can send what no library would."""

from __future__ import annotations

import base64
import os
import socket
import struct
from urllib.parse import urlparse


class RawWebSocket:
    """An Engine.IO WebSocket opened with a plain socket (from a given source address, if any, with extra
    request header lines, each ending in CRLF): the upgrade, then Engine.IO's OPEN packet. `receive` returns
    every frame, close frames included."""

    def __init__(self, url: str, source: str | None = None, timeout: float = 5.0, headers: str = ""):
        address = urlparse(url)
        assert address.hostname and address.port
        self.sock = socket.create_connection((address.hostname, address.port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {address.netloc}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n{headers}\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head
        self.response_head = head.decode("latin-1")
        opcode, opening = self.receive()
        assert opcode == 1 and opening.startswith(b'0{"sid":'), opening

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def _take(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken

    def receive(self) -> tuple[int, bytes]:
        """The next frame from the server (unmasked): its opcode and payload."""
        first, second = self._take(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._take(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._take(8))
        return first & 0x0F, self._take(length)

    def close(self) -> None:
        self.sock.close()
