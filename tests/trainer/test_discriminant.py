"""Shrinkage LDA in closed form, and the temperature that calibrates it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax

from trainer.discriminant import shrinkage_lda, temperature


def _dense_reference(x: np.ndarray, y: np.ndarray, a: float) -> tuple[np.ndarray, np.ndarray]:
    """The same discriminant written out with the full d×d covariance."""
    classes = np.unique(y)
    means = np.stack([x[y == c].mean(axis=0) for c in classes])
    residuals = x - means[np.searchsorted(classes, y)]
    pooled = residuals.T @ residuals / (len(x) - len(classes))
    shrunk = (1 - a) * pooled + a * np.trace(pooled) / x.shape[1] * np.eye(x.shape[1])
    coef = np.linalg.solve(shrunk, means.T).T
    return coef, -0.5 * np.einsum("kd,kd->k", means, coef)


@pytest.mark.parametrize("shape", [(40, 12), (30, 80)])  # more photos than features, and fewer
@pytest.mark.parametrize("a", [0.1, 0.9, 1.0])
def test_lda_equals_the_dense_covariance_solution(shape: tuple[int, int], a: float) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape) * rng.uniform(0.2, 3, size=shape[1])
    y = rng.choice([2, 5, 7], size=shape[0])
    classes, coef, intercept = shrinkage_lda(x, y, a)
    want_coef, want_intercept = _dense_reference(x, y, a)
    assert classes.tolist() == [2, 5, 7]
    np.testing.assert_allclose(coef, want_coef, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(intercept, want_intercept, rtol=1e-7, atol=1e-9)


def test_full_shrinkage_is_the_nearest_class_mean() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(60, 20)), rng.integers(0, 4, 60)
    _, coef, intercept = shrinkage_lda(x, y, 1.0)
    means = np.stack([x[y == c].mean(axis=0) for c in range(4)])
    nearest = ((x[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    assert ((x @ coef.T + intercept).argmax(1) == nearest).all()


def test_classes_of_one_photo_each_fall_back_to_the_nearest_mean() -> None:
    x = np.random.default_rng(4).normal(size=(3, 8))
    _, coef, intercept = shrinkage_lda(x, np.arange(3), 0.9)
    assert np.isfinite(coef).all() and np.isfinite(intercept).all()
    assert ((x @ coef.T + intercept).argmax(1) == np.arange(3)).all()


def test_lda_separates_classes_that_differ_along_a_low_variance_direction() -> None:
    # The classes differ only along feature 0, drowned in the variance of feature 1
    # that both share: the discriminant must weigh feature 0 by its small spread.
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    x = np.stack([y * 1.0 + rng.normal(0, 0.2, 400), rng.normal(0, 20, 400)], axis=1)
    _, coef, intercept = shrinkage_lda(x, y, 0.01)
    assert ((x @ coef.T + intercept).argmax(1) == y).mean() > 0.95
    with pytest.raises(ValueError, match="shrinkage"):
        shrinkage_lda(x, y, 0.0)


def test_temperature_recovers_the_scale_labels_were_drawn_at() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 8, size=(4000, 5))
    labels = np.array([rng.choice(5, p=p) for p in softmax(logits / 4.0, axis=1)])
    assert temperature(logits, labels) == pytest.approx(4.0, rel=0.1)
    assert temperature(logits / 4.0, labels) == pytest.approx(1.0, rel=0.1)
