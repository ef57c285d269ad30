"""Inputs to model tensors: the one implementation, shared by serving and training.

Text: raw designation + description -> cleaned text -> tokens -> fixed-length ids.
Image: raw bytes -> EXIF-transposed RGB 224x224 uint8 -> VGG16 (caffe) input.

Nothing here imports TensorFlow, so the importer and the tests use it cheaply.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageChops, ImageOps

from common.images import InvalidImage, open_image

__all__ = [
    "IMAGE_SIZE",
    "InvalidImage",
    "TextEncoder",
    "clean_text",
    "load_image",
    "tokenize",
    "vgg16_input",
]

IMAGE_SIZE = 224

# ImageNet channel means in BGR order, as the caffe-converted VGG16 weights expect.
_CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

PAD_ID = 0
OOV_ID = 1


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


SUBWORD_PREFIX = "##"
"""Marks a piece that continues a word (WordPiece convention); word-initial pieces are bare."""

MAX_PIECE_LEN = 6
MAX_PIECES_PER_WORD = 4
"""Long codes (EANs, references) would otherwise flood the sequence with pieces."""

DEFAULT_PIECE_FRACTION = 0.2
"""Share of the vocabulary given to subword pieces when ``fit`` is not told."""


@dataclass
class TextEncoder:
    """Words and subword pieces mapped to ids; 0 pads, 1 stands for unknown tokens.

    Words in the vocabulary map to one id each. Any other word is split greedily,
    longest match first, into known pieces (a bare word-initial piece, then
    ``##`` continuations), so rare words, typos and inflections still carry
    meaning. A word that cannot be split becomes the unknown id.
    """

    vocabulary: list[str]
    pieces: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tokens = ["[PAD]", "[UNK]", *self.vocabulary, *self.pieces]
        self._index: dict[str, int] = {}
        for i, token in enumerate(self._tokens[2:], start=2):
            self._index.setdefault(token, i)  # a duplicate keeps its first id
        self._words = set(self.vocabulary)
        self._cache: dict[str, list[int]] = {}

    @property
    def size(self) -> int:
        """Number of ids, padding and unknown included (the Embedding's input_dim)."""
        return len(self.vocabulary) + len(self.pieces) + 2

    @classmethod
    def fit(
        cls,
        texts: Iterable[str],
        max_tokens: int,
        min_count: int = 1,
        *,
        piece_fraction: float = DEFAULT_PIECE_FRACTION,
    ) -> TextEncoder:
        """At most ``max_tokens`` ids: frequent words plus subword pieces.

        Words seen at least ``min_count`` times fill ``1 - piece_fraction`` of the
        budget (most frequent first); the rest goes to the most frequent pieces of
        the words' spellings (every single character seen first, so splitting
        rarely fails). Words left out of the budget use pieces too.
        """
        counts = Counter(token for text in texts for token in tokenize(text))
        budget = max(0, max_tokens - 2)
        n_pieces = min(budget, round(budget * piece_fraction))
        frequent = [t for t, n in counts.most_common() if n >= min_count]
        words = sorted(frequent[: budget - n_pieces], key=lambda t: (-counts[t], t))
        return cls(words, _top_pieces(counts, n_pieces, exclude=set(words)))

    def encode(self, texts: Sequence[str], seq_len: int) -> np.ndarray:
        """Ids of each text, truncated or right-padded to ``seq_len``: int32 (n, seq_len)."""
        ids = np.full((len(texts), seq_len), PAD_ID, dtype=np.int32)
        for row, text in enumerate(texts):
            tokens: list[int] = []
            for word in tokenize(text):
                tokens.extend(self._word_ids(word))
                if len(tokens) >= seq_len:
                    break
            tokens = tokens[:seq_len]
            ids[row, : len(tokens)] = tokens
        return ids

    def split(self, word: str) -> list[str]:
        """The tokens one lower-cased word becomes (itself, pieces, or the unknown marker)."""
        return [self._tokens[i] for i in self._word_ids(word)]

    def _word_ids(self, word: str) -> list[int]:
        index = self._index.get(word) if word in self._words else None
        if index is not None:
            return [index]
        cached = self._cache.get(word)
        if cached is None:
            cached = self._pieces_of(word)
            if len(self._cache) < 200_000:
                self._cache[word] = cached
        return cached

    def _pieces_of(self, word: str) -> list[int]:
        """Greedy longest-match split; ``[OOV_ID]`` when some part has no piece."""
        if not self.pieces:
            return [OOV_ID]
        ids: list[int] = []
        start = 0
        while start < len(word) and len(ids) < MAX_PIECES_PER_WORD:
            prefix = SUBWORD_PREFIX if start else ""
            for end in range(min(len(word), start + MAX_PIECE_LEN), start, -1):
                piece_id = self._index.get(prefix + word[start:end])
                if piece_id is not None:
                    ids.append(piece_id)
                    start = end
                    break
            else:
                return [OOV_ID]
        return ids

    def to_dict(self) -> dict[str, object]:
        return {"kind": "wordpiece", "vocabulary": self.vocabulary, "pieces": self.pieces}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TextEncoder:
        vocabulary, pieces = data.get("vocabulary"), data.get("pieces", [])
        kind = data.get("kind")
        if kind not in ("word", "wordpiece") or not isinstance(vocabulary, list):
            raise ValueError("not a TextEncoder vocabulary")
        if not isinstance(pieces, list):
            raise ValueError("TextEncoder pieces must be a list")
        return cls([str(t) for t in vocabulary], [str(p) for p in pieces])


def text_lengths(ids: np.ndarray) -> np.ndarray:
    """Real tokens in each row of right-padded ``ids``, at least 1 (an empty text is one step).

    Padding is masked, so cutting a batch to its longest row changes only the cost.
    """
    return np.maximum((ids != PAD_ID).sum(axis=1), 1).astype(np.int32)


def _top_pieces(counts: Counter[str], n_pieces: int, exclude: set[str]) -> list[str]:
    """The ``n_pieces`` most frequent word-initial and ``##`` continuation substrings.

    Counted over distinct words (not occurrences), since pieces serve the rare words
    that frequent ones say little about. Single characters come
    first so any word made of seen characters can be split. Pieces spelled like a
    word in ``exclude`` are left out: the word's id serves for both.
    """
    if n_pieces <= 0:
        return []
    chars: Counter[str] = Counter()
    longer: Counter[str] = Counter()
    for word in counts:
        for start in range(len(word)):
            prefix = SUBWORD_PREFIX if start else ""
            chars[prefix + word[start]] += 1
            for end in range(start + 2, min(len(word), start + MAX_PIECE_LEN) + 1):
                longer[prefix + word[start:end]] += 1
    ranked = [p for p, _ in chars.most_common()] + [p for p, _ in longer.most_common()]
    return [p for p in ranked if p not in exclude][:n_pieces]


# --- images -------------------------------------------------------------------


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


IMAGE_FRAMINGS = ("whole", "product")
"""How a photo is framed before it is scaled to the input size: ``whole`` scales the
photo as it is; ``product`` first crops the white margin around the product to a
square, so a small product on a large white page fills VGG16's input."""

BACKGROUND_LEVEL = 235
"""A pixel with every channel at or above this is page background (JPEG keeps white near 255)."""

PRODUCT_MARGIN = 0.04
"""White kept around the product, as a share of its longer side, on each side."""

MIN_PRODUCT_PIXELS = 50
"""Fewer non-background pixels than this is a blank page: framed whole."""


def load_image(
    data: bytes, max_pixels: int = 40_000_000, size: int = IMAGE_SIZE, framing: str = "whole"
) -> np.ndarray:
    """Image bytes -> EXIF-transposed RGB ``size`` x ``size`` uint8 array (H, W, 3).

    ``framing`` is one of ``IMAGE_FRAMINGS``; a version's ``ModelParams.image_framing``
    says which one its image branch was trained on.
    """
    if framing not in IMAGE_FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; expected one of {IMAGE_FRAMINGS}")
    image = open_image(data, max_pixels)
    try:
        if image.format in ("JPEG", "MPO"):
            # Let libjpeg decode at a reduced scale when the photo is much larger; a
            # product crop keeps twice the input size, so half the page still fills it.
            scale = 2 if framing == "product" else 1
            image.draft("RGB", (size * scale, size * scale))
        image = _to_rgb(ImageOps.exif_transpose(image))
        if framing == "product":
            image = frame_product(image)
        image = image.resize((size, size), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InvalidImage(f"The image could not be decoded: {exc}") from exc


def frame_product(image: Image.Image) -> Image.Image:
    """The square around the product: the bounding box of non-background pixels,
    grown by ``PRODUCT_MARGIN`` and centred on it; outside the photo is white."""
    # In PIL's C loops, a tenth of the cost of the same steps in NumPy: the darkest
    # channel of each pixel, white where it is below the background level.
    red, green, blue = image.split()
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    product = darkest.point(lambda level: 255 if level < BACKGROUND_LEVEL else 0)
    box = product.getbbox()
    if box is None or product.histogram()[255] < MIN_PRODUCT_PIXELS:
        return image
    left, top, right, bottom = box
    width, height = image.size
    side = min(max(right - left, bottom - top) * (1 + 2 * PRODUCT_MARGIN), max(width, height))
    x0 = round((left + right - side) / 2)
    y0 = round((top + bottom - side) / 2)
    side = round(side)
    framed = Image.new("RGB", (side, side), (255, 255, 255))
    framed.paste(image, (-x0, -y0))
    return framed


def vgg16_input(images: np.ndarray) -> np.ndarray:
    """RGB uint8 (n, H, W, 3) -> float32 caffe-mode input (BGR, ImageNet mean removed).

    The same arithmetic as ``keras.applications.vgg16.preprocess_input``.
    """
    return images[..., ::-1].astype(np.float32) - _CAFFE_MEAN_BGR
