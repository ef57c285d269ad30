"""Training recipe on tiny synthetic problems: learning, early stopping, weights, fusion."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from model_service.model import IMAGE_OUTPUT, POOLED_FEATURES, ModelParams, build_text_model
from model_service.preprocessing import OOV_ID, PAD_ID
from trainer.discriminant import shrinkage_lda, temperature
from trainer.errors import BadParameter
from trainer.fit import (
    LINEAR_SCALE_FLOOR,
    SELECTION_WINDOW,
    WEIGHT_GRID,
    _fold_standardisation,
    _length_bucketed_dataset,
    _MacroF1Monitor,
    _mixup,
    _predict_dense,
    _token_dropout,
    choose_text_weight,
    class_weights,
    feature_standardisation,
    fit_encoder,
    fit_image_head,
    fit_text_branch,
    predict_token_ids,
    same_class_pairs,
    steadiest_best_weight,
    text_embedding_init,
    text_teacher_targets,
)
from trainer.recipe import TrainingRecipe

keras = pytest.importorskip("keras")

TINY = ModelParams(
    vocab_size=64,
    seq_len=6,
    embed_dim=8,
    gru_units=8,
    image_hidden=16,
    image_dropout=0.3,
    image_size=32,
    num_classes=3,
    image_features="flat",
)
RECIPE = TrainingRecipe(min_count=1)


def text_recipe(epochs: int, batch_size: int, learning_rate: float, **more) -> TrainingRecipe:
    return replace(RECIPE, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                   **more)  # fmt: skip


def image_recipe(epochs: int, batch_size: int, learning_rate: float, **more) -> TrainingRecipe:
    return replace(RECIPE, image_epochs=epochs, image_batch_size=batch_size,
                   image_learning_rate=learning_rate, **more)  # fmt: skip


WORDS = {
    0: ["piscine", "pompe", "filtre"],
    1: ["livre", "roman", "poche"],
    2: ["console", "manette", "jeu"],
}


def _toy_texts(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Each text mixes its class's words with shared filler words."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    filler = ["le", "la", "neuf", "lot", "avec"]
    texts = [" ".join([*rng.choice(WORDS[int(c)], 2), *rng.choice(filler, 3)]) for c in y]
    return texts, y


def _toy_features(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """VGG16-shaped (1x1x512 at image_size 32) features: one bright channel block per class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    f = rng.random((n, 1, 1, 512), dtype=np.float32)
    for i, c in enumerate(y):
        f[i, 0, 0, c * 100 : c * 100 + 50] += 5.0
    return f, y


@pytest.fixture(autouse=True)
def _seed() -> None:
    keras.utils.set_random_seed(0)


def test_text_branch_learns_a_separable_problem() -> None:
    texts, y = _toy_texts(160, seed=1)
    val_texts, y_val = _toy_texts(60, seed=2)
    encoder = fit_encoder(texts, TINY, RECIPE)
    x, x_val = encoder.encode(texts, TINY.seq_len), encoder.encode(val_texts, TINY.seq_len)
    seen: list[tuple[int, dict[str, float]]] = []
    result = fit_text_branch(
        TINY, text_recipe(5, 16, 1e-2), x, y, x_val, y_val,
        on_epoch=lambda e, m: seen.append((e, m)),
    )  # fmt: skip
    pred = result.model.predict(x_val, verbose=0).argmax(1)
    assert f1_score(y_val, pred, average="macro") > 0.95
    assert [e for e, _ in seen] == list(range(len(result.history["loss"])))
    for key in ("loss", "val_loss", "val_f1_macro", "val_f1_weighted"):
        assert len(result.history[key]) == len(seen)
        assert key in seen[-1][1]


def test_image_head_learns_a_separable_problem() -> None:
    f, y = _toy_features(150, seed=3)
    f_val, y_val = _toy_features(60, seed=4)
    result = fit_image_head(TINY, image_recipe(8, 16, 1e-3), f, y, f_val, y_val)
    pred = result.model.predict(f_val, verbose=0).argmax(1)
    assert f1_score(y_val, pred, average="macro") > 0.95
    means = _window_means(result.history["val_f1_macro"])
    assert result.best_epoch == int(np.argmax(means))


def _window_means(scores: list[float]) -> list[float]:
    """Each epoch's score as the monitor judges it: the mean of the last SELECTION_WINDOW."""
    return [
        float(np.mean(scores[max(0, i + 1 - SELECTION_WINDOW) : i + 1])) for i in range(len(scores))
    ]


def test_best_epoch_weights_are_restored() -> None:
    # Validation labels are the training labels shifted by one class: the better the
    # model learns, the worse it scores, so the best epoch is an early one.
    recipe = text_recipe(20, 16, 3e-3, patience=2, embedding_init="random", token_dropout=0.0)
    texts, y = _toy_texts(160, seed=5)
    encoder = fit_encoder(texts, TINY, recipe)
    x = encoder.encode(texts, TINY.seq_len)
    y_val = (y[:60] + 1) % 3
    result = fit_text_branch(TINY, recipe, x, y, x[:60], y_val)
    scores = result.history["val_f1_macro"]
    means = _window_means(scores)
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
        y_val[:, None], y_val, patience=2, on_epoch=None, name="t", predict=_predict_dense
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
        y_val[:, None], y_val, patience=5, on_epoch=None, name="t", predict=_predict_dense,
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


def test_text_ids_beyond_the_vocabulary_are_refused() -> None:
    x = np.full((4, TINY.seq_len), TINY.vocab_size, dtype=np.int32)
    y = np.zeros(4, dtype=np.int64)
    with pytest.raises(ValueError, match="vocab_size"):
        fit_text_branch(TINY, text_recipe(1, 2, 1e-3), x, y, x, y)


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


def test_lsa_embedding_init_puts_co_occurring_tokens_together() -> None:
    # Tokens 2-4 always appear together, 5-7 together; 8+ never appear.
    x = np.array([[2, 3, 4, 0], [3, 4, 2, 0], [5, 6, 7, 0], [6, 7, 5, 0]] * 5, dtype=np.int32)
    params = ModelParams(vocab_size=12, seq_len=4, embed_dim=4)
    init = text_embedding_init(x, params, "lsa")
    assert init.shape == (12, 4)

    def cos(a: int, b: int) -> float:
        return float(init[a] @ init[b] / np.linalg.norm(init[a]) / np.linalg.norm(init[b]))

    assert cos(2, 3) > 0.9
    assert abs(cos(2, 5)) < 0.5
    assert text_embedding_init(x, params, "random") is None


def test_token_dropout_only_hides_real_tokens() -> None:
    ids = np.array([[5, 6, 7, 8, 0, 0]] * 200, dtype=np.int32)
    dropped, targets, weights = _token_dropout(0.5)(ids, np.ones((200, 3)), np.ones(200))
    dropped = np.asarray(dropped)
    assert (dropped[:, 4:] == PAD_ID).all()
    hidden = dropped[:, :4] == OOV_ID
    assert 0.3 < hidden.mean() < 0.7
    assert (dropped[:, :4][~hidden] == ids[:, :4][~hidden]).all()


def test_mixup_blends_inputs_and_targets_alike() -> None:
    x = np.eye(8, dtype=np.float32)
    targets = np.eye(8, dtype=np.float32)
    mixed_x, mixed_y, mixed_w = _mixup(0.4)(x, targets, np.ones(8, dtype=np.float32))
    assert np.allclose(np.asarray(mixed_x), np.asarray(mixed_y))
    assert (np.asarray(mixed_y).max(axis=1) >= 0.5 - 1e-6).all()
    assert np.allclose(np.asarray(mixed_y).sum(axis=1), 1.0)
    assert np.allclose(np.asarray(mixed_w), 1.0)


def test_teacher_targets_are_out_of_fold_probabilities() -> None:
    texts, y = _toy_texts(60, seed=6)
    soft = text_teacher_targets(texts, y, TINY.num_classes, RECIPE.teacher_temperature, folds=3)
    assert soft.shape == (60, 3)
    assert np.allclose(soft.sum(axis=1), 1.0, atol=1e-5)
    assert (soft.argmax(axis=1) == y).mean() > 0.9


def test_flipped_features_are_extra_training_samples() -> None:
    f, y = _toy_features(60, seed=7)
    seen: list[int] = []
    result = fit_image_head(
        TINY, image_recipe(1, 30, 1e-3), f, y, f[:20], y[:20],
        f_train_flipped=f[:, :, ::-1], on_epoch=lambda e, m: seen.append(e),
    )  # fmt: skip
    assert seen == [0]
    assert result.model.optimizer.iterations.numpy() == 4  # 120 samples / 30
    with pytest.raises(ValueError, match="shape"):
        fit_image_head(TINY, image_recipe(1, 30, 1e-3), f, y, f, y, f_train_flipped=f[:10])


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


def test_image_weight_decay_shrinks_the_head() -> None:
    f, y = _toy_features(64, 0)
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
    assert f1_score(y_val, _predict_dense(result.model, f_val).argmax(1), average="macro") > 0.9
    # The served head takes raw features: the standardisation is folded into its one layer.
    mean, scale = f.mean(axis=0), f.std(axis=0) + LINEAR_SCALE_FLOOR
    reference = LogisticRegression(C=0.05, max_iter=300, class_weight="balanced")
    reference.fit((f - mean) / scale, y)
    np.testing.assert_allclose(
        _predict_dense(result.model, f_val), reference.predict_proba((f_val - mean) / scale),
        atol=2e-3,
    )  # fmt: skip
    assert [e for e, _ in seen] == [0] and seen[0][1]["val_f1_macro"] > 0.9
    assert result.history["val_f1_weighted"] == [seen[0][1]["val_f1_weighted"]]


@pytest.mark.parametrize("head", ["logistic", "lda"])
def test_a_linear_head_never_names_a_class_it_never_saw(head: str) -> None:
    recipe = replace(RECIPE, image_linear_head=head)
    f, y = _toy_pooled(90, seed=3, classes=2)  # classes 0 and 1; class 2 has no photo
    probs = _predict_dense(fit_image_head(LINEAR, recipe, f, y, f, y).model, f)
    assert probs[:, 2].max() < 1e-6
    assert (probs.argmax(1) == y).mean() > 0.9
    single = fit_image_head(LINEAR, recipe, f, np.ones_like(y), f, y).model
    assert (_predict_dense(single, f).argmax(1) == 1).all()


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
    probs = _predict_dense(fit_image_head(LINEAR, recipe, f, y, f_val, y_val).model, f_val)
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
