from __future__ import annotations

import numpy as np

from common.image_store import ImageStore
from model_service.model import build_vgg16_base
from model_service.preprocessing import load_image, vgg16_input
from tests.conftest import VGG16_WEIGHTS
from tests.trainer import synthetic
from trainer.features import FeatureCache, weights_tag

WEIGHTS = str(VGG16_WEIGHTS) if VGG16_WEIGHTS.is_file() else "random"


def test_features_are_computed_once_per_image_and_reused(tmp_path):
    store = ImageStore(tmp_path / "images")
    images = [synthetic.jpeg(code, seed) for seed, code in enumerate([10, 2583, 1160, 10])]
    digests = [store.put(data) for data in images]
    builds: list[object] = []
    bases: list[object] = []

    def factory():
        builds.append(1)
        bases.append(build_vgg16_base(WEIGHTS, 32))
        return bases[-1]

    cache = FeatureCache(
        tmp_path / "features", store, factory, 32, weights_tag(WEIGHTS), batch_size=3
    )
    first = cache.features(digests + digests[:1])
    assert first.shape == (5, 1, 1, 512) and first.dtype == np.float32
    assert cache.computed == 4 and len(builds) == 1
    expected = np.asarray(bases[0](vgg16_input(np.stack([load_image(images[2], size=32)]))))
    np.testing.assert_allclose(first[2], expected[0], rtol=1e-5, atol=1e-5)

    # A later run (new cache object, same volume) never builds or runs VGG16.
    again = FeatureCache(tmp_path / "features", store, factory, 32, weights_tag(WEIGHTS))
    np.testing.assert_array_equal(again.features(digests), first[:4])
    assert again.computed == 0 and len(builds) == 1

    # Only a new image is computed.
    new = store.put(synthetic.jpeg(1160, 99))
    again.features(digests + [new])
    assert again.computed == 1 and len(builds) == 2


def test_other_weights_or_sizes_use_other_entries(tmp_path):
    store = ImageStore(tmp_path / "images")
    a = FeatureCache(tmp_path / "f", store, lambda: None, 32, "random")
    b = FeatureCache(tmp_path / "f", store, lambda: None, 64, "random")
    c = FeatureCache(tmp_path / "f", store, lambda: None, 32, "vgg16_notop-123")
    assert len({a.path("a" * 64), b.path("a" * 64), c.path("a" * 64)}) == 3


def test_mirrored_features_are_of_the_flipped_image_and_share_the_base(tmp_path):
    store = ImageStore(tmp_path / "images")
    image = synthetic.jpeg(2583, 7)
    digest = store.put(image)
    bases: list[object] = []

    def factory():
        bases.append(build_vgg16_base(WEIGHTS, 32))
        return bases[-1]

    cache = FeatureCache(tmp_path / "features", store, factory, 32, weights_tag(WEIGHTS))
    plain = cache.features([digest])
    mirrored = cache.mirrored()
    flipped = mirrored.features([digest])
    assert len(bases) == 1  # the mirrored cache reuses the loaded VGG16
    assert mirrored.path(digest) != cache.path(digest)
    pixels = load_image(image, size=32)[None, :, ::-1]
    expected = np.asarray(bases[0](vgg16_input(pixels)))
    np.testing.assert_allclose(flipped, expected, rtol=1e-5, atol=1e-5)
    assert not np.allclose(flipped, plain)
