"""One model version served from its ONNX files: no TensorFlow in the process.

A version directory carries its branches as ONNX files, written by the trainer
(``trainer.export``): the text branch, the whole image branch (VGG16 and head) in
fp32, and a statically quantised int8 image branch with the verdict of its
accuracy gate in ``serving.json``. ``SERVING_RUNTIME`` picks which image file runs;
``IMAGE_ENGINE`` what runs it: OpenVINO (default: its int8 kernels use the CPU's
AMX and VNNI units, 2-3x ONNX Runtime's here, docs/serving-runtime.md) or ONNX
Runtime. The text branch always runs in ONNX Runtime (OpenVINO cannot read its
GRU loop).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from model_service.fusion import FusedPredictor
from model_service.preprocessing import vgg16_input
from model_service.version import read_meta

logger = logging.getLogger(__name__)

TEXT_FILE = "text.onnx"
IMAGE_FILES = {"fp32": "image.fp32.onnx", "int8": "image.int8.onnx"}
SERVING_FILE = "serving.json"
"""Written last by the export: its presence means every ONNX file beside it is complete."""

RUNTIMES = ("auto", "int8", "fp32")
"""``auto``: int8 where the version's accuracy gate passed, else fp32."""

ENGINES = ("openvino", "onnxruntime")
"""What runs the image branch's ONNX file."""

Model = Callable[[np.ndarray], np.ndarray]
"""A compiled branch: one input batch -> its probabilities."""


class NotExported(FileNotFoundError):
    """A version trained before its branches were exported to ONNX."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"model version {path.name} has no ONNX files, so ONNX workers cannot serve it: "
            f"run `python -m trainer export {path.name}`"
        )


def read_serving(path: Path) -> dict[str, Any]:
    """The version's export record (files, gate scores, decision); NotExported when absent."""
    record = path / SERVING_FILE
    if not record.is_file():
        raise NotExported(path)
    return json.loads(record.read_text())


def choose_runtime(path: Path, wanted: str) -> str:
    """The image runtime to serve for ``wanted`` (one of ``RUNTIMES``) in version ``path``."""
    if wanted not in RUNTIMES:
        raise ValueError(f"unknown serving runtime {wanted!r}; expected one of {RUNTIMES}")
    int8 = read_serving(path).get("int8", {})
    has_int8 = (path / IMAGE_FILES["int8"]).is_file()
    if wanted == "fp32":
        return "fp32"
    if wanted == "int8":
        if has_int8:
            if not int8.get("servable"):
                logger.warning("%s: serving int8 as asked, though it failed its gate", path.name)
            return "int8"
        logger.warning("%s has no int8 image branch: serving fp32", path.name)
        return "fp32"
    return "int8" if has_int8 and int8.get("servable") else "fp32"


def session_options(threads: int = 0) -> ort.SessionOptions:
    """One intra-op pool of ``threads`` (0: every core), no spinning.

    Workers sharing a machine take turns at inference (``INFERENCE_LOCK``): a pool
    that spun while waiting would burn the cores the worker holding the turn needs.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: its warnings are about graph rewrites
    return options


def open_session(path: Path, threads: int = 0) -> ort.InferenceSession:
    return ort.InferenceSession(
        str(path), session_options(threads), providers=["CPUExecutionProvider"]
    )


def run_one(session: ort.InferenceSession, x: np.ndarray) -> np.ndarray:
    """The single output of a single-input session."""
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def compile_model(
    path: Path, engine: str = "openvino", threads: int = 0, precision: str = "f32"
) -> Model:
    """The ONNX file at ``path``, compiled by ``engine`` for this machine's CPU.

    ``precision``: what OpenVINO runs float layers in; ``bf16`` is measured by
    ``make bench`` beside int8 (docs/serving-runtime.md), workers keep ``f32``.
    """
    if engine == "onnxruntime":
        session = open_session(path, threads)
        return lambda x: run_one(session, x)
    if engine != "openvino":
        raise ValueError(f"unknown image engine {engine!r}; expected one of {ENGINES}")
    import openvino as ov

    core = ov.Core()
    # f32 everywhere outside the int8 operations: by default OpenVINO would run float
    # layers in bf16 on CPUs that have it, and fp32 would no longer be the reference.
    compiled = core.compile_model(
        core.read_model(str(path)),
        "CPU",
        {
            "INFERENCE_NUM_THREADS": threads or os.cpu_count() or 1,
            "INFERENCE_PRECISION_HINT": precision,
            "PERFORMANCE_HINT": "LATENCY",
        },
    )
    request = compiled.create_infer_request()  # callers take turns: one request suffices

    def run(x: np.ndarray) -> np.ndarray:
        return np.array(request.infer([x])[0])  # a copy: the request reuses its buffer

    return run


class OnnxPredictor(FusedPredictor):
    """Text and image branches of one version as ONNX Runtime sessions, and their fusion.

    ``runtime`` is the image file to run, ``int8`` or ``fp32`` (see ``choose_runtime``);
    ``engine`` what runs it (one of ``ENGINES``).
    """

    def __init__(
        self, path: Path, runtime: str, engine: str = "openvino", threads: int = 0
    ) -> None:
        if runtime not in IMAGE_FILES:
            raise ValueError(f"unknown image runtime {runtime!r}; expected one of {IMAGE_FILES}")
        if not (path / TEXT_FILE).is_file():
            raise NotExported(path)
        self.version = read_meta(path)
        self.name = self.version.name
        self.text_weight = self.version.text_weight
        self.num_classes = self.version.params.num_classes
        self.runtime = runtime
        self.engine = engine
        self._text = compile_model(path / TEXT_FILE, "onnxruntime", threads)
        self._image = compile_model(path / IMAGE_FILES[runtime], engine, threads)

    def run_text(self, ids: np.ndarray) -> np.ndarray:
        return self._text(ids)

    def image_probs(self, images: np.ndarray) -> np.ndarray:
        return self._image(vgg16_input(images))


def load_predictor(
    path: Path, wanted: str = "auto", engine: str = "openvino", threads: int = 0
) -> OnnxPredictor:
    """The predictor a worker serves for version ``path`` under ``SERVING_RUNTIME=wanted``."""
    return OnnxPredictor(path, choose_runtime(path, wanted), engine, threads)
