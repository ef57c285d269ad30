"""A version's branches as the files workers serve: ONNX fp32, int8, and the gate between.

``export_version`` converts the text branch and the whole image branch (VGG16 and
head, whatever features the head reads) to ONNX, quantises the image branch
statically to int8 (QDQ: per-channel int8 weights, uint8 activations) with ranges
measured on a fixed sample of training photos, then scores fp32 and int8 on the
version's evaluation products. int8 is servable only when it keeps the scores
(``int8_gate``); the verdict goes into ``serving.json``, which is written last.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_service.fusion import ProductInput, fuse_products
from model_service.preprocessing import vgg16_input
from model_service.runtime import IMAGE_FILES, SERVING_FILE, TEXT_FILE, OnnxPredictor
from model_service.version import ModelVersion
from trainer import metrics

logger = logging.getLogger(__name__)

OPSET = 17
CALIBRATION_PHOTOS = 128
"""Training photos whose activations set the int8 ranges: enough for stable ranges,
a few seconds of fp32 passes."""
CALIBRATION_BATCH = 4
"""Photos per calibration pass: every VGG16 activation of a batch is held at once
(measured peak: 2.4 GB at 8 photos, 1.0 GB at 2; 8 was a third faster than 2)."""

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
    vgg16_base: Any,
    calibration: np.ndarray,
    gate_set: GateSet,
    engine: str = "openvino",
) -> dict[str, Any]:
    """Add the ONNX files of ``version`` to its directory ``path``; the export record.

    ``calibration``: RGB uint8 training photos (n, size, size, 3); ``engine`` runs the
    image files for the gate, as it will in the workers. Workers take a
    version as exported once ``serving.json`` exists, so it is written last.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".export-{path.name}-") as tmp:
        work = Path(tmp)
        export_text(version, work / TEXT_FILE)
        export_image(version, vgg16_base, work / IMAGE_FILES["fp32"])
        if len(calibration):  # a catalogue without photos gets no int8 file: fp32 serves
            quantize_image(work / IMAGE_FILES["fp32"], work / IMAGE_FILES["int8"], calibration)
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
        "calibration_photos": len(calibration),
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
    _convert(
        tf.function(lambda ids: model(ids, training=False)),
        [tf.TensorSpec([None, None], tf.int32, name="token_ids")],
        path,
    )


def export_image(version: ModelVersion, vgg16_base: Any, path: Path) -> None:
    """Preprocessed image (batch, size, size, 3) -> class probabilities: VGG16 and head."""
    import tensorflow as tf

    from model_service.model import build_image_model

    size = version.params.image_size
    model = build_image_model(vgg16_base, version.image_head, version.params.image_features)
    _convert(
        tf.function(lambda x: model(x, training=False)),
        [tf.TensorSpec([None, size, size, 3], tf.float32, name="image")],
        path,
    )


def _convert(fn: Any, signature: list[Any], path: Path) -> None:
    import tf2onnx

    tf2onnx.convert.from_function(fn, input_signature=signature, opset=OPSET, output_path=str(path))


QUANTISED_OPS = ["Conv", "MaxPool"]
"""Only VGG16's convolutions (and the pools between them) run in int8. What reads their
output stays float: the global, grid and second-order pools, the head and the softmax.
Quantised there, features that span a tenth of a unit would share an 8-bit scale with maxima in
the hundreds and vanish, and scores would be multiples of 1/255; in float they cost
some 15 million multiplications against VGG16's 15 billion."""


def quantize_image(fp32: Path, int8: Path, photos: np.ndarray) -> None:
    """Static QDQ int8: per-channel int8 weights, uint8 activations ranged on ``photos``."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Photos(CalibrationDataReader):
        """Batches of preprocessed photos; ``set_range`` picks which ones the next pass reads."""

        def __init__(self) -> None:
            self._all = list(_batches(photos, CALIBRATION_BATCH))
            self._next = iter(self._all)

        def __len__(self) -> int:
            return len(self._all)

        def set_range(self, start_index: int, end_index: int) -> None:
            self._next = iter(self._all[start_index:end_index])

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self._next, None)
            return None if batch is None else {"image": vgg16_input(batch)}

    quantize_static(
        str(fp32), str(int8), Photos(),
        quant_format=QuantFormat.QDQ, per_channel=True, op_types_to_quantize=QUANTISED_OPS,
        weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
        calibrate_method=CalibrationMethod.MinMax,
        # Ranges are measured one batch at a time and merged: VGG16's activations for
        # every photo at once would take gigabytes.
        extra_options={"CalibStridedMinMax": 1},
    )  # fmt: skip


def _batches(x: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, len(x), size):
        yield x[start : start + size]


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
