"""A bitmap's width and height read from its header (PNG, GIF, JPEG, WebP), without decoding a pixel.

A 2 MB file can claim 50,000 by 50,000 pixels: every phone and projector asked to show it would try to set
aside gigabytes. The size a file states is what a browser allocates, so that is what is checked.
"""

from __future__ import annotations

import struct

# The JPEG markers that start a frame and give its size (SOF0-SOF15 but DHT, JPG and DAC).
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, with no length after them.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def image_size(suffix: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) the file states, or None when its header cannot be read."""
    reader = {".png": _png, ".gif": _gif, ".jpg": _jpeg, ".jpeg": _jpeg, ".webp": _webp}.get(suffix)
    try:
        return reader(data) if reader else None
    except (struct.error, IndexError):
        return None


def _png(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _gif(data: bytes) -> tuple[int, int] | None:
    # The logical screen; each frame must also fit in it (frames are checked below, as a browser sizes them).
    width, height = struct.unpack("<HH", data[6:10])
    largest = (int(width), int(height))
    position = 13
    flags = data[10]
    if flags & 0x80:
        position += 3 * (2 << (flags & 0x07))  # the global colour table
    while position < len(data):
        block = data[position]
        if block == 0x2C:  # an image descriptor: left, top, width, height
            left, top, frame_width, frame_height = struct.unpack("<HHHH", data[position + 1:position + 9])
            largest = (max(largest[0], left + frame_width), max(largest[1], top + frame_height))
            local = data[position + 9]
            position += 10 + (3 * (2 << (local & 0x07)) if local & 0x80 else 0)
            position += 1  # the LZW code size
            position = _gif_skip_blocks(data, position)
        elif block == 0x21:  # an extension: its label, then data blocks
            position = _gif_skip_blocks(data, position + 2)
        else:  # 0x3B, the trailer, or something a browser stops at too
            break
    return largest


def _gif_skip_blocks(data: bytes, position: int) -> int:
    while data[position]:
        position += data[position] + 1
    return position + 1


def _jpeg(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill bytes before a marker
            position += 1
            continue
        if marker == 0x00:
            # A stuffed zero is no marker: libjpeg skips it and reads on to the next 0xFF, so the frame a browser
            # finds may sit inside what a length read here would jump over.
            return None
        if marker in _JPEG_STANDALONE:
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return int(width), int(height)
        if marker == 0xDA:  # the scan started without a frame header
            return None
        position += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":  # the extended format: the canvas, 24 bits each, stored minus one
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":  # lossless: 14 bits each, minus one, after a signature byte
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":  # lossy: a key frame's 14-bit sizes after its start code
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    return None
