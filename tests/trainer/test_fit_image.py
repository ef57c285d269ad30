"""The image head on tiny features: dense and linear heads, standardisation, mirrors, mixup."""

from __future__ import annotations

from dataclasses import replace

import keras
import numpy as np
import pytest
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from model_service.model import IMAGE_OUTPUT, POOLED_FEATURES
from tests.trainer.toy import RECIPE, TINY, image_recipe, toy_features, window_means
from trainer.discriminant import shrinkage_lda, temperature
from trainer.errors import BadParameter
from trainer.fit_image import (
    LINEAR_SCALE_FLOOR,
    _fold_standardisation,
    _mixup,
    feature_standardisation,
    fit_image_head,
)
from trainer.fit_loop import predict_dense

pytestmark = pytest.mark.usefixtures("keras_seed")


def test_image_head_learns_a_separable_problem() -> None:
    f, y = toy_features(150, seed=3)
    f_val, y_val = toy_features(60, seed=4)
    result = fit_image_head(TINY, image_recipe(8, 16, 1e-3), f, y, f_val, y_val)
    pred = result.model.predict(f_val, verbose=0).argmax(1)
    assert f1_score(y_val, pred, average="macro") > 0.95
    means = window_means(result.history["val_f1_macro"])
    assert result.best_epoch == int(np.argmax(means))


def test_standardisation_folds_exactly_into_the_first_dense_layer() -> None:
    rng = np.random.default_rng(0)
    f = (rng.random((20, 1, 1, 512)) * 50).astype(np.float32)
    for mode in ("global", "feature"):
        mean, scale = feature_standardisation(f, mode)
        dense = keras.layers.Dense(4)
        dense.build((None, 512))
        flat = f.reshape(20, -1)
        expected = dense((flat - mean) / scale).numpy()
        _fold_standardisation(dense, mean, scale)
        assert np.allclose(dense(flat).numpy(), expected, atol=1e-3)


def test_mixup_blends_inputs_and_targets_alike() -> None:
    x = np.eye(8, dtype=np.float32)
    targets = np.eye(8, dtype=np.float32)
    mixed_x, mixed_y, mixed_w = _mixup(0.4)(x, targets, np.ones(8, dtype=np.float32))
    assert np.allclose(np.asarray(mixed_x), np.asarray(mixed_y))
    assert (np.asarray(mixed_y).max(axis=1) >= 0.5 - 1e-6).all()
    assert np.allclose(np.asarray(mixed_y).sum(axis=1), 1.0)
    assert np.allclose(np.asarray(mixed_w), 1.0)


def test_flipped_features_are_extra_training_samples() -> None:
    f, y = toy_features(60, seed=7)
    seen: list[int] = []
    result = fit_image_head(
        TINY, image_recipe(1, 30, 1e-3), f, y, f[:20], y[:20],
        f_train_flipped=f[:, :, ::-1], on_epoch=lambda e, m: seen.append(e),
    )  # fmt: skip
    assert seen == [0]
    assert result.model.optimizer.iterations.numpy() == 4  # 120 samples / 30
    with pytest.raises(ValueError, match="shape"):
        fit_image_head(TINY, image_recipe(1, 30, 1e-3), f, y, f, y, f_train_flipped=f[:10])


def test_image_weight_decay_shrinks_the_head() -> None:
    f, y = toy_features(64, 0)
    norms = []
    for decay in (0.0, 200.0):
        keras.utils.set_random_seed(0)
        result = fit_image_head(
            TINY, image_recipe(3, 16, 1e-3, image_weight_decay=decay), f, y, f, y
        )
        norms.append(float(np.linalg.norm(result.model.get_layer("dense_2").get_weights()[0])))
    assert norms[1] < 0.8 * norms[0]


LINEAR = replace(TINY, image_hidden=0, image_features="pooled")
LOGISTIC = replace(RECIPE, image_linear_head="logistic")


def _toy_pooled(n: int, seed: int, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Pooled-shaped features: one bright block of inputs per class, on noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    f = rng.random((n, POOLED_FEATURES), dtype=np.float32) * 3
    for i, c in enumerate(y):
        f[i, c * 100 : c * 100 + 20] += 2.0
    return f, y


def test_a_linear_head_is_the_logistic_regression_on_standardised_features() -> None:
    f, y = _toy_pooled(120, seed=1)
    f_val, y_val = _toy_pooled(60, seed=2)
    seen: list[tuple[int, dict[str, float]]] = []
    recipe = replace(LOGISTIC, image_linear_c=0.05)
    result = fit_image_head(
        LINEAR, recipe, f, y, f_val, y_val, on_epoch=lambda e, m: seen.append((e, m))
    )
    assert f1_score(y_val, predict_dense(result.model, f_val).argmax(1), average="macro") > 0.9
    # The served head takes raw features: the standardisation is folded into its one layer.
    mean, scale = f.mean(axis=0), f.std(axis=0) + LINEAR_SCALE_FLOOR
    reference = LogisticRegression(C=0.05, max_iter=300, class_weight="balanced")
    reference.fit((f - mean) / scale, y)
    np.testing.assert_allclose(
        predict_dense(result.model, f_val), reference.predict_proba((f_val - mean) / scale),
        atol=2e-3,
    )  # fmt: skip
    assert [e for e, _ in seen] == [0] and seen[0][1]["val_f1_macro"] > 0.9
    assert result.history["val_f1_weighted"] == [seen[0][1]["val_f1_weighted"]]


@pytest.mark.parametrize("head", ["logistic", "lda"])
def test_a_linear_head_never_names_a_class_it_never_saw(head: str) -> None:
    recipe = replace(RECIPE, image_linear_head=head)
    f, y = _toy_pooled(90, seed=3, classes=2)  # classes 0 and 1; class 2 has no photo
    probs = predict_dense(fit_image_head(LINEAR, recipe, f, y, f, y).model, f)
    assert probs[:, 2].max() < 1e-6
    assert (probs.argmax(1) == y).mean() > 0.9
    single = fit_image_head(LINEAR, recipe, f, np.ones_like(y), f, y).model
    assert (predict_dense(single, f).argmax(1) == 1).all()


def test_a_smaller_c_shrinks_the_linear_head() -> None:
    f, y = _toy_pooled(90, seed=4)
    norms = [
        float(
            np.linalg.norm(
                fit_image_head(LINEAR, replace(LOGISTIC, image_linear_c=c), f, y, f, y)
                .model.get_layer(IMAGE_OUTPUT)
                .get_weights()[0]
            )
        )  # fmt: skip
        for c in (1.0, 1e-4)
    ]
    assert norms[1] < 0.5 * norms[0]
    with pytest.raises(BadParameter, match="image_linear_c"):
        replace(RECIPE, image_linear_c=0.0)


def test_an_lda_head_is_the_calibrated_discriminant_on_standardised_features() -> None:
    f, y = _toy_pooled(150, seed=5)
    f_val, y_val = _toy_pooled(90, seed=6)
    recipe = replace(RECIPE, image_linear_head="lda", image_lda_shrinkage=0.5)
    probs = predict_dense(fit_image_head(LINEAR, recipe, f, y, f_val, y_val).model, f_val)
    mean, scale = f.mean(axis=0), f.std(axis=0) + LINEAR_SCALE_FLOOR
    classes, coef, intercept = shrinkage_lda((f - mean) / scale, y, 0.5)
    logits = (f_val - mean) / scale @ coef.T + intercept
    # Same answers as the discriminant on standardised features, served on raw ones...
    assert (probs.argmax(1) == classes[logits.argmax(1)]).all()
    assert (probs.argmax(1) == y_val).mean() > 0.9
    # ...divided by the temperature fitted on the validation photos: less sure than raw.
    t = temperature(logits, y_val)
    assert t > 1
    np.testing.assert_allclose(probs[:, :3], softmax(logits / t, axis=1), atol=2e-3)
    with pytest.raises(BadParameter, match="image_linear_head"):
        replace(RECIPE, image_linear_head="svm")
    with pytest.raises(BadParameter, match="image_lda_shrinkage"):
        replace(RECIPE, image_lda_shrinkage=1.5)
