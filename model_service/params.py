"""What one version's saved weights need: sizes and what the image head reads.

Nothing here imports TensorFlow: the ONNX workers read ``params.json`` with it too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from common.categories import CODES
from model_service.preprocessing import IMAGE_FRAMINGS, IMAGE_SIZE

IMAGE_FEATURES = ("flat", "pooled", "grid", "bilinear")
"""What the image head reads: ``bilinear`` (the default: ``grid`` and each layer's
second-order pooling), ``grid`` (global average and max of two VGG16 layers and their
averages over a 2x2 grid), ``pooled`` (the global ones alone) or ``flat``
(``block5_pool`` flattened, 25,088 numbers; the default of the first versions). See
docs/image-branch.md."""


@dataclass(frozen=True)
class ModelParams:
    """What one version's saved weights need: layer sizes and what the image head reads.

    Saved as the version's ``params.json``. How the weights were trained is the
    trainer's ``TrainingRecipe``, recorded beside them.
    """

    vocab_size: int = 40_000
    seq_len: int = 96
    embed_dim: int = 192
    gru_units: int = 128
    text_dropout: float = 0.5
    text_members: int = 2  # BiGRUs trained apart whose probabilities the text branch averages
    image_framing: str = "product"  # or "whole": see IMAGE_FRAMINGS
    image_features: str = "bilinear"  # see IMAGE_FEATURES and docs/image-branch.md
    image_hidden: int = 0  # units of the head's two hidden layers; 0 = a linear head
    image_dropout: float = 0.7  # between the hidden layers; unused by a linear head
    num_classes: int = len(CODES)
    image_size: int = IMAGE_SIZE

    def to_dict(self) -> dict[str, float | int | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ModelParams:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        # What versions saved before each choice existed were trained on.
        values.setdefault("image_framing", "whole")
        values.setdefault("image_features", "flat")
        values.setdefault("text_members", 1)
        return cls(**values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.text_members < 1:
            raise ValueError("text_members must be at least 1")
        if self.image_framing not in IMAGE_FRAMINGS:
            raise ValueError(f"image_framing must be one of {IMAGE_FRAMINGS}")
        if self.image_features not in IMAGE_FEATURES:
            raise ValueError(f"image_features must be one of {IMAGE_FEATURES}")
