"""The frozen part of the image branch as ONNX, converted and quantised once for all versions.

VGG16 and the pooling that turns its maps into features are frozen: of an image
branch, only the head changes from one version to the next. So the conversion of
that frozen part to ONNX and its int8 calibration (VGG16's convolutions, ranged on
the calibration photos) are done once and kept on the model volume, under a key of
everything they depend on: the conv weights, the features, the input size, the
calibration photos and the tools. ``trainer.export`` appends each version's head to
these files (``attach_head``). A warm retrain saves some fifty seconds of conversion
and calibration (docs/image-branch.md, round 7).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from model_service.params import ModelParams
from model_service.preprocessing import vgg16_input
from trainer.features import weights_tag

logger = logging.getLogger(__name__)

OPSET = 17
FP32_FILE, INT8_FILE = "backbone.fp32.onnx", "backbone.int8.onnx"
KEPT = 2
"""Backbones kept on the volume (about 70 MB each): the one used last and the one used
before it, so that exporting an older version of other features costs no conversion
on the way back."""

CALIBRATION_BATCH = 4
"""Photos per calibration pass: every VGG16 activation of a batch is held at once
(measured peak: 2.4 GB at 8 photos, 1.0 GB at 2; 8 was a third faster than 2)."""

QUANTISED_OPS = ["Conv", "MaxPool"]
"""Only VGG16's convolutions (and the pools between them) run in int8. What reads their
output stays float: the global, grid and second-order pools, the head and the softmax.
Quantised there, features that span a tenth of a unit would share an 8-bit scale with maxima in
the hundreds and vanish, and scores would be multiples of 1/255; in float they cost
some 15 million multiplications against VGG16's 15 billion."""

TOOLS = ("keras", "tensorflow", "tf2onnx", "onnx", "onnxruntime")
"""Packages whose versions shape the files: an upgrade converts and calibrates anew."""


@dataclass(frozen=True)
class Backbone:
    """Preprocessed image (batch, size, size, 3) -> the features an image head reads.

    ``int8`` is None when there was no photo to calibrate with.
    """

    fp32: Path
    int8: Path | None
    calibration_photos: int
    """Photos the int8 file's ranges were measured on (0 without one)."""
    built: bool
    """Whether this call converted it (False: it came from the cache)."""


def cached_backbone(
    root: Path, params: ModelParams, weights: Path | str | None, calibration: np.ndarray
) -> Backbone:
    """The backbone that ``params``' image head reads, over VGG16 with ``weights``,
    int8 calibrated on ``calibration`` (RGB uint8 photos): from ``root`` when it is
    there, else converted and stored there. Older ones beyond ``KEPT`` go."""
    target = root / _key(params, weights, calibration)
    built = not (target / FP32_FILE).is_file()
    if built:
        from model_service.model import build_image_features, build_vgg16_base

        started = time.monotonic()
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=".build-") as tmp:
            work = Path(tmp) / "backbone"
            work.mkdir()
            base = build_vgg16_base(weights, params.image_size)
            extractor = build_image_features(base, params.image_features)
            convert_features(extractor, params.image_size, work / FP32_FILE)
            if len(calibration):
                quantize(work / FP32_FILE, work / INT8_FILE, calibration)
            try:
                os.rename(work, target)  # whole or absent, for any reader
            except OSError:  # another export stored the same one first
                if not (target / FP32_FILE).is_file():
                    raise
        logger.info("converted %s to ONNX in %.0fs", target.name, time.monotonic() - started)
    os.utime(target)  # the newest used is the last evicted
    _evict(root, keep=target)
    int8 = target / INT8_FILE
    if not int8.is_file():
        return Backbone(target / FP32_FILE, None, 0, built)
    return Backbone(target / FP32_FILE, int8, len(calibration), built)


def _key(params: ModelParams, weights: Path | str | None, calibration: np.ndarray) -> str:
    """The cache directory's name: readable fields, then a hash of everything."""
    kind, size, tag = params.image_features, params.image_size, weights_tag(weights)
    described = {
        "backbone": [kind, size, tag],
        "opset": OPSET,
        "quantised_ops": QUANTISED_OPS,
        "tools": {name: import_module(name).__version__ for name in TOOLS},
        "calibration": hashlib.sha256(np.ascontiguousarray(calibration)).hexdigest(),
        "calibration_shape": list(calibration.shape),
    }
    digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
    return f"{kind}-{size}-{tag}-{digest[:16]}"


def _evict(root: Path, keep: Path) -> None:
    stored = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in [p for p in stored if p != keep][KEPT - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def convert_features(extractor: Any, image_size: int, path: Path) -> None:
    """The Keras extractor (image -> features) as an ONNX file."""
    import tensorflow as tf

    convert(
        tf.function(lambda x: extractor(x, training=False)),
        [tf.TensorSpec([None, image_size, image_size, 3], tf.float32, name="image")],
        path,
    )


def convert(fn: Any, signature: list[Any], path: Path) -> None:
    import tf2onnx

    tf2onnx.convert.from_function(fn, input_signature=signature, opset=OPSET, output_path=str(path))


def quantize(fp32: Path, int8: Path, photos: np.ndarray) -> None:
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


def attach_head(backbone: Path, head: Path, out: Path) -> None:
    """One ONNX file: ``backbone``'s features fed to ``head``; the head's names get a
    ``head/`` prefix, so the two converters' names never clash."""
    import onnx
    from onnx import compose

    first, second = onnx.load(str(backbone)), onnx.load(str(head))
    # The quantiser may write another IR version and add its own domain: align them.
    second.ir_version = first.ir_version
    domains = {op.domain: op.version for op in first.opset_import}
    for op in second.opset_import:
        if op.domain not in domains:
            first.opset_import.append(op)
    joined = compose.merge_models(
        first, second,
        io_map=[(first.graph.output[0].name, second.graph.input[0].name)],
        prefix2="head/",
    )  # fmt: skip
    onnx.save(joined, str(out))
