"""One loaded model version, ready to score batches of products.

Used by the model workers and by ``trainer evaluate``, so offline scores and
served answers come from the same preprocessing, branches and fusion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from model_service.model import build_image_model, build_vgg16_base, fuse
from model_service.preprocessing import text_lengths, vgg16_input
from model_service.version import ModelVersion, load_version

TEXT = "text"
IMAGE = "image"


@dataclass(frozen=True)
class ProductInput:
    """A preprocessed product: cleaned text ("" if none), RGB uint8 224x224x3 image or None."""

    text: str
    image: np.ndarray | None

    @property
    def modalities(self) -> list[str]:
        return [
            m
            for m, present in ((IMAGE, self.image is not None), (TEXT, bool(self.text)))
            if present
        ]


class Predictor:
    """Text branch, image branch (frozen VGG16 + head) and their fusion for one version."""

    def __init__(self, version: ModelVersion, vgg16_base: tf.keras.Model) -> None:
        self.version = version
        self.name = version.name
        self.text_weight = version.text_weight
        size = version.params.image_size
        text_model = version.text_model
        image_model = build_image_model(
            vgg16_base, version.image_head, version.params.image_features
        )
        # Compiled graphs with free batch (and text length) dimensions: one trace each.
        self._text_fn = tf.function(
            lambda ids: text_model(ids, training=False),
            input_signature=[tf.TensorSpec([None, None], tf.int32)],
        )
        self._image_fn = tf.function(
            lambda x: image_model(x, training=False),
            input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32)],
        )

    @classmethod
    def load(
        cls, path: Path, vgg16_weights: Path | str | None, vgg16_base: tf.keras.Model | None = None
    ) -> Predictor:
        """Load a version directory; pass ``vgg16_base`` to share one across versions."""
        version = load_version(path)
        if vgg16_base is None:
            vgg16_base = build_vgg16_base(vgg16_weights, version.params.image_size)
        return cls(version, vgg16_base)

    def warm_up(self) -> None:
        """Trace both graphs now, so the first request does not pay for it."""
        size = self.version.params.image_size
        self.text_probs(["warm up"])
        self.image_probs(np.zeros((1, size, size, 3), dtype=np.uint8))

    def text_probs(self, texts: Sequence[str]) -> np.ndarray:
        """Text branch alone: cleaned texts -> (n, 27) probabilities."""
        ids = self.version.encoder.encode(texts, self.version.params.seq_len)
        longest = int(text_lengths(ids).max())  # columns no text reaches only cost time
        return self._text_fn(tf.constant(ids[:, :longest])).numpy()

    def image_probs(self, images: np.ndarray) -> np.ndarray:
        """Image branch alone: RGB uint8 (n, 224, 224, 3) -> (n, 27) probabilities."""
        return self._image_fn(tf.constant(vgg16_input(images))).numpy()

    def predict(self, items: Sequence[ProductInput]) -> np.ndarray:
        """Fused (n, 27) probabilities; each product uses the modalities it has.

        One forward pass per branch for the whole batch.
        """
        if any(not item.text and item.image is None for item in items):
            raise ValueError("every product needs text or an image")
        out = np.zeros((len(items), self.version.params.num_classes), dtype=np.float32)
        with_text = [i for i, item in enumerate(items) if item.text]
        with_image = [i for i, item in enumerate(items) if item.image is not None]
        p_text = (
            dict(zip(with_text, self.text_probs([items[i].text for i in with_text]), strict=True))
            if with_text
            else {}
        )
        p_image = (
            dict(
                zip(
                    with_image,
                    self.image_probs(np.stack([items[i].image for i in with_image])),
                    strict=True,
                )
            )
            if with_image
            else {}
        )
        for i in range(len(items)):
            out[i] = fuse(p_text.get(i), p_image.get(i), self.text_weight)
        return out
