"""Inputs to model tensors: the one implementation, shared by serving and training.

Text: raw designation + description -> cleaned text -> tokens -> fixed-length ids.
Image: raw bytes -> EXIF-transposed RGB 224x224 uint8 -> VGG16 (caffe) input.

Nothing here imports TensorFlow, so the importer and the tests use it cheaply.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SIZE = 224
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
"""MPO is how Pillow names JPEGs with extra frames (many phone photos)."""

# ImageNet channel means in BGR order, as the caffe-converted VGG16 weights expect.
_CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

PAD_ID = 0
OOV_ID = 1


class InvalidImage(ValueError):
    """Bytes that are not an image we accept; the message is safe to show a user."""

    def __init__(self, message: str, code: str = "invalid_image") -> None:
        super().__init__(message)
        self.code = code


# --- text ---------------------------------------------------------------------


def clean_text(designation: str | None, description: str | None = None) -> str:
    """Title and description as one plain string.

    HTML tags become spaces, entities are decoded (twice, since some listings
    are escaped twice), whitespace is collapsed. Accents are kept.
    """
    text = f"{designation or ''} {description or ''}"
    for _ in range(2):
        text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFC", text)
    return _SPACE.sub(" ", text).strip()


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of a cleaned text (letters and digits, accents kept)."""
    return _TOKEN.findall(text.lower())


@dataclass
class TextEncoder:
    """Vocabulary mapping tokens to ids; 0 pads, 1 stands for unknown tokens."""

    vocabulary: list[str]

    def __post_init__(self) -> None:
        self._index = {token: i + 2 for i, token in enumerate(self.vocabulary)}

    @property
    def size(self) -> int:
        """Number of ids, padding and unknown included (the Embedding's input_dim)."""
        return len(self.vocabulary) + 2

    @classmethod
    def fit(cls, texts: Iterable[str], max_tokens: int, min_count: int = 1) -> TextEncoder:
        """The ``max_tokens - 2`` most frequent tokens seen at least ``min_count`` times."""
        counts = Counter(token for text in texts for token in tokenize(text))
        frequent = [t for t, n in counts.most_common() if n >= min_count]
        return cls(sorted(frequent[: max(0, max_tokens - 2)], key=lambda t: (-counts[t], t)))

    def encode(self, texts: Sequence[str], seq_len: int) -> np.ndarray:
        """Ids of each text, truncated or right-padded to ``seq_len``: int32 (n, seq_len)."""
        ids = np.full((len(texts), seq_len), PAD_ID, dtype=np.int32)
        for row, text in enumerate(texts):
            tokens = tokenize(text)[:seq_len]
            ids[row, : len(tokens)] = [self._index.get(t, OOV_ID) for t in tokens]
        return ids

    def to_dict(self) -> dict[str, object]:
        return {"kind": "word", "vocabulary": self.vocabulary}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TextEncoder:
        vocabulary = data.get("vocabulary")
        if data.get("kind") != "word" or not isinstance(vocabulary, list):
            raise ValueError("not a word vocabulary")
        return cls([str(t) for t in vocabulary])


# --- images -------------------------------------------------------------------


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open and check an image without decoding its pixels (cheap: reads the header).

    Raises InvalidImage for unknown formats and for pixel counts over ``max_pixels``
    (decompression bombs).
    """
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidImage("Not a readable image (JPEG, PNG, WebP or GIF).",
                           "unsupported_media_type") from exc
    if image.format not in ALLOWED_FORMATS:
        raise InvalidImage(f"Image format {image.format} is not accepted; "
                           "send JPEG, PNG, WebP or GIF.", "unsupported_media_type")
    width, height = image.size
    if width * height > max_pixels:
        raise InvalidImage(f"Image is {width}x{height} pixels; the limit is {max_pixels} pixels.",
                           "image_too_large")
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB with transparency flattened onto white (how product photos are shown)."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def load_image(data: bytes, max_pixels: int = 40_000_000, size: int = IMAGE_SIZE) -> np.ndarray:
    """Image bytes -> EXIF-transposed RGB ``size`` x ``size`` uint8 array (H, W, 3)."""
    image = open_image(data, max_pixels)
    try:
        if image.format in ("JPEG", "MPO"):
            # Let libjpeg decode at a reduced scale when the photo is much larger.
            image.draft("RGB", (size, size))
        image = ImageOps.exif_transpose(image)
        image = _to_rgb(image).resize((size, size), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InvalidImage(f"The image could not be decoded: {exc}") from exc


def vgg16_input(images: np.ndarray) -> np.ndarray:
    """RGB uint8 (n, H, W, 3) -> float32 caffe-mode input (BGR, ImageNet mean removed).

    The same arithmetic as ``keras.applications.vgg16.preprocess_input``.
    """
    return images[..., ::-1].astype(np.float32) - _CAFFE_MEAN_BGR
