"""The real ImageNet VGG16 weights load and tell images apart."""

from __future__ import annotations

import numpy as np
import pytest

from model_service.preprocessing import load_image, vgg16_input
from tests.conftest import require_vgg16_weights
from tests.factories import image_bytes, noisy_jpeg

pytestmark = pytest.mark.slow


def test_image_branch_on_real_weights() -> None:
    from model_service.model import VGG16_FEATURE_SHAPE, build_vgg16_base

    base = build_vgg16_base(require_vgg16_weights())
    assert not base.trainable
    images = np.stack([load_image(image_bytes(size=(300, 300))), load_image(noisy_jpeg())])
    features = base(vgg16_input(images), training=False).numpy()
    assert features.shape == (2, *VGG16_FEATURE_SHAPE)
    assert np.isfinite(features).all()
    assert np.abs(features[0] - features[1]).mean() > 0.01 * np.abs(features).mean()
