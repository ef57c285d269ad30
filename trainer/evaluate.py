"""``trainer evaluate``: score a version on a directory of labelled products, without importing it.

Products go through the runtime the model workers serve (``--runtime``, default
``auto`` as ``SERVING_RUNTIME``): same cleaning, image decoding, ONNX files and
fusion, so offline scores are served scores. ``keras`` scores the Keras weights.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from common import model_store
from common.categories import CLASS_INDEX
from common.settings import Settings
from model_service import runtime as served_runtime
from model_service.fusion import FusedPredictor, ProductInput
from model_service.model import build_vgg16_base
from model_service.predictor import KERAS, Predictor
from model_service.runtime import RUNTIMES
from model_service.version import load_version
from trainer import layouts, metrics
from trainer.errors import NoModel

logger = logging.getLogger(__name__)


def resolve_version(settings: Settings, version: str | None) -> Path:
    """The directory of ``version``, or of production when None."""
    name = version or model_store.production_version(settings.models_path)
    if name is None:
        raise NoModel(
            "no production model version yet: train one first (python -m trainer "
            "train) or name one with --version"
        )
    path = model_store.version_path(settings.models_path, name)
    if not model_store.is_complete(path):
        raise model_store.UnknownVersion(
            f"no complete model version '{name}' in {settings.models_path}"
        )
    return path


EVALUATION_RUNTIMES = (*RUNTIMES, KERAS)


def load_predictor(settings: Settings, path: Path, runtime: str = "auto") -> FusedPredictor:
    """The version at ``path`` as workers load it under ``SERVING_RUNTIME=runtime``,
    or its Keras models (``keras``, with a VGG16 base of its own input size)."""
    if runtime != KERAS:
        return served_runtime.load_predictor(
            path, runtime, settings.image_engine, settings.inference_threads
        )
    loaded = load_version(path)
    return Predictor(loaded, build_vgg16_base(settings.vgg16_weights, loaded.params.image_size))


def evaluate_directory(
    settings: Settings,
    data: Path,
    version: str | None = None,
    split: str | None = None,
    *,
    batch_size: int = 64,
    progress: bool = False,
    branches: bool = False,
    runtime: str = "auto",
    predictor: FusedPredictor | None = None,
) -> dict[str, Any]:
    """Metrics of a version on the products of ``data`` (either layout), as one JSON object.

    ``branches`` adds each branch alone (on its rows, and on rows with both modalities).
    """
    if predictor is None:
        predictor = load_predictor(settings, resolve_version(settings, version), runtime)
    params = predictor.version.params
    layout, checked, total = layouts.read_products(
        data, split, settings.max_image_pixels, decode_size=params.image_size, progress=progress,
        framing=params.image_framing,
    )  # fmt: skip
    items: list[ProductInput] = []
    labels: list[int] = []
    rejected: dict[str, int] = {}
    for row in checked:
        if isinstance(row, layouts.Rejection):
            rejected[row.reason] = rejected.get(row.reason, 0) + 1
            continue
        items.append(ProductInput(row.text, row.image))
        labels.append(CLASS_INDEX[row.code])
    logger.info(
        "evaluating %s on %d products of %s (%s), %d rows skipped",
        predictor.name,
        len(items),
        data,
        layout,
        total - len(items),
    )
    k = predictor.version.params.num_classes
    chunks = range(0, len(items), batch_size)
    probs = (
        np.concatenate([predictor.predict(items[s : s + batch_size]) for s in chunks])
        if items
        else np.zeros((0, k), np.float32)
    )
    has_text = np.array([bool(i.text) for i in items], dtype=bool)
    has_image = np.array([i.image is not None for i in items], dtype=bool)
    p_text = p_image = None
    if branches:  # each branch alone, on every row that has its modality
        p_text, p_image = np.zeros_like(probs), np.zeros_like(probs)
        if has_text.any():
            p_text[has_text] = predictor.text_probs([i.text for i in items if i.text])
        for s in chunks:
            rows = [n for n in range(s, min(s + batch_size, len(items))) if has_image[n]]
            if rows:
                p_image[rows] = predictor.image_probs(np.stack([items[n].image for n in rows]))
    scores = metrics.evaluation(
        np.array(labels, dtype=np.int64), probs, has_text, has_image, p_text, p_image, detail=False
    )
    out = metrics.short(scores)
    if branches:
        out["branches"] = {
            name: metrics.summary(b) | {"on_both": b["on_both"]}
            for name, b in scores["branches"].items()
        }
    out.update(
        {
            "version": predictor.name,
            "runtime": predictor.runtime,
            "data": str(data),
            "split": split,
            "skipped": rejected,
        }
    )
    return out
