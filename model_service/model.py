"""The Keras models of both branches: a BiGRU over the text, a VGG16 and a head over the photo.

The trainer trains them and exports them to ONNX (``trainer.export``); the workers
serve the ONNX files. Small factory functions, each building one named piece. Sizes come from
``ModelParams`` so tests build tiny models with the same code.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402  (the backend must be chosen before Keras is imported)

from model_service.params import IMAGE_FEATURES, ModelParams  # noqa: E402
from model_service.pooling import SecondOrderPooling, second_order_size  # noqa: E402
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

GRID_CELLS = 2
"""``grid`` features also average each of ``POOLED_LAYERS`` over the cells of a
``GRID_CELLS`` x ``GRID_CELLS`` grid: a coarse layout of the framed product, which
global pooling forgets (+0.9 points in cross-validation, docs/image-branch.md)."""

SECOND_ORDER_CHANNELS = 64
"""``bilinear`` features add each of ``POOLED_LAYERS``' second-order pooling, its channels
first projected to this many (2,080 pairs a layer; see ``SecondOrderPooling``)."""

LAYER_STRIDE = 16
"""Input pixels per cell of ``POOLED_LAYERS``' maps (14x14 at 224x224)."""


def _grid_pool(image_size: int) -> tuple[int, int]:
    """(cells per side, map cells each grid cell averages) at ``image_size``."""
    side = image_size // LAYER_STRIDE
    pool = max(1, side // GRID_CELLS)
    return side // pool, pool


def feature_shape(kind: str, image_size: int) -> tuple[int, ...]:
    """Shape of one image's features of ``kind`` at ``image_size`` (what the cache stores)."""
    if kind == "flat":
        side = image_size // 32
        return (side, side, VGG16_FEATURE_SHAPE[2])
    if kind == "pooled":
        return (POOLED_FEATURES,)
    if kind in ("grid", "bilinear"):
        cells, _ = _grid_pool(image_size)
        size = POOLED_FEATURES + cells * cells * sum(c for _, c in POOLED_LAYERS)
        if kind == "bilinear":
            size += len(POOLED_LAYERS) * second_order_size(SECOND_ORDER_CHANNELS)
        return (size,)
    raise ValueError(f"unknown image features {kind!r}; expected one of {IMAGE_FEATURES}")


def build_text_model(params: ModelParams) -> keras.Model:
    """Token ids -> the mean of ``params.text_members`` members' class probabilities.

    Each member (``build_text_member``) is trained on its own; two members of six
    epochs score higher than one of twelve, in the same training time
    (docs/quality.md). One member is the member itself, as versions saved before
    members existed were.
    """
    if params.text_members == 1:
        return build_text_member(params)
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    members = [build_text_member(params, f"text_member_{m}") for m in range(params.text_members)]
    probs = keras.layers.Average(name="text_probs")([member(ids) for member in members])
    return keras.Model(ids, probs, name="text_branch")


def build_text_member(params: ModelParams, name: str = "text_branch") -> keras.Model:
    """Token ids -> Embedding -> Bidirectional(GRU) -> Dropout -> Dense softmax."""
    # Any length: serving pads to ``seq_len``, training cuts batches to their longest text.
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = keras.layers.Embedding(
        params.vocab_size, params.embed_dim, mask_zero=True, name="embedding"
    )(ids)
    x = keras.layers.Bidirectional(keras.layers.GRU(params.gru_units), name="bigru")(x)
    x = keras.layers.Dropout(params.text_dropout, name="dropout")(x)
    probs = keras.layers.Dense(params.num_classes, activation="softmax", name="text_probs")(x)
    return keras.Model(ids, probs, name=name)


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
    (``POOLED_FEATURES`` numbers); ``grid``: those, then each layer's average over
    each cell of a ``GRID_CELLS`` grid; ``bilinear``: those, then each layer's
    second-order pooling; ``flat``: ``block5_pool`` as it is.
    """
    if kind == "flat":
        return base
    if kind not in IMAGE_FEATURES:
        raise ValueError(f"unknown image features {kind!r}; expected one of {IMAGE_FEATURES}")
    pooled = []
    for name, _ in POOLED_LAYERS:
        activations = base.get_layer(name).output
        pooled.append(keras.layers.GlobalAveragePooling2D(name=f"{name}_avg")(activations))
        pooled.append(keras.layers.GlobalMaxPooling2D(name=f"{name}_max")(activations))
    if kind in ("grid", "bilinear"):
        _, pool = _grid_pool(base.input.shape[1])
        for name, _ in POOLED_LAYERS:
            cells = keras.layers.AveragePooling2D(pool, name=f"{name}_grid")(
                base.get_layer(name).output
            )
            pooled.append(keras.layers.Flatten(name=f"{name}_cells")(cells))
    if kind == "bilinear":
        for seed, (name, _) in enumerate(POOLED_LAYERS):
            pairs = SecondOrderPooling(SECOND_ORDER_CHANNELS, seed, name=f"{name}_pairs")
            pooled.append(pairs(base.get_layer(name).output))
    features = keras.layers.Concatenate(name="pooled_features")(pooled)
    return keras.Model(base.input, features, name=f"vgg16_{kind}")


def image_feature_shape(params: ModelParams) -> tuple[int, ...]:
    """Shape of one image's features as the head reads them (and the cache stores them)."""
    return feature_shape(params.image_features, params.image_size)


IMAGE_OUTPUT = "image_probs"
"""The image head's softmax layer; in a linear head, also the layer that reads the features."""


def build_image_head(params: ModelParams) -> keras.Model:
    """VGG16 features -> Flatten -> [Dense(hidden, relu) x 2] -> Dense softmax.

    ``image_hidden == 0`` gives a linear head: the softmax reads the features directly
    (a logistic regression; the default, see docs/image-branch.md). Dropout between
    the dense layers of a deeper head regularises training and is inert at inference.
    """
    features = keras.Input(shape=image_feature_shape(params), name="vgg16_features")
    x = keras.layers.Flatten(name="flatten")(features)
    if params.image_hidden:
        x = keras.layers.Dropout(params.image_dropout, name="dropout_in")(x)
        x = keras.layers.Dense(params.image_hidden, activation="relu", name="dense_1")(x)
        x = keras.layers.Dropout(params.image_dropout, name="dropout_1")(x)
        x = keras.layers.Dense(params.image_hidden, activation="relu", name="dense_2")(x)
    probs = keras.layers.Dense(params.num_classes, activation="softmax", name=IMAGE_OUTPUT)(x)
    return keras.Model(features, probs, name="image_head")


def build_image_model(base: keras.Model, head: keras.Model, kind: str) -> keras.Model:
    """Preprocessed 224x224 BGR image -> class probabilities, in one call."""
    features = build_image_features(base, kind)
    return keras.Model(base.input, head(features.output, training=False), name="image_branch")
