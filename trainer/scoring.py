"""A version's class probabilities on products from the database, as workers would answer.

The text branch reads the version's own vocabulary; the image branch reads VGG16
features from the cache on the model volume (exactly that base's output), so scoring
a version again costs its heads only. Used by training (the fusion weight, the
evaluation set, production's score beside it) and by ``trainer tune``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from common.image_store import ImageStore
from common.settings import Settings
from model_service.fusion import fuse as fuse_one
from model_service.model import ModelParams, build_image_features, build_vgg16_base
from model_service.version import ModelVersion
from trainer import dataset, metrics
from trainer.features import FeatureCache, weights_tag
from trainer.fit_loop import predict_token_ids


def feature_cache(settings: Settings, params: ModelParams) -> FeatureCache:
    """The cache on the model volume of the VGG16 features that ``params``' image head reads."""
    size, kind = params.image_size, params.image_features
    return FeatureCache(
        settings.features_path, ImageStore(settings.images_path),
        lambda: build_image_features(build_vgg16_base(settings.vgg16_weights, size), kind), size,
        weights_tag(settings.vgg16_weights), max_pixels=settings.max_image_pixels, kind=kind,
        framing=params.image_framing,
    )  # fmt: skip


def branch_probs(
    version: ModelVersion, ex: dataset.Examples, cache: FeatureCache
) -> tuple[np.ndarray, np.ndarray]:
    """Each branch's (n, 27) probabilities for every row (zeros where the modality is absent).

    The same arithmetic as ``Predictor``: encoder ids -> text model; image -> VGG16 -> head,
    with the VGG16 part read from the cache (the cache holds exactly that base's output).
    """
    return text_probs(version, ex), image_probs(version, ex, cache)


def text_probs(version: ModelVersion, ex: dataset.Examples) -> np.ndarray:
    """The text branch's half of ``branch_probs``."""
    p_text = np.zeros((len(ex), version.params.num_classes), np.float32)
    t = ex.has_text
    if t.any():
        ids = version.encoder.encode(
            [x for x, m in zip(ex.texts, t, strict=True) if m], version.params.seq_len
        )
        p_text[t] = predict_token_ids(version.text_model, ids)  # padding is masked: same result
    return p_text


def image_probs(version: ModelVersion, ex: dataset.Examples, cache: FeatureCache) -> np.ndarray:
    """The image branch's half of ``branch_probs``."""
    p_image = np.zeros((len(ex), version.params.num_classes), np.float32)
    i = ex.has_image
    if i.any():
        feats = cache.features([h for h in ex.image_hashes if h is not None])
        p_image[i] = _predict(version.image_head, feats)
    return p_image


def fused_probs(
    version: ModelVersion, ex: dataset.Examples, p_text: np.ndarray, p_image: np.ndarray
) -> np.ndarray:
    """Per-product fusion with ``model_service.model.fuse``, exactly as served."""
    t, i = ex.has_text, ex.has_image
    return (
        np.stack(
            [
                fuse_one(
                    p_text[n] if t[n] else None, p_image[n] if i[n] else None, version.text_weight
                )
                for n in range(len(ex))
            ]
        )
        if len(ex)
        else np.zeros((0, version.params.num_classes), np.float32)
    )


def evaluate_examples(
    version: ModelVersion, ex: dataset.Examples, cache: FeatureCache
) -> dict[str, Any]:
    """Full metrics of ``version`` on ``ex`` (fused, per modality, each branch alone)."""
    p_text, p_image = branch_probs(version, ex, cache)
    fused = fused_probs(version, ex, p_text, p_image)
    return metrics.evaluation(ex.labels, fused, ex.has_text, ex.has_image, p_text, p_image)


def _predict(model: Any, x: np.ndarray, batch: int = 512) -> np.ndarray:
    return np.concatenate(
        [np.asarray(model(x[s : s + batch], training=False)) for s in range(0, len(x), batch)]
    )
