"""How the two branches and the fusion weight are trained, as a ``TrainingRecipe`` says.

The architecture comes from ``model_service.model``; this module decides how it
learns: class weights, label smoothing, warm-up and cosine learning-rate decay,
early stopping on validation macro F1 with the best epoch's weights restored.
Text: embeddings started from an LSA of the training ids, token dropout, soft
targets from a TF-IDF teacher, batches of similar lengths. Image: standardised features
(folded back into the head afterwards) and mirrored photos; a linear head is solved
exactly (a shrinkage discriminant or a logistic regression), a deeper one trains
with decoupled weight decay (about a thousand photos against thousands of inputs)
and optional mixup.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402  (the backend must be chosen before Keras is imported)

from model_service.model import (  # noqa: E402
    IMAGE_OUTPUT,
    ModelParams,
    build_image_head,
    build_text_member,
)
from model_service.preprocessing import OOV_ID, TextEncoder, text_lengths  # noqa: E402
from trainer.discriminant import shrinkage_lda, temperature  # noqa: E402
from trainer.recipe import LoopRecipe, TrainingRecipe  # noqa: E402

logger = logging.getLogger(__name__)

EpochCallback = Callable[[int, dict[str, float]], None]

PREDICT_BATCH = 512
"""Batch size for validation predictions (inference only, so larger is cheaper)."""

LENGTH_BUCKETS = (8, 16, 24, 32, 48, 64)
"""Token counts that separate the length buckets of text training batches."""

TEXT_EMBEDDING = "embedding"
IMAGE_FIRST_DENSE = "dense_1"
"""The image head layer that reads the flattened features (see ``build_image_head``)."""

TEACHER_FOLDS = 5
TEACHER_C = 0.5
"""Folds and regularisation of the TF-IDF teacher (C chosen on held-out training rows)."""

EMBED_INIT_STD = 0.05
"""Spread of initial embedding vectors (about Keras' default uniform initialiser's)."""

SELECTION_WINDOW = 3
"""Epochs whose mean validation macro F1 judges the last of them (see ``_MacroF1Monitor``)."""

WEIGHT_GRID = np.round(np.linspace(0.0, 1.0, 21), 2)
WEIGHT_WINDOW = 2
"""Fusion weights tried by ``choose_text_weight``, and its smoothing half-width in grid steps."""

FUSION_PAIRS_PER_PHOTO = 30
"""Validation texts of its class each validation photo is paired with (``same_class_pairs``)."""


@dataclass
class FitResult:
    """A trained branch with the best epoch's weights and its per-epoch metrics."""

    model: keras.Model
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0


def fit_encoder(texts: list[str], params: ModelParams, recipe: TrainingRecipe) -> TextEncoder:
    """Vocabulary of cleaned training texts, sized by ``params``."""
    return TextEncoder.fit(texts, max_tokens=params.vocab_size, min_count=recipe.min_count)


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


def fit_text_branch(
    params: ModelParams,
    recipe: TrainingRecipe,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    on_epoch: EpochCallback | None = None,
    soft_targets: np.ndarray | None = None,
) -> FitResult:
    """Train one BiGRU member of the text branch on token ids (``TextEncoder.encode`` output).

    ``soft_targets`` (n_train, classes), when given, are a teacher's out-of-fold
    probabilities, blended into the one-hot targets with ``recipe.distill_weight``.
    """
    _check_ids(x_train, params.vocab_size)
    _check_ids(x_val, params.vocab_size)
    model = build_text_member(params)
    init = text_embedding_init(x_train, params, recipe.embedding_init)
    if init is not None:
        model.get_layer(TEXT_EMBEDDING).set_weights([init])
    return fit_loop(
        model, (x_train, y_train), (x_val, y_val), recipe.text_loop(), name="text",
        on_epoch=on_epoch,
        augment=_token_dropout(recipe.token_dropout) if recipe.token_dropout > 0 else None,
        soft_targets=soft_targets, soft_weight=recipe.distill_weight, token_ids=True,
    )  # fmt: skip


def text_embedding_init(x: np.ndarray, params: ModelParams, mode: str) -> np.ndarray | None:
    """Starting embedding vectors from the training ids themselves (nothing downloaded).

    ``"lsa"``: each token's loadings in a truncated SVD of the documents' TF-IDF
    matrix, so tokens used in the same listings start close together (rare words
    inherit the topic of the listings they appear in). ``"random"``: Keras' default.
    """
    if mode == "random":
        return None
    if mode != "lsa":
        raise ValueError(f"unknown embedding init {mode!r}")
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer

    rows = np.repeat(np.arange(len(x)), x.shape[1])
    ids = x.ravel()
    keep = ids > OOV_ID
    counts = sparse.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (rows[keep], ids[keep])),
        shape=(len(x), params.vocab_size),
    )
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    k = min(params.embed_dim, min(tfidf.shape) - 1)
    rng = np.random.default_rng(0)
    init = rng.normal(0.0, EMBED_INIT_STD, (params.vocab_size, params.embed_dim))
    if k < 1:
        return init.astype(np.float32)
    svd = TruncatedSVD(n_components=k, random_state=0).fit(tfidf)
    vectors = svd.components_.T * svd.singular_values_  # (vocab, k)
    seen = np.asarray(counts.sum(axis=0)).ravel() > 0
    scale = EMBED_INIT_STD / max(float(vectors[seen].std()), 1e-12)
    init[seen, :k] = vectors[seen] * scale
    return init.astype(np.float32)


def _token_dropout(rate: float) -> Callable:
    """Training-time augmentation: each real token becomes "unknown" with probability ``rate``.

    The model learns not to hang a decision on one word, and sees what unknown words
    look like (as at serving time, when a listing uses words the vocabulary lacks).
    """
    import tensorflow as tf

    def augment(ids, targets, weights):
        drop = tf.logical_and(tf.random.uniform(tf.shape(ids)) < rate, ids > OOV_ID)
        return tf.where(drop, tf.constant(OOV_ID, ids.dtype), ids), targets, weights

    return augment


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


def text_teacher_targets(
    texts: list[str],
    y: np.ndarray,
    num_classes: int,
    temperature: float,
    *,
    folds: int = TEACHER_FOLDS,
) -> np.ndarray:
    """Out-of-fold class probabilities of a TF-IDF (words + character n-grams) linear model.

    Soft targets for ``fit_text_branch(..., soft_targets=...)``: each training text is
    scored by a model that did not see it, so the targets carry which classes look
    alike without echoing the labels. Character n-grams see inside rare words and
    codes that the BiGRU's vocabulary only covers in pieces.
    """
    from joblib import Parallel, delayed
    from scipy.special import softmax
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    y = np.asarray(y)
    counts = np.bincount(y, minlength=num_classes)
    n_splits = min(folds, int(counts[counts > 0].min()))
    if n_splits < 2:
        raise ValueError("every class needs at least two texts for out-of-fold targets")
    # The vocabulary and its IDF weights read no label, so one fit on every text keeps the
    # scores out-of-fold; the folds then differ only in their linear models (a third of
    # the time of one vectoriser per fold), fitted side by side (liblinear frees the GIL).
    features = _teacher_features().fit_transform(texts)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)

    def fold(fit_rows: np.ndarray, out_rows: np.ndarray) -> tuple[np.ndarray, Any]:
        return out_rows, LinearSVC(C=TEACHER_C).fit(features[fit_rows], y[fit_rows])

    fitted = Parallel(n_jobs=min(n_splits, os.cpu_count() or 1), prefer="threads")(
        delayed(fold)(fit_rows, out_rows) for fit_rows, out_rows in splitter.split(features, y)
    )
    scores = np.full((len(texts), num_classes), -1.0, np.float32)  # classes a fold never saw
    for out_rows, model in fitted:
        decision = model.decision_function(features[out_rows])
        if decision.ndim == 1:  # two classes: one signed score for the second
            decision = np.stack([-decision, decision], axis=1)
        scores[np.ix_(out_rows, model.classes_)] = decision
    logger.info("text teacher: %d out-of-fold linear models", n_splits)
    return softmax(scores * temperature, axis=1).astype(np.float32)


def _teacher_features():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)),
        TfidfVectorizer(sublinear_tf=True, min_df=2, analyzer="char_wb", ngram_range=(2, 5)),
    )


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
    metrics = validation_metrics(_predict_dense(model, f_val), y_val)
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


def same_class_pairs(
    has_text: np.ndarray,
    has_image: np.ndarray,
    y: np.ndarray,
    per_photo: int = FUSION_PAIRS_PER_PHOTO,
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(text_rows, image_rows)``: each photo with ``per_photo`` texts of its class.

    Products with both modalities are too few to choose the fusion weight on (57 of
    the shared data's validation products: one product moves weighted F1 by two
    points, and the chosen weight ran from 0.55 to 0.80 with the seed of the text
    branch). Each validation photo paired with validation texts of its class (its own
    among them, when it has one) gives thousands of products that could have been,
    on one assumption: once the class is known, a product's photo and its text err
    independently. Texts are drawn by a generator of fixed seed: a rerun pairs alike.
    """
    has_text, has_image, y = np.asarray(has_text, bool), np.asarray(has_image, bool), np.asarray(y)
    rng = np.random.default_rng(0)
    text_rows, image_rows = [], []
    for row in np.flatnonzero(has_image):
        texts = np.flatnonzero(has_text & (y == y[row]))
        if len(texts):
            text_rows.append(rng.choice(texts, per_photo, replace=len(texts) < per_photo))
            image_rows.append(np.full(per_photo, row))
    if not text_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(text_rows), np.concatenate(image_rows)


def choose_text_weight(p_text: np.ndarray, p_image: np.ndarray, y: np.ndarray) -> float:
    """The ``w`` in [0, 1] whose fusion ``w*p_text + (1-w)*p_image`` has the best weighted F1.

    Pass each branch's probabilities for the same products (or ``same_class_pairs``).
    Each weight is judged by the mean F1 of its neighbourhood (``WEIGHT_WINDOW`` grid
    steps each side): a lone spike from a few products does not pick the weight.
    Ties go to the weight closest to 0.5.
    """
    if len(y) == 0:
        raise ValueError("choose_text_weight needs at least one product or pair")
    scores = np.array(
        [
            f1_score(y, np.argmax(w * p_text + (1.0 - w) * p_image, axis=1), average="weighted")
            for w in WEIGHT_GRID
        ]
    )
    chosen = steadiest_best_weight(scores)
    logger.info(
        "fusion weight %.2f (weighted F1 %.4f on %d text-photo pairs)",
        chosen, scores[list(WEIGHT_GRID).index(chosen)], len(y),
    )  # fmt: skip
    return chosen


def steadiest_best_weight(scores: np.ndarray) -> float:
    """The weight of ``WEIGHT_GRID`` whose neighbourhood has the best mean score."""
    smoothed = uniform_filter1d(np.asarray(scores, float), 2 * WEIGHT_WINDOW + 1, mode="nearest")
    best = float(smoothed.max())
    candidates = [w for w, s in zip(WEIGHT_GRID, smoothed, strict=True) if s >= best - 1e-12]
    return float(min(candidates, key=lambda w: abs(w - 0.5)))


# --- shared training loop ------------------------------------------------------


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
    predict = predict_token_ids if token_ids else _predict_dense
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


def _predict_dense(model: keras.Model, x: np.ndarray) -> np.ndarray:
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


def _check_ids(x: np.ndarray, vocab_size: int) -> None:
    # An id past the Embedding's input_dim fails late and obscurely on CPU (or silently on GPU).
    if x.size and int(x.max()) >= vocab_size:
        raise ValueError(
            f"token id {int(x.max())} >= vocab_size {vocab_size}; "
            "build ModelParams with vocab_size >= encoder.size"
        )
