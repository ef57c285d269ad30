"""Fusion arithmetic, and the predictor applying it per product in mixed batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model_service.fusion import fuse
from tests.factories import TINY_IMAGE_SIZE, image_bytes, make_tiny_version

P_TEXT = np.array([[0.7, 0.2, 0.1]])
P_IMAGE = np.array([[0.1, 0.3, 0.6]])


@pytest.mark.parametrize(
    ("w", "expected"),
    [
        (1.0, [0.7, 0.2, 0.1]),
        (0.0, [0.1, 0.3, 0.6]),
        (0.25, [0.25, 0.275, 0.475]),
    ],
)
def test_weighted_average(w: float, expected: list[float]) -> None:
    np.testing.assert_allclose(fuse(P_TEXT, P_IMAGE, w)[0], expected)


def test_one_modality_uses_its_branch_alone() -> None:
    np.testing.assert_array_equal(fuse(P_TEXT, None, 0.1), P_TEXT)
    np.testing.assert_array_equal(fuse(None, P_IMAGE, 0.9), P_IMAGE)


def test_fusion_needs_a_branch_and_a_sane_weight() -> None:
    with pytest.raises(ValueError):
        fuse(None, None, 0.5)
    with pytest.raises(ValueError):
        fuse(P_TEXT, P_IMAGE, 1.5)


@pytest.fixture(scope="module")
def predictor(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from model_service.model import build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.version import load_version

    models: Path = tmp_path_factory.mktemp("models")
    make_tiny_version(models, text_weight=0.3)
    return Predictor(load_version(models / "v1"), build_vgg16_base("random", TINY_IMAGE_SIZE))


def test_predictor_fuses_each_product_with_what_it_has(predictor) -> None:  # type: ignore[no-untyped-def]
    from model_service.fusion import ProductInput
    from model_service.preprocessing import load_image

    image = load_image(image_bytes(), size=TINY_IMAGE_SIZE)
    items = [
        ProductInput("piscine bleue", image),
        ProductInput("livre", None),
        ProductInput("", image),
    ]
    probs = predictor.predict(items)
    p_text = predictor.text_probs(["piscine bleue", "livre"])
    p_image = predictor.image_probs(image[None])
    np.testing.assert_allclose(probs[0], 0.3 * p_text[0] + 0.7 * p_image[0], atol=1e-6)
    np.testing.assert_allclose(probs[1], p_text[1], atol=1e-6)
    np.testing.assert_allclose(probs[2], p_image[0], atol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert [item.modalities for item in items] == [["image", "text"], ["text"], ["image"]]


def test_batch_answers_equal_single_answers(predictor) -> None:  # type: ignore[no-untyped-def]
    from model_service.fusion import ProductInput
    from model_service.preprocessing import load_image

    items = [
        ProductInput(
            f"jeu {i}", load_image(image_bytes(color=(i * 40, 10, 90)), size=TINY_IMAGE_SIZE)
        )
        for i in range(5)
    ]
    batched = predictor.predict(items)
    single = np.concatenate([predictor.predict([item]) for item in items])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_product_without_input_is_refused(predictor) -> None:  # type: ignore[no-untyped-def]
    from model_service.fusion import ProductInput

    with pytest.raises(ValueError):
        predictor.predict([ProductInput("", None)])
