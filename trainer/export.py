"""A version's branches as the files workers serve: ONNX fp32, int8, and the gate between.

``export_version`` converts the text branch and the image branch's head to ONNX and
appends the head to the frozen backbone (VGG16 and the pooling, fp32 and static int8,
from ``trainer.backbone``'s cache: QDQ, per-channel int8 weights, uint8 activations
ranged on a fixed sample of training photos), then scores fp32 and int8 on the
version's evaluation products. int8 is servable only when it keeps the scores
(``int8_gate``); the verdict goes into ``serving.json``, which is written last.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_service.fusion import ProductInput, fuse_products
from model_service.runtime import IMAGE_FILES, SERVING_FILE, TEXT_FILE, OnnxPredictor
from model_service.version import ModelVersion
from trainer import metrics
from trainer.backbone import OPSET, Backbone, attach_head, convert

logger = logging.getLogger(__name__)

CALIBRATION_PHOTOS = 128
"""Training photos whose activations set the int8 ranges: enough for stable ranges,
a few seconds of fp32 passes."""

GATE_MAX_F1_LOSS = 0.01
"""int8 may lose at most one point of weighted F1, on image rows and on all rows..."""
GATE_MIN_AGREEMENT = 0.95
"""...and must give fp32's top-1 answer on at least this share of the photos."""


@dataclass(frozen=True)
class GateSet:
    """The labelled products int8 is checked on (the version's evaluation products)."""

    items: list[ProductInput]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def export_version(
    path: Path,
    version: ModelVersion,
    backbone: Backbone,
    gate_set: GateSet,
    engine: str = "openvino",
) -> dict[str, Any]:
    """Add the ONNX files of ``version`` to its directory ``path``; the export record.

    ``backbone``: the frozen part's files (``trainer.backbone.cached_backbone``);
    ``engine`` runs the image files for the gate, as it will in the workers. Workers
    take a version as exported once ``serving.json`` exists, so it is written last.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".export-{path.name}-") as tmp:
        work = Path(tmp)
        export_text(version, work / TEXT_FILE)
        export_head(version, work / "head.onnx")
        attach_head(backbone.fp32, work / "head.onnx", work / IMAGE_FILES["fp32"])
        if backbone.int8:  # a catalogue without photos gets no int8 file: fp32 serves
            attach_head(backbone.int8, work / "head.onnx", work / IMAGE_FILES["int8"])
        written = [file for file in _files() if (work / file).is_file()]
        sizes = {file: round((work / file).stat().st_size / 1e6, 1) for file in written}
        (path / IMAGE_FILES["int8"]).unlink(missing_ok=True)  # none from an earlier export
        for file in written:
            os.replace(work / file, path / file)
    scores = score_runtimes(path, gate_set, engine)
    gate = (
        int8_gate(scores["fp32"], scores["int8"], scores["agreement"])
        if "int8" in scores
        else {"servable": False, "reason": "no training photo to calibrate int8 with"}
    )
    record = {
        "runtimes": scores,
        "int8": gate | {"agreement": scores["agreement"]},
        "engine": engine,
        "calibration_photos": backbone.calibration_photos,
        "backbone": {"name": backbone.fp32.parent.name, "converted": backbone.built},
        "opset": OPSET,
        "sizes_mb": sizes,
        "seconds": round(time.monotonic() - started, 1),
    }
    _write_json(path / SERVING_FILE, record)
    logger.info(
        "exported %s to ONNX in %.0fs: int8 %s (%s)",
        version.name, record["seconds"],
        "servable" if record["int8"]["servable"] else "not servable", record["int8"]["reason"],
    )  # fmt: skip
    return record


def _files() -> tuple[str, ...]:
    return (TEXT_FILE, *IMAGE_FILES.values())


# --- conversion -------------------------------------------------------------------------


def export_text(version: ModelVersion, path: Path) -> None:
    """Token ids (batch, any length) -> class probabilities."""
    import tensorflow as tf

    model = version.text_model
    convert(
        tf.function(lambda ids: model(ids, training=False)),
        [tf.TensorSpec([None, None], tf.int32, name="token_ids")],
        path,
    )


def export_head(version: ModelVersion, path: Path) -> None:
    """The image head alone: features (batch, *shape) -> class probabilities."""
    import tensorflow as tf

    from model_service.model import feature_shape

    head, params = version.image_head, version.params
    shape = feature_shape(params.image_features, params.image_size)
    convert(
        tf.function(lambda x: head(x, training=False)),
        [tf.TensorSpec([None, *shape], tf.float32, name="features")],
        path,
    )


# --- the gate ---------------------------------------------------------------------------


def score_runtimes(
    path: Path, gate_set: GateSet, engine: str = "openvino", batch_size: int = 32
) -> dict[str, Any]:
    """Weighted F1 of each image runtime on photo rows and on all rows (fused, as served),
    and the share of photos where int8's top answer is fp32's.

    Each branch runs once per product: the text file is the same under both runtimes,
    and each image runtime's probabilities serve its photo rows and its fusion alike.
    """
    items = gate_set.items
    has_image = np.array([item.image is not None for item in items], dtype=bool)
    out: dict[str, Any] = {"products": len(gate_set), "photos": int(has_image.sum())}
    photos = [item.image for item in items if item.image is not None]
    stacked = np.stack(photos) if photos else np.zeros((0, 1, 1, 3), np.uint8)
    p_text: np.ndarray | None = None
    top1 = {}
    for runtime, file in IMAGE_FILES.items():
        if not (path / file).is_file():
            continue
        predictor = OnnxPredictor(path, runtime, engine)
        if p_text is None:
            texts = [item.text for item in items if item.text]
            p_text = _in_batches(predictor.text_probs, texts, batch_size)
        p_image = _in_batches(predictor.image_probs, stacked, batch_size)
        fused = fuse_products(items, p_text, p_image, predictor.text_weight, predictor.num_classes)
        top1[runtime] = p_image.argmax(1) if len(p_image) else np.zeros(0, np.int64)
        out[runtime] = {
            "f1_image": _f1(gate_set.labels[has_image], top1[runtime]),
            "f1_all": _f1(gate_set.labels, fused.argmax(1) if len(fused) else top1[runtime]),
        }
    compared = "int8" in top1 and has_image.any()
    out["agreement"] = float(np.mean(top1["int8"] == top1["fp32"])) if compared else None
    return out


def int8_gate(
    fp32: dict[str, float], int8: dict[str, float], agreement: float | None
) -> dict[str, Any]:
    """Whether int8 may serve: at most one point of weighted F1 below fp32 on photo rows
    and on all rows (``f1_image``, ``f1_all``), and fp32's top-1 answer on at least 95 %
    of the photos (``agreement``; None when there was no photo to compare on)."""
    if agreement is None:
        return {"servable": False, "reason": "no evaluation photo to check int8 on"}
    for key, rows in (("f1_image", "photo rows"), ("f1_all", "all rows")):
        loss = fp32[key] - int8[key]
        if loss > GATE_MAX_F1_LOSS + 1e-9:
            return {
                "servable": False,
                "reason": f"int8 loses {loss * 100:.1f} points of weighted F1 on {rows}",
            }
    if agreement < GATE_MIN_AGREEMENT:
        return {
            "servable": False,
            "reason": f"int8 gives fp32's answer on {agreement:.1%} of photos "
            f"(needs {GATE_MIN_AGREEMENT:.0%})",
        }
    return {
        "servable": True,
        "reason": "within 1 point of fp32's weighted F1, same answer on enough photos",
    }


def _in_batches(fn: Any, rows: Any, size: int) -> np.ndarray:
    parts = [fn(rows[s : s + size]) for s in range(0, len(rows), size)]
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def _f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    if not len(labels):
        return 0.0
    return float(metrics.scores(labels, predicted, detail=False)["f1_weighted"])


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)
