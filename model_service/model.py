"""The fusion model: a BiGRU text branch, a VGG16 image branch, a weighted average.

Small factory functions, each building one named piece. Sizes come from
``ModelParams`` so tests build tiny models with the same code.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402  (the backend must be chosen before Keras is imported)

from common.categories import CODES  # noqa: E402
from model_service.preprocessing import IMAGE_SIZE  # noqa: E402

VGG16_FEATURE_SHAPE = (7, 7, 512)
"""VGG16's ``block5_pool`` output at 224x224: what a ``flat`` image head reads."""

POOLED_LAYERS = (("block4_pool", 512), ("block5_conv3", 512))
"""VGG16 layers (and their channels) whose global average and max make ``pooled`` features.

``block4`` describes textures and parts (a cover's print, a fabric, a plastic toy)
that the last block pools away; both come from the one forward pass. Adding
``block3_pool`` did not help (docs/image-branch.md).
"""

POOLED_FEATURES = 2 * sum(channels for _, channels in POOLED_LAYERS)

IMAGE_FEATURES = ("flat", "pooled")
"""What the image head reads: ``flat`` (``block5_pool`` flattened, the default) or
``pooled`` (the layers above: a head a tenth the size, trained six times faster, as
good in cross-validation; see docs/image-branch.md)."""


@dataclass(frozen=True)
class ModelParams:
    """What one version's saved weights need: layer sizes and what the image head reads.

    Saved as the version's ``params.json``. How the weights were trained is the
    trainer's ``TrainingRecipe``, recorded beside them.
    """

    vocab_size: int = 40_000
    seq_len: int = 96
    embed_dim: int = 192
    gru_units: int = 128
    text_dropout: float = 0.5
    image_features: str = "flat"  # or "pooled": see IMAGE_FEATURES and docs/image-branch.md
    image_hidden: int = 512
    image_dropout: float = 0.7
    num_classes: int = len(CODES)
    image_size: int = IMAGE_SIZE

    def to_dict(self) -> dict[str, float | int | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ModelParams:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values.setdefault("image_features", "flat")  # saved before the choice existed
        return cls(**values)  # type: ignore[arg-type]


def build_text_model(params: ModelParams) -> keras.Model:
    """Token ids -> Embedding -> Bidirectional(GRU) -> Dropout -> Dense softmax."""
    # Any length: serving pads to ``seq_len``, training cuts batches to their longest text.
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = keras.layers.Embedding(
        params.vocab_size, params.embed_dim, mask_zero=True, name="embedding"
    )(ids)
    x = keras.layers.Bidirectional(keras.layers.GRU(params.gru_units), name="bigru")(x)
    x = keras.layers.Dropout(params.text_dropout, name="dropout")(x)
    probs = keras.layers.Dense(params.num_classes, activation="softmax", name="text_probs")(x)
    return keras.Model(ids, probs, name="text_branch")


RANDOM_WEIGHTS = "random"


def build_vgg16_base(weights: Path | str | None, image_size: int = IMAGE_SIZE) -> keras.Model:
    """VGG16 without its top, ImageNet weights, frozen.

    ``weights`` is a local ``.h5`` file when given; otherwise Keras downloads its own.
    ``"random"`` leaves the conv base untrained: for tests and offline smoke runs only.
    """
    if weights == RANDOM_WEIGHTS:
        keras.utils.set_random_seed(0)  # every process gets the same "random" base
        source = None
    else:
        source = str(weights) if weights else "imagenet"
    base = keras.applications.VGG16(
        include_top=False, weights=source, input_shape=(image_size, image_size, 3)
    )
    base.trainable = False
    return base


def build_image_features(base: keras.Model, kind: str) -> keras.Model:
    """The frozen VGG16 base's output that an image head of ``kind`` reads.

    ``pooled``: global average and max of each of ``POOLED_LAYERS``, concatenated
    (``POOLED_FEATURES`` numbers); ``flat``: ``block5_pool`` as it is.
    """
    if kind == "flat":
        return base
    if kind != "pooled":
        raise ValueError(f"unknown image features {kind!r}; expected one of {IMAGE_FEATURES}")
    pooled = []
    for name, _ in POOLED_LAYERS:
        activations = base.get_layer(name).output
        pooled.append(keras.layers.GlobalAveragePooling2D(name=f"{name}_avg")(activations))
        pooled.append(keras.layers.GlobalMaxPooling2D(name=f"{name}_max")(activations))
    features = keras.layers.Concatenate(name="pooled_features")(pooled)
    return keras.Model(base.input, features, name="vgg16_pooled")


def image_feature_shape(params: ModelParams) -> tuple[int, ...]:
    """Shape of one image's features as the head reads them (and the cache stores them)."""
    if params.image_features == "flat":
        side = params.image_size // 32
        return (side, side, VGG16_FEATURE_SHAPE[2])
    return (POOLED_FEATURES,)


def build_image_head(params: ModelParams) -> keras.Model:
    """VGG16 features -> Flatten -> Dense(512, relu) -> Dense(512, relu) -> Dense softmax.

    Dropout between the dense layers regularises training and is inert at inference.
    """
    features = keras.Input(shape=image_feature_shape(params), name="vgg16_features")
    x = keras.layers.Flatten(name="flatten")(features)
    x = keras.layers.Dropout(params.image_dropout, name="dropout_in")(x)
    x = keras.layers.Dense(params.image_hidden, activation="relu", name="dense_1")(x)
    x = keras.layers.Dropout(params.image_dropout, name="dropout_1")(x)
    x = keras.layers.Dense(params.image_hidden, activation="relu", name="dense_2")(x)
    probs = keras.layers.Dense(params.num_classes, activation="softmax", name="image_probs")(x)
    return keras.Model(features, probs, name="image_head")


def build_image_model(base: keras.Model, head: keras.Model, kind: str) -> keras.Model:
    """Preprocessed 224x224 BGR image -> class probabilities, in one call."""
    features = build_image_features(base, kind)
    return keras.Model(base.input, head(features.output, training=False), name="image_branch")


def fuse(p_text: np.ndarray | None, p_image: np.ndarray | None, text_weight: float) -> np.ndarray:
    """``w * p_text + (1 - w) * p_image``; with one modality, that branch alone."""
    if p_text is None and p_image is None:
        raise ValueError("fusion needs at least one branch's probabilities")
    if p_image is None:
        return np.asarray(p_text)
    if p_text is None:
        return np.asarray(p_image)
    if not 0.0 <= text_weight <= 1.0:
        raise ValueError(f"text weight must lie in [0, 1], got {text_weight}")
    return text_weight * np.asarray(p_text) + (1.0 - text_weight) * np.asarray(p_image)
