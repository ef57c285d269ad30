"""VGG16 image features, computed once per image and cached on the model volume.

VGG16 dominates training cost on a CPU, and the conv base is frozen, so an image's
features never change: they are stored under the image's content hash (and the
input size) and reused by every later run. A retrain with no new image never
even builds VGG16.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from common.image_store import ImageStore
from model_service.preprocessing import load_image, vgg16_input

logger = logging.getLogger(__name__)

BaseFactory = Callable[[], object]
"""Builds the frozen VGG16 feature extractor (a ``keras.Model`` from pixels to what the
image head reads, see ``model_service.model.build_image_features``); called only when a
feature is missing."""


class FeatureCache:
    """``root/vgg16[-<kind>][-<framing>]-<size>-<weights>[-flipped]/ab/<hash>.npy``: float32.

    ``kind`` names what the extractor returns (``bilinear``, ``grid`` or ``pooled``
    vectors, or ``flat`` ``block5_pool`` maps) and ``framing`` how the photo was framed
    before it (see ``load_image``), so features of different kinds or framings never mix.

    ``flipped=True`` caches the features of each image mirrored left to right: a
    second training sample per photo for the image head, computed once like the rest.
    """

    def __init__(
        self,
        root: Path,
        images: ImageStore,
        base_factory: BaseFactory,
        image_size: int,
        weights_tag: str,
        batch_size: int = 16,
        max_pixels: int = 40_000_000,
        flipped: bool = False,
        kind: str = "flat",
        framing: str = "whole",
    ) -> None:
        # flat whole photos keep the original layout
        prefix = "vgg16" + ("" if kind == "flat" else f"-{kind}")
        prefix += "" if framing == "whole" else f"-{framing}"
        self.dir = root / f"{prefix}-{image_size}-{weights_tag}{'-flipped' if flipped else ''}"
        self.flipped, self.kind, self.framing = flipped, kind, framing
        self.root, self.weights_tag = root, weights_tag
        self.images = images
        self.base_factory = base_factory
        self.image_size = image_size
        self.batch_size = batch_size
        self.max_pixels = max_pixels
        self._base: object | None = None
        self.computed = 0
        """Images run through VGG16 by this cache object (0 when all were cached)."""

    def mirrored(self) -> FeatureCache:
        """The cache of the same images mirrored left to right, sharing this one's VGG16."""
        return FeatureCache(
            self.root, self.images, self._get_base, self.image_size, self.weights_tag,
            self.batch_size, self.max_pixels, flipped=True, kind=self.kind, framing=self.framing,
        )  # fmt: skip

    def path(self, digest: str) -> Path:
        return self.dir / digest[:2] / f"{digest}.npy"

    def features(self, digests: Sequence[str], progress: bool = False) -> np.ndarray:
        """Features of the images ``digests`` names, in order: float32 (n, *feature shape)."""
        self.ensure(digests, progress)
        if not digests:
            return np.zeros((0, *self._shape()), dtype=np.float32)
        return np.stack([np.load(self.path(d)) for d in digests])

    def _shape(self) -> tuple[int, ...]:
        from model_service.model import feature_shape

        return feature_shape(self.kind, self.image_size)

    def ensure(self, digests: Sequence[str], progress: bool = False) -> int:
        """Compute and store the missing features; returns how many were computed."""
        missing = sorted({d for d in digests if not self.path(d).is_file()})
        if not missing:
            return 0
        from tqdm import tqdm

        started = time.monotonic()
        base = self._get_base()
        bar = tqdm(total=len(missing), desc="VGG16 features", unit="img", disable=not progress)
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            pixels = np.stack(
                [
                    load_image(self.images.get(d), self.max_pixels, self.image_size, self.framing)
                    for d in chunk
                ]
            )
            if self.flipped:
                pixels = pixels[:, :, ::-1]
            out = np.asarray(base(vgg16_input(pixels), training=False))  # type: ignore[operator]
            for digest, feats in zip(chunk, out, strict=True):
                _save_atomic(self.path(digest), feats.astype(np.float32))
            self.computed += len(chunk)
            bar.update(len(chunk))
        bar.close()
        logger.info(
            "computed VGG16 features of %d images in %.1fs",
            len(missing),
            time.monotonic() - started,
        )
        return len(missing)

    def _get_base(self) -> object:
        if self._base is None:
            self._base = self.base_factory()
        return self._base


def weights_tag(weights: str | Path | None) -> str:
    """Names the conv weights in the cache path, so features of other weights never mix."""
    if not weights:
        return "imagenet"
    if str(weights) == "random":
        return "random"
    path = Path(weights)
    size = path.stat().st_size if path.is_file() else 0
    return f"{path.stem}-{size}"


def _save_atomic(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as out:
            np.save(out, array)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
