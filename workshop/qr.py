"""QR codes of join links, as SVG."""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def qr_svg(url: str) -> bytes:
    """An SVG QR code for a URL, with a quiet zone, black on white so every phone camera reads it."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(url)
    code.make(fit=True)
    svg: str = code.make_image().to_string(encoding="unicode")
    return svg.encode()
