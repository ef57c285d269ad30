"""The Keras training loop both branches run, as a ``LoopRecipe`` says.

Class weights, label smoothing, warm-up and cosine learning-rate decay, and early
stopping on validation macro F1 with the best epoch's weights restored. Token-id
inputs train in batches of similar lengths, each cut to its longest text.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402  (the backend must be chosen before Keras is imported)

from model_service.preprocessing import text_lengths  # noqa: E402
from trainer.recipe import LoopRecipe  # noqa: E402

logger = logging.getLogger(__name__)

EpochCallback = Callable[[int, dict[str, float]], None]

PREDICT_BATCH = 512
"""Batch size for validation predictions (inference only, so larger is cheaper)."""

LENGTH_BUCKETS = (8, 16, 24, 32, 48, 64)
"""Token counts that separate the length buckets of text training batches."""

SELECTION_WINDOW = 3
"""Epochs whose mean validation macro F1 judges the last of them (see ``_MacroF1Monitor``)."""


@dataclass
class FitResult:
    """A trained branch with the best epoch's weights and its per-epoch metrics."""

    model: keras.Model
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0


def class_weights(y: np.ndarray, num_classes: int, power: float = 1.0) -> dict[int, float]:
    """Inverse-frequency weights ``(n / (k * n_c)) ** power``, normalised to mean 1 over samples.

    ``power=1`` is sklearn's "balanced"; smaller powers soften it. Classes absent from
    ``y`` get weight 1 (they contribute no samples anyway).
    """
    counts = np.bincount(y, minlength=num_classes).astype(np.float64)
    present = counts > 0
    raw = np.ones(num_classes)
    raw[present] = (len(y) / (present.sum() * counts[present])) ** power
    # Rescale so the average sample weight is 1: the loss scale (and so the useful
    # learning rate) does not depend on the imbalance.
    raw /= float((raw[y]).mean())
    return {i: float(w) for i, w in enumerate(raw)}


def fit_loop(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    loop: LoopRecipe,
    *,
    name: str,
    on_epoch: EpochCallback | None = None,
    augment: Callable | None = None,
    soft_targets: np.ndarray | None = None,
    soft_weight: float = 0.0,
    token_ids: bool = False,
) -> FitResult:
    """Fit ``model`` on ``train`` = (inputs, label indices) as ``loop`` says.

    Early stopping on validation macro F1 (mean of ``SELECTION_WINDOW`` epochs).
    ``token_ids``: inputs are right-padded token ids; batches then group texts of
    similar length and drop their common padding (most listings are far shorter
    than ``seq_len``, and a recurrent layer pays for every step it is given).
    """
    (x_train, y_train), (x_val, y_val) = train, val
    if len(x_train) == 0 or len(x_val) == 0:
        raise ValueError(f"{name} branch needs training and validation samples")
    k = int(model.output_shape[-1])
    epochs, batch_size, learning_rate = loop.epochs, loop.batch_size, loop.learning_rate
    steps = math.ceil(len(x_train) / batch_size) * epochs
    model.compile(
        optimizer=keras.optimizers.Adam(
            _schedule(learning_rate, steps, loop.warmup_fraction),
            weight_decay=loop.weight_decay or None,
        ),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=loop.label_smoothing),
    )
    predict = predict_token_ids if token_ids else predict_dense
    monitor = _MacroF1Monitor(
        x_val, y_val, patience=loop.patience, on_epoch=on_epoch, name=name, predict=predict,
        window=SELECTION_WINDOW,
    )  # fmt: skip
    logger.info(
        "training %s branch: %d train / %d val samples, %d epochs, batch %d, lr %g",
        name, len(x_train), len(x_val), epochs, batch_size, learning_rate,
    )  # fmt: skip
    weights = class_weights(y_train, k, loop.class_weight_power)
    targets = keras.utils.to_categorical(y_train, k)
    if soft_targets is not None:
        targets = (1.0 - soft_weight) * targets + soft_weight * soft_targets
    validation = (x_val, keras.utils.to_categorical(y_val, k))
    if token_ids:
        data = _length_bucketed_dataset(x_train, targets, y_train, weights, batch_size, augment)
        keras_history = model.fit(  # the monitor adds val_loss, predicting length-trimmed too
            data, epochs=epochs, shuffle=False, verbose=0, callbacks=[monitor]
        )
    elif augment is None:
        keras_history = model.fit(
            x_train, targets, validation_data=validation, class_weight=weights,
            epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, callbacks=[monitor],
        )  # fmt: skip
    else:
        data = _augmented_dataset(x_train, targets, y_train, weights, batch_size, augment)
        keras_history = model.fit(
            data, validation_data=validation, validation_batch_size=PREDICT_BATCH,
            epochs=epochs, shuffle=False, verbose=0, callbacks=[monitor],  # data shuffles itself
        )  # fmt: skip
    monitor.restore_best(model)
    history = {key: [float(v) for v in values] for key, values in keras_history.history.items()}
    logger.info(
        "%s branch: best epoch %d, val macro F1 %.4f (mean of up to %d epochs)",
        name, monitor.best_epoch + 1, monitor.best_score, SELECTION_WINDOW,
    )  # fmt: skip
    return FitResult(model=model, history=history, best_epoch=monitor.best_epoch)


def _augmented_dataset(
    x: np.ndarray,
    targets: np.ndarray,
    y: np.ndarray,
    weights: dict[int, float],
    batch_size: int,
    augment: Callable,
):
    """Shuffled batches of ``(augment(x), targets, class weight)``, reshuffled every epoch."""
    import tensorflow as tf

    sample_weight = np.array([weights[int(c)] for c in y], dtype=np.float32)
    data = tf.data.Dataset.from_tensor_slices((x, targets.astype(np.float32), sample_weight))
    return (
        data.shuffle(len(x), reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(augment, num_parallel_calls=1)
        .prefetch(2)
    )


def _length_bucketed_dataset(
    ids: np.ndarray,
    targets: np.ndarray,
    y: np.ndarray,
    weights: dict[int, float],
    batch_size: int,
    augment: Callable | None,
):
    """Shuffled batches of texts of similar length, each cut to its longest text.

    Padding is masked, so a batch's result does not depend on how much of it is
    cut; only the cost does.
    """
    import tensorflow as tf

    sample_weight = np.array([weights[int(c)] for c in y], dtype=np.float32)
    lengths = text_lengths(ids)
    data = tf.data.Dataset.from_tensor_slices(
        (ids, lengths, targets.astype(np.float32), sample_weight)
    )
    data = data.shuffle(len(ids), reshuffle_each_iteration=True).map(
        lambda row, n, t, w: (row[:n], t, w), num_parallel_calls=1
    )
    data = data.bucket_by_sequence_length(
        element_length_func=lambda row, t, w: tf.shape(row)[0],
        bucket_boundaries=list(LENGTH_BUCKETS),
        bucket_batch_sizes=[batch_size] * (len(LENGTH_BUCKETS) + 1),
    )
    buckets = np.bincount(np.searchsorted(LENGTH_BUCKETS, lengths, side="right"))
    batches = int(sum(math.ceil(n / batch_size) for n in buckets))
    data = data.apply(tf.data.experimental.assert_cardinality(batches))  # Keras sees whole epochs
    if augment is not None:
        data = data.map(augment, num_parallel_calls=1)
    return data.prefetch(2)


def predict_token_ids(model: keras.Model, ids: np.ndarray) -> np.ndarray:
    """``model``'s probabilities for right-padded ``ids``, shorter texts in shorter batches."""
    lengths = text_lengths(ids)
    order = np.argsort(lengths, kind="stable")
    out: np.ndarray | None = None
    for start in range(0, len(ids), PREDICT_BATCH):
        rows = order[start : start + PREDICT_BATCH]
        probs = np.asarray(model.predict_on_batch(ids[rows, : int(lengths[rows].max())]))
        if out is None:
            out = np.zeros((len(ids), probs.shape[1]), np.float32)
        out[rows] = probs
    return out if out is not None else np.zeros((0, model.output_shape[-1]), np.float32)


def predict_dense(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=PREDICT_BATCH, verbose=0))


def _schedule(
    learning_rate: float, total_steps: int, warmup_fraction: float
) -> keras.optimizers.schedules.LearningRateSchedule:
    """Linear warm-up, then cosine decay to 0 over the planned epochs."""
    warmup = int(total_steps * warmup_fraction)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup else learning_rate,
        decay_steps=max(1, total_steps - warmup),
        warmup_target=learning_rate if warmup else None,
        warmup_steps=warmup,
    )


def validation_metrics(probs: np.ndarray, y_val: np.ndarray) -> dict[str, float]:
    """Loss, macro and weighted F1 and accuracy of class probabilities on ``y_val``."""
    pred = probs.argmax(axis=1)
    picked = probs[np.arange(len(y_val)), y_val]
    return {
        "val_loss": float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0)))),
        "val_f1_macro": float(f1_score(y_val, pred, average="macro")),
        "val_f1_weighted": float(f1_score(y_val, pred, average="weighted")),
        "val_accuracy": float(np.mean(pred == y_val)),
    }


class _MacroF1Monitor(keras.callbacks.Callback):
    """Adds validation F1 scores to the epoch logs, keeps the best weights, stops early.

    An epoch is judged by the mean macro F1 of the last ``window`` epochs (its own
    included), and the weights kept are that last epoch's: on a small validation
    set one lucky epoch scores a few points above its neighbours, and a lone spike
    must not outrank a model that stays good.
    """

    def __init__(
        self,
        x_val: np.ndarray,
        y_val: np.ndarray,
        *,
        patience: int,
        on_epoch: EpochCallback | None,
        name: str,
        predict: Callable[[keras.Model, np.ndarray], np.ndarray],
        window: int = 1,
    ) -> None:
        super().__init__()
        self.x_val, self.y_val, self.predict = x_val, y_val, predict
        self.patience, self.on_epoch, self.name = patience, on_epoch, name
        self.window = window
        self.scores: list[float] = []
        self.best_score, self.best_epoch = -1.0, 0
        self.best_weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        scores = validation_metrics(self.predict(self.model, self.x_val), self.y_val)
        if "val_loss" in logs:  # Keras measured it on the validation data already
            del scores["val_loss"]
        logs.update(scores)
        logs["learning_rate"] = float(
            keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        )
        metrics = {key: float(value) for key, value in logs.items()}
        logger.info(
            "%s epoch %d: loss %.4f val_loss %.4f val_f1_macro %.4f val_f1_weighted %.4f",
            self.name, epoch + 1, metrics.get("loss", math.nan), metrics.get("val_loss", math.nan),
            metrics["val_f1_macro"], metrics["val_f1_weighted"],
        )  # fmt: skip
        self.scores.append(logs["val_f1_macro"])
        score = float(np.mean(self.scores[-self.window :]))
        if score > self.best_score:
            self.best_score, self.best_epoch = score, epoch
            self.best_weights = self.model.get_weights()
        elif epoch - self.best_epoch >= self.patience:
            self.model.stop_training = True
        if self.on_epoch is not None:
            self.on_epoch(epoch, metrics)

    def restore_best(self, model: keras.Model) -> None:
        if self.best_weights is not None:
            model.set_weights(self.best_weights)
