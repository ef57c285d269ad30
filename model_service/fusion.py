"""The weighted average of the two branches, and a predictor's batch logic around it.

Shared by every runtime (ONNX Runtime in the workers, Keras in the trainer and the
benchmarks), so each fuses exactly alike. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model_service.preprocessing import text_lengths

TEXT = "text"
IMAGE = "image"


@dataclass(frozen=True)
class ProductInput:
    """A preprocessed product: cleaned text ("" if none), RGB uint8 224x224x3 image or None."""

    text: str
    image: np.ndarray | None

    @property
    def modalities(self) -> list[str]:
        return [
            m
            for m, present in ((IMAGE, self.image is not None), (TEXT, bool(self.text)))
            if present
        ]


def fuse(p_text: np.ndarray | None, p_image: np.ndarray | None, text_weight: float) -> np.ndarray:
    """``w * p_text + (1 - w) * p_image``; with one modality, that branch alone."""
    if p_text is None and p_image is None:
        raise ValueError("fusion needs at least one branch's probabilities")
    if p_image is None:
        return np.asarray(p_text)
    if p_text is None:
        return np.asarray(p_image)
    if not 0.0 <= text_weight <= 1.0:
        raise ValueError(f"text weight must lie in [0, 1], got {text_weight}")
    return text_weight * np.asarray(p_text) + (1.0 - text_weight) * np.asarray(p_image)


def fuse_products(
    items: Sequence[ProductInput],
    p_text: np.ndarray,
    p_image: np.ndarray,
    text_weight: float,
    num_classes: int,
) -> np.ndarray:
    """Each product's fused (n, classes) probabilities: ``p_text`` holds a row for each
    product with text, ``p_image`` one for each product with a photo, in product order."""
    out = np.zeros((len(items), num_classes), dtype=np.float32)
    text_rows, image_rows = iter(p_text), iter(p_image)
    for i, item in enumerate(items):
        out[i] = fuse(
            next(text_rows) if item.text else None,
            next(image_rows) if item.image is not None else None,
            text_weight,
        )
    return out


class FusedPredictor:
    """Both branches and their fusion; a runtime supplies ``run_text`` and ``image_probs``."""

    name: str
    version: Any
    """The version's parameters and text encoder (``params``, ``encoder``)."""
    text_weight: float
    num_classes: int
    runtime: str
    """What runs the branches, named in every answer's timing: int8, fp32 or keras."""

    def warm_up(self) -> None:
        """Run both branches once, so the first request does not pay for their set-up."""
        size = self.version.params.image_size
        self.text_probs(["warm up"])
        self.image_probs(np.zeros((1, size, size, 3), dtype=np.uint8))

    def text_probs(self, texts: Sequence[str]) -> np.ndarray:
        """Text branch alone: cleaned texts -> (n, classes) probabilities."""
        ids = self.version.encoder.encode(texts, self.version.params.seq_len)
        longest = int(text_lengths(ids).max())  # columns no text reaches only cost time
        return self.run_text(np.ascontiguousarray(ids[:, :longest]))

    def run_text(self, ids: np.ndarray) -> np.ndarray:
        """Token ids (n, longest) -> (n, classes) probabilities."""
        raise NotImplementedError

    def image_probs(self, images: np.ndarray) -> np.ndarray:
        """Image branch alone: RGB uint8 (n, size, size, 3) -> (n, classes) probabilities."""
        raise NotImplementedError

    def predict(self, items: Sequence[ProductInput]) -> np.ndarray:
        """Fused (n, classes) probabilities; each product uses the modalities it has.

        One forward pass per branch for the whole batch.
        """
        if any(not item.text and item.image is None for item in items):
            raise ValueError("every product needs text or an image")
        texts = [item.text for item in items if item.text]
        photos = [item.image for item in items if item.image is not None]
        none = np.zeros((0, self.num_classes), dtype=np.float32)
        p_text = self.text_probs(texts) if texts else none
        p_image = self.image_probs(np.stack(photos)) if photos else none
        return fuse_products(items, p_text, p_image, self.text_weight, self.num_classes)
