"""What the image head reads: pooled VGG16 features from one pass, or legacy flat maps."""

from __future__ import annotations

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from model_service.model import (  # noqa: E402
    GRID_CELLS,
    POOLED_FEATURES,
    POOLED_LAYERS,
    SECOND_ORDER_CHANNELS,
    ModelParams,
    build_image_features,
    build_image_head,
    build_image_model,
    build_vgg16_base,
    image_feature_shape,
)
from model_service.pooling import fixed_projection, second_order_size  # noqa: E402
from model_service.preprocessing import load_image, vgg16_input  # noqa: E402
from model_service.version import load_version  # noqa: E402
from tests.factories import make_tiny_version, noisy_jpeg  # noqa: E402


@pytest.fixture(scope="module")
def base():  # type: ignore[no-untyped-def]
    return build_vgg16_base("random", 32)


def test_pooled_features_are_the_average_and_max_of_each_layer(base) -> None:  # type: ignore[no-untyped-def]
    pixels = vgg16_input(np.stack([load_image(noisy_jpeg(seed=s), size=32) for s in (1, 2)]))
    features = np.asarray(build_image_features(base, "pooled")(pixels))
    assert features.shape == (2, POOLED_FEATURES)
    probe = keras.Model(base.input, [base.get_layer(n).output for n, _ in POOLED_LAYERS])
    maps = [np.asarray(m) for m in probe(pixels)]
    expected = np.concatenate([np.concatenate([m.mean((1, 2)), m.max((1, 2))], 1) for m in maps], 1)
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-5)


def test_grid_features_add_each_layers_average_over_each_cell() -> None:
    base = build_vgg16_base("random", 64)  # 4x4 maps: each of the 2x2 cells averages 2x2
    pixels = vgg16_input(np.stack([load_image(noisy_jpeg(seed=s), size=64) for s in (4, 5)]))
    features = np.asarray(build_image_features(base, "grid")(pixels))
    probe = keras.Model(base.input, [base.get_layer(n).output for n, _ in POOLED_LAYERS])
    maps = [np.asarray(m) for m in probe(pixels)]
    cells = [
        m.reshape(2, GRID_CELLS, 2, GRID_CELLS, 2, m.shape[-1]).mean((2, 4)).reshape(2, -1)
        for m in maps
    ]
    np.testing.assert_allclose(
        features[:, :POOLED_FEATURES], np.asarray(build_image_features(base, "pooled")(pixels)),
        rtol=1e-5, atol=1e-5,
    )  # fmt: skip
    np.testing.assert_allclose(
        features[:, POOLED_FEATURES:], np.concatenate(cells, 1), rtol=1e-5, atol=1e-5
    )
    assert features.shape[1:] == image_feature_shape(
        ModelParams(image_size=64, image_features="grid")
    )


def _second_order(maps: np.ndarray, projection: np.ndarray) -> np.ndarray:
    """The pairs ``SecondOrderPooling`` keeps, written out with NumPy."""
    z = maps.reshape(len(maps), -1, maps.shape[-1]) @ projection
    gram = np.einsum("npi,npj->nij", z, z) / z.shape[1]
    rows, cols = np.triu_indices(projection.shape[1])
    pairs = gram[:, rows, cols]
    rooted = np.sign(pairs) * np.sqrt(np.abs(pairs))
    return rooted / np.linalg.norm(rooted, axis=1, keepdims=True)


def test_bilinear_features_add_each_layers_second_order_pooling() -> None:
    base = build_vgg16_base("random", 64)
    pixels = vgg16_input(np.stack([load_image(noisy_jpeg(seed=s), size=64) for s in (6, 7)]))
    features = np.asarray(build_image_features(base, "bilinear")(pixels))
    bilinear = ModelParams(image_size=64, image_features="bilinear")
    assert features.shape[1:] == image_feature_shape(bilinear)
    grid = np.asarray(build_image_features(base, "grid")(pixels))
    np.testing.assert_allclose(features[:, : grid.shape[1]], grid, rtol=1e-5, atol=1e-5)
    probe = keras.Model(base.input, [base.get_layer(n).output for n, _ in POOLED_LAYERS])
    maps = [np.asarray(m) for m in probe(pixels)]
    expected = [
        _second_order(m, fixed_projection(m.shape[-1], SECOND_ORDER_CHANNELS, seed))
        for seed, m in enumerate(maps)
    ]
    np.testing.assert_allclose(
        features[:, grid.shape[1] :], np.concatenate(expected, 1), rtol=1e-4, atol=1e-5
    )
    pairs = features[:, grid.shape[1] : grid.shape[1] + second_order_size(SECOND_ORDER_CHANNELS)]
    np.testing.assert_allclose(np.linalg.norm(pairs, axis=1), 1.0, rtol=1e-5)


def test_the_fixed_projection_is_orthonormal_and_the_same_every_time() -> None:
    projection = fixed_projection(512, SECOND_ORDER_CHANNELS, seed=1)
    np.testing.assert_allclose(projection.T @ projection, np.eye(SECOND_ORDER_CHANNELS), atol=1e-5)
    np.testing.assert_array_equal(projection, fixed_projection(512, SECOND_ORDER_CHANNELS, seed=1))
    assert not np.allclose(projection, fixed_projection(512, SECOND_ORDER_CHANNELS, seed=0))


def test_the_head_reads_what_its_params_name(base) -> None:  # type: ignore[no-untyped-def]
    pixels = vgg16_input(np.stack([load_image(noisy_jpeg(seed=3), size=32)]))
    for kind in ("bilinear", "grid", "pooled", "flat"):
        params = ModelParams(image_size=32, image_hidden=8, image_features=kind)
        head = build_image_head(params)
        assert head.input_shape[1:] == image_feature_shape(params)
        probs = np.asarray(build_image_model(base, head, kind)(pixels))
        assert probs.shape == (1, params.num_classes)
        np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="unknown image features"):
        build_image_features(base, "sideways")


def test_versions_saved_before_pooled_features_still_load_as_flat_whole_photos(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = make_tiny_version(tmp_path, "v1", promote=False)
    saved = json.loads((path / "params.json").read_text())
    del saved["image_features"], saved["image_framing"]  # what earlier releases saved
    (path / "params.json").write_text(json.dumps(saved))
    loaded = load_version(path)
    assert (loaded.params.image_features, loaded.params.image_framing) == ("flat", "whole")
    assert loaded.image_head.input_shape[1:] == (1, 1, 512)
    # New versions name the defaults: bilinear features of the framed product, a linear head.
    defaults = ModelParams()
    assert (defaults.image_features, defaults.image_framing, defaults.image_hidden) == (
        "bilinear",
        "product",
        0,
    )


def test_a_linear_head_is_one_softmax_layer_over_the_features() -> None:
    params = ModelParams(image_size=32, image_hidden=0)
    head = build_image_head(params)
    assert [type(layer).__name__ for layer in head.layers] == ["InputLayer", "Flatten", "Dense"]
    assert head.count_params() == (image_feature_shape(params)[0] + 1) * params.num_classes


def test_params_refuse_an_unknown_framing_or_feature_kind() -> None:
    with pytest.raises(ValueError, match="image_framing"):
        ModelParams(image_framing="zoomed")
    with pytest.raises(ValueError, match="image_features"):
        ModelParams(image_features="sideways")
