"""How the image head learns on cached VGG16 features, as a ``TrainingRecipe`` says.

Features are standardised (and the standardisation folded back into the head, which
then reads raw features as served); mirrored photos are extra samples. A linear head
is solved exactly (a shrinkage discriminant or a logistic regression); a deeper one
trains in ``fit_loop`` with decoupled weight decay (about a thousand photos against
thousands of inputs) and optional mixup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from sklearn.linear_model import LogisticRegression

from model_service.model import IMAGE_OUTPUT, ModelParams, build_image_head
from trainer.discriminant import shrinkage_lda, temperature
from trainer.fit_loop import (
    EpochCallback,
    FitResult,
    class_weights,
    fit_loop,
    predict_dense,
    validation_metrics,
)
from trainer.recipe import TrainingRecipe

if TYPE_CHECKING:
    import keras

logger = logging.getLogger(__name__)

IMAGE_FIRST_DENSE = "dense_1"
"""The image head layer that reads the flattened features (see ``build_image_head``)."""


def fit_image_head(
    params: ModelParams,
    recipe: TrainingRecipe,
    f_train: np.ndarray,
    y_train: np.ndarray,
    f_val: np.ndarray,
    y_val: np.ndarray,
    *,
    on_epoch: EpochCallback | None = None,
    f_train_flipped: np.ndarray | None = None,
) -> FitResult:
    """Train the head on cached VGG16 features (see ``model_service.model``).

    The head trains on standardised features (raw ones reach the hundreds, which
    saturates the softmax from the first step); the standardisation is then folded
    into the layer that reads them, so the returned head takes raw features as served.
    ``f_train_flipped``, when given, holds the features of the same training images
    mirrored left to right (same order): extra samples with the same labels, the
    cheapest augmentation once features are cached. A linear head is a logistic
    regression solved exactly (``fit_linear_head``); a deeper one trains epoch by
    epoch with early stopping on ``f_val``.
    """
    if f_train_flipped is not None:
        if f_train_flipped.shape != f_train.shape:
            raise ValueError("f_train_flipped must match f_train's shape")
        f_train = np.concatenate([f_train, f_train_flipped])
        y_train = np.concatenate([y_train, y_train])
    if not params.image_hidden:
        return fit_linear_head(params, recipe, (f_train, y_train), (f_val, y_val), on_epoch)
    mean, scale = feature_standardisation(f_train, recipe.image_feature_norm)
    model = build_image_head(params)
    result = fit_loop(
        model, (_standardise(f_train, mean, scale), y_train),
        (_standardise(f_val, mean, scale), y_val), recipe.image_loop(), name="image",
        on_epoch=on_epoch, augment=_mixup(recipe.image_mixup) if recipe.image_mixup > 0 else None,
    )  # fmt: skip
    _fold_standardisation(model.get_layer(IMAGE_FIRST_DENSE), mean, scale)
    return result


LINEAR_SCALE_FLOOR = 1e-3
"""Added to each feature's standard deviation before a linear head reads it.

Unlike the deeper head's floor at the median deviation, near-constant features keep
their full scale here: the L2 penalty alone decides how much they count, which scored
higher in cross-validation (docs/image-branch.md)."""


LINEAR_MAX_ITERATIONS = 300
ABSENT_CLASS_GAP = 25.0
"""Logits below the lowest best-class logit of any training photo: e^-25 ≈ 1e-11."""


def fit_linear_head(
    params: ModelParams,
    recipe: TrainingRecipe,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    on_epoch: EpochCallback | None = None,
) -> FitResult:
    """A linear head fitted exactly on standardised features: a multinomial logistic
    regression (L-BFGS, L2 ``recipe.image_linear_c``, balanced class weights) or, with
    ``recipe.image_linear_head == "lda"``, a shrinkage linear discriminant (equal class
    priors, ``recipe.image_lda_shrinkage``; ``trainer.discriminant``).

    ``train`` and ``val`` are (features, label indices). Neither needs epochs, a
    learning rate or early stopping, and a seed changes neither; ``val`` is only
    scored, reported as the single "epoch".
    """
    (f_train, y_train), (f_val, y_val) = train, val
    x_train = f_train.reshape(len(f_train), -1).astype(np.float64)
    mean = x_train.mean(axis=0)
    scale = x_train.std(axis=0) + LINEAR_SCALE_FLOOR
    k = params.num_classes
    present = np.unique(y_train)
    logger.info(
        "training image branch (linear, %s): %d train samples, %d features",
        recipe.image_linear_head, len(x_train), x_train.shape[1],
    )  # fmt: skip
    kernel = np.zeros((x_train.shape[1], k))
    bias = np.zeros(k)
    if len(present) > 1:  # else nothing to tell apart: the head names the one class
        standardised = (x_train - mean) / scale
        if recipe.image_linear_head == "lda":
            _, coef, intercept = shrinkage_lda(standardised, y_train, recipe.image_lda_shrinkage)
        else:
            coef, intercept = _logistic_regression(standardised, y_train, k, recipe)
        kernel[:, present] = coef.T / scale[:, None]
        bias[present] = intercept - mean @ kernel[:, present]
        if recipe.image_linear_head == "lda":
            t = _validation_temperature(kernel[:, present], bias[present], present, val)
            kernel, bias = kernel / t, bias / t
    # A class with no training photo sits far below every training photo's best class,
    # not at -inf: int8 export scales this layer's outputs by their range.
    absent = np.setdiff1d(np.arange(k), present)
    top = (x_train @ kernel[:, present] + bias[present]).max(axis=1).min()
    bias[absent] = top - ABSENT_CLASS_GAP
    model = build_image_head(params)
    model.get_layer(IMAGE_OUTPUT).set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    metrics = validation_metrics(predict_dense(model, f_val), y_val)
    logger.info("image branch (linear): val macro F1 %.4f", metrics["val_f1_macro"])
    if on_epoch is not None:
        on_epoch(0, metrics)
    return FitResult(model, {key: [value] for key, value in metrics.items()})


def _validation_temperature(
    kernel: np.ndarray, bias: np.ndarray, present: np.ndarray, val: tuple[np.ndarray, np.ndarray]
) -> float:
    """The temperature of the logits ``raw @ kernel + bias`` (one column per class in
    ``present``) that fits the validation photos best; 1 when none has such a class."""
    f_val, y_val = val
    known = np.isin(y_val, present)  # a class absent from training has no logit
    if not known.any():
        return 1.0
    logits = f_val.reshape(len(f_val), -1)[known] @ kernel + bias
    t = temperature(logits, np.searchsorted(present, y_val[known]))
    logger.info("image branch (lda): temperature %.1f on %d photos", t, known.sum())
    return t


def _logistic_regression(
    x: np.ndarray, y: np.ndarray, num_classes: int, recipe: TrainingRecipe
) -> tuple[np.ndarray, np.ndarray]:
    """``(coef, intercept)``, one row per class present in ``y`` (sorted)."""
    weights = class_weights(y, num_classes, recipe.image_class_weight_power)
    present = np.unique(y)
    solver = LogisticRegression(
        C=recipe.image_linear_c, max_iter=LINEAR_MAX_ITERATIONS,
        class_weight={int(c): weights[int(c)] for c in present},
    ).fit(x, y)  # fmt: skip
    coef, intercept = solver.coef_, solver.intercept_
    if len(present) == 2:  # sklearn keeps the second class's logit; the first's is 0
        coef, intercept = np.vstack([0 * coef, coef]), np.concatenate([[0.0], intercept])
    return coef, intercept


def feature_standardisation(features: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-input ``(mean, scale)`` of flattened features.

    ``"global"``: no shift, one scale (the overall standard deviation) for every input,
    which keeps VGG16's sparsity. ``"feature"``: each input's own mean and standard
    deviation (floored, so near-constant inputs are not blown up). ``"none"``: identity.
    """
    flat = features.reshape(len(features), -1)
    n = flat.shape[1]
    if mode == "none":
        return np.zeros(n, np.float32), np.ones(n, np.float32)
    if mode == "global":
        return np.zeros(n, np.float32), np.full(n, max(float(flat.std()), 1e-6), np.float32)
    if mode == "feature":
        mean = flat.mean(axis=0, dtype=np.float64)
        std = flat.std(axis=0, dtype=np.float64)
        floor = max(float(np.median(std[std > 0])) if (std > 0).any() else 1.0, 1e-6)
        return mean.astype(np.float32), np.maximum(std, floor).astype(np.float32)
    raise ValueError(f"unknown image feature normalisation {mode!r}")


def _standardise(features: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    flat = features.reshape(len(features), -1)
    return ((flat - mean) / scale).astype(np.float32).reshape(features.shape)


def _fold_standardisation(dense: keras.layers.Dense, mean: np.ndarray, scale: np.ndarray) -> None:
    """Make ``dense(raw)`` equal what ``dense((raw - mean) / scale)`` was."""
    kernel, bias = dense.get_weights()
    folded = kernel / scale[:, None]
    dense.set_weights([folded, bias - mean @ folded])


def _mixup(alpha: float) -> Callable:
    """Training-time augmentation: each batch blended with a shuffled copy of itself.

    Inputs and targets mix with one ``lambda ~ Beta(alpha, alpha)`` per sample (kept
    >= 0.5 so the original sample dominates); a small head on a few thousand
    images then sees a continuum of examples instead of memorising each one.
    """
    import tensorflow as tf

    def augment(x, targets, weights):
        n = tf.shape(x)[0]
        a = tf.random.gamma([n], alpha)
        b = tf.random.gamma([n], alpha)
        lam = tf.maximum(a / (a + b), b / (a + b))
        order = tf.random.shuffle(tf.range(n))
        lam_x = tf.reshape(lam, [-1] + [1] * (len(x.shape) - 1))
        mixed_x = lam_x * x + (1.0 - lam_x) * tf.gather(x, order)
        lam_y = lam[:, None]
        mixed_y = lam_y * targets + (1.0 - lam_y) * tf.gather(targets, order)
        mixed_w = lam * weights + (1.0 - lam) * tf.gather(weights, order)
        return mixed_x, mixed_y, mixed_w

    return augment
