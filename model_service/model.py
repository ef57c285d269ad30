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
"""VGG16's ``block5_pool`` output at 224x224: what the image head reads (and the cache holds)."""


@dataclass(frozen=True)
class ModelParams:
    """Architecture sizes of one model version (saved as its ``params.json``)."""

    vocab_size: int = 40_000
    seq_len: int = 96
    embed_dim: int = 192
    gru_units: int = 128
    text_dropout: float = 0.5
    image_hidden: int = 512
    image_dropout: float = 0.7
    num_classes: int = len(CODES)
    image_size: int = IMAGE_SIZE
    # Training recipe, read by trainer.fit; none of it changes the saved weights' shapes.
    min_count: int = 2  # words seen once are split into subword pieces instead
    embedding_init: str = "lsa"  # or "random"; see trainer.fit.text_embedding_init
    token_dropout: float = 0.1  # share of training tokens hidden as "unknown" each batch
    text_label_smoothing: float = 0.1
    text_class_weight_power: float = 1.0  # 1 = fully balanced, 0 = no class weights
    distill_weight: float = 0.7  # share of a TF-IDF teacher's probabilities in the targets; 0 = off
    teacher_temperature: float = 4.0  # sharpens the teacher's SVM scores into probabilities
    image_feature_norm: str = "feature"  # "feature", "global" or "none"
    image_label_smoothing: float = 0.2
    image_class_weight_power: float = 1.0
    image_mixup: float = 0.0  # Beta(alpha, alpha) mixup of image features; 0 = off
    image_flip: bool = True  # also train the image head on each photo mirrored left to right
    image_weight_decay: float = 3.0  # decoupled (AdamW-style), times the learning rate per step
    warmup_fraction: float = 0.05  # of all planned steps, before the cosine decay

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ModelParams:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


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


def build_image_head(params: ModelParams) -> keras.Model:
    """VGG16 features -> Flatten -> Dense(512, relu) -> Dense(512, relu) -> Dense softmax.

    Dropout between the dense layers regularises training and is inert at inference.
    """
    side = params.image_size // 32
    features = keras.Input(shape=(side, side, VGG16_FEATURE_SHAPE[2]), name="vgg16_features")
    x = keras.layers.Flatten(name="flatten")(features)
    x = keras.layers.Dropout(params.image_dropout, name="dropout_in")(x)
    x = keras.layers.Dense(params.image_hidden, activation="relu", name="dense_1")(x)
    x = keras.layers.Dropout(params.image_dropout, name="dropout_1")(x)
    x = keras.layers.Dense(params.image_hidden, activation="relu", name="dense_2")(x)
    probs = keras.layers.Dense(params.num_classes, activation="softmax", name="image_probs")(x)
    return keras.Model(features, probs, name="image_head")


def build_image_model(base: keras.Model, head: keras.Model) -> keras.Model:
    """Preprocessed 224x224 BGR image -> class probabilities, in one call."""
    return keras.Model(base.input, head(base.output, training=False), name="image_branch")


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
