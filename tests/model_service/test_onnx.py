"""The ONNX files workers serve: export, int8 quantisation, the accuracy gate, the choice.

Tiny versions (random VGG16 at 32x32) check the shapes and the plumbing; a slow test
checks the real ImageNet VGG16 once.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from model_service.fusion import ProductInput
from model_service.preprocessing import load_image
from model_service.runtime import (
    ENGINES,
    IMAGE_FILES,
    SERVING_FILE,
    TEXT_FILE,
    NotExported,
    OnnxPredictor,
    choose_runtime,
    load_predictor,
)
from tests.factories import TINY_IMAGE_SIZE, make_tiny_version, noisy_jpeg
from trainer.export import GATE_MIN_AGREEMENT, int8_gate

keras = pytest.importorskip("keras")


def _photos(n: int, size: int = TINY_IMAGE_SIZE) -> np.ndarray:
    return np.stack([load_image(noisy_jpeg(seed=s), size=size) for s in range(n)])


def _keras(path, weights="random"):  # type: ignore[no-untyped-def]
    from model_service.model import build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.version import load_version

    version = load_version(path)
    return Predictor(version, build_vgg16_base(weights, version.params.image_size))


# --- the gate's arithmetic --------------------------------------------------------------


FP32 = {"f1_image": 0.400, "f1_all": 0.720}


def test_the_gate_passes_int8_within_one_point_and_agreeing() -> None:
    verdict = int8_gate(FP32, {"f1_image": 0.391, "f1_all": 0.7105}, 0.96)
    assert verdict["servable"] is True


@pytest.mark.parametrize(
    ("int8", "agreement", "reason"),
    [
        ({"f1_image": 0.385, "f1_all": 0.72}, 0.99, "1.5 points of weighted F1 on photo rows"),
        ({"f1_image": 0.40, "f1_all": 0.705}, 0.99, "1.5 points of weighted F1 on all rows"),
        ({"f1_image": 0.40, "f1_all": 0.72}, 0.94, "94.0% of photos"),
        ({"f1_image": 0.40, "f1_all": 0.72}, None, "no evaluation photo"),
    ],
)
def test_the_gate_refuses_int8_that_loses_a_score_or_disagrees(int8, agreement, reason) -> None:  # type: ignore[no-untyped-def]
    verdict = int8_gate(FP32, int8, agreement)
    assert verdict["servable"] is False
    assert reason in verdict["reason"]


def test_the_gate_measures_agreement_against_its_threshold() -> None:
    assert int8_gate(FP32, FP32, GATE_MIN_AGREEMENT)["servable"] is True
    assert int8_gate(FP32, FP32, GATE_MIN_AGREEMENT - 0.001)["servable"] is False


# --- export ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A tiny version exported for real by the trainer's export."""
    from model_service.version import load_version
    from tests.factories import tiny_export

    path = make_tiny_version(tmp_path_factory.mktemp("models"), "v1", promote=False, export=False)
    record = tiny_export(path, load_version(path))
    return path, record


def test_export_writes_every_file_and_its_record(exported) -> None:  # type: ignore[no-untyped-def]
    path, record = exported
    for name in (TEXT_FILE, *IMAGE_FILES.values()):
        assert (path / name).stat().st_size > 0
    assert json.loads((path / SERVING_FILE).read_text()) == record
    assert set(record["runtimes"]) >= {"fp32", "int8", "agreement"}
    assert record["calibration_photos"] == 8
    assert (
        record["int8"]["servable"]
        == int8_gate(
            record["runtimes"]["fp32"], record["runtimes"]["int8"], record["runtimes"]["agreement"]
        )["servable"]
    )
    # Static int8: a quarter of fp32's bytes, weights stored as 8-bit integers.
    assert record["sizes_mb"]["image.int8.onnx"] < record["sizes_mb"]["image.fp32.onnx"] / 3


@pytest.mark.parametrize("engine", ENGINES)
def test_onnx_fp32_answers_as_keras_on_both_branches(exported, engine) -> None:  # type: ignore[no-untyped-def]
    path, _ = exported
    reference, onnx = _keras(path), OnnxPredictor(path, "fp32", engine)
    texts = ["piscine livre", "jeu", "console jeu livre piscine jeu", "mot inconnu"]
    np.testing.assert_allclose(onnx.text_probs(texts), reference.text_probs(texts), atol=1e-4)
    photos = _photos(3)
    np.testing.assert_allclose(onnx.image_probs(photos), reference.image_probs(photos), atol=1e-4)
    items = [
        ProductInput("jeu", photos[0]),
        ProductInput("", photos[1]),
        ProductInput("livre", None),
    ]
    np.testing.assert_allclose(onnx.predict(items), reference.predict(items), atol=1e-4)


@pytest.mark.parametrize("engine", ENGINES)
def test_int8_is_an_int8_graph_close_to_fp32(exported, engine) -> None:  # type: ignore[no-untyped-def]
    import onnx

    path, _ = exported
    graph = onnx.load(str(path / IMAGE_FILES["int8"])).graph
    ops = {node.op_type for node in graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    int8 = [i for i in graph.initializer if i.data_type == onnx.TensorProto.INT8]
    assert len(int8) >= 13  # every conv kernel of VGG16, per-channel
    photos = _photos(4)
    p8 = OnnxPredictor(path, "int8", engine).image_probs(photos)
    p32 = OnnxPredictor(path, "fp32", engine).image_probs(photos)
    np.testing.assert_allclose(p8.sum(1), 1.0, rtol=1e-4)
    assert np.abs(p8 - p32).max() < 0.05


def test_a_catalogue_without_photos_exports_fp32_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No training photo to calibrate with: no int8 file, and fp32 serves."""
    from model_service.version import load_version
    from trainer.backbone import cached_backbone
    from trainer.export import GateSet, export_version

    path = make_tiny_version(tmp_path, "v1", promote=False, export=False)
    version = load_version(path)
    no_photos = np.zeros((0, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3), np.uint8)
    backbone = cached_backbone(tmp_path / "backbones", version.params, "random", no_photos)
    gate_set = GateSet([ProductInput("jeu", None), ProductInput("livre", None)], np.array([0, 1]))
    record = export_version(path, version, backbone, gate_set)
    assert not (path / IMAGE_FILES["int8"]).exists()
    assert record["int8"] == {
        "servable": False,
        "reason": "no training photo to calibrate int8 with",
        "agreement": None,
    }
    assert set(record["runtimes"]) == {"products", "photos", "fp32", "agreement"}
    assert load_predictor(path).runtime == "fp32"


# --- which file serves -----------------------------------------------------------------


def _with_gate(path, servable: bool) -> None:  # type: ignore[no-untyped-def]
    record = json.loads((path / SERVING_FILE).read_text())
    record["int8"]["servable"] = servable
    (path / SERVING_FILE).write_text(json.dumps(record))


def test_auto_serves_int8_only_where_its_gate_passed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    passed = make_tiny_version(tmp_path, "v1", promote=False)
    failed = make_tiny_version(tmp_path, "v2", promote=False)
    _with_gate(passed, True)
    _with_gate(failed, False)
    assert choose_runtime(passed, "auto") == "int8"
    assert load_predictor(failed, "auto").runtime == "fp32"
    assert choose_runtime(failed, "int8") == "int8"  # asked for by name: served, with a warning
    assert choose_runtime(passed, "fp32") == "fp32"
    (passed / IMAGE_FILES["int8"]).unlink()
    assert choose_runtime(passed, "int8") == "fp32"
    with pytest.raises(ValueError, match="unknown serving runtime"):
        choose_runtime(passed, "fp16")


def test_a_version_without_onnx_files_names_the_command_that_makes_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = make_tiny_version(tmp_path, "v3", promote=False, export=False)
    with pytest.raises(NotExported, match="python -m trainer export v3"):
        load_predictor(path)


def test_a_worker_process_serves_without_tensorflow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What ``python -m model_service`` imports to load and run a version: no TensorFlow."""
    path = make_tiny_version(tmp_path, "v1", promote=False)
    code = f"""
import sys
import numpy as np
import model_service.__main__
from common.settings import Settings
from model_service.worker import model_loader
from model_service.fusion import ProductInput
settings = Settings(model_dir={str(tmp_path)!r}, serving_runtime="fp32")
predictor = model_loader(settings)("v1")
probs = predictor.predict([ProductInput("jeu", np.zeros((32, 32, 3), np.uint8))])
assert probs.shape == (1, 27), probs.shape
print(predictor.runtime, predictor.engine, sorted(m for m in sys.modules if m.split(".")[0] in
      ("tensorflow", "keras", "tf2onnx")))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["fp32", "openvino", "[]"]
    assert path.is_dir()


@pytest.mark.slow
def test_onnx_fp32_answers_as_keras_with_the_imagenet_vgg16(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from model_service.params import ModelParams
    from model_service.version import load_version, save_version
    from tests.conftest import require_vgg16_weights
    from trainer.backbone import attach_head, cached_backbone
    from trainer.export import export_head

    weights = require_vgg16_weights()
    tiny = make_tiny_version(tmp_path / "tiny", "v1", promote=False, export=False)
    loaded = load_version(tiny)
    # The tiny heads on a full-size image: the real VGG16 at 224x224 under a small head.
    from model_service.model import build_image_head, build_text_model

    params = ModelParams(**{**loaded.params.to_dict(), "image_size": 224, "image_hidden": 16})
    loaded.params, loaded.name = params, "v1"
    loaded.image_head, loaded.text_model = build_image_head(params), build_text_model(params)
    path = save_version(tmp_path / "full", loaded)
    no_photos = np.zeros((0, 224, 224, 3), np.uint8)
    backbone = cached_backbone(tmp_path / "backbones", params, weights, no_photos)
    export_head(loaded, tmp_path / "head.onnx")
    attach_head(backbone.fp32, tmp_path / "head.onnx", path / IMAGE_FILES["fp32"])
    from model_service.preprocessing import vgg16_input
    from model_service.runtime import compile_model

    photos = _photos(4, size=224)
    reference = _keras(path, str(weights)).image_probs(photos)
    for engine in ENGINES:
        served = compile_model(path / IMAGE_FILES["fp32"], engine)(vgg16_input(photos))
        np.testing.assert_allclose(served, reference, atol=1e-4, err_msg=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_bilinear_features_export_and_answer_as_keras(tmp_path, engine) -> None:  # type: ignore[no-untyped-def]
    from model_service.version import load_version
    from tests.factories import tiny_export

    path = make_tiny_version(tmp_path, "v1", promote=False, image_features="bilinear", export=False)
    record = tiny_export(path, load_version(path))
    assert set(record["runtimes"]) >= {"fp32", "int8", "agreement"}
    photos = _photos(3)
    served = OnnxPredictor(path, "fp32", engine).image_probs(photos)
    np.testing.assert_allclose(served, _keras(path).image_probs(photos), atol=1e-4)
