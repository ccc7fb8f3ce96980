"""Small real picture files for tests: a PNG made byte by byte, SVGs good and hostile."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (31, 95, 91)) -> bytes:
    """A valid RGB PNG of one colour (what a browser decodes and shows)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG's signature and a header that states this size (all a browser needs to set memory aside)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\x00" * 4


GOOD_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="400" height="200">'
            b'<circle cx="14" cy="10" r="8" fill="#3f8f88"/><circle cx="26" cy="10" r="8" fill="#e07a5f" '
            b'fill-opacity="0.8"/></svg>')
SCRIPT_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HANDLER_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5" onload="alert(1)"/></svg>'
OUTSIDE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
               b'<image xlink:href="https://evil.example/track.png"/></svg>')
