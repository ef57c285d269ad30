"""How a BiGRU member of the text branch learns, as a ``TrainingRecipe`` says.

The vocabulary comes from the training texts; a member's embeddings start from an
LSA of its training ids, it trains with token dropout, and its targets blend the
labels with the out-of-fold probabilities of a TF-IDF teacher (``fit_loop`` runs
the epochs). How the branch's members are cross-fitted and averaged is
``trainer.pipeline.train_text_branch``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from model_service.model import ModelParams, build_text_member
from model_service.preprocessing import OOV_ID, TextEncoder
from trainer.fit_loop import EpochCallback, FitResult, fit_loop
from trainer.recipe import TrainingRecipe

logger = logging.getLogger(__name__)

TEXT_EMBEDDING = "embedding"

TEACHER_FOLDS = 5
TEACHER_C = 0.5
"""Folds and regularisation of the TF-IDF teacher (C chosen on held-out training rows)."""

EMBED_INIT_STD = 0.05
"""Spread of initial embedding vectors (about Keras' default uniform initialiser's)."""


def fit_encoder(texts: list[str], params: ModelParams, recipe: TrainingRecipe) -> TextEncoder:
    """Vocabulary of cleaned training texts, sized by ``params``."""
    return TextEncoder.fit(texts, max_tokens=params.vocab_size, min_count=recipe.min_count)


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


def _check_ids(x: np.ndarray, vocab_size: int) -> None:
    # An id past the Embedding's input_dim fails late and obscurely on CPU (or silently on GPU).
    if x.size and int(x.max()) >= vocab_size:
        raise ValueError(
            f"token id {int(x.max())} >= vocab_size {vocab_size}; "
            "build ModelParams with vocab_size >= encoder.size"
        )
