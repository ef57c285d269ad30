"""Tiny problems a branch learns in seconds: word-coded texts and channel-coded features."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model_service.model import ModelParams
from trainer.fit_loop import SELECTION_WINDOW
from trainer.recipe import TrainingRecipe

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


def toy_texts(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Each text mixes its class's words with shared filler words."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    filler = ["le", "la", "neuf", "lot", "avec"]
    texts = [" ".join([*rng.choice(WORDS[int(c)], 2), *rng.choice(filler, 3)]) for c in y]
    return texts, y


def toy_features(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """VGG16-shaped (1x1x512 at image_size 32) features: one bright channel block per class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    f = rng.random((n, 1, 1, 512), dtype=np.float32)
    for i, c in enumerate(y):
        f[i, 0, 0, c * 100 : c * 100 + 50] += 5.0
    return f, y


def window_means(scores: list[float]) -> list[float]:
    """Each epoch's score as the monitor judges it: the mean of the last SELECTION_WINDOW."""
    return [
        float(np.mean(scores[max(0, i + 1 - SELECTION_WINDOW) : i + 1])) for i in range(len(scores))
    ]
