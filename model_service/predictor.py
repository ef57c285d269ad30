"""One version's Keras models, ready to score batches of products.

The fp32 reference the ONNX runtimes are measured against (``make bench``,
``trainer evaluate --runtime keras``); workers serve ``model_service.runtime``.
Both share the preprocessing and the fusion, so they answer alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from model_service.fusion import FusedPredictor
from model_service.model import build_image_model, build_vgg16_base
from model_service.preprocessing import vgg16_input
from model_service.version import ModelVersion, load_version

KERAS = "keras"


class Predictor(FusedPredictor):
    """Text branch, image branch (frozen VGG16 + head) and their fusion, in Keras."""

    runtime = KERAS

    def __init__(self, version: ModelVersion, vgg16_base: tf.keras.Model) -> None:
        self.version = version
        self.name = version.name
        self.text_weight = version.text_weight
        self.num_classes = version.params.num_classes
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

    def run_text(self, ids: np.ndarray) -> np.ndarray:
        return self._text_fn(tf.constant(ids)).numpy()

    def image_probs(self, images: np.ndarray) -> np.ndarray:
        """Image branch alone: RGB uint8 (n, 224, 224, 3) -> (n, 27) probabilities."""
        return self._image_fn(tf.constant(vgg16_input(images))).numpy()
