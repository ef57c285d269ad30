"""What one version's saved weights need: sizes and what the image head reads.

Nothing here imports TensorFlow: the ONNX workers read ``params.json`` with it too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from common.categories import CODES
from model_service.preprocessing import IMAGE_SIZE

IMAGE_FEATURES = ("flat", "pooled")
"""What the image head reads: ``flat`` (``block5_pool`` flattened, the default) or
``pooled`` (global average and max of two VGG16 layers: a head a tenth the size,
trained six times faster, as good in cross-validation; see docs/image-branch.md)."""


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
    image_features: str = "flat"  # or "pooled": see IMAGE_FEATURES and docs/image-branch.md
    image_hidden: int = 512
    image_dropout: float = 0.7
    num_classes: int = len(CODES)
    image_size: int = IMAGE_SIZE

    def to_dict(self) -> dict[str, float | int | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ModelParams:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values.setdefault("image_features", "flat")  # saved before the choice existed
        return cls(**values)  # type: ignore[arg-type]
