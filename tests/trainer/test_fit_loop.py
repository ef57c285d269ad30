"""The shared training loop: early stopping, restored weights, class weights, length buckets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import f1_score

from model_service.model import build_text_model
from tests.trainer.toy import TINY, text_recipe, toy_texts, window_means
from trainer.fit_loop import (
    _length_bucketed_dataset,
    _MacroF1Monitor,
    class_weights,
    predict_dense,
    predict_token_ids,
)
from trainer.fit_text import fit_encoder, fit_text_branch

pytestmark = pytest.mark.usefixtures("keras_seed")


def test_best_epoch_weights_are_restored() -> None:
    # Validation labels are the training labels shifted by one class: the better the
    # model learns, the worse it scores, so the best epoch is an early one.
    recipe = text_recipe(20, 16, 3e-3, patience=2, embedding_init="random", token_dropout=0.0)
    texts, y = toy_texts(160, seed=5)
    encoder = fit_encoder(texts, TINY, recipe)
    x = encoder.encode(texts, TINY.seq_len)
    y_val = (y[:60] + 1) % 3
    result = fit_text_branch(TINY, recipe, x, y, x[:60], y_val)
    scores = result.history["val_f1_macro"]
    means = window_means(scores)
    assert result.best_epoch == int(np.argmax(means))
    assert len(scores) == result.best_epoch + 3  # stopped after `patience` worse epochs
    assert means[result.best_epoch] > means[-1]
    pred = result.model.predict(x[:60], verbose=0).argmax(1)
    assert f1_score(y_val, pred, average="macro") == pytest.approx(scores[result.best_epoch])


class _ScriptedModel:
    """Stands in for a Keras model: predictions and weights follow a script per epoch."""

    def __init__(self, predictions: list[np.ndarray]) -> None:
        self.predictions, self.epoch, self.stop_training = predictions, 0, False
        self.weights = [np.array([0.0])]

    def predict(self, x: np.ndarray, **_: object) -> np.ndarray:
        return self.predictions[self.epoch]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        self.weights = weights


def test_monitor_stops_after_patience_and_keeps_the_best_weights() -> None:
    y_val = np.array([0, 1, 2])
    good, bad = np.eye(3), np.eye(3)[[1, 1, 1]]
    model = _ScriptedModel([bad, good, bad, bad, bad])
    model.optimizer = type("Opt", (), {"learning_rate": 0.01})()
    monitor = _MacroF1Monitor(
        y_val[:, None], y_val, patience=2, on_epoch=None, name="t", predict=predict_dense
    )
    monitor.set_model(model)
    for epoch in range(5):
        model.epoch, model.weights = epoch, [np.array([float(epoch)])]
        monitor.on_epoch_end(epoch, {"loss": 1.0})
        if model.stop_training:
            break
    assert (epoch, monitor.best_epoch) == (3, 1)
    monitor.restore_best(model)
    assert model.weights[0].tolist() == [1.0]


@pytest.mark.parametrize(("window", "best", "last"), [(1, 3, 8), (3, 8, 11)])
def test_monitor_prefers_a_steady_stretch_to_a_lone_spike(
    window: int, best: int, last: int
) -> None:
    y_val = np.array([0, 1, 2])
    good, bad, fair = np.eye(3), np.eye(3)[[1, 1, 1]], np.eye(3)[[0, 1, 1]]  # F1 1, 0.17, 0.56
    script = [bad, bad, bad, good, bad, bad, fair, fair, fair, bad, bad, bad]
    model = _ScriptedModel(script)
    model.optimizer = type("Opt", (), {"learning_rate": 0.01})()
    monitor = _MacroF1Monitor(
        y_val[:, None], y_val, patience=5, on_epoch=None, name="t", predict=predict_dense,
        window=window,
    )  # fmt: skip
    monitor.set_model(model)
    for epoch in range(len(script)):
        model.epoch, model.weights = epoch, [np.array([float(epoch)])]
        monitor.on_epoch_end(epoch, {"loss": 1.0})
        if model.stop_training:
            break
    assert (epoch, monitor.best_epoch) == (last, best)
    monitor.restore_best(model)
    assert model.weights[0].tolist() == [float(best)]


def test_class_weights_balance_the_classes() -> None:
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2])
    weights = class_weights(y, num_classes=4)
    totals = [weights[c] * int((y == c).sum()) for c in range(3)]
    assert totals == pytest.approx([totals[0]] * 3)
    assert np.mean([weights[c] for c in y]) == pytest.approx(1.0)
    assert weights[0] < weights[1] < weights[2]
    assert weights[3] > 0  # an absent class still has a usable weight


def test_class_weights_power_zero_is_uniform() -> None:
    weights = class_weights(np.array([0, 0, 0, 1]), num_classes=2, power=0.0)
    assert weights == pytest.approx({0: 1.0, 1: 1.0})


def test_length_trimmed_predictions_equal_padded_ones() -> None:
    params = replace(TINY, seq_len=12)
    model = build_text_model(params)
    rng = np.random.default_rng(3)
    ids = np.zeros((9, params.seq_len), np.int32)
    for row, n in enumerate([1, 2, 3, 5, 8, 12, 4, 7, 1]):
        ids[row, :n] = rng.integers(2, params.vocab_size, n)
    padded = np.asarray(model.predict(ids, verbose=0))
    np.testing.assert_allclose(predict_token_ids(model, ids), padded, atol=1e-5)


def test_length_buckets_cut_batches_and_keep_every_sample_once() -> None:
    ids = np.zeros((40, 64), np.int32)
    lengths = np.arange(40) % 20 + 1
    for row, n in enumerate(lengths):
        ids[row, :n] = row + 2  # each row's tokens name the row
    y = np.arange(40) % 3
    data = _length_bucketed_dataset(ids, np.eye(3)[y], y, {0: 1.0, 1: 1.0, 2: 1.0}, 8, None)
    seen = []
    for batch, _, _ in data:
        batch = batch.numpy()
        rows_in_batch = batch[:, 0] - 2
        assert batch.shape[1] == lengths[rows_in_batch].max()  # no padding column to spare
        seen.extend(rows_in_batch.tolist())
    assert sorted(seen) == list(range(40))
