"""How a version is trained: the ``TrainingRecipe``, and how a run's recipe is resolved.

``ModelParams`` (``model_service.model``) holds what the saved weights need: layer
sizes and what the image head reads. Everything that only training reads lives
here: epochs, batch sizes, learning rates, regularisation, augmentation, the text
teacher. Precedence: code defaults < the tuned defaults ``trainer tune`` saved on
the model volume < explicit overrides (CLI flags, the retrain job's parameters).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from common.model_store import write_json_atomic
from model_service.model import ModelParams
from trainer.errors import BadParameter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopRecipe:
    """One branch's training loop (see ``trainer.fit_loop.fit_loop``)."""

    epochs: int
    batch_size: int
    learning_rate: float
    patience: int
    class_weight_power: float = 1.0  # 1 = fully balanced, 0 = no class weights
    label_smoothing: float = 0.0
    weight_decay: float = 0.0  # decoupled (AdamW-style), times the learning rate per step
    warmup_fraction: float = 0.05  # of all planned steps, before the cosine decay


LINEAR_HEADS = ("logistic", "lda")


@dataclass(frozen=True)
class TrainingRecipe:
    """Everything a training run decides that the saved weights do not record."""

    seed: int = 0
    """Seeds Python, NumPy and the backend, so reruns start from the same weights."""
    warmup_fraction: float = 0.05
    # --- text branch ---
    epochs: int = 6  # of each member (``ModelParams.text_members``)
    batch_size: int = 64
    learning_rate: float = 4e-3
    # Validation F1 is noisy (27 classes, a few hundred validation photos) and the
    # cosine schedule peaks late: a short patience stops on a dip, long before the best epoch.
    patience: int = 6
    min_count: int = 2  # words seen once are split into subword pieces instead
    embedding_init: str = "lsa"  # or "random"; see trainer.fit_text.text_embedding_init
    token_dropout: float = 0.1  # share of training tokens hidden as "unknown" each batch
    text_label_smoothing: float = 0.1
    text_class_weight_power: float = 1.0
    distill_weight: float = 0.7  # share of a TF-IDF teacher's probabilities in the targets; 0 = off
    teacher_temperature: float = 4.0  # sharpens the teacher's SVM scores into probabilities
    # --- image head ---
    # A linear head (``ModelParams.image_hidden == 0``, the default) is fitted exactly,
    # as a shrinkage discriminant or a logistic regression (``image_linear_head``): of
    # the fields below, only the chosen head's own field, the class weights (the
    # regression's; the discriminant gives every class the same prior) and the mirrored
    # photos apply to it.
    image_linear_head: str = "lda"  # or "logistic": see trainer.fit_image.fit_linear_head
    image_linear_c: float = 0.003  # the regression's inverse L2 strength, chosen by CV
    image_lda_shrinkage: float = 0.9  # the discriminant's covariance shrinkage, chosen by CV
    image_epochs: int = 40
    image_batch_size: int = 32
    image_learning_rate: float = 3e-4
    image_patience: int = 20
    image_feature_norm: str = "feature"  # "feature", "global" or "none"
    image_label_smoothing: float = 0.2
    image_class_weight_power: float = 1.0
    image_mixup: float = 0.0  # Beta(alpha, alpha) mixup of image features; 0 = off
    image_flip: bool = True  # also train the image head on each photo mirrored left to right
    image_weight_decay: float = 3.0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "image_epochs", "image_batch_size"):
            if getattr(self, name) < 1:
                raise BadParameter(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.image_linear_c <= 0:
            raise BadParameter(f"image_linear_c must be positive, got {self.image_linear_c}")
        if self.image_linear_head not in LINEAR_HEADS:
            raise BadParameter(f"image_linear_head must be one of {LINEAR_HEADS}")
        if not 0 < self.image_lda_shrinkage <= 1:
            raise BadParameter(
                f"image_lda_shrinkage must lie in (0, 1], got {self.image_lda_shrinkage}"
            )
        for name in ("learning_rate", "image_learning_rate"):
            if not 0 < getattr(self, name) < 1:
                raise BadParameter(f"{name} must lie in (0, 1), got {getattr(self, name)}")

    def text_loop(self) -> LoopRecipe:
        return LoopRecipe(
            self.epochs, self.batch_size, self.learning_rate, self.patience,
            self.text_class_weight_power, self.text_label_smoothing, 0.0, self.warmup_fraction,
        )  # fmt: skip

    def image_loop(self) -> LoopRecipe:
        return LoopRecipe(
            self.image_epochs, self.image_batch_size, self.image_learning_rate,
            self.image_patience, self.image_class_weight_power, self.image_label_smoothing,
            self.image_weight_decay, self.warmup_fraction,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


RECIPE_KEYS = {f.name for f in fields(TrainingRecipe)}
PARAM_KEYS = {f.name for f in fields(ModelParams)}


def load_tuned(path: Path) -> dict[str, Any]:
    """The tuned defaults (``{"recipe": {...}, "model_params": {...}}``), or {} if none."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("ignoring unreadable tuned defaults %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def save_tuned(
    path: Path, recipe: TrainingRecipe, params: ModelParams, extra: dict[str, Any]
) -> None:
    write_json_atomic(path, {"recipe": recipe.to_dict(), "model_params": params.to_dict(), **extra})


def resolve(
    tuned_path: Path,
    overrides: dict[str, Any] | None = None,
    base_params: ModelParams | None = None,
) -> tuple[TrainingRecipe, ModelParams]:
    """The recipe and ModelParams of a run: defaults, tuned defaults, then ``overrides``.

    ``overrides`` is flat (recipe and ModelParams fields by name); None values are
    ignored; an unknown name is an error (a typo must not silently do nothing).
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(overrides) - RECIPE_KEYS - PARAM_KEYS
    if unknown:
        raise BadParameter(f"unknown training parameter(s): {', '.join(sorted(unknown))}")
    tuned = load_tuned(tuned_path)
    # Files saved before the recipe existed kept its fields under these two keys.
    saved = {
        **tuned.get("schedule", {}),
        **tuned.get("model_params", {}),
        **tuned.get("recipe", {}),
    }
    recipe_values = {k: v for k, v in saved.items() if k in RECIPE_KEYS}
    param_values = {k: v for k, v in tuned.get("model_params", {}).items() if k in PARAM_KEYS}
    if "model_params" in tuned:  # files saved before text members existed tuned one member
        param_values.setdefault("text_members", 1)
    recipe_values.update({k: v for k, v in overrides.items() if k in RECIPE_KEYS})
    param_values.update({k: v for k, v in overrides.items() if k in PARAM_KEYS})
    try:
        params = replace(base_params or ModelParams(), **param_values)
    except ValueError as exc:
        raise BadParameter(str(exc)) from exc
    return TrainingRecipe(**recipe_values), params
