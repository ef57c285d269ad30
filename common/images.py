"""Checking uploaded images cheaply: format and pixel count from the header alone.

The API rejects bad uploads with this before queueing them; the model
workers use the same check before decoding.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
"""MPO is how Pillow names JPEGs with extra frames (many phone photos)."""


class InvalidImage(ValueError):
    """Bytes that are not an image we accept; the message is safe to show a user.

    ``code`` is the stable error code: ``unsupported_media_type``,
    ``image_too_large``, ``invalid_image`` (readable header, undecodable pixels)
    or ``empty_product``.
    """

    def __init__(self, message: str, code: str = "invalid_image") -> None:
        super().__init__(message)
        self.code = code


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open and check an image without decoding its pixels (reads the header only).

    Raises InvalidImage for unknown formats and for pixel counts over
    ``max_pixels`` (decompression bombs).
    """
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidImage(
            "Not a readable image: send a JPEG, PNG, WebP or GIF file.", "unsupported_media_type"
        ) from exc
    if image.format not in ALLOWED_FORMATS:
        raise InvalidImage(
            f"Image format {image.format} is not accepted: send a JPEG, PNG, WebP or GIF file.",
            "unsupported_media_type",
        )
    width, height = image.size
    if width * height > max_pixels:
        raise InvalidImage(
            f"The image is {width}x{height} pixels; at most {max_pixels:,} pixels are accepted.",
            "image_too_large",
        )
    return image
