"""Small things tests make for themselves: tiny model versions, images, texts."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

TINY_IMAGE_SIZE = 32
"""VGG16 at 32x32 runs in a millisecond or two: plenty for testing the plumbing."""


def tiny_params(**overrides: object):
    from model_service.model import ModelParams

    values = dict(
        vocab_size=64,
        seq_len=12,
        embed_dim=8,
        gru_units=4,
        image_hidden=16,
        image_size=TINY_IMAGE_SIZE,
    )
    values.update(overrides)
    return ModelParams(**values)  # type: ignore[arg-type]


def make_tiny_version(
    models_dir: Path,
    name: str = "v1",
    text_weight: float = 0.5,
    promote: bool = True,
    seed: int = 0,
    image_features: str = "flat",
) -> Path:
    """A randomly initialised but complete model version, optionally put in production."""
    import keras

    from common.model_store import set_production
    from model_service.model import build_image_head, build_text_model
    from model_service.preprocessing import TextEncoder
    from model_service.version import ModelVersion, save_version

    keras.utils.set_random_seed(seed)
    params = tiny_params()
    encoder = TextEncoder(["piscine", "livre", "console", "jeu"])
    params = tiny_params(vocab_size=encoder.size, image_features=image_features)
    version = ModelVersion(
        name, params, encoder, build_text_model(params), build_image_head(params), text_weight
    )
    path = save_version(models_dir, version)
    if promote:
        set_production(models_dir, name)
    return path


def noisy_jpeg(size: int = 300, seed: int = 0) -> bytes:
    """A JPEG of random pixels: large for its size, so a cut one keeps its header."""
    pixels = np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    mode: str = "RGB",
    color: tuple[int, ...] = (200, 30, 30),
    **save_args: object,
) -> bytes:
    """An encoded image of one colour with a darker stripe (so it is not uniform)."""
    image = Image.new(mode, size, color if mode != "L" else color[0])
    pixels = np.array(image)
    pixels[: size[1] // 3] //= 2
    image = Image.fromarray(pixels, mode=mode)
    out = io.BytesIO()
    image.save(out, format=fmt, **save_args)
    return out.getvalue()
