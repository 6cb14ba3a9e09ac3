"""The drawn signature of an authorization: a PNG sent by the signing page's canvas as a
data URL. Only an image a PDF can show is stored; one stored before that rule, or
damaged since, is left out of the PDF with a line saying so, never a failed download."""

from __future__ import annotations

import base64
import binascii
import io

PREFIX = "data:image/png;base64,"
# The canvas is a few hundred pixels wide; anything far larger is not a signature.
MAX_SIDE = 4000
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def signature_png(value: str) -> bytes | None:
    """The PNG bytes of a drawn signature, or None if the value is not a readable PNG."""
    if not value or not value.startswith(PREFIX):
        return None
    try:
        data = base64.b64decode(value[len(PREFIX) :], validate=True)
    except (ValueError, binascii.Error):
        return None
    if not data.startswith(_PNG_MAGIC):
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIDE:
                return None
            image.load()
    except Exception:  # Pillow reports damaged data with many exception types.
        return None
    return data
