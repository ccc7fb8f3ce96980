"""Pictures' stated sizes: read from real files' headers, and a file that claims too many pixels is refused."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from tests.pictures import png, png_claiming
from workshop.image_size import image_size
from workshop.media import MAX_PIXELS, MAX_SIDE, content_problem, file_problem


def saved(kind: str, size: tuple[int, int], **options: object) -> bytes:
    """A real picture file written by Pillow."""
    out = io.BytesIO()
    Image.new("RGB", size, (31, 95, 91)).save(out, kind, **options)
    return out.getvalue()


def with_exif(jpeg: bytes, padding: int) -> bytes:
    """The JPEG with a large APP1 segment before its frame header, as a camera writes one."""
    segment = b"Exif\x00\x00" + b"\x00" * padding
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment + jpeg[2:]


@pytest.mark.parametrize(("suffix", "data"), [
    (".png", png(37, 23)),
    (".gif", saved("GIF", (37, 23))),
    (".jpg", saved("JPEG", (37, 23))),
    (".jpg", saved("JPEG", (37, 23), progressive=True)),
    (".jpg", with_exif(saved("JPEG", (37, 23)), 60_000)),
    (".webp", saved("WEBP", (37, 23))),
    (".webp", saved("WEBP", (37, 23), lossless=True)),
    (".webp", saved("WEBP", (37, 23), exif=b"Exif\x00\x00MM")),  # the extended (VP8X) form
])
def test_the_size_a_real_file_states_is_read(suffix: str, data: bytes) -> None:
    assert image_size(suffix, data) == (37, 23)
    assert content_problem(f"picture{suffix}", data) is None


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(saved("JPEG", (37, 23)))
    frame = data.index(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_claiming(width: int, height: int) -> bytes:
    data = bytearray(saved("WEBP", (37, 23), exif=b"Exif\x00\x00MM"))
    data[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def gif_with_a_frame_of(width: int, height: int) -> bytes:
    """A GIF whose screen is small but whose frame is as large as given (browsers grow the canvas to it)."""
    data = bytearray(saved("GIF", (37, 23)))
    descriptor = data.index(b"\x2c\x00\x00\x00\x00")
    data[descriptor + 5:descriptor + 9] = struct.pack("<HH", width, height)
    return bytes(data)


@pytest.mark.parametrize(("name", "data"), [
    ("bomb.png", png_claiming(50_000, 50_000)),
    ("wide.png", png_claiming(MAX_SIDE + 1, 10)),
    ("bomb.jpg", jpeg_claiming(60_000, 60_000)),
    ("bomb.webp", webp_claiming(16_000, 16_000)),
    ("bomb.gif", gif_with_a_frame_of(60_000, 60_000)),
])
def test_a_file_that_claims_more_pixels_than_phones_can_hold_is_refused(name: str, data: bytes,
                                                                       tmp_path: Path) -> None:
    assert len(data) < 100_000, "a small file: the size it states is the danger, not its bytes"
    problem = content_problem(name, data)
    assert problem is not None and "pixels" in problem and "phones could not show it" in problem
    (tmp_path / name).write_bytes(data)
    assert file_problem(tmp_path / name) == problem, "check-deck and every deck load say the same"


def test_the_limits_leave_room_for_a_camera_photo() -> None:
    assert content_problem("photo.png", png_claiming(6000, 4000)) is None
    assert 6000 * 4000 <= MAX_PIXELS < 6000 * 4200


@pytest.mark.parametrize(("name", "data"), [
    ("cut.png", png(3, 3)[:12]),
    ("noframe.jpg", b"\xff\xd8\xff\xe0\x00\x04ab\xff\xda\x00\x02"),
    ("odd.webp", b"RIFF\x10\x00\x00\x00WEBPABCD" + b"\x00" * 20),
])
def test_a_file_whose_size_cannot_be_read_is_refused_with_what_to_do(name: str, data: bytes) -> None:
    problem = content_problem(name, data)
    assert problem is not None and "save it again as PNG or JPEG" in problem


def jpeg_hiding_a_frame(width: int, height: int) -> bytes:
    """A small JPEG with a frame header of the given size before its own, behind a stuffed zero (FF 00) whose next two
    bytes read as a length would jump straight to the small frame, hidden in an APP1 segment libjpeg skips."""
    data = saved("JPEG", (37, 23))
    frame_at = data.index(b"\xff\xc0")
    frame = data[frame_at:frame_at + 2 + struct.unpack(">H", data[frame_at + 2:frame_at + 4])[0]]
    hidden = frame[:5] + struct.pack(">HH", height, width) + frame[9:]
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + len(frame)) + frame
    jump = 2 + len(hidden) + 4  # from the end of the stuffed zero's "length" to the small frame inside APP1
    return data[:2] + b"\xff\x00" + struct.pack(">H", jump) + hidden + app1 + data[2:frame_at] + \
        data[frame_at + len(frame):]


def test_a_frame_behind_a_stuffed_zero_is_the_one_a_browser_sizes() -> None:
    # Chromium showed such a file 12000x12000 (576 MB decoded) that was read here as 37x23 and accepted.
    data = jpeg_hiding_a_frame(6_000, 6_000)
    assert Image.open(io.BytesIO(data)).size == (6_000, 6_000), "what libjpeg (through Pillow) reads"
    assert image_size(".jpg", data) != (37, 23)
    assert content_problem("hidden.jpg", data) is not None
