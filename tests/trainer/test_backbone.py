"""The image branch's frozen part, converted once and shared by every version's export."""

from __future__ import annotations

import numpy as np
import pytest

from model_service.runtime import IMAGE_FILES, OnnxPredictor
from tests.factories import TINY_IMAGE_SIZE, make_tiny_version

pytest.importorskip("tf2onnx")

from trainer import backbone  # noqa: E402  (after the skip: it needs the converters)
from trainer.backbone import cached_backbone  # noqa: E402


def _photos(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (n, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3), dtype=np.uint8)


def _params(tmp_path, features: str = "pooled"):  # type: ignore[no-untyped-def]
    from model_service.version import load_version

    path = make_tiny_version(
        tmp_path / "models", "v1", promote=False, export=False, image_features=features
    )
    return path, load_version(path)


def test_a_second_export_reuses_the_backbone_and_serves_the_same_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import tiny_export

    path, version = _params(tmp_path)
    first = tiny_export(path, version)
    photos = _photos(3, seed=7)
    before = {rt: OnnxPredictor(path, rt, "onnxruntime").image_probs(photos) for rt in IMAGE_FILES}

    second = tiny_export(path, version)

    assert first["backbone"]["converted"] is True
    assert second["backbone"] == {"name": first["backbone"]["name"], "converted": False}
    for runtime, probs in before.items():
        again = OnnxPredictor(path, runtime, "onnxruntime").image_probs(photos)
        np.testing.assert_array_equal(again, probs)


def test_the_key_changes_with_the_calibration_photos_and_the_features(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, version = _params(tmp_path)
    params = version.params
    photos = _photos(4, seed=1)
    key = backbone._key(params, "random", photos)
    assert key == backbone._key(params, "random", photos.copy())
    assert key != backbone._key(params, "random", _photos(4, seed=2))
    assert key != backbone._key(params, "random", photos[:3])
    bilinear = type(params)(**{**params.to_dict(), "image_features": "bilinear"})
    assert key != backbone._key(bilinear, "random", photos)
    assert key.startswith(f"pooled-{TINY_IMAGE_SIZE}-random-")


def test_only_the_newest_backbones_are_kept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, version = _params(tmp_path)
    root = tmp_path / "backbones"
    made = [cached_backbone(root, version.params, "random", _photos(2, seed)) for seed in range(3)]
    assert all(b.built and b.int8 is not None for b in made)
    kept = sorted(p.name for p in root.iterdir())
    assert kept == sorted(b.fp32.parent.name for b in made[-backbone.KEPT :])
    # Using an older one again makes it the newest: the next eviction spares it.
    again = cached_backbone(root, version.params, "random", _photos(2, 1))
    assert not again.built
    cached_backbone(root, version.params, "random", _photos(2, 3))
    assert (root / again.fp32.parent.name).is_dir()
    assert not (root / made[2].fp32.parent.name).exists()
