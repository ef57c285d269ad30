"""The fusion weight: the steadiest best weight, on products or on same-class pairs."""

from __future__ import annotations

import numpy as np
import pytest

from trainer.fit_fusion import (
    WEIGHT_GRID,
    choose_text_weight,
    same_class_pairs,
    steadiest_best_weight,
)


def test_choose_text_weight_finds_the_only_working_range() -> None:
    # Product 0 needs w < 0.8 (image right, text wrong); product 1 needs w > 0.6.
    p_text = np.array([[0.4, 0.6], [0.3, 0.7]])
    p_image = np.array([[0.9, 0.1], [0.8, 0.2]])
    y = np.array([0, 1])
    w = choose_text_weight(p_text, p_image, y)
    assert 0.6 < w < 0.8
    fused = (w * p_text + (1 - w) * p_image).argmax(1)
    assert fused.tolist() == [0, 1]


def test_choose_text_weight_follows_the_better_branch() -> None:
    # A right but unsure branch against a confident random one: only a weight that
    # trusts the right branch nearly alone gets every product right.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 50)
    unsure_right = np.eye(3)[y] * 0.2 + 0.8 / 3
    confident_noise = np.eye(3)[rng.integers(0, 3, 50)]
    assert choose_text_weight(unsure_right, confident_noise, y) > 0.8
    assert choose_text_weight(confident_noise, unsure_right, y) < 0.2


def test_same_class_pairs_pair_each_photo_with_texts_of_its_class() -> None:
    y = np.array([0, 0, 1, 1, 2, 0])
    has_text = np.array([1, 1, 1, 0, 0, 0], dtype=bool)
    has_image = np.array([0, 1, 1, 1, 1, 1], dtype=bool)
    text_rows, image_rows = same_class_pairs(has_text, has_image, y, per_photo=4)
    # Photo 4 is the only product of class 2: no text to pair it with.
    assert np.bincount(image_rows, minlength=6).tolist() == [0, 4, 4, 4, 0, 4]
    assert has_text[text_rows].all() and (y[text_rows] == y[image_rows]).all()
    again = same_class_pairs(has_text, has_image, y, per_photo=4)
    assert np.array_equal(again[0], text_rows) and np.array_equal(again[1], image_rows)
    none = same_class_pairs(has_text, np.eye(6, dtype=bool)[4], y)
    assert len(none[0]) == len(none[1]) == 0


def _branch(y: np.ndarray, right: float, rng: np.random.Generator) -> np.ndarray:
    """Probabilities peaked on the label with probability ``right``, elsewhere on a random class."""
    k = int(y.max()) + 1
    peak = np.where(rng.random(len(y)) < right, y, rng.integers(0, k, len(y)))
    height = rng.uniform(0.3, 0.9, len(y))[:, None]
    return np.eye(k)[peak] * height + (1 - height) / k


def test_same_class_pairs_choose_the_weight_real_products_would() -> None:
    # Photos and texts that err independently given the class: pairing a photo with
    # other texts of its class chooses the weight its own product's text would.
    rng = np.random.default_rng(3)
    y = rng.integers(0, 6, 1500)
    p_text, p_image = _branch(y, 0.7, rng), _branch(y, 0.45, rng)
    on_products = choose_text_weight(p_text, p_image, y)
    everything = np.ones(len(y), dtype=bool)
    text_rows, image_rows = same_class_pairs(everything, everything, y, per_photo=5)
    on_pairs = choose_text_weight(p_text[text_rows], p_image[image_rows], y[image_rows])
    assert 0.5 < on_products < 1.0
    assert abs(on_pairs - on_products) <= 0.1


def test_a_lone_spike_does_not_pick_the_fusion_weight() -> None:
    # One weight scores best by a hair, but its neighbours are poor; a broad
    # plateau just below it is the weight that holds up on other products.
    scores = np.full(len(WEIGHT_GRID), 0.50)
    scores[4] = 0.80  # w = 0.20
    scores[13:18] = 0.78  # w = 0.65 .. 0.85
    assert steadiest_best_weight(scores) == pytest.approx(0.75)


def test_a_flat_score_curve_keeps_the_fusion_weight_central() -> None:
    assert steadiest_best_weight(np.full(len(WEIGHT_GRID), 0.7)) == pytest.approx(0.5)
